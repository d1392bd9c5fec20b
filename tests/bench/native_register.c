/*
 * What registering guest memory as io_uring fixed buffers would cost: one
 * 64 MiB partition (2 MiB-aligned, THP-backed, untouched, as archk makes
 * them) registered and unregistered. Registration pins, and so populates,
 * every page; docs/performance.md explains why archk does not do it.
 * Prints ms_per_register=N.
 */
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

#define PARTITION (64ul << 20)
#define HUGE	  (2ul << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
	struct io_uring ring;
	uint8_t *raw, *part;
	struct iovec iov;
	double start, took;

	if (io_uring_queue_init(8, &ring, 0) < 0)
		return 1;
	raw = mmap(NULL, PARTITION + HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return 1;
	part = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	madvise(part, PARTITION, MADV_HUGEPAGE);
	iov.iov_base = part;
	iov.iov_len = PARTITION;
	start = now_ms();
	if (io_uring_register_buffers(&ring, &iov, 1) < 0)
		return 1;
	took = now_ms() - start;
	io_uring_unregister_buffers(&ring);
	printf("ms_per_register=%.1f\n", took);
	return 0;
}
