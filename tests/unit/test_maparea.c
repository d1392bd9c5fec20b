/*
 * Unit tests for the mapping window bookkeeping (kernel/maparea.c): first-fit
 * placement, sorted order, the count and size limits, holes left by removals
 * and lookups at the edges of mappings and of the address space.
 */
#include <criterion/criterion.h>

#include <stdint.h>

#include "kernel.h"
#include "maparea.h"

#define BASE 0x100006000000ul
#define SIZE (16ul << 20)

static struct map_area area;

static void setup(void)
{
	map_area_init(&area, BASE, SIZE);
}

TestSuite(maparea, .init = setup);

/* Reserves len bytes, requiring success, and returns the start. */
static uintptr_t reserve(size_t len)
{
	int i = map_area_reserve(&area, len);

	cr_assert_geq(i, 0, "reserving %zu bytes failed", len);
	return area.maps[i].start;
}

/* Removes the mapping starting at start. */
static void release(uintptr_t start)
{
	int i = map_area_find(&area, start, 1);

	cr_assert_geq(i, 0);
	cr_assert_eq(area.maps[i].start, start);
	map_area_remove(&area, (unsigned)i);
}

/* The entries are sorted, disjoint and inside the window. */
static void assert_consistent(void)
{
	size_t total = 0;

	for (unsigned i = 0; i < area.count; i++) {
		cr_assert_geq(area.maps[i].start, BASE);
		cr_assert_leq(area.maps[i].start + area.maps[i].len, BASE + SIZE);
		if (i)
			cr_assert_geq(area.maps[i].start,
				      area.maps[i - 1].start + area.maps[i - 1].len);
		total += area.maps[i].len;
	}
	cr_assert_eq(total, area.mapped);
}

Test(maparea, first_fit_packs_from_the_base)
{
	cr_assert_eq(reserve(PAGE_SIZE), BASE);
	cr_assert_eq(reserve(3 * PAGE_SIZE), BASE + PAGE_SIZE);
	cr_assert_eq(reserve(PAGE_SIZE), BASE + 4 * PAGE_SIZE);
	cr_assert_eq(area.mapped, 5 * PAGE_SIZE);
	assert_consistent();
}

/* A freed hole is reused by what fits in it; what does not goes above. */
Test(maparea, holes_are_reused_first_fit)
{
	uintptr_t a = reserve(PAGE_SIZE), b = reserve(4 * PAGE_SIZE), c = reserve(PAGE_SIZE);

	(void)a;
	release(b);
	cr_assert_eq(reserve(5 * PAGE_SIZE), c + PAGE_SIZE);
	cr_assert_eq(reserve(2 * PAGE_SIZE), b);
	cr_assert_eq(reserve(2 * PAGE_SIZE), b + 2 * PAGE_SIZE);
	cr_assert_eq(reserve(PAGE_SIZE), c + 6 * PAGE_SIZE);
	assert_consistent();
}

Test(maparea, whole_window_and_no_more)
{
	cr_assert_eq(map_area_reserve(&area, SIZE + PAGE_SIZE), -1);
	cr_assert_eq(reserve(SIZE), BASE);
	cr_assert_eq(map_area_reserve(&area, PAGE_SIZE), -1);
	release(BASE);
	cr_assert_eq(area.mapped, 0);
	cr_assert_eq(reserve(SIZE - PAGE_SIZE), BASE);
	cr_assert_eq(map_area_reserve(&area, 2 * PAGE_SIZE), -1);
	cr_assert_eq(reserve(PAGE_SIZE), BASE + SIZE - PAGE_SIZE);
}

Test(maparea, count_limit)
{
	for (unsigned i = 0; i < ARCHK_MAPPINGS_MAX; i++)
		reserve(PAGE_SIZE);
	cr_assert_eq(map_area_reserve(&area, PAGE_SIZE), -1);
	release(BASE + 7 * PAGE_SIZE);
	cr_assert_eq(reserve(PAGE_SIZE), BASE + 7 * PAGE_SIZE);
	assert_consistent();
}

/* find wants the whole range inside one mapping; adjacent ones do not join. */
Test(maparea, find_covers_exact_ranges)
{
	uintptr_t a = reserve(2 * PAGE_SIZE), b = reserve(PAGE_SIZE);

	cr_assert_eq(map_area_find(&area, a, 2 * PAGE_SIZE), 0);
	cr_assert_eq(map_area_find(&area, a + 2 * PAGE_SIZE - 1, 1), 0);
	cr_assert_eq(map_area_find(&area, a + 2 * PAGE_SIZE - 1, 2), -1);
	cr_assert_eq(map_area_find(&area, b, PAGE_SIZE), 1);
	cr_assert_eq(map_area_find(&area, b + PAGE_SIZE, 1), -1);
	cr_assert_eq(map_area_find(&area, a - 1, 2), -1);
	cr_assert_eq(map_area_find(&area, a + 1, SIZE_MAX), -1);
	cr_assert_eq(map_area_find(&area, UINTPTR_MAX, 2), -1);
	cr_assert_eq(map_area_find(&area, 0, UINTPTR_MAX), -1);
}

/* Removing shifts later entries down and clears the freed last slot. */
Test(maparea, remove_keeps_order)
{
	uintptr_t s[6];

	for (unsigned i = 0; i < 6; i++)
		s[i] = reserve((i + 1) * PAGE_SIZE);
	release(s[0]);
	release(s[3]);
	release(s[5]);
	cr_assert_eq(area.count, 3);
	cr_assert_eq(area.maps[0].start, s[1]);
	cr_assert_eq(area.maps[1].start, s[2]);
	cr_assert_eq(area.maps[2].start, s[4]);
	cr_assert_eq(area.maps[3].len, 0);
	assert_consistent();
}
