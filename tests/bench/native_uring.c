/*
 * Baselines for the I/O queue benchmarks, on plain Linux with io_uring:
 *   native_uring nop               ring_nop: batches of 32 IORING_OP_NOP
 *                                  (submit 32, wait for 32, consume)
 *   native_uring nop-sqpoll        ring_nop_poll: the same on an SQPOLL ring,
 *                                  spinning on the completion queue
 *   native_uring read IMAGE PATH   ring_read_4k: batches of 32 4 KiB reads of
 *                                  the bytes of store file PATH inside IMAGE
 *   native_uring pread IMAGE PATH  do_io_read_4k: the same reads with pread
 * Same counts, offsets and checks as tests/bench/bench_io.c. Prints
 * "ns_per_op=N.NN" (best of ROUNDS rounds after a warm-up round).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH	     32
#define ROUNDS	     5
#define NOP_BATCHES  3000
#define READ_BATCHES 1000
#define PREADS	     20000
#define BLOCK	     4096

static uint64_t buffers[BATCH][BLOCK / 8] __attribute__((aligned(4096)));

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void print_per_op(long long best, long ops)
{
	printf("ns_per_op=%lld.%02lld\n", best / ops, best * 100 / ops % 100);
}

static uint64_t u64_at(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Finds store file path in the image (docs/image-format.md: header, package
 * table, manifests); its data range in *offset, *size. 0, or -1.
 */
static int find_file(int fd, const char *path, uint64_t *offset, uint64_t *size)
{
	unsigned char header[112], entry[176];
	size_t path_len = strlen(path);

	if (pread(fd, header, sizeof(header), 0) != sizeof(header) || memcmp(header, "ARCHKIMG", 8))
		return -1;
	for (uint32_t i = 0; i < u32_at(header + 12); i++) {
		if (pread(fd, entry, sizeof(entry), u64_at(header + 24) + i * 176ull) !=
		    sizeof(entry))
			return -1;
		uint64_t msize = u64_at(entry + 104);
		unsigned char *m = malloc(msize);

		if (!m || pread(fd, m, msize, u64_at(entry + 96)) != (ssize_t)msize) {
			free(m);
			return -1;
		}
		uint64_t at = 16 + u32_at(m + 8);
		for (uint32_t k = 0; k < u32_at(m + 12) && at + 56 <= msize; k++) {
			uint32_t len = u32_at(m + at + 20);

			if (len == path_len && at + 56 + len <= msize &&
			    memcmp(m + at + 56, path, len) == 0) {
				*offset = u64_at(m + at);
				*size = u64_at(m + at + 8);
				free(m);
				return 0;
			}
			at += 56 + len;
		}
		free(m);
	}
	return -1;
}

/* The block at file offset (relative to the store file) is the right one. */
static int block_ok(const uint64_t *b, uint64_t offset)
{
	return b[0] == offset && b[BLOCK / 8 - 1] == offset + BLOCK - 8;
}

/* Consumes n completions; for reads, checks each block against offsets[slot]. */
static int reap(struct io_uring *ring, int n, int polled, const uint64_t *offsets)
{
	struct io_uring_cqe *cqe;

	for (int got = 0; got < n;) {
		if (polled) {
			if (io_uring_peek_cqe(ring, &cqe) != 0) {
				__builtin_ia32_pause();
				continue;
			}
		} else if (io_uring_wait_cqe(ring, &cqe) < 0) {
			return 1;
		}
		uint64_t slot = cqe->user_data;
		int res = cqe->res;

		io_uring_cqe_seen(ring, cqe);
		got++;
		if (slot >= BATCH || (!offsets && res != 0) ||
		    (offsets && (res != BLOCK || !block_ok(buffers[slot], offsets[slot])))) {
			fprintf(stderr, "native_uring: bad completion %llu: %d\n",
				(unsigned long long)slot, res);
			return 1;
		}
	}
	return 0;
}

