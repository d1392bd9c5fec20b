/*
 * A virtio-blk disk driven from this program: see blkdev.h. Each request
 * slot keeps its header and status byte in DMA memory; a chain is the
 * header, the data buffer and the status byte.
 */
#include "blkdev.h"

#define BLK_S_NOSPACE 3 /* archk's status for the host's ENOSPC */

struct blk_slot {
	struct archk_blk_req hdr;
	uint8_t status;
	int op;
	uint32_t len;
	bool clipped_to_nothing; /* a READ at the end: finishes with 0, never sent */
	void *cookie;
};

long blkdev_open(struct blkdev *b, archk_handle_t h, unsigned depth, size_t buffer_bytes)
{
	struct archk_blk_config config;
	long r;

	memset(b, 0, sizeof(*b));
	if ((r = vdev_open(&b->dev, h, ARCHK_DEVICE_ID_BLOCK, ARCHK_BLK_F_RO | ARCHK_BLK_F_FLUSH)) <
		0 ||
	    (r = archk_do_io(ARCHK_IO_READ, h, (long)&config, sizeof(config), 0, 0)) < 0)
		return r;
	b->size = config.capacity * ARCHK_BLK_SECTOR;
	b->read_only = b->dev.features & ARCHK_BLK_F_RO;
	b->depth = depth;
	/* three descriptors a request */
	if ((r = dma_area_init(&b->dma,
			       64 * 1024 + depth * sizeof(struct blk_slot) + buffer_bytes)) < 0 ||
	    (r = vq_init(&b->dev, &b->q, 0, b->dev.info.queue_size_max, &b->dma)) < 0)
		return r;
	b->slots = dma_alloc(&b->dma, depth * sizeof(struct blk_slot), 16);
	b->free_list = calloc(depth, sizeof(uint16_t));
	if (!b->slots || !b->free_list)
		return ARCHK_ERR_NO_MEMORY;
	for (unsigned i = 0; i < depth; i++)
		b->free_list[i] = (uint16_t)i;
	b->free_count = depth;
	return 0;
}

/* Page-aligned: a disk attached with `direct` reads and writes the host file with O_DIRECT. */
void *blkdev_buffer(struct blkdev *b, size_t len)
{
	return dma_alloc(&b->dma, len, 4096);
}

bool blkdev_can_submit(const struct blkdev *b)
{
	return b->free_count > 0 && b->q.num_free >= 3;
}

/* The device's status as a result. */
static long result_of(const struct blk_slot *s)
{
	switch (s->status) {
	case ARCHK_BLK_S_OK:
		return s->op == ARCHK_IO_SYNC ? 0 : (long)s->len;
	case ARCHK_BLK_S_UNSUPP:
		return ARCHK_ERR_NOT_SUPPORTED;
	case BLK_S_NOSPACE:
		return ARCHK_ERR_NO_SPACE;
	default:
		return ARCHK_ERR_IO;
	}
}

/* Checks a READ or WRITE against the disk; the bytes it moves (READ: clipped). */
static long check_range(const struct blkdev *b, int op, uint64_t offset, uint32_t len)
{
	if (offset % ARCHK_BLK_SECTOR || len % ARCHK_BLK_SECTOR)
		return ARCHK_ERR_INVALID_ARGS;
	if (op == ARCHK_IO_WRITE) {
		if (b->read_only)
			return ARCHK_ERR_READ_ONLY;
		return offset > b->size || len > b->size - offset ? ARCHK_ERR_NO_SPACE : (long)len;
	}
	if (offset >= b->size)
		return 0;
	return len < b->size - offset ? len : (long)(b->size - offset);
}

long blkdev_submit(struct blkdev *b, int op, uint64_t offset, void *buf, uint32_t len, void *cookie)
{
	struct vbuf v[3];
	struct blk_slot *s;
	unsigned n = 0;
	long bytes = 0;

	if (op != ARCHK_IO_SYNC && (bytes = check_range(b, op, offset, len)) < 0)
		return bytes;
	if (!blkdev_can_submit(b))
		return ARCHK_ERR_SHOULD_WAIT;
	s = &b->slots[b->free_list[--b->free_count]];
	s->op = op;
	s->len = (uint32_t)bytes;
	s->cookie = cookie;
	s->status = 0xff;
	s->hdr.type = op == ARCHK_IO_READ    ? ARCHK_BLK_T_IN
		      : op == ARCHK_IO_WRITE ? ARCHK_BLK_T_OUT
					     : ARCHK_BLK_T_FLUSH;
	s->hdr.sector = offset / ARCHK_BLK_SECTOR;
	s->clipped_to_nothing = op == ARCHK_IO_READ && bytes == 0;
	if (s->clipped_to_nothing) { /* nothing to ask the device: it finishes at the next reap */
		s->status = ARCHK_BLK_S_OK;
		b->clipped++;
		return 0;
	}
	v[n++] = (struct vbuf){&s->hdr, sizeof(s->hdr), false};
	if (op != ARCHK_IO_SYNC)
		v[n++] = (struct vbuf){buf, (uint32_t)bytes, op == ARCHK_IO_READ};
	v[n++] = (struct vbuf){&s->status, 1, true};
	b->unkicked = true;
	return vq_add(&b->q, v, n, s);
}

long blkdev_kick(struct blkdev *b)
{
	if (!b->unkicked)
		return 0;
	b->unkicked = false;
	return vq_kick(&b->dev, &b->q);
}

/* Gives slot s back and reports it. */
static int finish(struct blkdev *b, struct blk_slot *s, void **cookie, long *result)
{
	*cookie = s->cookie;
	*result = result_of(s);
	if (s->clipped_to_nothing)
		b->clipped--;
	s->clipped_to_nothing = false;
	b->free_list[b->free_count++] = (uint16_t)(s - b->slots);
	return 1;
}

int blkdev_reap(struct blkdev *b, void **cookie, long *result)
{
	struct blk_slot *s;

	for (unsigned i = 0; b->clipped && i < b->depth; i++)
		if (b->slots[i].clipped_to_nothing)
			return finish(b, &b->slots[i], cookie, result);
	if (!(s = vq_get(&b->q, NULL)))
		return 0;
	return finish(b, s, cookie, result);
}
