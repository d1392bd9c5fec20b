/*
 * File data (hfs_file.h).
 */
#include "hfs_file.h"
#include "hfs_block.h"
#include "hfs_map.h"
#include "hfs_mem.h"
#include "hfs_op.h"

#define BS HFS_BLOCK_BYTES

uint64_t hfs_file_size(const struct hfs_inode *ip)
{
	return ip->vn ? ip->vn->size : ip->size;
}

/* The file's working state, created on its first change. */
static struct hfs_vnode *vnode(struct hfs_inode *ip)
{
	if (!ip->vn && (ip->vn = calloc(1, sizeof(*ip->vn)))) {
		ip->vn->size = ip->size;
		ip->vn->cut = UINT64_MAX;
		ip->vn->mtime = ip->mtime;
		ip->vn->ctime = ip->ctime;
	}
	return ip->vn;
}

/*
 * Where file block b of the working view is: its disk block (0: a hole),
 * whether it is the file's own (overlay), and in *run how many blocks
 * from b on are laid out the same way (up to max).
 */
static uint32_t locate(const struct hfs_inode *ip, uint64_t b, uint64_t max, int *own,
		       uint64_t *run)
{
	const struct hfs_vnode *vn = ip->vn;
	uint64_t cut_block = vn && vn->cut != UINT64_MAX ? (vn->cut + BS - 1) / BS : UINT64_MAX;
	uint32_t d;

	*own = 0;
	if (vn && vn->overlay.n) {
		uint64_t orun;

		if ((d = hfs_map_find(&vn->overlay, b, max, &orun))) {
			*own = 1;
			*run = orun;
			return d;
		}
		max = orun; /* the hole in the overlay ends where an overlay extent starts */
	}
	if (b >= cut_block) {
		*run = max;
		return 0;
	}
	if (max > cut_block - b)
		max = cut_block - b;
	return hfs_map_find(&ip->map, b, max, run);
}

long hfs_file_read(struct hfs *fs, struct hfs_inode *ip, void *buf, size_t len, uint64_t off)
{
	uint64_t size = hfs_file_size(ip), done = 0;

	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	while (done < len) {
		uint64_t pos = off + done, b = pos / BS, skip = pos % BS, run, bytes;
		int own;
		uint32_t d = locate(ip, b, (skip + len - done + BS - 1) / BS, &own, &run);
		long err;

		bytes = run * BS - skip;
		if (bytes > len - done)
			bytes = len - done;
		if (!d) {
			memset((uint8_t *)buf + done, 0, bytes);
		} else if (!skip && bytes >= BS) { /* whole blocks: straight into buf */
			bytes -= bytes % BS;
			if ((err = hfs_read_blocks(fs, d, (uint8_t *)buf + done,
						   (uint32_t)(bytes / BS))) < 0)
				return err;
		} else { /* part of a block: through fs->block */
			if (bytes > BS - skip)
				bytes = BS - skip;
			if ((err = hfs_read_blocks(fs, d, fs->block, 1)) < 0)
				return err;
			memcpy((uint8_t *)buf + done, fs->block + skip, bytes);
		}
		done += bytes;
	}
	return (long)len;
}

/* Blocks of [first, last] the overlay does not hold yet. */
static uint64_t missing_blocks(const struct hfs_vnode *vn, uint64_t first, uint64_t last)
{
	uint64_t missing = 0, run;

	for (uint64_t b = first; b <= last; b += run)
		if (!hfs_map_find(&vn->overlay, b, last - b + 1, &run))
			missing += run;
	return missing;
}

/* Reads the working contents of file block b into dst (zeros for a hole). */
static long read_block(struct hfs *fs, struct hfs_inode *ip, uint64_t b, uint8_t *dst)
{
	uint64_t run;
	int own;
	uint32_t d = locate(ip, b, 1, &own, &run);

	if (!d) {
		memset(dst, 0, BS);
		return 0;
	}
	return hfs_read_blocks(fs, d, dst, 1);
}

