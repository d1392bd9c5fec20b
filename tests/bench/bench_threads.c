/*
 * Guest side of three benchmarks (scripts/bench):
 *   bench_threads switch    thread_switch: two threads of one process wake
 *                           each other through a futex; ns per hand-off
 *   bench_threads latency   wakeup_latency: a thread sleeping 1 ms at a time
 *                           beside a CPU-bound thread; lateness percentiles
 *   bench_threads spawn     spawn_wait: spawn /bin/true and wait for it; ns each
 */
#include <archk/runtime.h>

#define HANDOFFS 20000
#define SLEEPS   300
#define SPAWNS   200

static uint32_t turn; /* whose turn: 0 main, 1 partner */
static volatile int stop_spinning;

static int64_t now(void)
{
	return archk_clock_get(ARCHK_CLOCK_MONOTONIC);
}

/* Waits for the turn to become mine, then hands it over. */
static void ping_pong(uint32_t me, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me)
			archk_futex_wait(&turn, !me, ARCHK_DEADLINE_INFINITE);
		__atomic_store_n(&turn, !me, __ATOMIC_RELEASE);
		archk_futex_wake(&turn, 1);
	}
}

static int partner(void *arg)
{
	ping_pong(1, HANDOFFS);
	return 0;
}

static int bench_switch(void)
{
	struct archk_thread t;
	int64_t start = now();

	archk_thread_spawn(&t, partner, NULL, 65536, "partner");
	ping_pong(0, HANDOFFS);
	archk_thread_wait(&t);
	printf("ns_per_handoff=%ld\n", (long)((now() - start) / (2 * HANDOFFS)));
	return 0;
}

static int spinner(void *arg)
{
	while (!stop_spinning)
		;
	return 0;
}

static int compare(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts lateness samples with a simple insertion sort (few hundred). */
static void sort(int64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && compare(&v[j - 1], &v[j]) > 0; j--) {
			int64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

static int bench_latency(void)
{
	static int64_t late[SLEEPS];
	struct archk_thread t;

	archk_thread_spawn(&t, spinner, NULL, 65536, "spinner");
	for (int i = 0; i < SLEEPS; i++) {
		int64_t deadline = now() + 1000000;

		archk_sleep_until(deadline);
		late[i] = now() - deadline;
	}
	stop_spinning = 1;
	archk_thread_wait(&t);
	sort(late, SLEEPS);
	printf("p50_ns=%ld\np99_ns=%ld\np999_ns=%ld\n", (long)late[SLEEPS / 2],
	       (long)late[SLEEPS * 99 / 100], (long)late[SLEEPS - 1]);
	return 0;
}

static int bench_spawn(void)
{
	static const char *const argv[] = {"/bin/true", NULL};
	struct archk_exit_status st;
	int64_t start = now();

	for (int i = 0; i < SPAWNS; i++) {
		long p = archk_spawn(argv[0], argv, NULL, 0);

		if (p < 0 || archk_process_wait((archk_handle_t)p, &st) < 0)
			return 1;
		archk_handle_close((archk_handle_t)p);
	}
	printf("ns_per_spawn=%ld\n", (long)((now() - start) / SPAWNS));
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (strcmp(what, "switch") == 0)
		return bench_switch();
	if (strcmp(what, "latency") == 0)
		return bench_latency();
	if (strcmp(what, "spawn") == 0)
		return bench_spawn();
	printf("usage: bench_threads switch|latency|spawn\n");
	return 2;
}
