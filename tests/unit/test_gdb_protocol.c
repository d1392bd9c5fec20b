/*
 * Unit tests for the GDB remote protocol layer (host/gdb_protocol.c):
 * framing, the receive state machine, command parsing with payloads as real
 * gdb sessions send them, the register layout and the target description.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_protocol.h"

/* Large objects shared by the tests (criterion runs them one at a time). */
static struct gdb_rx rx;
static struct gdb_cmd cmd;
static struct guest_context ctx, ctx2;
static char out[2 * GDB_PACKET_MAX + 16];

static void setup(void)
{
	gdb_rx_init(&rx);
	memset(&ctx, 0, sizeof ctx);
	memset(&ctx2, 0, sizeof ctx2);
}

TestSuite(gdb, .init = setup);

/* Feeds a whole string to rx; returns the first event (the rest stays in *rest). */
static enum gdb_event feed(const char *s, size_t len, const uint8_t **rest, size_t *rest_len)
{
	*rest = (const uint8_t *)s;
	*rest_len = len;
	return gdb_rx_feed(&rx, rest, rest_len);
}

/* Feeds len bytes and expects exactly one event, at the last byte. */
static enum gdb_event feed_bytes(const char *s, size_t len)
{
	const uint8_t *rest;
	size_t n;
	enum gdb_event ev = feed(s, len, &rest, &n);

	cr_assert_eq(n, 0, "%zu bytes left after the event", n);
	return ev;
}

/* feed_bytes for a NUL-terminated string. */
static enum gdb_event feed_one(const char *s)
{
	return feed_bytes(s, strlen(s));
}

/* Expects rx to hold exactly this payload. */
static void assert_packet(const void *payload, size_t len)
{
	cr_assert_eq(rx.packet_len, len);
	cr_assert_eq(memcmp(rx.packet, payload, len), 0);
	cr_assert_eq(rx.packet[len], 0);
}

/* Parses a text payload. */
static int parse(const char *s)
{
	return gdb_parse((const uint8_t *)s, strlen(s), &cmd);
}

/* Parses a payload expected to be valid and of this kind. */
static void parse_ok(const char *s, enum gdb_cmd_kind kind)
{
	int r = parse(s);

	cr_assert_eq(r, 0, "\"%s\" gave %d", s, r);
	cr_assert_eq(cmd.kind, kind, "\"%s\" gave kind %d", s, cmd.kind);
}

/* ---- Framing ---- */

Test(gdb, frame_simple)
{
	cr_assert_eq(gdb_frame("OK", 2, out, sizeof out), 6);
	cr_assert_str_eq(out, "$OK#9a");
	cr_assert_eq(gdb_frame("", 0, out, sizeof out), 4);
	cr_assert_str_eq(out, "$#00");
}

Test(gdb, frame_escapes_and_round_trip)
{
	uint8_t payload[256 + 8];
	int n;

	memcpy(payload, "$#}*$#}*", 8);
	for (int i = 0; i < 256; i++)
		payload[8 + i] = (uint8_t)i;
	n = gdb_frame(payload, sizeof payload, out, sizeof out);
	cr_assert_gt(n, 0);
	cr_assert_eq((size_t)n, 1 + sizeof payload + 12 + 3); /* 12 bytes escaped */
	/* Only framing characters are raw $ and #, and no raw * remains. */
	for (int i = 1; i < n - 3; i++) {
		cr_assert(out[i] != '$' && out[i] != '#' && out[i] != '*', "raw %c at %d", out[i],
			  i);
		if (out[i] == '}')
			i++;
	}
	cr_assert_eq(feed_bytes(out, (size_t)n), GDB_EV_PACKET);
	assert_packet(payload, sizeof payload);
}

Test(gdb, frame_too_small)
{
	const char payload[] = "a}b";
	int need = (int)strlen("$a}]b#xx") + 1;

	cr_assert_eq(gdb_frame(payload, 3, out, (size_t)need - 1), -1);
	cr_assert_eq(gdb_frame(payload, 3, out, (size_t)need), need - 1);
	cr_assert_eq(gdb_frame("", 0, out, 4), -1);
}

Test(gdb, hex_encode)
{
	const uint8_t bytes[] = {0x00, 0xab, 0xff, 0x10};

	memset(out, 'x', 16);
	cr_assert_eq(gdb_hex_encode(bytes, sizeof bytes, out), 8);
	cr_assert_str_eq(out, "00abff10");
}

