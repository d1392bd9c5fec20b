/*
 * hfs_check (hfs.h): an offline verification. Mounting read-only already
 * checks every commit it applies (CRCs, sequence numbers, each op against
 * the tree, no block used twice); this adds the tree's own invariants and
 * reads every block in use, so that a home that passes can be mounted and
 * read completely.
 */
#include <stdarg.h>
#include "hfs_block.h"
#include "hfs_dir.h"
#include "hfs_mem.h"

struct checker {
	struct hfs *fs;
	void (*report)(void *ctx, const char *line);
	void *ctx;
	long problems;
	uint64_t seen; /* inodes reached from the root */
	char line[HFS_PATH_MAX + 256];
};

static void say(struct checker *c, int problem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports one line; counts it as a problem if it is one. */
static void say(struct checker *c, int problem, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->line, sizeof(c->line), fmt, ap);
	va_end(ap);
	c->report(c->ctx, c->line);
	c->problems += problem;
}

/* The path of ip from the root, for messages (the tail if it is too long). */
static const char *path_of(const struct hfs_inode *ip, char *buf, size_t len)
{
	size_t at = len - 1;

	buf[at] = 0;
	for (; ip && ip->parent && at > ip->name_len + 1u; ip = ip->parent) {
		at -= ip->name_len;
		memcpy(buf + at, ip->name, ip->name_len);
		buf[--at] = '/';
	}
	if (at == len - 1)
		buf[--at] = '/';
	return buf + at;
}

/* One node's own invariants. */
static void check_inode(struct checker *c, const struct hfs_inode *dir, const struct hfs_inode *ip)
{
	char path[HFS_PATH_MAX];
	uint64_t blocks = (ip->size + HFS_BLOCK_BYTES - 1) / HFS_BLOCK_BYTES;

	c->seen++;
	if (ip->parent != dir || !hfs_name_ok(ip->name, ip->name_len) || !ip->linked)
		say(c, 1, "%s: a bad name or parent link", path_of(ip, path, sizeof(path)));
	for (uint32_t i = 0; i < ip->map.n; i++) {
		const struct hfs_extent *e = &ip->map.v[i];

		if (e->fblock + e->count > blocks ||
		    (i && e->fblock < ip->map.v[i - 1].fblock + ip->map.v[i - 1].count))
			say(c, 1, "%s: blocks past its end or out of order",
			    path_of(ip, path, sizeof(path)));
	}
}

/* Walks the tree from the root without recursion (each directory's slots in order). */
static void check_tree(struct checker *c)
{
	const struct hfs_inode *dir = c->fs->root, *ip;
	uint64_t pos = 0;
	uint32_t slot;

	c->seen = 1;
	while (dir) {
		if ((ip = hfs_dir_next(dir, pos, &slot))) {
			check_inode(c, dir, ip);
			pos = slot + 1;
			if (ip->kind == HFS_KIND_DIR && ip->dir.entries) {
				dir = ip;
				pos = 0;
			}
			continue;
		}
		/* dir is done: go on after it in its parent */
		pos = (uint64_t)dir->slot + 1;
		dir = dir->parent;
	}
	if (c->seen != c->fs->inodes)
		say(c, 1, "%llu inodes are not reachable from the root",
		    (unsigned long long)(c->fs->inodes - c->seen));
}

/* Reads every block in use, so an unreadable one shows up now. */
static void check_reads(struct checker *c)
{
	struct hfs *fs = c->fs;

	for (uint32_t b = 0; b < fs->blocks;) {
		uint32_t n = 0;
		long err;

		while (n < HFS_SEG_BLOCKS && b + n < fs->blocks && hfs_bit(&fs->used, b + n))
			n++;
		if (!n) {
			b++;
			continue;
		}
		if ((err = hfs_read_blocks(fs, b, fs->stage, n)) < 0)
			say(c, 1, "blocks %u to %u cannot be read: error %ld", b, b + n - 1, err);
		b += n;
	}
}

long hfs_check(const struct hfs_disk *disk, void (*report)(void *ctx, const char *line), void *ctx)
{
	struct checker c = {.report = report, .ctx = ctx};
	char why[256];
	long err = hfs_mount(disk, HFS_MOUNT_READ_ONLY, &c.fs, why, sizeof(why));
	struct hfs_usage u;

	if (err < 0) {
		say(&c, 1, "cannot be mounted: %s%s%s",
		    err == ARCHK_ERR_CORRUPT ? "CORRUPT" : "error", why[0] ? ": " : "", why);
		return c.problems;
	}
	if (c.fs->discarded & HFS_DISCARDED_CHECKPOINT)
		say(&c, 0,
		    "note: the newest checkpoint was cut short by a crash; the one before "
		    "it is used");
	if (c.fs->discarded & HFS_DISCARDED_RECORD)
		say(&c, 0, "note: the last log record was cut short by a crash and is ignored");
	check_tree(&c);
	check_reads(&c);
	hfs_usage(c.fs, &u);
	if (!c.problems)
		say(&c, 0,
		    "clean: %llu files, %llu directories, %llu of %llu blocks used, commit %llu",
		    (unsigned long long)u.files, (unsigned long long)u.dirs,
		    (unsigned long long)(u.blocks - u.free_blocks), (unsigned long long)u.blocks,
		    (unsigned long long)u.seq);
	hfs_unmount(c.fs);
	return c.problems;
}
