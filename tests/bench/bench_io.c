/*
 * Guest side of the object interface benchmarks (scripts/bench):
 *   bench_io nop       ring_nop: batches of 32 NOP requests through an I/O
 *                      queue (submit 32, ioq_enter waiting for 32, consume)
 *   bench_io nop-poll  ring_nop_poll: the same on an ARCHK_IOQ_POLL queue:
 *                      no ioq_enter, spin on the completion ring
 *   bench_io read      ring_read_4k: 4 KiB READs of the store file
 *                      /bench/data through the ring, batches of 32
 *   bench_io pread     do_io_read_4k: the same reads one by one with do_io
 *   bench_io served    served_object_rtt: this process serves an object from
 *                      a table and spawns `bench_io client`, which READs 64
 *                      bytes from it CALLS times
 * The first four print "ns_per_op=N.NN" (best of ROUNDS rounds), the last
 * "ns_per_call=N". Every result is checked (the data file holds at each
 * 8-byte offset o the value o; the server answers with the offset asked);
 * a wrong one prints a message on "err" and exits 1.
 */
#include <archk/runtime.h>

#define BATCH	     32
#define ROUNDS	     5
#define NOP_BATCHES  3000 /* per round: 96000 NOPs */
#define READ_BATCHES 1000 /* per round: 32000 reads */
#define PREADS	     20000
#define BLOCK	     4096
#define DATA_PATH    "bench/data"
#define SPIN_NS	     200000 /* polled queue: spin this long before entering anyway */
#define WARMUP	     200
#define CALLS	     20000
#define SERVED_LEN   64

static uint64_t buffers[BATCH][BLOCK / 8];
static long poll_fallbacks;

static int64_t now(void)
{
	return archk_clock_get(ARCHK_CLOCK_MONOTONIC);
}

static int fail(const char *what, long err)
{
	archk_dprintf(archk_handle_named("err"), "bench_io: %s: %ld (%s)\n", what, err,
		      archk_strerror(err));
	return 1;
}

/* Prints the best round's time per operation with two decimals. */
static void print_per_op(int64_t best, long ops)
{
	printf("ns_per_op=%ld.%02ld\n", (long)(best / ops), (long)(best * 100 / ops % 100));
}

/* Checks a block read at offset: its first and last words hold their offsets. */
static int block_ok(const uint64_t *b, uint64_t offset)
{
	return b[0] == offset && b[BLOCK / 8 - 1] == offset + BLOCK - 8;
}

/*
 * Polled queue: spins until a completion arrives (1), archk says polling
 * stopped (0), or SPIN_NS pass without one (0, counted in poll_fallbacks).
 */
static int spin(struct archk_ioq *q)
{
	int64_t limit = archk_clock_read(ARCHK_CLOCK_MONOTONIC) + SPIN_NS;

	for (uint32_t i = 1;; i++) {
		if (archk_ioq_peek(q))
			return 1;
		if (__atomic_load_n(&q->ring->flags, __ATOMIC_ACQUIRE) & ARCHK_IOQ_RING_NEED_ENTER)
			return 0;
		if (i % 256 == 0 && archk_clock_read(ARCHK_CLOCK_MONOTONIC) > limit) {
			poll_fallbacks++;
			return 0;
		}
		__builtin_ia32_pause();
	}
}

/*
 * Waits for n completions and checks each: a NOP's result is 0, a READ's is
 * BLOCK with the block of offsets[user_data] in buffers[user_data]. A polled
 * queue spins on the ring and enters only if archk says polling stopped (or
 * after SPIN_NS).
 */
static int reap(struct archk_ioq *q, int n, int polled, const uint64_t *offsets)
{
	for (int got = 0; got < n;) {
		struct archk_io_completion *c = archk_ioq_peek(q);

		if (!c) {
			long err = 0;

			if (!polled) {
				err = archk_ioq_enter(q, (uint32_t)(n - got),
						      ARCHK_DEADLINE_INFINITE);
			} else if (!spin(q)) {
				err = archk_ioq_enter(q, 0, 0);
			}
			if (err < 0 && err != ARCHK_ERR_SHOULD_WAIT)
				return fail("ioq_enter", err);
			continue;
		}
		uint64_t slot = c->user_data;
		int64_t result = c->result;

		archk_ioq_seen(q);
		got++;
		if (slot >= BATCH)
			return fail("completion with a bad user_data", (long)slot);
		if (!offsets && result != 0)
			return fail("NOP", (long)result);
		if (offsets && (result != BLOCK || !block_ok(buffers[slot], offsets[slot])))
			return fail("READ result or data", (long)result);
	}
	return 0;
}

