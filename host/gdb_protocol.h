/*
 * The GDB Remote Serial Protocol, without any I/O: the server feeds received
 * bytes to gdb_rx_feed, parses each packet with gdb_parse, answers with the
 * register, target description and qXfer helpers below, and frames replies
 * with gdb_frame before writing them out. Being pure C with no system calls,
 * it is unit tested and fuzzed on its own.
 *
 * Register numbers (for p/P and the order of g/G) follow the target
 * description returned by gdb_target_xml, which uses gdb's standard
 * i386:x86-64 features:
 *   0-15 rax rbx rcx rdx rsi rdi rbp rsp r8-r15 (8 bytes), 16 rip (8),
 *   17 eflags (4), 18-23 cs ss ds es fs gs (4), 24-31 st0-st7 (10),
 *   32-39 fctrl fstat ftag fiseg fioff foseg fooff fop (4),
 *   40-55 xmm0-xmm15 (16), 56 mxcsr (4), 57 fs_base (8), 58 gs_base (8).
 */
#ifndef HOST_GDB_PROTOCOL_H
#define HOST_GDB_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "../kernel/context.h"

#define GDB_PACKET_MAX 16384 /* advertised PacketSize; longer packets are rejected */
/*
 * Longest m read: gdb asks for at most PacketSize / 2 bytes, whose hex reply
 * payload is GDB_PACKET_MAX bytes (GDB_PACKET_MAX + 4 framed).
 */
#define GDB_MEM_MAX (GDB_PACKET_MAX / 2)

/* Incoming byte stream → events. */
enum gdb_event {
	GDB_EV_NONE,
	GDB_EV_PACKET,
	GDB_EV_INTERRUPT,
	GDB_EV_ACK,
	GDB_EV_NAK,
	GDB_EV_BAD_PACKET
};

struct gdb_rx {
	int state;	   /* where in a packet the next byte goes (GDB_RX_* in gdb_protocol.c) */
	uint8_t checksum;  /* running sum of the packet bytes between $ and # */
	uint8_t received;  /* the checksum sent after #, as far as read */
	int overflow;	   /* the packet outgrew the buffer: it will be reported bad */
	size_t packet_len; /* unescaped payload bytes in packet */
	uint8_t packet[GDB_PACKET_MAX + 1];
};

/* Prepares rx to wait for the first packet. */
void gdb_rx_init(struct gdb_rx *rx);
/*
 * Consumes bytes from *data (advancing *data and *len) until one event is
 * complete and returns it, or returns GDB_EV_NONE with *len == 0.
 * GDB_EV_PACKET: the unescaped payload is in rx->packet (NUL-terminated,
 * rx->packet_len bytes, may contain NULs for binary X packets).
 * GDB_EV_BAD_PACKET: bad checksum or oversized: the caller replies '-'
 * (sending nothing else). 0x03 outside a packet is GDB_EV_INTERRUPT; inside a
 * packet it is data. Garbage between packets is skipped.
 */
enum gdb_event gdb_rx_feed(struct gdb_rx *rx, const uint8_t **data, size_t *len);

/*
 * Frames payload as $payload#cs, escaping $ # } and * as }(byte ^ 0x20), and
 * adds a NUL after it; returns the bytes written (without the NUL) or -1 if
 * out is too small.
 */
int gdb_frame(const void *payload, size_t len, char *out, size_t out_size);

/* Parsed commands: everything archk's server supports. */
enum gdb_cmd_kind {
	GDB_CMD_UNKNOWN,
	GDB_CMD_QSUPPORTED,
	GDB_CMD_HALT_REASON,	   /* ? */
	GDB_CMD_READ_REGS,	   /* g */
	GDB_CMD_WRITE_REGS,	   /* G */
	GDB_CMD_READ_REG,	   /* p n */
	GDB_CMD_WRITE_REG,	   /* P n=v */
	GDB_CMD_READ_MEM,	   /* m addr,len */
	GDB_CMD_WRITE_MEM,	   /* M addr,len:hex  and X addr,len:binary */
	GDB_CMD_CONTINUE,	   /* c [addr], C sig[;addr], vCont;c / vCont;C sig */
	GDB_CMD_STEP,		   /* s [addr], S sig[;addr], vCont;s:tid / vCont;S sig:tid */
	GDB_CMD_VCONT_QUERY,	   /* vCont? */
	GDB_CMD_SET_THREAD,	   /* Hg tid / Hc tid */
	GDB_CMD_THREAD_ALIVE,	   /* T tid */
	GDB_CMD_CURRENT_THREAD,	   /* qC */
	GDB_CMD_THREAD_LIST_FIRST, /* qfThreadInfo */
	GDB_CMD_THREAD_LIST_NEXT,  /* qsThreadInfo */
	GDB_CMD_THREAD_EXTRA,	   /* qThreadExtraInfo,tid */
	GDB_CMD_XFER_READ,	   /* qXfer:object:read:annex:off,len */
	GDB_CMD_INSERT_BREAK,	   /* Z0,addr,kind */
	GDB_CMD_REMOVE_BREAK,	   /* z0,addr,kind */
	GDB_CMD_KILL,		   /* k, vKill;pid */
	GDB_CMD_DETACH,		   /* D, D;pid */
	GDB_CMD_ATTACHED,	   /* qAttached, qAttached:pid */
	GDB_CMD_OFFSETS,	   /* qOffsets */
	GDB_CMD_START_NOACK,	   /* QStartNoAckMode */
	GDB_CMD_VMUSTREPLYEMPTY,   /* vMustReplyEmpty */
};