/* ---- Receiving ---- */

Test(gdb, rx_valid_packet)
{
	cr_assert_eq(feed_one("$g#67"), GDB_EV_PACKET);
	assert_packet("g", 1);
	cr_assert_eq(feed_one("$vMustReplyEmpty#3A"), GDB_EV_PACKET); /* upper-case checksum */
	assert_packet("vMustReplyEmpty", 15);
}

Test(gdb, rx_byte_by_byte)
{
	const char *s = "$QStartNoAckMode#b0";
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++) {
		const uint8_t *p = (const uint8_t *)s + i;
		size_t n = 1;
		enum gdb_event ev = gdb_rx_feed(&rx, &p, &n);

		cr_assert_eq(n, 0);
		cr_assert_eq(ev, i + 1 == len ? GDB_EV_PACKET : GDB_EV_NONE, "byte %zu", i);
	}
	assert_packet("QStartNoAckMode", 15);
}

Test(gdb, rx_two_packets_in_one_buffer)
{
	const char *s = "+$g#67$?#3f";
	const uint8_t *rest;
	size_t n;

	cr_assert_eq(feed(s, strlen(s), &rest, &n), GDB_EV_ACK);
	cr_assert_eq(gdb_rx_feed(&rx, &rest, &n), GDB_EV_PACKET);
	assert_packet("g", 1);
	cr_assert_eq(n, 5);
	cr_assert_eq(gdb_rx_feed(&rx, &rest, &n), GDB_EV_PACKET);
	assert_packet("?", 1);
	cr_assert_eq(n, 0);
	cr_assert_eq(gdb_rx_feed(&rx, &rest, &n), GDB_EV_NONE);
}

Test(gdb, rx_acks)
{
	cr_assert_eq(feed_one("+"), GDB_EV_ACK);
	cr_assert_eq(feed_one("-"), GDB_EV_NAK);
}

Test(gdb, rx_interrupt_outside_and_inside_packets)
{
	char s[16];
	int n;

	cr_assert_eq(feed_one("\x03"), GDB_EV_INTERRUPT);
	/* Inside a packet 0x03 is data, as in binary X packets. */
	n = gdb_frame("a\x03"
		      "b",
		      3, s, sizeof s);
	cr_assert_gt(n, 0);
	cr_assert_eq(feed_one(s), GDB_EV_PACKET);
	assert_packet("a\x03"
		      "b",
		      3);
}

Test(gdb, rx_bad_checksum_then_recovery)
{
	const uint8_t *rest;
	size_t n;

	cr_assert_eq(feed_one("$g#00"), GDB_EV_BAD_PACKET);
	cr_assert_eq(feed_one("$g#67"), GDB_EV_PACKET);
	assert_packet("g", 1);
	/* A non-hex digit ends the packet at once; what follows is noise. */
	cr_assert_eq(feed("$g#z7", 5, &rest, &n), GDB_EV_BAD_PACKET);
	cr_assert_eq(n, 1);
	cr_assert_eq(feed_one("7$?#3f"), GDB_EV_PACKET);
	assert_packet("?", 1);
}

Test(gdb, rx_oversized_packet)
{
	static char big[GDB_PACKET_MAX + 64];
	static uint8_t payload[GDB_PACKET_MAX + 1];
	size_t n;

	/* The longest accepted payload... */
	memset(payload, 'a', sizeof payload);
	n = (size_t)gdb_frame(payload, GDB_PACKET_MAX, big, sizeof big);
	cr_assert_eq(feed_one(big), GDB_EV_PACKET);
	cr_assert_eq(rx.packet_len, GDB_PACKET_MAX);
	/* ...and one byte more, even with a correct checksum. */
	n = (size_t)gdb_frame(payload, GDB_PACKET_MAX + 1, big, sizeof big);
	cr_assert_eq(n, GDB_PACKET_MAX + 5);
	cr_assert_eq(feed_one(big), GDB_EV_BAD_PACKET);
	cr_assert_leq(rx.packet_len, GDB_PACKET_MAX);
	cr_assert_eq(feed_one("$g#67"), GDB_EV_PACKET);
	assert_packet("g", 1);
}

Test(gdb, rx_garbage_between_packets)
{
	cr_assert_eq(feed_one("\r\nxyz#12}*\xff$g#67"), GDB_EV_PACKET);
	assert_packet("g", 1);
	/* A raw '$' inside a packet means the previous one was cut short. */
	cr_assert_eq(feed_one("$m10,$?#3f"), GDB_EV_PACKET);
	assert_packet("?", 1);
}

