/*
 * The GDB Remote Serial Protocol (see gdb_protocol.h): packet framing in both
 * directions, command parsing, archk's register layout and target
 * description. No I/O and no system calls, so every input can be fuzzed.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "gdb_protocol.h"

static const char hex_digits[] = "0123456789abcdef";

/* The value of a hex digit, or -1 for any other byte (or -1, end of input). */
static int hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Hex for replies (m, p, g); lower case as gdbserver sends it. */
size_t gdb_hex_encode(const void *data, size_t len, char *out)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[p[i] >> 4];
		out[2 * i + 1] = hex_digits[p[i] & 15];
	}
	out[2 * len] = 0;
	return 2 * len;
}

/* ---- Receiving ---- */

/* Where the next received byte goes. */
enum { GDB_RX_IDLE, GDB_RX_DATA, GDB_RX_ESCAPE, GDB_RX_CSUM1, GDB_RX_CSUM2 };

/* Resets the receiver to wait for a packet. */
void gdb_rx_init(struct gdb_rx *rx)
{
	rx->state = GDB_RX_IDLE;
	rx->packet_len = 0;
	rx->packet[0] = 0;
}

/* Begins collecting a packet (after a '$'). */
static void rx_start(struct gdb_rx *rx)
{
	rx->state = GDB_RX_DATA;
	rx->checksum = 0;
	rx->received = 0;
	rx->overflow = 0;
	rx->packet_len = 0;
}

/* Appends one unescaped payload byte, or notes that the packet is too long. */
static void rx_store(struct gdb_rx *rx, uint8_t b)
{
	if (rx->packet_len == GDB_PACKET_MAX)
		rx->overflow = 1;
	else
		rx->packet[rx->packet_len++] = b;
}

/* A byte between packets: acks, interrupts and the start of a packet; the rest is noise. */
static enum gdb_event rx_idle(struct gdb_rx *rx, uint8_t b)
{
	switch (b) {
	case '$':
		rx_start(rx);
		return GDB_EV_NONE;
	case '+':
		return GDB_EV_ACK;
	case '-':
		return GDB_EV_NAK;
	case 0x03:
		return GDB_EV_INTERRUPT;
	default:
		return GDB_EV_NONE;
	}
}

/*
 * One checksum digit; the second completes the packet. The checksum covers
 * the bytes as sent (escapes included), so it was summed before unescaping.
 */
static enum gdb_event rx_checksum(struct gdb_rx *rx, uint8_t b)
{
	int digit = hex_value(b);

	if (digit < 0) {
		rx->state = GDB_RX_IDLE;
		return GDB_EV_BAD_PACKET;
	}
	rx->received = (uint8_t)(rx->received << 4 | digit);
	if (rx->state == GDB_RX_CSUM1) {
		rx->state = GDB_RX_CSUM2;
		return GDB_EV_NONE;
	}
	rx->state = GDB_RX_IDLE;
	if (rx->overflow || rx->received != rx->checksum)
		return GDB_EV_BAD_PACKET;
	rx->packet[rx->packet_len] = 0;
	return GDB_EV_PACKET;
}

/* Advances the receiver by one byte; returns the event it completes, if any. */
static enum gdb_event rx_byte(struct gdb_rx *rx, uint8_t b)
{
	switch (rx->state) {
	case GDB_RX_DATA:
		if (b == '#') {
			rx->state = GDB_RX_CSUM1;
			return GDB_EV_NONE;
		}
		/* gdb escapes '$' in data, so a raw one starts over (we lost sync). */
		if (b == '$') {
			rx_start(rx);
			return GDB_EV_NONE;
		}
		rx->checksum += b;
		if (b == '}')
			rx->state = GDB_RX_ESCAPE;
		else
			rx_store(rx, b);
		return GDB_EV_NONE;
	case GDB_RX_ESCAPE:
		rx->checksum += b;
		rx->state = GDB_RX_DATA;
		rx_store(rx, b ^ 0x20);
		return GDB_EV_NONE;
	case GDB_RX_CSUM1:
	case GDB_RX_CSUM2:
		return rx_checksum(rx, b);
	default:
		return rx_idle(rx, b);
	}
}

/* Runs bytes through the receiver until one completes an event (see gdb_protocol.h). */
enum gdb_event gdb_rx_feed(struct gdb_rx *rx, const uint8_t **data, size_t *len)
{
	while (*len) {
		enum gdb_event ev = rx_byte(rx, **data);

		(*data)++;
		(*len)--;
		if (ev != GDB_EV_NONE)
			return ev;
	}
	return GDB_EV_NONE;
}

/* ---- Sending ---- */