/* Adds a run of newly allocated blocks to the overlay. */
static void overlay_add(struct hfs *fs, struct hfs_vnode *vn, uint64_t fblock, uint32_t dblock,
			uint32_t n)
{
	uint32_t before = vn->overlay.n;

	hfs_map_set(&vn->overlay, fblock, dblock, n, NULL, fs);
	fs->overlay_extents += vn->overlay.n;
	fs->overlay_extents -= before;
	fs->overlay_blocks += n;
	vn->overlay_blocks += n;
}

/*
 * Writes file blocks [first, last] with the bytes of buf that fall in
 * them (buf holds [off, off + len)); a block partly covered keeps its
 * other bytes. Each block goes to its overlay block, or to a new one, by
 * way of the write-back batch.
 */
static long write_blocks(struct hfs *fs, struct hfs_inode *ip, const uint8_t *buf, size_t len,
			 uint64_t off, uint64_t first, uint64_t last)
{
	struct hfs_vnode *vn = ip->vn;
	uint32_t hint = 0;
	long err;

	for (uint64_t b = first; b <= last; b++) {
		uint64_t start = b * BS, run, from, to;
		int own;
		uint32_t d = locate(ip, b, 1, &own, &run);
		uint8_t *dst;

		/* Not the file's own block yet: a new one (the map needs room for a split). */
		if (!own && ((err = hfs_map_reserve(&vn->overlay, 2)) < 0 ||
			     (err = hfs_alloc(fs, 1, hint, 1, &d)) < 0))
			return err;
		if ((err = hfs_wb_slot(fs, d, &dst)) < 0)
			return err;
		/* A partly covered block starts as the file's current block (read before it moves).
		 */
		if ((off > start || off + len < start + BS) &&
		    (err = read_block(fs, ip, b, dst)) < 0)
			return err;
		hfs_wb_add(fs, d);
		if (!own)
			overlay_add(fs, vn, b, d, 1);
		hint = d + 1;
		from = off > start ? off - start : 0;
		to = off + len < start + BS ? off + len - start : BS;
		memcpy(dst + from, buf + (start + from - off), to - from);
	}
	return 0;
}

long hfs_file_write(struct hfs *fs, struct hfs_inode *ip, const void *buf, size_t len, uint64_t off)
{
	struct hfs_vnode *vn;
	uint64_t first, last;
	long err;

	if (off > HFS_FILE_MAX || len > HFS_FILE_MAX - off)
		return ARCHK_ERR_TOO_LONG;
	if (!len)
		return 0;
	if (!(vn = vnode(ip)))
		return ARCHK_ERR_NO_MEMORY;
	first = off / BS;
	last = (off + len - 1) / BS;
	if ((err = hfs_space_for_data(fs, missing_blocks(vn, first, last))) < 0)
		return err;
	if ((err = write_blocks(fs, ip, buf, len, off, first, last)) < 0) {
		fs->failed = 1; /* the overlay may hold half of it */
		return err;
	}
	if (off + len > vn->size)
		vn->size = off + len;
	vn->mtime = vn->ctime = fs->disk.now(fs->disk.ctx);
	vn->dirty = 1;
	return (long)len;
}

/* Drops overlay blocks at or past fblock: they were the file's own, so they are free. */
static void overlay_cut(struct hfs *fs, struct hfs_vnode *vn, uint64_t fblock)
{
	uint32_t before = vn->overlay.n;
	uint64_t blocks = 0;

	for (uint32_t i = 0; i < vn->overlay.n; i++) {
		const struct hfs_extent *e = &vn->overlay.v[i];

		if (e->fblock + e->count > fblock)
			blocks += e->fblock >= fblock ? e->count : e->fblock + e->count - fblock;
	}
	hfs_map_cut(&vn->overlay, fblock, hfs_free_now, fs);
	fs->overlay_extents -= before - vn->overlay.n;
	fs->overlay_blocks -= blocks;
	vn->overlay_blocks -= (uint32_t)blocks;
}

