/*
 * Opening the device models the boot info lists (hook_device_open), and
 * what the models share: host I/O on the calling vCPU's ring and the
 * translation of a chain's buffers into iovecs.
 */
#include <stdio.h>
#include "devices.h"

int hook_device_open(const struct archk_boot_device *bd)
{
	switch (bd->kind) {
	case ARCHK_DEVICE_CONSOLE:
		return console_device_open(bd);
	case ARCHK_DEVICE_ENTROPY:
		return rng_device_open(bd);
	case ARCHK_DEVICE_CLOCK:
		return clock_device_open(bd);
	case ARCHK_DEVICE_BLOCK:
		return blk_device_open(bd);
	case ARCHK_DEVICE_SHARE:
		return share_device_open(bd);
	case ARCHK_DEVICE_SOCKET:
		return socket_device_open(bd);
	default:
		klog(LOG_ERROR, "device %s: unknown kind %u", bd->name, bd->kind);
		return ARCHK_ERR_NOT_SUPPORTED;
	}
}

struct io_uring_sqe *device_io_sqe(struct device_io *io)
{
	struct io_uring_sqe *sqe;

	io->vcpu = sched_host_io_begin();
	sqe = ring_get_sqe(kick_ring);
	io_uring_sqe_set_data(sqe, &io->token);
	return sqe;
}

void device_io_submit(void)
{
	if (io_uring_sq_ready(kick_ring))
		io_uring_submit(kick_ring);
}

void device_io_done(struct device_io *io)
{
	sched_host_io_end(io->vcpu);
}

/* The buffers of c in one direction, as iovecs, from skip bytes on, up to end bytes. */
static int chain_iov(const struct virtq_chain *c, bool write, uint32_t skip, uint32_t end,
		     struct iovec *iov)
{
	uint32_t pos = 0;
	int n = 0;

	for (unsigned i = 0; i < c->count; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint32_t from, to;

		if (s->write != write)
			continue;
		from = skip > pos ? skip - pos : 0;
		to = end > pos ? (end - pos < s->len ? end - pos : s->len) : 0;
		if (from < to)
			iov[n++] = (struct iovec){s->ptr + from, to - from};
		pos += s->len;
	}
	return n;
}

int device_writable_iov(const struct virtq_chain *c, uint32_t skip, uint32_t keep_last,
			struct iovec *iov)
{
	return chain_iov(c, true, skip, c->in_bytes - keep_last, iov);
}

int device_readable_iov(const struct virtq_chain *c, uint32_t skip, struct iovec *iov)
{
	return chain_iov(c, false, skip, c->out_bytes, iov);
}
