/*
 * Encoding and applying ops (hfs_op.h). Applying checks everything an op
 * claims against the tree, so a log damaged in a way its CRC missed is
 * refused rather than mounted half way.
 */
#include "hfs_op.h"
#include "hfs_block.h"
#include "hfs_dir.h"
#include "hfs_map.h"
#include "hfs_mem.h"

long hfs_corrupt(struct hfs *fs, const char *fmt, ...)
{
	va_list ap;

	if (fs->why && fs->why_len) {
		va_start(ap, fmt);
		vsnprintf(fs->why, fs->why_len, fmt, ap);
		va_end(ap);
	}
	return ARCHK_ERR_CORRUPT;
}

/* ---- encoding ---- */

static uint8_t *op_start(uint8_t *p, enum hfs_op_type type)
{
	p[0] = (uint8_t)type;
	return p + HFS_OP_HDR;
}

/* Stores the op's total length in its header. */
static size_t op_end(uint8_t *p, const uint8_t *end)
{
	size_t len = (size_t)(end - p);

	hfs_put16(p + 1, (uint16_t)len);
	return len;
}

static uint8_t *put_name(uint8_t *q, const char *name, size_t len)
{
	*q++ = (uint8_t)len;
	memcpy(q, name, len);
	return q + len;
}

size_t hfs_op_create(uint8_t *p, uint64_t ino, uint64_t parent, uint8_t kind, int64_t time,
		     const char *name, size_t len)
{
	uint8_t *q = op_start(p, HFS_OP_CREATE);

	hfs_put64(q, ino);
	hfs_put64(q + 8, parent);
	q[16] = kind;
	hfs_put64(q + 17, (uint64_t)time);
	return op_end(p, put_name(q + 25, name, len));
}

size_t hfs_op_remove(uint8_t *p, uint64_t parent, const char *name, size_t len)
{
	uint8_t *q = op_start(p, HFS_OP_REMOVE);

	hfs_put64(q, parent);
	return op_end(p, put_name(q + 8, name, len));
}

size_t hfs_op_rename(uint8_t *p, uint64_t from_parent, const char *from, size_t from_len,
		     uint64_t to_parent, const char *to, size_t to_len)
{
	uint8_t *q = op_start(p, HFS_OP_RENAME);

	hfs_put64(q, from_parent);
	hfs_put64(q + 8, to_parent);
	q = put_name(q + 16, from, from_len);
	return op_end(p, put_name(q, to, to_len));
}

size_t hfs_op_attr(uint8_t *p, uint64_t ino, int64_t mtime, int64_t ctime)
{
	uint8_t *q = op_start(p, HFS_OP_ATTR);

	hfs_put64(q, ino);
	hfs_put64(q + 8, (uint64_t)mtime);
	hfs_put64(q + 16, (uint64_t)ctime);
	return op_end(p, q + 24);
}

size_t hfs_op_size(uint8_t *p, uint64_t ino, uint64_t size)
{
	uint8_t *q = op_start(p, HFS_OP_SIZE);

	hfs_put64(q, ino);
	hfs_put64(q + 8, size);
	return op_end(p, q + 16);
}

size_t hfs_op_map(uint8_t *p, uint64_t ino, uint64_t fblock, uint32_t dblock, uint32_t count)
{
	uint8_t *q = op_start(p, HFS_OP_MAP);

	hfs_put64(q, ino);
	hfs_put64(q + 8, fblock);
	hfs_put32(q + 16, dblock);
	hfs_put32(q + 20, count);
	return op_end(p, q + 24);
}

size_t hfs_op_verify(uint8_t *p, uint32_t dblock, uint32_t count, uint32_t crc)
{
	uint8_t *q = op_start(p, HFS_OP_VERIFY);

	hfs_put32(q, dblock);
	hfs_put32(q + 4, count);
	hfs_put32(q + 8, crc);
	return op_end(p, q + 12);
}

/* ---- applying ---- */

/* A linked inode of the given kind (0: any), or NULL. */
static struct hfs_inode *linked(const struct hfs *fs, uint64_t ino, uint8_t kind)
{
	struct hfs_inode *ip = hfs_itab_get(fs, ino);

	return ip && ip->linked && (!kind || ip->kind == kind) ? ip : NULL;
}

/* Releases a file's blocks when mounted; a replay has no block state yet. */
static hfs_release_fn *releaser(const struct hfs *fs)
{
	return fs->live ? hfs_release : NULL;
}

/*
 * Frees an inode out of the tree. Its blocks wait for the next commit,
 * unless the commit that recorded its removal is durable already: then no
 * commit a mount could choose references them.
 */
void hfs_destroy(struct hfs *fs, struct hfs_inode *ip)
{
	hfs_release_fn *release = releaser(fs);

	if (release && ip->removed_in && ip->removed_in <= fs->seq)
		release = hfs_free_now;
	if (ip->vn) {
		fs->overlay_extents -= ip->vn->overlay.n;
		fs->overlay_blocks -= ip->vn->overlay_blocks;
		hfs_map_cut(&ip->vn->overlay, 0, release, fs);
	}
	hfs_map_cut(&ip->map, 0, release, fs);
	hfs_inode_free(ip);
}

