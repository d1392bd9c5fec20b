/*
 * The small containers homefs keeps its state in: growable vectors and
 * byte buffers, block bitmaps and the block -> CRC map. Growth functions
 * return NO_MEMORY and leave the container as it was.
 */
#ifndef HFS_MEM_H
#define HFS_MEM_H

#include "hfs_s.h"

/* Makes room for n more values (or bytes) without moving on the next appends. */
long hfs_vec_reserve(struct hfs_vec *v, uint32_t n);
long hfs_vec_push(struct hfs_vec *v, uint32_t value);
void hfs_vec_free(struct hfs_vec *v);
/* Sorts v's values, ascending. */
void hfs_vec_sort(struct hfs_vec *v);

long hfs_buf_reserve(struct hfs_buf *b, size_t n);
long hfs_buf_append(struct hfs_buf *b, const void *data, size_t n);
void hfs_buf_free(struct hfs_buf *b);

long hfs_bitmap_init(struct hfs_bitmap *m, uint32_t bits);
void hfs_bitmap_free(struct hfs_bitmap *m);
static inline int hfs_bit(const struct hfs_bitmap *m, uint32_t i)
{
	return (int)(m->w[i / 64] >> (i % 64) & 1);
}
static inline void hfs_bit_set(struct hfs_bitmap *m, uint32_t i)
{
	m->w[i / 64] |= 1ull << (i % 64);
}
static inline void hfs_bit_clear(struct hfs_bitmap *m, uint32_t i)
{
	m->w[i / 64] &= ~(1ull << (i % 64));
}
/* The first clear bit at or after from, or m->bits if none. */
uint32_t hfs_bitmap_next_clear(const struct hfs_bitmap *m, uint32_t from);

/* key (> 0) -> crc; put replaces. */
long hfs_crcmap_put(struct hfs_crcmap *m, uint32_t key, uint32_t crc);
/* 1 and *crc if key is there, else 0. */
int hfs_crcmap_get(const struct hfs_crcmap *m, uint32_t key, uint32_t *crc);
void hfs_crcmap_del(struct hfs_crcmap *m, uint32_t key);
void hfs_crcmap_free(struct hfs_crcmap *m);

#endif
