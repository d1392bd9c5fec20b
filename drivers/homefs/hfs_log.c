/*
 * Log records, checkpoints and superblocks (hfs_log.h).
 */
#include "hfs_log.h"
#include "hfs_block.h"
#include "hfs_crc.h"
#include "hfs_dir.h"
#include "hfs_map.h"
#include "hfs_mem.h"
#include "hfs_op.h"

#define SECTORS(bytes) (((bytes) + HFS_SECTOR_BYTES - 1) / HFS_SECTOR_BYTES)

/* crc32c of len bytes at p, reading the 4 bytes at crc_at as zeros. */
static uint32_t crc_skipping(const uint8_t *p, size_t len, size_t crc_at)
{
	static const uint8_t zero[4];
	uint32_t c = hfs_crc32c(0, p, crc_at);

	c = hfs_crc32c(c, zero, 4);
	return hfs_crc32c(c, p + crc_at + 4, len - crc_at - 4);
}

void hfs_sb_encode(const struct hfs *fs, uint8_t *s, uint64_t seq)
{
	memset(s, 0, HFS_SECTOR_BYTES);
	memcpy(s + HFS_SB_MAGIC_O, HFS_SB_MAGIC, 8);
	hfs_put32(s + HFS_SB_VERS_O, HFS_VERSION);
	hfs_put64(s + HFS_SB_ID_O, fs->fs_id);
	hfs_put64(s + HFS_SB_SEQ_O, seq);
	hfs_put64(s + HFS_SB_BLOCKS_O, fs->blocks);
	hfs_put32(s + HFS_SB_BSIZE_O, HFS_BLOCK_BYTES);
	hfs_put32(s + HFS_SB_SNAP_O, fs->snap.v[0]);
	hfs_put32(s + HFS_SB_SNAPN_O, fs->snap.n);
	hfs_put32(s + HFS_SB_LOG_O, fs->segs.v[0]);
	hfs_put32(s + HFS_SB_LOGN_O, fs->segs.v[1]);
	hfs_put32(s + HFS_SB_SNAPCRC_O, fs->snap_crc);
	hfs_put64(s + HFS_SB_TIME_O, (uint64_t)fs->created);
	hfs_put32(s + HFS_SB_CRC_O, crc_skipping(s, HFS_SECTOR_BYTES, HFS_SB_CRC_O));
}

uint32_t hfs_record_header_ok(const struct hfs *fs, const uint8_t *s, uint64_t seq,
			      uint32_t seg_blocks, uint32_t room)
{
	uint32_t bytes = hfs_get32(s + HFS_REC_BYTES_O);

	if (hfs_get32(s + HFS_REC_MAGIC_O) != HFS_REC_MAGIC ||
	    hfs_get64(s + HFS_REC_ID_O) != fs->fs_id || hfs_get64(s + HFS_REC_SEQ_O) != seq ||
	    hfs_get32(s + HFS_REC_SEGN_O) != seg_blocks)
		return 0;
	if (bytes < HFS_REC_HDR || SECTORS(bytes) > room)
		return 0;
	return bytes;
}

int hfs_record_crc_ok(const uint8_t *rec, uint32_t bytes)
{
	return crc_skipping(rec, bytes, HFS_REC_CRC_O) == hfs_get32(rec + HFS_REC_CRC_O);
}

int hfs_snap_block_ok(const struct hfs *fs, const uint8_t *b, uint64_t seq, uint32_t index)
{
	return hfs_get32(b + HFS_SNAP_MAGIC_O) == HFS_SNAP_MAGIC &&
	       hfs_get64(b + HFS_SNAP_ID_O) == fs->fs_id && hfs_get64(b + HFS_SNAP_SEQ_O) == seq &&
	       hfs_get32(b + HFS_SNAP_INDEX_O) == index &&
	       hfs_get32(b + HFS_SNAP_BYTES_O) <= HFS_BLOCK_BYTES - HFS_SNAP_HDR &&
	       crc_skipping(b, HFS_BLOCK_BYTES, HFS_SNAP_CRC_O) == hfs_get32(b + HFS_SNAP_CRC_O);
}

