/*
 * Where docs/abi.md and archk disagreed, and deadline records (issue 9,
 * items 9 and 10). One scenario per archk run:
 *   close-notice-full  table_object_create with a full handle table: NO_MEMORY, and
 *                      the server gets no CLOSE notice for the cookie (abi.md 7.37)
 *   seek-whence        a SEEK whence other than 0, 1, 2 is INVALID_ARGS from archk,
 *                      through do_io and the ring; valid ones reach the server unchanged
 *   nop-handles        a ring NOP checks passed handles exactly as do_io's NOP does
 *   sleep-infinite     sleep(ARCHK_DEADLINE_INFINITE) holds no deadline record
 *   deadline-futex     5000 futex_waits with a far deadline, each woken early: all
 *                      return 0, and the deadline records are all back
 *   deadline-wait-one  1000 ping-pongs between two threads in object_wait_one with a far
 *                      deadline: all return 0, and the deadline records are all back
 *   deadline-others    after a child did the same, another process's timed waits work
 * ("Deadline records" are the "deadline" arena's; where deadlines hold no
 * shared records there is no such arena, and only the results are checked.)
 */
#include "hostile.h"
#include "ringtest.h"

#define ARENA_BASE   0x100000000000UL /* docs/architecture.md: never accessible */
#define HANDLES_MAX  1024	      /* per process, abi.md section 11 */
#define EARLY_WAKES  5000	      /* more than the 4096 deadline records */
#define PING_PONGS   1000
#define FAR_DEADLINE (3600LL * 1000 * MS)

static archk_handle_t out;

/* ---- item 9: what the documentation says ---- */

/*
 * abi.md 7.37: the object is destroyed again, and since nobody ever had a
 * handle to it, its server gets no CLOSE notice (NO_MEMORY is how it learns
 * the cookie is unused); a later object's last close still brings one.
 */
