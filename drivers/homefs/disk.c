/*
 * The homefs server's disk (disk.h).
 *
 * The cache is direct mapped: disk block b may only live in slot
 * b % slots, whose tag says which block it holds. A file laid out in
 * consecutive blocks therefore fills consecutive slots, and a sequential
 * read of one no bigger than the cache finds all of it there the second
 * time, where a least-recently-used cache would have evicted each block
 * just before it was needed again. The slots' bytes are in memory objects
 * (vmo_read and vmo_write are calls, not switches), so the cache does not
 * make the server's partition, which is closed and opened at each switch,
 * any bigger. Reads fill it (whole blocks only); writes go to the disk
 * and then update the blocks the cache holds, and a failed write forgets
 * the blocks it touched.
 */
#include <archk/runtime.h>
#include "disk.h"

#define BS	       HFS_BLOCK_BYTES
#define SPB	       (HFS_BLOCK_BYTES / HFS_SECTOR_BYTES) /* sectors per block */
#define SLOTS_PER_VMO  (ARCHK_VMO_SIZE_MAX / HFS_BLOCK_BYTES)
#define CACHE_VMOS_MAX (HOMEFS_CACHE_MAX / ARCHK_VMO_SIZE_MAX)

static struct {
	archk_handle_t h; /* the block object */
	uint32_t slots;	  /* 0: no cache */
	uint32_t *tags;	  /* per slot: the disk block it holds + 1, or 0 */
	archk_handle_t vmos[CACHE_VMOS_MAX];
} disk;

/* Moves bytes between buf and the block object, 64 KiB a request at most. */
static long block_io(int op, uint64_t sector, void *buf, uint64_t bytes)
{
	for (uint64_t done = 0; done < bytes;) {
		uint64_t n =
		    bytes - done < ARCHK_TABLE_DATA_MAX ? bytes - done : ARCHK_TABLE_DATA_MAX;
		long got = archk_do_io(op, disk.h, (long)((char *)buf + done), (long)n,
				       (long)(sector * HFS_SECTOR_BYTES + done), 0);

		if (got < 0)
			return got;
		if ((uint64_t)got != n)
			return ARCHK_ERR_IO; /* past the end of the disk */
		done += n;
	}
	return 0;
}

/* ---- the cache ---- */

static uint32_t slot_of(uint64_t block)
{
	return (uint32_t)(block % disk.slots);
}

static int cached(uint64_t block)
{
	return disk.tags[slot_of(block)] == block + 1;
}

/* How many of the n blocks from block on lie in consecutive slots of one memory object. */
static uint32_t span(uint64_t block, uint64_t n)
{
	uint32_t s = slot_of(block), k = 1;

	while (k < n && s + k < disk.slots && (s + k) % SLOTS_PER_VMO)
		k++;
	return k;
}

/* Copies n blocks' bytes between buf and the slots of block on (a span); 0 or an error. */
static long slot_copy(uint64_t block, void *buf, uint32_t n, int write)
{
	uint32_t s = slot_of(block);
	archk_handle_t v = disk.vmos[s / SLOTS_PER_VMO];
	uint64_t at = (uint64_t)(s % SLOTS_PER_VMO) * BS;
	long r = write ? archk_vmo_write(v, buf, (size_t)n * BS, at)
		       : archk_vmo_read(v, buf, (size_t)n * BS, at);

	return r < 0 ? r : 0;
}

/* Puts n blocks from block on (a span) in the cache; without success they are not in it. */
static void cache_store(uint64_t block, const void *buf, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		disk.tags[slot_of(block + i)] = 0;
	if (slot_copy(block, (void *)buf, n, 1) == 0)
		for (uint32_t i = 0; i < n; i++)
			disk.tags[slot_of(block + i)] = (uint32_t)(block + i + 1);
}

/*
 * After count sectors from sector were written from buf (err: or failed to
 * be): whole blocks written that the cache holds are updated there; blocks
 * written in part (log records, which nothing reads again before the next
 * mount) or not at all leave it. Writes do not bring new blocks in: a new
 * slot costs a fresh page of memory, which a block nobody reads back (the
 * usual fate of what was just written) would not repay.
 */
