/*
 * Baselines of the disk benchmarks (tests/bench/bench_blk.c), on plain Linux:
 *   native_blk read FILE [direct]   random 4 KiB reads of FILE with io_uring,
 *                                   32 in flight (O_DIRECT with "direct")
 *   native_blk write-flush FILE     a 4 KiB pwrite and an fdatasync, one after
 *                                   the other
 * Same offsets, counts and rounds as bench_blk. Prints "ns_per_op=N".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEPTH	 32
#define BLOCK	 4096
#define ROUNDS	 5
#define READS	 4096
#define FLUSHES	 64
#define RNG_SEED 0x5eedu
#define RNG_MUL	 6364136223846793005ull
#define RNG_ADD	 1442695040888963407ull

static uint64_t rng_state, blocks;
static uint8_t buf[DEPTH][BLOCK] __attribute__((aligned(4096)));

static uint64_t next_block(void)
{
	rng_state = rng_state * RNG_MUL + RNG_ADD;
	return (rng_state >> 33) % blocks;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t read_round(struct io_uring *ring, int fd)
{
	int64_t start = now_ns();
	unsigned issued = 0, done = 0;

	rng_state = RNG_SEED;
	while (done < READS) {
		struct io_uring_cqe *cqe;

		while (issued < READS && issued - done < DEPTH) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

			io_uring_prep_read(sqe, fd, buf[issued % DEPTH], BLOCK,
					   next_block() * BLOCK);
			issued++;
		}
		io_uring_submit_and_wait(ring, 1);
		while (io_uring_peek_cqe(ring, &cqe) == 0) {
			if (cqe->res != BLOCK) {
				fprintf(stderr, "native_blk: a read gave %d\n", cqe->res);
				_exit(1);
			}
			io_uring_cqe_seen(ring, cqe);
			done++;
		}
	}
	return now_ns() - start;
}

static int64_t flush_round(int fd)
{
	int64_t start = now_ns();

	for (unsigned i = 0; i < FLUSHES; i++) {
		buf[0][0] = (uint8_t)i;
		if (pwrite(fd, buf[0], BLOCK, (off_t)i * BLOCK) != BLOCK || fdatasync(fd) < 0) {
			perror("native_blk");
			_exit(1);
		}
	}
	return now_ns() - start;
}

int main(int argc, char **argv)
{
	bool direct = argc > 3 && strcmp(argv[3], "direct") == 0;
	struct io_uring ring;
	struct stat st;
	int64_t best = INT64_MAX;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: native_blk read FILE [direct] | write-flush FILE\n");
		return 2;
	}
	fd = open(argv[2], O_RDWR | (direct ? O_DIRECT : 0));
	if (fd < 0 || fstat(fd, &st) < 0 || io_uring_queue_init(DEPTH * 2, &ring, 0) < 0) {
		perror("native_blk");
		return 1;
	}
	blocks = (uint64_t)st.st_size / BLOCK;
	for (int r = 0; r <= ROUNDS; r++) {
		int64_t t = strcmp(argv[1], "read") == 0 ? read_round(&ring, fd) / READS
							 : flush_round(fd) / FLUSHES;

		if (r > 0 && t < best)
			best = t;
	}
	printf("ns_per_op=%ld\n", (long)best);
	return 0;
}
