/*
 * Baseline for channel_call_rtt: two Linux processes bounce 8 bytes over a
 * pair of pipes. Prints "ns_per_call=N", the time of one round trip.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 200
#define CALLS  20000

/* Sends n requests and reads each reply; returns 0 if all came back. */
static int ping(int out, int in, int n)
{
	uint64_t v;

	for (int i = 0; i < n; i++) {
		v = (uint64_t)i;
		if (write(out, &v, sizeof(v)) != sizeof(v) ||
		    read(in, &v, sizeof(v)) != sizeof(v) || v != (uint64_t)i)
			return 1;
	}
	return 0;
}

int main(void)
{
	int req[2], rep[2];
	struct timespec a, b;
	uint64_t v;
	pid_t child;

	if (pipe(req) < 0 || pipe(rep) < 0)
		return 1;
	child = fork();
	if (child == 0) {
		close(req[1]); /* so the parent's close ends the loop */
		while (read(req[0], &v, sizeof(v)) == sizeof(v))
			if (write(rep[1], &v, sizeof(v)) != sizeof(v))
				_exit(1);
		_exit(0);
	}
	close(req[0]);
	close(rep[1]);
	if (ping(req[1], rep[0], WARMUP))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (ping(req[1], rep[0], CALLS))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(req[1]);
	waitpid(child, NULL, 0);
	long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	printf("ns_per_call=%lld\n", ns / CALLS);
	return 0;
}
