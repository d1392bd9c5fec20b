/*
 * The calls of hfs.h on nodes and paths: resolving paths, creating,
 * removing and renaming through ops, listing, and syncing.
 */
#include <archk/path.h>
#include "hfs_block.h"
#include "hfs_dir.h"
#include "hfs_file.h"
#include "hfs_map.h"
#include "hfs_mem.h"
#include "hfs_op.h"

/* The last component of a path and the directory it is in. */
struct lookup {
	struct hfs_inode *dir;
	const char *name; /* NULL: the path names the start directory itself */
	size_t len;
};

/*
 * Walks path from start up to its last component. Empty components and
 * "." are skipped; ".." is INVALID_ARGS (a node reaches only what lies
 * below it); a name over 255 bytes is TOO_LONG; a missing or non-directory
 * component on the way is NOT_FOUND or NOT_DIR.
 */
static long walk(struct hfs_inode *start, const char *path, size_t len, struct lookup *out)
{
	struct hfs_inode *dir = start;
	size_t at = 0;

	if (start->kind != HFS_KIND_DIR)
		return ARCHK_ERR_NOT_DIR;
	if (len > HFS_PATH_MAX)
		return ARCHK_ERR_TOO_LONG;
	if (memchr(path, 0, len))
		return ARCHK_ERR_INVALID_ARGS;
	*out = (struct lookup){.dir = start};
	for (;;) {
		const char *name;
		size_t n;
		long more = archk_path_next(path, len, &at, HFS_NAME_MAX, &name, &n);

		if (more <= 0) {
			if (more < 0)
				return more;
			break;
		}
		if (out->name) { /* the previous component was not the last: step into it */
			struct hfs_inode *next = hfs_dir_lookup(dir, out->name, out->len);

			if (!next)
				return ARCHK_ERR_NOT_FOUND;
			if (next->kind != HFS_KIND_DIR)
				return ARCHK_ERR_NOT_DIR;
			dir = next;
		}
		*out = (struct lookup){.dir = dir, .name = name, .len = n};
	}
	if (!dir->linked) /* a directory removed while open: nothing is below it */
		return ARCHK_ERR_NOT_FOUND;
	return 0;
}

static struct hfs_node *node_new(struct hfs *fs, struct hfs_inode *ip)
{
	struct hfs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->fs = fs;
	n->ip = ip;
	ip->opens++;
	n->next = fs->nodes;
	if (fs->nodes)
		fs->nodes->prev = n;
	fs->nodes = n;
	return n;
}

struct hfs_node *hfs_dup(struct hfs_node *node)
{
	return node_new(node->fs, node->ip);
}

/* 0 if changes are allowed now. */
static long writable(const struct hfs *fs)
{
	if (fs->flags & HFS_MOUNT_READ_ONLY)
		return ARCHK_ERR_READ_ONLY;
	return fs->failed ? ARCHK_ERR_IO : 0;
}

/* Creates name in dir through a CREATE op (and an ATTR op for dir's times). */
static long create(struct hfs *fs, struct hfs_inode *dir, const char *name, size_t len,
		   uint8_t kind, struct hfs_inode **out)
{
	uint8_t op[HFS_OP_MAX];
	int64_t now = fs->disk.now(fs->disk.ctx);
	uint64_t ino = fs->next_ino;
	long err;

	if ((err = writable(fs)) < 0 ||
	    (err = hfs_space_for_meta(fs, HFS_OPB_CREATE + HFS_OPB_ATTR + HFS_OPB_SIZE + len)) <
		0 ||
	    (err = hfs_do(fs, op, hfs_op_create(op, ino, dir->ino, kind, now, name, len))) < 0)
		return err;
	*out = hfs_itab_get(fs, ino);
	return hfs_do(fs, op, hfs_op_attr(op, dir->ino, now, now));
}

long hfs_open(struct hfs *fs, struct hfs_node *dir, const char *path, size_t len, unsigned flags,
	      struct hfs_node **out)
{
	struct hfs_inode *ip;
	struct lookup at;
	long err;