Test(gdb, rx_escaped_binary_write)
{
	static const char payload[] = "X1000,6:$#}*\0\3";
	size_t len = sizeof payload - 1;
	char s[64];
	int n = gdb_frame(payload, len, s, sizeof s);

	cr_assert_gt(n, 0);
	cr_assert_eq(feed_bytes(s, (size_t)n), GDB_EV_PACKET);
	assert_packet(payload, len);
	cr_assert_eq(gdb_parse(rx.packet, rx.packet_len, &cmd), 0);
	cr_assert_eq(cmd.kind, GDB_CMD_WRITE_MEM);
	cr_assert_eq(cmd.addr, 0x1000);
	cr_assert_eq(cmd.len, 6);
	cr_assert_eq(cmd.data_len, 6);
	cr_assert_eq(memcmp(cmd.data, payload + 8, 6), 0);
}

/* ---- Parsing ---- */

Test(gdb, parse_queries_without_arguments)
{
	parse_ok("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;"
		 "vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;"
		 "memory-tagging+;xmlRegisters=i386",
		 GDB_CMD_QSUPPORTED);
	parse_ok("qSupported", GDB_CMD_QSUPPORTED);
	parse_ok("?", GDB_CMD_HALT_REASON);
	parse_ok("g", GDB_CMD_READ_REGS);
	parse_ok("vCont?", GDB_CMD_VCONT_QUERY);
	parse_ok("qC", GDB_CMD_CURRENT_THREAD);
	parse_ok("qfThreadInfo", GDB_CMD_THREAD_LIST_FIRST);
	parse_ok("qsThreadInfo", GDB_CMD_THREAD_LIST_NEXT);
	parse_ok("k", GDB_CMD_KILL);
	parse_ok("vKill;1", GDB_CMD_KILL);
	parse_ok("D", GDB_CMD_DETACH);
	parse_ok("D;1", GDB_CMD_DETACH);
	parse_ok("qAttached", GDB_CMD_ATTACHED);
	parse_ok("qAttached:1", GDB_CMD_ATTACHED);
	parse_ok("qOffsets", GDB_CMD_OFFSETS);
	parse_ok("QStartNoAckMode", GDB_CMD_START_NOACK);
	parse_ok("vMustReplyEmpty", GDB_CMD_VMUSTREPLYEMPTY);
}

Test(gdb, parse_registers)
{
	parse_ok("G0011ff", GDB_CMD_WRITE_REGS);
	cr_assert_eq(cmd.data_len, 3);
	cr_assert_eq(memcmp(cmd.data, "\x00\x11\xff", 3), 0);
	cr_assert_eq(cmd.data, cmd.buf);
	parse_ok("p10", GDB_CMD_READ_REG);
	cr_assert_eq(cmd.reg, 16);
	parse_ok("p3a", GDB_CMD_READ_REG);
	cr_assert_eq(cmd.reg, 58);
	parse_ok("P10=1010400000000000", GDB_CMD_WRITE_REG);
	cr_assert_eq(cmd.reg, 16);
	cr_assert_eq(cmd.data_len, 8);
	cr_assert_eq(memcmp(cmd.data, "\x10\x10\x40\0\0\0\0\0", 8), 0);
}

Test(gdb, parse_memory)
{
	parse_ok("m7ffff7fd0000,40", GDB_CMD_READ_MEM);
	cr_assert_eq(cmd.addr, 0x7ffff7fd0000);
	cr_assert_eq(cmd.len, 0x40);
	parse_ok("M401000,4:deadBEEF", GDB_CMD_WRITE_MEM);
	cr_assert_eq(cmd.addr, 0x401000);
	cr_assert_eq(cmd.len, 4);
	cr_assert_eq(cmd.data_len, 4);
	cr_assert_eq(memcmp(cmd.data, "\xde\xad\xbe\xef", 4), 0);
	parse_ok("X401000,0:", GDB_CMD_WRITE_MEM); /* gdb's probe for X */
	cr_assert_eq(cmd.len, 0);
	cr_assert_eq(cmd.data_len, 0);
	parse_ok("mfffffffffffffff0,10", GDB_CMD_READ_MEM); /* ends exactly at 2^64 */
	parse_ok("m401000,2000", GDB_CMD_READ_MEM);	    /* PacketSize / 2, as gdb asks */
	cr_assert_eq(cmd.len, GDB_MEM_MAX);
}

