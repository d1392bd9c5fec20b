/*
 * A virtio-blk disk driven from this program (drivers/lib/blkdev.c): the
 * block driver's device side, and what a program uses to drive a disk
 * itself with no driver process in between (Norost's integrated level).
 *
 * Requests use byte offsets and lengths that are multiples of 512; each
 * data buffer must lie in the disk's DMA memory (blkdev_buffer). Up to
 * depth requests are in flight; each finishes with a result as do_io's:
 * bytes read or written, 0 for a SYNC, or an ARCHK_ERR_* code.
 */
#ifndef DRIVERS_LIB_BLKDEV_H
#define DRIVERS_LIB_BLKDEV_H

#include "virtio.h"

struct blk_slot;

struct blkdev {
	struct vdev dev;
	struct vq q;
	struct dma_area dma;
	uint64_t size; /* bytes */
	bool read_only;
	unsigned depth;
	struct blk_slot *slots; /* in DMA memory: headers and status bytes */
	unsigned free_count;
	uint16_t *free_list;
	bool unkicked;	  /* requests were submitted since the last doorbell */
	unsigned clipped; /* READs at the end, finished without the device, not yet reaped */
};

/*
 * Drives the disk device h with up to depth requests in flight and
 * buffer_bytes of DMA memory for data buffers. 0 or an error code.
 */
long blkdev_open(struct blkdev *b, archk_handle_t h, unsigned depth, size_t buffer_bytes);
/* A data buffer of len bytes (a multiple of 512) in DMA memory, or NULL. */
void *blkdev_buffer(struct blkdev *b, size_t len);
/* Is there room for another request? */
bool blkdev_can_submit(const struct blkdev *b);
/*
 * Starts READ, WRITE (ARCHK_IO_*) of len bytes at offset with buf, or SYNC.
 * Refused at once: INVALID_ARGS (alignment), READ_ONLY (a write to a
 * read-only disk), NO_SPACE (a write past the end), SHOULD_WAIT (full).
 * A READ past the end is clipped (0 bytes at the end: it finishes at once
 * with 0, through blkdev_reap like every other request).
 */
long blkdev_submit(struct blkdev *b, int op, uint64_t offset, void *buf, uint32_t len,
		   void *cookie);
/* Rings the doorbell if requests were submitted since the last kick. */
long blkdev_kick(struct blkdev *b);
/* A finished request: 1 with its cookie and result, or 0 if none has finished. */
int blkdev_reap(struct blkdev *b, void **cookie, long *result);

#endif
