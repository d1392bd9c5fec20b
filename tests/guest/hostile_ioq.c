/*
 * Hostile guests against I/O queue lifetimes and owned buffers (issue 9,
 * items 1-5): what archk must survive, and the exact result the guest gets.
 * One scenario per archk run (tests/integration/CMakeLists.txt says how each
 * is run):
 *   close-self-enter    a ring CLOSE of the queue's own handle, taken by ioq_enter
 *   close-self-idle     the same, published and left to an idle vCPU
 *   close-self-poll     the same on a polled queue
 *   destroy-self-idle   a child DESTROYs itself through its ring, then blocks
 *   destroy-self-enter  the same, submitted by ioq_enter
 *   console-close       (stdout read slowly) another thread closes the queue of a
 *                       console WRITE in flight
 *   console-exit        another thread ends the process of a ring console WRITE
 *   console-poll-exit   the same, the WRITE taken by an idle vCPU
 *   console-kill-ring   the parent kills a child whose ring console WRITE is in flight
 *   console-kill-poll   the same, the WRITE taken by an idle vCPU while the child blocks
 *   console-kill-sync   the parent kills a child blocked in a do_io console WRITE
 *   huge-console-read   (--strict-buffers, stdin "hello\n") a ring console READ of 2^40 bytes
 *   huge-served         (--strict-buffers) ring READ and WRITE of 2^40 bytes on a served object
 *   past-partition      (--strict-buffers) a ring WRITE to a served object whose buffer
 *                       length reaches 96 MiB past the partition must not touch the
 *                       process spawned after it
 *   past-partition-console  the same with a console READ (stdin "hello\n")
 */
#include "hostile.h"
#include "ringtest.h"

#define HUGE_LEN     (1ULL << 40)
#define PARTITION    (64UL << 20) /* docs/abi.md section 11 */
#define CONSOLE_SIZE (256 * 1024) /* four times a pipe's buffer: the write blocks */
#define EXIT_CODE    5

static archk_handle_t in, out;

/* A new table and an object of it whose requests this program takes itself. */
static void self_served(archk_handle_t *table, archk_handle_t *obj)
{
	long t = archk_table_create();
	long o = t > 0 ? archk_table_object_create((archk_handle_t)t, 9, ARCHK_RIGHTS_SAME) : t;

	CHECK_TRUE(t > 0 && o > 0);
	*table = (archk_handle_t)t;
	*obj = (archk_handle_t)o;
}