long hfs_file_truncate(struct hfs *fs, struct hfs_inode *ip, uint64_t size)
{
	struct hfs_vnode *vn;
	uint64_t tail = size % BS, run;
	uint32_t partial = 0;
	int own = 0;
	long err;

	if (size > HFS_FILE_MAX)
		return ARCHK_ERR_TOO_LONG;
	if (!(vn = vnode(ip)))
		return ARCHK_ERR_NO_MEMORY;
	if (size < vn->size) {
		/* The block the new end falls in keeps only the bytes before it: a copy if shared.
		 */
		if (tail)
			partial = locate(ip, size / BS, 1, &own, &run);
		if (partial && !own && (err = hfs_space_for_data(fs, 1)) < 0)
			return err;
		overlay_cut(fs, vn, (size + BS - 1) / BS);
		if (partial) {
			memset(fs->block, 0, BS);
			if ((err = write_blocks(fs, ip, fs->block, BS - tail, size, size / BS,
						size / BS)) < 0) {
				fs->failed = 1;
				return err;
			}
		}
		if (size < vn->cut)
			vn->cut = size;
	}
	vn->size = size;
	vn->mtime = vn->ctime = fs->disk.now(fs->disk.ctx);
	vn->dirty = 1;
	return 0;
}

/* Forgets the overlay without freeing its blocks (they now belong to the tree). */
static void overlay_forget(struct hfs *fs, struct hfs_vnode *vn)
{
	fs->overlay_extents -= vn->overlay.n;
	fs->overlay_blocks -= vn->overlay_blocks;
	vn->overlay.n = 0;
	vn->overlay_blocks = 0;
	vn->cut = UINT64_MAX;
	vn->dirty = 0;
}

/* Makes sure the ops of a publish cannot run out of memory half way. */
static long publish_reserve(struct hfs *fs, struct hfs_inode *ip)
{
	const struct hfs_vnode *vn = ip->vn;
	size_t bytes = (size_t)vn->overlay.n * HFS_OPB_MAP + 2 * HFS_OPB_SIZE + HFS_OPB_ATTR;
	long err;

	if ((err = hfs_map_reserve(&ip->map, 2 * vn->overlay.n + 2)) < 0 ||
	    (err = hfs_buf_reserve(&fs->ops, bytes)) < 0)
		return err;
	return hfs_vec_reserve(&fs->pubfresh_list, vn->overlay_blocks);
}

long hfs_file_publish(struct hfs *fs, struct hfs_inode *ip)
{
	struct hfs_vnode *vn = ip->vn;
	uint8_t op[HFS_OP_MAX];
	long err;

	/* A file removed while open keeps its data for its readers until its last close. */
	if (!vn || !vn->dirty || !ip->linked)
		return 0;
	if ((err = publish_reserve(fs, ip)) < 0)
		return err;
	if (vn->cut < ip->size && (err = hfs_do(fs, op, hfs_op_size(op, ip->ino, vn->cut))) < 0)
		return err;
	for (uint32_t i = 0; i < vn->overlay.n; i++) {
		const struct hfs_extent *e = &vn->overlay.v[i];

		if ((err = hfs_do(fs, op,
				  hfs_op_map(op, ip->ino, e->fblock, e->dblock, e->count))) < 0)
			return err;
		for (uint32_t b = e->dblock; b < e->dblock + e->count; b++) {
			hfs_bit_set(&fs->pubfresh, b);
			fs->pubfresh_list.v[fs->pubfresh_list.n++] = b;
		}
	}
	if ((err = hfs_do(fs, op, hfs_op_size(op, ip->ino, vn->size))) < 0 ||
	    (err = hfs_do(fs, op, hfs_op_attr(op, ip->ino, vn->mtime, vn->ctime))) < 0)
		return err;
	overlay_forget(fs, vn);
	return 0;
}
