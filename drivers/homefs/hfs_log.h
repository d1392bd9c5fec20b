/*
 * Commits. A commit makes the tree as it is in memory durable with one
 * flush: it is either a log record (the ops since the last commit) appended
 * to the log, or, when the ops are large or the log long, a checkpoint (a
 * new snapshot of the whole tree and a superblock pointing at it and at a
 * new, empty log). Either carries VERIFY ops listing the CRCs of the data
 * blocks it references for the first time, so a mount can tell whether
 * everything the newest commit needs reached the disk (docs/homefs.md).
 */
#ifndef HFS_LOG_H
#define HFS_LOG_H

#include "hfs_s.h"

/* Writes a checkpoint of the tree with the given VERIFY ops (and flushes). */
long hfs_checkpoint(struct hfs *fs, const struct hfs_buf *manifest);

/* The superblock of a checkpoint with sequence number seq, as written into sector. */
void hfs_sb_encode(const struct hfs *fs, uint8_t *sector, uint64_t seq);

/*
 * Checks the record header in sector (the first one of a record) at a
 * segment of seg_blocks with room for room sectors: its total bytes, or 0
 * if it is not the record with sequence number seq of this filesystem.
 */
uint32_t hfs_record_header_ok(const struct hfs *fs, const uint8_t *sector, uint64_t seq,
			      uint32_t seg_blocks, uint32_t room);
/* 1 if the whole record (bytes long) passes its CRC. */
int hfs_record_crc_ok(const uint8_t *rec, uint32_t bytes);
/* 1 if a snapshot block is block index of the checkpoint seq of this filesystem. */
int hfs_snap_block_ok(const struct hfs *fs, const uint8_t *block, uint64_t seq, uint32_t index);

#endif