static int bench_nop(int polled)
{
	struct io_uring_params params = {0};
	struct io_uring ring;
	long long best = -1;
	int err;

	if (polled) {
		params.flags = IORING_SETUP_SQPOLL;
		params.sq_thread_idle = 10; /* ms, like an archk polled queue */
	}
	if ((err = io_uring_queue_init_params(BATCH, &ring, &params)) < 0) {
		fprintf(stderr, "native_uring: io_uring_queue_init: %s\n", strerror(-err));
		return 1;
	}
	for (int r = 0; r < ROUNDS + 1; r++) {
		long long start = now_ns();

		for (int b = 0; b < NOP_BATCHES; b++) {
			for (int i = 0; i < BATCH; i++) {
				struct io_uring_sqe *sqe;

				/* SQPOLL: the kernel thread may not have released the slots yet */
				while (!(sqe = io_uring_get_sqe(&ring)))
					__builtin_ia32_pause();
				io_uring_prep_nop(sqe);
				sqe->user_data = (uint64_t)i;
			}
			err = polled ? io_uring_submit(&ring)
				     : io_uring_submit_and_wait(&ring, BATCH);
			if (err != BATCH || reap(&ring, BATCH, polled, NULL))
				return 1;
		}
		long long ns = now_ns() - start;
		if (r > 0 && (best < 0 || ns < best))
			best = ns;
	}
	print_per_op(best, (long)NOP_BATCHES * BATCH);
	io_uring_queue_exit(&ring);
	return 0;
}

static int bench_read(int fd, uint64_t base, uint64_t blocks)
{
	struct io_uring ring;
	uint64_t offsets[BATCH], n = 0;
	long long best = -1;
	int err;

	if ((err = io_uring_queue_init(BATCH, &ring, 0)) < 0) {
		fprintf(stderr, "native_uring: io_uring_queue_init: %s\n", strerror(-err));
		return 1;
	}
	for (int r = 0; r < ROUNDS + 1; r++) {
		long long start = now_ns();

		for (int b = 0; b < READ_BATCHES; b++) {
			for (int i = 0; i < BATCH; i++, n++) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

				offsets[i] = n % blocks * BLOCK;
				io_uring_prep_read(sqe, fd, buffers[i], BLOCK, base + offsets[i]);
				sqe->user_data = (uint64_t)i;
			}
			if (io_uring_submit_and_wait(&ring, BATCH) != BATCH ||
			    reap(&ring, BATCH, 0, offsets))
				return 1;
		}
		long long ns = now_ns() - start;
		if (r > 0 && (best < 0 || ns < best))
			best = ns;
	}
	print_per_op(best, (long)READ_BATCHES * BATCH);
	io_uring_queue_exit(&ring);
	return 0;
}

static int bench_pread(int fd, uint64_t base, uint64_t blocks)
{
	uint64_t n = 0;
	long long best = -1;

	for (int r = 0; r < ROUNDS + 1; r++) {
		long long start = now_ns();

		for (int i = 0; i < PREADS; i++, n++) {
			uint64_t offset = n % blocks * BLOCK;

			if (pread(fd, buffers[0], BLOCK, base + offset) != BLOCK ||
			    !block_ok(buffers[0], offset)) {
				fprintf(stderr, "native_uring: bad pread at %llu\n",
					(unsigned long long)offset);
				return 1;
			}
		}
		long long ns = now_ns() - start;
		if (r > 0 && (best < 0 || ns < best))
			best = ns;
	}
	print_per_op(best, PREADS);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t base, size;
	int fd;

	if (argc == 2 && strcmp(argv[1], "nop") == 0)
		return bench_nop(0);
	if (argc == 2 && strcmp(argv[1], "nop-sqpoll") == 0)
		return bench_nop(1);
	if (argc != 4 || (strcmp(argv[1], "read") && strcmp(argv[1], "pread"))) {
		fprintf(stderr,
			"usage: native_uring nop|nop-sqpoll|read IMAGE PATH|pread IMAGE PATH\n");
		return 2;
	}
	if ((fd = open(argv[2], O_RDONLY)) < 0 || find_file(fd, argv[3], &base, &size) < 0 ||
	    size < BLOCK) {
		fprintf(stderr, "native_uring: no file %s of at least %d bytes in %s\n", argv[3],
			BLOCK, argv[2]);
		return 1;
	}
	return argv[1][0] == 'r' ? bench_read(fd, base, size / BLOCK)
				 : bench_pread(fd, base, size / BLOCK);
}