/*
 * Removes ip from the tree. An open file lives on, out of the tree, until
 * its last close; the blocks it published since the last commit are no
 * longer the tree's, so the next commit must not list them for checking.
 */
void hfs_unlink(struct hfs *fs, struct hfs_inode *ip)
{
	hfs_dir_remove(ip->parent, ip);
	hfs_itab_del(fs, ip);
	ip->linked = 0;
	ip->removed_in = fs->seq + 1;
	fs->extents -= ip->map.n;
	if (!ip->opens) {
		hfs_destroy(fs, ip);
		return;
	}
	for (uint32_t i = 0; fs->live && i < ip->map.n; i++)
		for (uint32_t b = 0; b < ip->map.v[i].count; b++)
			hfs_bit_clear(&fs->pubfresh, ip->map.v[i].dblock + b);
}

static long apply_create(struct hfs *fs, uint64_t ino, uint64_t parent_ino, uint8_t kind,
			 int64_t time, const char *name, size_t len)
{
	struct hfs_inode *parent = linked(fs, parent_ino, HFS_KIND_DIR), *ip;

	if (kind != HFS_KIND_FILE && kind != HFS_KIND_DIR)
		return hfs_corrupt(fs, "CREATE of kind %u", kind);
	if (!parent || !hfs_name_ok(name, len))
		return hfs_corrupt(fs, "CREATE in a missing directory %llu or of a bad name",
				   (unsigned long long)parent_ino);
	if (ino <= HFS_ROOT_INO || hfs_itab_get(fs, ino) || hfs_dir_lookup(parent, name, len))
		return hfs_corrupt(fs, "CREATE of inode %llu or of a name that exists",
				   (unsigned long long)ino);
	if (hfs_itab_reserve(fs) < 0 || hfs_dir_reserve(parent) < 0 ||
	    !(ip = hfs_inode_new(ino, kind, name, len)))
		return ARCHK_ERR_NO_MEMORY;
	ip->mtime = ip->ctime = time;
	ip->linked = 1;
	hfs_itab_add(fs, ip);
	hfs_dir_insert(parent, ip);
	return 0;
}

static long apply_remove(struct hfs *fs, uint64_t parent_ino, const char *name, size_t len)
{
	struct hfs_inode *parent = linked(fs, parent_ino, HFS_KIND_DIR);
	struct hfs_inode *ip = parent ? hfs_dir_lookup(parent, name, len) : NULL;

	if (!ip)
		return hfs_corrupt(fs, "REMOVE of a missing name in %llu",
				   (unsigned long long)parent_ino);
	if (ip->dir.entries)
		return hfs_corrupt(fs, "REMOVE of a directory that is not empty");
	hfs_unlink(fs, ip);
	return 0;
}

/* True if dir is ip or lies below it. */
static int within(const struct hfs_inode *dir, const struct hfs_inode *ip)
{
	for (; dir; dir = dir->parent)
		if (dir == ip)
			return 1;
	return 0;
}

static long apply_rename(struct hfs *fs, uint64_t from_ino, const char *from, size_t from_len,
			 uint64_t to_ino, const char *to, size_t to_len)
{
	struct hfs_inode *fp = linked(fs, from_ino, HFS_KIND_DIR);
	struct hfs_inode *tp = linked(fs, to_ino, HFS_KIND_DIR);
	struct hfs_inode *src = fp ? hfs_dir_lookup(fp, from, from_len) : NULL, *dst;
	char *copy;

	if (!src || !tp || !hfs_name_ok(to, to_len))
		return hfs_corrupt(fs, "RENAME of a missing name or to a bad one");
	if (src->kind == HFS_KIND_DIR && within(tp, src))
		return hfs_corrupt(fs, "RENAME of a directory into itself");
	dst = hfs_dir_lookup(tp, to, to_len);
	if (dst == src)
		return 0;
	if (dst && (dst->kind != src->kind || dst->dir.entries))
		return hfs_corrupt(fs, "RENAME over a name of another kind or a full directory");
	if (hfs_dir_reserve(tp) < 0 || !(copy = hfs_name_copy(to, to_len)))
		return ARCHK_ERR_NO_MEMORY;
	if (dst)
		hfs_unlink(fs, dst);
	hfs_dir_remove(fp, src);
	fs->name_bytes += to_len - src->name_len;
	hfs_inode_set_name(src, copy, to_len);
	hfs_dir_insert(tp, src);
	return 0;
}

static long apply_size(struct hfs *fs, uint64_t ino, uint64_t size)
{
	struct hfs_inode *ip = linked(fs, ino, HFS_KIND_FILE);
	uint32_t before;

	if (!ip || size > HFS_FILE_MAX)
		return hfs_corrupt(fs, "SIZE of a missing file %llu or past the limit",
				   (unsigned long long)ino);
	before = ip->map.n;
	hfs_map_cut(&ip->map, (size + HFS_BLOCK_BYTES - 1) / HFS_BLOCK_BYTES, releaser(fs), fs);
	fs->extents -= before - ip->map.n;
	ip->size = size;
	return 0;
}

