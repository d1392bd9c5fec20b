/*
 * Conformance: tables, objects served by a user process (io-spec, docs/abi.md
 * "Tables"). Creation and rights; each op on a served object through sync
 * do_io (answered by a server thread) and through an I/O queue (answered by
 * the test itself); handles both ways; CLOSE with the cookie on the last
 * close; reply errors, TOO_LONG, clipping and the receive deadline; data in
 * VMO mappings on both sides; the
 * server going away (table closed, server process killed) and the client
 * going away (client process killed) with requests in flight; spawning
 * through a served process table. The kernel arenas end where they started.
 *   conf_table               the checks (exit 0 if all pass)
 *   conf_table exit-with N   (child) exits with status N
 *   conf_table hold          (child server) receives 2 requests on "table", says so on
 *                            "chan", never answers
 *   conf_table client        (child client) a ring READ and a sync READ on "obj", never
 *                            answered
 *   conf_table spawn-via     (child) spawns "exit-with 7" through its served "process"
 *                            handle; exits with the grandchild's status
 */
#include "check.h"
#include "ringtest.h"

#define ARENA_BASE  0x100000000000UL /* docs/architecture.md: the guest arena */
#define MS	    1000000LL
#define STACK_BYTES (64 * 1024)
#define STOP_COOKIE 0x5709
#define PAGE	    4096

static archk_handle_t out, proc;

static archk_handle_t new_table(void)
{
	long t = archk_table_create();

	if (t <= 0) {
		printf("conf_table: table_create: %s\n", archk_strerror(t));
		archk_process_exit(2);
	}
	return (archk_handle_t)t;
}

static archk_handle_t new_object(archk_handle_t t, uint64_t cookie)
{
	long o = archk_table_object_create(t, cookie, ARCHK_RIGHTS_SAME);

	CHECK_TRUE(o > 0);
	return o > 0 ? (archk_handle_t)o : 0;
}

/* Receives with a deadline ms from now; the result of table_receive. */
static char rx_data[ARCHK_TABLE_DATA_MAX];
static archk_handle_t rx_handles[ARCHK_IO_HANDLES_MAX];
static long receive(archk_handle_t t, struct archk_table_request *req, int64_t ms)
{
	memset(req, 0xee, sizeof(*req));
	return archk_table_receive(t, req, rx_data, sizeof(rx_data), rx_handles, now() + ms * MS);
}

/* ---- a server thread answering as told ---- */

struct server {
	archk_handle_t table;
	struct archk_thread thread;
	/* what to answer (set by the client before its op) */
	long result;
	const void *data;
	size_t len;
	archk_handle_t handle;
	int forward_create; /* CREATE: forward to the real process table, reply its handle */
	/* what the last request was (written before the reply) */
	struct archk_table_request req;
	char data_in[1024];
	archk_handle_t handles_in[ARCHK_IO_HANDLES_MAX];
	struct archk_handle_info info_in[ARCHK_IO_HANDLES_MAX];
	long forwarded;
	/* written after the reply */
	long reply_result;
	uint32_t answered; /* requests answered */
	uint32_t closes;   /* CLOSE requests seen */
	uint64_t last_close_cookie;
};

static struct server srv;

static int server_main(void *arg)
{
	struct server *s = arg;
	struct archk_table_request req;
	static char data[ARCHK_TABLE_DATA_MAX];
	archk_handle_t hs[ARCHK_IO_HANDLES_MAX];

	for (;;) {
		long err = archk_table_receive(s->table, &req, data, sizeof(data), hs,
					       ARCHK_DEADLINE_INFINITE);

		if (err < 0)
			return 100 - (int)err;
		if (req.op == ARCHK_IO_CLOSE) {
			s->last_close_cookie = req.cookie;
			__atomic_add_fetch(&s->closes, 1, __ATOMIC_RELEASE);
			if (req.cookie == STOP_COOKIE)
				return 0;
			continue;
		}
		s->req = req;
		memcpy(s->data_in, data, req.len < sizeof(s->data_in) ? req.len : 0);
		for (uint32_t i = 0; i < req.handle_count && i < ARCHK_IO_HANDLES_MAX; i++) {
			s->handles_in[i] = hs[i];
			archk_handle_info(hs[i], &s->info_in[i]);
		}
		if (req.op == ARCHK_IO_CREATE && s->forward_create) {
			s->forwarded = archk_do_io_handles(ARCHK_IO_CREATE, proc, data, req.len, 0,
							   hs, req.handle_count);
			s->reply_result = archk_table_reply(
			    s->table, req.id, s->forwarded < 0 ? s->forwarded : 0, NULL, 0,
			    s->forwarded > 0 ? (archk_handle_t)s->forwarded : 0);
		} else {
			s->reply_result = archk_table_reply(s->table, req.id, s->result, s->data,
							    s->len, s->handle);
		}
		for (uint32_t i = 0; i < req.handle_count && i < ARCHK_IO_HANDLES_MAX; i++)
			archk_handle_close(hs[i]);
		__atomic_add_fetch(&s->answered, 1, __ATOMIC_RELEASE);
	}
}

static void server_start(archk_handle_t table)
{
	memset(&srv, 0, sizeof(srv));
	srv.table = table;
	CHECK_EQ(archk_thread_spawn(&srv.thread, server_main, &srv, STACK_BYTES, "server"), 0);
}

