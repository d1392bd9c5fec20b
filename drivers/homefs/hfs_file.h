/*
 * File data. Writes never touch a block a published file references: they
 * go to blocks of the file's own overlay (copy on write), which only its
 * publish (last close or sync) puts into the tree, as MAP and SIZE ops.
 * Until then the overlay blocks belong to nobody else and are rewritten in
 * place. Bytes past the end of a file in its last block are always zero,
 * so growing a file never shows old bytes.
 */
#ifndef HFS_FILE_H
#define HFS_FILE_H

#include "hfs_s.h"

long hfs_file_read(struct hfs *fs, struct hfs_inode *ip, void *buf, size_t len, uint64_t off);
long hfs_file_write(struct hfs *fs, struct hfs_inode *ip, const void *buf, size_t len,
		    uint64_t off);
long hfs_file_truncate(struct hfs *fs, struct hfs_inode *ip, uint64_t size);
/* Puts the file's changes into the tree (and the next commit); none if it was removed. */
long hfs_file_publish(struct hfs *fs, struct hfs_inode *ip);
/* The size and times a reader sees: the working ones while changes are unpublished. */
uint64_t hfs_file_size(const struct hfs_inode *ip);

#endif
