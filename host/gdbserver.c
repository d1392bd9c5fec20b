/*
 * The GDB remote serial protocol server for one guest process
 * (`--gdb 127.0.0.1:PORT[,proc=NAME|first]`, docs/debugging.md).
 *
 * It runs on a host thread of its own, not a vCPU, so it may block on its
 * socket. Packets are framed and parsed by host/gdb_protocol.c; commands act
 * on the process through kernel/debug.c under the kernel lock. The kernel
 * reports stops and the exit through hook_debug_event, which wakes this
 * thread through an eventfd; the reply to a continue or step is sent then.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../kernel/debug.h"
#include "gdb_protocol.h"
#include "host.h"

#define MAX_THREADS_LISTED 256

static struct {
	int listen_fd, conn_fd, event_fd;
	pthread_t thread;
	bool started;
	bool noack;
	bool waiting_for_stop; /* a continue or step awaits its stop reply */
	uint32_t thread_g;     /* Hg: the thread registers refer to */
	struct gdb_rx rx;
	struct gdb_cmd cmd;
	char reply[2 * GDB_PACKET_MAX + 64];
	char frame[4 * GDB_PACKET_MAX + 64];
	uint8_t mem[GDB_PACKET_MAX];
	struct io_uring ring; /* for waking vCPUs (IORING_OP_MSG_RING) */
} srv = {.listen_fd = -1, .conn_fd = -1, .event_fd = -1};

/* "[ADDR]:PORT[,proc=NAME|first]"; loopback only unless any_address. */
static int parse_spec(const char *spec, bool any_address, struct sockaddr_in *sa, const char **proc)
{
	char host[64];
	const char *colon = strrchr(spec, ':'), *comma = strchr(spec, ',');
	char *end;
	long port;

	*proc = NULL;
	if (!colon || (comma && comma < colon) || (size_t)(colon - spec) >= sizeof(host)) {
		fprintf(stderr, "archk: --gdb wants [ADDRESS]:PORT[,proc=NAME|first], not '%s'\n",
			spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (host[0] == '\0' || strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || (*end && *end != ',') || port < 0 || port > 65535) {
		fprintf(stderr, "archk: --gdb: bad port in '%s'\n", spec);
		return -1;
	}
	if (comma && strncmp(comma + 1, "proc=", 5) != 0) {
		fprintf(stderr, "archk: --gdb: unknown setting '%s'\n", comma + 1);
		return -1;
	}
	*proc = comma ? comma + 6 : NULL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fprintf(stderr, "archk: --gdb: '%s' is not an IPv4 address\n", host);
		return -1;
	}
	if (!any_address && (ntohl(sa->sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr,
			"archk: --gdb: %s is not a loopback address (add --gdb-any-address "
			"to serve it anyway)\n",
			host);
		return -1;
	}
	return 0;
}

int gdbserver_setup(const char *spec, bool any_address, const char **proc)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char address[INET_ADDRSTRLEN];
	int one = 1;

	if (parse_spec(spec, any_address, &sa, proc) < 0)
		return GDBSERVER_BAD_SPEC;
	srv.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.listen_fd < 0 ||
	    setsockopt(srv.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(srv.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv.listen_fd, 1) < 0 ||
	    getsockname(srv.listen_fd, (struct sockaddr *)&sa, &len) < 0) {
		fprintf(stderr, "archk: --gdb %s: %s%s\n", spec, strerror(errno),
			errno == EADDRINUSE ? " (choose another port, or 0 for any free one)" : "");
		return GDBSERVER_CANNOT_LISTEN;
	}
	srv.event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv.event_fd < 0 || ring_init(&srv.ring, 4) < 0) {
		fprintf(stderr, "archk: --gdb: cannot create its event channels\n");
		return GDBSERVER_CANNOT_LISTEN;
	}
	gdb_rx_init(&srv.rx);
	inet_ntop(AF_INET, &sa.sin_addr, address, sizeof(address));
	fprintf(stderr, "archk: listening on %s:%u, waiting for gdb\n", address,
		(unsigned)ntohs(sa.sin_port));
	return 0;
}

