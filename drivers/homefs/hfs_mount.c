/*
 * Format, mount and unmount (hfs.h). Mounting reads both superblocks,
 * takes the newest valid one, applies its snapshot and then the log
 * records that follow it while each is the next sequence number with a
 * valid CRC. The last commit found is checked against its VERIFY ops (the
 * data it references for the first time); if that fails the crash cut it
 * short, and the commit before it is the state: the broken one is
 * overwritten on disk so that it can never complete later by accident.
 */
#include "hfs_block.h"
#include "hfs_crc.h"
#include "hfs_dir.h"
#include "hfs_log.h"
#include "hfs_map.h"
#include "hfs_mem.h"
#include "hfs_op.h"

/* A load that found the newest commit incomplete (not an error code). */
#define INCOMPLETE 1

/* Superblock fields mount uses. */
struct sb {
	uint64_t id, seq, blocks;
	uint32_t snap, snap_blocks, snap_crc, log, log_blocks;
	int64_t created;
	int slot;
};

static struct hfs *fs_new(const struct hfs_disk *disk, unsigned flags, char *why, size_t why_len)
{
	struct hfs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	fs->disk = *disk;
	fs->flags = flags | (disk->read_only ? HFS_MOUNT_READ_ONLY : 0);
	fs->why = why;
	fs->why_len = why_len;
	fs->seg_blocks = HFS_SEG_BLOCKS;
	fs->log_min_blocks = HFS_LOG_MIN_BLOCKS;
	fs->stage = malloc(HFS_REC_MAX);
	fs->block = malloc(HFS_BLOCK_BYTES);
	fs->wb = malloc(HFS_SEG_BLOCKS * HFS_BLOCK_BYTES);
	if (!fs->stage || !fs->block || !fs->wb) {
		free(fs->stage);
		free(fs->block);
		free(fs->wb);
		free(fs);
		return NULL;
	}
	return fs;
}

/* Frees the tree, the block state and the commit state: back to fs_new's. */
static void fs_clear(struct hfs *fs)
{
	while (fs->nodes) {
		struct hfs_node *n = fs->nodes;
		struct hfs_inode *ip = n->ip;

		fs->nodes = n->next;
		free(n);
		if (!ip->linked && !--ip->opens)
			hfs_inode_free(ip); /* a removed file still open */
	}
	hfs_itab_free(fs);
	fs->root = NULL;
	hfs_blocks_free(fs);
	hfs_vec_free(&fs->snap);
	hfs_vec_free(&fs->segs);
	hfs_buf_free(&fs->ops);
	fs->inodes = fs->dirs = 0;
	fs->next_ino = 0;
	fs->name_bytes = fs->extents = fs->overlay_extents = fs->overlay_blocks = 0;
	fs->log = (struct hfs_logpos){0};
	fs->log_blocks = 0;
	fs->wb_n = fs->wb_dead = 0;
	fs->live = fs->failed = 0;
}

void hfs_unmount(struct hfs *fs)
{
	if (!fs)
		return;
	fs_clear(fs);
	free(fs->stage);
	free(fs->block);
	free(fs->wb);
	free(fs);
}

/* An empty tree: the root directory. */
static long make_root(struct hfs *fs, int64_t time)
{
	struct hfs_inode *root;

	if (hfs_itab_reserve(fs) < 0 || !(root = hfs_inode_new(HFS_ROOT_INO, HFS_KIND_DIR, "", 0)))
		return ARCHK_ERR_NO_MEMORY;
	root->linked = 1;
	root->mtime = root->ctime = time;
	hfs_itab_add(fs, root);
	fs->root = root;
	return 0;
}

static uint32_t disk_blocks(const struct hfs_disk *disk)
{
	uint64_t blocks = disk->sectors / HFS_SECTORS_PER_BLOCK;

	return blocks > HFS_MAX_BLOCKS ? HFS_MAX_BLOCKS : (uint32_t)blocks;
}

/* A filesystem identity that differs between formats of the same disk. */
static uint64_t new_id(const struct hfs_disk *disk, int64_t now)
{
	static uint64_t counter;
	uint64_t x =
	    (uint64_t)now ^ disk->sectors << 20 ^ (uint64_t)(uintptr_t)&x ^ ++counter << 48;

	/* splitmix64's finaliser */
	x = (x ^ x >> 30) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ x >> 27) * 0x94d049bb133111ebull;
	return x ^ x >> 31;
}