	if ((err = walk(dir ? dir->ip : fs->root, path, len, &at)) < 0)
		return err;
	ip = at.name ? hfs_dir_lookup(at.dir, at.name, at.len) : at.dir;
	if (flags & HFS_CREATE) {
		if (ip && (flags & HFS_EXCL))
			return ARCHK_ERR_EXISTS;
		if (ip && ip->kind == HFS_KIND_DIR && !(flags & HFS_DIR))
			return ARCHK_ERR_IS_DIR;
		if (ip && ip->kind == HFS_KIND_FILE && (flags & HFS_DIR))
			return ARCHK_ERR_NOT_DIR;
		if (!ip && (err = create(fs, at.dir, at.name, at.len,
					 flags & HFS_DIR ? HFS_KIND_DIR : HFS_KIND_FILE, &ip)) < 0)
			return err;
	} else if (!ip) {
		return ARCHK_ERR_NOT_FOUND;
	}
	if ((flags & (HFS_CREATE | HFS_TRUNCATE)) == (HFS_CREATE | HFS_TRUNCATE) &&
	    ip->kind == HFS_KIND_FILE && hfs_file_size(ip) &&
	    ((err = writable(fs)) < 0 || (err = hfs_file_truncate(fs, ip, 0)) < 0))
		return err;
	if (!(*out = node_new(fs, ip)))
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}

void hfs_close(struct hfs_node *node)
{
	struct hfs *fs = node->fs;
	struct hfs_inode *ip = node->ip;

	if (node->prev)
		node->prev->next = node->next;
	else
		fs->nodes = node->next;
	if (node->next)
		node->next->prev = node->prev;
	free(node);
	if (--ip->opens)
		return;
	if (ip->vn && ip->vn->dirty && !fs->failed)
		(void)hfs_file_publish(
		    fs, ip); /* without memory: the changes are lost, as in a crash */
	if (!ip->linked) {
		hfs_destroy(fs, ip);
	} else if (ip->vn && !ip->vn->dirty) {
		hfs_map_free(&ip->vn->overlay);
		free(ip->vn);
		ip->vn = NULL;
	}
}

long hfs_read(struct hfs_node *node, void *buf, size_t len, uint64_t off)
{
	if (node->ip->kind == HFS_KIND_DIR)
		return ARCHK_ERR_IS_DIR;
	return hfs_file_read(node->fs, node->ip, buf, len, off);
}

long hfs_write(struct hfs_node *node, const void *buf, size_t len, uint64_t off)
{
	long err;

	if (node->ip->kind == HFS_KIND_DIR)
		return ARCHK_ERR_IS_DIR;
	if ((err = writable(node->fs)) < 0)
		return err;
	return hfs_file_write(node->fs, node->ip, buf, len, off);
}

long hfs_truncate(struct hfs_node *node, uint64_t size)
{
	long err;

	if (node->ip->kind == HFS_KIND_DIR)
		return ARCHK_ERR_IS_DIR;
	if ((err = writable(node->fs)) < 0)
		return err;
	return hfs_file_truncate(node->fs, node->ip, size);
}

void hfs_stat(const struct hfs_node *node, struct hfs_stat *st)
{
	const struct hfs_inode *ip = node->ip;
	const struct hfs_vnode *vn = ip->vn;

	*st = (struct hfs_stat){
	    .ino = ip->ino, .kind = ip->kind, .mtime = ip->mtime, .ctime = ip->ctime};
	if (ip->kind == HFS_KIND_DIR) {
		st->size = ip->dir.entries;
	} else if (vn) {
		st->size = vn->size;
		st->mtime = vn->mtime;
		st->ctime = vn->ctime;
	} else {
		st->size = ip->size;
	}
}

long hfs_list(struct hfs_node *node, uint64_t pos, void *buf, size_t len)
{
	const struct hfs_inode *dir = node->ip;
	const struct hfs_inode *ip;
	uint8_t *out = buf;
	size_t used = 0;
	uint32_t slot;

	if (dir->kind != HFS_KIND_DIR)
		return ARCHK_ERR_NOT_DIR;
	while ((ip = hfs_dir_next(dir, pos, &slot))) {
		size_t reclen = (sizeof(struct archk_dirent) + ip->name_len + 1 + 7) & ~(size_t)7;
		struct archk_dirent d = {.next = (uint64_t)slot + 1,
					 .reclen = (uint16_t)reclen,
					 .kind = ip->kind,
					 .name_len = ip->name_len};

		if (used + reclen > len)
			return used ? (long)used : ARCHK_ERR_TOO_LONG;
		if (ip->kind == HFS_KIND_FILE)
			d.size = hfs_file_size(ip);
		memset(out + used, 0, reclen);
		memcpy(out + used, &d, sizeof(d));
		memcpy(out + used + sizeof(d), ip->name, ip->name_len);
		used += reclen;
		pos = slot + 1;
	}
	return (long)used;
}