static void close_notice_full(void)
{
	static archk_handle_t copies[HANDLES_MAX];
	struct archk_table_request req;
	archk_handle_t t;
	long h = 0, obj;
	int n = 0;

	arenas_snapshot();
	t = (archk_handle_t)archk_table_create();
	CHECK_TRUE(t > 0);
	while (n < HANDLES_MAX && (h = archk_handle_duplicate(out, ARCHK_RIGHTS_SAME)) > 0)
		copies[n++] = (archk_handle_t)h;
	CHECK_EQ(h, ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(archk_table_object_create(t, 77, ARCHK_RIGHTS_SAME), ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(archk_table_receive(t, &req, NULL, 0, NULL, now() + 100 * MS),
		 ARCHK_ERR_TIMED_OUT);
	while (n > 0)
		CHECK_EQ(archk_handle_close(copies[--n]), 0);
	obj = archk_table_object_create(t, 78, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(obj > 0);
	CHECK_EQ(archk_handle_close((archk_handle_t)obj), 0);
	memset(&req, 0xee, sizeof(req));
	CHECK_EQ(archk_table_receive(t, &req, NULL, 0, NULL, now() + 1000 * MS), 0);
	CHECK_EQ(req.op, ARCHK_IO_CLOSE);
	CHECK_EQ(req.cookie, 78);
	CHECK_EQ(req.id, 0);
	CHECK_EQ(archk_handle_close(t), 0);
	check_arenas_returned(not_deadline);
}

/* SEEK through do_io or a ring request: (obj, whence, offset). */
static long seek_sync(struct ring *r, archk_handle_t h, uint64_t whence, int64_t offset)
{
	(void)r;
	return archk_do_io(ARCHK_IO_SEEK, h, 0, (long)whence, offset, 0);
}

static long seek_ring(struct ring *r, archk_handle_t h, uint64_t whence, int64_t offset)
{
	return ring_do(r, ARCHK_IO_SEEK, h, NULL, whence, (uint64_t)offset);
}

/* Bad whence values never reach the server; a good one arrives as given. */
static void check_seeks(long (*seek)(struct ring *, archk_handle_t, uint64_t, int64_t),
			struct ring *r, archk_handle_t file)
{
	static const uint64_t bad[] = {3, 70000, 65536, 1ULL << 32, UINT64_MAX};
	struct answering a;

	answering_start(&a, 4242, NULL, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(seek(r, a.obj, bad[i], 5), ARCHK_ERR_INVALID_ARGS);
		CHECK_EQ(seek(r, file, bad[i], 5), ARCHK_ERR_INVALID_ARGS);
	}
	CHECK_EQ(a.received, 0);
	CHECK_EQ(seek(r, a.obj, ARCHK_SEEK_END, -5), 4242);
	CHECK_EQ(a.received, 1);
	CHECK_EQ(a.last.op, ARCHK_IO_SEEK);
	CHECK_EQ(a.last.len, ARCHK_SEEK_END);
	CHECK_EQ(a.last.offset, (uint64_t)-5);
	CHECK_EQ(seek(r, file, ARCHK_SEEK_SET, 5), 5);
	answering_stop(&a);
}

static void seek_whence(void)
{
	long file = archk_open(archk_handle_named("root"), "etc/init.conf", ARCHK_RIGHT_READ);
	struct ring *r;

	CHECK_TRUE(file > 0);
	arenas_snapshot();
	r = ring_new(4, 0, 0);
	check_seeks(seek_sync, r, (archk_handle_t)file);
	check_seeks(seek_ring, r, (archk_handle_t)file);
	ring_free(r);
	check_arenas_returned(not_deadline);
	CHECK_EQ(archk_handle_close((archk_handle_t)file), 0);
}

/* A NOP on out passing count handles from the array at handles, through the ring. */
static long nop_ring(struct ring *r, const archk_handle_t *handles, uint32_t count)
{
	struct archk_io_request *req = put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 77);

	if (!req)
		return NO_RESULT;
	req->handles = (uint64_t)(uintptr_t)handles;
	req->handle_count = (uint16_t)count;
	enter(r, 0);
	return await(r, 77);
}

/* abi.md section 8: "the result is the same either way". */
static void nop_handles(void)
{
	archk_handle_t many[ARCHK_IO_HANDLES_MAX + 1], bad = 0x5eed, weak;
	struct {
		const archk_handle_t *handles;
		uint32_t count;
		long want;
	} cases[] = {
	    {many, ARCHK_IO_HANDLES_MAX + 1, ARCHK_ERR_INVALID_ARGS},
	    {(const archk_handle_t *)ARENA_BASE, 1, ARCHK_ERR_BAD_ADDRESS},
	    {&bad, 1, ARCHK_ERR_HND_INVALID},
	    {&weak, 1, ARCHK_ERR_ACCESS_DENIED},
	    {many, ARCHK_IO_HANDLES_MAX, 0},
	};
	struct ring *r;

	arenas_snapshot();
	for (int i = 0; i <= ARCHK_IO_HANDLES_MAX; i++)
		many[i] = (archk_handle_t)archk_handle_duplicate(out, ARCHK_RIGHTS_SAME);
	weak = (archk_handle_t)archk_handle_duplicate(out, ARCHK_RIGHT_WRITE);
	r = ring_new(4, 0, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(archk_do_io_handles(ARCHK_IO_NOP, out, NULL, 0, 0, cases[i].handles,
					     cases[i].count),
			 cases[i].want);
		CHECK_EQ(nop_ring(r, cases[i].handles, cases[i].count), cases[i].want);
	}
	ring_free(r);
	for (int i = 0; i <= ARCHK_IO_HANDLES_MAX; i++)
		CHECK_EQ(archk_handle_close(many[i]), 0);
	CHECK_EQ(archk_handle_close(weak), 0);
	check_arenas_returned(not_deadline);
}

/*
 * abi.md 7.20: "futex_wait with ARCHK_DEADLINE_INFINITE uses none"; sleep
 * neither. (Where deadlines hold no shared records, there is no "deadline"
 * arena and the count is -1 throughout.)
 */
static void sleep_infinite(void)
{
	long deadlines = arena_live("deadline"), ev = archk_event_create(), child;

	CHECK_TRUE(ev > 0);
	struct archk_spawn_handle hs[] = {{"ready", (archk_handle_t)ev, ARCHK_RIGHTS_SAME}};
	child = spawn_mode("sleeper", hs, 1);
	CHECK_EQ(await_signal((archk_handle_t)ev, ARCHK_SIGNAL_USER0), 0);
	spin_for(50 * MS); /* it has called sleep by now */
	CHECK_EQ(arena_live("deadline"), deadlines);
	CHECK_EQ(archk_process_kill((archk_handle_t)child), 0);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
	CHECK_EQ(archk_handle_close((archk_handle_t)ev), 0);
}

static int sleeper(void)
{
	archk_object_signal(archk_handle_named("ready"), 0, ARCHK_SIGNAL_USER0);
	archk_sleep_until(ARCHK_DEADLINE_INFINITE);
	return 3;
}

/* ---- item 10: deadline records of waits that end early ---- */

static uint32_t word;
static volatile int waits_done;

/* Wakes the waiter each time it is blocked in futex_wait (a wake that finds it returns 1). */
static int waker(void *arg)
{
	(void)arg;
	while (!waits_done)
		if (archk_futex_wake(&word, 1) == 0)
			archk_yield();
	return 0;
}

/* Waits EARLY_WAKES times with a far deadline, woken early each time: how many returned 0. */
static long early_futex_wakes(long *first_error)
{
	struct archk_thread th;
	long woken = 0;

	*first_error = 0;
	waits_done = 0;
	if (archk_thread_spawn(&th, waker, NULL, STACK_BYTES, "waker") < 0)
		return -1;
	for (int i = 0; i < EARLY_WAKES; i++) {
		long err = archk_futex_wait(&word, 0,
					    archk_clock_read(ARCHK_CLOCK_MONOTONIC) + FAR_DEADLINE);

		if (err == 0)
			woken++;
		else if (!*first_error)
			*first_error = err;
	}
	waits_done = 1;
	archk_thread_wait(&th);
	return woken;
}

/* The deadline records in use come back to n (given a second for cancellations). */
static void check_deadlines_back(long n)
{
	for (int i = 0; i < 100 && arena_live("deadline") != n; i++)
		archk_sleep_until(now() + 10 * MS);
	CHECK_EQ(arena_live("deadline"), n);
}

static void deadline_futex(void)
{
	long deadlines = arena_live("deadline"), first_error;

	CHECK_EQ(early_futex_wakes(&first_error), EARLY_WAKES);
	CHECK_EQ(first_error, 0);
	check_deadlines_back(deadlines);
}

static archk_handle_t ping, pong;

/* Answers each ping with a pong, PING_PONGS times; each wait has a far deadline. */
static int ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < PING_PONGS; i++) {
		if (archk_object_wait_one(ping, ARCHK_SIGNAL_USER0, now() + FAR_DEADLINE, NULL) < 0)
			return 1;
		archk_object_signal(ping, ARCHK_SIGNAL_USER0, 0);
		archk_object_signal(pong, 0, ARCHK_SIGNAL_USER0);
	}
	return 0;
}