/* ---- the manifest: VERIFY ops for the fresh blocks published files reference ---- */

/*
 * Collects the blocks (sorted, once each) into blocks and writes one
 * VERIFY op per run of consecutive blocks into out.
 */
static long build_manifest(struct hfs *fs, struct hfs_vec *blocks, struct hfs_buf *out)
{
	uint8_t op[HFS_OP_MAX];
	long err;

	for (uint32_t i = 0; i < fs->pubfresh_list.n; i++) {
		uint32_t b = fs->pubfresh_list.v[i];

		if (hfs_bit(&fs->pubfresh, b) && (err = hfs_vec_push(blocks, b)) < 0)
			return err;
	}
	hfs_vec_sort(blocks);
	for (uint32_t i = 0, run = 0; i < blocks->n; i = run) {
		uint32_t crcs = 0, count;

		for (run = i; run < blocks->n && blocks->v[run] == blocks->v[i] + (run - i);
		     run++) {
			uint32_t crc = 0;

			hfs_crcmap_get(&fs->crcs, blocks->v[run], &crc);
			crcs = hfs_crc32c_u32(crcs, crc);
		}
		count = run - i;
		while (run < blocks->n && blocks->v[run] == blocks->v[run - 1])
			run++; /* a block listed twice */
		if ((err = hfs_buf_append(out, op, hfs_op_verify(op, blocks->v[i], count, crcs))) <
		    0)
			return err;
	}
	return 0;
}

/* After a durable commit: its blocks are no longer fresh, and what it freed is free. */
static void committed(struct hfs *fs, const struct hfs_vec *blocks)
{
	for (uint32_t i = 0; i < blocks->n; i++) {
		uint32_t b = blocks->v[i];

		hfs_bit_clear(&fs->pubfresh, b);
		hfs_bit_clear(&fs->fresh, b);
		hfs_crcmap_del(&fs->crcs, b);
	}
	fs->pubfresh_list.n = 0;
	fs->ops.len = 0;
	fs->seq++;
	hfs_release_pending(fs);
}

/* ---- log records ---- */

/* Allocates a log segment, unless a checkpoint would then lack room. */
static long alloc_segment(struct hfs *fs, uint32_t *start, uint32_t *blocks)
{
	long n;

	if (fs->free_blocks < fs->seg_blocks + hfs_checkpoint_blocks(fs, 0))
		return ARCHK_ERR_NO_SPACE;
	if ((n = hfs_alloc(fs, fs->seg_blocks, 0, 0, start)) < 0)
		return n;
	*blocks = (uint32_t)n;
	return 0;
}

/*
 * Appends the ops as one record, written with the write-back batch (sealed
 * already). NO_SPACE (nothing written) means the log cannot take it: the
 * caller checkpoints instead.
 */
