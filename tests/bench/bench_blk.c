/*
 * Disk benchmarks (run by scripts/bench against tests/bench/native_blk.c):
 *   bench_blk read        blk_read_4k: random 4 KiB reads of disk0 through the
 *                         block driver's object, 32 in flight on an I/O queue
 *   bench_blk integrated  blk_read_4k_integrated: the same reads, this program
 *                         driving the disk itself (drivers/lib/blkdev.h)
 *   bench_blk write-flush blk_write_flush: a 4 KiB WRITE and a SYNC, one after
 *                         the other, through the driver
 * Offsets come from the same generator as native_blk's. Prints
 * "ns_per_op=N" (the best of ROUNDS rounds after a warm-up round).
 */
#include "lib/blkdev.h"

#define DEPTH	 32
#define BLOCK	 4096
#define ROUNDS	 5
#define READS	 4096
#define FLUSHES	 64
#define NS	 1000000000LL
#define RNG_SEED 0x5eedu
#define RNG_MUL	 6364136223846793005ull
#define RNG_ADD	 1442695040888963407ull

static archk_handle_t bus;
static uint64_t rng_state;
static uint64_t blocks; /* the disk's 4 KiB blocks */

/* The next block number (a 64-bit LCG, the same as native_blk's). */
static uint64_t next_block(void)
{
	rng_state = rng_state * RNG_MUL + RNG_ADD;
	return (rng_state >> 33) % blocks;
}

static archk_handle_t open_disk(void)
{
	long h = archk_do_io(ARCHK_IO_OPEN, bus, (long)"disk0", 5, ARCHK_RIGHTS_SAME, 0);

	if (h < 0) {
		printf("bench_blk: no disk0: %s\n", archk_strerror(h));
		archk_process_exit(1);
	}
	return (archk_handle_t)h;
}

/* Starts the block driver on disk0; its object. */
static archk_handle_t start_driver(void)
{
	static const char *const argv[] = {"/drivers/blk", "disk0", NULL};
	struct archk_spawn_handle hs[] = {{"device", open_disk(), ARCHK_RIGHTS_SAME}};
	long obj = archk_spawn_server(argv, hs, 1, NULL);
	struct archk_meta meta;

	if (obj < 0 || archk_get_meta((archk_handle_t)obj, &meta) < 0) {
		printf("bench_blk: cannot start the block driver: %s\n", archk_strerror(obj));
		archk_process_exit(1);
	}
	blocks = meta.size / BLOCK;
	return (archk_handle_t)obj;
}

static int64_t best_of(int64_t (*round)(void *), void *ctx)
{
	int64_t best = INT64_MAX;

	for (int r = 0; r <= ROUNDS; r++) {
		int64_t t = round(ctx);

		if (r > 0 && t < best) /* round 0 warms up */
			best = t;
	}
	return best;
}

/* READS random reads through the driver's object, DEPTH in flight. */
static int64_t read_round(void *ctx)
{
	static uint8_t buf[DEPTH][BLOCK] __attribute__((aligned(4096)));
	static struct archk_ioq q;
	archk_handle_t disk = *(archk_handle_t *)ctx;
	int64_t start = archk_clock_read(ARCHK_CLOCK_MONOTONIC);
	unsigned issued = 0, done = 0, free_count = DEPTH, free_slots[DEPTH];

	if (!q.ring)
		archk_ioq_init(&q, DEPTH, 0);
	for (unsigned i = 0; i < DEPTH; i++)
		free_slots[i] = i;
	rng_state = RNG_SEED;
	while (done < READS) {
		struct archk_io_completion *c;

		/* A buffer is the request's until its completion (abi.md 16.7). */
		while (issued < READS && free_count) {
			struct archk_io_request *r = archk_ioq_request(&q);
			unsigned slot = free_slots[--free_count];

			*r = (struct archk_io_request){.op = ARCHK_IO_READ,
						       .handle = disk,
						       .buf = (uintptr_t)buf[slot],
						       .len = BLOCK,
						       .offset = next_block() * BLOCK,
						       .user_data = slot};
			issued++;
		}
		archk_ioq_publish(&q);
		archk_ioq_enter(&q, 1, ARCHK_DEADLINE_INFINITE);
		while ((c = archk_ioq_peek(&q))) {
			if (c->result != BLOCK) {
				printf("bench_blk: a read gave %ld\n", (long)c->result);
				archk_process_exit(1);
			}
			free_slots[free_count++] = (unsigned)c->user_data;
			archk_ioq_seen(&q);
			done++;
		}
	}
	return archk_clock_read(ARCHK_CLOCK_MONOTONIC) - start;
}

/* The same reads, driving the disk with the block library. */
static int64_t integrated_round(void *ctx)
{
	struct blkdev *b = ctx;
	static uint8_t *buf[DEPTH];
	int64_t start = archk_clock_read(ARCHK_CLOCK_MONOTONIC);
	unsigned issued = 0, done = 0;

	for (unsigned i = 0; i < DEPTH && !buf[i]; i++)
		buf[i] = blkdev_buffer(b, BLOCK);
	rng_state = RNG_SEED;
	while (done < READS) {
		void *cookie;
		long result;

		while (issued < READS && blkdev_can_submit(b)) {
			blkdev_submit(b, ARCHK_IO_READ, next_block() * BLOCK, buf[issued % DEPTH],
				      BLOCK, NULL);
			issued++;
		}
		blkdev_kick(b);
		vdev_wait(&b->dev, ARCHK_DEADLINE_INFINITE);
		while (blkdev_reap(b, &cookie, &result)) {
			if (result != BLOCK) {
				printf("bench_blk: a read gave %ld\n", result);
				archk_process_exit(1);
			}
			done++;
		}
	}
	return archk_clock_read(ARCHK_CLOCK_MONOTONIC) - start;
}

/* FLUSHES of a 4 KiB write then a sync, through the driver. */
static int64_t flush_round(void *ctx)
{
	static uint8_t buf[BLOCK] __attribute__((aligned(4096)));
	archk_handle_t disk = *(archk_handle_t *)ctx;
	int64_t start = archk_clock_read(ARCHK_CLOCK_MONOTONIC);

	for (unsigned i = 0; i < FLUSHES; i++) {
		buf[0] = (uint8_t)i;
		if (archk_do_io(ARCHK_IO_WRITE, disk, (long)buf, BLOCK, (long)i * BLOCK, 0) !=
			BLOCK ||
		    archk_do_io(ARCHK_IO_SYNC, disk, 0, 0, 0, 0) != 0) {
			printf("bench_blk: a write or sync failed\n");
			archk_process_exit(1);
		}
	}
	return archk_clock_read(ARCHK_CLOCK_MONOTONIC) - start;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	static struct blkdev b;
	archk_handle_t disk;
	int64_t ns;

	bus = archk_handle_named("devices");
	if (strcmp(mode, "read") == 0) {
		disk = start_driver();
		ns = best_of(read_round, &disk) / READS;
	} else if (strcmp(mode, "integrated") == 0) {
		if (blkdev_open(&b, open_disk(), DEPTH, DEPTH * BLOCK) < 0)
			return 1;
		blocks = b.size / BLOCK;
		ns = best_of(integrated_round, &b) / READS;
	} else if (strcmp(mode, "write-flush") == 0) {
		disk = start_driver();
		ns = best_of(flush_round, &disk) / FLUSHES;
	} else {
		printf("usage: bench_blk read | integrated | write-flush\n");
		return 2;
	}
	printf("ns_per_op=%ld\n", (long)ns);
	return 0;
}