/* Frames a reply; escaping * too keeps gdb from reading run-length encoding into it. */
int gdb_frame(const void *payload, size_t len, char *out, size_t out_size)
{
	const uint8_t *p = payload;
	uint8_t sum = 0;
	size_t n = 0;

	/* Room is checked for each byte as escaped, plus "#cs" and the NUL after it. */
	if (out_size > INT_MAX)
		out_size = INT_MAX;
	if (out_size < 5)
		return -1;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t b = p[i];
		int escape = b == '$' || b == '#' || b == '}' || b == '*';

		if (out_size - n < 5 + (size_t)escape)
			return -1;
		if (escape) {
			out[n++] = '}';
			sum += '}';
			b ^= 0x20;
		}
		out[n++] = (char)b;
		sum += b;
	}
	out[n++] = '#';
	out[n++] = hex_digits[sum >> 4];
	out[n++] = hex_digits[sum & 15];
	out[n] = 0;
	return (int)n;
}

/* ---- Parsing commands ---- */

/* The unparsed rest of a packet. */
struct cursor {
	const uint8_t *p, *end;
};

/* True when the whole packet has been consumed. */
static int at_end(const struct cursor *c)
{
	return c->p == c->end;
}

/* The next byte, or -1 at the end. */
static int peek(const struct cursor *c)
{
	return at_end(c) ? -1 : *c->p;
}

