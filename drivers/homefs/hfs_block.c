/*
 * Block I/O and allocation (hfs_block.h).
 */
#include "hfs_block.h"
#include "hfs_crc.h"
#include "hfs_mem.h"

/* Every device error after which the disk may hold less than we think. */
static long failed(struct hfs *fs, long err)
{
	fs->failed = 1;
	return err < 0 ? err : ARCHK_ERR_IO;
}

/* Is disk block b in the write-back batch (freed ones included)? */
static int in_wb(const struct hfs *fs, uint32_t b)
{
	return b - fs->wb_first < fs->wb_n;
}

/* Reads from the disk, or from the write-back batch what is there. */
long hfs_read_blocks(struct hfs *fs, uint32_t block, void *buf, uint32_t count)
{
	uint8_t *out = buf;
	uint32_t done = 0;

	if ((uint64_t)block + count > fs->blocks)
		return ARCHK_ERR_CORRUPT;
	while (done < count) {
		uint32_t b = block + done, n = 0;
		long err;

		if (in_wb(fs, b)) {
			const uint8_t *src = fs->wb + (size_t)(b - fs->wb_first) * HFS_BLOCK_BYTES;

			n = fs->wb_first + fs->wb_n - b < count - done ? fs->wb_first + fs->wb_n - b
								       : count - done;
			if (src != out + (size_t)done * HFS_BLOCK_BYTES)
				memcpy(out + (size_t)done * HFS_BLOCK_BYTES, src,
				       (size_t)n * HFS_BLOCK_BYTES);
		} else {
			while (done + n < count && !in_wb(fs, b + n))
				n++;
			if ((err = fs->disk.read(fs->disk.ctx, (uint64_t)b * HFS_SECTORS_PER_BLOCK,
						 out + (size_t)done * HFS_BLOCK_BYTES,
						 n * HFS_SECTORS_PER_BLOCK)) < 0)
				return err;
		}
		done += n;
	}
	return 0;
}

long hfs_write_sectors(struct hfs *fs, uint64_t sector, const void *buf, uint32_t count)
{
	long err;

	if (fs->flags & HFS_MOUNT_READ_ONLY)
		return ARCHK_ERR_READ_ONLY;
	if ((err = fs->disk.write(fs->disk.ctx, sector, buf, count)) < 0)
		return failed(fs, err);
	return 0;
}

long hfs_write_many(struct hfs *fs, const struct hfs_write *w, uint32_t n)
{
	long err = 0;

	for (uint32_t i = 0; !err && i < n; i++)
		err = hfs_write_sectors(fs, w[i].sector, w[i].buf, w[i].count);
	return err;
}

long hfs_write_blocks(struct hfs *fs, uint32_t block, const void *buf, uint32_t count)
{
	return hfs_write_sectors(fs, (uint64_t)block * HFS_SECTORS_PER_BLOCK, buf,
				 count * HFS_SECTORS_PER_BLOCK);
}

/* ---- the write-back batch ---- */

long hfs_wb_slot(struct hfs *fs, uint32_t d, uint8_t **slot)
{
	long err;

	if (!in_wb(fs, d) && fs->wb_n &&
	    (d != fs->wb_first + fs->wb_n || fs->wb_n == HFS_SEG_BLOCKS) &&
	    (err = hfs_wb_flush(fs)) < 0)
		return err;
	if (!fs->wb_n)
		fs->wb_first = d;
	*slot = fs->wb + (size_t)(d - fs->wb_first) * HFS_BLOCK_BYTES;
	return 0;
}

void hfs_wb_add(struct hfs *fs, uint32_t d)
{
	if (!in_wb(fs, d))
		fs->wb_n++;
	fs->wb_dead &= ~(1u << (d - fs->wb_first));
}

long hfs_wb_seal(struct hfs *fs)
{
	for (uint32_t i = 0; i < fs->wb_n; i++) {
		long err;

		if (!(fs->wb_dead >> i & 1) &&
		    (err = hfs_crcmap_put(
			 &fs->crcs, fs->wb_first + i,
			 hfs_crc32c(0, fs->wb + (size_t)i * HFS_BLOCK_BYTES, HFS_BLOCK_BYTES))) < 0)
			return err;
	}
	return 0;
}