/* Checks that no request reached table t (within 100 ms), then closes t and obj. */
static void check_nothing_received(archk_handle_t t, archk_handle_t obj)
{
	struct archk_table_request req;

	CHECK_EQ(archk_table_receive(t, &req, NULL, 0, NULL, now() + 100 * MS),
		 ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(archk_handle_close(obj), 0);
	CHECK_EQ(archk_handle_close(t), 0);
}

/* Forgets a ring whose queue closed itself: its memory is unmapped now. */
static void ring_gone(struct ring *r)
{
	CHECK_EQ(type_of(r->q.handle), 0);
	free(r);
}

/* ---- item 1: a ring request that closes its own queue ---- */

static char sink[8];

/*
 * Taken by the caller's ioq_enter (no vCPU idles to take it first): the
 * call took the requests, and the CLOSE's own completion counts as unread
 * (abi.md 7.35), so a wait for one completion ends at once. A wait for the
 * READ too can never end with it: the queue is gone, the call returns
 * CANCELLED (7.35: the queue was destroyed meanwhile) at once, not at its
 * deadline. The READs in flight go with their queue, unseen by the server
 * (17.7).
 */
static void close_self_enter(void)
{
	archk_handle_t t, obj;
	struct ring *r;
	int64_t start;

	arenas_snapshot();
	self_served(&t, &obj);
	occupy_other_vcpus();
	r = ring_new(4, 0, 0);
	put(r, ARCHK_IO_CLOSE, r->q.handle, NULL, 0, 0, 1);
	CHECK_EQ(archk_ioq_enter(&r->q, 0, 0), 1);
	ring_gone(r);

	r = ring_new(4, 0, 0);
	put(r, ARCHK_IO_READ, obj, sink, sizeof(sink), 0, 1);
	put(r, ARCHK_IO_CLOSE, r->q.handle, NULL, 0, 0, 2);
	CHECK_EQ(archk_ioq_enter(&r->q, 1, now() + PATIENCE), 2);
	ring_gone(r);

	r = ring_new(4, 0, 0);
	put(r, ARCHK_IO_READ, obj, sink, sizeof(sink), 0, 1);
	put(r, ARCHK_IO_CLOSE, r->q.handle, NULL, 0, 0, 2);
	start = now();
	CHECK_EQ(archk_ioq_enter(&r->q, 2, start + PATIENCE), ARCHK_ERR_CANCELLED);
	CHECK_TRUE(now() - start < PATIENCE / 2);
	ring_gone(r);
	occupy_end();
	check_nothing_received(t, obj);
	check_arenas_returned(not_deadline);
}

/* Published, then left to the intake of an idle vCPU while this thread sleeps. */
static void close_self_published(uint32_t flags)
{
	archk_handle_t t, obj;
	struct ring *r;

	arenas_snapshot();
	self_served(&t, &obj);
	r = ring_new(4, 0, flags);
	put(r, ARCHK_IO_READ, obj, sink, sizeof(sink), 0, 1);
	put(r, ARCHK_IO_CLOSE, r->q.handle, NULL, 0, 0, 2);
	archk_ioq_publish(&r->q);
	for (int i = 0; i < 200 && type_of(r->q.handle); i++)
		archk_sleep_until(now() + 10 * MS);
	ring_gone(r);
	check_nothing_received(t, obj);
	check_arenas_returned(not_deadline);
}

static void close_self_idle(void)
{
	close_self_published(0);
}

static void close_self_poll(void)
{
	close_self_published(ARCHK_IOQ_POLL);
}

/* ---- item 2: a process that destroys itself through its own ring ---- */

/* Spawns mode with a channel, sends the child its own process handle: it must end KILLED. */
static void destroy_self(const char *mode)
{
	archk_handle_t chan;
	long child;

	arenas_snapshot();
	child = spawn_with_channel(mode, &chan, NULL, 0);
	send_own_handle(chan, child, "self", 4);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
	CHECK_EQ(archk_handle_close(chan), 0);
	check_arenas_returned(not_deadline);
}

static void destroy_self_idle(void)
{
	destroy_self("destroy-self-idle-child");
}

static void destroy_self_enter(void)
{
	destroy_self("destroy-self-enter-child");
}

static uint32_t never; /* futex word nobody wakes */

/*
 * Submits q's requests by ioq_enter, or only publishes them for an idle
 * vCPU to take, then blocks until the process ends.
 */
static int submit_then_block(struct archk_ioq *q, int enter)
{
	if (enter)
		archk_ioq_enter(q, 0, 0);
	else
		archk_ioq_publish(q);
	archk_futex_wait(&never, 0, ARCHK_DEADLINE_INFINITE);
	return 3;
}

/* The child: DESTROY of its own handle on its ring, submitted or left to an idle vCPU. */
static int destroy_self_child(int enter)
{
	archk_handle_t chan = archk_handle_named("chan"), self;
	struct archk_io_request *req;
	struct archk_ioq q;
	char msg[4];

	if (await_signal(chan, ARCHK_SIGNAL_READABLE) < 0 ||
	    archk_channel_read(chan, msg, sizeof(msg), &self, 1, NULL) < 0 ||
	    archk_ioq_init(&q, 4, 0) < 0)
		return 2;
	req = archk_ioq_request(&q);
	req->op = ARCHK_IO_DESTROY;
	req->handle = self;
	req->user_data = 1;
	return submit_then_block(&q, enter);
}

static int destroy_self_idle_child(void)
{
	return destroy_self_child(0);
}

static int destroy_self_enter_child(void)
{
	return destroy_self_child(1);
}

/* ---- item 3: console writes in flight (archk's stdout is read slowly) ---- */

static char console_bytes[CONSOLE_SIZE];
#define RACE_NS (150 * MS) /* the harness starts reading after 600 ms */

/* Lines of dots: what the harness sees of the big writes. */
static void fill_console_bytes(void)
{
	memset(console_bytes, '.', sizeof(console_bytes));
	for (size_t i = 63; i < sizeof(console_bytes); i += 64)
		console_bytes[i] = '\n';
}

/* A ring with one console WRITE of CONSOLE_SIZE bytes filled in, not published. */
static struct ring *console_ring(void)
{
	struct ring *r = ring_new(4, 0, 0);

	fill_console_bytes();
	put(r, ARCHK_IO_WRITE, out, console_bytes, sizeof(console_bytes), 0, 1);
	return r;
}

/* Threads that act while the write is in flight; they spin (timers need a free vCPU). */
static archk_handle_t closed_later;
static int close_later(void *arg)
{
	(void)arg;
	spin_for(RACE_NS);
	return (int)archk_handle_close(closed_later);
}

static int exit_later(void *arg)
{
	(void)arg;
	spin_for(RACE_NS);
	archk_process_exit(EXIT_CODE);
}

/*
 * The caller's ioq_enter takes the WRITE, or an idle vCPU did first (then
 * the call took none); either way the queue is closed with it in flight.
 */
static void console_close(void)
{
	struct archk_thread th;
	struct ring *r;
	long taken;

	arenas_snapshot();
	r = console_ring();
	closed_later = r->q.handle;
	CHECK_EQ(archk_thread_spawn(&th, close_later, NULL, STACK_BYTES, "closer"), 0);
	taken = archk_ioq_enter(&r->q, 0, 0);
	CHECK_TRUE(taken == 0 || taken == 1);
	CHECK_EQ(archk_thread_wait(&th), 0);
	ring_gone(r);
	check_arenas_returned(not_deadline);
}

/* A child that must end with EXIT_CODE (its other thread's process_exit). */
static void expect_child_exit(const char *mode)
{
	arenas_snapshot();
	CHECK_EQ(wait_exit(spawn_mode(mode, NULL, 0)), EXIT_CODE);
	check_arenas_returned(not_deadline);
}

static void console_exit(void)
{
	expect_child_exit("console-exit-child");
}

static void console_poll_exit(void)
{
	expect_child_exit("console-poll-exit-child");
}

/* The child: a console WRITE in flight (entered, or left to an idle vCPU) when it exits. */
static int console_exit_child(int enter)
{
	struct archk_thread th;
	struct ring *r = console_ring();

	if (archk_thread_spawn(&th, exit_later, NULL, STACK_BYTES, "exiter") < 0)
		return 2;
	return submit_then_block(&r->q, enter);
}

static int console_exit_enter_child(void)
{
	return console_exit_child(1);
}

static int console_exit_poll_child(void)
{
	return console_exit_child(0);
}

/* The parent kills a child that said "go" just before its console write. */
static void console_kill(const char *mode)
{
	archk_handle_t chan;
	char msg[4];
	long child;

	arenas_snapshot();
	child = spawn_with_channel(mode, &chan, NULL, 0);
	CHECK_EQ(await_signal(chan, ARCHK_SIGNAL_READABLE), 0);
	CHECK_EQ(archk_channel_read(chan, msg, sizeof(msg), NULL, 0, NULL), 0);
	spin_for(RACE_NS);
	CHECK_EQ(archk_process_kill((archk_handle_t)child), 0);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
	CHECK_EQ(archk_handle_close(chan), 0);
	check_arenas_returned(not_deadline);
}

static void console_kill_ring(void)
{
	console_kill("console-ring-child");
}

static void console_kill_poll(void)
{
	console_kill("console-poll-child");
}

static void console_kill_sync(void)
{
	console_kill("console-sync-child");
}

/* How a console_write_child writes. */
enum { WRITE_SYNC, WRITE_ENTER, WRITE_PUBLISH };

/* Says "go" on its channel, writes, then blocks until killed. */
static int console_write_child(int how)
{
	struct ring *r = how == WRITE_SYNC ? NULL : console_ring();

	fill_console_bytes();
	archk_channel_write(archk_handle_named("chan"), "go", 2, NULL, 0);
	if (how == WRITE_SYNC) {
		archk_write(out, console_bytes, sizeof(console_bytes));
		archk_futex_wait(&never, 0, ARCHK_DEADLINE_INFINITE);
		return 3;
	}
	return submit_then_block(&r->q, how == WRITE_ENTER);
}

static int console_ring_child(void)
{
	return console_write_child(WRITE_ENTER);
}

static int console_poll_child(void)
{
	return console_write_child(WRITE_PUBLISH);
}

static int console_sync_child(void)
{
	return console_write_child(WRITE_SYNC);
}

/* ---- items 4 and 5: --strict-buffers with lengths archk clips ---- */

static char *map_pages(size_t len)
{
	long addr = archk_mem_map_anon(len, ARCHK_PROT_READ | ARCHK_PROT_WRITE);

	CHECK_TRUE(addr > 0);
	if (addr <= 0)
		archk_process_exit(2);
	return (char *)addr;
}

/* A console READ takes at most 4096 bytes (abi.md 8.2): the input, "hello\n". */
static void huge_console_read(void)
{
	char *buf = map_pages(PAGE);
	struct ring *r;

	arenas_snapshot();
	r = ring_new(4, 0, 0);
	put(r, ARCHK_IO_READ, in, buf, HUGE_LEN, 0, 1);
	enter(r, 0);
	CHECK_EQ(await(r, 1), 6);
	CHECK_EQ(memcmp(buf, "hello\n", 6), 0);
	ring_free(r);
	check_arenas_returned(not_deadline);
}

/* A served object's READ and WRITE are clipped to 65536 bytes (abi.md 17.4). */
static void huge_served(void)
{
	char *buf = map_pages(ARCHK_TABLE_DATA_MAX);
	struct answering a;
	struct ring *r;

	arenas_snapshot();
	answering_start(&a, 4242, "answer", 6);
	r = ring_new(4, 0, 0);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, a.obj, buf, HUGE_LEN, 0), 6);
	CHECK_EQ(memcmp(buf, "answer", 6), 0);
	CHECK_EQ(a.last.op, ARCHK_IO_READ);
	CHECK_EQ(a.last.len, ARCHK_TABLE_DATA_MAX);
	memcpy(buf, "written", 7);
	CHECK_EQ(ring_do(r, ARCHK_IO_WRITE, a.obj, buf, HUGE_LEN, 0), 4242);
	CHECK_EQ(a.last.op, ARCHK_IO_WRITE);
	CHECK_EQ(a.last.len, ARCHK_TABLE_DATA_MAX);
	CHECK_EQ(memcmp(a.first_bytes, "written", 7), 0);
	CHECK_EQ(a.received, 2);
	ring_free(r);
	answering_stop(&a);
	check_arenas_returned(not_deadline);
}

