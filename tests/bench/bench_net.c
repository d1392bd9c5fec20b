/*
 * Guest side of the network benchmarks (scripts/bench), run under
 * /bin/netrun so that "net" is the net driver:
 *   bench_net echo PORT            tcp_rtt: accepts connections on
 *                                  127.0.0.1:PORT one after the other and
 *                                  sends back what each sends, until it ends
 *   bench_net stream PORT BYTES    tcp_stream: connects to 127.0.0.1:PORT and
 *                                  writes BYTES in 64 KiB WRITEs, DEPTH in
 *                                  flight through an I/O queue, then closes
 * The host side (native_net) measures; "listening" on out says the echo
 * server is ready. A failure prints a line on "err" and exits 1.
 */
#include <archk/runtime.h>

#define CHUNK ARCHK_TABLE_DATA_MAX
#define DEPTH 4

static archk_handle_t net;

static int fail(const char *what, long err)
{
	archk_dprintf(archk_handle_named("err"), "bench_net: %s: %s\n", what, archk_strerror(err));
	return 1;
}

static long open_path(archk_handle_t dir, const char *path)
{
	return archk_do_io(ARCHK_IO_OPEN, dir, (long)path, (long)strlen(path), ARCHK_RIGHTS_SAME,
			   0);
}

/* Echoes one connection until its peer closes it. */
static int echo_connection(archk_handle_t c)
{
	static char buf[CHUNK];

	for (;;) {
		long n = archk_read(c, buf, sizeof(buf));

		if (n == 0 || n == ARCHK_ERR_CONN_RESET)
			return 0;
		if (n < 0)
			return fail("read", n);
		for (long done = 0; done < n;) {
			long w = archk_write(c, buf + done, (size_t)(n - done));

			if (w < 0)
				return fail("write", w);
			done += w;
		}
	}
}

static int echo(const char *port)
{
	char path[64];
	long listener, c;

	snprintf(path, sizeof(path), "127.0.0.1/tcp/listen/%s", port);
	if ((listener = open_path(net, path)) < 0)
		return fail(path, listener);
	printf("listening\n");
	for (;;) {
		if ((c = open_path((archk_handle_t)listener, "accept")) < 0)
			return fail("accept", c);
		if (echo_connection((archk_handle_t)c))
			return 1;
		archk_handle_close((archk_handle_t)c);
	}
}

static int stream(const char *port, const char *bytes)
{
	static uint8_t chunks[DEPTH][CHUNK];
	uint64_t total = strtoul(bytes, NULL, 10), queued = 0, done = 0;
	struct archk_ioq q;
	char path[64];
	long c, r;
	unsigned in_flight = 0;

	snprintf(path, sizeof(path), "tcp/connect/127.0.0.1/%s", port);
	if ((c = open_path(net, path)) < 0)
		return fail(path, c);
	if ((r = archk_ioq_init(&q, DEPTH, 0)) < 0)
		return fail("ioq_init", r);
	for (unsigned i = 0; i < DEPTH; i++)
		memset(chunks[i], 'a' + (int)i, CHUNK);
	while (done < total) {
		struct archk_io_completion cmp;

		while (in_flight < DEPTH && queued < total) {
			struct archk_io_request *req = archk_ioq_request(&q);
			uint64_t n = total - queued < CHUNK ? total - queued : CHUNK;

			*req = (struct archk_io_request){
			    .op = ARCHK_IO_WRITE,
			    .handle = (archk_handle_t)c,
			    .buf = (uintptr_t)chunks[queued / CHUNK % DEPTH],
			    .len = n,
			    .user_data = n};
			queued += n;
			in_flight++;
		}
		if ((r = archk_ioq_wait(&q, &cmp)) < 0)
			return fail("ioq_wait", r);
		if (cmp.result != (int64_t)cmp.user_data)
			return fail("write", cmp.result < 0 ? cmp.result : ARCHK_ERR_IO);
		done += cmp.user_data;
		in_flight--;
	}
	archk_handle_close((archk_handle_t)c);
	return 0;
}

int main(int argc, char **argv)
{
	net = archk_handle_named("net");
	if (net == ARCHK_HANDLE_INVALID)
		return fail("no net handle (run it under /bin/netrun)", ARCHK_ERR_NOT_FOUND);
	if (argc == 3 && strcmp(argv[1], "echo") == 0)
		return echo(argv[2]);
	if (argc == 4 && strcmp(argv[1], "stream") == 0)
		return stream(argv[2], argv[3]);
	archk_dprintf(archk_handle_named("err"),
		      "usage: bench_net echo PORT | stream PORT BYTES\n");
	return 2;
}