uint32_t hfs_wb_take(struct hfs *fs, struct hfs_write *w)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < fs->wb_n;) {
		uint32_t j = i;

		if (fs->wb_dead >> i & 1) {
			i++;
			continue;
		}
		while (j < fs->wb_n && !(fs->wb_dead >> j & 1))
			j++;
		w[n++] = (struct hfs_write){.sector = (uint64_t)(fs->wb_first + i) *
						      HFS_SECTORS_PER_BLOCK,
					    .buf = fs->wb + (size_t)i * HFS_BLOCK_BYTES,
					    .count = (j - i) * HFS_SECTORS_PER_BLOCK};
		i = j;
	}
	fs->wb_n = 0;
	fs->wb_dead = 0;
	return n;
}

long hfs_wb_flush(struct hfs *fs)
{
	struct hfs_write w[HFS_SEG_BLOCKS];
	long err;

	if (!fs->wb_n)
		return 0;
	if ((err = hfs_wb_seal(fs)) < 0)
		return err;
	return hfs_write_many(fs, w, hfs_wb_take(fs, w));
}

long hfs_flush(struct hfs *fs)
{
	long err = fs->disk.flush(fs->disk.ctx);

	return err < 0 ? failed(fs, err) : 0;
}

long hfs_blocks_init(struct hfs *fs, uint32_t blocks)
{
	fs->blocks = blocks;
	if (hfs_bitmap_init(&fs->used, blocks) < 0 || hfs_bitmap_init(&fs->fresh, blocks) < 0 ||
	    hfs_bitmap_init(&fs->pubfresh, blocks) < 0)
		return ARCHK_ERR_NO_MEMORY;
	fs->free_blocks = blocks;
	fs->cursor = HFS_FIRST_DATA_BLOCK;
	return hfs_claim(fs, 0, HFS_FIRST_DATA_BLOCK);
}

void hfs_blocks_free(struct hfs *fs)
{
	hfs_bitmap_free(&fs->used);
	hfs_bitmap_free(&fs->fresh);
	hfs_bitmap_free(&fs->pubfresh);
	hfs_vec_free(&fs->pubfresh_list);
	hfs_vec_free(&fs->pending_free);
	hfs_crcmap_free(&fs->crcs);
}

long hfs_claim(struct hfs *fs, uint32_t block, uint32_t count)
{
	if (!count || block >= fs->blocks || count > fs->blocks - block)
		return ARCHK_ERR_CORRUPT;
	for (uint32_t b = block; b < block + count; b++)
		if (hfs_bit(&fs->used, b))
			return ARCHK_ERR_CORRUPT;
	for (uint32_t b = block; b < block + count; b++)
		hfs_bit_set(&fs->used, b);
	fs->free_blocks -= count;
	return 0;
}

/* The free run at start, up to want blocks long. */
static uint32_t run_at(const struct hfs *fs, uint32_t start, uint32_t want)
{
	uint32_t n = 0;

	while (n < want && start + n < fs->blocks && !hfs_bit(&fs->used, start + n))
		n++;
	return n;
}

long hfs_alloc(struct hfs *fs, uint32_t want, uint32_t hint, int data, uint32_t *start)
{
	uint32_t at = 0, n = 0, best = 0, best_n = 0;

	if (hint >= HFS_FIRST_DATA_BLOCK && hint < fs->blocks)
		n = run_at(fs, hint, want);
	if (n)
		at = hint;
	/* Else next fit, wrapping once: the first run as long as want, else the longest. */
	for (uint32_t pass = 0; !n && pass < 2; pass++) {
		uint32_t to = pass ? fs->cursor : fs->blocks;

		at = hfs_bitmap_next_clear(&fs->used, pass ? HFS_FIRST_DATA_BLOCK : fs->cursor);
		for (n = 0; at < to; at = hfs_bitmap_next_clear(&fs->used, at + n)) {
			n = run_at(fs, at, want);
			if (n > best_n) {
				best = at;
				best_n = n;
			}
			if (n == want)
				break;
		}
		if (n != want)
			n = 0;
	}
	if (!n) {
		at = best;
		n = best_n;
	}
	if (!n)
		return ARCHK_ERR_NO_SPACE;
	for (uint32_t b = at; b < at + n; b++) {
		hfs_bit_set(&fs->used, b);
		if (data)
			hfs_bit_set(&fs->fresh, b);
	}
	fs->free_blocks -= n;
	fs->cursor = at + n < fs->blocks ? at + n : HFS_FIRST_DATA_BLOCK;
	*start = at;
	return n;
}