/*
 * The attacker (spawned first, so the victim's partition follows its own)
 * gives a ring request a buffer whose length reaches 96 MiB past its
 * partition: a WRITE to a served object (the server sees the clipped 65536
 * bytes and answers 4242) or a console READ (it gets the input, "hello\n").
 * The victim, busy meanwhile, must end normally.
 */
static void past_partition(const char *attacker_mode)
{
	int served = strcmp(attacker_mode, "attacker") == 0;
	struct answering a;
	long go, ready, attacker, victim;

	arenas_snapshot();
	go = archk_event_create();
	ready = archk_event_create();
	CHECK_TRUE(go > 0 && ready > 0);
	answering_start(&a, 4242, NULL, 0);
	struct archk_spawn_handle ah[] = {{"obj", a.obj, ARCHK_RIGHTS_SAME},
					  {"go", (archk_handle_t)go, ARCHK_RIGHTS_SAME}};
	struct archk_spawn_handle vh[] = {{"ready", (archk_handle_t)ready, ARCHK_RIGHTS_SAME}};
	attacker = spawn_mode(attacker_mode, ah, 2);
	victim = spawn_mode("victim", vh, 1);
	CHECK_TRUE(attacker > 0 && victim > 0);
	CHECK_EQ(await_signal((archk_handle_t)ready, ARCHK_SIGNAL_USER0), 0);
	CHECK_EQ(archk_object_signal((archk_handle_t)go, 0, ARCHK_SIGNAL_USER0), 0);
	CHECK_EQ(wait_exit(victim), 0);
	CHECK_EQ(wait_exit(attacker), 0);
	CHECK_EQ(a.received, (uint32_t)served);
	if (served) {
		CHECK_EQ(a.last.op, ARCHK_IO_WRITE);
		CHECK_EQ(a.last.len, ARCHK_TABLE_DATA_MAX);
		CHECK_EQ(memcmp(a.first_bytes, "attack", 6), 0);
	}
	answering_stop(&a);
	CHECK_EQ(archk_handle_close((archk_handle_t)go), 0);
	CHECK_EQ(archk_handle_close((archk_handle_t)ready), 0);
	check_arenas_returned(not_deadline);
}