void hook_debug_event(void)
{
	uint64_t one = 1;
	ssize_t unused = write(srv.event_fd, &one, sizeof(one));

	(void)unused;
}

/* Sends one framed packet (and nothing if the client is gone). */
static void send_packet(const char *payload, size_t len)
{
	int n = gdb_frame(payload, len, srv.frame, sizeof(srv.frame));

	if (n > 0 && write(srv.conn_fd, srv.frame, (size_t)n) != n)
		srv.waiting_for_stop = false;
}

static void send_text(const char *text)
{
	send_packet(text, strlen(text));
}

/* The stop reply for the kernel's current debug state ('?' and after resuming). */
static void send_stop_reply(const struct debug_report *r)
{
	char text[64];

	if (r->state == DEBUG_EXITED && r->status.reason == ARCHK_EXIT_NORMAL)
		snprintf(text, sizeof(text), "W%02x", (unsigned)r->status.code & 0xff);
	else if (r->state == DEBUG_EXITED)
		snprintf(text, sizeof(text), "X%02x",
			 r->status.reason == ARCHK_EXIT_FAULT ? r->status.signal : 9);
	else
		snprintf(text, sizeof(text), "T%02xthread:%x;", (unsigned)r->signal, r->thread);
	send_text(text);
}

/* The registers of the thread Hg selected (the stopping thread by default). */
static struct guest_context *selected_context(void)
{
	struct debug_report r;
	const char *name;

	debug_report(&r);
	return debug_thread_context(srv.thread_g ? srv.thread_g : r.thread, &name);
}

static void reply_registers(void)
{
	struct guest_context *ctx = selected_context();

	if (!ctx) {
		send_text("E01");
		return;
	}
	send_packet(srv.reply, gdb_regs_encode(ctx, srv.reply, sizeof(srv.reply)));
}

static void reply_one_register(const struct gdb_cmd *c)
{
	struct guest_context *ctx = selected_context();
	uint8_t value[64];
	size_t len = sizeof(value);

	if (!ctx || gdb_reg_read(ctx, c->reg, value, &len) < 0) {
		send_text("E01");
		return;
	}
	send_packet(srv.reply, gdb_hex_encode(value, len, srv.reply));
}

static void reply_memory(const struct gdb_cmd *c)
{
	if (c->len > sizeof(srv.mem) || debug_read_memory(c->addr, srv.mem, c->len) < 0) {
		send_text("E14"); /* EFAULT */
		return;
	}
	send_packet(srv.reply, gdb_hex_encode(srv.mem, c->len, srv.reply));
}

/* qfThreadInfo: all threads at once, so qsThreadInfo ends the list. */
static void reply_thread_list(void)
{
	uint32_t tids[MAX_THREADS_LISTED];
	unsigned n = debug_threads(tids, MAX_THREADS_LISTED);
	size_t used = 0;

	srv.reply[used++] = 'm';
	for (unsigned i = 0; i < n; i++)
		used += (size_t)snprintf(srv.reply + used, sizeof(srv.reply) - used, "%s%x",
					 i ? "," : "", tids[i]);
	send_packet(srv.reply, n ? used : 1);
	if (!n)
		send_text("l");
}

static void reply_thread_name(const struct gdb_cmd *c)
{
	const char *name;

	if (!debug_thread_context((uint32_t)c->thread, &name)) {
		send_text("E01");
		return;
	}
	send_packet(srv.reply, gdb_hex_encode(name, strlen(name), srv.reply));
}

static void reply_xfer(const struct gdb_cmd *c)
{
	const char *doc = strcmp(c->object, "features") == 0 ? gdb_target_xml(c->annex) : NULL;

	if (!doc) {
		send_text("E00");
		return;
	}
	send_packet(srv.reply, gdb_xfer_slice(doc, strlen(doc), c->addr, c->len, srv.reply,
					      sizeof(srv.reply)));
}

