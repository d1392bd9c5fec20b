/*
 * Tests of the guest heap (abi/runtime/malloc.c) over a region from the host:
 * alignment, no overlap, a random stress run against a shadow model,
 * coalescing, exhaustion and the corruption hook.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <criterion/criterion.h>

#include "rt_rename.h"
#include <archk/runtime.h>
#define RT_RENAME_UNDO
#include "rt_rename.h"

#define REGION_SIZE (8u << 20)
#define SLOTS	    1000

static void *region;

/* What the corruption hook saw; it jumps back to the test via hook_return. */
static struct {
	jmp_buf hook_return;
	const char *what;
	void *ptr;
} corrupt;

/* The hook malloc.c calls on a bad free: records it and returns to the test. */
void archk_heap_corrupted(const char *what, void *ptr)
{
	corrupt.what = what;
	corrupt.ptr = ptr;
	longjmp(corrupt.hook_return, 1);
}

/* Frees ptr and asserts the corruption hook fires for it with message what. */
static void expect_corruption(void *ptr, const char *what)
{
	corrupt.what = NULL;
	if (setjmp(corrupt.hook_return) == 0) {
		rt_free(ptr);
		cr_assert_fail("free(%p) did not report \"%s\"", ptr, what);
	}
	cr_assert_str_eq(corrupt.what, what);
	cr_assert_eq(corrupt.ptr, ptr);
}

/* Gives the heap a fresh page-aligned region before every test. */
static void setup(void)
{
	region = aligned_alloc(4096, REGION_SIZE);
	cr_assert_not_null(region);
	archk_heap_init(region, REGION_SIZE);
}

/* Releases the host region after every test. */
static void teardown(void)
{
	free(region);
}

TestSuite(runtime_malloc, .init = setup, .fini = teardown);