/* Consumes lit if the packet continues with it; returns whether it did. */
static int take(struct cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* Reads a hex number of at least one digit that fits in 64 bits. */
static int take_hex(struct cursor *c, uint64_t *value)
{
	const uint8_t *start = c->p;
	uint64_t v = 0;
	int digit;

	while ((digit = hex_value(peek(c))) >= 0) {
		if (v >> 60)
			return -1;
		v = v << 4 | (unsigned)digit;
		c->p++;
	}
	*value = v;
	return c->p == start ? -1 : 0;
}

/* Reads one part of a thread id: -1 (all), 0 (any) or a positive hex id. */
static int take_id(struct cursor *c, int64_t *id)
{
	uint64_t v;

	if (take(c, "-1")) {
		*id = -1;
		return 0;
	}
	if (take_hex(c, &v) < 0 || v > INT64_MAX)
		return -1;
	*id = (int64_t)v;
	return 0;
}

/*
 * Reads a thread id. archk does not advertise multiprocess, but the
 * multiprocess form p<pid>.<tid> is tolerated by keeping the thread part;
 * p<pid> alone means all threads of that process.
 */
static int take_thread(struct cursor *c, int64_t *thread)
{
	if (take(c, "p")) {
		if (take_id(c, thread) < 0)
			return -1;
		if (!take(c, ".")) {
			*thread = -1;
			return 0;
		}
	}
	return take_id(c, thread);
}

/* Reads "addr,len" and refuses a range that runs past the end of the address space. */
static int take_range(struct cursor *c, struct gdb_cmd *cmd)
{
	if (take_hex(c, &cmd->addr) < 0 || !take(c, ",") || take_hex(c, &cmd->len) < 0)
		return -1;
	return cmd->len && cmd->len - 1 > UINT64_MAX - cmd->addr ? -1 : 0;
}

/* Decodes the rest of the packet, hex pairs, into cmd->data. */
static int take_hex_data(struct cursor *c, struct gdb_cmd *cmd)
{
	size_t n = (size_t)(c->end - c->p);

	if (n % 2 || n / 2 > sizeof cmd->buf)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(c->p[2 * i]), lo = hex_value(c->p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		cmd->buf[i] = (uint8_t)(hi << 4 | lo);
	}
	c->p = c->end;
	cmd->data = cmd->buf;
	cmd->data_len = n / 2;
	return 0;
}

/* Copies bytes up to the next ':' (consumed too) into a NUL-terminated field. */
static int take_field(struct cursor *c, char *out, size_t size)
{
	size_t n = 0;

	for (; !at_end(c) && *c->p != ':'; c->p++) {
		if (*c->p == 0 || n + 1 == size)
			return -1;
		out[n++] = (char)*c->p;
	}
	out[n] = 0;
	return take(c, ":") ? 0 : -1;
}

/* Reads a signal number (C, S, vCont;C, vCont;S). */
static int take_signal(struct cursor *c, unsigned *signal)
{
	uint64_t sig;

	if (take_hex(c, &sig) < 0 || sig > 255)
		return -1;
	*signal = (unsigned)sig;
	return 0;
}

/* Reads the address a resumption starts at. */
static int take_resume_addr(struct cursor *c, struct gdb_cmd *cmd)
{
	cmd->has_addr = 1;
	return take_hex(c, &cmd->addr);
}

/* Arguments we accept and ignore: qSupported features (our reply does not depend on them). */
static int parse_ignored(struct cursor *c, struct gdb_cmd *cmd)
{
	c->p = c->end;
	return 0;
}

/* A process id (D;pid, vKill;pid, qAttached:pid); archk debugs one, so it is not kept. */
static int parse_pid(struct cursor *c, struct gdb_cmd *cmd)
{
	int64_t pid;

	return take_id(c, &pid);
}

/* Hg / Hc / T / qThreadExtraInfo: a thread id. */
static int parse_thread(struct cursor *c, struct gdb_cmd *cmd)
{
	return take_thread(c, &cmd->thread);
}

/* G: all registers as hex. */
static int parse_regs(struct cursor *c, struct gdb_cmd *cmd)
{
	return take_hex_data(c, cmd);
}

/* p n: a register number. */
static int parse_reg(struct cursor *c, struct gdb_cmd *cmd)
{
	uint64_t reg;

	if (take_hex(c, &reg) < 0 || reg > UINT32_MAX)
		return -1;
	cmd->reg = (unsigned)reg;
	return 0;
}

/* P n=value: a register number and its new value as hex. */
static int parse_reg_write(struct cursor *c, struct gdb_cmd *cmd)
{
	if (parse_reg(c, cmd) < 0 || !take(c, "="))
		return -1;
	return take_hex_data(c, cmd);
}

/* m addr,len: at most GDB_MEM_MAX bytes, so the reply fits in a packet. */
static int parse_read_mem(struct cursor *c, struct gdb_cmd *cmd)
{
	return take_range(c, cmd) < 0 || cmd->len > GDB_MEM_MAX ? -1 : 0;
}

/* M addr,len:hex: exactly len bytes of hex data. */
static int parse_write_mem_hex(struct cursor *c, struct gdb_cmd *cmd)
{
	if (take_range(c, cmd) < 0 || !take(c, ":") || take_hex_data(c, cmd) < 0)
		return -1;
	return cmd->data_len == cmd->len ? 0 : -1;
}

/*
 * X addr,len:binary: exactly len bytes, already unescaped by the receiver.
 * gdb probes for X support with a zero length.
 */
static int parse_write_mem_binary(struct cursor *c, struct gdb_cmd *cmd)
{
	size_t n;

	if (take_range(c, cmd) < 0 || !take(c, ":"))
		return -1;
	n = (size_t)(c->end - c->p);
	if (n != cmd->len || n > sizeof cmd->buf)
		return -1;
	memcpy(cmd->buf, c->p, n);
	c->p = c->end;
	cmd->data = cmd->buf;
	cmd->data_len = n;
	return 0;
}

/* c [addr] / s [addr]. */
static int parse_resume(struct cursor *c, struct gdb_cmd *cmd)
{
	return at_end(c) ? 0 : take_resume_addr(c, cmd);
}

/* C sig[;addr] / S sig[;addr]. */
static int parse_resume_signal(struct cursor *c, struct gdb_cmd *cmd)
{
	if (take_signal(c, &cmd->signal) < 0)
		return -1;
	return take(c, ";") ? take_resume_addr(c, cmd) : 0;
}

/*
 * vCont;action[:thread][;action[:thread]]...: c, s, C sig, S sig. The first
 * step action (or else the first action) becomes the command; others, such
 * as the "c" in "vCont;s:1;c", describe what the remaining threads do, and
 * archk keeps them stopped while one thread steps.
 */
static int parse_vcont(struct cursor *c, struct gdb_cmd *cmd)
{
	int first = 1;

	do {
		int op = peek(c);
		enum gdb_cmd_kind kind = op == 's' || op == 'S' ? GDB_CMD_STEP : GDB_CMD_CONTINUE;
		unsigned signal = 0;
		int64_t thread = -1;

		if (op != 'c' && op != 's' && op != 'C' && op != 'S')
			return op < 0 || op == ';' ? -1 : 1;
		c->p++;
		if ((op == 'C' || op == 'S') && take_signal(c, &signal) < 0)
			return -1;
		if (take(c, ":") && take_thread(c, &thread) < 0)
			return -1;
		if (first || (kind == GDB_CMD_STEP && cmd->kind != GDB_CMD_STEP)) {
			cmd->kind = kind;
			cmd->signal = signal;
			cmd->thread = thread;
		}
		first = 0;
	} while (take(c, ";"));
	return 0;
}

/* qXfer:object:read:annex:offset,length. Other operations (write) are unsupported. */
static int parse_xfer(struct cursor *c, struct gdb_cmd *cmd)
{
	if (take_field(c, cmd->object, sizeof cmd->object) < 0 || !take(c, "read:"))
		return 1;
	if (take_field(c, cmd->annex, sizeof cmd->annex) < 0 || take_hex(c, &cmd->addr) < 0 ||
	    !take(c, ",") || take_hex(c, &cmd->len) < 0)
		return -1;
	return 0;
}

/* Z0,addr,kind / z0,addr,kind: software breakpoints; len holds the kind. */
static int parse_break(struct cursor *c, struct gdb_cmd *cmd)
{
	return take_range(c, cmd);
}

/* Commands that are the whole packet. */
static const struct {
	const char *text;
	enum gdb_cmd_kind kind;
} exact_commands[] = {
    {"?", GDB_CMD_HALT_REASON},
    {"g", GDB_CMD_READ_REGS},
    {"k", GDB_CMD_KILL},
    {"D", GDB_CMD_DETACH},
    {"qSupported", GDB_CMD_QSUPPORTED},
    {"qAttached", GDB_CMD_ATTACHED},
    {"qC", GDB_CMD_CURRENT_THREAD},
    {"qfThreadInfo", GDB_CMD_THREAD_LIST_FIRST},
    {"qsThreadInfo", GDB_CMD_THREAD_LIST_NEXT},
    {"qOffsets", GDB_CMD_OFFSETS},
    {"QStartNoAckMode", GDB_CMD_START_NOACK},
    {"vMustReplyEmpty", GDB_CMD_VMUSTREPLYEMPTY},
    {"vCont?", GDB_CMD_VCONT_QUERY},
};

/* Commands with arguments, by prefix; the parser must consume the whole rest. */
static const struct {
	const char *prefix;
	enum gdb_cmd_kind kind;
	int (*parse)(struct cursor *c, struct gdb_cmd *cmd);
} prefixed_commands[] = {
    {"qSupported:", GDB_CMD_QSUPPORTED, parse_ignored},
    {"qAttached:", GDB_CMD_ATTACHED, parse_pid},
    {"D;", GDB_CMD_DETACH, parse_pid},
    {"vKill;", GDB_CMD_KILL, parse_pid},
    {"Hg", GDB_CMD_SET_THREAD, parse_thread},
    {"Hc", GDB_CMD_SET_THREAD, parse_thread},
    {"T", GDB_CMD_THREAD_ALIVE, parse_thread},
    {"qThreadExtraInfo,", GDB_CMD_THREAD_EXTRA, parse_thread},
    {"G", GDB_CMD_WRITE_REGS, parse_regs},
    {"p", GDB_CMD_READ_REG, parse_reg},
    {"P", GDB_CMD_WRITE_REG, parse_reg_write},
    {"m", GDB_CMD_READ_MEM, parse_read_mem},
    {"M", GDB_CMD_WRITE_MEM, parse_write_mem_hex},
    {"X", GDB_CMD_WRITE_MEM, parse_write_mem_binary},
    {"c", GDB_CMD_CONTINUE, parse_resume},
    {"s", GDB_CMD_STEP, parse_resume},
    {"C", GDB_CMD_CONTINUE, parse_resume_signal},
    {"S", GDB_CMD_STEP, parse_resume_signal},
    {"vCont;", GDB_CMD_CONTINUE, parse_vcont},
    {"qXfer:", GDB_CMD_XFER_READ, parse_xfer},
    {"Z0,", GDB_CMD_INSERT_BREAK, parse_break},
    {"z0,", GDB_CMD_REMOVE_BREAK, parse_break},
};

/* Finds the command a packet starts with and parses its arguments (result as gdb_parse). */
static int parse_command(struct cursor *c, struct gdb_cmd *cmd)
{
	size_t len = (size_t)(c->end - c->p);

	for (size_t i = 0; i < sizeof exact_commands / sizeof exact_commands[0]; i++) {
		if (strlen(exact_commands[i].text) == len && take(c, exact_commands[i].text)) {
			cmd->kind = exact_commands[i].kind;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof prefixed_commands / sizeof prefixed_commands[0]; i++) {
		int r;

		if (!take(c, prefixed_commands[i].prefix))
			continue;
		cmd->kind = prefixed_commands[i].kind;
		if (cmd->kind == GDB_CMD_SET_THREAD)
			cmd->set_op = (char)c->p[-1];
		r = prefixed_commands[i].parse(c, cmd);
		return r == 0 && !at_end(c) ? -1 : r;
	}
	return 1;
}

/* Parses a packet payload; a payload longer than any accepted packet is malformed. */
int gdb_parse(const uint8_t *payload, size_t len, struct gdb_cmd *cmd)
{
	struct cursor c = {payload, payload + len};
	int r;

	memset(cmd, 0, offsetof(struct gdb_cmd, buf));
	r = len > GDB_PACKET_MAX ? -1 : parse_command(&c, cmd);
	if (r != 0)
		cmd->kind = GDB_CMD_UNKNOWN;
	return r;
}

/* ---- Registers ---- */

/* The FXSAVE area at the start of guest_context.fpu (Linux signal-frame layout). */
#define FX_FCW	  0
#define FX_FSW	  2
#define FX_FTW	  4 /* abridged: one bit per physical register, 1 = not empty */
#define FX_FOP	  6
#define FX_FIP	  8 /* 64-bit: fioff is the low half, fiseg the high half (as gdb does) */
#define FX_FDP	  16
#define FX_MXCSR  24
#define FX_MXMASK 28
#define FX_ST(i)  (32 + 16 * (i))
#define FX_XMM(i) (160 + 16 * (i))
/* After it, in an XSAVE image: the header's XSTATE_BV, one bit per component in use. */
#define FX_BYTES	   512
#define XSTATE_BV	   512
#define XSTATE_X87	   1
#define XSTATE_SSE	   2
#define MXCSR_MASK_DEFAULT 0xffbf /* when the CPU reports a mask of 0 */

/* Where a register lives. */
enum reg_kind {
	REG_CTX,   /* a field of guest_context */
	REG_FPU,   /* a field of the FXSAVE area */
	REG_CONST, /* not tracked: reads as value, writes are ignored */
	REG_FTAG,  /* the x87 tag word, from the abridged FXSAVE form */
	REG_MXCSR, /* mxcsr: writes are masked to the bits the CPU allows */
};

/*
 * A register: its size for gdb, where and in how many bytes it is stored
 * (zero-extended when fewer), and the XSAVE component it belongs to.
 */
struct reg_desc {
	enum reg_kind kind;
	uint8_t size, stored;
	uint16_t offset;
	uint8_t xstate;
	uint32_t value;
};

#define CTX_REG(field, bytes)                                                                      \
	{                                                                                          \
		REG_CTX, bytes, bytes, offsetof(struct guest_context, field), 0, 0                 \
	}
#define CONST_REG(bytes, v)                                                                        \
	{                                                                                          \
		REG_CONST, bytes, 0, 0, 0, v                                                       \
	}
#define X87_REG(off, bytes)                                                                        \
	{                                                                                          \
		REG_FPU, 4, bytes, off, XSTATE_X87, 0                                              \
	}
#define ST_REG(i)                                                                                  \
	{                                                                                          \
		REG_FPU, 10, 10, FX_ST(i), XSTATE_X87, 0                                           \
	}
#define XMM_REG(i)                                                                                 \
	{                                                                                          \
		REG_FPU, 16, 16, FX_XMM(i), XSTATE_SSE, 0                                          \
	}

/* Every register, by number (the table in gdb_protocol.h). */
static const struct reg_desc registers[] = {
    CTX_REG(rax, 8),
    CTX_REG(rbx, 8),
    CTX_REG(rcx, 8),
    CTX_REG(rdx, 8),
    CTX_REG(rsi, 8),
    CTX_REG(rdi, 8),
    CTX_REG(rbp, 8),
    CTX_REG(rsp, 8),
    CTX_REG(r8, 8),
    CTX_REG(r9, 8),
    CTX_REG(r10, 8),
    CTX_REG(r11, 8),
    CTX_REG(r12, 8),
    CTX_REG(r13, 8),
    CTX_REG(r14, 8),
    CTX_REG(r15, 8),
    CTX_REG(rip, 8),
    CTX_REG(rflags, 4), /* eflags: the low half */
    CONST_REG(4, 0x33), /* cs, ss: the user selectors; ds es fs gs: null */
    CONST_REG(4, 0x2b),
    CONST_REG(4, 0),
    CONST_REG(4, 0),
    CONST_REG(4, 0),
    CONST_REG(4, 0),
    ST_REG(0),
    ST_REG(1),
    ST_REG(2),
    ST_REG(3),
    ST_REG(4),
    ST_REG(5),
    ST_REG(6),
    ST_REG(7),
    X87_REG(FX_FCW, 2),
    X87_REG(FX_FSW, 2),
    {REG_FTAG, 4, 1, FX_FTW, XSTATE_X87, 0},
    X87_REG(FX_FIP + 4, 4), /* fiseg, fioff, foseg, fooff */
    X87_REG(FX_FIP, 4),
    X87_REG(FX_FDP + 4, 4),
    X87_REG(FX_FDP, 4),
    X87_REG(FX_FOP, 2),
    XMM_REG(0),
    XMM_REG(1),
    XMM_REG(2),
    XMM_REG(3),
    XMM_REG(4),
    XMM_REG(5),
    XMM_REG(6),
    XMM_REG(7),
    XMM_REG(8),
    XMM_REG(9),
    XMM_REG(10),
    XMM_REG(11),
    XMM_REG(12),
    XMM_REG(13),
    XMM_REG(14),
    XMM_REG(15),
    {REG_MXCSR, 4, 4, FX_MXCSR, XSTATE_SSE, 0},
    CTX_REG(fs_base, 8),
    CONST_REG(8, 0), /* gs_base: archk guests have none */
};
_Static_assert(sizeof registers / sizeof registers[0] == GDB_NUM_REGS, "GDB_NUM_REGS");

/* The tag (0 valid, 1 zero, 2 special) of a non-empty x87 register from its 80-bit value. */
static unsigned x87_tag(const uint8_t *st)
{
	uint16_t exponent = (uint16_t)((st[9] << 8 | st[8]) & 0x7fff);
	uint64_t mantissa;

	memcpy(&mantissa, st, 8);
	if (exponent == 0x7fff)
		return 2;
	if (exponent == 0)
		return mantissa ? 2 : 1;
	return mantissa >> 63 ? 0 : 2;
}

/*
 * The full 16-bit tag word gdb shows, rebuilt from FXSAVE's abridged byte:
 * empty registers are 11, the others classified from their contents. The
 * abridged bits are by physical register, the st slots by stack position.
 */
static uint32_t ftag_read(const uint8_t *fpu)
{
	unsigned top = (fpu[FX_FSW + 1] >> 3) & 7;
	uint32_t tags = 0;

	for (unsigned phys = 0; phys < 8; phys++) {
		unsigned tag = 3;

		if (fpu[FX_FTW] & (1u << phys))
			tag = x87_tag(fpu + FX_ST((phys - top) & 7));
		tags |= tag << (2 * phys);
	}
	return tags;
}

/* The abridged tag byte for a full tag word: a register is in use unless tagged 11. */
static uint8_t ftag_abridge(uint32_t tags)
{
	uint8_t abridged = 0;

	for (unsigned phys = 0; phys < 8; phys++)
		if (((tags >> (2 * phys)) & 3) != 3)
			abridged |= (uint8_t)(1u << phys);
	return abridged;
}

/* Reads one register in gdb's layout, zero-extending fields stored narrower. */
int gdb_reg_read(const struct guest_context *ctx, unsigned reg, uint8_t *out, size_t *len)
{
	const struct reg_desc *d;
	uint32_t v;

	if (reg >= GDB_NUM_REGS)
		return -1;
	d = &registers[reg];
	memset(out, 0, d->size);
	switch (d->kind) {
	case REG_CTX:
		memcpy(out, (const uint8_t *)ctx + d->offset, d->stored);
		break;
	case REG_FPU:
	case REG_MXCSR:
		memcpy(out, ctx->fpu + d->offset, d->stored);
		break;
	case REG_CONST:
		memcpy(out, &d->value, sizeof d->value);
		break;
	case REG_FTAG:
		v = ftag_read(ctx->fpu);
		memcpy(out, &v, sizeof v);
		break;
	}
	*len = d->size;
	return 0;
}

/*
 * Stores a register. An FPU register changed while its XSAVE component is
 * in the init state (XSTATE_BV bit clear) would be discarded by XRSTOR, so
 * the component is marked in use.
 */
int gdb_reg_write(struct guest_context *ctx, unsigned reg, const uint8_t *data, size_t len)
{
	const struct reg_desc *d;
	uint32_t v, mask;

	if (reg >= GDB_NUM_REGS || len != registers[reg].size)
		return -1;
	d = &registers[reg];
	switch (d->kind) {
	case REG_CTX:
		memcpy((uint8_t *)ctx + d->offset, data, d->stored);
		return 0;
	case REG_CONST:
		return 0;
	case REG_FPU:
		memcpy(ctx->fpu + d->offset, data, d->stored);
		break;
	case REG_MXCSR:
		memcpy(&v, data, sizeof v);
		memcpy(&mask, ctx->fpu + FX_MXMASK, sizeof mask);
		v &= mask ? mask : MXCSR_MASK_DEFAULT;
		memcpy(ctx->fpu + FX_MXCSR, &v, sizeof v);
		break;
	case REG_FTAG:
		memcpy(&v, data, sizeof v);
		ctx->fpu[FX_FTW] = ftag_abridge(v);
		break;
	}
	if (ctx->fpu_bytes > FX_BYTES)
		ctx->fpu[XSTATE_BV] |= (uint8_t)d->xstate;
	return 0;
}

/* The g reply: every register in order, as hex. */
size_t gdb_regs_encode(const struct guest_context *ctx, char *out, size_t out_size)
{
	size_t n = 0;

	if (out_size < 2 * GDB_REGS_BYTES + 1)
		return 0;
	for (unsigned reg = 0; reg < GDB_NUM_REGS; reg++) {
		uint8_t value[GDB_REG_MAX];
		size_t len;

		gdb_reg_read(ctx, reg, value, &len);
		n += gdb_hex_encode(value, len, out + n);
	}
	return n;
}

/* The G packet: every register in order; writes nothing unless the size is exact. */
int gdb_regs_decode(struct guest_context *ctx, const uint8_t *data, size_t len)
{
	if (len != GDB_REGS_BYTES)
		return -1;
	for (unsigned reg = 0; reg < GDB_NUM_REGS; reg++) {
		gdb_reg_write(ctx, reg, data, registers[reg].size);
		data += registers[reg].size;
	}
	return 0;
}

/* ---- Target description ---- */

/*
 * gdb's i386:x86-64 core, sse and segments features (register numbers 0-58,
 * sequential, with regnum given where each feature starts).
 */
static const char target_xml[] =
    "<?xml version='1.0'?>\n"
    "<!DOCTYPE target SYSTEM 'gdb-target.dtd'>\n"
    "<target version='1.0'>\n"
    "<architecture>i386:x86-64</architecture>\n"
    "<feature name='org.gnu.gdb.i386.core'>\n"
    "<flags id='i386_eflags' size='4'>\n"
    "<field name='CF' start='0' end='0'/>\n"
    "<field name='' start='1' end='1'/>\n"
    "<field name='PF' start='2' end='2'/>\n"
    "<field name='AF' start='4' end='4'/>\n"
    "<field name='ZF' start='6' end='6'/>\n"
    "<field name='SF' start='7' end='7'/>\n"
    "<field name='TF' start='8' end='8'/>\n"
    "<field name='IF' start='9' end='9'/>\n"
    "<field name='DF' start='10' end='10'/>\n"
    "<field name='OF' start='11' end='11'/>\n"
    "<field name='NT' start='14' end='14'/>\n"
    "<field name='RF' start='16' end='16'/>\n"
    "<field name='VM' start='17' end='17'/>\n"
    "<field name='AC' start='18' end='18'/>\n"
    "<field name='VIF' start='19' end='19'/>\n"
    "<field name='VIP' start='20' end='20'/>\n"
    "<field name='ID' start='21' end='21'/>\n"
    "</flags>\n"
    "<reg name='rax' bitsize='64' type='int64' regnum='0'/>\n"
    "<reg name='rbx' bitsize='64' type='int64'/>\n"
    "<reg name='rcx' bitsize='64' type='int64'/>\n"
    "<reg name='rdx' bitsize='64' type='int64'/>\n"
    "<reg name='rsi' bitsize='64' type='int64'/>\n"
    "<reg name='rdi' bitsize='64' type='int64'/>\n"
    "<reg name='rbp' bitsize='64' type='data_ptr'/>\n"
    "<reg name='rsp' bitsize='64' type='data_ptr'/>\n"
    "<reg name='r8' bitsize='64' type='int64'/>\n"
    "<reg name='r9' bitsize='64' type='int64'/>\n"
    "<reg name='r10' bitsize='64' type='int64'/>\n"
    "<reg name='r11' bitsize='64' type='int64'/>\n"
    "<reg name='r12' bitsize='64' type='int64'/>\n"
    "<reg name='r13' bitsize='64' type='int64'/>\n"
    "<reg name='r14' bitsize='64' type='int64'/>\n"
    "<reg name='r15' bitsize='64' type='int64'/>\n"
    "<reg name='rip' bitsize='64' type='code_ptr'/>\n"
    "<reg name='eflags' bitsize='32' type='i386_eflags'/>\n"
    "<reg name='cs' bitsize='32' type='int32'/>\n"
    "<reg name='ss' bitsize='32' type='int32'/>\n"
    "<reg name='ds' bitsize='32' type='int32'/>\n"
    "<reg name='es' bitsize='32' type='int32'/>\n"
    "<reg name='fs' bitsize='32' type='int32'/>\n"
    "<reg name='gs' bitsize='32' type='int32'/>\n"
    "<reg name='st0' bitsize='80' type='i387_ext'/>\n"
    "<reg name='st1' bitsize='80' type='i387_ext'/>\n"
    "<reg name='st2' bitsize='80' type='i387_ext'/>\n"
    "<reg name='st3' bitsize='80' type='i387_ext'/>\n"
    "<reg name='st4' bitsize='80' type='i387_ext'/>\n"
    "<reg name='st5' bitsize='80' type='i387_ext'/>\n"
    "<reg name='st6' bitsize='80' type='i387_ext'/>\n"
    "<reg name='st7' bitsize='80' type='i387_ext'/>\n"
    "<reg name='fctrl' bitsize='32' type='int' group='float'/>\n"
    "<reg name='fstat' bitsize='32' type='int' group='float'/>\n"
    "<reg name='ftag' bitsize='32' type='int' group='float'/>\n"
    "<reg name='fiseg' bitsize='32' type='int' group='float'/>\n"
    "<reg name='fioff' bitsize='32' type='int' group='float'/>\n"
    "<reg name='foseg' bitsize='32' type='int' group='float'/>\n"
    "<reg name='fooff' bitsize='32' type='int' group='float'/>\n"
    "<reg name='fop' bitsize='32' type='int' group='float'/>\n"
    "</feature>\n"
    "<feature name='org.gnu.gdb.i386.sse'>\n"
    "<vector id='v4f' type='ieee_single' count='4'/>\n"
    "<vector id='v2d' type='ieee_double' count='2'/>\n"
    "<vector id='v16i8' type='int8' count='16'/>\n"
    "<vector id='v8i16' type='int16' count='8'/>\n"
    "<vector id='v4i32' type='int32' count='4'/>\n"
    "<vector id='v2i64' type='int64' count='2'/>\n"
    "<union id='vec128'>\n"
    "<field name='v4_float' type='v4f'/>\n"
    "<field name='v2_double' type='v2d'/>\n"
    "<field name='v16_int8' type='v16i8'/>\n"
    "<field name='v8_int16' type='v8i16'/>\n"
    "<field name='v4_int32' type='v4i32'/>\n"
    "<field name='v2_int64' type='v2i64'/>\n"
    "<field name='uint128' type='uint128'/>\n"
    "</union>\n"
    "<flags id='i386_mxcsr' size='4'>\n"
    "<field name='IE' start='0' end='0'/>\n"
    "<field name='DE' start='1' end='1'/>\n"
    "<field name='ZE' start='2' end='2'/>\n"
    "<field name='OE' start='3' end='3'/>\n"
    "<field name='UE' start='4' end='4'/>\n"
    "<field name='PE' start='5' end='5'/>\n"
    "<field name='DAZ' start='6' end='6'/>\n"
    "<field name='IM' start='7' end='7'/>\n"
    "<field name='DM' start='8' end='8'/>\n"
    "<field name='ZM' start='9' end='9'/>\n"
    "<field name='OM' start='10' end='10'/>\n"
    "<field name='UM' start='11' end='11'/>\n"
    "<field name='PM' start='12' end='12'/>\n"
    "<field name='FZ' start='15' end='15'/>\n"
    "</flags>\n"
    "<reg name='xmm0' bitsize='128' type='vec128' regnum='40'/>\n"
    "<reg name='xmm1' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm2' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm3' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm4' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm5' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm6' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm7' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm8' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm9' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm10' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm11' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm12' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm13' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm14' bitsize='128' type='vec128'/>\n"
    "<reg name='xmm15' bitsize='128' type='vec128'/>\n"
    "<reg name='mxcsr' bitsize='32' type='i386_mxcsr' group='vector'/>\n"
    "</feature>\n"
    "<feature name='org.gnu.gdb.i386.segments'>\n"
    "<reg name='fs_base' bitsize='64' type='int' regnum='57'/>\n"
    "<reg name='gs_base' bitsize='64' type='int'/>\n"
    "</feature>\n"
    "</target>\n";

/* The target description gdb fetches with qXfer:features:read. */
const char *gdb_target_xml(const char *annex)
{
	return annex && strcmp(annex, "target.xml") == 0 ? target_xml : NULL;
}

/* One qXfer read reply: a piece of doc, 'l' when it reaches the end. */
size_t gdb_xfer_slice(const char *doc, size_t doc_len, uint64_t offset, uint64_t len, char *out,
		      size_t out_size)
{
	size_t n = 0;

	if (out_size < 2)
		return 0;
	if (offset < doc_len) {
		n = doc_len - (size_t)offset;
		if (n > len)
			n = (size_t)len;
		if (n > out_size - 2)
			n = out_size - 2;
		memcpy(out + 1, doc + offset, n);
	}
	out[0] = offset < doc_len && offset + n < doc_len ? 'm' : 'l';
	out[n + 1] = 0;
	return n + 1;
}
