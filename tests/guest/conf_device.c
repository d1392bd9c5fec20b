/*
 * Conformance: the device calls, the bus, and the drivers, with the exact
 * codes docs/abi.md gives. Run as a batch job with a disk attached:
 *
 *   conf_device calls         the bus and the device calls, on the clock, and
 *                             garbage in its queue; one driver at a time
 *   conf_device drivers       the rng, clock and block drivers, and this program
 *                             driving the disk itself (disk0 must be a writable
 *                             disk of at least 1 MiB whose contents do not matter)
 *   conf_device persist-write writes and syncs a pattern to disk0 through the driver
 *   conf_device persist-check finds that pattern on disk0 (a later archk run)
 *   conf_device read-only     disk0 is attached read-only: writes are refused
 *   conf_device driver        (a child) the driver of the device it is given
 */
#include "check.h"
#include "lib/blkdev.h"

#define MS	  1000000LL
#define SEC	  (1000 * MS)
#define PAGE	  4096
#define PATTERN	  0x5eed0000u
#define RING_SIZE 8

static archk_handle_t bus;

/* The device named name, with rights. */
static archk_handle_t open_device(const char *name, uint32_t rights)
{
	long h = archk_do_io(ARCHK_IO_OPEN, bus, (long)name, (long)strlen(name), rights, 0);

	CHECK_TRUE(h > 0);
	return h > 0 ? (archk_handle_t)h : ARCHK_HANDLE_INVALID;
}

static long device_info(archk_handle_t h, struct archk_device_info *info)
{
	return archk_syscall2(ARCHK_SYS_DEVICE_INFO, h, (long)info);
}

static long device_start(archk_handle_t h, uint64_t features)
{
	return archk_syscall2(ARCHK_SYS_DEVICE_START, h, (long)features);
}

static long device_queue(archk_handle_t h, long q, const struct archk_virtq_setup *s)
{
	return archk_syscall3(ARCHK_SYS_DEVICE_QUEUE, h, q, (long)s);
}

static long device_notify(archk_handle_t h, long q)
{
	return archk_syscall2(ARCHK_SYS_DEVICE_NOTIFY, h, q);
}

static long device_ack(archk_handle_t h)
{
	return archk_syscall1(ARCHK_SYS_DEVICE_ACK, h);
}

/* ---- the bus ---- */

static bool listed(const char *name)
{
	uint8_t buf[512];
	uint64_t pos = 0;
	long n;

	while ((n = io(ARCHK_IO_READ, bus, buf, sizeof(buf), pos)) > 0) {
		for (long off = 0; off < n;) {
			const struct archk_dirent *d = (const void *)(buf + off);

			if (d->name_len == strlen(name) && memcmp(d->name, name, d->name_len) == 0)
				return true;
			pos = d->next;
			off += d->reclen;
		}
	}
	return false;
}

static void test_bus(void)
{
	struct archk_meta meta;
	uint8_t tiny[8];

	CHECK_EQ(type_of(bus), ARCHK_OBJ_BUS);
	CHECK_EQ(rights_of(bus), ARCHK_RIGHTS_BUS);
	CHECK_EQ(archk_get_meta(bus, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_DIR);
	CHECK_TRUE(listed("rng") && listed("clock") && listed("disk0") && listed("console"));
	CHECK_TRUE(!listed("disk1") && !listed("cons"));
	CHECK_EQ(io(ARCHK_IO_READ, bus, tiny, sizeof(tiny), 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_READ, bus, (void *)16, 512, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, bus, (long)"nope", 4, ARCHK_RIGHTS_SAME, 0),
		 ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, bus, (long)"a-name-longer-than-any", 22,
			     ARCHK_RIGHTS_SAME, 0),
		 ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, bus, (long)"rng", 3, ARCHK_RIGHT_EXECUTE, 0),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, bus, 16, 3, ARCHK_RIGHTS_SAME, 0),
		 ARCHK_ERR_BAD_ADDRESS);
	archk_handle_t rng = open_device("rng", ARCHK_RIGHTS_SAME);
	CHECK_EQ(type_of(rng), ARCHK_OBJ_DEVICE);
	CHECK_EQ(rights_of(rng), ARCHK_RIGHTS_DEVICE);
	archk_handle_close(rng);
}