static void deadline_wait_one(void)
{
	long deadlines = arena_live("deadline"), woken = 0, first_error = 0;
	struct archk_thread th;

	ping = (archk_handle_t)archk_event_create();
	pong = (archk_handle_t)archk_event_create();
	CHECK_EQ(archk_thread_spawn(&th, ponger, NULL, STACK_BYTES, "ponger"), 0);
	for (int i = 0; i < PING_PONGS; i++) {
		long err;

		archk_object_signal(ping, 0, ARCHK_SIGNAL_USER0);
		err = archk_object_wait_one(pong, ARCHK_SIGNAL_USER0, now() + FAR_DEADLINE, NULL);
		archk_object_signal(pong, ARCHK_SIGNAL_USER0, 0);
		if (err == 0)
			woken++;
		else if (!first_error)
			first_error = err;
		if (err < 0)
			break;
	}
	CHECK_EQ(woken, PING_PONGS);
	CHECK_EQ(first_error, 0);
	CHECK_EQ(archk_thread_wait(&th), 0);
	CHECK_EQ(archk_handle_close(ping), 0);
	CHECK_EQ(archk_handle_close(pong), 0);
	check_deadlines_back(deadlines);
}

/* The child: the waits of deadline-futex; its status is how many did not return 0. */
static int deadline_hog(void)
{
	long first_error, woken = early_futex_wakes(&first_error);

	return woken == EARLY_WAKES ? 0 : 1;
}

/* Timed waits of this process after the hog: they wait and time out, not NO_MEMORY. */
static void deadline_others(void)
{
	long ev = archk_event_create();
	int64_t start;

	CHECK_EQ(wait_exit(spawn_mode("deadline-hog", NULL, 0)), 0);
	CHECK_EQ(archk_futex_wait(&word, 0, now() + 2 * MS), ARCHK_ERR_TIMED_OUT);
	start = now();
	CHECK_EQ(archk_sleep_until(start + 2 * MS), 0);
	CHECK_TRUE(now() >= start + 2 * MS);
	CHECK_EQ(
	    archk_object_wait_one((archk_handle_t)ev, ARCHK_SIGNAL_USER0, now() + 2 * MS, NULL),
	    ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(archk_handle_close((archk_handle_t)ev), 0);
}

static const struct scenario scenarios[] = {
    {"close-notice-full", close_notice_full, NULL},
    {"seek-whence", seek_whence, NULL},
    {"nop-handles", nop_handles, NULL},
    {"sleep-infinite", sleep_infinite, NULL},
    {"sleeper", NULL, sleeper},
    {"deadline-futex", deadline_futex, NULL},
    {"deadline-wait-one", deadline_wait_one, NULL},
    {"deadline-others", deadline_others, NULL},
    {"deadline-hog", NULL, deadline_hog},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	out = archk_handle_named("out");
	return scenario_main("hostile_abi", scenarios, argc, argv);
}
