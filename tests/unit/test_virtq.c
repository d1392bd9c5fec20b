/*
 * Split virtqueues on both sides: the driver's (drivers/lib/virtio.c) adds
 * chains and collects them, the device's (kernel/virtq.c) takes them, checks
 * them and gives them back. The device side is fed corrupted rings of every
 * kind it must refuse; each breaks the queue and nothing else. The driver's
 * system calls are faked here: DMA memory is plain host memory, and every
 * address is "DMA memory" except one page the tests reserve as outside it.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "object.h"
#include "virtq.h"
#include "lib/virtio.h"

#define SIZE 8

static uint8_t memory[1 << 16] __attribute__((aligned(4096)));
static uint8_t outside[4096] __attribute__((aligned(4096))); /* never DMA memory */
static struct archk_virtq_setup told;			     /* what vq_init told */

/* ---- the driver library's system calls, faked ---- */
long archk_vmo_create(uint64_t size)
{
	return size <= sizeof(memory) ? 1 : ARCHK_ERR_NO_MEMORY;
}
long archk_vmo_map(archk_handle_t h, uint64_t offset, size_t len, uint32_t prot)
{
	return (long)memory;
}
long archk_vmo_unmap(void *addr, size_t len)
{
	return 0;
}
long archk_handle_close(archk_handle_t h)
{
	return 0;
}
long archk_object_wait_one(archk_handle_t h, uint32_t signals, int64_t deadline, uint32_t *observed)
{
	return 0;
}
long archk_syscall1(long nr, long a0)
{
	return 0;
}
long archk_syscall2(long nr, long a0, long a1)
{
	return 0;
}
long archk_syscall3(long nr, long a0, long a1, long a2)
{
	if (nr == ARCHK_SYS_DEVICE_QUEUE)
		told = *(const struct archk_virtq_setup *)a2;
	return 0;
}

/* ---- the device side's view of the driver's memory ---- */
static void *fake_dma(void *ctx, uint64_t addr, uint64_t len, bool write, struct object **ref)
{
	uint8_t *p = (uint8_t *)addr;

	*ref = NULL;
	if (addr + len < addr || p < memory || p + len > memory + sizeof(memory))
		return NULL;
	return p;
}

static struct vdev dev;
static struct dma_area dma;
static struct vq drv;	  /* the driver's side */
static struct virtq devq; /* the device's side */

static void setup(void)
{
	memset(&devq, 0, sizeof(devq));
	cr_assert_eq(dma_area_init(&dma, sizeof(memory)), 0);
	cr_assert_eq(vq_init(&dev, &drv, 0, SIZE, &dma), 0);
	cr_assert_eq(virtq_setup(&devq, &told, 256, fake_dma, NULL), 0);
}

TestSuite(virtq, .init = setup);

static void *buffer(size_t len)
{
	void *p = dma_alloc(&dma, len, 16);

	cr_assert_not_null(p);
	return p;
}

/* A chain added by the driver arrives whole, and comes back with its cookie. */
Test(virtq, round_trip)
{
	char *hdr = buffer(16), *data = buffer(100), *status = buffer(1);
	struct vbuf bufs[] = {{hdr, 16, false}, {data, 100, true}, {status, 1, true}};
	struct virtq_chain c;
	uint32_t len;
	int cookie;

	memcpy(hdr, "request header!", 16);
	cr_assert_eq(vq_add(&drv, bufs, 3, &cookie), 0);
	cr_assert_eq(drv.num_free, SIZE - 3);
	cr_assert_eq(virtq_pop(&devq, &c), 1);
	cr_assert_eq(virtq_pop(&devq, &c), 0, "one chain only");
	cr_assert_eq(c.count, 3);
	cr_assert_eq(c.readable, 1);
	cr_assert_eq(c.out_bytes, 16);
	cr_assert_eq(c.in_bytes, 101);
	char got[16];
	cr_assert_eq(virtq_chain_read(&c, 0, got, 16), 16);
	cr_assert_eq(memcmp(got, hdr, 16), 0);
	cr_assert_eq(virtq_chain_write(&c, 95, "abcdefgh", 8), 6, "writes stop at the end");
	cr_assert_eq(memcmp(data + 95, "abcde", 5), 0);
	cr_assert_eq(status[0], 'f', "the write goes on into the next writable buffer");
	cr_assert(virtq_push(&devq, &c, 101));
	cr_assert_eq(vq_get(&drv, &len), &cookie);
	cr_assert_eq(len, 101);
	cr_assert_eq(drv.num_free, SIZE, "the descriptors are free again");
	cr_assert_null(vq_get(&drv, &len));
}

