/*
 * The host side of tcp_rtt and tcp_stream (scripts/bench), and their native
 * baselines: the same programs talk to a guest (bench_net in archk) or to
 * another native_net.
 *
 *   native_net echo PORT          a native echo server on 127.0.0.1:PORT, one
 *                                 connection after the other ("listening" on
 *                                 stdout when ready), until killed
 *   native_net rtt PORT COUNT     connects to PORT (retrying for 10 s), sends 64
 *                                 bytes and reads them back COUNT times after a
 *                                 warm-up: ns_per_rtt=
 *   native_net read PORT          listens on PORT ("listening"), reads one
 *                                 connection to its end: bytes= and mib_per_s=
 *                                 from the first byte to the end
 *   native_net write PORT BYTES   connects to PORT and writes BYTES in 64 KiB
 *                                 writes, then closes
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG    64
#define CHUNK  65536
#define WARMUP 1000

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct sockaddr_in loopback(const char *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	a.sin_port = htons((uint16_t)atoi(port));
	return a;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A listener on 127.0.0.1:port; "listening" once it is. */
static int listen_on(const char *port)
{
	struct sockaddr_in a = loopback(port);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 16) < 0)
		die("listen");
	printf("listening\n");
	fflush(stdout);
	return l;
}

/* A connection to 127.0.0.1:port with TCP_NODELAY, retried while nobody listens yet. */
static int connect_to(const char *port)
{
	struct sockaddr_in a = loopback(port);
	int one = 1;

	for (int tries = 0; tries < 1000; tries++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return s;
		}
		close(s);
		usleep(10000);
	}
	die("connect");
	return -1;
}

static void write_all(int s, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(s, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			die("send");
		buf += n;
		len -= (size_t)n;
	}
}

static void read_exactly(int s, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(s, buf, len, 0);

		if (n <= 0)
			die("recv");
		buf += n;
		len -= (size_t)n;
	}
}

static int echo(const char *port)
{
	static char buf[CHUNK];
	int l = listen_on(port), one = 1;

	for (;;) {
		int c = accept(l, NULL, NULL);
		ssize_t n;

		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
			write_all(c, buf, (size_t)n);
		close(c);
	}
}

static int rtt(const char *port, long count)
{
	char msg[MSG];
	int s = connect_to(port);
	int64_t start = 0;

	memset(msg, 'x', sizeof(msg));
	for (long i = 0; i < WARMUP + count; i++) {
		if (i == WARMUP)
			start = now_ns();
		write_all(s, msg, sizeof(msg));
		read_exactly(s, msg, sizeof(msg));
	}
	printf("ns_per_rtt=%lld\n", (long long)((now_ns() - start) / count));
	close(s);
	return 0;
}

static int reader(const char *port)
{
	static char buf[CHUNK];
	int l = listen_on(port), c = accept(l, NULL, NULL);
	int64_t start = 0;
	uint64_t total = 0;
	ssize_t n;

	while ((n = recv(c, buf, sizeof(buf), 0)) > 0) {
		if (total == 0)
			start = now_ns();
		total += (uint64_t)n;
	}
	if (n < 0 || total == 0)
		die("recv");
	printf("bytes=%llu\nmib_per_s=%.1f\n", (unsigned long long)total,
	       (double)total / (1 << 20) / ((double)(now_ns() - start) / 1e9));
	return 0;
}

static int writer(const char *port, unsigned long long bytes)
{
	static char buf[CHUNK];
	int s = connect_to(port);

	memset(buf, 'a', sizeof(buf));
	for (unsigned long long done = 0; done < bytes;) {
		size_t n = bytes - done < CHUNK ? (size_t)(bytes - done) : CHUNK;

		write_all(s, buf, n);
		done += n;
	}
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "echo") == 0)
		return echo(argv[2]);
	if (argc == 4 && strcmp(argv[1], "rtt") == 0)
		return rtt(argv[2], atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return reader(argv[2]);
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return writer(argv[2], strtoull(argv[3], NULL, 10));
	fprintf(stderr, "usage: native_net echo PORT | rtt PORT COUNT | read PORT | "
			"write PORT BYTES\n");
	return 2;
}
