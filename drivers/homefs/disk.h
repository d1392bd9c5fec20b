/*
 * The homefs server's disk: the block object it was given ("disk",
 * docs/abi.md 8.12) behind the struct hfs_disk the library uses, with a
 * cache of the disk's blocks in memory objects.
 *
 * Why a cache: every request to the block object is a round trip through
 * its server (the block driver or ramdisk), two partition switches, which
 * cost far more than the copy (docs/performance.md). The cache is write
 * through (a write reaches the disk before the call returns, exactly as
 * without it) and lives only as long as the server, so it changes nothing
 * that is on the disk or when: crash safety is the library's alone.
 */
#ifndef HOMEFS_DISK_H
#define HOMEFS_DISK_H

#include "hfs.h"

#define HOMEFS_CACHE_DEFAULT (128ul << 20) /* bytes; at most the disk's size */
#define HOMEFS_CACHE_MAX     (4ul << 30)   /* bytes: 64 memory objects */

/*
 * Fills d for the block object disk (GET_META: size, read-only) with a
 * cache of up to cache_bytes (0: none). Returns 0, WRONG_TYPE (not a block
 * object), or the error of GET_META; a cache it cannot make is left out.
 */
long homefs_disk_open(archk_handle_t disk, uint64_t cache_bytes, struct hfs_disk *d);

#endif
