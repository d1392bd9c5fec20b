/*
 * Blocks: reading and writing them through the disk, and who owns each.
 *
 * A block is free, or used: by a data extent, the snapshot, the log, or
 * held back because the last durable commit still references it. Data
 * blocks no durable commit references yet are "fresh": released, they are
 * free at once; any other released data block waits in pending_free until
 * the next commit is durable. Space for the next checkpoints is always kept
 * back, so a full disk still commits, removes and truncates.
 */
#ifndef HFS_BLOCK_H
#define HFS_BLOCK_H

#include "hfs_s.h"

/*
 * Reads or writes count blocks from block; a write error marks fs failed.
 * Reads see the write-back batch (below).
 */
long hfs_read_blocks(struct hfs *fs, uint32_t block, void *buf, uint32_t count);
long hfs_write_blocks(struct hfs *fs, uint32_t block, const void *buf, uint32_t count);
long hfs_write_sectors(struct hfs *fs, uint64_t sector, const void *buf, uint32_t count);
/* n writes, one after the other. */
long hfs_write_many(struct hfs *fs, const struct hfs_write *w, uint32_t n);
long hfs_flush(struct hfs *fs);

/*
 * The write-back batch (struct hfs, wb): file data is assembled there and
 * reaches the disk with the next commit, in the same round trip as its
 * record, or when a write starts a batch elsewhere. Until then reads find
 * it there, and freeing one of its blocks drops it from the batch.
 */
/*
 * The batch's slot for disk block d: its own if d is in the batch, else the
 * one after the last, after writing the batch out if d cannot join it
 * there. Reads do not see what is put in the slot until hfs_wb_add(d).
 */
long hfs_wb_slot(struct hfs *fs, uint32_t d, uint8_t **slot);
void hfs_wb_add(struct hfs *fs, uint32_t d);
/* Records the CRCs of the batch's blocks, as a commit's VERIFY ops need them. */
long hfs_wb_seal(struct hfs *fs);
/* Empties the batch into writes (at most HFS_SEG_BLOCKS) the caller must do now; their count. */
uint32_t hfs_wb_take(struct hfs *fs, struct hfs_write *w);
/* Seals the batch and writes it out. */
long hfs_wb_flush(struct hfs *fs);

/* Bitmaps and counters for a filesystem of blocks blocks, all free but the superblocks. */
long hfs_blocks_init(struct hfs *fs, uint32_t blocks);
void hfs_blocks_free(struct hfs *fs);

/* Marks blocks used; CORRUPT if one is out of range or used already (mount). */
long hfs_claim(struct hfs *fs, uint32_t block, uint32_t count);

/*
 * Allocates up to want free blocks in one run, at hint if it is free, else
 * from the next-fit cursor; returns the count (>= 1) with the first block
 * in *start, or NO_SPACE. Data blocks are fresh; metadata blocks are not.
 */
long hfs_alloc(struct hfs *fs, uint32_t want, uint32_t hint, int data, uint32_t *start);
/* Gives back metadata blocks or fresh blocks: free at once. */
void hfs_free_now(struct hfs *fs, uint32_t block, uint32_t count);
/* Releases data blocks a file no longer references (see above). */
void hfs_release(struct hfs *fs, uint32_t block, uint32_t count);
/* After a commit is durable: pending blocks become free. */
void hfs_release_pending(struct hfs *fs);

/* Blocks a checkpoint written now could need (with extra_bytes more metadata): at most. */
uint64_t hfs_checkpoint_blocks(const struct hfs *fs, uint64_t extra_bytes);
/* 0 if n more data blocks leave enough free for the next two checkpoints, else NO_SPACE. */
long hfs_space_for_data(const struct hfs *fs, uint64_t n);
/* The same for metadata growing by extra_bytes. */
long hfs_space_for_meta(const struct hfs *fs, uint64_t extra_bytes);

#endif