static long append_record(struct hfs *fs, const struct hfs_buf *manifest)
{
	uint32_t bytes = (uint32_t)(HFS_REC_HDR + manifest->len + fs->ops.len);
	uint32_t sectors = SECTORS(bytes);
	struct hfs_write w[HFS_SEG_BLOCKS + 1];
	struct hfs_logpos pos;
	uint8_t *r = fs->stage;
	uint32_t n;
	long err;

	/* Every record names the segment the log goes on in: reserve it first. */
	if (!fs->log.next && (err = alloc_segment(fs, &fs->log.next, &fs->log.next_blocks)) < 0)
		return err;
	pos = fs->log;
	if (pos.used + sectors > pos.seg_blocks * HFS_SECTORS_PER_BLOCK) {
		/* Into the reserved segment, reserving the one after it. */
		if (sectors > pos.next_blocks * HFS_SECTORS_PER_BLOCK)
			return ARCHK_ERR_NO_SPACE;
		pos = (struct hfs_logpos){.seg = pos.next, .seg_blocks = pos.next_blocks};
		if ((err = alloc_segment(fs, &pos.next, &pos.next_blocks)) < 0)
			return err;
	}
	memset(r, 0, sectors * HFS_SECTOR_BYTES);
	hfs_put32(r + HFS_REC_MAGIC_O, HFS_REC_MAGIC);
	hfs_put64(r + HFS_REC_ID_O, fs->fs_id);
	hfs_put64(r + HFS_REC_SEQ_O, fs->seq + 1);
	hfs_put32(r + HFS_REC_BYTES_O, bytes);
	hfs_put32(r + HFS_REC_SEGN_O, pos.seg_blocks);
	hfs_put32(r + HFS_REC_NEXT_O, pos.next);
	hfs_put32(r + HFS_REC_NEXTN_O, pos.next_blocks);
	memcpy(r + HFS_REC_HDR, manifest->p, manifest->len);
	memcpy(r + HFS_REC_HDR + manifest->len, fs->ops.p, fs->ops.len);
	hfs_put32(r + HFS_REC_CRC_O, crc_skipping(r, bytes, HFS_REC_CRC_O));
	/* The write-back batch and the record, then one flush for all. */
	n = hfs_wb_take(fs, w);
	w[n++] = (struct hfs_write){.sector = (uint64_t)pos.seg * HFS_SECTORS_PER_BLOCK + pos.used,
				    .buf = r,
				    .count = sectors};
	if ((err = hfs_write_many(fs, w, n)) < 0 || (err = hfs_flush(fs)) < 0)
		return err;
	if (pos.seg != fs->log.seg) { /* moved on: the reserved segment joins the log */
		if ((err = hfs_vec_push(&fs->segs, pos.seg)) < 0 ||
		    (err = hfs_vec_push(&fs->segs, pos.seg_blocks)) < 0)
			return err;
		fs->log_blocks += pos.seg_blocks;
	}
	pos.used += sectors;
	fs->log = pos;
	return 0;
}

/* ---- checkpoints ---- */

/* Builds the snapshot block by block, writing runs of consecutive blocks at once. */
struct snap_writer {
	struct hfs *fs;
	struct hfs_vec blocks; /* the snapshot's blocks, in order */
	uint32_t used;	       /* payload bytes in the block being filled (fs->block) */
	uint32_t staged;       /* finished blocks waiting in fs->stage */
	uint32_t stage_first;  /* the disk block of the first of them */
	uint32_t crcs;	       /* the CRC of the blocks' CRCs so far */
};

static long stage_out(struct snap_writer *w)
{
	long err = 0;

	if (w->staged)
		err = hfs_write_blocks(w->fs, w->stage_first, w->fs->stage, w->staged);
	w->staged = 0;
	return err;
}

/* Seals the block being filled with its header, pointing at next (0: the last). */
static long seal(struct snap_writer *w, uint32_t next)
{
	struct hfs *fs = w->fs;
	uint8_t *b = fs->block;
	uint32_t index = w->blocks.n - 1, at = w->blocks.v[index];
	long err;

	memset(b + HFS_SNAP_HDR + w->used, 0, HFS_BLOCK_BYTES - HFS_SNAP_HDR - w->used);
	hfs_put32(b + HFS_SNAP_MAGIC_O, HFS_SNAP_MAGIC);
	hfs_put32(b + HFS_SNAP_CRC_O, 0);
	hfs_put64(b + HFS_SNAP_ID_O, fs->fs_id);
	hfs_put64(b + HFS_SNAP_SEQ_O, fs->seq + 1);
	hfs_put32(b + HFS_SNAP_INDEX_O, index);
	hfs_put32(b + HFS_SNAP_NEXT_O, next);
	hfs_put32(b + HFS_SNAP_BYTES_O, w->used);
	hfs_put32(b + HFS_SNAP_CRC_O, crc_skipping(b, HFS_BLOCK_BYTES, HFS_SNAP_CRC_O));
	w->crcs = hfs_crc32c_u32(w->crcs, hfs_get32(b + HFS_SNAP_CRC_O));
	if (w->staged && (w->stage_first + w->staged != at || w->staged == HFS_SEG_BLOCKS) &&
	    (err = stage_out(w)) < 0)
		return err;
	if (!w->staged)
		w->stage_first = at;
	memcpy(fs->stage + (size_t)w->staged++ * HFS_BLOCK_BYTES, b, HFS_BLOCK_BYTES);
	return 0;
}