/* ring_nop and ring_nop_poll. */
static int bench_nop(int polled)
{
	struct archk_ioq q;
	int64_t best = INT64_MAX;
	long err = archk_ioq_init(&q, BATCH, polled ? ARCHK_IOQ_POLL : 0);

	if (err < 0)
		return fail("ioq_create", err);
	for (int r = 0; r < ROUNDS + 1; r++) { /* round 0 warms up */
		int64_t start = now();

		for (int b = 0; b < NOP_BATCHES; b++) {
			for (int i = 0; i < BATCH; i++) {
				struct archk_io_request *req = archk_ioq_request(&q);

				if (!req)
					return fail("request ring full", 0);
				req->op = ARCHK_IO_NOP;
				req->handle = q.handle;
				req->user_data = (uint64_t)i;
			}
			if (polled) {
				archk_ioq_publish(&q);
				if (__atomic_load_n(&q.ring->flags, __ATOMIC_ACQUIRE) &
				    ARCHK_IOQ_RING_NEED_ENTER)
					err = archk_ioq_enter(&q, 0, 0);
			} else {
				err = archk_ioq_enter(&q, BATCH, ARCHK_DEADLINE_INFINITE);
			}
			if (err < 0 && err != ARCHK_ERR_SHOULD_WAIT)
				return fail("ioq_enter", err);
			if (reap(&q, BATCH, polled, NULL))
				return 1;
		}
		int64_t ns = now() - start;
		if (r > 0 && ns < best)
			best = ns;
	}
	print_per_op(best, (long)NOP_BATCHES * BATCH);
	if (polled)
		printf("poll_fallbacks=%ld\n", poll_fallbacks);
	return 0;
}

/* Opens the data file; its size in whole blocks in *blocks. A handle, or -1. */
static long open_data(uint64_t *blocks)
{
	uint32_t rights = ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY;
	long f = archk_open(archk_handle_named("root"), DATA_PATH, rights);
	struct archk_meta meta;
	long err;

	if (f < 0)
		return fail("open " DATA_PATH, f), -1;
	if ((err = archk_get_meta((archk_handle_t)f, &meta)) < 0)
		return fail("get_meta " DATA_PATH, err), -1;
	*blocks = meta.size / BLOCK;
	if (*blocks == 0)
		return fail(DATA_PATH " is smaller than a block", (long)meta.size), -1;
	return f;
}

/* ring_read_4k: batches of 32 READs at offsets cycling over the file. */
static int bench_ring_read(void)
{
	struct archk_ioq q;
	uint64_t offsets[BATCH], blocks, n = 0;
	int64_t best = INT64_MAX;
	long f = open_data(&blocks), err;

	if (f < 0)
		return 1;
	if ((err = archk_ioq_init(&q, BATCH, 0)) < 0)
		return fail("ioq_create", err);
	for (int r = 0; r < ROUNDS + 1; r++) {
		int64_t start = now();

		for (int b = 0; b < READ_BATCHES; b++) {
			for (int i = 0; i < BATCH; i++, n++) {
				struct archk_io_request *req = archk_ioq_request(&q);

				if (!req)
					return fail("request ring full", 0);
				offsets[i] = n % blocks * BLOCK;
				req->op = ARCHK_IO_READ;
				req->handle = (archk_handle_t)f;
				req->buf = (uint64_t)buffers[i];
				req->len = BLOCK;
				req->offset = offsets[i];
				req->user_data = (uint64_t)i;
			}
			err = archk_ioq_enter(&q, BATCH, ARCHK_DEADLINE_INFINITE);
			if (err < 0)
				return fail("ioq_enter", err);
			if (reap(&q, BATCH, 0, offsets))
				return 1;
		}
		int64_t ns = now() - start;
		if (r > 0 && ns < best)
			best = ns;
	}
	print_per_op(best, (long)READ_BATCHES * BATCH);
	return 0;
}

