/*
 * The stress guest (issue 9): for STRESS_MS it mixes, across several
 * processes and every vCPU archk has, the ways a ring request in flight can
 * end: its CANCEL, the close of its queue (a CLOSE request in the queue
 * itself, or handle_close), the end of its process (process_exit from
 * another thread, DESTROY of itself through its own ring, a kill by the
 * parent, a plain return) and the death of the table serving it. The
 * requests are console READs (stdin brings a line every 10 ms, then ends:
 * run it with pipes.py --trickle-stdin) and READ, WRITE, GET_META and SEEK
 * on served objects, whose server answers some at once, some later and some
 * never. archk must survive, every worker must end as it was made to, and
 * every kernel arena must come back to where it started.
 *   stress mix      the parent (exit 0 if all checks pass)
 *   stress worker   (child) told its end and seed on "chan", with its own handle
 */
#include "hostile.h"

#define STRESS_MS 2000
#define WORKERS	  3
#define ROTATE_MS 300 /* the served table dies and is replaced this often */
#define STRESS_CAP_MS                                                                              \
	15000 /* the longest a run goes on for want of started workers (expect.sh allows 20 s) */
#define QUEUE_ENTRIES 8
#define BUFFERS	      32
#define HELD_MAX      32
#define EXIT_CODE     5

/* How a worker ends. */
enum {
	END_RETURN,	  /* main returns 0 with requests in flight */
	END_EXIT_THREAD,  /* another thread calls process_exit(EXIT_CODE) while main waits */
	END_DESTROY,	  /* DESTROY of its own handle through a ring, then it blocks */
	END_KILLED,	  /* it blocks; the parent kills it */
	END_CLOSE_QUEUES, /* closes its queues with requests in flight, returns 0 */
	END_COUNT
};

struct order {
	uint32_t end;
	uint32_t seed;
};

static uint32_t rng_state;

/* xorshift32, good enough to mix operations (the server thread shares it: any value does). */
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state % n;
}

/* ---- the worker ---- */

static archk_handle_t in, obj;
static char buffers[BUFFERS][256];
static uint32_t never;

/* Consumes every completion of q (their results are not checked: any is fine here). */
static void drain(struct archk_ioq *q)
{
	while (archk_ioq_peek(q))
		archk_ioq_seen(q);
}

/* Queues one random request on q (not published); 0 if q is full. */
static int random_request(struct archk_ioq *q, uint64_t ud)
{
	static const uint8_t ops[] = {ARCHK_IO_READ,   ARCHK_IO_READ,	  ARCHK_IO_READ,
				      ARCHK_IO_WRITE,  ARCHK_IO_GET_META, ARCHK_IO_SEEK,
				      ARCHK_IO_CANCEL, ARCHK_IO_NOP};
	struct archk_io_request *r = archk_ioq_request(q);

	if (!r)
		return 0;
	r->op = ops[rnd(sizeof(ops))];
	r->handle = r->op == ARCHK_IO_READ && rnd(2) ? in : obj;
	r->buf = (uint64_t)(uintptr_t)buffers[ud % BUFFERS];
	r->len = r->op == ARCHK_IO_GET_META ? sizeof(struct archk_meta) : 1 + rnd(200);
	r->offset = r->op == ARCHK_IO_CANCEL ? ud - 1 - rnd(8) : 0;
	r->user_data = ud;
	return 1;
}

/* A CLOSE of q's own handle through q: q is gone (and its ring unmapped) after. */
static void close_through_itself(struct archk_ioq *q)
{
	struct archk_io_request *r = archk_ioq_request(q);

	if (!r) {
		archk_handle_close(q->handle);
		return;
	}
	r->op = ARCHK_IO_CLOSE;
	r->handle = q->handle;
	archk_ioq_enter(q, 0, 0);
}

static int exit_soon(void *arg)
{
	spin_for((int64_t)(uintptr_t)arg * MS);
	archk_process_exit(EXIT_CODE);
}