long hfs_format(const struct hfs_disk *disk)
{
	struct hfs_buf no_manifest = {0};
	struct hfs *fs;
	long err;

	if (disk->read_only)
		return ARCHK_ERR_READ_ONLY;
	if (disk_blocks(disk) < HFS_MIN_BLOCKS)
		return ARCHK_ERR_INVALID_ARGS;
	if (!(fs = fs_new(disk, 0, NULL, 0)))
		return ARCHK_ERR_NO_MEMORY;
	fs->created = disk->now(disk->ctx);
	fs->fs_id = new_id(disk, fs->created);
	fs->sb_slot = 1; /* the checkpoint writes slot 0 */
	if ((err = hfs_blocks_init(fs, disk_blocks(disk))) < 0 ||
	    (err = make_root(fs, fs->created)) < 0)
		goto out;
	/* An older superblock in slot 1 must not win: zero it (flushed with the checkpoint). */
	memset(fs->stage, 0, HFS_SECTOR_BYTES);
	if ((err = hfs_write_sectors(fs, HFS_SECTORS_PER_BLOCK, fs->stage, 1)) < 0)
		goto out;
	err = hfs_checkpoint(fs, &no_manifest);
out:
	hfs_unmount(fs);
	return err;
}

/* Reads the superblock of slot into *sb: 1 if valid, 0 if not, -1 without its magic. */
static int read_sb(struct hfs *fs, int slot, struct sb *sb, long *err)
{
	uint8_t *s = fs->stage;
	uint32_t crc;

	if ((*err = fs->disk.read(fs->disk.ctx, (uint64_t)slot * HFS_SECTORS_PER_BLOCK, s, 1)) < 0)
		return 0;
	if (memcmp(s + HFS_SB_MAGIC_O, HFS_SB_MAGIC, 8))
		return -1;
	crc = hfs_get32(s + HFS_SB_CRC_O);
	hfs_put32(s + HFS_SB_CRC_O, 0);
	*sb = (struct sb){
	    .id = hfs_get64(s + HFS_SB_ID_O),
	    .seq = hfs_get64(s + HFS_SB_SEQ_O),
	    .blocks = hfs_get64(s + HFS_SB_BLOCKS_O),
	    .snap = hfs_get32(s + HFS_SB_SNAP_O),
	    .snap_blocks = hfs_get32(s + HFS_SB_SNAPN_O),
	    .snap_crc = hfs_get32(s + HFS_SB_SNAPCRC_O),
	    .log = hfs_get32(s + HFS_SB_LOG_O),
	    .log_blocks = hfs_get32(s + HFS_SB_LOGN_O),
	    .created = (int64_t)hfs_get64(s + HFS_SB_TIME_O),
	    .slot = slot,
	};
	return hfs_crc32c(0, s, HFS_SECTOR_BYTES) == crc &&
	       hfs_get32(s + HFS_SB_VERS_O) == HFS_VERSION &&
	       hfs_get32(s + HFS_SB_BSIZE_O) == HFS_BLOCK_BYTES && sb->blocks >= HFS_MIN_BLOCKS &&
	       sb->blocks <= disk_blocks(&fs->disk) && sb->snap_blocks && sb->log_blocks &&
	       sb->log_blocks <= HFS_SEG_BLOCKS;
}

/*
 * Checks data blocks against the VERIFY ops in v (block, count, crc each):
 * 1 if every run's CRC of block CRCs matches, 0 if not, or an error.
 */
static long verify_data(struct hfs *fs, const struct hfs_vec *v)
{
	for (uint32_t i = 0; i + 2 < v->n; i += 3) {
		uint32_t block = v->v[i], left = v->v[i + 1], crcs = 0;

		while (left) {
			uint32_t n = left < HFS_SEG_BLOCKS ? left : HFS_SEG_BLOCKS;
			long err = hfs_read_blocks(fs, block, fs->stage, n);

			if (err < 0)
				return err;
			for (uint32_t k = 0; k < n; k++)
				crcs = hfs_crc32c_u32(
				    crcs, hfs_crc32c(0, fs->stage + (size_t)k * HFS_BLOCK_BYTES,
						     HFS_BLOCK_BYTES));
			block += n;
			left -= n;
		}
		if (crcs != v->v[i + 2])
			return 0;
	}
	return 1;
}

