/*
 * The entropy device (virtio-rng, virtio 5.4): one queue of device-writable
 * buffers, each filled with random bytes read from the host's /dev/urandom
 * through io_uring.
 */
#include <stdio.h>
#include <unistd.h>
#include "devices.h"

#define RNG_QUEUE_SIZE 64

struct rng_read {
	struct device_io io;
	struct device_chain c;
	struct iovec iov[VIRTQ_SEGS_MAX];
	bool busy;
};

static struct {
	struct device *dev;
	int fd;
	struct rng_read reads[RNG_QUEUE_SIZE];
} rng;

static void rng_notify(struct device *d, void *state, unsigned q);

static void rng_read_done(struct io_token *token, long result)
{
	struct rng_read *r = (struct rng_read *)token;

	device_io_done(&r->io);
	r->busy = false;
	device_push(rng.dev, &r->c, result > 0 ? (uint32_t)result : 0);
	rng_notify(rng.dev, NULL, 0); /* chains may wait for a free read */
}

/* Fills every chain offered, as far as reads are free (the rest wait in the ring). */
static void rng_notify(struct device *d, void *state, unsigned q)
{
	(void)state;
	for (unsigned i = 0; i < RNG_QUEUE_SIZE; i++) {
		struct rng_read *r = &rng.reads[i];
		struct io_uring_sqe *sqe;
		int n;

		if (r->busy)
			continue;
		if (device_pop(d, q, &r->c) != 1)
			return;
		if ((n = device_writable_iov(&r->c.vc, 0, 0, r->iov)) == 0) {
			device_push(d, &r->c, 0);
			continue;
		}
		r->busy = true;
		sqe = device_io_sqe(&r->io);
		io_uring_prep_readv(sqe, rng.fd, r->iov, (unsigned)n, (uint64_t)-1);
		io_uring_submit(kick_ring);
	}
}

/* Reads in flight finish on their own; their chains belong to nobody now. */
static void rng_reset(struct device *d, void *state)
{
	(void)d;
	(void)state;
}

static const struct device_model rng_model = {
    .device_id = ARCHK_DEVICE_ID_ENTROPY,
    .queue_count = 1,
    .queue_size_max = RNG_QUEUE_SIZE,
    .notify = rng_notify,
    .reset = rng_reset,
};

int rng_device_open(const struct archk_boot_device *bd)
{
	if (bd->host_fd[0] < 0) {
		klog(LOG_WARN, "device %s: no /dev/urandom on the host: no entropy device",
		     bd->name);
		return 0;
	}
	rng.fd = (int)bd->host_fd[0];
	for (unsigned i = 0; i < RNG_QUEUE_SIZE; i++)
		rng.reads[i].io.token.complete = rng_read_done;
	rng.dev = device_create(bd->name, &rng_model, NULL, NULL, 0);
	return rng.dev ? 0 : ARCHK_ERR_NO_MEMORY;
}
