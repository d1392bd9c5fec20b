/*
 * Split virtqueues, the device side (virtio 1.x, 2.7), over memory the
 * driver owns: the device reads the available ring and descriptors, and
 * writes the used ring, through translated pointers. Everything the driver
 * wrote is checked on every use and copied before it is trusted: a bad
 * index, a descriptor outside the driver's memory, a loop or a length that
 * overflows breaks the queue (virtq_pop says so), never archk. Portable
 * logic, unit-tested in tests/unit/test_virtq.c.
 */
#ifndef KERNEL_VIRTQ_H
#define KERNEL_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <archk/device.h>

struct object;

/* Buffers one chain may have; a longer chain breaks the queue. */
#define VIRTQ_SEGS_MAX 16

/*
 * Translates [addr, addr+len) of the driver's memory to a pointer the
 * kernel may use for as long as it holds *ref (a reference the function
 * takes, or NULL when none is needed), or NULL if that memory is not the
 * driver's DMA memory with the access (write: the device writes it).
 */
typedef void *(*virtq_dma_fn)(void *ctx, uint64_t addr, uint64_t len, bool write,
			      struct object **ref);

struct virtq {
	uint16_t size; /* entries; 0: the queue is off */
	bool broken;
	uint16_t last_avail; /* the next available entry the device takes */
	uint16_t used_idx;   /* the device's copy of used->idx */
	uint32_t in_flight;  /* chains taken and not yet given back */
	struct archk_virtq_desc *desc;
	struct archk_virtq_avail *avail;
	struct archk_virtq_used *used;
	struct object *refs[3]; /* what keeps the three parts' memory (may be NULL) */
	virtq_dma_fn dma;
	void *dma_ctx;
};

/* One buffer of a chain, translated. */
struct virtq_seg {
	uint8_t *ptr;
	uint32_t len;
	bool write; /* device-writable */
};

/* A chain taken from the available ring: its first count buffers, readable ones first. */
struct virtq_chain {
	uint16_t head;
	uint16_t count;	    /* buffers in seg */
	uint16_t readable;  /* the first readable buffers (the rest are writable) */
	uint32_t out_bytes; /* bytes the device may read */
	uint32_t in_bytes;  /* bytes the device may write */
	struct virtq_seg seg[VIRTQ_SEGS_MAX];
	struct object *refs[VIRTQ_SEGS_MAX]; /* one per buffer, NULL if none (or released) */
};

/*
 * Sets q up from the driver's setup; 0, or INVALID_ARGS (size) or
 * BAD_ADDRESS (a part is not the driver's DMA memory). On failure q is off.
 */
long virtq_setup(struct virtq *q, const struct archk_virtq_setup *setup, uint32_t size_max,
		 virtq_dma_fn dma, void *ctx);
/* Turns q off and drops what it holds (chains in flight keep their own references). */
void virtq_teardown(struct virtq *q);
/* Takes the next available chain: 1, 0 if there is none, -1 if q is now broken. */
int virtq_pop(struct virtq *q, struct virtq_chain *c);
/* Gives chain c back with written bytes; true if the driver wants an interrupt for it. */
bool virtq_push(struct virtq *q, const struct virtq_chain *c, uint32_t written);
/* Drops the references of a chain (after virtq_push, or when it is thrown away). */
void virtq_chain_release(struct virtq_chain *c);
/* Copies up to len bytes of c's readable buffers, from offset on; the bytes copied. */
uint32_t virtq_chain_read(const struct virtq_chain *c, uint32_t offset, void *dst, uint32_t len);
/* Copies up to len bytes into c's writable buffers, from offset on; the bytes copied. */
uint32_t virtq_chain_write(const struct virtq_chain *c, uint32_t offset, const void *src,
			   uint32_t len);

#endif
