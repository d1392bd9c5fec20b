/*
 * share_read_seq (scripts/bench-share): reads the file "big" of the share
 * share:bench from start to end in 64 KiB READs, through the share driver
 * this program starts, ROUNDS times, and prints the best round as
 * "ns_per_file=N".
 *   bench_share sync   one do_io READ after another
 *   bench_share ring   DEPTH READs in flight in an I/O queue, each refilled
 *                      as it completes
 * The file holds at each 8-byte offset o the value o (bench_data): the
 * first and last word of every piece are checked, and the whole file must
 * be read; a wrong piece prints a message on "err" and exits 1.
 */
#include <archk/runtime.h>

#define ROUNDS 5
#define PIECE  ARCHK_TABLE_DATA_MAX
#define DEPTH  8

static uint64_t pieces[DEPTH][PIECE / 8];

static int64_t now(void)
{
	return archk_clock_get(ARCHK_CLOCK_MONOTONIC);
}

static int fail(const char *what, long err)
{
	archk_dprintf(archk_handle_named("err"), "bench_share: %s: %ld (%s)\n", what, err,
		      archk_strerror(err));
	return 1;
}

/* Did the piece read at offset (n bytes) come from there? */
static int piece_ok(const uint64_t *p, uint64_t offset, long n)
{
	return n > 0 && n % 8 == 0 && p[0] == offset && p[n / 8 - 1] == offset + (uint64_t)n - 8;
}

/* The share driver for share:bench; the root it serves, or an error. */
static long start_share(void)
{
	static const char *const argv[] = {"/drivers/share", NULL};
	long dev = archk_do_io(ARCHK_IO_OPEN, archk_handle_named("devices"), (long)"share:bench",
			       11, ARCHK_RIGHTS_SAME, 0);

	if (dev < 0)
		return dev;
	struct archk_spawn_handle hs[] = {{"device", (archk_handle_t)dev, ARCHK_RIGHTS_SAME}};
	return archk_spawn_server(argv, hs, 1, NULL);
}

/* One pass with one READ at a time: the bytes read, or an error. */
static long pass_sync(archk_handle_t f)
{
	uint64_t offset = 0;
	long n;

	while ((n = archk_do_io(ARCHK_IO_READ, f, (long)pieces[0], PIECE, (long)offset, 0)) > 0) {
		if (!piece_ok(pieces[0], offset, n))
			return ARCHK_ERR_IO;
		offset += (uint64_t)n;
	}
	return n < 0 ? n : (long)offset;
}

/* Queues the READ of the piece at offset into buffer slot. */
static void queue_read(struct archk_ioq *q, archk_handle_t f, unsigned slot, uint64_t offset)
{
	*archk_ioq_request(q) = (struct archk_io_request){.op = ARCHK_IO_READ,
							  .handle = f,
							  .buf = (uintptr_t)pieces[slot],
							  .len = PIECE,
							  .offset = offset,
							  .user_data = offset << 8 | slot};
}

/* One pass with DEPTH READs in flight: the bytes read, or an error. */
static long pass_ring(struct archk_ioq *q, archk_handle_t f, uint64_t size)
{
	uint64_t next = 0, done = 0;
	unsigned in_flight = 0;

	for (unsigned slot = 0; slot < DEPTH && next < size; slot++, next += PIECE, in_flight++)
		queue_read(q, f, slot, next);
	while (in_flight) {
		struct archk_io_completion c;
		long err = archk_ioq_wait(q, &c);
		unsigned slot = c.user_data & 0xff;
		uint64_t offset = c.user_data >> 8;

		if (err < 0 || !piece_ok(pieces[slot], offset, c.result))
			return err < 0 ? err : ARCHK_ERR_IO;
		done += (uint64_t)c.result;
		in_flight--;
		if (next < size) {
			queue_read(q, f, slot, next);
			next += PIECE;
			in_flight++;
		}
	}
	return (long)done;
}

int main(int argc, char **argv)
{
	int ring = argc > 1 && strcmp(argv[1], "ring") == 0;
	int64_t best = INT64_MAX;
	struct archk_meta meta;
	struct archk_ioq q;
	long root = start_share(), f, n;

	if (argc != 2 || (!ring && strcmp(argv[1], "sync") != 0)) {
		archk_dprintf(archk_handle_named("err"), "usage: bench_share sync | ring\n");
		return 2;
	}
	if (root < 0)
		return fail("cannot start the share driver for share:bench", root);
	if ((f = archk_open((archk_handle_t)root, "big",
			    ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY)) < 0)
		return fail("cannot open big", f);
	if ((n = archk_get_meta((archk_handle_t)f, &meta)) < 0 ||
	    (ring && (n = archk_ioq_init(&q, 2 * DEPTH, 0)) < 0))
		return fail("cannot set up", n);
	for (int r = 0; r < ROUNDS; r++) {
		int64_t start = now(), took;

		n = ring ? pass_ring(&q, (archk_handle_t)f, meta.size)
			 : pass_sync((archk_handle_t)f);
		took = now() - start;
		if (n < 0 || (uint64_t)n != meta.size)
			return fail("a pass read wrong bytes", n);
		best = took < best ? took : best;
	}
	printf("ns_per_file=%ld\n", (long)best);
	return 0;
}
