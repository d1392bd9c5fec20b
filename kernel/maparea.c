/*
 * Mapping window bookkeeping: see maparea.h. The mappings are kept sorted
 * by address in a small array, so the free gaps are the spaces between
 * neighbours and a first-fit search is one pass.
 */
#include <string.h>
#include "kernel.h"
#include "maparea.h"

void map_area_init(struct map_area *a, uintptr_t base, size_t size)
{
	memset(a, 0, sizeof(*a));
	a->base = base;
	a->size = size;
}

/* First fit keeps mappings packed low and leaves the largest gap at the top. */
int map_area_reserve(struct map_area *a, size_t len)
{
	uintptr_t at = a->base;
	unsigned i;

	KASSERT(len > 0 && len % PAGE_SIZE == 0);
	if (a->count == ARCHK_MAPPINGS_MAX || len > a->size)
		return -1;
	for (i = 0; i < a->count && a->maps[i].start - at < len; i++)
		at = a->maps[i].start + a->maps[i].len;
	if (i == a->count && a->base + a->size - at < len)
		return -1;
	memmove(&a->maps[i + 1], &a->maps[i], (a->count - i) * sizeof(a->maps[0]));
	a->maps[i] = (struct mapping){.start = at, .len = len};
	a->count++;
	a->mapped += len;
	return (int)i;
}

/* Written as differences so that no sum can overflow near the top of memory. */
int map_area_find(const struct map_area *a, uintptr_t addr, size_t len)
{
	for (unsigned i = 0; i < a->count; i++) {
		const struct mapping *m = &a->maps[i];

		if (addr >= m->start && addr - m->start < m->len &&
		    len <= m->len - (addr - m->start))
			return (int)i;
	}
	return -1;
}

void map_area_remove(struct map_area *a, unsigned index)
{
	KASSERT(index < a->count);
	a->mapped -= a->maps[index].len;
	a->count--;
	memmove(&a->maps[index], &a->maps[index + 1], (a->count - index) * sizeof(a->maps[0]));
	memset(&a->maps[a->count], 0, sizeof(a->maps[0]));
}
