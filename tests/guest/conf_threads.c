/*
 * Conformance: threads, futexes, sleep, the runtime's locks and process_kill.
 *   conf_threads              the checks (exit 0 if all pass)
 *   conf_threads last-exit    (child) main exits first; the last thread's code wins
 *   conf_threads spinners     (child) two threads compute forever until killed
 *   conf_threads thread-fault (child) a second thread faults: the process ends
 */
#include "check.h"

#define NTHREADS    4
#define INCREMENTS  20000
#define STACK_BYTES (64 * 1024)
#define MS	    1000000LL

static struct archk_mutex counter_lock = ARCHK_MUTEX_INIT;
static long counter;

/* Each worker checks its FS base points at its own struct, then counts. */
static int count_worker(void *arg)
{
	struct archk_thread *self = archk_thread_current();

	if (self->arg != arg)
		return -1;
	for (int i = 0; i < INCREMENTS; i++) {
		archk_mutex_lock(&counter_lock);
		counter++;
		archk_mutex_unlock(&counter_lock);
		if (i % 1000 == 0)
			archk_yield();
	}
	return (int)(uintptr_t)arg;
}

static void test_mutex_and_tls(void)
{
	struct archk_thread t[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(archk_thread_spawn(&t[i], count_worker, (void *)(uintptr_t)(i + 10),
					    STACK_BYTES, "counter"),
			 0);
	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(archk_thread_wait(&t[i]), i + 10);
	CHECK_EQ(counter, NTHREADS * INCREMENTS);
}

/* A bounded queue between a producer and a consumer thread. */
static struct {
	struct archk_mutex lock;
	struct archk_cond changed;
	int items[8];
	int head, count;
} queue = {.lock = ARCHK_MUTEX_INIT, .changed = ARCHK_COND_INIT};

static int producer(void *arg)
{
	for (int i = 1; i <= 200; i++) {
		archk_mutex_lock(&queue.lock);
		while (queue.count == 8)
			archk_cond_wait(&queue.changed, &queue.lock);
		queue.items[(queue.head + queue.count++) % 8] = i;
		archk_cond_broadcast(&queue.changed);
		archk_mutex_unlock(&queue.lock);
	}
	return 0;
}

static void test_condvar(void)
{
	struct archk_thread p;
	long sum = 0;

	CHECK_EQ(archk_thread_spawn(&p, producer, NULL, STACK_BYTES, "producer"), 0);
	for (int got = 0; got < 200; got++) {
		archk_mutex_lock(&queue.lock);
		while (queue.count == 0)
			archk_cond_wait(&queue.changed, &queue.lock);
		sum += queue.items[queue.head];
		queue.head = (queue.head + 1) % 8;
		queue.count--;
		archk_cond_broadcast(&queue.changed);
		archk_mutex_unlock(&queue.lock);
	}
	CHECK_EQ(archk_thread_wait(&p), 0);
	CHECK_EQ(sum, 200 * 201 / 2);
}

static void test_futex_and_sleep(void)
{
	static uint32_t word = 5;
	int64_t start;

	CHECK_EQ(archk_futex_wait(&word, 6, ARCHK_DEADLINE_INFINITE), ARCHK_ERR_SHOULD_WAIT);
	CHECK_EQ(archk_futex_wait((uint32_t *)((char *)&word + 1), 5, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_futex_wait((uint32_t *)0x100000000000UL, 0, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_futex_wait(&word, 5, now() - 1), ARCHK_ERR_TIMED_OUT);
	start = now();
	CHECK_EQ(archk_futex_wait(&word, 5, start + 20 * MS), ARCHK_ERR_TIMED_OUT);
	CHECK_TRUE(now() - start >= 20 * MS && now() - start < 1000 * MS);
	CHECK_EQ(archk_futex_wake(&word, 10), 0);
	start = now();
	CHECK_EQ(archk_sleep_until(start + 30 * MS), 0);
	CHECK_TRUE(now() - start >= 30 * MS && now() - start < 1000 * MS);
	CHECK_EQ(archk_sleep_until(0), 0);
}

/* A raw thread entry (no runtime trampoline): it must exit, returning faults. */
static void raw_entry(void *arg)
{
	archk_thread_exit((int)(uintptr_t)arg);
}

/* thread_create, start and join refuse bad arguments and states. */
static void test_thread_errors(void)
{
	static char stack[4096] __attribute__((aligned(16)));
	struct archk_thread_args a = {
	    .entry = (uintptr_t)raw_entry, .stack_top = (uintptr_t)stack + sizeof(stack), .arg = 0};
	struct archk_handle_info info;
	long h, weak;

	a.stack_top -= 8;
	CHECK_EQ(archk_thread_create(&a), ARCHK_ERR_INVALID_ARGS);
	a.stack_top += 8;
	a.entry = (uintptr_t)stack;
	CHECK_EQ(archk_thread_create(&a), ARCHK_ERR_BAD_ADDRESS);
	a.entry = (uintptr_t)raw_entry;
	CHECK_EQ(archk_thread_create((void *)0x100000000000UL), ARCHK_ERR_BAD_ADDRESS);
	h = archk_thread_create(&a);
	CHECK_TRUE(h > 0);
	CHECK_EQ(archk_handle_info((archk_handle_t)h, &info), 0);
	CHECK_EQ(info.type, ARCHK_OBJ_THREAD);
	CHECK_EQ(archk_thread_join((archk_handle_t)h), ARCHK_ERR_BAD_STATE); /* not started */
	weak = archk_handle_duplicate((archk_handle_t)h, ARCHK_RIGHT_WAIT);
	CHECK_EQ(archk_thread_start((archk_handle_t)weak), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_thread_start(archk_handle_named("out")), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_thread_start((archk_handle_t)h), 0);
	CHECK_EQ(archk_thread_start((archk_handle_t)h), ARCHK_ERR_BAD_STATE);
	CHECK_EQ(archk_thread_join((archk_handle_t)weak), 0);
	CHECK_EQ(archk_thread_join((archk_handle_t)h), 0); /* joining again is fine */
	archk_handle_close((archk_handle_t)weak);
	archk_handle_close((archk_handle_t)h);
}

/* Runs this program as a child in the given mode; returns its status. */
static struct archk_exit_status run_child(const char *mode, int kill_after_ms)
{
	const char *argv[] = {"/tests/conf_threads", mode, NULL};
	struct archk_exit_status st = {0};
	long p = archk_spawn(argv[0], argv, NULL, 0);

	CHECK_TRUE(p > 0);
	if (kill_after_ms) {
		long weak = archk_handle_duplicate((archk_handle_t)p, ARCHK_RIGHT_WAIT);

		archk_sleep_until(now() + kill_after_ms * MS);
		CHECK_EQ(archk_process_kill((archk_handle_t)weak), ARCHK_ERR_ACCESS_DENIED);
		CHECK_EQ(archk_process_kill((archk_handle_t)p), 0);
		archk_handle_close((archk_handle_t)weak);
	}
	CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
	archk_handle_close((archk_handle_t)p);
	return st;
}

static void test_child_processes(void)
{
	struct archk_exit_status st;
	int64_t start = now();

	st = run_child("last-exit", 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 9);
	st = run_child("spinners", 50);
	CHECK_EQ(st.reason, ARCHK_EXIT_KILLED);
	CHECK_TRUE(now() - start < 2000 * MS);
	st = run_child("thread-fault", 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
	CHECK_EQ(st.signal, 11);
}

static int spin_forever(void *arg)
{
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

static int exit_later(void *arg)
{
	archk_sleep_until(now() + 50 * MS);
	return 9;
}

static int null_write(void *arg)
{
	archk_sleep_until(now() + 10 * MS);
	*(volatile int *)arg = 1;
	return 0;
}

/* The child modes; none of them return through main normally. */
static int child(const char *mode)
{
	static struct archk_thread t[2];

	if (strcmp(mode, "last-exit") == 0) {
		archk_thread_spawn(&t[0], exit_later, NULL, STACK_BYTES, "later");
		archk_thread_exit(5);
	}
	if (strcmp(mode, "spinners") == 0) {
		archk_thread_spawn(&t[0], spin_forever, NULL, STACK_BYTES, "spin");
		archk_thread_spawn(&t[1], spin_forever, NULL, STACK_BYTES, "spin");
		spin_forever(NULL);
	}
	if (strcmp(mode, "thread-fault") == 0) {
		archk_thread_spawn(&t[0], null_write, NULL, STACK_BYTES, "faulty");
		archk_sleep_until(now() + 5000 * MS);
	}
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return child(argv[1]);
	test_mutex_and_tls();
	test_condvar();
	test_futex_and_sleep();
	test_thread_errors();
	test_child_processes();
	CHECK_EQ(archk_heap_in_use(), 0);
	return check_done("conf_threads");
}