/* ---- the calls, on the clock device ---- */

struct raw_queue {
	struct dma_area dma;
	struct archk_virtq_desc *desc;
	struct archk_virtq_avail *avail;
	struct archk_virtq_used *used;
	uint16_t avail_idx;
};

/* A queue of RING_SIZE entries in fresh DMA memory, told to the device. */
static long raw_queue(archk_handle_t h, struct raw_queue *q)
{
	struct archk_virtq_setup s = {.size = RING_SIZE};

	CHECK_EQ(dma_area_init(&q->dma, 4 * PAGE), 0);
	q->desc = dma_alloc(&q->dma, ARCHK_VIRTQ_DESC_BYTES(RING_SIZE), 16);
	q->avail = dma_alloc(&q->dma, ARCHK_VIRTQ_AVAIL_BYTES(RING_SIZE), 2);
	q->used = dma_alloc(&q->dma, ARCHK_VIRTQ_USED_BYTES(RING_SIZE), 4);
	q->avail_idx = 0;
	s.desc = (uintptr_t)q->desc;
	s.avail = (uintptr_t)q->avail;
	s.used = (uintptr_t)q->used;
	return device_queue(h, 0, &s);
}

/* Offers the chain that starts at descriptor head. */
static void offer(struct raw_queue *q, uint16_t head)
{
	q->avail->ring[q->avail_idx % RING_SIZE] = head;
	__atomic_store_n(&q->avail->idx, ++q->avail_idx, __ATOMIC_RELEASE);
}

