/*
 * channel_call_rtt, guest side: a client process makes channel_calls that a
 * server process (`bench_ipc server`, spawned with the other end as "chan")
 * answers. Prints "ns_per_call=N", the time of one request/reply round trip.
 */
#include <archk/runtime.h>

#define WARMUP 200
#define CALLS  20000

/* Answers every request with the same bytes until the client goes away. */
static int serve(void)
{
	archk_handle_t chan = archk_handle_named("chan");
	struct archk_channel_actual actual;
	uint32_t msg[4];

	for (;;) {
		long r = archk_channel_read(chan, msg, sizeof(msg), NULL, 0, &actual);

		if (r == ARCHK_ERR_SHOULD_WAIT) {
			archk_object_wait_one(chan,
					      ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED,
					      ARCHK_DEADLINE_INFINITE, NULL);
			continue;
		}
		if (r < 0)
			return r == ARCHK_ERR_PEER_CLOSED ? 0 : 1;
		if (archk_channel_write(chan, msg, actual.bytes, NULL, 0) < 0)
			return 1;
	}
}

/* Makes n calls of 8 bytes; returns 0 if every reply came back. */
static int calls(archk_handle_t h, int n)
{
	uint32_t req[2] = {0, 0}, rep[2];
	struct archk_channel_call_args args = {
	    .wr_bytes = req, .rd_bytes = rep, .wr_num_bytes = 8, .rd_num_bytes = 8};

	for (int i = 0; i < n; i++) {
		req[1] = (uint32_t)i;
		if (archk_channel_call(h, &args, ARCHK_DEADLINE_INFINITE, NULL) < 0 ||
		    rep[1] != (uint32_t)i)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const server[] = {"/bench/bench_ipc", "server", NULL};
	struct archk_exit_status st;
	archk_handle_t ch[2];
	int64_t start, ns;
	long p;

	if (argc > 1)
		return serve();
	if (archk_channel_create(ch) < 0)
		return 1;
	struct archk_spawn_handle h = {"chan", ch[1], ARCHK_RIGHTS_SAME};
	p = archk_spawn(server[0], server, &h, 1);
	if (p < 0)
		return 1;
	archk_handle_close(ch[1]);
	if (calls(ch[0], WARMUP))
		return 1;
	start = archk_clock_get(ARCHK_CLOCK_MONOTONIC);
	if (calls(ch[0], CALLS))
		return 1;
	ns = archk_clock_get(ARCHK_CLOCK_MONOTONIC) - start;
	archk_handle_close(ch[0]);
	archk_process_wait((archk_handle_t)p, &st);
	printf("ns_per_call=%ld\n", (long)(ns / CALLS));
	return st.code;
}
