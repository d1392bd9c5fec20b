/*
 * Conformance: signals, events, event pairs, channels (with handle
 * transfer), channel_call, object_wait_one/_many, ports and the IPC limits.
 *   conf_ipc               the checks (exit 0 if all pass)
 *   conf_ipc receiver      (child) reads an event pair end from "chan" and signals its peer
 *   conf_ipc client N      (child) makes 100 channel_calls on "chan"
 *   conf_ipc producer      (child) writes PRODUCED numbered messages to "chan"
 *   conf_ipc flooder       (child) writes to "chan" until it is full, then keeps trying
 */
#include "check.h"

#define ARENA_BASE  0x100000000000UL /* docs/architecture.md: the guest arena */
#define MS	    1000000LL
#define STACK_BYTES (64 * 1024)
#define CLIENTS	    8
#define CALLS	    100
#define PRODUCED    2000
#define FLOOD_TRIES 1000

/* ---- arenas: every test must leave the IPC arenas as it found them ---- */

/* Arenas whose live counts must return to their start; deadlines (and the
 * threads they reference) live on until their time has passed. */
static int checked_arena(const char *name)
{
	static const char *const names[] = {"event",	    "eventpair", "endpoint",
					    "message",	    "msgbuffer", "port",
					    "registration", "waiter",	 "process"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* ---- events and event pairs ---- */

static void test_events(void)
{
	archk_handle_t pair[2];
	uint32_t observed;
	long ev = archk_event_create(), weak;
	int64_t start;

	CHECK_TRUE(ev > 0);
	CHECK_EQ(type_of(ev), ARCHK_OBJ_EVENT);
	CHECK_EQ(rights_of(ev), ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT |
				    ARCHK_RIGHT_SIGNAL | ARCHK_RIGHT_INSPECT);
	CHECK_EQ(signals_of(ev), 0);
	start = now();
	CHECK_EQ(archk_object_wait_one(ev, ARCHK_SIGNAL_SIGNALED, start + 20 * MS, &observed),
		 ARCHK_ERR_TIMED_OUT);
	CHECK_TRUE(now() - start >= 20 * MS);
	CHECK_EQ(observed, 0);
	CHECK_EQ(archk_object_signal(ev, 0, ARCHK_SIGNAL_SIGNALED | ARCHK_SIGNAL_USER0), 0);
	CHECK_EQ(
	    archk_object_wait_one(ev, ARCHK_SIGNAL_SIGNALED, ARCHK_DEADLINE_INFINITE, &observed),
	    0);
	CHECK_EQ(observed, ARCHK_SIGNAL_SIGNALED | ARCHK_SIGNAL_USER0);
	CHECK_EQ(archk_object_signal(ev, ARCHK_SIGNAL_SIGNALED, 0), 0);
	CHECK_EQ(signals_of(ev), ARCHK_SIGNAL_USER0);
	/* Only SIGNALED and the user signals can be changed. */
	CHECK_EQ(archk_object_signal(ev, 0, ARCHK_SIGNAL_READABLE), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_object_signal(ev, ARCHK_SIGNAL_PEER_CLOSED, 0), ARCHK_ERR_INVALID_ARGS);
	/* Rights: signalling needs SIGNAL, waiting needs WAIT. */
	weak = archk_handle_duplicate(ev, ARCHK_RIGHT_INSPECT);
	CHECK_TRUE(weak > 0);
	CHECK_EQ(archk_object_signal(weak, 0, ARCHK_SIGNAL_SIGNALED), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_object_wait_one(weak, ARCHK_SIGNAL_SIGNALED, 0, NULL),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close(weak), 0);
	CHECK_EQ(archk_object_wait_one(ev, 1, 0, (uint32_t *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_object_signal(0x5eed, 0, ARCHK_SIGNAL_SIGNALED), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_object_signal(archk_handle_named("out"), 0, ARCHK_SIGNAL_SIGNALED),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close(ev), 0);
	CHECK_EQ(archk_object_signal(ev, 0, ARCHK_SIGNAL_SIGNALED), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_object_wait_one(ev, 1, 0, NULL), ARCHK_ERR_HND_INVALID);

	/* Event pairs: signalling one end raises the other's signals. */
	CHECK_EQ(archk_eventpair_create(pair), 0);
	CHECK_EQ(type_of(pair[0]), ARCHK_OBJ_EVENTPAIR);
	CHECK_EQ(archk_object_signal(pair[0], 0, ARCHK_SIGNAL_SIGNALED), 0);
	CHECK_EQ(signals_of(pair[1]), ARCHK_SIGNAL_SIGNALED);
	CHECK_EQ(signals_of(pair[0]), 0);
	CHECK_EQ(archk_handle_close(pair[1]), 0);
	CHECK_EQ(signals_of(pair[0]), ARCHK_SIGNAL_PEER_CLOSED);
	CHECK_EQ(archk_object_signal(pair[0], 0, ARCHK_SIGNAL_SIGNALED), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(archk_handle_close(pair[0]), 0);
	CHECK_EQ(archk_eventpair_create((archk_handle_t *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_eventpair_create((archk_handle_t *)(uintptr_t)&now), ARCHK_ERR_BAD_ADDRESS);
}

/* ---- channels ---- */

/* Reads one message of at most 64 bytes and 4 handles; returns the result. */
static long read_small(archk_handle_t h, char *buf, archk_handle_t *handles,
		       struct archk_channel_actual *actual)
{
	return archk_channel_read(h, buf, 64, handles, 4, actual);
}

static void test_channel_basics(void)
{
	struct archk_channel_actual actual;
	archk_handle_t ch[2], got[4];
	char buf[64];

	CHECK_EQ(archk_channel_create(ch), 0);
	CHECK_EQ(type_of(ch[0]), ARCHK_OBJ_CHANNEL);
	CHECK_EQ(rights_of(ch[0]), ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_READ |
				       ARCHK_RIGHT_WRITE | ARCHK_RIGHT_INSPECT);
	CHECK_EQ(archk_handle_duplicate(ch[0], ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(signals_of(ch[0]), ARCHK_SIGNAL_WRITABLE);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), ARCHK_ERR_SHOULD_WAIT);

	CHECK_EQ(archk_channel_write(ch[0], "hello", 5, NULL, 0), 0);
	CHECK_EQ(signals_of(ch[1]), ARCHK_SIGNAL_WRITABLE | ARCHK_SIGNAL_READABLE);
	/* Too small a buffer: the size is reported and the message stays. */
	actual.bytes = actual.handles = 99;
	CHECK_EQ(archk_channel_read(ch[1], buf, 4, got, 4, &actual), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(actual.bytes, 5);
	CHECK_EQ(actual.handles, 0);
	CHECK_EQ(archk_channel_read(ch[1], (void *)ARENA_BASE, 64, got, 4, NULL),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_channel_read(ch[1], buf, 64, got, 4, (void *)ARENA_BASE),
		 ARCHK_ERR_BAD_ADDRESS);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read_small(ch[1], buf, got, &actual), 0);
	CHECK_EQ(actual.bytes, 5);
	CHECK_EQ(memcmp(buf, "hello", 5), 0);
	CHECK_EQ(signals_of(ch[1]), ARCHK_SIGNAL_WRITABLE);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), ARCHK_ERR_SHOULD_WAIT);

	/* Empty messages, and the largest one. */
	CHECK_EQ(archk_channel_write(ch[1], NULL, 0, NULL, 0), 0);
	CHECK_EQ(read_small(ch[0], buf, got, &actual), 0);
	CHECK_EQ(actual.bytes, 0);
	char *big = malloc(ARCHK_CHANNEL_MAX_BYTES + 1);
	memset(big, 0x5a, ARCHK_CHANNEL_MAX_BYTES);
	CHECK_EQ(archk_channel_write(ch[0], big, ARCHK_CHANNEL_MAX_BYTES, NULL, 0), 0);
	CHECK_EQ(archk_channel_write(ch[0], big, ARCHK_CHANNEL_MAX_BYTES + 1, NULL, 0),
		 ARCHK_ERR_TOO_LONG);
	memset(big, 0, ARCHK_CHANNEL_MAX_BYTES);
	CHECK_EQ(archk_channel_read(ch[1], big, ARCHK_CHANNEL_MAX_BYTES, NULL, 0, &actual), 0);
	CHECK_EQ(actual.bytes, ARCHK_CHANNEL_MAX_BYTES);
	CHECK_EQ(big[0] == 0x5a && big[ARCHK_CHANNEL_MAX_BYTES - 1] == 0x5a, 1);
	free(big);

	/* Bad input: pointers, lengths, types. */
	CHECK_EQ(archk_channel_write(ch[0], (void *)ARENA_BASE, 8, NULL, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_channel_write(ch[0], buf, 0xffffffffu, NULL, 0), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(archk_syscall6(ARCHK_SYS_CHANNEL_WRITE, ch[0], (long)buf, -8L, 0, 0, 0),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(archk_syscall6(ARCHK_SYS_CHANNEL_WRITE, ch[0], (long)buf, 8, (long)got, -1L, 0),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(archk_channel_write(ch[0], buf, 8, (void *)ARENA_BASE, 1), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_channel_write(ch[0], (void *)-16L, 64, NULL, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_channel_write(ch[0], buf, 1, (void *)-4L, 2), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_syscall6(ARCHK_SYS_CHANNEL_READ, ch[1], (long)buf, -1L, (long)got, 4, 0),
		 ARCHK_ERR_SHOULD_WAIT);
	CHECK_EQ(archk_channel_write(archk_handle_named("out"), buf, 1, NULL, 0),
		 ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(read_small(archk_handle_named("out"), buf, got, &actual), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_channel_write(0x5eed, buf, 1, NULL, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_channel_create((archk_handle_t *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	/* Nothing was queued by the failures. */
	CHECK_EQ(read_small(ch[1], buf, got, &actual), ARCHK_ERR_SHOULD_WAIT);

	/* Peer closed: writes fail, queued messages can still be read. */
	CHECK_EQ(archk_channel_write(ch[0], "last", 4, NULL, 0), 0);
	CHECK_EQ(archk_handle_close(ch[0]), 0);
	CHECK_EQ(signals_of(ch[1]), ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED);
	CHECK_EQ(archk_channel_write(ch[1], "x", 1, NULL, 0), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), 0);
	CHECK_EQ(memcmp(buf, "last", 4), 0);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(archk_handle_close(ch[1]), 0);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), ARCHK_ERR_HND_INVALID);
}

/* Handles travel in messages and leave the sender; the rules of docs/abi.md. */
static void test_channel_handles(void)
{
	struct archk_channel_actual actual;
	archk_handle_t ch[2], other[2], got[4], send[ARCHK_CHANNEL_MAX_HANDLES + 1];
	char buf[64];
	long ev = archk_event_create(), weak, e2;
	archk_koid_t koid = koid_of(ev);

	CHECK_EQ(archk_channel_create(ch), 0);
	send[0] = ev;
	CHECK_EQ(archk_channel_write(ch[0], "h", 1, send, 1), 0);
	CHECK_EQ(type_of(ev), 0); /* gone from the sender */
	CHECK_EQ(archk_channel_read(ch[1], buf, 64, got, 0, &actual), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(actual.handles, 1);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), 0);
	CHECK_EQ(actual.handles, 1);
	CHECK_EQ(koid_of(got[0]), koid);
	CHECK_EQ(rights_of(got[0]), ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER |
					ARCHK_RIGHT_WAIT | ARCHK_RIGHT_SIGNAL |
					ARCHK_RIGHT_INSPECT);
	CHECK_EQ(archk_object_signal(got[0], 0, ARCHK_SIGNAL_SIGNALED), 0);
	ev = got[0];

	/* Without TRANSFER: refused, and the handle is consumed anyway. */
	weak = archk_handle_duplicate(ev, ARCHK_RIGHT_WAIT);
	send[0] = weak;
	CHECK_EQ(archk_channel_write(ch[0], "w", 1, send, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(type_of(weak), 0);
	/* A failed write consumes every handle named, not only the bad one. */
	e2 = archk_handle_duplicate(ev, ARCHK_RIGHTS_SAME);
	send[0] = e2;
	send[1] = 0x5eed;
	CHECK_EQ(archk_channel_write(ch[0], "f", 1, send, 2), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(type_of(e2), 0);
	e2 = archk_handle_duplicate(ev, ARCHK_RIGHTS_SAME);
	send[0] = e2;
	CHECK_EQ(archk_channel_write(ch[0], (void *)ARENA_BASE, 1, send, 1), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(type_of(e2), 0);
	/* The same handle twice: the second is no longer there. */
	e2 = archk_handle_duplicate(ev, ARCHK_RIGHTS_SAME);
	send[0] = send[1] = e2;
	CHECK_EQ(archk_channel_write(ch[0], "d", 1, send, 2), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(type_of(e2), 0);
	/* Too many handles: refused before any is looked at, so none is consumed. */
	for (int i = 0; i <= ARCHK_CHANNEL_MAX_HANDLES; i++)
		send[i] = ev;
	CHECK_EQ(archk_channel_write(ch[0], "m", 1, send, ARCHK_CHANNEL_MAX_HANDLES + 1),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(type_of(ev), ARCHK_OBJ_EVENT);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), ARCHK_ERR_SHOULD_WAIT);

	/* A channel end cannot be sent through itself: refused, and it stays. */
	send[0] = ch[0];
	CHECK_EQ(archk_channel_write(ch[0], "s", 1, send, 1), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(type_of(ch[0]), ARCHK_OBJ_CHANNEL);
	/* Other channel ends can travel. */
	CHECK_EQ(archk_channel_create(other), 0);
	send[0] = other[1];
	CHECK_EQ(archk_channel_write(ch[0], "o", 1, send, 1), 0);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), 0);
	CHECK_EQ(archk_channel_write(other[0], "via", 3, NULL, 0), 0);
	CHECK_EQ(read_small(got[0], buf, got + 1, &actual), 0);
	CHECK_EQ(memcmp(buf, "via", 3), 0);
	CHECK_EQ(archk_handle_close(got[0]), 0);
	CHECK_EQ(archk_handle_close(other[0]), 0);
	/* Nor its peer (it would keep itself alive): refused, and consumed. */
	send[0] = ch[1];
	CHECK_EQ(archk_channel_write(ch[0], "p", 1, send, 1), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(type_of(ch[1]), 0);
	CHECK_EQ(signals_of(ch[0]), ARCHK_SIGNAL_PEER_CLOSED);

	/* Handles in unread messages are released with the channel. */
	CHECK_EQ(archk_channel_create(other), 0);
	send[0] = archk_handle_duplicate(ev, ARCHK_RIGHTS_SAME);
	CHECK_EQ(archk_channel_write(other[0], "r", 1, send, 1), 0);
	CHECK_EQ(archk_handle_close(other[0]), 0);
	CHECK_EQ(archk_handle_close(other[1]), 0);
	CHECK_EQ(archk_handle_close(ch[0]), 0);
	CHECK_EQ(archk_handle_close(ev), 0);
}

/* A full channel says SHOULD_WAIT and drops nothing; pending-message limits. */
static void test_channel_limits(void)
{
	struct archk_channel_actual actual;
	archk_handle_t ch[2], many[16][2], got[4];
	char buf[64];
	int n, total = 0, i;

	CHECK_EQ(archk_channel_create(ch), 0);
	for (n = 0; archk_channel_write(ch[0], &n, sizeof(n), NULL, 0) == 0; n++)
		;
	CHECK_EQ(n, ARCHK_CHANNEL_QUEUE_MAX);
	CHECK_EQ(archk_channel_write(ch[0], &n, sizeof(n), NULL, 0), ARCHK_ERR_SHOULD_WAIT);
	CHECK_EQ(signals_of(ch[0]), 0);
	CHECK_EQ(read_small(ch[1], buf, got, &actual), 0);
	CHECK_EQ(*(int *)buf, 0);
	CHECK_EQ(signals_of(ch[0]), ARCHK_SIGNAL_WRITABLE);
	CHECK_EQ(archk_channel_write(ch[0], &n, sizeof(n), NULL, 0), 0);
	for (i = 1; i <= n; i++) {
		CHECK_EQ(read_small(ch[1], buf, got, &actual), 0);
		if (*(int *)buf != i)
			CHECK_EQ(*(int *)buf, i);
	}
	CHECK_EQ(read_small(ch[1], buf, got, &actual), ARCHK_ERR_SHOULD_WAIT);
	CHECK_EQ(archk_handle_close(ch[0]), 0);
	CHECK_EQ(archk_handle_close(ch[1]), 0);

	/* Unread messages of one process are limited across all its channels. */
	long last = 0;
	for (i = 0; i < 16; i++) {
		CHECK_EQ(archk_channel_create(many[i]), 0);
		while ((last = archk_channel_write(many[i][0], "z", 1, NULL, 0)) == 0)
			total++;
		if (last != ARCHK_ERR_SHOULD_WAIT)
			break;
	}
	CHECK_EQ(last, ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(total, ARCHK_PENDING_MESSAGES_MAX);
	/* Reading one makes room for one. */
	CHECK_EQ(read_small(many[0][1], buf, got, &actual), 0);
	CHECK_EQ(archk_channel_write(many[i][0], "z", 1, NULL, 0), 0);
	CHECK_EQ(archk_channel_write(many[i][0], "z", 1, NULL, 0), ARCHK_ERR_NO_MEMORY);
	for (int j = 0; j <= i && j < 16; j++) {
		CHECK_EQ(archk_handle_close(many[j][0]), 0);
		CHECK_EQ(archk_handle_close(many[j][1]), 0);
	}

	/* Handles in unread messages are limited too; the refused ones are consumed. */
	archk_handle_t send[ARCHK_CHANNEL_MAX_HANDLES];
	long ev = archk_event_create();
	int sent = 0;
	CHECK_EQ(archk_channel_create(ch), 0);
	for (;;) {
		for (int k = 0; k < ARCHK_CHANNEL_MAX_HANDLES; k++)
			send[k] = archk_handle_duplicate(ev, ARCHK_RIGHTS_SAME);
		last = archk_channel_write(ch[0], "h", 1, send, ARCHK_CHANNEL_MAX_HANDLES);
		if (last < 0)
			break;
		sent += ARCHK_CHANNEL_MAX_HANDLES;
	}
	CHECK_EQ(last, ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(sent, ARCHK_PENDING_HANDLES_MAX);
	CHECK_EQ(type_of(send[0]), 0);
	CHECK_EQ(archk_handle_close(ch[0]), 0);
	CHECK_EQ(archk_handle_close(ch[1]), 0);
	CHECK_EQ(archk_handle_close(ev), 0);
	/* Everything was released with the channel: writing works again. */
	CHECK_EQ(archk_channel_create(ch), 0);
	CHECK_EQ(archk_channel_write(ch[0], "z", 1, NULL, 0), 0);
	CHECK_EQ(archk_handle_close(ch[0]), 0);
	CHECK_EQ(archk_handle_close(ch[1]), 0);
}

/* ---- channel_call ---- */

/* A server thread: answers each request with its bytes + 1 until "quit" (closes without reply). */
static int echo_server(void *arg)
{
	archk_handle_t h = (archk_handle_t)(uintptr_t)arg;
	struct archk_channel_actual actual;
	uint32_t msg[16];

	for (;;) {
		if (archk_object_wait_one(h, ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED,
					  ARCHK_DEADLINE_INFINITE, NULL) < 0)
			return 1;
		long r = archk_channel_read(h, msg, sizeof(msg), NULL, 0, &actual);
		if (r == ARCHK_ERR_PEER_CLOSED)
			break;
		if (r < 0)
			return 2;
		if (actual.bytes >= 8 && msg[1] == 0xdead)
			break; /* "quit" */
		for (uint32_t i = 1; i < actual.bytes / 4; i++)
			msg[i]++;
		if (archk_channel_write(h, msg, actual.bytes, NULL, 0) < 0)
			return 3;
	}
	archk_handle_close(h);
	return 0;
}

/* One call: request {txid, value}; returns the reply's value or an error. */
static long call_value(archk_handle_t h, uint32_t value, int64_t deadline)
{
	uint32_t req[2] = {0, value}, rep[2] = {0, 0};
	struct archk_channel_call_args args = {
	    .wr_bytes = req, .rd_bytes = rep, .wr_num_bytes = 8, .rd_num_bytes = 8};
	struct archk_channel_actual actual;
	long r = archk_channel_call(h, &args, deadline, &actual);

	if (r < 0)
		return r;
	if (actual.bytes != 8 || !(rep[0] & ARCHK_CHANNEL_TXID_KERNEL))
		return -100;
	return rep[1];
}

static void test_channel_call(void)
{
	struct archk_thread server;
	struct archk_channel_call_args args = {0};
	struct archk_channel_actual actual;
	archk_handle_t ch[2];
	uint32_t req[4] = {0}, rep[1];
	int64_t start;

	CHECK_EQ(archk_channel_create(ch), 0);
	/* No server: the request is queued and the call times out. */
	start = now();
	CHECK_EQ(call_value(ch[0], 1, start + 20 * MS), ARCHK_ERR_TIMED_OUT);
	CHECK_TRUE(now() - start >= 20 * MS);
	CHECK_EQ(signals_of(ch[1]), ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_WRITABLE);
	CHECK_EQ(archk_channel_read(ch[1], req, sizeof(req), NULL, 0, &actual), 0);
	CHECK_EQ(req[1], 1);
	CHECK_TRUE(req[0] & ARCHK_CHANNEL_TXID_KERNEL);
	/* Bad arguments are refused before anything is written. */
	args.wr_bytes = req;
	args.wr_num_bytes = 3;
	CHECK_EQ(archk_channel_call(ch[0], &args, 0, &actual), ARCHK_ERR_INVALID_ARGS);
	args.wr_num_bytes = 8;
	args.rd_bytes = (void *)ARENA_BASE;
	args.rd_num_bytes = 8;
	CHECK_EQ(archk_channel_call(ch[0], &args, 0, &actual), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_channel_call(ch[0], (void *)ARENA_BASE, 0, &actual), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_channel_call(archk_handle_named("out"), &args, 0, &actual),
		 ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(signals_of(ch[1]), ARCHK_SIGNAL_WRITABLE);

	/* Round trips with a server thread. */
	CHECK_EQ(
	    archk_thread_spawn(&server, echo_server, (void *)(uintptr_t)ch[1], STACK_BYTES, "echo"),
	    0);
	for (uint32_t i = 0; i < 200; i++) {
		long v = call_value(ch[0], i, ARCHK_DEADLINE_INFINITE);
		if (v != i + 1)
			CHECK_EQ(v, i + 1);
	}
	/* A reply too big for the buffer is consumed and reported. */
	args.rd_bytes = rep;
	args.rd_num_bytes = sizeof(rep);
	req[1] = 5;
	CHECK_EQ(archk_channel_call(ch[0], &args, ARCHK_DEADLINE_INFINITE, &actual),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(actual.bytes, 8);
	CHECK_EQ(call_value(ch[0], 7, ARCHK_DEADLINE_INFINITE), 8);
	/* The server leaves without answering: the caller sees PEER_CLOSED. */
	CHECK_EQ(call_value(ch[0], 0xdead, ARCHK_DEADLINE_INFINITE), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(archk_thread_wait(&server), 0);
	CHECK_EQ(call_value(ch[0], 1, ARCHK_DEADLINE_INFINITE), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(archk_handle_close(ch[0]), 0);
}

/* ---- object_wait_many ---- */

static int signal_later(void *arg)
{
	archk_sleep_until(now() + 10 * MS);
	return (int)archk_object_signal((archk_handle_t)(uintptr_t)arg, 0, ARCHK_SIGNAL_USER0);
}

static void test_wait_many(void)
{
	struct archk_wait_item items[ARCHK_WAIT_MANY_MAX + 1];
	struct archk_thread signaller;
	long a = archk_event_create(), b = archk_event_create();
	int64_t start;

	memset(items, 0, sizeof(items));
	items[0].handle = a;
	items[0].waitfor = ARCHK_SIGNAL_SIGNALED;
	items[1].handle = b;
	items[1].waitfor = ARCHK_SIGNAL_USER0;
	start = now();
	CHECK_EQ(archk_object_wait_many(items, 2, start + 20 * MS), ARCHK_ERR_TIMED_OUT);
	CHECK_TRUE(now() - start >= 20 * MS);
	CHECK_EQ(archk_thread_spawn(&signaller, signal_later, (void *)(uintptr_t)b, STACK_BYTES,
				    "signaller"),
		 0);
	items[0].pending = items[1].pending = 77;
	CHECK_EQ(archk_object_wait_many(items, 2, ARCHK_DEADLINE_INFINITE), 0);
	CHECK_EQ(items[0].pending, 0);
	CHECK_EQ(items[1].pending, ARCHK_SIGNAL_USER0);
	CHECK_EQ(archk_thread_wait(&signaller), 0);
	/* Already satisfied: returns at once. */
	CHECK_EQ(archk_object_wait_many(items, 2, 0), 0);
	/* Bad input. */
	CHECK_EQ(archk_object_wait_many(items, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_object_wait_many(items, ARCHK_WAIT_MANY_MAX + 1, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_object_wait_many((void *)ARENA_BASE, 2, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_object_wait_many((void *)(uintptr_t)&now, 1, 0), ARCHK_ERR_BAD_ADDRESS);
	items[1].handle = 0x5eed;
	CHECK_EQ(archk_object_wait_many(items, 2, 0), ARCHK_ERR_HND_INVALID);
	items[1].handle = archk_handle_duplicate(b, ARCHK_RIGHT_INSPECT);
	CHECK_EQ(archk_object_wait_many(items, 2, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close(items[1].handle), 0);
	/* The same object many times. */
	for (int i = 0; i < ARCHK_WAIT_MANY_MAX; i++) {
		items[i].handle = a;
		items[i].waitfor = ARCHK_SIGNAL_SIGNALED;
	}
	CHECK_EQ(archk_object_wait_many(items, ARCHK_WAIT_MANY_MAX, now() + 5 * MS),
		 ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(archk_handle_close(a), 0);
	CHECK_EQ(archk_handle_close(b), 0);
}

/* A thread waiting on an object whose last handle another thread closes gets CANCELLED. */
static int close_later(void *arg)
{
	archk_sleep_until(now() + 10 * MS);
	return (int)archk_handle_close((archk_handle_t)(uintptr_t)arg);
}

static void test_wait_cancelled(void)
{
	struct archk_thread closer;
	long ev = archk_event_create();

	CHECK_EQ(
	    archk_thread_spawn(&closer, close_later, (void *)(uintptr_t)ev, STACK_BYTES, "closer"),
	    0);
	CHECK_EQ(archk_object_wait_one(ev, ARCHK_SIGNAL_SIGNALED, now() + 5000 * MS, NULL),
		 ARCHK_ERR_CANCELLED);
	CHECK_EQ(archk_thread_wait(&closer), 0);
}

/* ---- ports ---- */

static void test_ports(void)
{
	struct archk_port_packet pk;
	long port = archk_port_create(), ev = archk_event_create(), ev2 = archk_event_create(),
	     weak;

	CHECK_TRUE(port > 0);
	CHECK_EQ(type_of(port), ARCHK_OBJ_PORT);
	CHECK_EQ(archk_port_wait(port, 0, &pk), ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(archk_port_wait_async(port, ev, 7, ARCHK_SIGNAL_SIGNALED), 0);
	CHECK_EQ(archk_port_wait(port, now() + 5 * MS, &pk), ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(archk_object_signal(ev, 0, ARCHK_SIGNAL_SIGNALED), 0);
	CHECK_EQ(signals_of(port), ARCHK_SIGNAL_READABLE);
	CHECK_EQ(archk_port_wait(port, 0, &pk), 0);
	CHECK_EQ(pk.key, 7);
	CHECK_EQ(pk.type, ARCHK_PACKET_SIGNAL);
	CHECK_EQ(pk.observed, ARCHK_SIGNAL_SIGNALED);
	CHECK_EQ(pk.trigger, ARCHK_SIGNAL_SIGNALED);
	/* One-shot: a registration gives one packet. */
	CHECK_EQ(archk_object_signal(ev, ARCHK_SIGNAL_SIGNALED, 0), 0);
	CHECK_EQ(archk_object_signal(ev, 0, ARCHK_SIGNAL_SIGNALED), 0);
	CHECK_EQ(archk_port_wait(port, 0, &pk), ARCHK_ERR_TIMED_OUT);
	/* Already signalled: the packet is queued at once. */
	CHECK_EQ(archk_port_wait_async(port, ev, 8, ARCHK_SIGNAL_SIGNALED | ARCHK_SIGNAL_USER0), 0);
	CHECK_EQ(archk_port_wait(port, 0, &pk), 0);
	CHECK_EQ(pk.key, 8);
	/* A blocked port_wait gets the packet from another thread's signal. */
	struct archk_thread signaller;
	CHECK_EQ(archk_thread_spawn(&signaller, signal_later, (void *)(uintptr_t)ev2, STACK_BYTES,
				    "signaller"),
		 0);
	CHECK_EQ(archk_port_wait_async(port, ev2, 9, ARCHK_SIGNAL_USER0), 0);
	CHECK_EQ(archk_port_wait(port, ARCHK_DEADLINE_INFINITE, &pk), 0);
	CHECK_EQ(pk.key, 9);
	CHECK_EQ(pk.observed, ARCHK_SIGNAL_USER0);
	CHECK_EQ(archk_thread_wait(&signaller), 0);
	/* An object closed before it fires: no packet. */
	CHECK_EQ(archk_port_wait_async(port, ev2, 10, ARCHK_SIGNAL_SIGNALED), 0);
	CHECK_EQ(archk_handle_close(ev2), 0);
	CHECK_EQ(archk_port_wait(port, 0, &pk), ARCHK_ERR_TIMED_OUT);
	/* Bad input. */
	CHECK_EQ(archk_port_wait_async(port, ev, 1, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_port_wait_async(port, 0x5eed, 1, 1), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_port_wait_async(ev, ev, 1, 1), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_port_wait(ev, 0, &pk), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_port_wait(port, 0, (void *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	weak = archk_handle_duplicate(ev, ARCHK_RIGHT_INSPECT);
	CHECK_EQ(archk_port_wait_async(port, weak, 1, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close(weak), 0);
	weak = archk_handle_duplicate(port, ARCHK_RIGHT_READ);
	CHECK_EQ(archk_port_wait_async(weak, ev, 1, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close(weak), 0);
	weak = archk_handle_duplicate(port, ARCHK_RIGHT_WRITE);
	CHECK_EQ(archk_port_wait(weak, 0, &pk), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close(weak), 0);
	/* A port holds a bounded number of registrations and packets. */
	int n = 0;
	while (archk_port_wait_async(port, ev, (uint64_t)n, ARCHK_SIGNAL_USER0) == 0)
		n++;
	CHECK_EQ(n, ARCHK_PORT_MAX_PENDING);
	CHECK_EQ(archk_port_wait_async(port, ev, 0, ARCHK_SIGNAL_USER0), ARCHK_ERR_NO_MEMORY);
	/* Closing the port drops its registrations; the event no longer refers to it. */
	CHECK_EQ(archk_handle_close(port), 0);
	CHECK_EQ(archk_object_signal(ev, 0, ARCHK_SIGNAL_USER0), 0);
	CHECK_EQ(archk_handle_close(ev), 0);
}

/* ---- several processes ---- */

static long spawn_with_chan(const char *mode, const char *arg, archk_handle_t chan)
{
	const char *argv[] = {"/tests/conf_ipc", mode, arg, NULL};
	struct archk_spawn_handle h = {"chan", chan, ARCHK_RIGHTS_SAME};

	return archk_spawn(argv[0], argv, &h, 1);
}

/* A handle sent by the parent arrives usable in the child and is gone from the parent. */
static void test_transfer_between_processes(void)
{
	archk_handle_t ch[2], pair[2];
	uint32_t observed;
	long child;

	CHECK_EQ(archk_channel_create(ch), 0);
	CHECK_EQ(archk_eventpair_create(pair), 0);
	child = spawn_with_chan("receiver", NULL, ch[1]);
	CHECK_TRUE(child > 0);
	CHECK_EQ(archk_handle_close(ch[1]), 0); /* the child has its own */
	/* The bytes carry the value of the parent's own end: useless in the child. */
	CHECK_EQ(archk_channel_write(ch[0], &ch[0], sizeof(ch[0]), &pair[1], 1), 0);
	CHECK_EQ(type_of(pair[1]), 0);
	CHECK_EQ(
	    archk_object_wait_one(pair[0], ARCHK_SIGNAL_SIGNALED, now() + 10000 * MS, &observed),
	    0);
	CHECK_TRUE(observed & ARCHK_SIGNAL_SIGNALED);
	/* A process shows TERMINATED once it has ended. */
	CHECK_EQ(
	    archk_object_wait_one(child, ARCHK_SIGNAL_TERMINATED, now() + 10000 * MS, &observed),
	    0);
	CHECK_EQ(observed, ARCHK_SIGNAL_TERMINATED);
	CHECK_EQ(wait_exit(child), 0);
	CHECK_EQ(signals_of(ch[0]), ARCHK_SIGNAL_PEER_CLOSED);
	CHECK_EQ(signals_of(pair[0]), ARCHK_SIGNAL_SIGNALED | ARCHK_SIGNAL_PEER_CLOSED);
	CHECK_EQ(archk_handle_close(ch[0]), 0);
	CHECK_EQ(archk_handle_close(pair[0]), 0);
}

/* The receiver child: takes the pair end from "chan" and signals the parent's end. */
static int receiver(void)
{
	archk_handle_t chan = archk_handle_named("chan"), got[1];
	struct archk_channel_actual actual;
	archk_handle_t foreign;

	CHECK_EQ(archk_object_wait_one(chan, ARCHK_SIGNAL_READABLE, ARCHK_DEADLINE_INFINITE, NULL),
		 0);
	CHECK_EQ(archk_channel_read(chan, &foreign, sizeof(foreign), got, 1, &actual), 0);
	CHECK_EQ(actual.handles, 1);
	/* A handle value of another process names nothing here. */
	CHECK_EQ(archk_channel_write(foreign, "x", 1, NULL, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_handle_close(foreign), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(type_of(got[0]), ARCHK_OBJ_EVENTPAIR);
	CHECK_EQ(archk_object_signal(got[0], 0, ARCHK_SIGNAL_SIGNALED), 0);
	return check_failed;
}

/* One server thread serves CLIENTS child processes through one port. */
static void test_port_server(void)
{
	archk_handle_t server[CLIENTS], ch[2];
	long clients[CLIENTS], port = archk_port_create();
	struct archk_channel_actual actual;
	struct archk_port_packet pk;
	int open = CLIENTS, served = 0, bad = 0;
	char arg[8];

	for (int i = 0; i < CLIENTS; i++) {
		CHECK_EQ(archk_channel_create(ch), 0);
		server[i] = ch[0];
		snprintf(arg, sizeof(arg), "%d", i);
		clients[i] = spawn_with_chan("client", arg, ch[1]);
		CHECK_TRUE(clients[i] > 0);
		archk_handle_close(ch[1]);
		CHECK_EQ(archk_port_wait_async(port, server[i], (uint64_t)i,
					       ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED),
			 0);
	}
	while (open > 0) {
		uint32_t msg[2];
		long r;

		if (archk_port_wait(port, now() + 20000 * MS, &pk) < 0) {
			bad++;
			break;
		}
		archk_handle_t h = server[pk.key];
		while ((r = archk_channel_read(h, msg, sizeof(msg), NULL, 0, &actual)) == 0) {
			msg[1] = msg[1] * 2 + 1;
			if (archk_channel_write(h, msg, sizeof(msg), NULL, 0) < 0)
				bad++;
			served++;
		}
		if (r == ARCHK_ERR_PEER_CLOSED)
			open--;
		else if (archk_port_wait_async(
			     port, h, pk.key, ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED) < 0)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(served, CLIENTS * CALLS);
	for (int i = 0; i < CLIENTS; i++) {
		CHECK_EQ(wait_exit(clients[i]), 0);
		archk_handle_close(server[i]);
	}
	archk_handle_close(port);
}

/* A client child: CALLS calls, each answered with value * 2 + 1. */
static int client(int id)
{
	archk_handle_t chan = archk_handle_named("chan");
	int wrong = 0;

	for (uint32_t i = 0; i < CALLS; i++) {
		uint32_t v = (uint32_t)id * 1000 + i;

		if (call_value(chan, v, ARCHK_DEADLINE_INFINITE) != v * 2 + 1)
			wrong++;
	}
	return wrong;
}

/* Producer and consumer in two processes, with back-pressure on a full channel. */
static void test_producer_consumer(void)
{
	archk_handle_t ch[2];
	struct archk_channel_actual actual;
	uint32_t expect = 0, v, full = 0;
	long child, r;
	int out_of_order = 0;

	CHECK_EQ(archk_channel_create(ch), 0);
	child = spawn_with_chan("producer", NULL, ch[1]);
	CHECK_TRUE(child > 0);
	archk_handle_close(ch[1]);
	/* Let the queue fill before consuming. */
	archk_sleep_until(now() + 20 * MS);
	for (;;) {
		r = archk_channel_read(ch[0], &v, sizeof(v), NULL, 0, &actual);
		if (r == ARCHK_ERR_SHOULD_WAIT) {
			archk_object_wait_one(ch[0],
					      ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED,
					      ARCHK_DEADLINE_INFINITE, NULL);
			continue;
		}
		if (r < 0)
			break;
		out_of_order += v != expect++;
	}
	CHECK_EQ(r, ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(expect, PRODUCED);
	CHECK_EQ(out_of_order, 0);
	r = wait_exit(child);
	full = r >= 1000 ? 0 : (uint32_t)r;
	CHECK_EQ(full, 1); /* the producer saw SHOULD_WAIT */
	archk_handle_close(ch[0]);
}

/* The producer child: exits 1 if it met a full channel (and waited), 0 if not. */
static int producer(void)
{
	archk_handle_t chan = archk_handle_named("chan");
	int waited = 0;

	for (uint32_t i = 0; i < PRODUCED;) {
		long r = archk_channel_write(chan, &i, sizeof(i), NULL, 0);

		if (r == 0) {
			i++;
		} else if (r == ARCHK_ERR_SHOULD_WAIT) {
			waited = 1;
			archk_object_wait_one(chan, ARCHK_SIGNAL_WRITABLE, ARCHK_DEADLINE_INFINITE,
					      NULL);
		} else {
			return 2;
		}
	}
	return waited;
}

/* A child flooding a channel is held back with SHOULD_WAIT; the parent keeps running. */
static void test_flood_contained(void)
{
	archk_handle_t ch[2];
	struct archk_channel_actual actual;
	uint32_t v;
	int n = 0;
	long child;
	int64_t start = now();

	CHECK_EQ(archk_channel_create(ch), 0);
	child = spawn_with_chan("flooder", NULL, ch[1]);
	CHECK_TRUE(child > 0);
	archk_handle_close(ch[1]);
	/* archk stays responsive while the flooder spins. */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(archk_sleep_until(now() + MS), 0);
	CHECK_TRUE(now() - start < 5000 * MS);
	CHECK_EQ(wait_exit(child), 0);
	while (archk_channel_read(ch[0], &v, sizeof(v), NULL, 0, &actual) == 0)
		n++;
	CHECK_EQ(n, ARCHK_CHANNEL_QUEUE_MAX);
	archk_handle_close(ch[0]);
}

/* The flooder child: exits 0 if exactly a queue's worth was accepted and the rest refused. */
static int flooder(void)
{
	archk_handle_t chan = archk_handle_named("chan");
	int accepted = 0, refused = 0;

	for (uint32_t i = 0; i < FLOOD_TRIES; i++) {
		long r = archk_channel_write(chan, &i, sizeof(i), NULL, 0);

		accepted += r == 0;
		refused += r == ARCHK_ERR_SHOULD_WAIT;
	}
	return !(accepted == ARCHK_CHANNEL_QUEUE_MAX && refused == FLOOD_TRIES - accepted);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "receiver") == 0)
		return receiver();
	if (argc >= 3 && strcmp(argv[1], "client") == 0)
		return client(atoi(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "producer") == 0)
		return producer();
	if (argc >= 2 && strcmp(argv[1], "flooder") == 0)
		return flooder();
	arenas_snapshot();
	test_events();
	test_channel_basics();
	test_channel_handles();
	test_channel_limits();
	test_channel_call();
	test_wait_many();
	test_wait_cancelled();
	test_ports();
	test_transfer_between_processes();
	test_port_server();
	test_producer_consumer();
	test_flood_contained();
	CHECK_EQ(check_arenas_returned(checked_arena), 9);
	CHECK_EQ(archk_arena_stats((void *)ARENA_BASE, 1), ARCHK_ERR_BAD_ADDRESS);
	return check_done("conf_ipc");
}
