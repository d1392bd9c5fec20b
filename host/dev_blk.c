/*
 * The block device (virtio-blk, virtio 5.2) on a host image file.
 *
 * Each chain is a request: a readable header (struct archk_blk_req), data
 * buffers (readable for OUT, writable for IN and GET_ID) and a last
 * writable byte for the status. IN and OUT become one read or write (readv
 * or writev for several buffers) on the vCPU's io_uring at the sector's byte
 * offset, all those of one doorbell submitted together; FLUSH waits until every
 * write taken before it has completed, then syncs the file (fdatasync
 * through io_uring), so a FLUSH's completion means everything written before
 * it is on the host's disk. A request that reaches past the capacity, or
 * any request without room for its status, completes with IOERR; a write to
 * a read-only disk with IOERR; the host's ENOSPC with archk's NOSPACE status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "devices.h"

#define BLK_QUEUE_SIZE 128
#define BLK_S_NOSPACE  3 /* archk: the host file system is full (virtio has IOERR only) */

struct blk_request {
	struct device_io io;
	struct device_chain c;
	struct blk_disk *disk;
	struct iovec iov[VIRTQ_SEGS_MAX];
	uint32_t type;
	uint32_t data_bytes; /* what a successful IN writes into the chain */
	uint64_t write_seq;  /* OUT: its place among writes; FLUSH: the writes it waits for */
	bool busy, waiting;  /* waiting: a FLUSH for earlier writes */
};

struct blk_disk {
	struct device *dev;
	struct device_model model; /* its features say whether the disk is read-only */
	int fd;
	bool read_only;
	uint64_t capacity; /* sectors */
	uint64_t next_write_seq;
	bool starved; /* the last doorbell found every record busy: chains may wait */
	char id[ARCHK_BLK_ID_BYTES];
	struct archk_blk_config config;
	struct blk_request requests[BLK_QUEUE_SIZE];
};

static void blk_notify(struct device *d, void *state, unsigned q);

/* The status byte is the last writable byte of the chain. */
static void finish(struct blk_disk *disk, struct blk_request *r, uint8_t status, uint32_t data)
{
	virtq_chain_write(&r->c.vc, r->c.vc.in_bytes - 1, &status, 1);
	r->busy = false;
	device_push(disk->dev, &r->c, data + 1);
}

/* Is a write taken before seq still in flight? */
static bool earlier_write_in_flight(const struct blk_disk *disk, uint64_t seq)
{
	for (unsigned i = 0; i < BLK_QUEUE_SIZE; i++) {
		const struct blk_request *r = &disk->requests[i];

		if (r->busy && r->type == ARCHK_BLK_T_OUT && r->write_seq < seq)
			return true;
	}
	return false;
}

static void submit_flush(struct blk_request *r)
{
	struct io_uring_sqe *sqe = device_io_sqe(&r->io);

	r->waiting = false;
	io_uring_prep_fsync(sqe, r->disk->fd, IORING_FSYNC_DATASYNC);
}

/* A write completed: FLUSHes waiting for it may go now. */
static void start_ready_flushes(struct blk_disk *disk)
{
	for (unsigned i = 0; i < BLK_QUEUE_SIZE; i++) {
		struct blk_request *r = &disk->requests[i];

		if (r->busy && r->waiting && !earlier_write_in_flight(disk, r->write_seq))
			submit_flush(r);
	}
}

static uint8_t status_of(long result)
{
	return result == ARCHK_ERR_NO_SPACE ? BLK_S_NOSPACE : ARCHK_BLK_S_IOERR;
}

static void blk_done(struct io_token *token, long result)
{
	struct blk_request *r = (struct blk_request *)token;
	struct blk_disk *disk = r->disk;
	bool ok =
	    result >= 0 && (r->type == ARCHK_BLK_T_FLUSH || (uint64_t)result == r->data_bytes);

	device_io_done(&r->io);
	finish(disk, r, ok ? ARCHK_BLK_S_OK : status_of(result),
	       ok && r->type == ARCHK_BLK_T_IN ? r->data_bytes : 0);
	if (r->type == ARCHK_BLK_T_OUT)
		start_ready_flushes(disk);
	if (disk->starved)
		blk_notify(disk->dev, disk, 0); /* chains wait for a free record */
	else
		device_io_submit(); /* FLUSHes the write let go */
}

/* Checks the data range of an IN or OUT; the byte count, or 0 if it is bad. */
static uint32_t data_range(const struct blk_disk *disk, const struct archk_blk_req *h,
			   uint32_t bytes)
{
	uint64_t sectors = bytes / ARCHK_BLK_SECTOR;

	if (bytes == 0 || bytes % ARCHK_BLK_SECTOR || h->sector > disk->capacity ||
	    sectors > disk->capacity - h->sector)
		return 0;
	return bytes;
}

/*
 * An IN (read) or OUT of the n buffers iov at offset. One buffer, the usual
 * case, is a plain read or write: the host copies no iovec array for it.
 */
