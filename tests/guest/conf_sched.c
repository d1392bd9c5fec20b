/*
 * Conformance for the priority scheduler (run with --cpus 2 and the isolation
 * mode as argument): each check pins the threads involved to vCPU 0 and
 * watches, from vCPU 1, what a wrong scheduler would get wrong: who runs
 * while whom is runnable.
 */
#include "check.h"

#define MS	    1000000LL
#define STACK_BYTES (64 * 1024)
#define VCPU0	    1ULL
#define VCPU1	    2ULL

static volatile long counter[2];
static volatile int stop;

static int count_forever(void *arg)
{
	volatile long *c = arg;

	while (!stop)
		(*c)++;
	return 0;
}

/* Starts fn(arg) pinned to mask with a class and priority. */
static void start(struct archk_thread *t, int (*fn)(void *), void *arg, uint64_t mask,
		  int sched_class, int priority)
{
	CHECK_EQ(archk_thread_spawn(t, fn, arg, STACK_BYTES, "sched"), 0);
	CHECK_EQ(archk_thread_set_affinity(t->handle, mask), 0);
	CHECK_EQ(archk_thread_set_priority(t->handle, sched_class, priority,
					   archk_handle_named("resource")),
		 0);
}

static void stop_all(struct archk_thread *t, int n)
{
	stop = 1;
	for (int i = 0; i < n; i++)
		archk_thread_wait(&t[i]);
	stop = 0;
	counter[0] = counter[1] = 0;
}

/*
 * After 5 ms asleep (so its spawner has set its class and affinity), spins
 * for 40 ms (arg NULL) and reports whether counter[1] moved meanwhile;
 * with arg set it spins until it moves, for at most a second (a loaded host
 * may run the vCPU late), and reports the same.
 */
static int spin_and_watch(void *arg)
{
	long before;
	int64_t end;

	/* The spawner sets class and affinity after the start: wait for them. */
	archk_sleep_until(now() + 5 * MS);
	before = counter[1];
	end = now() + (arg ? 1000 : 40) * MS;

	while (now() < end && !(arg && counter[1] != before))
		;
	return counter[1] != before;
}

/* Higher priority starves lower only while it is runnable. */
static void test_priority(void)
{
	struct archk_thread t[2];

	start(&t[0], count_forever, (void *)&counter[1], VCPU0, ARCHK_SCHED_NORMAL, 5);
	start(&t[1], spin_and_watch, NULL, VCPU0, ARCHK_SCHED_NORMAL, 25);
	CHECK_EQ(archk_thread_wait(&t[1]), 0); /* the low one did not run */
	archk_sleep_until(now() + 20 * MS);
	CHECK_TRUE(counter[1] > 0); /* and runs once the high one is gone */
	stop_all(t, 1);
}

/* Idle runs only when nothing else can; normal threads rotate at slice ends. */
static void test_idle_and_slicing(void)
{
	struct archk_thread t[2];

	start(&t[0], count_forever, (void *)&counter[1], VCPU0, ARCHK_SCHED_IDLE, 0);
	start(&t[1], spin_and_watch, NULL, VCPU0, ARCHK_SCHED_NORMAL, 0);
	CHECK_EQ(archk_thread_wait(&t[1]), 0);
	archk_sleep_until(now() + 20 * MS);
	CHECK_TRUE(counter[1] > 0);
	stop_all(t, 1);

	start(&t[0], count_forever, (void *)&counter[1], VCPU0, ARCHK_SCHED_NORMAL, 10);
	start(&t[1], spin_and_watch, (void *)1, VCPU0, ARCHK_SCHED_NORMAL, 10);
	CHECK_EQ(archk_thread_wait(&t[1]), 1); /* equal priority: sliced, both ran */
	stop_all(t, 1);
}

