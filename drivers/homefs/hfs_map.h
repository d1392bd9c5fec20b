/*
 * A file's block map: sorted, non-overlapping extents of file blocks to
 * disk blocks; a block no extent covers is a hole (reads as zeros).
 * Changes that drop blocks hand them to a release function (or none,
 * while a mount replays the log). hfs_map_reserve first makes room so that
 * the change after it cannot fail half way.
 */
#ifndef HFS_MAP_H
#define HFS_MAP_H

#include "hfs_s.h"

typedef void hfs_release_fn(struct hfs *fs, uint32_t dblock, uint32_t count);

/*
 * The disk block of file block fblock (0: a hole) and in *run how many
 * blocks from fblock on continue the same way (contiguous on disk, or
 * holes), capped at max.
 */
uint32_t hfs_map_find(const struct hfs_map *m, uint64_t fblock, uint64_t max, uint64_t *run);
/* Room for the changes one hfs_map_set makes (it may split an extent). */
long hfs_map_reserve(struct hfs_map *m, uint32_t more);
/* Maps [fblock, fblock + count) to [dblock, ...), dropping what was there (reserve 2 first). */
void hfs_map_set(struct hfs_map *m, uint64_t fblock, uint32_t dblock, uint32_t count,
		 hfs_release_fn *release, struct hfs *fs);
/* Drops every block at or past fblock (needs no room). */
void hfs_map_cut(struct hfs_map *m, uint64_t fblock, hfs_release_fn *release, struct hfs *fs);
void hfs_map_free(struct hfs_map *m);

#endif