/*
 * Applies the snapshot of sb; its VERIFY ops go to verify. Each block must
 * pass its own check, and all of them together the superblock's CRC of
 * their CRCs: blocks left by an earlier attempt at a checkpoint with the
 * same sequence number do not mix in.
 */
static long load_snapshot(struct hfs *fs, const struct sb *sb, struct hfs_vec *verify)
{
	uint32_t block = sb->snap, crcs = 0;
	long err;

	if ((err = hfs_vec_reserve(&fs->snap, sb->snap_blocks)) < 0)
		return err;
	for (uint32_t i = 0; i < sb->snap_blocks; i++) {
		if (block < HFS_FIRST_DATA_BLOCK || block >= fs->blocks)
			return INCOMPLETE;
		if ((err = hfs_read_blocks(fs, block, fs->block, 1)) < 0)
			return err;
		if (!hfs_snap_block_ok(fs, fs->block, sb->seq, i))
			return INCOMPLETE;
		crcs = hfs_crc32c_u32(crcs, hfs_get32(fs->block + HFS_SNAP_CRC_O));
		fs->snap.v[fs->snap.n++] = block;
		if ((err = hfs_apply(fs, fs->block + HFS_SNAP_HDR,
				     hfs_get32(fs->block + HFS_SNAP_BYTES_O), verify)) < 0)
			return err;
		block = hfs_get32(fs->block + HFS_SNAP_NEXT_O);
	}
	if (crcs != sb->snap_crc)
		return INCOMPLETE;
	fs->snap_crc = crcs;
	return block ? hfs_corrupt(fs, "the snapshot goes on past its %u blocks", sb->snap_blocks)
		     : 0;
}

/*
 * Reads the record with sequence number seq at sector `at` of the segment
 * pos->seg (pos->seg_blocks long) into buf: its bytes, 0 if it is not there.
 */
static long read_record(struct hfs *fs, uint32_t seg, uint32_t seg_blocks, uint32_t at,
			uint64_t seq, uint8_t *buf)
{
	uint32_t room = seg_blocks * HFS_SECTORS_PER_BLOCK - at, bytes;
	uint64_t sector = (uint64_t)seg * HFS_SECTORS_PER_BLOCK + at;
	long err;

	if (!seg || at >= seg_blocks * HFS_SECTORS_PER_BLOCK || seg_blocks > HFS_SEG_BLOCKS ||
	    seg < HFS_FIRST_DATA_BLOCK || seg + seg_blocks > fs->blocks)
		return 0;
	if ((err = fs->disk.read(fs->disk.ctx, sector, buf, 1)) < 0)
		return err;
	if (!(bytes = hfs_record_header_ok(fs, buf, seq, seg_blocks, room)))
		return 0;
	if (bytes > HFS_SECTOR_BYTES &&
	    (err = fs->disk.read(fs->disk.ctx, sector + 1, buf + HFS_SECTOR_BYTES,
				 (bytes - 1) / HFS_SECTOR_BYTES)) < 0)
		return err;
	return hfs_record_crc_ok(buf, bytes) ? bytes : 0;
}

/* The VERIFY ops at the start of a record's ops, into v. */
static long record_manifest(struct hfs *fs, const uint8_t *rec, uint32_t bytes, struct hfs_vec *v)
{
	size_t at = HFS_REC_HDR, n;

	while (at + HFS_OP_HDR <= bytes && rec[at] == HFS_OP_VERIFY &&
	       (n = hfs_get16(rec + at + 1)) >= HFS_OP_HDR && n <= bytes - at)
		at += n;
	v->n = 0;
	return hfs_apply(fs, rec + HFS_REC_HDR, at - HFS_REC_HDR, v);
}

/* A record found in the log: where it starts (at.used: its first sector) and its bytes. */
struct found {
	struct hfs_logpos at;
	uint8_t *buf;
	uint32_t bytes;
};

static uint32_t sectors_of(uint32_t bytes)
{
	return (bytes + HFS_SECTOR_BYTES - 1) / HFS_SECTOR_BYTES;
}

/* Reads record seq at out->at into out: 1 if it is there, 0 if not, or an error. */
static long found_at(struct hfs *fs, uint64_t seq, struct found *out)
{
	long n = read_record(fs, out->at.seg, out->at.seg_blocks, out->at.used, seq, out->buf);

	if (n <= 0)
		return n;
	out->bytes = (uint32_t)n;
	return 1;
}

