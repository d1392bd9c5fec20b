/*
 * Ops: the one way the tree changes. A change is encoded as an op,
 * appended to the ops of the next commit and applied by the same code that
 * applies the snapshot and the log at mount, so what a mount rebuilds is
 * exactly what was changed. Each encoder writes one op into p (room for
 * HFS_OP_MAX bytes) and returns its length.
 */
#ifndef HFS_OP_H
#define HFS_OP_H

#include <stdarg.h>
#include "hfs_s.h"

size_t hfs_op_create(uint8_t *p, uint64_t ino, uint64_t parent, uint8_t kind, int64_t time,
		     const char *name, size_t len);
size_t hfs_op_remove(uint8_t *p, uint64_t parent, const char *name, size_t len);
size_t hfs_op_rename(uint8_t *p, uint64_t from_parent, const char *from, size_t from_len,
		     uint64_t to_parent, const char *to, size_t to_len);
size_t hfs_op_attr(uint8_t *p, uint64_t ino, int64_t mtime, int64_t ctime);
size_t hfs_op_size(uint8_t *p, uint64_t ino, uint64_t size);
size_t hfs_op_map(uint8_t *p, uint64_t ino, uint64_t fblock, uint32_t dblock, uint32_t count);
size_t hfs_op_verify(uint8_t *p, uint32_t dblock, uint32_t count, uint32_t crc);

/*
 * Applies the ops in [ops, ops + len). VERIFY ops are appended to verify
 * (three values each: block, count, crc) if it is not NULL. A malformed or
 * impossible op is CORRUPT, explained in fs->why, and ends the call.
 */
long hfs_apply(struct hfs *fs, const uint8_t *ops, size_t len, struct hfs_vec *verify);
/* A change while mounted: appends the op to the next commit and applies it. */
long hfs_do(struct hfs *fs, const uint8_t *op, size_t len);

/* Removes ip from the tree; frees it and releases its blocks unless it is open. */
void hfs_unlink(struct hfs *fs, struct hfs_inode *ip);
/* Frees an inode that is out of the tree, releasing its blocks. */
void hfs_destroy(struct hfs *fs, struct hfs_inode *ip);

/* Writes a reason into fs->why (if any) and returns CORRUPT. */
long hfs_corrupt(struct hfs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