/* Starts the next snapshot block, after the current one if that block is free. */
static long next_block(struct snap_writer *w)
{
	uint32_t hint = w->blocks.n ? w->blocks.v[w->blocks.n - 1] + 1 : 0, at;
	long err;

	if ((err = hfs_vec_reserve(&w->blocks, 1)) < 0 ||
	    (err = hfs_alloc(w->fs, 1, hint, 0, &at)) < 0)
		return err;
	if (w->blocks.n && (err = seal(w, at)) < 0) {
		hfs_free_now(w->fs, at, 1);
		return err;
	}
	w->blocks.v[w->blocks.n++] = at;
	w->used = 0;
	return 0;
}

static long emit(struct snap_writer *w, const uint8_t *op, size_t len)
{
	long err;

	if (w->used + len > HFS_BLOCK_BYTES - HFS_SNAP_HDR && (err = next_block(w)) < 0)
		return err;
	memcpy(w->fs->block + HFS_SNAP_HDR + w->used, op, len);
	w->used += (uint32_t)len;
	return 0;
}

/* The ops that recreate one inode under its parent: CREATE, a file's SIZE and MAPs, ATTR. */
static long emit_inode(struct snap_writer *w, const struct hfs_inode *ip)
{
	uint8_t op[HFS_OP_MAX];
	long err = 0;

	if (ip != w->fs->root)
		err = emit(w, op,
			   hfs_op_create(op, ip->ino, ip->parent->ino, ip->kind, ip->mtime,
					 ip->name, ip->name_len));
	if (!err && ip->kind == HFS_KIND_FILE)
		err = emit(w, op, hfs_op_size(op, ip->ino, ip->size));
	for (uint32_t i = 0; !err && i < ip->map.n; i++) {
		const struct hfs_extent *e = &ip->map.v[i];

		err = emit(w, op, hfs_op_map(op, ip->ino, e->fblock, e->dblock, e->count));
	}
	if (!err && (ip == w->fs->root || ip->ctime != ip->mtime))
		err = emit(w, op, hfs_op_attr(op, ip->ino, ip->mtime, ip->ctime));
	return err;
}

/* Emits the whole tree, parents before children, without recursion. */
static long emit_tree(struct snap_writer *w)
{
	struct frame {
		const struct hfs_inode *dir;
		uint32_t slot;
	} *stack = NULL;
	uint32_t depth = 0, cap = 0;
	long err = emit_inode(w, w->fs->root);

	if (!err && w->fs->root->dir.entries) {
		if (!(stack = malloc(sizeof(*stack) * (cap = 16))))
			return ARCHK_ERR_NO_MEMORY;
		stack[depth++] = (struct frame){w->fs->root, 0};
	}
	while (!err && depth) {
		struct frame *f = &stack[depth - 1];
		uint32_t slot;
		const struct hfs_inode *ip = hfs_dir_next(f->dir, f->slot, &slot);

		if (!ip) {
			depth--;
			continue;
		}
		f->slot = slot + 1;
		if ((err = emit_inode(w, ip)) < 0 || !ip->dir.entries)
			continue;
		if (depth == cap) {
			struct frame *s = realloc(stack, sizeof(*stack) * (cap *= 2));

			if (!s) {
				err = ARCHK_ERR_NO_MEMORY;
				break;
			}
			stack = s;
		}
		stack[depth++] = (struct frame){ip, 0};
	}
	free(stack);
	return err;
}