static void prep_data_io(struct io_uring_sqe *sqe, int fd, bool in, const struct iovec *iov,
			 unsigned n, uint64_t offset)
{
	if (n == 1 && in)
		io_uring_prep_read(sqe, fd, iov[0].iov_base, (unsigned)iov[0].iov_len, offset);
	else if (n == 1)
		io_uring_prep_write(sqe, fd, iov[0].iov_base, (unsigned)iov[0].iov_len, offset);
	else if (in)
		io_uring_prep_readv(sqe, fd, iov, n, offset);
	else
		io_uring_prep_writev(sqe, fd, iov, n, offset);
}

/* Starts request r, whose chain is taken; it finishes now or when its host I/O does. */
static void start(struct blk_disk *disk, struct blk_request *r)
{
	const struct virtq_chain *c = &r->c.vc;
	struct archk_blk_req h;
	int n;

	if (c->in_bytes == 0) { /* no room for a status: nothing to answer with */
		r->busy = false;
		device_push(disk->dev, &r->c, 0);
		return;
	}
	if (virtq_chain_read(c, 0, &h, sizeof(h)) != sizeof(h)) {
		finish(disk, r, ARCHK_BLK_S_IOERR, 0);
		return;
	}
	r->type = h.type;
	switch (h.type) {
	case ARCHK_BLK_T_IN:
		r->data_bytes = data_range(disk, &h, c->in_bytes - 1);
		n = device_writable_iov(c, 0, 1, r->iov);
		break;
	case ARCHK_BLK_T_OUT:
		r->data_bytes =
		    disk->read_only ? 0 : data_range(disk, &h, c->out_bytes - sizeof(h));
		n = device_readable_iov(c, sizeof(h), r->iov);
		r->write_seq = disk->next_write_seq++;
		break;
	case ARCHK_BLK_T_FLUSH:
		r->write_seq = disk->next_write_seq;
		if (earlier_write_in_flight(disk, r->write_seq))
			r->waiting = true;
		else
			submit_flush(r);
		return;
	case ARCHK_BLK_T_GET_ID:
		finish(disk, r, ARCHK_BLK_S_OK,
		       virtq_chain_write(c, 0, disk->id, sizeof(disk->id)));
		return;
	default:
		finish(disk, r, ARCHK_BLK_S_UNSUPP, 0);
		return;
	}
	if (r->data_bytes == 0) {
		finish(disk, r, ARCHK_BLK_S_IOERR, 0);
		return;
	}
	prep_data_io(device_io_sqe(&r->io), disk->fd, h.type == ARCHK_BLK_T_IN, r->iov, (unsigned)n,
		     h.sector * ARCHK_BLK_SECTOR);
}

/*
 * Takes every chain offered while records are free (the rest wait in the
 * ring, and a completion takes them: starved), then submits their host
 * I/O, and any FLUSH made ready before, in one io_uring_enter.
 */
static void blk_notify(struct device *d, void *state, unsigned q)
{
	struct blk_disk *disk = state;

	disk->starved = true;
	for (unsigned i = 0; i < BLK_QUEUE_SIZE; i++) {
		struct blk_request *r = &disk->requests[i];

		if (r->busy)
			continue;
		if (device_pop(d, q, &r->c) != 1) {
			disk->starved = false;
			break;
		}
		r->busy = true;
		r->waiting = false;
		start(disk, r);
	}
	device_io_submit();
}

/*
 * Requests with host I/O in flight finish on their own and find their
 * chains stale; those that only waited (FLUSHes) are dropped now.
 */
static void blk_reset(struct device *d, void *state)
{
	struct blk_disk *disk = state;

	(void)d;
	for (unsigned i = 0; i < BLK_QUEUE_SIZE; i++) {
		struct blk_request *r = &disk->requests[i];

		if (r->busy && r->waiting) {
			r->busy = r->waiting = false;
			virtq_chain_release(&r->c.vc);
		}
	}
}

int blk_device_open(const struct archk_boot_device *bd)
{
	struct blk_disk *disk = calloc(1, sizeof(*disk));

	if (!disk)
		return ARCHK_ERR_NO_MEMORY;
	disk->fd = (int)bd->host_fd[0];
	disk->read_only = bd->flags & ARCHK_BOOT_DEVICE_RO;
	disk->model = (struct device_model){
	    .device_id = ARCHK_DEVICE_ID_BLOCK,
	    .queue_count = 1,
	    .queue_size_max = BLK_QUEUE_SIZE,
	    .features = ARCHK_BLK_F_FLUSH | (disk->read_only ? ARCHK_BLK_F_RO : 0),
	    .notify = blk_notify,
	    .reset = blk_reset,
	};
	disk->capacity = bd->size / ARCHK_BLK_SECTOR;
	disk->config.capacity = disk->capacity;
	/* The serial number GET_ID gives: the bus name, unterminated if it takes all 20 bytes. */
	memcpy(disk->id, bd->name, strnlen(bd->name, sizeof(bd->name)));
	for (unsigned i = 0; i < BLK_QUEUE_SIZE; i++) {
		disk->requests[i].io.token.complete = blk_done;
		disk->requests[i].disk = disk;
	}
	disk->dev =
	    device_create(bd->name, &disk->model, disk, &disk->config, sizeof(disk->config));
	return disk->dev ? 0 : ARCHK_ERR_NO_MEMORY;
}
