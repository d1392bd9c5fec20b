/*
 * Baselines with Linux pipes between two processes:
 *   native_pipe [rtt]   8 bytes bounced over a pair of pipes (channel_call_rtt,
 *                       pipe_rtt): "ns_per_call=N", the time of one round trip
 *   native_pipe stream  64 MiB in 64 KiB writes and reads (pipe_stream):
 *                       "ns_per_mib=N"
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP	    200
#define CALLS	    20000
#define CHUNK	    65536
#define STREAM_MIBS 64

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

/* A child writes STREAM_MIBS MiB in CHUNK writes, the parent reads them in CHUNK reads. */
static int stream(void)
{
	static char buf[CHUNK];
	struct timespec a, b;
	long long total = 0;
	int fds[2];
	ssize_t n;

	if (pipe(fds) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (fork() == 0) {
		close(fds[0]);
		for (int i = 0; i < STREAM_MIBS * (1 << 20) / CHUNK; i++)
			if (write(fds[1], buf, CHUNK) != CHUNK)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, CHUNK)) > 0)
		total += n;
	clock_gettime(CLOCK_MONOTONIC, &b);
	wait(NULL);
	if (total != (long long)STREAM_MIBS << 20)
		return 1;
	printf("ns_per_mib=%lld\n",
	       ((b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec)) / STREAM_MIBS);
	return 0;
}

int main(int argc, char **argv)
{
	int req[2], rep[2];
	struct timespec a, b;
	uint64_t v;
	pid_t child;

	if (argc > 1 && argv[1][0] == 's')
		return stream();
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
