/*
 * Containers (hfs_mem.h). Nothing here knows about the filesystem.
 */
#include "hfs_mem.h"

/* A capacity at least want, doubling from a small start. */
static uint32_t grown(uint32_t cap, uint64_t want)
{
	uint64_t c = cap ? cap : 8;

	while (c < want)
		c *= 2;
	return c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

long hfs_vec_reserve(struct hfs_vec *v, uint32_t n)
{
	uint64_t want = (uint64_t)v->n + n;
	uint32_t *p;
	uint32_t cap;

	if (want <= v->cap)
		return 0;
	if (want > UINT32_MAX)
		return ARCHK_ERR_NO_MEMORY;
	cap = grown(v->cap, want);
	if (!(p = realloc(v->v, (size_t)cap * sizeof(*p))))
		return ARCHK_ERR_NO_MEMORY;
	v->v = p;
	v->cap = cap;
	return 0;
}

long hfs_vec_push(struct hfs_vec *v, uint32_t value)
{
	long err = hfs_vec_reserve(v, 1);

	if (err < 0)
		return err;
	v->v[v->n++] = value;
	return 0;
}

void hfs_vec_free(struct hfs_vec *v)
{
	free(v->v);
	*v = (struct hfs_vec){0};
}

/* Moves v[i] down the heap of the first n values until its children are smaller. */
static void sift_down(uint32_t *v, uint32_t i, uint32_t n)
{
	for (;;) {
		uint32_t big = i, l = 2 * i + 1, r = l + 1, t;

		if (l < n && v[l] > v[big])
			big = l;
		if (r < n && v[r] > v[big])
			big = r;
		if (big == i)
			return;
		t = v[i];
		v[i] = v[big];
		v[big] = t;
		i = big;
	}
}

/* Heapsort: no recursion and no extra memory (the runtime has no qsort). */
void hfs_vec_sort(struct hfs_vec *v)
{
	for (uint32_t i = v->n / 2; i-- > 0;)
		sift_down(v->v, i, v->n);
	for (uint32_t end = v->n; end > 1; end--) {
		uint32_t t = v->v[0];

		v->v[0] = v->v[end - 1];
		v->v[end - 1] = t;
		sift_down(v->v, 0, end - 1);
	}
}

long hfs_buf_reserve(struct hfs_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *p;

	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	if (!(p = realloc(b->p, cap)))
		return ARCHK_ERR_NO_MEMORY;
	b->p = p;
	b->cap = cap;
	return 0;
}

long hfs_buf_append(struct hfs_buf *b, const void *data, size_t n)
{
	long err = hfs_buf_reserve(b, n);

	if (err < 0)
		return err;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

void hfs_buf_free(struct hfs_buf *b)
{
	free(b->p);
	*b = (struct hfs_buf){0};
}

long hfs_bitmap_init(struct hfs_bitmap *m, uint32_t bits)
{
	m->bits = bits;
	m->w = calloc(((size_t)bits + 63) / 64, sizeof(uint64_t));
	return m->w ? 0 : ARCHK_ERR_NO_MEMORY;
}

void hfs_bitmap_free(struct hfs_bitmap *m)
{
	free(m->w);
	*m = (struct hfs_bitmap){0};
}

uint32_t hfs_bitmap_next_clear(const struct hfs_bitmap *m, uint32_t from)
{
	uint32_t words = (m->bits + 63) / 64;

	for (uint32_t w = from / 64; w < words; w++) {
		uint64_t free_bits = ~m->w[w];

		if (w == from / 64)
			free_bits &= ~0ull << (from % 64);
		if (free_bits) {
			uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(free_bits);

			return i < m->bits ? i : m->bits;
		}
	}
	return m->bits;
}

/* Fibonacci hashing of a block number into the table. */
static uint32_t slot_of(const struct hfs_crcmap *m, uint32_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (m->cap - 1);
}

/* Doubles the table and re-inserts every key. */
static long crcmap_grow(struct hfs_crcmap *m)
{
	struct hfs_crcmap bigger = {.cap = m->cap ? m->cap * 2 : 64};

	bigger.keys = calloc(bigger.cap, sizeof(uint32_t));
	bigger.crcs = calloc(bigger.cap, sizeof(uint32_t));
	if (!bigger.keys || !bigger.crcs) {
		hfs_crcmap_free(&bigger);
		return ARCHK_ERR_NO_MEMORY;
	}
	for (uint32_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			hfs_crcmap_put(&bigger, m->keys[i], m->crcs[i]);
	hfs_crcmap_free(m);
	*m = bigger;
	return 0;
}

long hfs_crcmap_put(struct hfs_crcmap *m, uint32_t key, uint32_t crc)
{
	uint32_t i;

	if ((m->n + 1) * 4 > m->cap * 3) {
		long err = crcmap_grow(m);

		if (err < 0)
			return err;
	}
	for (i = slot_of(m, key); m->keys[i] && m->keys[i] != key; i = (i + 1) & (m->cap - 1))
		;
	if (!m->keys[i])
		m->n++;
	m->keys[i] = key;
	m->crcs[i] = crc;
	return 0;
}

int hfs_crcmap_get(const struct hfs_crcmap *m, uint32_t key, uint32_t *crc)
{
	if (!m->cap)
		return 0;
	for (uint32_t i = slot_of(m, key); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			*crc = m->crcs[i];
			return 1;
		}
	return 0;
}

/* Linear probing with backward-shift deletion: no tombstones to accumulate. */
void hfs_crcmap_del(struct hfs_crcmap *m, uint32_t key)
{
	uint32_t mask = m->cap - 1, i, j;

	if (!m->cap)
		return;
	for (i = slot_of(m, key); m->keys[i] != key; i = (i + 1) & mask)
		if (!m->keys[i])
			return;
	m->n--;
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		uint32_t home = slot_of(m, m->keys[j]);

		/* keys[j] may move to the hole at i if its home is not in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->crcs[i] = m->crcs[j];
			i = j;
		}
	}
	m->keys[i] = 0;
}

void hfs_crcmap_free(struct hfs_crcmap *m)
{
	free(m->keys);
	free(m->crcs);
	*m = (struct hfs_crcmap){0};
}