/* Stops the server thread through the CLOSE of a dedicated object; its exit code. */
static long server_stop(void)
{
	long stop = archk_table_object_create(srv.table, STOP_COOKIE, ARCHK_RIGHT_READ);

	CHECK_TRUE(stop > 0);
	archk_handle_close((archk_handle_t)stop);
	return archk_thread_wait(&srv.thread);
}

/* Waits (up to 5 s) until the server has answered n requests in all. */
static uint32_t wait_answered(uint32_t n)
{
	for (int i = 0; i < 5000 && __atomic_load_n(&srv.answered, __ATOMIC_ACQUIRE) < n; i++)
		archk_sleep_until(now() + MS);
	return __atomic_load_n(&srv.answered, __ATOMIC_ACQUIRE);
}

static void plan(long result, const void *data, size_t len, archk_handle_t handle)
{
	srv.result = result;
	srv.data = data;
	srv.len = len;
	srv.handle = handle;
}

/* ---- tests ---- */

static void test_create_rights(void)
{
	archk_handle_t t = new_table();
	struct archk_table_request req;
	struct archk_meta meta;
	long o, o2, weak;
	int64_t start;

	CHECK_EQ(type_of(t), ARCHK_OBJ_TABLE);
	CHECK_EQ(rights_of(t), ARCHK_RIGHTS_TABLE);
	CHECK_EQ(archk_get_meta(t, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_TABLE);
	CHECK_EQ(meta.koid, koid_of(t));
	CHECK_EQ(signals_of(t) & ARCHK_SIGNAL_READABLE, 0);

	o = archk_table_object_create(t, 5, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(o > 0);
	CHECK_EQ(type_of(o), ARCHK_OBJ_SERVED);
	CHECK_EQ(rights_of(o), ARCHK_RIGHTS_SERVED);
	o2 = archk_table_object_create(t, 6, ARCHK_RIGHT_READ | ARCHK_RIGHT_WAIT);
	CHECK_TRUE(o2 > 0);
	CHECK_EQ(rights_of(o2), ARCHK_RIGHT_READ | ARCHK_RIGHT_WAIT);
	CHECK_TRUE(koid_of(o) != koid_of(o2) && koid_of(o) != koid_of(t));
	/* Rights outside the served set are refused (a separate table: nothing leaks in here). */
	archk_handle_t t2 = new_table();
	static const uint32_t refused[] = {ARCHK_RIGHT_EXECUTE,
					   ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ,
					   ARCHK_RIGHT_SIGNAL, ARCHK_RIGHT_INSPECT, 1u << 20};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		long bad = archk_table_object_create(t2, 7, refused[i]);
		CHECK_TRUE(bad < 0);
		if (bad > 0)
			archk_handle_close(bad);
	}
	archk_handle_close(t2);
	/* MANAGE on the table is needed; and it must be a table. */
	weak = archk_handle_duplicate(t, ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_WAIT);
	CHECK_TRUE(weak > 0);
	CHECK_EQ(archk_table_object_create(weak, 7, ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(weak);
	CHECK_EQ(archk_table_object_create(out, 7, ARCHK_RIGHTS_SAME), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_table_object_create(0x5eed, 7, ARCHK_RIGHTS_SAME), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_table_receive(out, &req, NULL, 0, NULL, 0), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_table_reply(out, 1, 0, NULL, 0, 0), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_table_receive(0x5eed, &req, NULL, 0, NULL, 0), ARCHK_ERR_HND_INVALID);
	/* receive needs READ, reply needs WRITE. */
	weak = archk_handle_duplicate(t, ARCHK_RIGHT_WRITE | ARCHK_RIGHT_WAIT);
	CHECK_EQ(archk_table_receive(weak, &req, rx_data, 64, rx_handles, 0),
		 ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(weak);
	weak = archk_handle_duplicate(t, ARCHK_RIGHT_READ | ARCHK_RIGHT_WAIT);
	CHECK_EQ(archk_table_reply(weak, 1, 0, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(weak);

	/* The receive deadline. */
	start = now();
	CHECK_EQ(receive(t, &req, 30), ARCHK_ERR_TIMED_OUT);
	CHECK_TRUE(now() - start >= 30 * MS);
	CHECK_EQ(archk_table_receive(t, &req, rx_data, 64, rx_handles, 0), ARCHK_ERR_TIMED_OUT);

	/* Closing the last handles: CLOSE with the cookie, id 0; the table is READABLE. */
	CHECK_EQ(archk_handle_close(o), 0);
	CHECK_EQ(signals_of(t) & ARCHK_SIGNAL_READABLE, ARCHK_SIGNAL_READABLE);
	CHECK_EQ(archk_handle_close(o2), 0);
	CHECK_EQ(archk_table_receive(t, (void *)ARENA_BASE, rx_data, 64, rx_handles, 0),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.op, ARCHK_IO_CLOSE);
	CHECK_EQ(req.id, 0);
	CHECK_EQ(req.cookie, 5);
	CHECK_EQ(req.handle_count, 0);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.op, ARCHK_IO_CLOSE);
	CHECK_EQ(req.cookie, 6);
	CHECK_EQ(signals_of(t) & ARCHK_SIGNAL_READABLE, 0);
	CHECK_EQ(receive(t, &req, 0), ARCHK_ERR_TIMED_OUT);
	/* No reply to a CLOSE: id 0 names nothing. */
	CHECK_EQ(archk_table_reply(t, 0, 0, NULL, 0, 0), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_table_reply(t, 123456, 0, NULL, 0, 0), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_handle_close(t), 0);
}

/* Sync do_io on a served object, answered by the server thread. */
static void test_sync_ops(void)
{
	archk_handle_t t = new_table(), o = new_object(t, 0xc0de);
	char buf[128];
	struct archk_meta meta,
	    reply_meta = {.type = ARCHK_OBJ_FILE, .mode = 1, .size = 4242, .koid = 99};
	uint32_t n = 0;
	long h, weak, ev;

	server_start(t);

	/* READ: the client's result is the bytes copied. */
	plan(0, "served data", 11, 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(io(ARCHK_IO_READ, o, buf, 100, 7), 11);
	CHECK_EQ(memcmp(buf, "served data", 12), 0);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.op, ARCHK_IO_READ);
	CHECK_EQ(srv.req.len, 100);
	CHECK_EQ(srv.req.offset, 7);
	CHECK_EQ(srv.req.cookie, 0xc0de);
	CHECK_EQ(srv.req.client, archk_process_self());
	CHECK_EQ(srv.req.handle_count, 0);
	CHECK_TRUE(srv.req.id != 0);
	CHECK_EQ(srv.reply_result, 0);
	/* At most the client's len is copied. */
	plan(50, "0123456789", 10, 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(io(ARCHK_IO_READ, o, buf, 4, ARCHK_IO_OFFSET_CURRENT), 4);
	CHECK_EQ(memcmp(buf, "0123\0", 5), 0);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.offset, ARCHK_IO_OFFSET_CURRENT);
	/* An error result fails the client's op. */
	plan(ARCHK_ERR_NOT_FOUND, "zz", 2, 0);
	buf[0] = 'q';
	CHECK_EQ(io(ARCHK_IO_READ, o, buf, 4, 0), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(buf[0], 'q');
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.reply_result, 0);

	/* WRITE: the client's bytes reach the server; the result is as given. */
	plan(6, NULL, 0, 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, o, "abcdef", 6, 3), 6);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.op, ARCHK_IO_WRITE);
	CHECK_EQ(srv.req.len, 6);
	CHECK_EQ(srv.req.offset, 3);
	CHECK_EQ(memcmp(srv.data_in, "abcdef", 6), 0);
	plan(ARCHK_ERR_IO, NULL, 0, 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, o, "x", 1, 0), ARCHK_ERR_IO);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(io(ARCHK_IO_WRITE, o, (void *)ARENA_BASE, 4, 0), ARCHK_ERR_BAD_ADDRESS);

	/* OPEN: the path as data, the rights as offset; a handle moves back. */
	ev = archk_event_create();
	archk_koid_t ev_koid = koid_of(ev);
	plan(0, NULL, 0, ev);
	h = io(ARCHK_IO_OPEN, o, "dir/name", 8, ARCHK_RIGHT_READ);
	CHECK_TRUE(h > 0);
	CHECK_EQ(type_of(h), ARCHK_OBJ_EVENT);
	CHECK_EQ(koid_of(h), ev_koid);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(type_of(ev), 0); /* moved away from the server */
	CHECK_EQ(srv.req.op, ARCHK_IO_OPEN);
	CHECK_EQ(srv.req.len, 8);
	CHECK_EQ(srv.req.offset, ARCHK_RIGHT_READ);
	CHECK_EQ(memcmp(srv.data_in, "dir/name", 8), 0);
	archk_handle_close(h);

	/* GET_META: the server's bytes land in the client's struct. */
	plan(0, &reply_meta, sizeof(reply_meta), 0);
	memset(&meta, 0, sizeof(meta));
	CHECK_EQ(archk_get_meta(o, &meta), 0);
	CHECK_EQ(memcmp(&meta, &reply_meta, sizeof(meta)), 0);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.op, ARCHK_IO_GET_META);
	CHECK_EQ(srv.req.len, sizeof(struct archk_meta));

	/* SEEK: whence as len, the signed offset, the result as given (not checked by archk). */
	plan(42, NULL, 0, 0);
	CHECK_EQ(archk_seek(o, -5, ARCHK_SEEK_CUR), 42);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.op, ARCHK_IO_SEEK);
	CHECK_EQ(srv.req.len, ARCHK_SEEK_CUR);
	CHECK_EQ(srv.req.offset, (uint64_t)-5);

	/* SET_META carries data; DESTROY and CREATE are forwarded too. */
	plan(0, NULL, 0, 0);
	CHECK_EQ(io(ARCHK_IO_SET_META, o, "meta", 4, 0), 0);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.op, ARCHK_IO_SET_META);
	CHECK_EQ(srv.req.len, 4);
	CHECK_EQ(memcmp(srv.data_in, "meta", 4), 0);
	CHECK_EQ(io(ARCHK_IO_DESTROY, o, "gone", 4, 0), 0);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.op, ARCHK_IO_DESTROY);
	plan(ARCHK_ERR_NOT_SUPPORTED, NULL, 0, 0);
	CHECK_EQ(io(ARCHK_IO_CREATE, o, "new", 3, 0), ARCHK_ERR_NOT_SUPPORTED);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.op, ARCHK_IO_CREATE);
	CHECK_EQ(memcmp(srv.data_in, "new", 3), 0);

	/* Rights are checked by archk; nothing reaches the server. */
	weak = archk_handle_duplicate(o, ARCHK_RIGHT_READ);
	CHECK_EQ(io(ARCHK_IO_WRITE, weak, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_OPEN, weak, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_GET_META, weak, &meta, sizeof(meta), 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_DESTROY, weak, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_SET_META, weak, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	/* CLOSE is archk's own: it closes the handle and is not forwarded (o lives on). */
	CHECK_EQ(io(ARCHK_IO_CLOSE, weak, NULL, 0, 0), 0);
	CHECK_EQ(type_of(weak), 0);
	archk_sleep_until(now() + 10 * MS);
	CHECK_EQ(__atomic_load_n(&srv.answered, __ATOMIC_ACQUIRE), n);
	CHECK_EQ(__atomic_load_n(&srv.closes, __ATOMIC_ACQUIRE), 0);
	/* NOP answers 0. */
	plan(0, NULL, 0, 0);
	CHECK_EQ(io(ARCHK_IO_NOP, o, NULL, 0, 0), 0);
	archk_sleep_until(now() + 10 * MS);
	n = __atomic_load_n(&srv.answered, __ATOMIC_ACQUIRE);

	/* Handles with a request: copies with the same rights; the client keeps its own. */
	archk_handle_t hs[ARCHK_IO_HANDLES_MAX + 1];
	ev = archk_event_create();
	hs[0] = ev;
	plan(1, NULL, 0, 0);
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_WRITE, o, "h", 1, 0, hs, 1), 1);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.handle_count, 1);
	CHECK_EQ(srv.info_in[0].type, ARCHK_OBJ_EVENT);
	CHECK_EQ(srv.info_in[0].koid, koid_of(ev));
	CHECK_EQ(srv.info_in[0].rights, rights_of(ev));
	CHECK_TRUE(srv.handles_in[0] != ev);
	CHECK_EQ(type_of(ev), ARCHK_OBJ_EVENT);
	for (int i = 0; i < ARCHK_IO_HANDLES_MAX + 1; i++)
		hs[i] = ev;
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_WRITE, o, "m", 1, 0, hs, ARCHK_IO_HANDLES_MAX), 1);
	n++;
	CHECK_EQ(wait_answered(n), n);
	CHECK_EQ(srv.req.handle_count, ARCHK_IO_HANDLES_MAX);
	CHECK_EQ(srv.info_in[ARCHK_IO_HANDLES_MAX - 1].koid, koid_of(ev));
	CHECK_TRUE(archk_do_io_handles(ARCHK_IO_WRITE, o, "m", 1, 0, hs, ARCHK_IO_HANDLES_MAX + 1) <
		   0);
	weak = archk_handle_duplicate(ev, ARCHK_RIGHT_WAIT);
	hs[0] = weak;
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_WRITE, o, "w", 1, 0, hs, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(type_of(weak), ARCHK_OBJ_EVENT);
	archk_handle_close(weak);
	hs[0] = 0x5eed;
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_WRITE, o, "b", 1, 0, hs, 1), ARCHK_ERR_HND_INVALID);
	archk_sleep_until(now() + 10 * MS);
	CHECK_EQ(__atomic_load_n(&srv.answered, __ATOMIC_ACQUIRE), n);
	archk_handle_close(ev);

	/* The last close: CLOSE with the cookie. */
	CHECK_EQ(archk_handle_close(o), 0);
	for (int i = 0; i < 1000 && __atomic_load_n(&srv.closes, __ATOMIC_ACQUIRE) == 0; i++)
		archk_sleep_until(now() + MS);
	CHECK_EQ(srv.closes, 1);
	CHECK_EQ(srv.last_close_cookie, 0xc0de);
	CHECK_EQ(server_stop(), 0);
	CHECK_EQ(srv.last_close_cookie, STOP_COOKIE);
	archk_handle_close(t);
}