static long apply_map(struct hfs *fs, uint64_t ino, uint64_t fblock, uint32_t dblock,
		      uint32_t count)
{
	struct hfs_inode *ip = linked(fs, ino, HFS_KIND_FILE);
	uint32_t before;

	if (!ip || !count || dblock < HFS_FIRST_DATA_BLOCK || dblock >= fs->blocks ||
	    count > fs->blocks - dblock || fblock + count > HFS_FILE_MAX / HFS_BLOCK_BYTES)
		return hfs_corrupt(fs, "MAP of a missing file %llu or of blocks out of range",
				   (unsigned long long)ino);
	if (hfs_map_reserve(&ip->map, 2) < 0)
		return ARCHK_ERR_NO_MEMORY;
	before = ip->map.n;
	hfs_map_set(&ip->map, fblock, dblock, count, releaser(fs), fs);
	fs->extents += ip->map.n;
	fs->extents -= before;
	return 0;
}

/* Reads a length-prefixed name at q, within end; NULL if it overruns. */
static const uint8_t *get_name(const uint8_t *q, const uint8_t *end, const char **name, size_t *len)
{
	if (q >= end || *q > end - q - 1)
		return NULL;
	*len = *q;
	*name = (const char *)q + 1;
	return q + 1 + *len;
}

/* Applies one op of exactly len bytes. */
static long apply_one(struct hfs *fs, const uint8_t *p, size_t len, struct hfs_vec *verify)
{
	const uint8_t *q = p + HFS_OP_HDR, *end = p + len;
	const char *n1, *n2;
	size_t l1, l2;

	switch (p[0]) {
	case HFS_OP_CREATE:
		if (len < HFS_OPB_CREATE || get_name(q + 25, end, &n1, &l1) != end)
			break;
		return apply_create(fs, hfs_get64(q), hfs_get64(q + 8), q[16],
				    (int64_t)hfs_get64(q + 17), n1, l1);
	case HFS_OP_REMOVE:
		if (len < HFS_OPB_REMOVE || get_name(q + 8, end, &n1, &l1) != end)
			break;
		return apply_remove(fs, hfs_get64(q), n1, l1);
	case HFS_OP_RENAME:
		if (len < HFS_OPB_RENAME || !(q = get_name(p + HFS_OP_HDR + 16, end, &n1, &l1)) ||
		    get_name(q, end, &n2, &l2) != end)
			break;
		q = p + HFS_OP_HDR;
		return apply_rename(fs, hfs_get64(q), n1, l1, hfs_get64(q + 8), n2, l2);
	case HFS_OP_ATTR: {
		struct hfs_inode *ip = linked(fs, hfs_get64(q), 0);

		if (len != HFS_OPB_ATTR)
			break;
		if (!ip)
			return hfs_corrupt(fs, "ATTR of a missing inode");
		ip->mtime = (int64_t)hfs_get64(q + 8);
		ip->ctime = (int64_t)hfs_get64(q + 16);
		return 0;
	}
	case HFS_OP_SIZE:
		if (len != HFS_OPB_SIZE)
			break;
		return apply_size(fs, hfs_get64(q), hfs_get64(q + 8));
	case HFS_OP_MAP:
		if (len != HFS_OPB_MAP)
			break;
		return apply_map(fs, hfs_get64(q), hfs_get64(q + 8), hfs_get32(q + 16),
				 hfs_get32(q + 20));
	case HFS_OP_VERIFY: {
		uint32_t block = hfs_get32(q), count = hfs_get32(q + 4);

		if (len != HFS_OPB_VERIFY)
			break;
		if (block < HFS_FIRST_DATA_BLOCK || !count || block >= fs->blocks ||
		    count > fs->blocks - block)
			return hfs_corrupt(fs, "VERIFY of blocks out of range");
		if (verify && (hfs_vec_reserve(verify, 3) < 0))
			return ARCHK_ERR_NO_MEMORY;
		if (verify) {
			verify->v[verify->n++] = block;
			verify->v[verify->n++] = count;
			verify->v[verify->n++] = hfs_get32(q + 8);
		}
		return 0;
	}
	}
	return hfs_corrupt(fs, "a malformed op of type %u and %zu bytes", p[0], len);
}

long hfs_apply(struct hfs *fs, const uint8_t *ops, size_t len, struct hfs_vec *verify)
{
	size_t at = 0;

	while (at < len) {
		size_t n;
		long err;

		if (len - at < HFS_OP_HDR || (n = hfs_get16(ops + at + 1)) < HFS_OP_HDR ||
		    n > len - at)
			return hfs_corrupt(fs, "an op overruns its record");
		if ((err = apply_one(fs, ops + at, n, verify)) < 0)
			return err;
		at += n;
	}
	return 0;
}

long hfs_do(struct hfs *fs, const uint8_t *op, size_t len)
{
	size_t before = fs->ops.len;
	long err = hfs_buf_append(&fs->ops, op, len);

	if (err < 0)
		return err;
	if ((err = apply_one(fs, op, len, NULL)) < 0)
		fs->ops.len = before;
	return err;
}
