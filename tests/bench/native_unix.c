/*
 * Baseline for served_object_rtt: a Linux process asks another for 64 bytes
 * over a Unix socket pair (SOCK_SEQPACKET): the request carries an offset
 * and a length, the reply 64 bytes filled with the offset (as the guest
 * server of tests/bench/bench_io.c answers a READ). Prints "ns_per_call=N",
 * the time of one request/reply round trip.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 200
#define CALLS  20000
#define LEN    64

struct request {
	uint64_t offset;
	uint64_t len;
};

/* Answers every request until the other end closes. */
static int serve(int s)
{
	struct request req;
	uint64_t data[LEN / 8];

	while (recv(s, &req, sizeof(req), 0) == sizeof(req)) {
		if (req.len != LEN)
			return 1;
		for (int i = 0; i < LEN / 8; i++)
			data[i] = req.offset;
		if (send(s, data, LEN, 0) != LEN)
			return 1;
	}
	return 0;
}

/* Makes n requests from offset first on; 0 if every reply was right. */
static int calls(int s, int first, int n)
{
	uint64_t reply[LEN / 8];

	for (int i = first; i < first + n; i++) {
		struct request req = {(uint64_t)i, LEN};

		if (send(s, &req, sizeof(req), 0) != sizeof(req) || recv(s, reply, LEN, 0) != LEN ||
		    reply[0] != (uint64_t)i || reply[LEN / 8 - 1] != (uint64_t)i)
			return 1;
	}
	return 0;
}

int main(void)
{
	struct timespec a, b;
	int sv[2], status;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return 1;
	child = fork();
	if (child == 0) {
		close(sv[0]);
		_exit(serve(sv[1]));
	}
	close(sv[1]);
	if (calls(sv[0], 0, WARMUP))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (calls(sv[0], WARMUP, CALLS))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(sv[0]);
	if (waitpid(child, &status, 0) < 0 || status != 0)
		return 1;
	long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	printf("ns_per_call=%lld\n", ns / CALLS);
	return 0;
}
