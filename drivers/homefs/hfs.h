/*
 * homefs: the filesystem of archk's writable home (docs/homefs.md).
 *
 * A portable library: the homefs guest server (server.c), the host tool
 * archk-mkhome and the host tests link the same code. It reaches its disk
 * only through struct hfs_disk (512-byte sectors) and the memory functions
 * of the runtime, and is not thread-safe: one caller at a time.
 *
 * Crash safety: archk may be killed at any instant. After the next mount
 * every file and directory as of the last completed commit is exactly
 * there and nothing else is. A commit (hfs_sync, hfs_commit) makes durable
 * the namespace as it is and each file as it was at its last hfs_sync or
 * last close ("published"); a file's writes since then stay private to it,
 * so a crash never shows a file half way between two of its syncs.
 *
 * Every call returns >= 0 or an ARCHK_ERR_* code (abi/include/archk/errors.h).
 */
#ifndef HFS_H
#define HFS_H

#include <stddef.h>
#include <stdint.h>

struct hfs;	 /* a mounted home */
struct hfs_node; /* an open file or directory */

#define HFS_SECTOR_BYTES 512
#define HFS_BLOCK_BYTES	 4096
#define HFS_NAME_MAX	 255	      /* bytes of one name */
#define HFS_PATH_MAX	 1024	      /* bytes of a path */
#define HFS_FILE_MAX	 (1ull << 44) /* bytes of a file: 16 TiB */

/* The disk: sectors of 512 bytes; each call returns 0 or an ARCHK_ERR_* code. */
struct hfs_disk {
	void *ctx;
	uint64_t sectors; /* capacity */
	int read_only;	  /* writes would fail: mount read-only */
	long (*read)(void *ctx, uint64_t sector, void *buf, uint32_t count);
	long (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t count);
	/* Returns once every write that completed before it is durable. */
	long (*flush)(void *ctx);
	/* The realtime clock in nanoseconds, for mtime and ctime. */
	int64_t (*now)(void *ctx);
};

/* hfs_open flags. */
#define HFS_CREATE   1u /* create the last component if it is missing */
#define HFS_DIR	     2u /* with HFS_CREATE: a directory */
#define HFS_EXCL     4u /* with HFS_CREATE: EXISTS if the name exists */
#define HFS_TRUNCATE 8u /* with HFS_CREATE: an existing file is cut to 0 bytes */

/* hfs_mount flags. */
#define HFS_MOUNT_READ_ONLY 1u /* no writes at all, not even to discard a broken commit */

/* Node kinds: the values of enum archk_kind. */
#define HFS_KIND_FILE 1
#define HFS_KIND_DIR  2

struct hfs_stat {
	uint64_t ino;
	uint32_t kind; /* HFS_KIND_* */
	uint64_t size; /* a file's bytes; a directory's entries */
	int64_t mtime; /* last change of the data (or of the entries), realtime ns */
	int64_t ctime; /* last change of the data or attributes */
};

struct hfs_usage {
	uint64_t blocks;      /* of HFS_BLOCK_BYTES on the disk */
	uint64_t free_blocks; /* free now (blocks released since the last commit are not) */
	uint64_t files, dirs; /* the root included in dirs */
	uint64_t seq;	      /* sequence number of the last commit */
	uint64_t log_blocks;  /* blocks of the metadata log since the last checkpoint */
};

/* Writes an empty home on the whole disk (and flushes). */
long hfs_format(const struct hfs_disk *disk);

/*
 * Mounts the newest valid commit. On failure returns CORRUPT (with a
 * reason in why), IO, NO_MEMORY or INVALID_ARGS (disk too small or too
 * large). A commit cut short by a crash is discarded (overwritten on disk,
 * unless read-only) and the one before it mounted.
 */
long hfs_mount(const struct hfs_disk *disk, unsigned flags, struct hfs **out, char *why,
	       size_t why_len);
/* Frees everything, open nodes included; writes nothing (commit first to keep changes). */
void hfs_unmount(struct hfs *fs);

/*
 * Opens path relative to dir (NULL: the root). Components are separated by
 * '/'; empty ones and "." are skipped; ".." is INVALID_ARGS; "" names dir.
 * Without HFS_CREATE a missing name is NOT_FOUND; with it, an existing one
 * is opened if its kind matches (IS_DIR: a directory where a file is asked
 * for, NOT_DIR: the reverse), EXISTS with HFS_EXCL.
 */
long hfs_open(struct hfs *fs, struct hfs_node *dir, const char *path, size_t len, unsigned flags,
	      struct hfs_node **out);
/* A second node on the same file or directory. */
struct hfs_node *hfs_dup(struct hfs_node *node);
/* Closes a node; the last close of a file publishes its changes. */
void hfs_close(struct hfs_node *node);

/* Bytes read at off (0 at or past the end); IS_DIR on a directory. */
long hfs_read(struct hfs_node *node, void *buf, size_t len, uint64_t off);
/* Bytes written at off (all of len, or an error and nothing changed). */
long hfs_write(struct hfs_node *node, const void *buf, size_t len, uint64_t off);
/* Sets a file's size: cut, or extended with zeros. */
long hfs_truncate(struct hfs_node *node, uint64_t size);
void hfs_stat(const struct hfs_node *node, struct hfs_stat *st);
/*
 * Fills buf with struct archk_dirent records (docs/abi.md 9.3a) from listing
 * position pos: the bytes filled, 0 at the end, TOO_LONG if the next record
 * does not fit in len.
 */
long hfs_list(struct hfs_node *node, uint64_t pos, void *buf, size_t len);

/* Removes a file or an empty directory (NOT_EMPTY otherwise). */
long hfs_remove(struct hfs *fs, struct hfs_node *dir, const char *path, size_t len);
/* Renames within the home, replacing a file or an empty directory of the same kind. */
long hfs_rename(struct hfs *fs, struct hfs_node *dir, const char *from, size_t from_len,
		const char *to, size_t to_len);

/* A file: publishes it, then commits; a directory: commits. */
long hfs_sync(struct hfs_node *node);
/* Makes the namespace and every published file durable (one flush). */
long hfs_commit(struct hfs *fs);
void hfs_usage(const struct hfs *fs, struct hfs_usage *usage);
/*
 * Tuning, for tests: log segments of seg_blocks (1 to 16, default 16) and
 * a checkpoint once the log spans log_min_blocks (default 64) and twice the
 * snapshot. Small values exercise segment changes and checkpoints often.
 */
void hfs_tune(struct hfs *fs, uint32_t seg_blocks, uint32_t log_min_blocks);

/*
 * Verifies a home offline without writing: mounts it read-only, checks the
 * tree and reads every block in use. Each problem is one line given to
 * report, and so is a summary at the end. Returns the number of problems.
 */
long hfs_check(const struct hfs_disk *disk, void (*report)(void *ctx, const char *line), void *ctx);

#endif