struct gdb_cmd {
	enum gdb_cmd_kind kind;
	uint64_t addr, len; /* memory, breakpoints (len = kind), xfer offset/length */
	/*
	 * H, T, qThreadExtraInfo, vCont: -1 = all, 0 = any, else a thread id
	 * ("p1.2" gives 2, "p1" gives -1). vCont actions without a thread give
	 * -1; plain c/C/s/S give 0 (the thread chosen by Hc).
	 */
	int64_t thread;
	char set_op;	     /* 'g' or 'c' for H */
	unsigned reg;	     /* p/P register number */
	unsigned signal;     /* C/S and vCont;C/S: signal to deliver; 0 for c/s */
	const uint8_t *data; /* M/X/G/P: decoded bytes (points into buf) */
	size_t data_len;
	char object[32], annex[64];  /* qXfer */
	int has_addr;		     /* c/s with an address */
	uint8_t buf[GDB_PACKET_MAX]; /* decoded data storage */
};

/*
 * Parses one packet payload into cmd. Returns 0 if it is a supported
 * command, 1 if it is unknown or unsupported (the caller replies ""), -1 if
 * it is a supported command but malformed (the caller replies "E01"); cmd->kind
 * is GDB_CMD_UNKNOWN unless 0 is returned. vCont with several actions is
 * reduced to one: the first step action if there is one (archk steps that
 * thread only), else the first action.
 */
int gdb_parse(const uint8_t *payload, size_t len, struct gdb_cmd *cmd);

/* Registers: the order of archk's target description (table above). */
#define GDB_NUM_REGS   59
#define GDB_REGS_BYTES 552 /* bytes of all registers, as in g/G */
#define GDB_REG_MAX    16  /* the largest single register (xmm) */

/* Hex of all registers ("g" reply) and a NUL into out; the length, or 0 if out is too small. */
size_t gdb_regs_encode(const struct guest_context *ctx, char *out, size_t out_size);
/* Writes all registers from "G" data (binary, as decoded by gdb_parse); -1 if the size is wrong. */
int gdb_regs_decode(struct guest_context *ctx, const uint8_t *data, size_t len);
/*
 * One register for p / P, in target byte order: reg_read writes at most
 * GDB_REG_MAX bytes to out and their count to *len; reg_write needs exactly
 * the register's size. Both return 0, or -1 if reg is out of range (or the
 * size is wrong). Writes to cs..gs and gs_base are ignored; a written mxcsr
 * keeps only the bits the CPU allows, so restoring it cannot fault; x87 and
 * SSE writes set their XSTATE_BV bit (XSAVE images) so XRSTOR keeps them.
 * full_restore is left to the caller.
 */
int gdb_reg_read(const struct guest_context *ctx, unsigned reg, uint8_t *out, size_t *len);
int gdb_reg_write(struct guest_context *ctx, unsigned reg, const uint8_t *data, size_t len);

/* The target description: the document for annex "target.xml", or NULL for any other. */
const char *gdb_target_xml(const char *annex);
/*
 * Slices a document for a qXfer read reply: writes 'm' (more follows) or 'l'
 * (last) and up to len bytes from offset, plus a NUL, into out (at most
 * out_size bytes in all); returns the length without the NUL (0 if out_size < 2).
 */
size_t gdb_xfer_slice(const char *doc, size_t doc_len, uint64_t offset, uint64_t len, char *out,
		      size_t out_size);

/* Lower-case hex of data and a NUL into out (2 * len + 1 bytes); returns 2 * len. */
size_t gdb_hex_encode(const void *data, size_t len, char *out);

#endif