/* Resumes (step_tid 0) or steps one thread; the stop reply comes with the next event. */
static void resume(uint32_t step_tid, int signal)
{
	if (debug_resume(step_tid, signal) < 0) {
		send_text("E01");
		return;
	}
	srv.waiting_for_stop = true;
}

/* Executes one command under the kernel lock and sends its reply. */
static void execute(const uint8_t *payload, size_t len)
{
	struct gdb_cmd *c = &srv.cmd;
	struct debug_report r;
	const char *name;
	char text[160];
	int parsed;

	parsed = gdb_parse(payload, len, c);
	if (parsed != 0) {
		send_text(parsed > 0 ? "" : "E01");
		return;
	}
	switch (c->kind) {
	case GDB_CMD_QSUPPORTED:
		snprintf(text, sizeof(text),
			 "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+",
			 GDB_PACKET_MAX);
		send_text(text);
		break;
	case GDB_CMD_START_NOACK:
		send_text("OK");
		srv.noack = true;
		break;
	case GDB_CMD_HALT_REASON:
		debug_report(&r);
		send_stop_reply(&r);
		break;
	case GDB_CMD_SET_THREAD:
		if (c->set_op == 'g')
			srv.thread_g = c->thread > 0 ? (uint32_t)c->thread : 0;
		send_text("OK");
		break;
	case GDB_CMD_THREAD_ALIVE:
		send_text(debug_thread_context((uint32_t)c->thread, &name) ? "OK" : "E01");
		break;
	case GDB_CMD_CURRENT_THREAD:
		debug_report(&r);
		snprintf(text, sizeof(text), "QC%x", r.thread);
		send_text(text);
		break;
	case GDB_CMD_THREAD_LIST_FIRST:
		reply_thread_list();
		break;
	case GDB_CMD_THREAD_LIST_NEXT:
		send_text("l");
		break;
	case GDB_CMD_THREAD_EXTRA:
		reply_thread_name(c);
		break;
	case GDB_CMD_READ_REGS:
		reply_registers();
		break;
	case GDB_CMD_WRITE_REGS: {
		struct guest_context *ctx = selected_context();

		send_text(ctx && gdb_regs_decode(ctx, c->data, c->data_len) == 0 ? "OK" : "E01");
		break;
	}
	case GDB_CMD_READ_REG:
		reply_one_register(c);
		break;
	case GDB_CMD_WRITE_REG: {
		struct guest_context *ctx = selected_context();

		send_text(ctx && gdb_reg_write(ctx, c->reg, c->data, c->data_len) == 0 ? "OK"
										       : "E01");
		break;
	}
	case GDB_CMD_READ_MEM:
		reply_memory(c);
		break;
	case GDB_CMD_WRITE_MEM:
		send_text(debug_write_memory(c->addr, c->data, c->data_len) == 0 ? "OK" : "E14");
		break;
	case GDB_CMD_XFER_READ:
		reply_xfer(c);
		break;
	case GDB_CMD_OFFSETS:
		snprintf(text, sizeof(text), "Text=%lx;Data=%lx;Bss=%lx",
			 (unsigned long)debug_load_bias(), (unsigned long)debug_load_bias(),
			 (unsigned long)debug_load_bias());
		send_text(text);
		break;
	case GDB_CMD_ATTACHED:
		send_text("1");
		break;
	case GDB_CMD_VCONT_QUERY:
		send_text("vCont;c;C;s");
		break;
	case GDB_CMD_CONTINUE:
		resume(0, (int)c->signal);
		break;
	case GDB_CMD_STEP:
		debug_report(&r);
		resume(c->thread > 0  ? (uint32_t)c->thread
		       : srv.thread_g ? srv.thread_g
				      : r.thread,
		       (int)c->signal);
		break;
	case GDB_CMD_KILL:
		debug_kill();
		break;
	case GDB_CMD_DETACH:
		send_text("OK");
		debug_detach();
		break;
	default: /* breakpoints: gdb falls back to writing int3 through memory */
		send_text("");
		break;
	}
}

