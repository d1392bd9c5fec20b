/*
 * Split virtqueues, the device side: see virtq.h. The driver may change its
 * memory at any moment (another vCPU runs it), so indices are read once
 * with acquire loads, descriptors are copied before they are looked at, and
 * nothing read is trusted without a check.
 */
#include <string.h>
#include "kernel.h"
#include "object.h"
#include "virtq.h"

static bool power_of_two(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* Translates one part of the queue; its reference goes to q->refs[i]. */
static void *map_part(struct virtq *q, int i, uint64_t addr, uint64_t len, bool write)
{
	return q->dma(q->dma_ctx, addr, len, write, &q->refs[i]);
}

long virtq_setup(struct virtq *q, const struct archk_virtq_setup *setup, uint32_t size_max,
		 virtq_dma_fn dma, void *ctx)
{
	uint32_t size = setup->size;

	virtq_teardown(q);
	if (size == 0)
		return 0;
	if (!power_of_two(size) || size > size_max || size > 32768 || setup->reserved)
		return ARCHK_ERR_INVALID_ARGS;
	/* virtio's alignments: the device reads these with aligned loads */
	if (setup->desc % 16 || setup->avail % 2 || setup->used % 4)
		return ARCHK_ERR_INVALID_ARGS;
	q->dma = dma;
	q->dma_ctx = ctx;
	q->desc = map_part(q, 0, setup->desc, ARCHK_VIRTQ_DESC_BYTES(size), false);
	q->avail = map_part(q, 1, setup->avail, ARCHK_VIRTQ_AVAIL_BYTES(size), false);
	q->used = map_part(q, 2, setup->used, ARCHK_VIRTQ_USED_BYTES(size), true);
	if (!q->desc || !q->avail || !q->used) {
		virtq_teardown(q);
		return ARCHK_ERR_BAD_ADDRESS;
	}
	q->size = (uint16_t)size;
	/* The device starts where the driver's rings say, as after a virtio reset (both 0). */
	q->last_avail = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	q->used_idx = q->last_avail;
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
	return 0;
}

void virtq_teardown(struct virtq *q)
{
	for (int i = 0; i < 3; i++)
		if (q->refs[i])
			object_unref(q->refs[i]);
	memset(q, 0, sizeof(*q));
}

/* Breaks q: the driver fed it something no device could accept. */
static int break_queue(struct virtq *q, struct virtq_chain *c)
{
	virtq_chain_release(c);
	q->broken = true;
	return -1;
}

/*
 * Follows the chain from head: at most size buffers (more means a loop),
 * readable ones first, each translated, byte counts that do not overflow.
 */
static int walk_chain(struct virtq *q, uint16_t head, struct virtq_chain *c)
{
	uint16_t i = head;

	/* Only the first count buffers mean anything: no wipe of all VIRTQ_SEGS_MAX. */
	c->head = head;
	c->count = c->readable = 0;
	c->out_bytes = c->in_bytes = 0;
	for (uint32_t steps = 0;; steps++) {
		struct archk_virtq_desc d;
		bool write;
		struct virtq_seg *s;

		if (i >= q->size || steps >= q->size || c->count == VIRTQ_SEGS_MAX)
			return break_queue(q, c);
		memcpy(&d, &q->desc[i], sizeof(d)); /* a copy: the driver may rewrite it */
		write = d.flags & ARCHK_VIRTQ_DESC_F_WRITE;
		if ((d.flags & ARCHK_VIRTQ_DESC_F_INDIRECT) || (!write && c->count > c->readable))
			return break_queue(q, c);
		s = &c->seg[c->count];
		s->ptr = NULL;
		s->len = d.len;
		s->write = write;
		c->refs[c->count] = NULL;
		if (d.len &&
		    !(s->ptr = q->dma(q->dma_ctx, d.addr, d.len, write, &c->refs[c->count])))
			return break_queue(q, c);
		c->count++;
		if (write) {
			if (c->in_bytes + d.len < c->in_bytes)
				return break_queue(q, c);
			c->in_bytes += d.len;
		} else {
			if (c->out_bytes + d.len < c->out_bytes)
				return break_queue(q, c);
			c->out_bytes += d.len;
			c->readable++;
		}
		if (!(d.flags & ARCHK_VIRTQ_DESC_F_NEXT))
			return 1;
		i = d.next;
	}
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	uint16_t avail_idx, head;

	if (q->broken)
		return -1;
	if (!q->size)
		return 0;
	avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail)
		return 0;
	/* More entries than the ring holds, counting what the device still has: corrupt. */
	if ((uint16_t)(avail_idx - q->last_avail) + q->in_flight > q->size) {
		memset(c, 0, sizeof(*c));
		return break_queue(q, c);
	}
	head = __atomic_load_n(&q->avail->ring[q->last_avail & (q->size - 1)], __ATOMIC_RELAXED);
	q->last_avail++;
	if (walk_chain(q, head, c) < 0)
		return -1;
	q->in_flight++;
	return 1;
}

bool virtq_push(struct virtq *q, const struct virtq_chain *c, uint32_t written)
{
	struct archk_virtq_used_elem *e;

	if (!q->size || q->broken || q->in_flight == 0)
		return false;
	e = &q->used->ring[q->used_idx & (q->size - 1)];
	e->id = c->head;
	e->len = written < c->in_bytes ? written : c->in_bytes;
	q->in_flight--;
	__atomic_store_n(&q->used->idx, ++q->used_idx, __ATOMIC_RELEASE);
	return !(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED) &
		 ARCHK_VIRTQ_AVAIL_F_NO_INTERRUPT);
}

void virtq_chain_release(struct virtq_chain *c)
{
	for (unsigned i = 0; i < c->count && i < VIRTQ_SEGS_MAX; i++) {
		if (c->refs[i])
			object_unref(c->refs[i]);
		c->refs[i] = NULL;
	}
}

/* Copies between c's buffers of one direction and flat memory, from offset on. */
static uint32_t chain_copy(const struct virtq_chain *c, bool write, uint32_t offset, void *flat,
			   uint32_t len)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < c->count && done < len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint32_t n;

		if (s->write != write)
			continue;
		if (offset >= s->len) {
			offset -= s->len;
			continue;
		}
		n = s->len - offset < len - done ? s->len - offset : len - done;
		if (write)
			memcpy(s->ptr + offset, (uint8_t *)flat + done, n);
		else
			memcpy((uint8_t *)flat + done, s->ptr + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}

uint32_t virtq_chain_read(const struct virtq_chain *c, uint32_t offset, void *dst, uint32_t len)
{
	return chain_copy(c, false, offset, dst, len);
}

uint32_t virtq_chain_write(const struct virtq_chain *c, uint32_t offset, const void *src,
			   uint32_t len)
{
	return chain_copy(c, true, offset, (void *)src, len);
}