static void past_partition_served(void)
{
	past_partition("attacker");
}

static void past_partition_console(void)
{
	past_partition("attacker-console");
}

/* One request on h whose buffer ends 96 MiB past the partition; exits 0 on want. */
static int attack(int op, archk_handle_t h, long want)
{
	char *buf = map_pages(ARCHK_TABLE_DATA_MAX);
	uintptr_t end = ((uintptr_t)buf & ~(PARTITION - 1)) + PARTITION + (96UL << 20);
	struct archk_io_completion c;
	struct archk_io_request *req;
	struct archk_ioq q;

	memcpy(buf, "attack", 6);
	if (archk_ioq_init(&q, 4, 0) < 0 ||
	    await_signal(archk_handle_named("go"), ARCHK_SIGNAL_USER0) < 0)
		return 2;
	req = archk_ioq_request(&q);
	req->op = (uint8_t)op;
	req->handle = h;
	req->buf = (uint64_t)(uintptr_t)buf;
	req->len = end - (uintptr_t)buf;
	req->user_data = 1;
	if (archk_ioq_wait(&q, &c) < 0)
		return 3;
	return c.result == want ? 0 : 4;
}

static int attacker(void)
{
	return attack(ARCHK_IO_WRITE, archk_handle_named("obj"), 4242);
}