/* do_io_read_4k: the same reads, one do_io each. */
static int bench_pread(void)
{
	uint64_t blocks, n = 0;
	int64_t best = INT64_MAX;
	long f = open_data(&blocks);

	if (f < 0)
		return 1;
	for (int r = 0; r < ROUNDS + 1; r++) {
		int64_t start = now();

		for (int i = 0; i < PREADS; i++, n++) {
			uint64_t offset = n % blocks * BLOCK;
			long got = archk_pread((archk_handle_t)f, buffers[0], BLOCK, offset);

			if (got != BLOCK || !block_ok(buffers[0], offset))
				return fail("pread result or data", got);
		}
		int64_t ns = now() - start;
		if (r > 0 && ns < best)
			best = ns;
	}
	print_per_op(best, PREADS);
	return 0;
}

/* served_object_rtt, client: n READs of SERVED_LEN bytes, each answer checked. */
static int client_reads(archk_handle_t obj, int first, int n)
{
	uint64_t reply[SERVED_LEN / 8];

	for (int i = first; i < first + n; i++) {
		long got = archk_pread(obj, reply, SERVED_LEN, (uint64_t)i);

		if (got != SERVED_LEN || reply[0] != (uint64_t)i ||
		    reply[SERVED_LEN / 8 - 1] != (uint64_t)i)
			return fail("served READ result or data", got);
	}
	return 0;
}

static int client(void)
{
	archk_handle_t obj = archk_handle_named("obj");
	int64_t start, ns;

	if (obj == ARCHK_HANDLE_INVALID)
		return fail("no \"obj\" handle", 0);
	if (client_reads(obj, 0, WARMUP))
		return 1;
	start = now();
	if (client_reads(obj, WARMUP, CALLS))
		return 1;
	ns = now() - start;
	printf("ns_per_call=%ld\n", (long)(ns / CALLS));
	return 0;
}

/*
 * served_object_rtt, server: serves one object to a client it spawns and
 * answers each READ with SERVED_LEN bytes, every word the offset asked for,
 * until the object's CLOSE (the client exited).
 */
static int serve(void)
{
	static const char *const argv[] = {"/bench/bench_io", "client", NULL};
	struct archk_table_request req;
	struct archk_exit_status st;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	uint64_t data[SERVED_LEN / 8];
	long table = archk_table_create(), obj, p, err;
	long served = 0;

	if (table < 0)
		return fail("table_create", table);
	obj = archk_table_object_create((archk_handle_t)table, 1, ARCHK_RIGHTS_SAME);
	if (obj < 0)
		return fail("table_object_create", obj);
	struct archk_spawn_handle h = {"obj", (archk_handle_t)obj, ARCHK_RIGHTS_SAME};
	p = archk_spawn(argv[0], argv, &h, 1);
	if (p < 0)
		return fail("spawn client", p);
	archk_handle_close((archk_handle_t)obj); /* the client holds the only one now */
	for (;;) {
		err = archk_table_receive((archk_handle_t)table, &req, data, sizeof(data), handles,
					  ARCHK_DEADLINE_INFINITE);
		if (err < 0)
			return fail("table_receive", err);
		if (req.op == ARCHK_IO_CLOSE)
			break;
		if (req.op != ARCHK_IO_READ || req.cookie != 1 || req.len != SERVED_LEN) {
			archk_table_reply((archk_handle_t)table, req.id, ARCHK_ERR_NOT_SUPPORTED,
					  NULL, 0, 0);
			continue;
		}
		for (int i = 0; i < SERVED_LEN / 8; i++)
			data[i] = req.offset;
		err = archk_table_reply((archk_handle_t)table, req.id, 0, data, SERVED_LEN, 0);
		if (err < 0)
			return fail("table_reply", err);
		served++;
	}
	if ((err = archk_process_wait((archk_handle_t)p, &st)) < 0)
		return fail("process_wait", err);
	if (st.code == 0 && served != WARMUP + CALLS)
		return fail("requests served", served);
	return st.code;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "nop") == 0)
		return bench_nop(0);
	if (strcmp(mode, "nop-poll") == 0)
		return bench_nop(1);
	if (strcmp(mode, "read") == 0)
		return bench_ring_read();
	if (strcmp(mode, "pread") == 0)
		return bench_pread();
	if (strcmp(mode, "served") == 0)
		return serve();
	if (strcmp(mode, "client") == 0)
		return client();
	archk_dprintf(archk_handle_named("err"),
		      "usage: bench_io nop|nop-poll|read|pread|served\n");
	return 2;
}