Test(gdb, parse_resume)
{
	parse_ok("c", GDB_CMD_CONTINUE);
	cr_assert_eq(cmd.has_addr, 0);
	cr_assert_eq(cmd.thread, 0);
	parse_ok("c401000", GDB_CMD_CONTINUE);
	cr_assert_eq(cmd.has_addr, 1);
	cr_assert_eq(cmd.addr, 0x401000);
	parse_ok("s", GDB_CMD_STEP);
	parse_ok("C0b", GDB_CMD_CONTINUE);
	cr_assert_eq(cmd.signal, 11);
	cr_assert_eq(cmd.has_addr, 0);
	parse_ok("S05;401000", GDB_CMD_STEP);
	cr_assert_eq(cmd.signal, 5);
	cr_assert_eq(cmd.addr, 0x401000);
	parse_ok("vCont;c", GDB_CMD_CONTINUE);
	cr_assert_eq(cmd.thread, -1);
	parse_ok("vCont;c:p1.-1", GDB_CMD_CONTINUE);
	cr_assert_eq(cmd.thread, -1);
	parse_ok("vCont;s:p1.2;c:p1.-1", GDB_CMD_STEP);
	cr_assert_eq(cmd.thread, 2);
	parse_ok("vCont;s:1f;c", GDB_CMD_STEP);
	cr_assert_eq(cmd.thread, 0x1f);
	parse_ok("vCont;c:3;s:4", GDB_CMD_STEP);
	cr_assert_eq(cmd.thread, 4);
	parse_ok("vCont;S0b:5;C02", GDB_CMD_STEP);
	cr_assert_eq(cmd.thread, 5);
	cr_assert_eq(cmd.signal, 11);
	parse_ok("vCont;C0b:7", GDB_CMD_CONTINUE);
	cr_assert_eq(cmd.signal, 11);
	cr_assert_eq(cmd.thread, 7);
}

Test(gdb, parse_threads)
{
	parse_ok("Hg0", GDB_CMD_SET_THREAD);
	cr_assert_eq(cmd.set_op, 'g');
	cr_assert_eq(cmd.thread, 0);
	parse_ok("Hc-1", GDB_CMD_SET_THREAD);
	cr_assert_eq(cmd.set_op, 'c');
	cr_assert_eq(cmd.thread, -1);
	parse_ok("Hgp1.2a", GDB_CMD_SET_THREAD);
	cr_assert_eq(cmd.thread, 0x2a);
	parse_ok("Hgp1", GDB_CMD_SET_THREAD);
	cr_assert_eq(cmd.thread, -1);
	parse_ok("T5", GDB_CMD_THREAD_ALIVE);
	cr_assert_eq(cmd.thread, 5);
	parse_ok("Tp1.5", GDB_CMD_THREAD_ALIVE);
	cr_assert_eq(cmd.thread, 5);
	parse_ok("qThreadExtraInfo,3", GDB_CMD_THREAD_EXTRA);
	cr_assert_eq(cmd.thread, 3);
}

Test(gdb, parse_xfer_and_breakpoints)
{
	parse_ok("qXfer:features:read:target.xml:0,ffb", GDB_CMD_XFER_READ);
	cr_assert_str_eq(cmd.object, "features");
	cr_assert_str_eq(cmd.annex, "target.xml");
	cr_assert_eq(cmd.addr, 0);
	cr_assert_eq(cmd.len, 0xffb);
	parse_ok("qXfer:auxv:read::1000,ffb", GDB_CMD_XFER_READ);
	cr_assert_str_eq(cmd.object, "auxv");
	cr_assert_str_eq(cmd.annex, "");
	cr_assert_eq(cmd.addr, 0x1000);
	parse_ok("Z0,401136,1", GDB_CMD_INSERT_BREAK);
	cr_assert_eq(cmd.addr, 0x401136);
	cr_assert_eq(cmd.len, 1);
	parse_ok("z0,401136,1", GDB_CMD_REMOVE_BREAK);
	cr_assert_eq(cmd.addr, 0x401136);
}

