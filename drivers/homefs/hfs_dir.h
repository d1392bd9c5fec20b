/*
 * The tree in memory: inodes, the inode-number table, and each
 * directory's entries (slots in listing order plus a hash index on names,
 * so lookups, inserts and removes cost the same with ten entries or ten
 * thousand).
 */
#ifndef HFS_DIR_H
#define HFS_DIR_H

#include "hfs_s.h"

/* 1 if name is a valid entry name: 1..255 bytes, no '/' or NUL, not "." or "..". */
int hfs_name_ok(const char *name, size_t len);

/* A new inode (not in any table) with a copy of name; NULL without memory. */
struct hfs_inode *hfs_inode_new(uint64_t ino, uint8_t kind, const char *name, size_t len);
/* Frees the inode's memory (its blocks are the caller's business). */
void hfs_inode_free(struct hfs_inode *ip);
/* A NUL-terminated copy of name, or NULL without memory. */
char *hfs_name_copy(const char *name, size_t len);
/* Gives ip the name copy (from hfs_name_copy), freeing its old one. */
void hfs_inode_set_name(struct hfs_inode *ip, char *copy, size_t len);

struct hfs_inode *hfs_itab_get(const struct hfs *fs, uint64_t ino);
/* Room for one more inode in the table. */
long hfs_itab_reserve(struct hfs *fs);
void hfs_itab_add(struct hfs *fs, struct hfs_inode *ip);
void hfs_itab_del(struct hfs *fs, struct hfs_inode *ip);
void hfs_itab_free(struct hfs *fs);

struct hfs_inode *hfs_dir_lookup(const struct hfs_inode *dir, const char *name, size_t len);
/* Room for one more entry in dir. */
long hfs_dir_reserve(struct hfs_inode *dir);
/* Adds ip under dir (reserve first); sets ip->parent and ip->slot. */
void hfs_dir_insert(struct hfs_inode *dir, struct hfs_inode *ip);
void hfs_dir_remove(struct hfs_inode *dir, struct hfs_inode *ip);
/* The first entry at slot pos or after it, or NULL; *slot receives its slot. */
struct hfs_inode *hfs_dir_next(const struct hfs_inode *dir, uint64_t pos, uint32_t *slot);

#endif
