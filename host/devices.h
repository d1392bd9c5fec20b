/*
 * The host side of simulated devices: one model per file (dev_*.c), each
 * opened from its boot-info entry by hook_device_open (devices.c). Models
 * run under the kernel lock, take their queues' chains with device_pop and
 * give them back with device_push (kernel/device.h); their host I/O goes
 * through the calling vCPU's io_uring and completes through
 * kernel_io_done, never blocking a vCPU.
 */
#ifndef HOST_DEVICES_H
#define HOST_DEVICES_H

#include <sys/uio.h>
#include "../kernel/device.h"
#include "host.h"

/* A model's opener: creates its state and its device. 0, or an ARCHK_ERR_* code. */
int console_device_open(const struct archk_boot_device *bd);
int rng_device_open(const struct archk_boot_device *bd);
int clock_device_open(const struct archk_boot_device *bd);
int blk_device_open(const struct archk_boot_device *bd);
int share_device_open(const struct archk_boot_device *bd);
int socket_device_open(const struct archk_boot_device *bd);

/*
 * Host I/O of a device in flight: the token the completion comes back
 * with, and the vCPU whose ring it is on (sched_host_io_begin).
 */
struct device_io {
	struct io_token token;
	struct vcpu *vcpu;
};

/*
 * A free submission slot of the calling vCPU's ring, with io counted as in
 * flight there; the host sees it at the next device_io_submit.
 */
struct io_uring_sqe *device_io_sqe(struct device_io *io);
/* Submits what device_io_sqe prepared on the calling vCPU's ring (one host call for all). */
void device_io_submit(void);
/* io's completion has come: no longer in flight. */
void device_io_done(struct device_io *io);
/* The writable buffers of c, as many as fit, skipping skip bytes and leaving out the last
 * keep_last bytes (a status byte); returns the number of iovecs. */
int device_writable_iov(const struct virtq_chain *c, uint32_t skip, uint32_t keep_last,
			struct iovec *iov);
/* The readable buffers of c after skip bytes (a header). */
int device_readable_iov(const struct virtq_chain *c, uint32_t skip, struct iovec *iov);

#endif