static void test_calls(void)
{
	archk_handle_t clock = open_device("clock", ARCHK_RIGHTS_SAME), event;
	struct archk_device_info info;
	struct archk_virtq_setup s = {0};
	struct raw_queue q;
	long weak = archk_handle_duplicate(clock, ARCHK_RIGHT_GET_PROPERTY);

	event = (archk_handle_t)archk_event_create();
	CHECK_EQ(device_info(clock, &info), 0);
	CHECK_EQ(info.device_id, ARCHK_DEVICE_ID_CLOCK);
	CHECK_EQ(info.queue_count, 1);
	CHECK_EQ(info.config_size, 0);
	CHECK_EQ(strcmp(info.name, "clock"), 0);
	CHECK_EQ(device_info(clock, (void *)16), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(device_info(event, &info), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(device_info(0x5eed, &info), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(device_start((archk_handle_t)weak, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(device_notify((archk_handle_t)weak, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(device_ack((archk_handle_t)weak), ARCHK_ERR_ACCESS_DENIED);
	/* Nobody drives it yet. */
	CHECK_EQ(device_queue(clock, 0, &s), ARCHK_ERR_BAD_STATE);
	CHECK_EQ(device_notify(clock, 0), ARCHK_ERR_BAD_STATE);
	CHECK_EQ(device_ack(clock), ARCHK_ERR_BAD_STATE);
	CHECK_EQ(device_start(clock, ~0ull >> 1), 0); /* the clock offers no features */
	CHECK_EQ(device_queue(clock, 1, &s), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(device_queue(clock, 0, (void *)16), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(device_notify(clock, 0), ARCHK_ERR_BAD_STATE); /* the queue is off */
	CHECK_EQ(device_notify(clock, 7), ARCHK_ERR_INVALID_ARGS);
	s.size = 3;
	CHECK_EQ(device_queue(clock, 0, &s), ARCHK_ERR_INVALID_ARGS);
	s.size = 1024; /* more than the clock's queue takes */
	CHECK_EQ(device_queue(clock, 0, &s), ARCHK_ERR_INVALID_ARGS);
	/* Queue memory must be a VMO mapping: the heap is not. */
	s.size = RING_SIZE;
	s.desc = (uintptr_t)malloc(4096) & ~15ul;
	s.avail = s.used = s.desc;
	CHECK_EQ(device_queue(clock, 0, &s), ARCHK_ERR_BAD_ADDRESS);
	free((void *)s.desc);
	CHECK_EQ(raw_queue(clock, &q), 0);
	s = (struct archk_virtq_setup){.size = RING_SIZE,
				       .desc = (uintptr_t)q.desc + 8,
				       .avail = (uintptr_t)q.avail,
				       .used = (uintptr_t)q.used};
	CHECK_EQ(device_queue(clock, 0, &s), ARCHK_ERR_INVALID_ARGS); /* desc alignment */
	dma_area_destroy(&q.dma);
	CHECK_EQ(raw_queue(clock, &q), 0);

	/* A reading through the raw queue. */
	struct archk_clock_reading *reading = dma_alloc(&q.dma, sizeof(*reading), 8);
	q.desc[0] = (struct archk_virtq_desc){(uintptr_t)reading, sizeof(*reading),
					      ARCHK_VIRTQ_DESC_F_WRITE, 0};
	offer(&q, 0);
	CHECK_EQ(device_notify(clock, 0), 0);
	CHECK_EQ(archk_object_wait_one(clock, ARCHK_SIGNAL_INTERRUPT, now() + SEC, NULL), 0);
	CHECK_EQ(device_ack(clock), ARCHK_DEVICE_ISR_QUEUE);
	CHECK_EQ(signals_of(clock) & ARCHK_SIGNAL_INTERRUPT, 0);
	CHECK_EQ(__atomic_load_n(&q.used->idx, __ATOMIC_ACQUIRE), 1);
	CHECK_EQ(q.used->ring[0].id, 0);
	CHECK_EQ(q.used->ring[0].len, sizeof(*reading));
	int64_t host = archk_clock_get(ARCHK_CLOCK_REALTIME);
	CHECK_TRUE(reading->realtime_ns > host - SEC && reading->realtime_ns <= host);
	CHECK_EQ(reading->utc_offset_s, 0);
	dma_area_destroy(&q.dma);
	archk_handle_close((archk_handle_t)weak);
	archk_handle_close(event);
	archk_handle_close(clock);
}

/* ---- garbage in a queue breaks only that queue ---- */

/* Feeds the clock one bad chain (set up by bad) and checks the queue broke, then recovers. */
static void broken_by(void (*bad)(struct raw_queue *q, void *scratch), const char *what)
{
	archk_handle_t clock = open_device("clock", ARCHK_RIGHTS_SAME);
	struct raw_queue q;
	void *heap = malloc(64);

	CHECK_EQ(device_start(clock, 0), 0);
	CHECK_EQ(raw_queue(clock, &q), 0);
	bad(&q, heap);
	CHECK_EQ(device_notify(clock, 0), 0);
	CHECK_EQ(archk_object_wait_one(clock, ARCHK_SIGNAL_INTERRUPT, now() + SEC, NULL), 0);
	long isr = device_ack(clock);
	if (!(isr & ARCHK_DEVICE_ISR_BROKEN))
		printf("conf_device: %s did not break the queue (isr %ld)\n", what, isr);
	CHECK_TRUE(isr & ARCHK_DEVICE_ISR_BROKEN);
	CHECK_EQ(__atomic_load_n(&q.used->idx, __ATOMIC_ACQUIRE), 0);
	CHECK_EQ(device_notify(clock, 0), ARCHK_ERR_BAD_STATE);
	/* A new start resets the device: the queue is off, and can be set up again. */
	CHECK_EQ(device_start(clock, 0), 0);
	CHECK_EQ(device_notify(clock, 0), ARCHK_ERR_BAD_STATE);
	dma_area_destroy(&q.dma);
	CHECK_EQ(raw_queue(clock, &q), 0);
	dma_area_destroy(&q.dma); /* the device's queue keeps the memory... */
	CHECK_EQ(device_queue(clock, 0, &(struct archk_virtq_setup){0}),
		 0); /* ...until it is off */
	free(heap);
	archk_handle_close(clock);
}

static void outside_dma(struct raw_queue *q, void *heap)
{
	q->desc[0] = (struct archk_virtq_desc){(uintptr_t)heap, 64, ARCHK_VIRTQ_DESC_F_WRITE, 0};
	offer(q, 0);
}

static void past_memory(struct raw_queue *q, void *heap)
{
	(void)heap;
	q->desc[0] = (struct archk_virtq_desc){(uintptr_t)q->dma.base, 1u << 30,
					       ARCHK_VIRTQ_DESC_F_WRITE, 0};
	offer(q, 0);
}

static void loop(struct raw_queue *q, void *heap)
{
	(void)heap;
	q->desc[0] = (struct archk_virtq_desc){
	    (uintptr_t)q->dma.base, 8, ARCHK_VIRTQ_DESC_F_WRITE | ARCHK_VIRTQ_DESC_F_NEXT, 1};
	q->desc[1] = (struct archk_virtq_desc){
	    (uintptr_t)q->dma.base, 8, ARCHK_VIRTQ_DESC_F_WRITE | ARCHK_VIRTQ_DESC_F_NEXT, 0};
	offer(q, 0);
}

static void bad_head(struct raw_queue *q, void *heap)
{
	(void)heap;
	offer(q, RING_SIZE + 3);
}

static void bad_next(struct raw_queue *q, void *heap)
{
	(void)heap;
	q->desc[0] = (struct archk_virtq_desc){
	    (uintptr_t)q->dma.base, 8, ARCHK_VIRTQ_DESC_F_WRITE | ARCHK_VIRTQ_DESC_F_NEXT, 0xffff};
	offer(q, 0);
}

static void indirect(struct raw_queue *q, void *heap)
{
	(void)heap;
	q->desc[0] =
	    (struct archk_virtq_desc){(uintptr_t)q->dma.base, 16, ARCHK_VIRTQ_DESC_F_INDIRECT, 0};
	offer(q, 0);
}

static void readable_after_writable(struct raw_queue *q, void *heap)
{
	(void)heap;
	q->desc[0] = (struct archk_virtq_desc){
	    (uintptr_t)q->dma.base, 8, ARCHK_VIRTQ_DESC_F_WRITE | ARCHK_VIRTQ_DESC_F_NEXT, 1};
	q->desc[1] = (struct archk_virtq_desc){(uintptr_t)q->dma.base, 8, 0, 0};
	offer(q, 0);
}

static void index_jump(struct raw_queue *q, void *heap)
{
	(void)heap;
	__atomic_store_n(&q->avail->idx, RING_SIZE + 5, __ATOMIC_RELEASE);
}

static void length_overflow(struct raw_queue *q, void *heap)
{
	(void)heap;
	q->desc[0] =
	    (struct archk_virtq_desc){(uintptr_t)q->dma.base, 0xfffffff0u,
				      ARCHK_VIRTQ_DESC_F_WRITE | ARCHK_VIRTQ_DESC_F_NEXT, 1};
	q->desc[1] = (struct archk_virtq_desc){(uintptr_t)q->dma.base, 0xfffffff0u,
					       ARCHK_VIRTQ_DESC_F_WRITE, 0};
	offer(q, 0);
}

static void test_broken_queues(void)
{
	broken_by(outside_dma, "a buffer outside DMA memory");
	broken_by(past_memory, "a buffer past the DMA mapping");
	broken_by(loop, "a descriptor loop");
	broken_by(bad_head, "a head past the ring");
	broken_by(bad_next, "a next past the ring");
	broken_by(indirect, "an indirect descriptor");
	broken_by(readable_after_writable, "a readable buffer after a writable one");
	broken_by(index_jump, "an available index ahead by more than the ring");
	broken_by(length_overflow, "lengths that overflow");
}

/* ---- one driver at a time, and a driver's end ---- */

/* A child: starts the device it is given; exits with 0, or 10 + -error. */
static int child_driver(void)
{
	long r = device_start(archk_handle_named("device"), 0);

	return r < 0 ? (int)(10 - r) : 0;
}

static long spawn_child_driver(archk_handle_t dev)
{
	static const char *const argv[] = {"/tests/conf_device", "driver", NULL};
	struct archk_spawn_handle hs[] = {{"device", dev, ARCHK_RIGHTS_SAME}};

	return archk_spawn(argv[0], argv, hs, 1);
}

static void test_ownership(void)
{
	archk_handle_t rng = open_device("rng", ARCHK_RIGHTS_SAME);

	/* Driven by this process: another one may not start it. */
	CHECK_EQ(device_start(rng, 0), 0);
	CHECK_EQ(wait_exit(spawn_child_driver(rng)), 10 - ARCHK_ERR_BAD_STATE);
	archk_handle_close(rng);
	/* The clock was driven by this process too (test_calls): a child can't either. */
	archk_handle_t clock = open_device("clock", ARCHK_RIGHTS_SAME);
	CHECK_EQ(wait_exit(spawn_child_driver(clock)), 10 - ARCHK_ERR_BAD_STATE);
	archk_handle_close(clock);
}

/* The disk, once its driver (a child) has ended, may be driven by the next one. */
static void test_driver_end(void)
{
	archk_handle_t disk = open_device("disk0", ARCHK_RIGHTS_SAME);

	CHECK_EQ(wait_exit(spawn_child_driver(disk)), 0);
	CHECK_EQ(wait_exit(spawn_child_driver(disk)), 0);
	archk_handle_close(disk);
}

/* ---- the drivers ---- */

/* Starts driver path for device name; its published object, or 0. */
static archk_handle_t start_driver(const char *path, const char *device, long *process)
{
	archk_handle_t dev = open_device(device, ARCHK_RIGHTS_SAME), p = 0;
	const char *const argv[] = {path, NULL};
	struct archk_spawn_handle hs[] = {{"device", dev, ARCHK_RIGHTS_SAME}};
	struct archk_served served;
	long n = archk_spawn_server_named(argv, hs, 1, &p, &served, 1);

	archk_handle_close(dev);
	CHECK_EQ(n, 1);
	*process = p;
	return n == 1 ? served.handle : 0;
}

static void stop_driver(long process)
{
	CHECK_EQ(archk_process_kill((archk_handle_t)process), 0);
	CHECK_EQ(wait_exit(process), 1000 + ARCHK_EXIT_KILLED);
}

static void test_rng_driver(void)
{
	long driver;
	archk_handle_t random = start_driver("/drivers/rng", "rng", &driver);
	uint8_t a[64], b[64];
	struct archk_meta meta;

	CHECK_EQ(archk_read(random, a, sizeof(a)), sizeof(a));
	CHECK_EQ(archk_read(random, b, sizeof(b)), sizeof(b));
	CHECK_TRUE(memcmp(a, b, sizeof(a)) != 0);
	CHECK_EQ(archk_read(random, a, 0), 0);
	CHECK_EQ(archk_get_meta(random, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_STREAM);
	CHECK_EQ(archk_do_io(ARCHK_IO_WRITE, random, (long)a, 8, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	stop_driver(driver);
	/* The driver's end ends its objects: the table died with it. */
	CHECK_EQ(archk_read(random, a, sizeof(a)), ARCHK_ERR_CANCELLED);
	archk_handle_close(random);
	/* The device was reset: the next driver starts it. */
	random = start_driver("/drivers/rng", "rng", &driver);
	CHECK_EQ(archk_read(random, a, 16), 16);
	stop_driver(driver);
	archk_handle_close(random);
}

static void test_clock_driver(void)
{
	long driver;
	archk_handle_t clock = start_driver("/drivers/clock", "clock", &driver);
	struct archk_clock_reading r;

	CHECK_EQ(archk_read(clock, &r, sizeof(r)), sizeof(r));
	int64_t host = archk_clock_get(ARCHK_CLOCK_REALTIME);
	CHECK_TRUE(r.realtime_ns > host - SEC && r.realtime_ns <= host);
	CHECK_EQ(archk_read(clock, &r, 8), ARCHK_ERR_INVALID_ARGS);
	stop_driver(driver);
	archk_handle_close(clock);
}

/* Fills a 4 KiB block with the pattern of block n. */
static void pattern(uint32_t *block, uint32_t n)
{
	for (unsigned i = 0; i < 1024; i++)
		block[i] = PATTERN + n * 1024 + i;
}

/*
 * op (READ or WRITE) of 32 blocks of 4 KiB at 64 KiB + 4 KiB each, blocks[i]
 * for block i, all in flight at once through q; each must move 4096 bytes,
 * and a READ must find the block's pattern (100 + i).
 */
static void ring_blocks(struct archk_ioq *q, archk_handle_t disk, int op, uint32_t (*blocks)[1024])
{
	static uint32_t want[1024];

	for (unsigned i = 0; i < 32; i++) {
		struct archk_io_request *r = archk_ioq_request(q);

		*r = (struct archk_io_request){.op = (uint8_t)op,
					       .handle = disk,
					       .buf = (uintptr_t)blocks[i],
					       .len = 4096,
					       .offset = 65536 + i * 4096,
					       .user_data = i};
	}
	archk_ioq_publish(q);
	CHECK_EQ(archk_ioq_enter(q, 32, now() + 5 * SEC), 32);
	for (unsigned i = 0; i < 32; i++) {
		struct archk_io_completion c;

		CHECK_EQ(archk_ioq_wait(q, &c), 0);
		CHECK_EQ(c.result, 4096);
		if (op != ARCHK_IO_READ)
			continue;
		pattern(want, 100 + (uint32_t)c.user_data);
		CHECK_EQ(memcmp(blocks[c.user_data], want, 4096), 0);
	}
}

static void test_blk_driver(void)
{
	static uint32_t out[1024], in[1024];
	struct archk_meta meta;
	long driver;
	archk_handle_t disk = start_driver("/drivers/blk", "disk0", &driver);

	CHECK_EQ(archk_get_meta(disk, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_BLOCK);
	CHECK_EQ(meta.flags, 0);
	CHECK_TRUE(meta.size >= (1 << 20) && meta.size % 512 == 0);
	pattern(out, 7);
	CHECK_EQ(io(ARCHK_IO_WRITE, disk, out, sizeof(out), 8192), sizeof(out));
	CHECK_EQ(io(ARCHK_IO_SYNC, disk, NULL, 0, 0), 0);
	CHECK_EQ(io(ARCHK_IO_READ, disk, in, sizeof(in), 8192), sizeof(in));
	CHECK_EQ(memcmp(in, out, sizeof(in)), 0);
	CHECK_EQ(io(ARCHK_IO_READ, disk, in, 100, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_READ, disk, in, 512, 100), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_READ, disk, in, 512, meta.size), 0);
	CHECK_EQ(io(ARCHK_IO_READ, disk, in, 1024, meta.size - 512), 512);
	CHECK_EQ(io(ARCHK_IO_WRITE, disk, out, 1024, meta.size - 512), ARCHK_ERR_NO_SPACE);
	CHECK_EQ(io(ARCHK_IO_DESTROY, disk, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_SEEK, disk, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);

	/* Many in flight through a ring: each block carries its own pattern. */
	struct archk_ioq q;
	static uint32_t blocks[32][1024];
	CHECK_EQ(archk_ioq_init(&q, 32, 0), 0);
	for (unsigned i = 0; i < 32; i++)
		pattern(blocks[i], 100 + i);
	ring_blocks(&q, disk, ARCHK_IO_WRITE, blocks);
	memset(blocks, 0, sizeof(blocks));
	ring_blocks(&q, disk, ARCHK_IO_READ, blocks);
	archk_handle_close(q.handle);
	stop_driver(driver);
	CHECK_EQ(io(ARCHK_IO_READ, disk, in, 512, 0), ARCHK_ERR_CANCELLED);
	archk_handle_close(disk);
}

/* The integrated level: this program drives the disk itself. */
static void test_integrated(void)
{
	static struct blkdev b;
	void *cookie;
	long result;
	uint32_t *buf;

	CHECK_EQ(blkdev_open(&b, open_device("disk0", ARCHK_RIGHTS_SAME), 4, 4 * 4096), 0);
	buf = blkdev_buffer(&b, 4096);
	CHECK_TRUE(buf != NULL);
	CHECK_EQ(blkdev_submit(&b, ARCHK_IO_READ, 8192, buf, 4096, &b), 0);
	CHECK_EQ(blkdev_kick(&b), 0);
	CHECK_TRUE(vdev_wait(&b.dev, now() + 5 * SEC) > 0);
	CHECK_EQ(blkdev_reap(&b, &cookie, &result), 1);
	CHECK_EQ(result, 4096);
	CHECK_TRUE(cookie == &b);
	static uint32_t want[1024];
	pattern(want, 7);
	CHECK_EQ(memcmp(buf, want, 4096), 0);
	CHECK_EQ(blkdev_submit(&b, ARCHK_IO_WRITE, 1, buf, 4096, NULL), ARCHK_ERR_INVALID_ARGS);
	dma_area_destroy(&b.dma);
	archk_handle_close(b.dev.handle);
}

/* ---- a disk across archk runs, and a read-only disk ---- */

static long blk_io_all(int op)
{
	static uint32_t block[1024];
	long driver, bad = 0;
	archk_handle_t disk = start_driver("/drivers/blk", "disk0", &driver);

	for (uint32_t n = 0; n < 16; n++) {
		static uint32_t want[1024];

		pattern(want, 1000 + n);
		if (op == ARCHK_IO_WRITE) {
			CHECK_EQ(io(ARCHK_IO_WRITE, disk, want, 4096, n * 4096), 4096);
			continue;
		}
		CHECK_EQ(io(ARCHK_IO_READ, disk, block, 4096, n * 4096), 4096);
		bad += memcmp(block, want, 4096) != 0;
	}
	if (op == ARCHK_IO_WRITE)
		CHECK_EQ(io(ARCHK_IO_SYNC, disk, NULL, 0, 0), 0);
	stop_driver(driver);
	archk_handle_close(disk);
	return bad;
}

static void test_read_only(void)
{
	static uint32_t block[1024];
	struct archk_meta meta;
	long driver;
	archk_handle_t disk = start_driver("/drivers/blk", "disk0", &driver);

	CHECK_EQ(archk_get_meta(disk, &meta), 0);
	CHECK_EQ(meta.flags, ARCHK_META_READ_ONLY);
	CHECK_EQ(io(ARCHK_IO_READ, disk, block, 4096, 0), 4096);
	CHECK_EQ(io(ARCHK_IO_WRITE, disk, block, 4096, 0), ARCHK_ERR_READ_ONLY);
	stop_driver(driver);
	archk_handle_close(disk);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "driver") == 0)
		return child_driver();
	bus = archk_handle_named("devices");
	CHECK_TRUE(bus != ARCHK_HANDLE_INVALID);
	/* A process drives a device until it ends: each mode is its own archk run. */
	if (strcmp(mode, "calls") == 0) {
		arenas_snapshot();
		test_bus();
		test_calls();
		test_broken_queues();
		test_ownership();
		test_driver_end();
		check_arenas_returned(not_deadline);
	} else if (strcmp(mode, "drivers") == 0) {
		arenas_snapshot();
		test_rng_driver();
		test_clock_driver();
		test_blk_driver();
		check_arenas_returned(not_deadline);
		test_integrated();
	} else if (strcmp(mode, "persist-write") == 0) {
		CHECK_EQ(blk_io_all(ARCHK_IO_WRITE), 0);
	} else if (strcmp(mode, "persist-check") == 0) {
		CHECK_EQ(blk_io_all(ARCHK_IO_READ), 0);
	} else if (strcmp(mode, "read-only") == 0) {
		test_read_only();
	} else {
		printf("usage: conf_device calls | drivers | persist-write | persist-check | "
		       "read-only\n");
		return 2;
	}
	return check_done("conf_device");
}