/* Ends as told; does not return for the ends that block. */
static int worker_end(uint32_t end, struct archk_ioq *q, archk_handle_t self)
{
	static struct archk_thread th;
	struct archk_ioq last;

	switch (end) {
	case END_EXIT_THREAD:
		archk_thread_spawn(&th, exit_soon, (void *)(uintptr_t)rnd(20), STACK_BYTES, "exit");
		archk_ioq_enter(&q[0], 2 * QUEUE_ENTRIES, ARCHK_DEADLINE_INFINITE);
		break;
	case END_DESTROY:
		if (archk_ioq_init(&last, 1, 0) == 0) {
			struct archk_io_request *r = archk_ioq_request(&last);

			r->op = ARCHK_IO_DESTROY;
			r->handle = self;
			archk_ioq_publish(&last);
		}
		break;
	case END_CLOSE_QUEUES:
		archk_handle_close(q[0].handle);
		archk_handle_close(q[1].handle);
		return 0;
	case END_RETURN:
		return 0;
	}
	archk_futex_wait(&never, 0, ARCHK_DEADLINE_INFINITE);
	return 3;
}

static int worker(void)
{
	archk_handle_t chan = archk_handle_named("chan"), self;
	struct archk_ioq q[2];
	struct order o;
	uint64_t ud = 1;
	int steps;

	in = archk_handle_named("in");
	obj = archk_handle_named("obj");
	if (await_signal(chan, ARCHK_SIGNAL_READABLE) < 0 ||
	    archk_channel_read(chan, &o, sizeof(o), &self, 1, NULL) < 0 ||
	    archk_ioq_init(&q[0], QUEUE_ENTRIES, 0) < 0 ||
	    archk_ioq_init(&q[1], QUEUE_ENTRIES, ARCHK_IOQ_POLL) < 0)
		return 2;
	rng_state = o.seed | 1;
	for (steps = 20 + (int)rnd(60); steps > 0; steps--) {
		struct archk_ioq *r = &q[rnd(2)];

		if (rnd(40) == 0) {
			close_through_itself(r);
			if (archk_ioq_init(r, QUEUE_ENTRIES, 0) < 0)
				return 2;
		} else if (!random_request(r, ud++) || rnd(4) == 0) {
			archk_ioq_enter(r, 0, 0);
			drain(r);
		}
	}
	archk_ioq_publish(&q[0]);
	archk_ioq_publish(&q[1]);
	return worker_end(o.end, q, self);
}

/* ---- the server: answers some requests at once, some later, some never ---- */

struct server {
	archk_handle_t table, obj;
	struct archk_thread thread;
	uint64_t held[HELD_MAX]; /* received, answered later (or never) */
	int nheld;
	uint32_t seed;
};

static long answer(struct server *s, uint64_t id, const struct archk_table_request *req)
{
	static const struct archk_meta meta = {.type = ARCHK_OBJ_SERVED, .kind = ARCHK_KIND_STREAM};

	if (req->op == ARCHK_IO_GET_META)
		return archk_table_reply(s->table, id, 0, &meta, sizeof(meta), 0);
	return archk_table_reply(s->table, id, req->op == ARCHK_IO_WRITE ? (long)req->len : 0,
				 "served", 6, 0);
}

static int serve(void *arg)
{
	struct server *s = arg;
	struct archk_table_request req;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	static char data[ARCHK_TABLE_DATA_MAX];

	rng_state = s->seed;
	while (archk_table_receive(s->table, &req, data, sizeof(data), handles,
				   ARCHK_DEADLINE_INFINITE) == 0) {
		uint32_t choice = rnd(8);

		if (req.op == ARCHK_IO_CLOSE)
			continue;
		if (choice < 4)
			answer(s, req.id, &req);
		else if (choice < 7 && s->nheld < HELD_MAX)
			s->held[s->nheld++] = req.id;
		/* else: never answered; the table's death cancels it */
		if (s->nheld && rnd(3) == 0) {
			req.op = ARCHK_IO_READ;
			answer(s, s->held[--s->nheld], &req);
		}
	}
	return 0;
}