/*
 * Looks for record seq after the record r: right after it in its segment,
 * else at the start of the segment r reserved.
 */
static long find_next(struct hfs *fs, const struct found *r, uint64_t seq, struct found *out)
{
	long got;

	out->at = (struct hfs_logpos){.seg = r->at.seg,
				      .seg_blocks = r->at.seg_blocks,
				      .used = r->at.used + sectors_of(r->bytes)};
	if ((got = found_at(fs, seq, out)) != 0)
		return got;
	out->at = (struct hfs_logpos){.seg = hfs_get32(r->buf + HFS_REC_NEXT_O),
				      .seg_blocks = hfs_get32(r->buf + HFS_REC_NEXTN_O)};
	return found_at(fs, seq, out);
}

/*
 * Overwrites the first sector of each commit the mount found cut short (a
 * superblock, a log record) and flushes, so that the rest of it arriving
 * later cannot complete it. Only once the mount has succeeded: a home that
 * cannot be mounted is left as it is.
 */
static long discard_incomplete(struct hfs *fs)
{
	long err = 0;

	if ((fs->flags & HFS_MOUNT_READ_ONLY) || !fs->discarded)
		return 0;
	memset(fs->stage, 0, HFS_SECTOR_BYTES);
	for (int i = 0; i < 2 && !err; i++)
		if (fs->discarded & (1u << i))
			err = hfs_write_sectors(fs, fs->discard[i], fs->stage, 1);
	return err ? err : hfs_flush(fs);
}

/* Marks a segment of the log used and counts it. */
static long log_segment(struct hfs *fs, uint32_t seg, uint32_t blocks)
{
	long err;

	if ((err = hfs_vec_push(&fs->segs, seg)) < 0 || (err = hfs_vec_push(&fs->segs, blocks)) < 0)
		return err;
	fs->log_blocks += blocks;
	return 0;
}

/*
 * Applies the log records after the checkpoint sb. The last one is applied
 * only if its data verifies; if none is there, the checkpoint's own data
 * (snap_verify) must verify, or the checkpoint is INCOMPLETE.
 */
static long replay_log(struct hfs *fs, const struct sb *sb, struct hfs_vec *snap_verify)
{
	uint8_t *bufs[2] = {malloc(HFS_REC_MAX), malloc(HFS_REC_MAX)};
	struct found cur = {.buf = bufs[0]}, next = {.buf = bufs[1]}, swap;
	struct hfs_vec verify = {0};
	uint64_t seq = sb->seq + 1;
	long err, got;

	fs->log = (struct hfs_logpos){.seg = sb->log, .seg_blocks = sb->log_blocks};
	cur.at = fs->log;
	got = 0;
	if (!bufs[0] || !bufs[1])
		err = ARCHK_ERR_NO_MEMORY;
	else if ((err = log_segment(fs, sb->log, sb->log_blocks)) == 0 &&
		 (err = got = found_at(fs, seq, &cur)) == 0) {
		/* No record: the checkpoint is the last commit. */
		err = verify_data(fs, snap_verify);
		err = err < 0 ? err : err ? 0 : INCOMPLETE;
	}
	while (got > 0) {
		if ((got = find_next(fs, &cur, seq + 1, &next)) < 0) {
			err = got;
			break;
		}
		if (!got) { /* cur is the last commit: it counts only if its data verify */
			if ((err = record_manifest(fs, cur.buf, cur.bytes, &verify)) < 0 ||
			    (err = verify_data(fs, &verify)) < 0)
				break;
			if (!err) {
				fs->discarded |= HFS_DISCARDED_RECORD;
				fs->discard[1] =
				    (uint64_t)cur.at.seg * HFS_SECTORS_PER_BLOCK + cur.at.used;
				break;
			}
		}
		if ((err = hfs_apply(fs, cur.buf + HFS_REC_HDR, cur.bytes - HFS_REC_HDR, NULL)) < 0)
			break;
		if (cur.at.seg != fs->log.seg &&
		    (err = log_segment(fs, cur.at.seg, cur.at.seg_blocks)) < 0)
			break;
		fs->seq = seq++;
		fs->log = (struct hfs_logpos){.seg = cur.at.seg,
					      .seg_blocks = cur.at.seg_blocks,
					      .used = cur.at.used + sectors_of(cur.bytes),
					      .next = hfs_get32(cur.buf + HFS_REC_NEXT_O),
					      .next_blocks = hfs_get32(cur.buf + HFS_REC_NEXTN_O)};
		err = 0;
		swap = cur;
		cur = next;
		next = swap;
	}
	free(bufs[0]);
	free(bufs[1]);
	hfs_vec_free(&verify);
	return err;
}