Test(gdb, parse_malformed)
{
	static const char *const bad[] = {
	    "m401000",				/* no length */
	    "m,10",				/* no address */
	    "m401000,",				/* empty length */
	    "mzz,1",				/* not hex */
	    "m401000,40x",			/* trailing junk */
	    "m401000,2001",			/* longer than a reply can carry */
	    "m401000,ffffffffffffffff",		/* huge */
	    "m11112222333344445,1",		/* more than 64 bits */
	    "mffffffffffffffff,2",		/* wraps around */
	    "M401000,4:dead",			/* fewer bytes than the length */
	    "M401000,2:deadbeef",		/* more bytes than the length */
	    "M401000,2:zzzz",			/* not hex */
	    "M401000,2dead",			/* no colon */
	    "X401000,4:ab",			/* binary length mismatch */
	    "G123",				/* odd hex */
	    "Ggg",				/* not hex */
	    "p",				/* no register */
	    "pzz",				/* not hex */
	    "p100000000",			/* above 32 bits */
	    "P10",				/* no value */
	    "P10=0",				/* odd hex */
	    "Hg",				/* no thread */
	    "Hgzz",				/* not hex */
	    "Hg-2",				/* negative other than -1 */
	    "Hg8000000000000000",		/* above INT64_MAX */
	    "Hgp1.",				/* no thread after the dot */
	    "T",				/* no thread */
	    "qThreadExtraInfo,",		/* no thread */
	    "c40x",				/* trailing junk */
	    "C",				/* no signal */
	    "C100",				/* signal above 255 */
	    "C05;",				/* no address */
	    "vCont;",				/* no action */
	    "vCont;c:",				/* no thread */
	    "vCont;c:zz",			/* not hex */
	    "vCont;c;",				/* empty action */
	    "qXfer:features:read:target.xml:0", /* no length */
	    "qXfer:features:read:target.xml",	/* no offset */
	    "Z0,401000",			/* no kind */
	    "z0,401000,1,",			/* trailing junk */
	    "qAttached:xyz",			/* not hex */
	    "D;",				/* no pid */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = parse(bad[i]);

		cr_assert_eq(r, -1, "\"%s\" gave %d", bad[i], r);
		cr_assert_eq(cmd.kind, GDB_CMD_UNKNOWN);
	}
}

Test(gdb, parse_malformed_too_long)
{
	static uint8_t payload[GDB_PACKET_MAX + 1];

	memset(payload, '0', sizeof payload);
	payload[0] = 'G';
	cr_assert_eq(gdb_parse(payload, sizeof payload, &cmd), -1);
	cr_assert_eq(gdb_parse(payload, GDB_PACKET_MAX - 1, &cmd), 0); /* even hex digits */
	cr_assert_eq(cmd.data_len, (GDB_PACKET_MAX - 2) / 2);
}

Test(gdb, parse_unknown)
{
	static const char *const unknown[] = {
	    "",
	    "qTStatus",
	    "qSymbol::",
	    "vFile:setfs:0",
	    "QNonStop:0",
	    "qCRC:401000,10",
	    "qSupportedX",
	    "Hs1",
	    "Z1,401000,1",
	    "z2,401000,4",
	    "vCont;t:1",
	    "vCont;r401000,401010:1",
	    "qXfer:features:write:target.xml:0:abc",
	    "qXfer:an-object-name-too-long-to-be-supported:read::0,1",
	    "gg",
	    "!",
	};

	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		int r = parse(unknown[i]);

		cr_assert_eq(r, 1, "\"%s\" gave %d", unknown[i], r);
		cr_assert_eq(cmd.kind, GDB_CMD_UNKNOWN);
	}
}

/* ---- Registers ---- */

/* Stores an 80-bit x87 value (mantissa, sign and exponent) in st slot i. */
static void set_st(struct guest_context *c, unsigned i, uint64_t mantissa, uint16_t exponent)
{
	memcpy(c->fpu + 32 + 16 * i, &mantissa, 8);
	memcpy(c->fpu + 32 + 16 * i + 8, &exponent, 2);
}

/* Fills ctx with distinct values everywhere gdb can see. */
static void fill_context(struct guest_context *c)
{
	uint64_t *gpr = &c->rax;
	uint16_t fcw = 0x37f, fsw = 3 << 11;
	uint32_t mxcsr = 0x1fa0, mask = 0xffff;

	for (int i = 0; i < 19; i++) /* rax..r15, rip, rflags, fs_base */
		gpr[i] = 0x1111111111111111ULL * (uint64_t)(i + 1) + (uint64_t)i;
	c->rflags = 0x246;
	for (int i = 0; i < 512; i++)
		c->fpu[i] = (uint8_t)(i * 7 + 3);
	memcpy(c->fpu, &fcw, 2);
	memcpy(c->fpu + 2, &fsw, 2);
	c->fpu[4] = 0xa5; /* abridged tags */
	c->fpu[5] = 0;	  /* reserved */
	memcpy(c->fpu + 24, &mxcsr, 4);
	memcpy(c->fpu + 28, &mask, 4);
	set_st(c, 0, 1ULL << 63, 0x3fff); /* 1.0 */
	set_st(c, 1, 0, 0);		  /* 0.0 */
	c->fpu_bytes = 512;
}

