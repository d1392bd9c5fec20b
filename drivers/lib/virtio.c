/*
 * The driver side of archk's devices: see virtio.h. Index updates follow
 * virtio's memory ordering: descriptors and ring entries are written before
 * the index that publishes them (release), and the device's used index is
 * read before the entries it covers (acquire).
 */
#include "virtio.h"

#define PAGE 4096

long dma_area_init(struct dma_area *a, size_t size)
{
	long vmo, addr;

	size = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
	if ((vmo = archk_vmo_create(size)) < 0)
		return vmo;
	addr = archk_vmo_map((archk_handle_t)vmo, 0, size, ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	if (addr < 0) {
		archk_handle_close((archk_handle_t)vmo);
		return addr;
	}
	a->vmo = (archk_handle_t)vmo;
	a->base = (uint8_t *)addr;
	a->size = size;
	a->used = 0;
	return 0;
}

void *dma_alloc(struct dma_area *a, size_t size, size_t align)
{
	size_t start = (a->used + align - 1) & ~(align - 1);

	if (start > a->size || size > a->size - start)
		return NULL;
	/*
	 * Zeroed already: the VMO was, and nothing is handed out twice. Not
	 * touching it keeps pages the driver never uses out of its page tables,
	 * which isolation changes at every switch to and from the driver.
	 */
	a->used = start + size;
	return a->base + start;
}

void dma_area_destroy(struct dma_area *a)
{
	archk_vmo_unmap(a->base, a->size);
	archk_handle_close(a->vmo);
	a->base = NULL;
}

long vdev_open(struct vdev *d, archk_handle_t h, uint32_t expected_id, uint64_t features)
{
	long r;

	d->handle = h;
	if ((r = archk_syscall2(ARCHK_SYS_DEVICE_INFO, h, (long)&d->info)) < 0)
		return r;
	if (d->info.device_id != expected_id)
		return ARCHK_ERR_WRONG_TYPE;
	if ((r = archk_syscall2(ARCHK_SYS_DEVICE_START, h, (long)features)) < 0)
		return r;
	d->features = (uint64_t)r;
	return 0;
}

long vdev_wait(struct vdev *d, int64_t deadline)
{
	long r = archk_object_wait_one(d->handle, ARCHK_SIGNAL_INTERRUPT, deadline, NULL);

	return r < 0 ? r : archk_syscall1(ARCHK_SYS_DEVICE_ACK, d->handle);
}

long vq_init(struct vdev *d, struct vq *q, unsigned index, unsigned size, struct dma_area *dma)
{
	struct archk_virtq_setup setup = {.size = size};

	q->index = index;
	q->size = (uint16_t)size;
	q->desc = dma_alloc(dma, ARCHK_VIRTQ_DESC_BYTES(size), 16);
	q->avail = dma_alloc(dma, ARCHK_VIRTQ_AVAIL_BYTES(size), 2);
	q->used = dma_alloc(dma, ARCHK_VIRTQ_USED_BYTES(size), 4);
	q->cookie = calloc(size, sizeof(void *));
	if (!q->desc || !q->avail || !q->used || !q->cookie)
		return ARCHK_ERR_NO_MEMORY;
	for (unsigned i = 0; i + 1 < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_head = 0;
	q->num_free = (uint16_t)size;
	q->last_used = q->avail_idx = 0;
	setup.desc = (uintptr_t)q->desc;
	setup.avail = (uintptr_t)q->avail;
	setup.used = (uintptr_t)q->used;
	return archk_syscall3(ARCHK_SYS_DEVICE_QUEUE, d->handle, index, (long)&setup);
}

long vq_add(struct vq *q, const struct vbuf *bufs, unsigned n, void *cookie)
{
	uint16_t head = q->free_head, i = head;

	if (n == 0 || n > q->num_free)
		return ARCHK_ERR_SHOULD_WAIT;
	for (unsigned k = 0; k < n; k++) {
		struct archk_virtq_desc *d = &q->desc[i];

		d->addr = (uintptr_t)bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].write ? ARCHK_VIRTQ_DESC_F_WRITE : 0) |
				      (k + 1 < n ? ARCHK_VIRTQ_DESC_F_NEXT : 0));
		if (k + 1 < n)
			i = d->next;
	}
	q->free_head = q->desc[i].next;
	q->num_free = (uint16_t)(q->num_free - n);
	q->cookie[head] = cookie;
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	__atomic_store_n(&q->avail->idx, ++q->avail_idx, __ATOMIC_RELEASE);
	return 0;
}

long vq_kick(struct vdev *d, struct vq *q)
{
	return archk_syscall2(ARCHK_SYS_DEVICE_NOTIFY, d->handle, q->index);
}

/* Puts the chain at head back on the free list. */
static void free_chain(struct vq *q, uint16_t head)
{
	uint16_t i = head;

	q->num_free++;
	while (q->desc[i].flags & ARCHK_VIRTQ_DESC_F_NEXT) {
		i = q->desc[i].next;
		q->num_free++;
	}
	q->desc[i].next = q->free_head;
	q->free_head = head;
}

void *vq_get(struct vq *q, uint32_t *len)
{
	struct archk_virtq_used_elem e;
	void *cookie;

	if (__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) == q->last_used)
		return NULL;
	e = q->used->ring[q->last_used++ & (q->size - 1)];
	if (e.id >= q->size)
		return NULL; /* the device is archk: this does not happen */
	cookie = q->cookie[e.id];
	free_chain(q, (uint16_t)e.id);
	if (len)
		*len = e.len;
	return cookie;
}

void vq_interrupts(struct vq *q, bool on)
{
	__atomic_store_n(&q->avail->flags, on ? 0 : ARCHK_VIRTQ_AVAIL_F_NO_INTERRUPT,
			 __ATOMIC_RELEASE);
}