/* Marks every block the mounted state uses; CORRUPT if two things claim one. */
static long claim_all(struct hfs *fs)
{
	long err = 0;

	for (uint32_t i = 0; !err && i < fs->snap.n; i++)
		err = hfs_claim(fs, fs->snap.v[i], 1);
	for (uint32_t i = 0; !err && i + 1 < fs->segs.n; i += 2)
		err = hfs_claim(fs, fs->segs.v[i], fs->segs.v[i + 1]);
	if (!err && fs->log.next)
		err = hfs_claim(fs, fs->log.next, fs->log.next_blocks);
	if (err)
		return hfs_corrupt(fs, "the log or snapshot uses a block twice or out of range");
	for (uint32_t b = 0; b < fs->itab_cap; b++)
		for (struct hfs_inode *ip = fs->itab[b]; ip; ip = ip->hnext)
			for (uint32_t i = 0; i < ip->map.n; i++)
				if (hfs_claim(fs, ip->map.v[i].dblock, ip->map.v[i].count) < 0)
					return hfs_corrupt(fs, "inode %llu uses a block in use",
							   (unsigned long long)ip->ino);
	return 0;
}

/* Loads the checkpoint sb and the log after it. */
static long load(struct hfs *fs, const struct sb *sb)
{
	struct hfs_vec snap_verify = {0};
	long err;

	fs->fs_id = sb->id;
	fs->seq = sb->seq;
	fs->sb_slot = sb->slot;
	fs->created = sb->created;
	if ((err = hfs_blocks_init(fs, (uint32_t)sb->blocks)) < 0 ||
	    (err = make_root(fs, sb->created)) < 0)
		return err;
	if ((err = load_snapshot(fs, sb, &snap_verify)) == 0 &&
	    (err = replay_log(fs, sb, &snap_verify)) == 0)
		err = claim_all(fs);
	hfs_vec_free(&snap_verify);
	return err;
}

long hfs_mount(const struct hfs_disk *disk, unsigned flags, struct hfs **out, char *why,
	       size_t why_len)
{
	struct sb sbs[2];
	int valid[2], order[2];
	long err = 0;
	struct hfs *fs;

	*out = NULL;
	if (why_len)
		why[0] = 0;
	if (disk_blocks(disk) < HFS_MIN_BLOCKS)
		return ARCHK_ERR_INVALID_ARGS;
	if (!(fs = fs_new(disk, flags, why, why_len)))
		return ARCHK_ERR_NO_MEMORY;
	for (int i = 0; i < 2; i++)
		if ((valid[i] = read_sb(fs, i, &sbs[i], &err)) == 0 && err < 0)
			goto fail;
	if (valid[0] < 0 && valid[1] < 0) {
		err = hfs_corrupt(fs, "no homefs superblock (bad magic)");
		goto fail;
	}
	order[0] = valid[1] > 0 && (valid[0] <= 0 || sbs[1].seq > sbs[0].seq);
	order[1] = !order[0];
	err = hfs_corrupt(fs, "no superblock passes its check");
	for (int k = 0; k < 2 && valid[order[k]] > 0; k++) {
		unsigned discarded = fs->discarded;

		if ((err = load(fs, &sbs[order[k]])) != INCOMPLETE)
			break;
		/* The newest checkpoint did not reach the disk whole: fall back, and forget it. */
		fs_clear(fs);
		fs->discarded = discarded | HFS_DISCARDED_CHECKPOINT;
		fs->discard[0] = (uint64_t)order[k] * HFS_SECTORS_PER_BLOCK;
		err = hfs_corrupt(fs, "no complete checkpoint (snapshot blocks fail their check)");
	}
	if (err || (err = discard_incomplete(fs)) < 0)
		goto fail;
	fs->live = 1;
	fs->why = NULL;
	fs->why_len = 0;
	*out = fs;
	return 0;
fail:
	hfs_unmount(fs);
	return err;
}