/* The largest single allocation that succeeds now (binary search). */
static size_t largest_allocation(void)
{
	size_t lo = 0, hi = REGION_SIZE;

	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		void *p = rt_malloc(mid);

		if (p != NULL) {
			rt_free(p);
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	return lo;
}

/* The fill byte for the i-th byte of a block tagged tag. */
static unsigned char pattern(unsigned tag, size_t i)
{
	return (unsigned char)(tag * 31 + i * 7);
}

/* Fills n bytes at p with the pattern for tag. */
static void fill(unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(tag, i);
}

/* Asserts the first n bytes at p still hold the pattern for tag. */
static void verify(const unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(p[i], pattern(tag, i), "block %u byte %zu overwritten", tag, i);
}

/* A random size: mostly small, sometimes large, occasionally zero. */
static size_t random_size(void)
{
	switch (rand() % 16) {
	case 0:
		return 0;
	case 1:
		return (size_t)rand() % 65536;
	case 2:
		return (size_t)rand() % 4096;
	default:
		return (size_t)rand() % 256;
	}
}

/* Every result is 16-byte aligned, for every small size. */
Test(runtime_malloc, alignment)
{
	void *p[600];

	for (size_t n = 0; n < 600; n++) {
		p[n] = rt_malloc(n);
		cr_assert_not_null(p[n]);
		cr_assert_eq((uintptr_t)p[n] % 16, 0, "malloc(%zu) = %p", n, p[n]);
	}
	for (size_t n = 0; n < 600; n++)
		rt_free(p[n]);
	cr_assert_eq(archk_heap_in_use(), 0);
}

/* Live blocks never overlap: each keeps the pattern written into it. */
Test(runtime_malloc, no_overlap)
{
	unsigned char *p[SLOTS];
	size_t size[SLOTS];

	for (unsigned i = 0; i < SLOTS; i++) {
		size[i] = random_size();
		p[i] = rt_malloc(size[i]);
		cr_assert_not_null(p[i]);
		fill(p[i], size[i], i);
	}
	for (unsigned i = 0; i < SLOTS; i++)
		verify(p[i], size[i], i);
	for (unsigned i = 0; i < SLOTS; i += 2)
		rt_free(p[i]);
	for (unsigned i = 1; i < SLOTS; i += 2)
		verify(p[i], size[i], i);
}

/* malloc(0) gives distinct, freeable pointers. */
Test(runtime_malloc, malloc_zero_is_unique)
{
	void *a = rt_malloc(0), *b = rt_malloc(0);

	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_neq(a, b);
	rt_free(a);
	rt_free(b);
	rt_free(NULL);
	cr_assert_eq(archk_heap_in_use(), 0);
}

/* One random operation on slot i of the shadow model. */
static void stress_step(unsigned char **p, size_t *size, unsigned *tag, unsigned i, unsigned step)
{
	size_t n = random_size();
	unsigned char *q;

	if (p[i] == NULL) {
		p[i] = rt_malloc(n);
		cr_assert_not_null(p[i]);
	} else if (rand() % 2 == 0) {
		verify(p[i], size[i], tag[i]);
		rt_free(p[i]);
		p[i] = NULL;
		return;
	} else {
		q = rt_realloc(p[i], n);
		cr_assert_not_null(q);
		verify(q, n < size[i] ? n : size[i], tag[i]);
		p[i] = q;
	}
	size[i] = n;
	tag[i] = step;
	fill(p[i], n, step);
}

/*
 * 100000 random malloc/free/realloc operations checked against a shadow
 * model; afterwards nothing is in use and the largest possible allocation
 * is as large as on a fresh heap, which shows that freed blocks coalesce.
 */
Test(runtime_malloc, stress_and_coalescing)
{
	static unsigned char *p[SLOTS];
	static size_t size[SLOTS];
	static unsigned tag[SLOTS];
	size_t fresh = largest_allocation();

	cr_assert_gt(fresh, REGION_SIZE - 64);
	for (unsigned step = 0; step < 100000; step++)
		stress_step(p, size, tag, (unsigned)rand() % SLOTS, step);
	for (unsigned i = 0; i < SLOTS; i++) {
		if (p[i] != NULL)
			verify(p[i], size[i], tag[i]);
		rt_free(p[i]);
	}
	cr_assert_eq(archk_heap_in_use(), 0);
	cr_assert_eq(largest_allocation(), fresh);
	cr_assert_not_null(rt_malloc(fresh));
}

/* realloc keeps contents, handles NULL, and fails without losing the block. */
Test(runtime_malloc, realloc_cases)
{
	unsigned char *p = rt_realloc(NULL, 100), *q;

	cr_assert_not_null(p);
	fill(p, 100, 1);
	q = rt_realloc(p, 40);
	cr_assert_eq(q, p); /* shrinking stays in place */
	verify(q, 40, 1);
	q = rt_realloc(q, 5000);
	cr_assert_not_null(q);
	verify(q, 40, 1);
	cr_assert_null(rt_realloc(q, REGION_SIZE));
	cr_assert_null(rt_realloc(q, SIZE_MAX));
	verify(q, 40, 1);
	rt_free(q);
	cr_assert_eq(archk_heap_in_use(), 0);
}

/* Allocation fails cleanly once the region is full, and works after frees. */
Test(runtime_malloc, exhaustion)
{
	static void *p[REGION_SIZE / 1024 + 1];
	size_t n = 0;

	while ((p[n] = rt_malloc(1000)) != NULL)
		n++;
	cr_assert_gt(n, REGION_SIZE / 1024 - 16);
	cr_assert_null(rt_malloc(1000));
	cr_assert_null(rt_malloc(SIZE_MAX));
	cr_assert_null(rt_malloc(REGION_SIZE));
	rt_free(p[n / 2]);
	cr_assert_not_null(rt_malloc(1000));
	while (n-- > 0)
		rt_free(p[n]);
}

/* calloc zeroes recycled memory and rejects sizes that overflow. */
Test(runtime_malloc, calloc_cases)
{
	unsigned char *p = rt_malloc(4000);

	memset(p, 0xaa, 4000);
	rt_free(p);
	p = rt_calloc(40, 100);
	cr_assert_not_null(p);
	for (size_t i = 0; i < 4000; i++)
		cr_assert_eq(p[i], 0);
	rt_free(p);
	cr_assert_null(rt_calloc(SIZE_MAX / 2, 3));
	cr_assert_null(rt_calloc((size_t)1 << 32, (size_t)1 << 32));
	cr_assert_eq(archk_heap_in_use(), 0);
}

/* Freeing twice, or freeing what malloc did not return, calls the hook. */
Test(runtime_malloc, bad_frees_call_hook)
{
	char *p = rt_malloc(64), *q = rt_malloc(64);
	int local;

	memset(q, 0, 64); /* so q + 16 has no plausible header */
	rt_free(p);
	expect_corruption(p, "double free");
	expect_corruption(q + 16, "free of a bad or overwritten block");
	expect_corruption(q + 8, "free of a pointer not from malloc");
	expect_corruption(&local, "free of a pointer not from malloc");
	rt_free(q);
	expect_corruption(q, "double free");
	cr_assert_eq(archk_heap_in_use(), 0);
}

/*
 * Nothing is written at the top of the region until memory there is handed
 * out (archk backs the heap with huge pages and the top one would otherwise
 * be zeroed at every spawn): a heap whose last pages are inaccessible works
 * for everything below them, and the whole region coalesces into one block.
 */
Test(runtime_malloc, top_of_region_untouched)
{
	size_t size = 4u << 20, guard = 64u << 10;
	char *top = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *p[64];

	cr_assert_neq(top, MAP_FAILED);
	cr_assert_eq(mprotect(top + size - guard, guard, PROT_NONE), 0);
	archk_heap_init(top, size);
	for (int i = 0; i < 64; i++)
		cr_assert_not_null(p[i] = rt_malloc(1000 + 64 * (size_t)i));
	for (int i = 0; i < 64; i += 2)
		rt_free(p[i]);
	for (int i = 1; i < 64; i += 2)
		cr_assert_not_null(p[i] = rt_realloc(p[i], 20000));
	for (int i = 1; i < 64; i += 2)
		rt_free(p[i]);
	cr_assert_eq(archk_heap_in_use(), 0);
	cr_assert_eq(mprotect(top + size - guard, guard, PROT_READ | PROT_WRITE), 0);
	cr_assert_not_null(p[0] = rt_malloc(size - 16));
	rt_free(p[0]);
	munmap(top, size);
}

/* A heap that was never given a region (or too small a one) just says no. */
Test(runtime_malloc, tiny_region)
{
	archk_heap_init(region, 40);
	cr_assert_null(rt_malloc(1));
	archk_heap_init((char *)region + 1, 4096);
	void *p = rt_malloc(4000);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % 16, 0);
	rt_free(p);
}