long hfs_remove(struct hfs *fs, struct hfs_node *dir, const char *path, size_t len)
{
	uint8_t op[HFS_OP_MAX];
	int64_t now;
	struct hfs_inode *ip;
	struct lookup at;
	long err;

	if ((err = walk(dir ? dir->ip : fs->root, path, len, &at)) < 0)
		return err;
	if (!at.name)
		return ARCHK_ERR_INVALID_ARGS; /* "" or ".": not a name in a directory */
	if (!(ip = hfs_dir_lookup(at.dir, at.name, at.len)))
		return ARCHK_ERR_NOT_FOUND;
	if (ip->dir.entries)
		return ARCHK_ERR_NOT_EMPTY;
	if ((err = writable(fs)) < 0)
		return err;
	now = fs->disk.now(fs->disk.ctx);
	if ((err = hfs_do(fs, op, hfs_op_remove(op, at.dir->ino, at.name, at.len))) < 0)
		return err;
	return hfs_do(fs, op, hfs_op_attr(op, at.dir->ino, now, now));
}

long hfs_rename(struct hfs *fs, struct hfs_node *dir, const char *from, size_t from_len,
		const char *to, size_t to_len)
{
	struct hfs_inode *start = dir ? dir->ip : fs->root, *src, *dst;
	uint8_t op[HFS_OP_MAX];
	struct lookup a, b;
	int64_t now;
	long err;

	if ((err = walk(start, from, from_len, &a)) < 0 || (err = walk(start, to, to_len, &b)) < 0)
		return err;
	if (!a.name || !b.name)
		return ARCHK_ERR_INVALID_ARGS;
	if (!(src = hfs_dir_lookup(a.dir, a.name, a.len)))
		return ARCHK_ERR_NOT_FOUND;
	for (const struct hfs_inode *d = b.dir; src->kind == HFS_KIND_DIR && d; d = d->parent)
		if (d == src)
			return ARCHK_ERR_INVALID_ARGS; /* into itself */
	if ((dst = hfs_dir_lookup(b.dir, b.name, b.len)) == src)
		return 0;
	if (dst && dst->kind == HFS_KIND_DIR && src->kind != HFS_KIND_DIR)
		return ARCHK_ERR_IS_DIR;
	if (dst && dst->kind != HFS_KIND_DIR && src->kind == HFS_KIND_DIR)
		return ARCHK_ERR_NOT_DIR;
	if (dst && dst->dir.entries)
		return ARCHK_ERR_NOT_EMPTY;
	if ((err = writable(fs)) < 0 ||
	    (b.len > a.len && (err = hfs_space_for_meta(fs, HFS_OPB_RENAME + b.len)) < 0))
		return err;
	now = fs->disk.now(fs->disk.ctx);
	if ((err = hfs_do(
		 fs, op, hfs_op_rename(op, a.dir->ino, a.name, a.len, b.dir->ino, b.name, b.len))) <
		0 ||
	    (err = hfs_do(fs, op, hfs_op_attr(op, a.dir->ino, now, now))) < 0)
		return err;
	if (b.dir != a.dir)
		err = hfs_do(fs, op, hfs_op_attr(op, b.dir->ino, now, now));
	return err;
}

long hfs_sync(struct hfs_node *node)
{
	struct hfs *fs = node->fs;
	long err;

	if (node->ip->kind == HFS_KIND_FILE && (err = writable(fs)) == 0 &&
	    (err = hfs_file_publish(fs, node->ip)) < 0)
		return err;
	return hfs_commit(fs);
}

void hfs_usage(const struct hfs *fs, struct hfs_usage *u)
{
	*u = (struct hfs_usage){.blocks = fs->blocks,
				.free_blocks = fs->free_blocks,
				.files = fs->inodes - fs->dirs,
				.dirs = fs->dirs,
				.seq = fs->seq,
				.log_blocks = fs->log_blocks};
}

void hfs_tune(struct hfs *fs, uint32_t seg_blocks, uint32_t log_min_blocks)
{
	fs->seg_blocks = seg_blocks < 1		       ? 1
			 : seg_blocks > HFS_SEG_BLOCKS ? HFS_SEG_BLOCKS
						       : seg_blocks;
	fs->log_min_blocks = log_min_blocks < 1 ? 1 : log_min_blocks;
}