static int attacker_console(void)
{
	return attack(ARCHK_IO_READ, in, 6);
}

/* Touches its data, heap and stack for 300 ms, with calls in between. */
static int victim(void)
{
	static volatile char data[64 * PAGE];
	volatile char stack[16 * PAGE];
	char *heap = malloc(64 * PAGE);
	int64_t end = now() + 300 * MS;

	if (!heap)
		return 2;
	archk_object_signal(archk_handle_named("ready"), 0, ARCHK_SIGNAL_USER0);
	for (unsigned i = 0; now() < end; i++) {
		data[(i * PAGE) % sizeof(data)] = (char)i;
		stack[(i * PAGE) % sizeof(stack)] = (char)i;
		heap[(i * PAGE) % (64 * PAGE)] = (char)i;
	}
	free(heap);
	return 0;
}

static const struct scenario scenarios[] = {
    {"close-self-enter", close_self_enter, NULL},
    {"close-self-idle", close_self_idle, NULL},
    {"close-self-poll", close_self_poll, NULL},
    {"destroy-self-idle", destroy_self_idle, NULL},
    {"destroy-self-idle-child", NULL, destroy_self_idle_child},
    {"destroy-self-enter", destroy_self_enter, NULL},
    {"destroy-self-enter-child", NULL, destroy_self_enter_child},
    {"console-close", console_close, NULL},
    {"console-exit", console_exit, NULL},
    {"console-exit-child", NULL, console_exit_enter_child},
    {"console-poll-exit", console_poll_exit, NULL},
    {"console-poll-exit-child", NULL, console_exit_poll_child},
    {"console-kill-ring", console_kill_ring, NULL},
    {"console-ring-child", NULL, console_ring_child},
    {"console-kill-poll", console_kill_poll, NULL},
    {"console-poll-child", NULL, console_poll_child},
    {"console-kill-sync", console_kill_sync, NULL},
    {"console-sync-child", NULL, console_sync_child},
    {"huge-console-read", huge_console_read, NULL},
    {"huge-served", huge_served, NULL},
    {"past-partition", past_partition_served, NULL},
    {"past-partition-console", past_partition_console, NULL},
    {"attacker", NULL, attacker},
    {"attacker-console", NULL, attacker_console},
    {"victim", NULL, victim},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	in = archk_handle_named("in");
	out = archk_handle_named("out");
	return scenario_main("hostile_ioq", scenarios, argc, argv);
}
