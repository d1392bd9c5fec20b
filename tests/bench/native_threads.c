/*
 * Linux baselines for bench_threads.c, measured the same way:
 *   native_threads switch    two pthreads handing a futex word back and forth
 *   native_threads latency   clock_nanosleep of 1 ms beside a CPU-bound thread
 *   native_threads spawn     posix_spawn + waitpid of the static native_true
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HANDOFFS 20000
#define SLEEPS   300
#define SPAWNS   200

static uint32_t turn;
static volatile int stop_spinning;

static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void ping_pong(uint32_t me, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me)
			syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, !me, NULL, NULL, 0);
		__atomic_store_n(&turn, !me, __ATOMIC_RELEASE);
		syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
}

static void *partner(void *arg)
{
	ping_pong(1, HANDOFFS);
	return NULL;
}

static void *spinner(void *arg)
{
	while (!stop_spinning)
		;
	return NULL;
}

static int compare(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	pthread_t t;
	long long start = now();

	if (strcmp(what, "switch") == 0) {
		pthread_create(&t, NULL, partner, NULL);
		ping_pong(0, HANDOFFS);
		pthread_join(t, NULL);
		printf("ns_per_handoff=%lld\n", (now() - start) / (2 * HANDOFFS));
	} else if (strcmp(what, "latency") == 0) {
		static long long late[SLEEPS];

		pthread_create(&t, NULL, spinner, NULL);
		for (int i = 0; i < SLEEPS; i++) {
			long long deadline = now() + 1000000;
			struct timespec ts = {deadline / 1000000000, deadline % 1000000000};

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			late[i] = now() - deadline;
		}
		stop_spinning = 1;
		pthread_join(t, NULL);
		qsort(late, SLEEPS, sizeof(late[0]), compare);
		printf("p50_ns=%lld\np99_ns=%lld\np999_ns=%lld\n", late[SLEEPS / 2],
		       late[SLEEPS * 99 / 100], late[SLEEPS - 1]);
	} else if (strcmp(what, "spawn") == 0 && argc > 2) {
		char *child[] = {argv[2], NULL};

		for (int i = 0; i < SPAWNS; i++) {
			pid_t pid;

			if (posix_spawn(&pid, argv[2], NULL, NULL, child, NULL) != 0)
				return 1;
			waitpid(pid, NULL, 0);
		}
		printf("ns_per_spawn=%lld\n", (now() - start) / SPAWNS);
	} else {
		fprintf(stderr, "usage: native_threads switch|latency|spawn TRUE\n");
		return 2;
	}
	return 0;
}
