/*
 * Baseline for syscall_scaling: `native_scaling N` forks N Linux processes
 * that call getpid during the same window of WINDOW_NS (as
 * tests/bench/bench_scaling.c does with archk's process_self), each writing
 * its count to a pipe. Prints "calls_per_s=N" (all processes together): how
 * far the host itself scales on this machine now.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SPAWN_NS    (100 * 1000000LL)
#define WINDOW_NS   (300 * 1000000LL)
#define CHECK_EVERY 64

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void child(int out, long long start, long long end)
{
	struct timespec ts = {start / 1000000000, start % 1000000000};
	uint64_t calls = 0;

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	while (now_ns() < end) {
		for (int i = 0; i < CHECK_EVERY; i++)
			syscall(SYS_getpid);
		calls += CHECK_EVERY;
	}
	_exit(write(out, &calls, sizeof(calls)) != sizeof(calls));
}

int main(int argc, char **argv)
{
	int n = argc == 2 ? atoi(argv[1]) : 0, fds[2], status;
	long long start = now_ns() + SPAWN_NS;
	uint64_t total = 0, calls;

	if (n < 1 || pipe(fds) < 0) {
		fprintf(stderr, "usage: native_scaling N\n");
		return 2;
	}
	for (int i = 0; i < n; i++)
		if (fork() == 0)
			child(fds[1], start, start + WINDOW_NS);
	close(fds[1]);
	while (read(fds[0], &calls, sizeof(calls)) == sizeof(calls))
		total += calls;
	for (int i = 0; i < n; i++)
		if (wait(&status) < 0 || status != 0)
			return 1;
	printf("calls_per_s=%llu\n", (unsigned long long)(total * 1000000000ULL / WINDOW_NS));
	return 0;
}
