/*
 * The driver side of archk's devices (docs/drivers.md): opening a device,
 * DMA memory, split virtqueues, the doorbell and the interrupt. The drivers
 * in drivers/ use it, and so does any program that holds a device handle
 * and drives the device itself (Norost's fourth API level).
 *
 * A device reaches only memory the driver shares as VMOs: struct dma_area
 * is one VMO mapped read-write, from which queues and buffers are carved.
 */
#ifndef DRIVERS_LIB_VIRTIO_H
#define DRIVERS_LIB_VIRTIO_H

#include <stdbool.h>
#include <archk/device.h>
#include <archk/runtime.h>

/* DMA memory: a VMO mapped read-write, handed out from the bottom up. */
struct dma_area {
	archk_handle_t vmo;
	uint8_t *base;
	size_t size, used;
};

/* Creates and maps size bytes (rounded up to pages); 0 or an error code. */
long dma_area_init(struct dma_area *a, size_t size);
/* size bytes aligned to align (a power of two), zeroed; NULL when the area is used up. */
void *dma_alloc(struct dma_area *a, size_t size, size_t align);
/* Unmaps and closes the area. */
void dma_area_destroy(struct dma_area *a);

/* A device this program drives. */
struct vdev {
	archk_handle_t handle;
	struct archk_device_info info;
	uint64_t features; /* accepted */
};

/*
 * Becomes the driver of device h (device_start) asking for features; checks
 * that the device is the expected_id one. 0 or an error code (BAD_STATE:
 * another process drives it; WRONG_TYPE: another kind of device).
 */
long vdev_open(struct vdev *d, archk_handle_t h, uint32_t expected_id, uint64_t features);
/* Waits for the device's interrupt until deadline, then acknowledges it: the ISR bits. */
long vdev_wait(struct vdev *d, int64_t deadline);

/* A buffer of a chain: device-readable, or device-writable with write set. */
struct vbuf {
	void *addr; /* inside a dma_area */
	uint32_t len;
	bool write;
};

/* A split virtqueue in the driver's DMA memory. */
struct vq {
	unsigned index;
	uint16_t size;
	uint16_t free_head; /* first free descriptor; free ones are chained through next */
	uint16_t num_free;
	uint16_t last_used; /* the next used entry to read */
	uint16_t avail_idx; /* the driver's copy of avail->idx */
	struct archk_virtq_desc *desc;
	struct archk_virtq_avail *avail;
	struct archk_virtq_used *used;
	void **cookie; /* per head: what vq_add was given */
};

/* Sets up queue index with size entries (a power of two) in dma and tells the device. */
long vq_init(struct vdev *d, struct vq *q, unsigned index, unsigned size, struct dma_area *dma);
/*
 * Offers a chain of n buffers (readable ones first) with a cookie for
 * vq_get; it is visible to the device at once but the device looks only
 * after vq_kick. SHOULD_WAIT if the queue lacks free descriptors.
 */
long vq_add(struct vq *q, const struct vbuf *bufs, unsigned n, void *cookie);
/* Rings the queue's doorbell. */
long vq_kick(struct vdev *d, struct vq *q);
/* The next chain the device gave back (its cookie; *len bytes written), or NULL. */
void *vq_get(struct vq *q, uint32_t *len);
/* Asks the device not to interrupt for this queue (the driver polls it), or to again. */
void vq_interrupts(struct vq *q, bool on);

#endif