/* Decodes the hex of a g reply into bytes. */
static size_t unhex(const char *hex, uint8_t *bytes)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		bytes[i] = (uint8_t)v;
	}
	return n;
}

Test(gdb, registers_round_trip)
{
	static char hex2[2 * GDB_REGS_BYTES + 1];
	uint8_t bytes[GDB_REGS_BYTES];

	fill_context(&ctx);
	cr_assert_eq(gdb_regs_encode(&ctx, out, sizeof out), 2 * GDB_REGS_BYTES);
	cr_assert_eq(strlen(out), 2 * GDB_REGS_BYTES);
	cr_assert_eq(strncmp(out, "1111111111111111", 16), 0); /* rax, little-endian */
	cr_assert_eq(unhex(out, bytes), GDB_REGS_BYTES);
	cr_assert_eq(gdb_regs_decode(&ctx2, bytes, sizeof bytes), 0);
	cr_assert_eq(gdb_regs_encode(&ctx2, hex2, sizeof hex2), 2 * GDB_REGS_BYTES);
	cr_assert_str_eq(hex2, out);
	cr_assert_eq(memcmp(&ctx2, &ctx, offsetof(struct guest_context, full_restore)), 0);
	for (int i = 0; i < 8; i++) /* st0-7: 10 bytes of each 16-byte slot */
		cr_assert_eq(memcmp(ctx2.fpu + 32 + 16 * i, ctx.fpu + 32 + 16 * i, 10), 0);
	cr_assert_eq(memcmp(ctx2.fpu + 160, ctx.fpu + 160, 256), 0); /* xmm0-15 */
	cr_assert_eq(memcmp(ctx2.fpu, ctx.fpu, 24), 0);		     /* x87 control, fip, fdp */
}

Test(gdb, registers_sizes)
{
	uint8_t bytes[GDB_REGS_BYTES + 1] = {0};

	cr_assert_eq(gdb_regs_decode(&ctx, bytes, GDB_REGS_BYTES - 1), -1);
	cr_assert_eq(gdb_regs_decode(&ctx, bytes, GDB_REGS_BYTES + 1), -1);
	cr_assert_eq(gdb_regs_encode(&ctx, out, 2 * GDB_REGS_BYTES), 0);
	cr_assert_eq(gdb_regs_encode(&ctx, out, 2 * GDB_REGS_BYTES + 1), 2 * GDB_REGS_BYTES);
}

/* Writes a register with P-style data and reads it back with p. */
static void write_read(unsigned reg, const void *value, size_t len)
{
	uint8_t back[GDB_REG_MAX];
	size_t n;

	cr_assert_eq(gdb_reg_write(&ctx, reg, value, len), 0, "register %u", reg);
	cr_assert_eq(gdb_reg_read(&ctx, reg, back, &n), 0);
	cr_assert_eq(n, len);
	cr_assert_eq(memcmp(back, value, len), 0, "register %u", reg);
}

Test(gdb, register_rip_eflags_fs_base)
{
	uint64_t rip = 0x401136, fs = 0x7ffff7d8a740, eight = 0;
	uint32_t eflags = 0x202;

	write_read(16, &rip, 8);
	cr_assert_eq(ctx.rip, 0x401136);
	ctx.rflags = 0xffffffff00000000ULL;
	write_read(17, &eflags, 4);
	cr_assert_eq(ctx.rflags, 0xffffffff00000202ULL);
	cr_assert_eq(gdb_reg_write(&ctx, 17, (const uint8_t *)&eight, 8), -1);
	write_read(57, &fs, 8);
	cr_assert_eq(ctx.fs_base, 0x7ffff7d8a740);
	cr_assert_eq(ctx.full_restore, 0); /* the caller decides about restoring */
}

