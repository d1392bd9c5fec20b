/*
 * Baseline for partition_switch: two Linux processes pinned to one CPU that
 * sched_yield to each other. Prints "ns_per_switch=N".
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define YIELDS 50000

static void yield_loop(void)
{
	for (int i = 0; i < YIELDS; i++)
		sched_yield();
}

int main(void)
{
	struct timespec a, b;
	cpu_set_t one;
	pid_t child;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	clock_gettime(CLOCK_MONOTONIC, &a);
	child = fork();
	if (child == 0) {
		yield_loop();
		_exit(0);
	}
	yield_loop();
	waitpid(child, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	printf("ns_per_switch=%lld\n", ns / (2 * YIELDS));
	return 0;
}