/* Real-time threads are never rotated by the timeslice. */
static void test_realtime(void)
{
	struct archk_thread t[2];
	long self = archk_thread_self();
	long weak = archk_handle_duplicate(archk_handle_named("resource"), ARCHK_RIGHT_TRANSFER);

	CHECK_EQ(archk_thread_set_priority((archk_handle_t)self, ARCHK_SCHED_REALTIME, 0, 0),
		 ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_thread_set_priority((archk_handle_t)self, ARCHK_SCHED_REALTIME, 0,
					   archk_handle_named("out")),
		 ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_thread_set_priority((archk_handle_t)self, ARCHK_SCHED_REALTIME, 0,
					   (archk_handle_t)weak),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_thread_set_priority((archk_handle_t)self, 3, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_thread_set_priority((archk_handle_t)self, ARCHK_SCHED_NORMAL, 31, 0),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_thread_set_priority(archk_handle_named("out"), ARCHK_SCHED_NORMAL, 1, 0),
		 ARCHK_ERR_WRONG_TYPE);
	start(&t[0], count_forever, (void *)&counter[1], VCPU0, ARCHK_SCHED_NORMAL, 30);
	start(&t[1], spin_and_watch, NULL, VCPU0, ARCHK_SCHED_REALTIME, 0);
	CHECK_EQ(archk_thread_wait(&t[1]), 0);
	stop_all(t, 1);
	archk_handle_close((archk_handle_t)weak);
	archk_handle_close((archk_handle_t)self);
}

static volatile int pinned; /* test_affinity: both threads have their affinity */

/*
 * Pinned threads run only where they are allowed, across blocking and
 * yields. A thread starts before its spawner sets its affinity, so it counts
 * only once a sleep (whose wake-up places it by its affinity) has followed
 * the spawner's word that both are pinned.
 */
static int check_where(void *arg)
{
	long want = (long)(uintptr_t)arg, wrong = 0;
	int seen;

	do {
		seen = pinned;
		archk_sleep_until(now() + 100000);
	} while (!seen);
	for (int i = 0; i < 200; i++) {
		wrong += archk_vcpu_current() != want;
		if (i % 2)
			archk_yield();
		else
			archk_sleep_until(now() + 100000);
	}
	return (int)wrong;
}

static void test_affinity(void)
{
	struct archk_thread t[2];
	long self = archk_thread_self();

	CHECK_EQ(archk_thread_set_affinity((archk_handle_t)self, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_thread_set_affinity((archk_handle_t)self, 1ULL << 40),
		 ARCHK_ERR_INVALID_ARGS);
	start(&t[0], check_where, (void *)0, VCPU0, ARCHK_SCHED_NORMAL, 15);
	start(&t[1], check_where, (void *)1, VCPU1, ARCHK_SCHED_NORMAL, 15);
	pinned = 1;
	CHECK_EQ(archk_thread_wait(&t[0]), 0);
	CHECK_EQ(archk_thread_wait(&t[1]), 0);
	archk_handle_close((archk_handle_t)self);
}

#define SLEEPS 31

/* Lateness of SLEEPS sleeps of period_ns each, sorted. */
static void measure_sleeps(int64_t period_ns, int64_t *late)
{
	for (int i = 0; i < SLEEPS; i++) {
		int64_t deadline = now() + period_ns;

		archk_sleep_until(deadline);
		late[i] = now() - deadline;
		for (int j = i; j > 0 && late[j - 1] > late[j]; j--) {
			int64_t x = late[j];

			late[j] = late[j - 1];
			late[j - 1] = x;
		}
	}
}

/* Sleeps 2 ms at a time; returns the median lateness in microseconds, and the
 * worst in milliseconds times 1000000 (both fit an int exit code loosely). */
static int interactive(void *arg)
{
	int64_t *late = arg;

	measure_sleeps(2 * MS, late);
	return 0;
}

/*
 * A CPU-bound thread cannot delay an interactive thread's wakeup beyond one
 * slice: the woken thread, boosted by its sleeps, preempts the spinner at
 * once. Round robin would make it wait for the rest of the spinner's slice
 * (a median near 5 ms). A loaded host adds noise to any one wakeup (the
 * host may not run a vCPU thread for tens of milliseconds), so the median
 * carries the check and no single wakeup is held to a bound.
 */
static void test_interactive_wakeup(void)
{
	static int64_t late[SLEEPS];
	struct archk_thread t[2];

	start(&t[0], count_forever, (void *)&counter[1], VCPU0, ARCHK_SCHED_NORMAL, 15);
	start(&t[1], interactive, late, VCPU0, ARCHK_SCHED_NORMAL, 15);
	archk_thread_wait(&t[1]);
	CHECK_TRUE(late[SLEEPS / 2] < 2 * MS);
	stop_all(t, 1);
}

/* On a quiet vCPU sleeps end shortly after their deadlines, never before. */
static void test_sleep_tolerance(void)
{
	static int64_t late[SLEEPS];
	long self = archk_thread_self();

	archk_thread_set_affinity((archk_handle_t)self, VCPU1);
	measure_sleeps(1 * MS, late);
	CHECK_TRUE(late[0] >= 0);
	CHECK_TRUE(late[SLEEPS / 2] < 1 * MS);
	archk_handle_close((archk_handle_t)self);
}

/* Arena live counts return to where they were once a child has come and gone. */
static void test_no_leaks(void)
{
	static const char *const argv[] = {"/bin/true", NULL};
	struct archk_arena_stat before[32], after[32];
	struct archk_exit_status st;
	long n = archk_arena_stats(before, 32), p;

	CHECK_TRUE(n > 5 && n <= 32);
	CHECK_EQ(archk_arena_stats((void *)0x100000000000UL, 32), ARCHK_ERR_BAD_ADDRESS);
	p = archk_spawn(argv[0], argv, NULL, 0);
	CHECK_TRUE(p > 0);
	archk_process_wait((archk_handle_t)p, &st);
	archk_handle_close((archk_handle_t)p);
	CHECK_EQ(archk_arena_stats(after, 32), n);
	for (long i = 0; i < n; i++) {
		CHECK_EQ(strcmp(before[i].name, after[i].name), 0);
		CHECK_EQ(after[i].live, before[i].live);
	}
}

/*
 * Whether the time page's reading of CLOCK lies between two clock_get calls
 * made just before and just after it (1 ms slack each side). Bracketing
 * keeps the check true when the thread is preempted between the readings.
 */
static int page_within_calls(int clock)
{
	int64_t before = archk_clock_get(clock);
	int64_t page = archk_clock_read(clock);
	int64_t after = archk_clock_get(clock);

	return page > before - 1 * MS && page < after + 1 * MS;
}

/*
 * The time page agrees with the clock_get system call and never runs
 * backwards across its updates (conf_faults checks it is read-only).
 */
static void test_time_page(void)
{
	const struct archk_time_page *p = archk_startup_info->time_page;
	int64_t last = 0, backwards = 0, end = now() + 30 * MS;

	CHECK_TRUE(p != NULL);
	CHECK_EQ(p->version, ARCHK_TIME_PAGE_VERSION);
	CHECK_TRUE(page_within_calls(ARCHK_CLOCK_MONOTONIC));
	CHECK_TRUE(page_within_calls(ARCHK_CLOCK_REALTIME));
	while (now() < end) { /* spans several updates */
		int64_t t = archk_clock_read(ARCHK_CLOCK_MONOTONIC);

		backwards += t < last;
		last = t;
	}
	CHECK_EQ(backwards, 0);
}

/*
 * A process that spawns without end is contained: children that exited but
 * are still referenced by handles pile up until the kernel says NO_MEMORY;
 * closing the handles frees every one of them.
 */
static void test_spawn_flood(void)
{
	static const char *const argv[] = {"/bin/true", NULL};
	static archk_handle_t kids[2048];
	struct archk_arena_stat before[32], after[32];
	long n = archk_arena_stats(before, 32), r = 0;
	int count = 0;

	while (count < 2048 && (r = archk_spawn(argv[0], argv, NULL, 0)) > 0)
		kids[count++] = (archk_handle_t)r;
	CHECK_EQ(r, ARCHK_ERR_NO_MEMORY);
	CHECK_TRUE(count > 500);
	for (int i = 0; i < count; i++) {
		struct archk_exit_status st;

		archk_process_wait(kids[i], &st);
		archk_handle_close(kids[i]);
	}
	archk_arena_stats(after, 32);
	for (long i = 0; i < n; i++)
		CHECK_EQ(after[i].live, before[i].live);
}

/* Spawns this program to report the vCPU it starts on; spins spin_ns first. */
static long child_vcpu(int64_t spin_ns)
{
	static const char *const argv[] = {"/tests/conf_sched", "vcpu", NULL};
	struct archk_exit_status st;
	long child;
	int64_t end;

	/* Blocking earns boost steps: the child must not outrank this thread. */
	for (int i = 0; i < 8; i++)
		archk_sleep_until(now() + 100000);
	child = archk_spawn(argv[0], argv, NULL, 0);
	end = now() + spin_ns;

	CHECK_TRUE(child > 0);
	while (now() < end) /* the time page: no system call */
		;
	CHECK_EQ(archk_process_wait((archk_handle_t)child, &st), 0);
	archk_handle_close((archk_handle_t)child);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	return st.code;
}

/*
 * A new process starts on its spawner's vCPU: a parent that waits at once
 * hands its vCPU to the child (vCPU 0 idles meanwhile). A parent that keeps
 * its vCPU busy gets the child started on an idle vCPU instead, well within
 * its slice (the spawner's slice timer is cut short for that; without it the
 * child would start here when the slice ends, 10 ms into the spin) — except
 * in strict isolation, where the child cannot run beside its parent at all.
 */
static void test_spawn_placement(int strict)
{
	CHECK_EQ(child_vcpu(0), 1);
	CHECK_EQ(child_vcpu(200 * MS), strict ? 1 : 0);
}

int main(int argc, char **argv)
{
	long self = archk_thread_self();

	if (argc > 1 && strcmp(argv[1], "vcpu") == 0)
		return (int)archk_vcpu_current();

	/* This thread watches from vCPU 1; the threads under test get vCPU 0. */
	CHECK_TRUE(self > 0);
	CHECK_EQ(archk_thread_set_affinity((archk_handle_t)self, VCPU1), 0);
	CHECK_EQ(archk_vcpu_current(), 1);
	test_priority();
	test_idle_and_slicing();
	test_realtime();
	test_affinity();
	test_interactive_wakeup();
	test_sleep_tolerance();
	test_no_leaks();
	test_time_page();
	test_spawn_flood();
	test_spawn_placement(argc > 1 && strcmp(argv[1], "strict") == 0);
	archk_handle_close((archk_handle_t)self);
	return check_done("conf_sched");
}
