/*
 * libFuzzer harness for the GDB remote protocol layer (host/gdb_protocol.c).
 * The input is a byte stream from a hostile debugger: every packet it
 * yields is parsed, register and memory writes are decoded into a zeroed
 * guest context, qXfer reads are sliced, and the payload is framed again and
 * received by a second receiver, which must give back the same bytes. The
 * whole input is parsed as one payload too, since random bytes seldom carry a
 * valid checksum.
 */
#include <stdlib.h>
#include <string.h>

#include "../../host/gdb_protocol.h"

static struct gdb_rx rx, echo_rx;
static struct gdb_cmd cmd;
static struct guest_context ctx;
static char out[2 * GDB_PACKET_MAX + 8];

/* Aborts (a finding) unless framing the packet and receiving it again gives it back. */
static void check_frame_round_trip(void)
{
	const uint8_t *p = (const uint8_t *)out;
	int n = gdb_frame(rx.packet, rx.packet_len, out, sizeof out);
	size_t left;

	if (n < 0)
		abort();
	left = (size_t)n;
	gdb_rx_init(&echo_rx);
	if (gdb_rx_feed(&echo_rx, &p, &left) != GDB_EV_PACKET || left != 0 ||
	    echo_rx.packet_len != rx.packet_len ||
	    memcmp(echo_rx.packet, rx.packet, rx.packet_len) != 0)
		abort();
}

/* Runs what the server would run for the parsed command, minus guest memory. */
static void run_command(void)
{
	const char *doc;
	uint8_t value[GDB_REG_MAX];
	size_t n;

	memset(&ctx, 0, sizeof ctx);
	switch (cmd.kind) {
	case GDB_CMD_WRITE_REGS:
		if (gdb_regs_decode(&ctx, cmd.data, cmd.data_len) == 0)
			gdb_regs_encode(&ctx, out, sizeof out);
		break;
	case GDB_CMD_WRITE_REG:
		gdb_reg_write(&ctx, cmd.reg, cmd.data, cmd.data_len);
		/* fall through: read it back */
	case GDB_CMD_READ_REG:
		if (gdb_reg_read(&ctx, cmd.reg, value, &n) == 0)
			gdb_hex_encode(value, n, out);
		break;
	case GDB_CMD_WRITE_MEM:
		if (cmd.data_len != cmd.len)
			abort();
		break;
	case GDB_CMD_READ_MEM:
		if (cmd.len > GDB_MEM_MAX)
			abort();
		break;
	case GDB_CMD_XFER_READ:
		doc = gdb_target_xml(cmd.annex);
		if (doc)
			gdb_xfer_slice(doc, strlen(doc), cmd.addr, cmd.len, out, GDB_PACKET_MAX);
		break;
	default:
		break;
	}
}

/* Parses one payload and runs it; a refused one must leave the kind unknown. */
static void parse_and_run(const uint8_t *payload, size_t len)
{
	if (gdb_parse(payload, len, &cmd) == 0)
		run_command();
	else if (cmd.kind != GDB_CMD_UNKNOWN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_and_run(data, size);
	gdb_rx_init(&rx);
	while (size) {
		if (gdb_rx_feed(&rx, &data, &size) != GDB_EV_PACKET)
			continue;
		if (rx.packet_len > GDB_PACKET_MAX || rx.packet[rx.packet_len] != 0)
			abort();
		check_frame_round_trip();
		parse_and_run(rx.packet, rx.packet_len);
	}
	return 0;
}
