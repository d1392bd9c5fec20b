/*
 * Pipes between two guest processes (kernel/pipe.c):
 *   bench_pipe rtt      8 bytes there and back over two pipes: ns_per_call=N
 *   bench_pipe stream   64 MiB in 64 KiB WRITEs and READs: ns_per_mib=N
 * The native baselines are native_pipe's modes of the same names.
 */
#include <archk/runtime.h>

#define WARMUP	    200
#define CALLS	    20000
#define CHUNK	    65536
#define STREAM_MIBS 64

static uint8_t buf[CHUNK];

static int64_t now(void)
{
	return archk_clock_read(ARCHK_CLOCK_MONOTONIC);
}

/* The child: echoes 8-byte messages from "in" to "out", or writes the stream to "out". */
static int child(const char *mode)
{
	archk_handle_t in = archk_handle_named("in"), out = archk_handle_named("out");

	if (strcmp(mode, "echo") == 0) {
		while (archk_read(in, buf, 8) == 8)
			if (archk_write(out, buf, 8) != 8)
				return 1;
		return 0;
	}
	for (int i = 0; i < STREAM_MIBS * (1 << 20) / CHUNK; i++)
		if (archk_write(out, buf, CHUNK) != CHUNK)
			return 1;
	return 0;
}

/* Spawns "bench_pipe MODE" with its in and out on the given pipe ends. */
static long spawn(const char *mode, archk_handle_t in, archk_handle_t out)
{
	const char *argv[] = {"/bench/bench_pipe", "child", mode, NULL};
	struct archk_spawn_handle h[2] = {{"in", in, ARCHK_RIGHTS_SAME},
					  {"out", out, ARCHK_RIGHTS_SAME}};

	return archk_spawn(argv[0], argv, h, 2);
}

static int ping(archk_handle_t out, archk_handle_t in, int n)
{
	for (uint64_t i = 0; i < (uint64_t)n; i++) {
		uint64_t v = i;

		if (archk_write(out, &v, 8) != 8 || archk_read(in, &v, 8) != 8 || v != i)
			return 1;
	}
	return 0;
}

static int rtt(void)
{
	archk_handle_t req[2], rep[2];
	struct archk_exit_status st;
	int64_t start;
	long p;

	if (archk_pipe_create(req) < 0 || archk_pipe_create(rep) < 0 ||
	    (p = spawn("echo", req[0], rep[1])) < 0)
		return 1;
	archk_handle_close(req[0]);
	archk_handle_close(rep[1]);
	if (ping(req[1], rep[0], WARMUP))
		return 1;
	start = now();
	if (ping(req[1], rep[0], CALLS))
		return 1;
	printf("ns_per_call=%ld\n", (long)((now() - start) / CALLS));
	archk_handle_close(req[1]);
	archk_process_wait((archk_handle_t)p, &st);
	return 0;
}

static int stream(void)
{
	archk_handle_t ends[2];
	struct archk_exit_status st;
	int64_t start = now(), total = 0;
	long p, n;

	if (archk_pipe_create(ends) < 0 ||
	    (p = spawn("stream", archk_handle_named("in"), ends[1])) < 0)
		return 1;
	archk_handle_close(ends[1]);
	while ((n = archk_read(ends[0], buf, CHUNK)) > 0)
		total += n;
	if (total != (int64_t)STREAM_MIBS << 20)
		return 1;
	printf("ns_per_mib=%ld\n", (long)((now() - start) / STREAM_MIBS));
	archk_process_wait((archk_handle_t)p, &st);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	if (argc == 2 && strcmp(argv[1], "rtt") == 0)
		return rtt();
	if (argc == 2 && strcmp(argv[1], "stream") == 0)
		return stream();
	archk_dprintf(archk_handle_named("err"), "usage: bench_pipe rtt|stream\n");
	return 2;
}