void hfs_free_now(struct hfs *fs, uint32_t block, uint32_t count)
{
	for (uint32_t b = block; b < block + count; b++) {
		hfs_bit_clear(&fs->used, b);
		hfs_bit_clear(&fs->fresh, b);
		hfs_bit_clear(&fs->pubfresh, b);
		hfs_crcmap_del(&fs->crcs, b);
		/* Its bytes waiting in the batch must never reach the block's next owner. */
		if (in_wb(fs, b))
			fs->wb_dead |= 1u << (b - fs->wb_first);
	}
	while (fs->wb_n && fs->wb_dead >> (fs->wb_n - 1) & 1)
		fs->wb_dead &= ~(1u << --fs->wb_n);
	fs->free_blocks += count;
}

void hfs_release(struct hfs *fs, uint32_t block, uint32_t count)
{
	for (uint32_t b = block; b < block + count; b++) {
		if (hfs_bit(&fs->fresh, b))
			hfs_free_now(fs, b, 1);
		else /* without memory to remember it, it merely stays used until the next mount */
			(void)hfs_vec_push(&fs->pending_free, b);
	}
}

void hfs_release_pending(struct hfs *fs)
{
	for (uint32_t i = 0; i < fs->pending_free.n; i++)
		hfs_free_now(fs, fs->pending_free.v[i], 1);
	fs->pending_free.n = 0;
}

/*
 * The snapshot's bytes if it were written now, with extra_bytes more: an
 * upper bound (every overlay extent may split a published one in three).
 */
static uint64_t snapshot_bytes(const struct hfs *fs, uint64_t extra_bytes)
{
	return (uint64_t)fs->inodes * (HFS_OPB_CREATE + HFS_OPB_ATTR + HFS_OPB_SIZE) +
	       fs->name_bytes + (fs->extents + 3 * fs->overlay_extents) * HFS_OPB_MAP +
	       ((uint64_t)fs->pubfresh_list.n + fs->overlay_blocks) * HFS_OPB_VERIFY + extra_bytes;
}

uint64_t hfs_checkpoint_blocks(const struct hfs *fs, uint64_t extra_bytes)
{
	/* Ops never straddle blocks, so each block may waste up to one op's bytes. */
	uint64_t per_block = HFS_BLOCK_BYTES - HFS_SNAP_HDR - HFS_OP_MAX;

	return snapshot_bytes(fs, extra_bytes) / per_block + 2 + fs->seg_blocks;
}

/*
 * Free blocks to keep: enough for a checkpoint now, and for the one after
 * it once this one has freed the current snapshot and log.
 */
static uint64_t reserve(const struct hfs *fs, uint64_t extra_bytes)
{
	uint64_t cp = hfs_checkpoint_blocks(fs, extra_bytes);
	uint64_t freed = (uint64_t)fs->snap.n + fs->log_blocks + fs->log.next_blocks;

	return 2 * cp > cp + freed ? 2 * cp - freed : cp;
}

long hfs_space_for_data(const struct hfs *fs, uint64_t n)
{
	/* A new extent per block in the worst case. */
	uint64_t need = n + reserve(fs, n * (3 * HFS_OPB_MAP + HFS_OPB_VERIFY));

	return fs->free_blocks >= need ? 0 : ARCHK_ERR_NO_SPACE;
}

long hfs_space_for_meta(const struct hfs *fs, uint64_t extra_bytes)
{
	return fs->free_blocks >= reserve(fs, extra_bytes) ? 0 : ARCHK_ERR_NO_SPACE;
}