/* Free-running 16-bit indices wrap, on both sides, without a hitch. */
Test(virtq, indices_wrap)
{
	char *b = buffer(8);
	struct vbuf v = {b, 8, true};
	struct virtq_chain c;

	for (unsigned i = 0; i < 70000; i++) {
		cr_assert_eq(vq_add(&drv, &v, 1, b), 0);
		cr_assert_eq(virtq_pop(&devq, &c), 1);
		cr_assert(virtq_push(&devq, &c, i % 9));
		cr_assert_eq(vq_get(&drv, NULL), b);
	}
	cr_assert_eq(devq.used_idx, (uint16_t)70000);
}

/* A driver that polls asks for no interrupts; the device then asks for none. */
Test(virtq, no_interrupt_flag)
{
	struct vbuf v = {buffer(8), 8, true};
	struct virtq_chain c;

	vq_interrupts(&drv, false);
	vq_add(&drv, &v, 1, NULL);
	cr_assert_eq(virtq_pop(&devq, &c), 1);
	cr_assert_not(virtq_push(&devq, &c, 0));
}

/* The driver's queue is full when its descriptors are. */
Test(virtq, driver_full)
{
	struct vbuf v[SIZE + 1];

	for (unsigned i = 0; i <= SIZE; i++)
		v[i] = (struct vbuf){buffer(8), 8, true};
	cr_assert_eq(vq_add(&drv, v, SIZE + 1, NULL), ARCHK_ERR_SHOULD_WAIT);
	cr_assert_eq(vq_add(&drv, v, SIZE, NULL), 0);
	cr_assert_eq(vq_add(&drv, v, 1, NULL), ARCHK_ERR_SHOULD_WAIT);
}

/* Setup refuses what no device could use. */
Test(virtq, setup_checks)
{
	struct archk_virtq_setup s = told;
	struct virtq q = {0};

	s.size = 6;
	cr_assert_eq(virtq_setup(&q, &s, 256, fake_dma, NULL), ARCHK_ERR_INVALID_ARGS);
	s.size = 512;
	cr_assert_eq(virtq_setup(&q, &s, 256, fake_dma, NULL), ARCHK_ERR_INVALID_ARGS);
	s = told;
	s.desc += 8;
	cr_assert_eq(virtq_setup(&q, &s, 256, fake_dma, NULL), ARCHK_ERR_INVALID_ARGS);
	s = told;
	s.used = (uintptr_t)outside;
	cr_assert_eq(virtq_setup(&q, &s, 256, fake_dma, NULL), ARCHK_ERR_BAD_ADDRESS);
	cr_assert_eq(q.size, 0, "a refused setup leaves the queue off");
	s.size = 0;
	cr_assert_eq(virtq_setup(&q, &s, 256, fake_dma, NULL), 0);
}

/* ---- corrupted rings: each breaks the queue, and only the queue ---- */

/* Publishes the chain at head as the driver would, behind the library's back. */
static void offer_raw(uint16_t head)
{
	drv.avail->ring[drv.avail_idx % SIZE] = head;
	__atomic_store_n(&drv.avail->idx, ++drv.avail_idx, __ATOMIC_RELEASE);
}

static void expect_broken(void)
{
	struct virtq_chain c;

	cr_assert_eq(virtq_pop(&devq, &c), -1);
	cr_assert(devq.broken);
	cr_assert_eq(virtq_pop(&devq, &c), -1, "a broken queue stays broken");
	cr_assert_not(virtq_push(&devq, &c, 0), "and gives nothing back");
}

static void desc(uint16_t i, void *addr, uint32_t len, uint16_t flags, uint16_t next)
{
	drv.desc[i] = (struct archk_virtq_desc){(uintptr_t)addr, len, flags, next};
}

Test(virtq, head_past_the_ring)
{
	offer_raw(SIZE + 1);
	expect_broken();
}

Test(virtq, next_past_the_ring)
{
	desc(0, buffer(8), 8, ARCHK_VIRTQ_DESC_F_NEXT, SIZE);
	offer_raw(0);
	expect_broken();
}

Test(virtq, loop)
{
	void *b = buffer(8);

	desc(0, b, 8, ARCHK_VIRTQ_DESC_F_NEXT, 1);
	desc(1, b, 8, ARCHK_VIRTQ_DESC_F_NEXT, 0);
	offer_raw(0);
	expect_broken();
}

Test(virtq, self_loop)
{
	desc(3, buffer(8), 8, ARCHK_VIRTQ_DESC_F_NEXT, 3);
	offer_raw(3);
	expect_broken();
}

Test(virtq, outside_dma_memory)
{
	desc(0, outside, 8, 0, 0);
	offer_raw(0);
	expect_broken();
}

Test(virtq, length_past_dma_memory)
{
	desc(0, memory + sizeof(memory) - 8, 16, 0, 0);
	offer_raw(0);
	expect_broken();
}

Test(virtq, address_wraps)
{
	desc(0, (void *)UINT64_MAX, 16, 0, 0);
	offer_raw(0);
	expect_broken();
}

/* Memory as large as any length: only the byte counts can be wrong. */
static void *any_dma(void *ctx, uint64_t addr, uint64_t len, bool write, struct object **ref)
{
	*ref = NULL;
	return memory;
}