Test(gdb, register_xmm_st_mxcsr)
{
	uint8_t xmm[16], st[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f};
	uint32_t mxcsr = 0xffffffff, got;
	size_t n;

	for (int i = 0; i < 16; i++)
		xmm[i] = (uint8_t)(0xa0 + i);
	write_read(43, xmm, 16);
	cr_assert_eq(memcmp(ctx.fpu + 160 + 3 * 16, xmm, 16), 0);
	write_read(24, st, 10);
	cr_assert_eq(memcmp(ctx.fpu + 32, st, 10), 0);
	/* No XSAVE header (fpu_bytes 0): nothing written past the legacy area. */
	cr_assert_eq(ctx.fpu[512], 0);
	/* mxcsr keeps only the bits MXCSR_MASK allows (0xffbf when it reads 0). */
	cr_assert_eq(gdb_reg_write(&ctx, 56, (const uint8_t *)&mxcsr, 4), 0);
	cr_assert_eq(gdb_reg_read(&ctx, 56, (uint8_t *)&got, &n), 0);
	cr_assert_eq(got, 0xffbf);
	ctx.fpu[28] = 0xff; /* mask 0x000000ff */
	cr_assert_eq(gdb_reg_write(&ctx, 56, (const uint8_t *)&mxcsr, 4), 0);
	memcpy(&got, ctx.fpu + 24, 4);
	cr_assert_eq(got, 0xff);
}

Test(gdb, register_writes_mark_xsave_components)
{
	uint8_t value[16] = {1};

	ctx.fpu_bytes = 1024;
	cr_assert_eq(gdb_reg_write(&ctx, 40, value, 16), 0);
	cr_assert_eq(ctx.fpu[512], 2);
	cr_assert_eq(gdb_reg_write(&ctx, 31, value, 10), 0);
	cr_assert_eq(ctx.fpu[512], 3);
	ctx.fpu[512] = 0;
	cr_assert_eq(gdb_reg_write(&ctx, 0, value, 8), 0);
	cr_assert_eq(ctx.fpu[512], 0);
}

Test(gdb, register_untracked_and_out_of_range)
{
	uint8_t value[GDB_REG_MAX] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint32_t seg;
	uint64_t base;
	size_t n;

	cr_assert_eq(gdb_reg_write(&ctx, 18, value, 4), 0); /* ignored */
	cr_assert_eq(gdb_reg_read(&ctx, 18, (uint8_t *)&seg, &n), 0);
	cr_assert_eq(seg, 0x33);
	cr_assert_eq(gdb_reg_read(&ctx, 19, (uint8_t *)&seg, &n), 0);
	cr_assert_eq(seg, 0x2b);
	cr_assert_eq(gdb_reg_read(&ctx, 23, (uint8_t *)&seg, &n), 0);
	cr_assert_eq(seg, 0);
	cr_assert_eq(gdb_reg_write(&ctx, 58, value, 8), 0);
	cr_assert_eq(gdb_reg_read(&ctx, 58, (uint8_t *)&base, &n), 0);
	cr_assert_eq(base, 0);
	cr_assert_eq(n, 8);
	cr_assert_eq(gdb_reg_read(&ctx, GDB_NUM_REGS, value, &n), -1);
	cr_assert_eq(gdb_reg_read(&ctx, 1000, value, &n), -1);
	cr_assert_eq(gdb_reg_write(&ctx, GDB_NUM_REGS, value, 4), -1);
	cr_assert_eq(gdb_reg_write(&ctx, ~0u, value, 4), -1);
}

Test(gdb, register_ftag)
{
	uint16_t fsw = 7 << 11;
	uint32_t tag, full = 0xfff0;
	size_t n;

	set_st(&ctx, 0, 1ULL << 63, 0x3fff); /* 1.0: valid */
	ctx.fpu[4] = 0x01;
	cr_assert_eq(gdb_reg_read(&ctx, 34, (uint8_t *)&tag, &n), 0);
	cr_assert_eq(tag, 0xfffc);
	set_st(&ctx, 0, 0, 0); /* zero */
	cr_assert_eq(gdb_reg_read(&ctx, 34, (uint8_t *)&tag, &n), 0);
	cr_assert_eq(tag, 0xfffd);
	set_st(&ctx, 0, 1, 0x7fff); /* NaN: special */
	cr_assert_eq(gdb_reg_read(&ctx, 34, (uint8_t *)&tag, &n), 0);
	cr_assert_eq(tag, 0xfffe);
	/* With TOP = 7, st0 is physical register 7. */
	memcpy(ctx.fpu + 2, &fsw, 2);
	set_st(&ctx, 0, 1ULL << 63, 0x3fff);
	ctx.fpu[4] = 0x80;
	cr_assert_eq(gdb_reg_read(&ctx, 34, (uint8_t *)&tag, &n), 0);
	cr_assert_eq(tag, 0x3fff);
	cr_assert_eq(gdb_reg_write(&ctx, 34, (const uint8_t *)&full, 4), 0);
	cr_assert_eq(ctx.fpu[4], 0x03);
}