/* Handles what the client sent; returns false when it has gone. */
static bool serve_input(void)
{
	uint8_t buf[4096];
	ssize_t n = read(srv.conn_fd, buf, sizeof(buf));
	const uint8_t *p = buf;
	size_t left = n > 0 ? (size_t)n : 0;

	if (n <= 0)
		return false;
	while (left) {
		switch (gdb_rx_feed(&srv.rx, &p, &left)) {
		case GDB_EV_PACKET:
			if (!srv.noack && write(srv.conn_fd, "+", 1) != 1)
				return false;
			hook_lock();
			execute((const uint8_t *)srv.rx.packet, srv.rx.packet_len);
			hook_unlock();
			break;
		case GDB_EV_INTERRUPT:
			hook_lock();
			debug_interrupt();
			hook_unlock();
			break;
		case GDB_EV_BAD_PACKET:
			if (write(srv.conn_fd, "-", 1) != 1)
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}

/* A kernel event: send the pending stop reply; false once the process has exited. */
static bool serve_event(void)
{
	struct debug_report r;
	uint64_t count;
	ssize_t unused = read(srv.event_fd, &count, sizeof(count));

	(void)unused;
	hook_lock();
	debug_report(&r);
	hook_unlock();
	if (srv.waiting_for_stop && (r.state == DEBUG_STOPPED || r.state == DEBUG_EXITED)) {
		srv.waiting_for_stop = false;
		send_stop_reply(&r);
	}
	return r.state != DEBUG_EXITED;
}

/* Waits until the process to debug exists (proc=NAME may be spawned later). */
static void wait_for_process(void)
{
	struct pollfd event = {srv.event_fd, POLLIN, 0};
	struct debug_report r;
	uint64_t count;

	for (;;) {
		hook_lock();
		debug_report(&r);
		hook_unlock();
		if (r.state != DEBUG_WAITING || poll(&event, 1, -1) < 0)
			return;
		if (read(srv.event_fd, &count, sizeof(count)) < 0)
			continue;
	}
}

/*
 * The client session. A client that leaves lets the process run on
 * (detach); that ends debugging for this run, as the process is no longer
 * stopped where a new client would expect it.
 */
static bool serve_client(void)
{
	struct pollfd fds[2] = {{srv.conn_fd, POLLIN, 0}, {srv.event_fd, POLLIN, 0}};

	srv.noack = false;
	srv.waiting_for_stop = false;
	srv.thread_g = 0;
	gdb_rx_init(&srv.rx);
	wait_for_process();
	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return false;
		if ((fds[1].revents & POLLIN) && !serve_event())
			return false;
		if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !serve_input()) {
			hook_lock();
			debug_detach();
			hook_unlock();
			return false;
		}
	}
}

static void *server_main(void *unused)
{

	kick_ring = &srv.ring;
	trap_thread_init(NULL);
	for (;;) {
		srv.conn_fd = accept4(srv.listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (srv.conn_fd < 0)
			break;
		bool again = serve_client();
		close(srv.conn_fd);
		srv.conn_fd = -1;
		if (!again)
			break;
	}
	return NULL;
}

int gdbserver_start(void)
{
	if (srv.listen_fd < 0)
		return 0;
	srv.started = pthread_create(&srv.thread, NULL, server_main, NULL) == 0;
	return srv.started ? 0 : -1;
}

/* At shutdown: let the client receive the exit reply before archk exits. */
void gdbserver_finish(void)
{
	if (srv.started && srv.conn_fd >= 0)
		pthread_join(srv.thread, NULL);
}