static void cache_written(uint64_t sector, const uint8_t *buf, uint32_t count, long err)
{
	uint64_t end = sector + count;

	for (uint64_t s = sector; s < end;) {
		uint64_t b = s / SPB;
		int whole = s % SPB == 0 && end - s >= SPB, hit = cached(b);
		uint32_t n = whole ? span(b, (end - s) / SPB) : 1, run = 1;

		while (run < n && cached(b + run) == hit)
			run++;
		if (hit &&
		    (!whole || err < 0 ||
		     slot_copy(b, (void *)(buf + (s - sector) * HFS_SECTOR_BYTES), run, 1) < 0))
			for (uint32_t i = 0; i < run; i++)
				disk.tags[slot_of(b + i)] = 0;
		s = whole ? s + (uint64_t)run * SPB : (b + 1) * SPB;
	}
}

/* Reads n whole blocks from block on: runs found in the cache from it, the others from the disk. */
static long cache_read(uint64_t block, uint8_t *buf, uint64_t n)
{
	for (uint64_t i = 0; i < n;) {
		uint32_t k = span(block + i, n - i), run = 1;
		int hit = cached(block + i);
		uint8_t *dst = buf + i * BS;
		long err;

		while (run < k && cached(block + i + run) == hit)
			run++;
		if (hit && slot_copy(block + i, dst, run, 0) == 0) {
			i += run;
			continue;
		}
		if ((err = block_io(ARCHK_IO_READ, (block + i) * SPB, dst, (uint64_t)run * BS)) < 0)
			return err;
		cache_store(block + i, dst, run);
		i += run;
	}
	return 0;
}

/* Makes a cache of up to bytes (at most the disk's size); none if memory objects are refused. */
static void cache_init(uint64_t bytes, uint64_t disk_bytes)
{
	uint64_t slots = (bytes < disk_bytes ? bytes : disk_bytes) / BS;
	uint32_t vmos;

	if (slots > (uint64_t)CACHE_VMOS_MAX * SLOTS_PER_VMO)
		slots = (uint64_t)CACHE_VMOS_MAX * SLOTS_PER_VMO;
	vmos = (uint32_t)((slots + SLOTS_PER_VMO - 1) / SLOTS_PER_VMO);
	if (!slots || !(disk.tags = calloc(slots, sizeof(*disk.tags))))
		return;
	for (uint32_t i = 0; i < vmos; i++) {
		uint64_t n = i + 1 < vmos ? SLOTS_PER_VMO : slots - (uint64_t)i * SLOTS_PER_VMO;
		long v = archk_vmo_create(n * BS);

		if (v < 0) {
			while (i--)
				archk_handle_close(disk.vmos[i]);
			free(disk.tags);
			disk.tags = NULL;
			return;
		}
		disk.vmos[i] = (archk_handle_t)v;
	}
	disk.slots = (uint32_t)slots;
}

/* ---- struct hfs_disk ---- */

static long disk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	(void)ctx;
	if (!disk.slots || sector % SPB || count % SPB)
		return block_io(ARCHK_IO_READ, sector, buf, (uint64_t)count * HFS_SECTOR_BYTES);
	return cache_read(sector / SPB, buf, count / SPB);
}

static long disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	long err =
	    block_io(ARCHK_IO_WRITE, sector, (void *)buf, (uint64_t)count * HFS_SECTOR_BYTES);

	(void)ctx;
	if (disk.slots)
		cache_written(sector, buf, count, err);
	return err;
}

static long disk_flush(void *ctx)
{
	(void)ctx;
	return archk_do_io(ARCHK_IO_SYNC, disk.h, 0, 0, 0, 0);
}

static int64_t disk_now(void *ctx)
{
	(void)ctx;
	return archk_clock_read(ARCHK_CLOCK_REALTIME);
}

long homefs_disk_open(archk_handle_t h, uint64_t cache_bytes, struct hfs_disk *d)
{
	struct archk_meta meta;
	long err;

	if ((err = archk_get_meta(h, &meta)) < 0)
		return err;
	if (meta.kind != ARCHK_KIND_BLOCK)
		return ARCHK_ERR_WRONG_TYPE;
	disk.h = h;
	*d = (struct hfs_disk){.sectors = meta.size / HFS_SECTOR_BYTES,
			       .read_only = !!(meta.flags & ARCHK_META_READ_ONLY),
			       .read = disk_read,
			       .write = disk_write,
			       .flush = disk_flush,
			       .now = disk_now};
	cache_init(cache_bytes, meta.size);
	return 0;
}