Test(virtq, lengths_overflow)
{
	desc(0, memory, 0xfffffff0u, ARCHK_VIRTQ_DESC_F_NEXT, 1);
	desc(1, memory, 0xfffffff0u, 0, 0);
	devq.dma = any_dma;
	offer_raw(0);
	expect_broken();
}

Test(virtq, indirect)
{
	desc(0, buffer(16), 16, ARCHK_VIRTQ_DESC_F_INDIRECT, 0);
	offer_raw(0);
	expect_broken();
}

Test(virtq, readable_after_writable)
{
	void *b = buffer(8);

	desc(0, b, 8, ARCHK_VIRTQ_DESC_F_WRITE | ARCHK_VIRTQ_DESC_F_NEXT, 1);
	desc(1, b, 8, 0, 0);
	offer_raw(0);
	expect_broken();
}

Test(virtq, index_ahead_of_the_ring)
{
	__atomic_store_n(&drv.avail->idx, SIZE + 1, __ATOMIC_RELEASE);
	expect_broken();
}

/* A chain may have at most VIRTQ_SEGS_MAX buffers, whatever the ring's size. */
Test(virtq, chain_too_long)
{
	struct archk_virtq_setup s = told;
	void *b = buffer(8);

	s.size = 32;
	s.desc = (uintptr_t)buffer(ARCHK_VIRTQ_DESC_BYTES(32));
	cr_assert_eq(virtq_setup(&devq, &s, 256, fake_dma, NULL), 0);
	struct archk_virtq_desc *d = (struct archk_virtq_desc *)s.desc;
	for (uint16_t i = 0; i <= VIRTQ_SEGS_MAX; i++)
		d[i] = (struct archk_virtq_desc){(uintptr_t)b, 8,
						 i < VIRTQ_SEGS_MAX ? ARCHK_VIRTQ_DESC_F_NEXT : 0,
						 (uint16_t)(i + 1)};
	offer_raw(0);
	expect_broken();
}

/* A zero-length buffer needs no memory at all: it is accepted and skipped. */
Test(virtq, zero_length_buffer)
{
	struct virtq_chain c;

	desc(0, outside, 0, ARCHK_VIRTQ_DESC_F_WRITE, 0);
	offer_raw(0);
	cr_assert_eq(virtq_pop(&devq, &c), 1);
	cr_assert_eq(c.in_bytes, 0);
}

/* ---- references: every buffer's is dropped exactly once ---- */
static struct object held; /* what counted_dma references for each buffer */

static void *counted_dma(void *ctx, uint64_t addr, uint64_t len, bool write, struct object **ref)
{
	void *p = fake_dma(ctx, addr, len, write, ref);

	if (p) {
		object_ref(&held);
		*ref = &held;
	}
	return p;
}

static void counted_setup(void)
{
	held = (struct object){.refcount = 1};
	devq.dma = counted_dma;
}

/*
 * A chain holds one reference per buffer until it is released; releasing
 * twice drops nothing more, and a shorter chain taken into the same record
 * later drops only its own, not those the longer one left behind.
 */
Test(virtq, chain_references_dropped_once)
{
	struct vbuf three[] = {{buffer(16), 16, false}, {buffer(8), 8, true}, {buffer(1), 1, true}};
	struct vbuf one[] = {{buffer(4), 4, true}};
	struct virtq_chain c;

	counted_setup();
	cr_assert_eq(vq_add(&drv, three, 3, NULL), 0);
	cr_assert_eq(virtq_pop(&devq, &c), 1);
	cr_assert_eq(held.refcount, 4);
	cr_assert(virtq_push(&devq, &c, 0));
	virtq_chain_release(&c);
	cr_assert_eq(held.refcount, 1);
	virtq_chain_release(&c);
	cr_assert_eq(held.refcount, 1, "a second release drops nothing");
	(void)vq_get(&drv, NULL); /* the driver takes it back: its descriptors are free */
	cr_assert_eq(vq_add(&drv, one, 1, NULL), 0);
	cr_assert_eq(virtq_pop(&devq, &c), 1);
	cr_assert_eq(c.count, 1);
	cr_assert_eq(held.refcount, 2);
	virtq_chain_release(&c);
	cr_assert_eq(held.refcount, 1);
}

/* A chain refused halfway gives back the references of the buffers it had taken. */
Test(virtq, refused_chain_drops_its_references)
{
	desc(0, buffer(8), 8, ARCHK_VIRTQ_DESC_F_NEXT, 1);
	desc(1, buffer(8), 0, ARCHK_VIRTQ_DESC_F_NEXT, 2); /* no memory, no reference */
	desc(2, outside, 8, ARCHK_VIRTQ_DESC_F_WRITE, 0);
	counted_setup();
	offer_raw(0);
	expect_broken();
	cr_assert_eq(held.refcount, 1);
}