/* The same ops through an I/O queue, answered by this thread. */
static void test_ring_ops(void)
{
	archk_handle_t t = new_table(), o = new_object(t, 0xbeef);
	struct ring *r;
	struct archk_table_request req;
	char buf[64] = {0};
	struct archk_meta meta = {0}, reply_meta = {.type = 3, .size = 17, .koid = 5};
	long ids[4];

	r = ring_new(8, 0, 0);
	put(r, ARCHK_IO_READ, o, buf, 64, 5, 1);
	put(r, ARCHK_IO_WRITE, o, "xyz", 3, 9, 2);
	put(r, ARCHK_IO_GET_META, o, &meta, sizeof(meta), 0, 3);
	put(r, ARCHK_IO_SEEK, o, NULL, ARCHK_SEEK_END, (uint64_t)-2, 4);
	CHECK_TAKEN(r, 0, 4);
	CHECK_EQ(await_ms(r, 1, 10), NO_RESULT); /* nothing answered yet */
	/* The table hands them out oldest first. */
	static const uint32_t ops[4] = {ARCHK_IO_READ, ARCHK_IO_WRITE, ARCHK_IO_GET_META,
					ARCHK_IO_SEEK};
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(receive(t, &req, 1000), 0);
		CHECK_EQ(req.op, ops[i]);
		CHECK_EQ(req.cookie, 0xbeef);
		CHECK_EQ(req.client, archk_process_self());
		ids[i] = (long)req.id;
		if (i == 0) {
			CHECK_EQ(req.len, 64);
			CHECK_EQ(req.offset, 5);
		} else if (i == 1) {
			CHECK_EQ(req.len, 3);
			CHECK_EQ(req.offset, 9);
			CHECK_EQ(memcmp(rx_data, "xyz", 3), 0);
		} else if (i == 2) {
			CHECK_EQ(req.len, sizeof(struct archk_meta));
		} else {
			CHECK_EQ(req.len, ARCHK_SEEK_END);
			CHECK_EQ(req.offset, (uint64_t)-2);
		}
	}
	CHECK_TRUE(ids[0] != ids[1] && ids[1] != ids[2] && ids[2] != ids[3]);
	/* Answered out of order. */
	CHECK_EQ(archk_table_reply(t, ids[3], 1234, NULL, 0, 0), 0);
	CHECK_EQ(await(r, 4), 1234);
	CHECK_EQ(archk_table_reply(t, ids[1], 3, NULL, 0, 0), 0);
	CHECK_EQ(await(r, 2), 3);
	CHECK_EQ(archk_table_reply(t, ids[0], 0, "ring read", 9, 0), 0);
	CHECK_EQ(await(r, 1), 9);
	CHECK_EQ(memcmp(buf, "ring read", 10), 0);
	CHECK_EQ(archk_table_reply(t, ids[2], 0, &reply_meta, sizeof(reply_meta), 0), 0);
	CHECK_EQ(await(r, 3), 0);
	CHECK_EQ(memcmp(&meta, &reply_meta, sizeof(meta)), 0);
	/* Replying twice, or to an unknown id: NOT_FOUND. */
	CHECK_EQ(archk_table_reply(t, ids[2], 0, NULL, 0, 0), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_table_reply(t, ids[0], 0, NULL, 0, 0), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_table_reply(t, ids[3] + 1000, 0, NULL, 0, 0), ARCHK_ERR_NOT_FOUND);

	/* Handles both ways through the ring. */
	long ev = archk_event_create();
	archk_handle_t hv = (archk_handle_t)ev;
	struct archk_io_request *rq = put(r, ARCHK_IO_OPEN, o, "p", 1, ARCHK_RIGHT_WAIT, 5);
	rq->handle_count = 1;
	rq->handles = (uint64_t)(uintptr_t)&hv;
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.op, ARCHK_IO_OPEN);
	CHECK_EQ(req.handle_count, 1);
	CHECK_EQ(koid_of(rx_handles[0]), koid_of(ev));
	CHECK_TRUE(rx_handles[0] != hv);
	CHECK_EQ(type_of(ev), ARCHK_OBJ_EVENT); /* the client kept its own */
	archk_handle_t back = rx_handles[0];
	archk_koid_t back_koid = koid_of(back);
	CHECK_EQ(archk_table_reply(t, req.id, 0, NULL, 0, back), 0);
	long got = await(r, 5);
	CHECK_TRUE(got > 0);
	CHECK_EQ(koid_of(got), back_koid);
	CHECK_EQ(type_of(back), 0); /* moved */
	archk_handle_close(got);
	archk_handle_close(ev);

	/* TOO_LONG leaves the request queued, with its length. */
	static char big[ARCHK_TABLE_DATA_MAX + 100];
	memset(big, 'w', sizeof(big));
	put(r, ARCHK_IO_WRITE, o, big, 100, 0, 6);
	CHECK_TAKEN(r, 0, 1);
	memset(&req, 0, sizeof(req));
	CHECK_EQ(archk_table_receive(t, &req, rx_data, 10, rx_handles, now() + 1000 * MS),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(req.len, 100);
	CHECK_EQ(archk_table_receive(t, &req, NULL, 0, rx_handles, now() + 1000 * MS),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.op, ARCHK_IO_WRITE);
	CHECK_EQ(req.len, 100);
	CHECK_EQ(rx_data[99], 'w');
	CHECK_EQ(archk_table_reply(t, req.id, 100, NULL, 0, 0), 0);
	CHECK_EQ(await(r, 6), 100);
	/* Data beyond ARCHK_TABLE_DATA_MAX is clipped, both ways. */
	put(r, ARCHK_IO_WRITE, o, big, sizeof(big), 0, 7);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.len, ARCHK_TABLE_DATA_MAX);
	CHECK_EQ(archk_table_reply(t, req.id, ARCHK_TABLE_DATA_MAX, NULL, 0, 0), 0);
	CHECK_EQ(await(r, 7), ARCHK_TABLE_DATA_MAX);
	put(r, ARCHK_IO_READ, o, big, sizeof(big), 0, 8);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.len, ARCHK_TABLE_DATA_MAX);
	memset(rx_data, 'r', sizeof(rx_data));
	CHECK_EQ(archk_table_reply(t, req.id, 0, rx_data, sizeof(rx_data), 0), 0);
	CHECK_EQ(await(r, 8), ARCHK_TABLE_DATA_MAX);
	CHECK_EQ(big[0] == 'r' && big[ARCHK_TABLE_DATA_MAX - 1] == 'r', 1);
	CHECK_EQ(big[ARCHK_TABLE_DATA_MAX], 'w');

	/* CLOSE waits for the requests in flight on the object. */
	put(r, ARCHK_IO_READ, o, buf, 8, 0, 9);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(archk_handle_close(o), 0);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.op, ARCHK_IO_READ);
	long id9 = (long)req.id;
	CHECK_EQ(receive(t, &req, 20), ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(archk_table_reply(t, id9, 0, "12345678", 8, 0), 0);
	CHECK_EQ(await(r, 9), 8);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.op, ARCHK_IO_CLOSE);
	CHECK_EQ(req.cookie, 0xbeef);
	CHECK_EQ(req.id, 0);
	CHECK_EQ(receive(t, &req, 0), ARCHK_ERR_TIMED_OUT);

	/* A duplicate keeps the object: CLOSE comes with the last handle only. */
	o = new_object(t, 0xd00d);
	long d = archk_handle_duplicate(o, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(d > 0);
	CHECK_EQ(archk_handle_close(o), 0);
	CHECK_EQ(receive(t, &req, 20), ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(archk_handle_close(d), 0);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(req.op, ARCHK_IO_CLOSE);
	CHECK_EQ(req.cookie, 0xd00d);

	ring_free(r);
	archk_handle_close(t);
}

/*
 * Data in VMO mappings on both sides, which archk copies through the VMO's
 * own view (io.c, data_at): it arrives whole and in place, 8 KiB across
 * pages at an odd offset; and the checks are those of any memory: a
 * read-only mapping takes no READ data and no received in-data, and data
 * that leaves its mapping is BAD_ADDRESS, the request staying where it was.
 */
static void test_vmo_buffers(void)
{
	archk_handle_t t = new_table(), o = new_object(t, 0xf00d);
	long vmo = archk_vmo_create(4 * PAGE);
	struct ring *r = ring_new(4, 0, 0);
	struct archk_table_request req;
	uint8_t *rw, *ro;

	CHECK_TRUE(vmo > 0);
	rw = (uint8_t *)archk_vmo_map((archk_handle_t)vmo, 0, 4 * PAGE,
				      ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	ro = (uint8_t *)archk_vmo_map((archk_handle_t)vmo, 0, 4 * PAGE, ARCHK_PROT_READ);
	CHECK_TRUE((long)rw > 0 && (long)ro > 0);

	/* WRITE: in-data from the read-only mapping, received into the writable one. */
	memset(rw, 'c', 2 * PAGE);
	put(r, ARCHK_IO_WRITE, o, ro + 1, 2 * PAGE - 1, 0, 1);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(
	    archk_table_receive(t, &req, ro + 2 * PAGE, 2 * PAGE, rx_handles, now() + 1000 * MS),
	    ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_table_receive(t, &req, rw + 2 * PAGE + 2, 2 * PAGE, rx_handles,
				     now() + 1000 * MS),
		 ARCHK_ERR_BAD_ADDRESS); /* its end leaves the mapping */
	CHECK_EQ(
	    archk_table_receive(t, &req, rw + 2 * PAGE, 2 * PAGE, rx_handles, now() + 1000 * MS),
	    0);
	CHECK_EQ(req.len, 2 * PAGE - 1);
	CHECK_EQ(rw[2 * PAGE] == 'c' && rw[4 * PAGE - 2] == 'c' && rw[4 * PAGE - 1] == 0, 1);
	CHECK_EQ(archk_table_reply(t, req.id, 7, NULL, 0, 0), 0);
	CHECK_EQ(await(r, 1), 7);

	/* READ: the reply's data from the read-only mapping into the writable one. */
	memset(rw, 0, 2 * PAGE);
	memset(rw + 2 * PAGE, 's', 2 * PAGE);
	put(r, ARCHK_IO_READ, o, rw + 1, 2 * PAGE - 2, 0, 2);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(receive(t, &req, 1000), 0);
	CHECK_EQ(archk_table_reply(t, req.id, 0, ro + 3 * PAGE, 2 * PAGE, 0),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_table_reply(t, req.id, 0, ro + 2 * PAGE, 2 * PAGE, 0), 0);
	CHECK_EQ(await(r, 2), 2 * PAGE - 2);
	CHECK_EQ(rw[0] == 0 && rw[1] == 's' && rw[2 * PAGE - 2] == 's' && rw[2 * PAGE - 1] == 0, 1);
	/* A READ into the read-only mapping never reaches the server. */
	put(r, ARCHK_IO_READ, o, ro, 16, 0, 3);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(await(r, 3), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(receive(t, &req, 0), ARCHK_ERR_TIMED_OUT);

	ring_free(r);
	CHECK_EQ(archk_vmo_unmap(rw, 4 * PAGE), 0);
	CHECK_EQ(archk_vmo_unmap(ro, 4 * PAGE), 0);
	archk_handle_close((archk_handle_t)vmo);
	archk_handle_close(o);
	CHECK_EQ(receive(t, &req, 1000), 0); /* the CLOSE notice */
	CHECK_EQ(req.op, ARCHK_IO_CLOSE);
	archk_handle_close(t);
}

/* A thread blocked in a sync READ on obj; its result in *arg. */
struct blocked {
	archk_handle_t obj;
	long result;
	char buf[16];
};

static int blocked_reader(void *arg)
{
	struct blocked *b = arg;

	b->result = io(ARCHK_IO_READ, b->obj, b->buf, sizeof(b->buf), 0);
	return 0;
}

/* Waits until the table shows a waiting request (READABLE). */
static long wait_request(archk_handle_t t)
{
	uint32_t observed = 0;

	return archk_object_wait_one(t, ARCHK_SIGNAL_READABLE, now() + 5000 * MS, &observed);
}

/* The server closes its table: waiting and received requests end CANCELLED, so do later ones. */
static void test_server_closes_table(void)
{
	archk_handle_t t = new_table(), o = new_object(t, 1);
	struct blocked b = {.obj = o, .result = NO_RESULT};
	struct archk_table_request req;
	struct archk_thread th;
	struct ring *r;

	static char sink[8];
	r = ring_new(4, 0, 0);
	put(r, ARCHK_IO_READ, o, sink, 8, 0, 1);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(receive(t, &req, 1000), 0); /* the ring's READ, received */
	CHECK_EQ(archk_thread_spawn(&th, blocked_reader, &b, STACK_BYTES, "reader"), 0);
	CHECK_EQ(wait_request(t), 0); /* the thread's READ, waiting */
	CHECK_EQ(archk_handle_close(t), 0);
	CHECK_EQ(archk_thread_wait(&th), 0);
	CHECK_EQ(b.result, ARCHK_ERR_CANCELLED);
	CHECK_EQ(await(r, 1), ARCHK_ERR_CANCELLED);
	/* Later ops fail the same way, sync and through the ring. */
	CHECK_EQ(io(ARCHK_IO_READ, o, b.buf, 4, 0), ARCHK_ERR_CANCELLED);
	CHECK_EQ(io(ARCHK_IO_WRITE, o, "x", 1, 0), ARCHK_ERR_CANCELLED);
	put(r, ARCHK_IO_GET_META, o, b.buf, 16, 0, 2);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(await(r, 2), ARCHK_ERR_CANCELLED);
	CHECK_EQ(type_of(o), ARCHK_OBJ_SERVED); /* the handle itself stays */
	CHECK_EQ(archk_handle_close(o), 0);
	ring_free(r);
}

static long spawn_self(const char *mode, const struct archk_spawn_handle *hs, uint32_t n)
{
	const char *argv[] = {"/tests/conf_table", mode, NULL};

	return archk_spawn(argv[0], argv, hs, n);
}

/* The server process is killed with requests waiting and received. */
static void test_server_killed(void)
{
	archk_handle_t t = new_table(), o = new_object(t, 2), ch[2];
	struct blocked b = {.obj = o, .result = NO_RESULT};
	struct archk_thread th;
	struct ring *r;
	char msg[8];
	long child;

	CHECK_EQ(archk_channel_create(ch), 0);
	struct archk_spawn_handle hs[] = {{"table", t, ARCHK_RIGHTS_SAME},
					  {"chan", ch[1], ARCHK_RIGHTS_SAME}};
	child = spawn_self("hold", hs, 2);
	CHECK_TRUE(child > 0);
	archk_handle_close(t); /* the child's is the only one */
	archk_handle_close(ch[1]);

	static char sink[8];
	r = ring_new(4, 0, 0);
	put(r, ARCHK_IO_READ, o, sink, 8, 0, 1);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(archk_thread_spawn(&th, blocked_reader, &b, STACK_BYTES, "reader"), 0);
	/* The child has received both. */
	CHECK_EQ(archk_object_wait_one(ch[0], ARCHK_SIGNAL_READABLE, now() + 5000 * MS, NULL), 0);
	CHECK_EQ(archk_channel_read(ch[0], msg, sizeof(msg), NULL, 0, NULL), 0);
	CHECK_EQ(memcmp(msg, "held", 4), 0);
	/* A third request waits, never received. */
	put(r, ARCHK_IO_WRITE, o, "third", 5, 0, 3);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(archk_process_kill(child), 0);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
	CHECK_EQ(archk_thread_wait(&th), 0);
	CHECK_EQ(b.result, ARCHK_ERR_CANCELLED);
	CHECK_EQ(await(r, 1), ARCHK_ERR_CANCELLED);
	CHECK_EQ(await(r, 3), ARCHK_ERR_CANCELLED);
	CHECK_EQ(io(ARCHK_IO_READ, o, b.buf, 4, 0), ARCHK_ERR_CANCELLED);
	put(r, ARCHK_IO_SEEK, o, NULL, ARCHK_SEEK_SET, 0, 4);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(await(r, 4), ARCHK_ERR_CANCELLED);
	archk_handle_close(o);
	archk_handle_close(ch[0]);
	ring_free(r);
}

/* The child server: takes two requests, reports, then never answers. */
static int hold(void)
{
	archk_handle_t t = archk_handle_named("table"), chan = archk_handle_named("chan");
	struct archk_table_request req;

	for (int i = 0; i < 2; i++)
		if (archk_table_receive(t, &req, rx_data, sizeof(rx_data), rx_handles,
					ARCHK_DEADLINE_INFINITE) < 0)
			return 1;
	archk_channel_write(chan, "held", 4, NULL, 0);
	archk_sleep_until(ARCHK_DEADLINE_INFINITE);
	return 2;
}

/* The client process is killed with one request received and one waiting. */
static void test_client_killed(void)
{
	archk_handle_t t = new_table(), o = new_object(t, 3);
	struct archk_table_request req;
	long child, ev, id;

	struct archk_spawn_handle hs[] = {{"obj", o, ARCHK_RIGHTS_SAME}};
	child = spawn_self("client", hs, 1);
	CHECK_TRUE(child > 0);
	archk_handle_close(o); /* the child's is the only one */
	CHECK_EQ(receive(t, &req, 5000), 0);
	CHECK_EQ(req.op, ARCHK_IO_READ);
	CHECK_EQ(req.cookie, 3);
	CHECK_EQ(req.client, koid_of(child));
	id = (long)req.id;
	/* The child's sync READ arrives next: wait for it, then kill the child. */
	CHECK_EQ(wait_request(t), 0);
	CHECK_EQ(archk_process_kill(child), 0);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
	/* The received one: the reply finds no client, and the handle stays here. */
	ev = archk_event_create();
	CHECK_EQ(archk_table_reply(t, id, 0, "late", 4, ev), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(type_of(ev), ARCHK_OBJ_EVENT);
	CHECK_EQ(archk_table_reply(t, id, 0, NULL, 0, 0), ARCHK_ERR_NOT_FOUND);
	archk_handle_close(ev);
	/* The waiting one is gone; the object's last handle went with the child: CLOSE. */
	CHECK_EQ(receive(t, &req, 2000), 0);
	CHECK_EQ(req.op, ARCHK_IO_CLOSE);
	CHECK_EQ(req.cookie, 3);
	CHECK_EQ(receive(t, &req, 20), ARCHK_ERR_TIMED_OUT);
	archk_handle_close(t);
}

/* The child client: a ring READ, then a sync READ, neither ever answered. */
static int client(void)
{
	archk_handle_t obj = archk_handle_named("obj");
	static char buf[2][16];
	struct ring *r;

	r = ring_new(2, 0, 0);
	put(r, ARCHK_IO_READ, obj, buf[0], 16, 0, 1);
	if (enter(r, 0) < 0 || r->q.ring->req_head != 1)
		return 1;
	io(ARCHK_IO_READ, obj, buf[1], 16, 0);
	return 2;
}

/* A child whose "process" handle is served spawns through this program's server thread. */
static void test_spawn_through_table(void)
{
	archk_handle_t t = new_table(), o = new_object(t, 0x5ba);
	long child;

	server_start(t);
	srv.forward_create = 1;
	struct archk_spawn_handle hs[] = {{"process", o, ARCHK_RIGHTS_SAME}};
	child = spawn_self("spawn-via", hs, 1);
	CHECK_TRUE(child > 0);
	CHECK_EQ(wait_exit(child), 7);
	CHECK_EQ(wait_answered(1), 1);
	CHECK_EQ(srv.req.op, ARCHK_IO_CREATE);
	CHECK_TRUE(srv.req.client != 0 && srv.req.client != archk_process_self());
	CHECK_EQ(srv.req.cookie, 0x5ba);
	CHECK_TRUE(srv.forwarded > 0);
	CHECK_EQ(srv.reply_result, 0);
	/* The blob and its handles: the executable first, then the named ones. */
	struct archk_spawn_blob *blob = (struct archk_spawn_blob *)srv.data_in;
	CHECK_TRUE(srv.req.len > sizeof(*blob));
	CHECK_EQ(blob->argc, 3);
	CHECK_EQ(srv.req.handle_count, blob->handle_count + 1);
	CHECK_EQ(srv.info_in[0].type, ARCHK_OBJ_FILE);
	CHECK_EQ(srv.info_in[0].rights & ARCHK_RIGHT_EXECUTE, ARCHK_RIGHT_EXECUTE);
	CHECK_EQ(strcmp((char *)(blob + 1), "/tests/conf_table"), 0);
	archk_handle_close(o);
	CHECK_EQ(server_stop(), 0);
	CHECK_EQ(srv.closes, 2); /* the object's CLOSE came once everyone let go of it */
	archk_handle_close(t);
}

static int spawn_via(void)
{
	const char *argv[] = {"/tests/conf_table", "exit-with", "7", NULL};
	long p;

	if (type_of(archk_handle_named("process")) != ARCHK_OBJ_SERVED)
		return 101;
	p = archk_spawn(argv[0], argv, NULL, 0);
	if (p < 0)
		return 102;
	if (type_of(p) != ARCHK_OBJ_PROCESS)
		return 103;
	return (int)wait_exit(p);
}

int main(int argc, char **argv)
{
	out = archk_handle_named("out");
	proc = archk_handle_named("process");
	if (argc == 3 && strcmp(argv[1], "exit-with") == 0)
		return atoi(argv[2]);
	if (argc == 2 && strcmp(argv[1], "hold") == 0)
		return hold();
	if (argc == 2 && strcmp(argv[1], "client") == 0)
		return client();
	if (argc == 2 && strcmp(argv[1], "spawn-via") == 0)
		return spawn_via();
	arenas_snapshot();

	test_create_rights();
	test_sync_ops();
	test_ring_ops();
	test_vmo_buffers();
	test_server_closes_table();
	test_server_killed();
	test_client_killed();
	test_spawn_through_table();
	check_arenas_returned(not_deadline);
	return check_done("conf_table");
}