/* Frees the blocks of a snapshot and of the log that followed it. */
static void free_chain(struct hfs *fs, struct hfs_vec *snap, struct hfs_vec *segs,
		       const struct hfs_logpos *log)
{
	for (uint32_t i = 0; i < snap->n; i++)
		hfs_free_now(fs, snap->v[i], 1);
	for (uint32_t i = 0; i + 1 < segs->n; i += 2)
		hfs_free_now(fs, segs->v[i], segs->v[i + 1]);
	if (log->next)
		hfs_free_now(fs, log->next, log->next_blocks);
	hfs_vec_free(snap);
	hfs_vec_free(segs);
}

long hfs_checkpoint(struct hfs *fs, const struct hfs_buf *manifest)
{
	struct snap_writer w = {.fs = fs};
	struct hfs_vec segs = {0}, old_snap = fs->snap, old_segs = fs->segs;
	struct hfs_logpos old_log = fs->log;
	uint32_t log_start;
	long err;

	if ((err = hfs_vec_reserve(&segs, 2)) < 0 || (err = next_block(&w)) < 0)
		goto fail;
	for (size_t at = 0; !err && at < manifest->len; at += hfs_get16(manifest->p + at + 1))
		err = emit(&w, manifest->p + at, hfs_get16(manifest->p + at + 1));
	if (err || (err = emit_tree(&w)) < 0 || (err = seal(&w, 0)) < 0 ||
	    (err = stage_out(&w)) < 0)
		goto fail;
	if ((err = hfs_alloc(fs, fs->seg_blocks, 0, 0, &log_start)) < 0)
		goto fail;
	segs.v[segs.n++] = log_start;
	segs.v[segs.n++] = (uint32_t)err;
	fs->snap = w.blocks;
	fs->snap_crc = w.crcs;
	fs->segs = segs;
	fs->log = (struct hfs_logpos){.seg = log_start, .seg_blocks = (uint32_t)err};
	fs->log_blocks = (uint32_t)err;
	/* The superblock goes to the other slot: the current one stays valid until the flush. */
	fs->sb_slot ^= 1;
	hfs_sb_encode(fs, fs->stage, fs->seq + 1);
	if ((err = hfs_write_sectors(fs, (uint64_t)fs->sb_slot * HFS_SECTORS_PER_BLOCK, fs->stage,
				     1)) < 0 ||
	    (err = hfs_flush(fs)) < 0)
		return err;
	free_chain(fs, &old_snap, &old_segs, &old_log);
	return 0;
fail:
	for (uint32_t i = 0; i < w.blocks.n; i++)
		hfs_free_now(fs, w.blocks.v[i], 1);
	hfs_vec_free(&w.blocks);
	hfs_vec_free(&segs);
	return err;
}

/* The log may grow to twice the snapshot (or log_min_blocks) before a checkpoint. */
static int log_full(const struct hfs *fs)
{
	uint32_t limit = 2 * fs->snap.n;

	return fs->log_blocks >= (limit > fs->log_min_blocks ? limit : fs->log_min_blocks);
}

long hfs_commit(struct hfs *fs)
{
	struct hfs_vec blocks = {0};
	struct hfs_buf manifest = {0};
	long err;

	if (fs->flags & HFS_MOUNT_READ_ONLY)
		return ARCHK_ERR_READ_ONLY;
	if (fs->failed)
		return ARCHK_ERR_IO;
	if (!fs->ops.len && !fs->pubfresh_list.n)
		return 0;
	/* The manifest needs the CRCs of the data blocks still in the write-back batch. */
	if ((err = hfs_wb_seal(fs)) < 0 || (err = build_manifest(fs, &blocks, &manifest)) < 0)
		goto out;
	err = ARCHK_ERR_NO_SPACE;
	if (HFS_REC_HDR + manifest.len + fs->ops.len <= HFS_REC_MAX && !log_full(fs))
		err = append_record(fs, &manifest);
	if (err == ARCHK_ERR_NO_SPACE && !fs->failed && (err = hfs_wb_flush(fs)) == 0)
		err = hfs_checkpoint(fs, &manifest);
	if (!err)
		committed(fs, &blocks);
	else
		fs->failed = 1;
out:
	hfs_vec_free(&blocks);
	hfs_buf_free(&manifest);
	return err;
}