/* ---- Target description and qXfer ---- */

Test(gdb, target_xml)
{
	const char *xml = gdb_target_xml("target.xml"), *p;
	unsigned reg = 0, bits;

	cr_assert_not_null(xml);
	cr_assert_null(gdb_target_xml("other.xml"));
	cr_assert_null(gdb_target_xml(""));
	cr_assert_null(gdb_target_xml(NULL));
	cr_assert_eq(strncmp(xml, "<?xml", 5), 0);
	cr_assert_not_null(strstr(xml, "<architecture>i386:x86-64</architecture>"));
	cr_assert_not_null(strstr(xml, "<feature name='org.gnu.gdb.i386.core'>"));
	cr_assert_not_null(strstr(xml, "<feature name='org.gnu.gdb.i386.sse'>"));
	cr_assert_not_null(strstr(xml, "<feature name='org.gnu.gdb.i386.segments'>"));
	cr_assert_not_null(strstr(xml, "</target>\n"));
	cr_assert_null(strpbrk(xml, "$#}*"), "needs no escaping in qXfer replies");
	/* Every <reg>, in order, has the size gdb_reg_read gives. */
	for (p = strstr(xml, "<reg "); p; p = strstr(p + 1, "<reg ")) {
		uint8_t value[GDB_REG_MAX];
		size_t n;

		cr_assert_eq(sscanf(strstr(p, "bitsize='"), "bitsize='%u'", &bits), 1);
		cr_assert_eq(gdb_reg_read(&ctx, reg, value, &n), 0, "register %u", reg);
		cr_assert_eq(n * 8, bits, "register %u", reg);
		reg++;
	}
	cr_assert_eq(reg, GDB_NUM_REGS);
	cr_assert_not_null(
	    strstr(xml, "<reg name='xmm0' bitsize='128' type='vec128' regnum='40'/>"));
	cr_assert_not_null(
	    strstr(xml, "<reg name='fs_base' bitsize='64' type='int' regnum='57'/>"));
}

Test(gdb, xfer_slices)
{
	const char doc[] = "abcdefghij";

	cr_assert_eq(gdb_xfer_slice(doc, 10, 0, 4, out, sizeof out), 5);
	cr_assert_str_eq(out, "mabcd");
	cr_assert_eq(gdb_xfer_slice(doc, 10, 6, 4, out, sizeof out), 5);
	cr_assert_str_eq(out, "lghij"); /* ends exactly at the end */
	cr_assert_eq(gdb_xfer_slice(doc, 10, 8, 100, out, sizeof out), 3);
	cr_assert_str_eq(out, "lij");
	cr_assert_eq(gdb_xfer_slice(doc, 10, 10, 4, out, sizeof out), 1);
	cr_assert_str_eq(out, "l");
	cr_assert_eq(gdb_xfer_slice(doc, 10, 1000, 4, out, sizeof out), 1);
	cr_assert_str_eq(out, "l");
	cr_assert_eq(gdb_xfer_slice(doc, 10, UINT64_MAX, UINT64_MAX, out, sizeof out), 1);
	cr_assert_str_eq(out, "l");
	cr_assert_eq(gdb_xfer_slice(doc, 10, 0, UINT64_MAX, out, 4), 3); /* out limits */
	cr_assert_str_eq(out, "mab");
	cr_assert_eq(gdb_xfer_slice(doc, 10, 0, 4, out, 1), 0);
}

Test(gdb, xfer_whole_target_xml)
{
	const char *xml = gdb_target_xml("target.xml");
	static char doc[8192];
	size_t len = strlen(xml), got = 0;

	/* Read in 0xffb-byte pieces as gdb does, until 'l'. */
	for (;;) {
		size_t n = gdb_xfer_slice(xml, len, got, 0xffb, out, sizeof out);

		cr_assert_gt(n, 0);
		memcpy(doc + got, out + 1, n - 1);
		got += n - 1;
		if (out[0] == 'l')
			break;
		cr_assert_eq(out[0], 'm');
	}
	cr_assert_eq(got, len);
	cr_assert_eq(memcmp(doc, xml, len), 0);
}
