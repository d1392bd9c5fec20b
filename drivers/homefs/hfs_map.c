/*
 * Block maps (hfs_map.h): a sorted array, binary search for lookups and a
 * memmove for changes. Sequential writes append to (and merge into) the
 * last extent, so a file written in order stays a handful of extents.
 */
#include "hfs_map.h"

/* Index of the first extent that ends after fblock (m->n if none). */
static uint32_t first_after(const struct hfs_map *m, uint64_t fblock)
{
	uint32_t lo = 0, hi = m->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].fblock + m->v[mid].count <= fblock)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t hfs_map_find(const struct hfs_map *m, uint64_t fblock, uint64_t max, uint64_t *run)
{
	uint32_t i = first_after(m, fblock);
	const struct hfs_extent *e = i < m->n ? &m->v[i] : NULL;
	uint64_t n;

	if (!e || e->fblock > fblock) { /* a hole up to the next extent */
		n = e ? e->fblock - fblock : max;
		*run = n < max ? n : max;
		return 0;
	}
	n = e->fblock + e->count - fblock;
	*run = n < max ? n : max;
	return e->dblock + (uint32_t)(fblock - e->fblock);
}

long hfs_map_reserve(struct hfs_map *m, uint32_t more)
{
	uint64_t want = (uint64_t)m->n + more;
	uint32_t cap = m->cap ? m->cap : 4;
	struct hfs_extent *v;

	if (want <= m->cap)
		return 0;
	if (want > UINT32_MAX / 2)
		return ARCHK_ERR_NO_MEMORY;
	while (cap < want)
		cap *= 2;
	if (!(v = realloc(m->v, (size_t)cap * sizeof(*v))))
		return ARCHK_ERR_NO_MEMORY;
	m->v = v;
	m->cap = cap;
	return 0;
}

static void drop(hfs_release_fn *release, struct hfs *fs, uint32_t dblock, uint32_t count)
{
	if (release && count)
		release(fs, dblock, count);
}

/* Opens a gap of n extents at index i. */
static void open_gap(struct hfs_map *m, uint32_t i, uint32_t n)
{
	memmove(&m->v[i + n], &m->v[i], (m->n - i) * sizeof(m->v[0]));
	m->n += n;
}

static void close_gap(struct hfs_map *m, uint32_t i, uint32_t n)
{
	memmove(&m->v[i], &m->v[i + n], (m->n - i - n) * sizeof(m->v[0]));
	m->n -= n;
}

/*
 * Removes [fblock, end) from the map, releasing its blocks; returns the
 * index where an extent starting at fblock belongs. Needs room for one
 * more extent (splitting one in two).
 */
static uint32_t punch(struct hfs_map *m, uint64_t fblock, uint64_t end, hfs_release_fn *release,
		      struct hfs *fs)
{
	uint32_t i = first_after(m, fblock), j;

	if (i < m->n && m->v[i].fblock < fblock) {
		struct hfs_extent *e = &m->v[i];
		uint64_t e_end = e->fblock + e->count;
		uint32_t keep = (uint32_t)(fblock - e->fblock);

		if (e_end > end) { /* the hole lies inside e: split it */
			uint32_t tail = (uint32_t)(e_end - end);

			drop(release, fs, e->dblock + keep, (uint32_t)(end - fblock));
			open_gap(m, i + 1, 1);
			m->v[i + 1] =
			    (struct hfs_extent){end, e->dblock + (uint32_t)(end - e->fblock), tail};
			m->v[i].count = keep;
			return i + 1;
		}
		drop(release, fs, e->dblock + keep, e->count - keep);
		e->count = keep;
		i++;
	}
	for (j = i; j < m->n && m->v[j].fblock + m->v[j].count <= end; j++)
		drop(release, fs, m->v[j].dblock, m->v[j].count);
	close_gap(m, i, j - i);
	if (i < m->n && m->v[i].fblock < end) { /* the last one starts inside: trim its head */
		struct hfs_extent *e = &m->v[i];
		uint32_t cut = (uint32_t)(end - e->fblock);

		drop(release, fs, e->dblock, cut);
		e->fblock = end;
		e->dblock += cut;
		e->count -= cut;
	}
	return i;
}

/* True if b continues a, in the file and on the disk. */
static int adjoins(const struct hfs_extent *a, const struct hfs_extent *b)
{
	return a->fblock + a->count == b->fblock && a->dblock + a->count == b->dblock &&
	       (uint64_t)a->count + b->count <= UINT32_MAX;
}

void hfs_map_set(struct hfs_map *m, uint64_t fblock, uint32_t dblock, uint32_t count,
		 hfs_release_fn *release, struct hfs *fs)
{
	struct hfs_extent e = {fblock, dblock, count};
	uint32_t i = punch(m, fblock, fblock + count, release, fs);

	if (i > 0 && adjoins(&m->v[i - 1], &e)) {
		m->v[i - 1].count += count;
		i--;
	} else {
		open_gap(m, i, 1);
		m->v[i] = e;
	}
	if (i + 1 < m->n && adjoins(&m->v[i], &m->v[i + 1])) {
		m->v[i].count += m->v[i + 1].count;
		close_gap(m, i + 1, 1);
	}
}

void hfs_map_cut(struct hfs_map *m, uint64_t fblock, hfs_release_fn *release, struct hfs *fs)
{
	uint32_t i = first_after(m, fblock);

	if (i < m->n && m->v[i].fblock < fblock) {
		uint32_t keep = (uint32_t)(fblock - m->v[i].fblock);

		drop(release, fs, m->v[i].dblock + keep, m->v[i].count - keep);
		m->v[i].count = keep;
		i++;
	}
	for (uint32_t j = i; j < m->n; j++)
		drop(release, fs, m->v[j].dblock, m->v[j].count);
	m->n = i;
}

void hfs_map_free(struct hfs_map *m)
{
	free(m->v);
	*m = (struct hfs_map){0};
}