static void server_start(struct server *s, uint32_t seed)
{
	memset(s, 0, sizeof(*s));
	s->seed = seed | 1;
	s->table = (archk_handle_t)archk_table_create();
	s->obj = (archk_handle_t)archk_table_object_create(s->table, 1, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(s->table > 0 && s->obj > 0);
	CHECK_EQ(archk_thread_spawn(&s->thread, serve, s, STACK_BYTES, "server"), 0);
}

/* The table dies with requests queued and received; its server thread ends. */
static void server_stop(struct server *s)
{
	CHECK_EQ(archk_handle_close(s->table), 0);
	CHECK_EQ(archk_thread_wait(&s->thread), 0);
	CHECK_EQ(archk_handle_close(s->obj), 0);
}

/* ---- the parent ---- */

struct slot {
	long proc;
	uint32_t end;
	int kill_early; /* killed at kill_at whatever its end */
	int64_t kill_at;
};

static const long end_status[END_COUNT] = {
    [END_RETURN] = 0,
    [END_EXIT_THREAD] = EXIT_CODE,
    [END_DESTROY] = 1000 + ARCHK_EXIT_KILLED,
    [END_KILLED] = 1000 + ARCHK_EXIT_KILLED,
    [END_CLOSE_QUEUES] = 0,
};

static void start_worker(struct slot *w, archk_handle_t served)
{
	struct archk_spawn_handle hs[] = {{"obj", served, ARCHK_RIGHTS_SAME}};
	struct order o = {.end = rnd(END_COUNT), .seed = rnd(UINT32_MAX)};
	archk_handle_t chan;

	w->proc = spawn_with_channel("worker", &chan, hs, 1);
	send_own_handle(chan, w->proc, &o, sizeof(o));
	CHECK_EQ(archk_handle_close(chan), 0);
	w->end = o.end;
	w->kill_early = rnd(4) == 0;
	w->kill_at = now() + (int64_t)rnd(60) * MS;
}

/* Kills w when its time has come; reaps it once ended, checking how it ended. */
static void tend_worker(struct slot *w, int finish)
{
	long status;

	if ((finish || now() >= w->kill_at) && (w->end == END_KILLED || w->kill_early))
		CHECK_EQ(archk_process_kill((archk_handle_t)w->proc), 0);
	if (!finish && !(signals_of((archk_handle_t)w->proc) & ARCHK_SIGNAL_TERMINATED))
		return;
	status = wait_exit(w->proc);
	if (w->kill_early && status == 1000 + ARCHK_EXIT_KILLED)
		status = end_status[w->end];
	if (status != end_status[w->end])
		printf("worker with end %u: status %ld\n", w->end, status);
	CHECK_EQ(status, end_status[w->end]);
	w->proc = 0;
}

/* Pending console reads end with the input (stdin's end at the latest). */
static void await_console_reads(long reads)
{
	for (int i = 0; i < 500 && arena_live("console_read") != reads; i++)
		archk_sleep_until(now() + 10 * MS);
}

static void stress(void)
{
	struct slot workers[WORKERS] = {{0}};
	struct server srv;
	int64_t end = now() + STRESS_MS * MS, rotate = now() + ROTATE_MS * MS;
	int64_t cap = now() + STRESS_CAP_MS * MS;
	long reads = arena_live("console_read");
	unsigned started = 0;

	arenas_snapshot();
	rng_state = (uint32_t)now() | 1;
	server_start(&srv, rnd(UINT32_MAX));
	/* STRESS_MS, and on a slow machine until enough workers have had their turn. */
	while ((now() < end || started < WORKERS * 4) && now() < cap) {
		for (int i = 0; i < WORKERS; i++) {
			if (!workers[i].proc) {
				start_worker(&workers[i], srv.obj);
				started++;
			}
			tend_worker(&workers[i], 0);
		}
		if (now() >= rotate) {
			server_stop(&srv);
			server_start(&srv, rnd(UINT32_MAX));
			rotate = now() + ROTATE_MS * MS;
		}
		archk_sleep_until(now() + 2 * MS);
	}
	for (int i = 0; i < WORKERS; i++)
		if (workers[i].proc)
			tend_worker(&workers[i], 1);
	server_stop(&srv);
	printf("stress: %u workers\n", started);
	CHECK_TRUE(started >= WORKERS * 4);
	await_console_reads(reads);
	check_arenas_returned(not_deadline);
}

static const struct scenario scenarios[] = {
    {"mix", stress, NULL},
    {"worker", NULL, worker},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	return scenario_main("stress", scenarios, argc, argv);
}
