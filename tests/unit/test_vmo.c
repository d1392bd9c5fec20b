/*
 * Unit tests for VMO objects (kernel/vmo.c): sizes, the system limits on
 * count and bytes, and reference counting: the memory and the arena slot go
 * with the last reference, so live counts return to where they started.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "arena.h"
#include "vmo.h"

extern int fake_shared_live; /* hook_fakes.c */

static struct arena *vmo_arena;

static void setup(void)
{
	struct arena *a;

	cr_assert_eq(vmo_init(), 0);
	SLIST_FOREACH(a, &all_arenas, link)
	if (strcmp(a->name, "vmo") == 0)
		vmo_arena = a;
	cr_assert_not_null(vmo_arena);
}

TestSuite(vmo, .init = setup);

/* A new VMO, required to succeed. */
static struct vmo *create(uint64_t size)
{
	struct vmo *v = NULL;

	cr_assert_eq(vmo_create(size, &v), 0, "vmo_create(%lu) failed", (unsigned long)size);
	return v;
}

Test(vmo, sizes_round_to_pages_and_memory_is_zero)
{
	struct vmo *v = create(1);

	cr_assert_eq(v->size, PAGE_SIZE);
	cr_assert_eq(v->obj.type, ARCHK_OBJ_VMO);
	cr_assert_eq(v->obj.refcount, 1);
	for (size_t i = 0; i < v->size; i++)
		cr_assert_eq(v->view[i], 0);
	object_unref(&v->obj);
	v = create(ARCHK_VMO_SIZE_MAX);
	cr_assert_eq(v->size, ARCHK_VMO_SIZE_MAX);
	object_unref(&v->obj);
}

Test(vmo, bad_sizes)
{
	struct vmo *v = NULL;

	cr_assert_eq(vmo_create(0, &v), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(vmo_create(ARCHK_VMO_SIZE_MAX + 1, &v), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(vmo_create(UINT64_MAX, &v), ARCHK_ERR_INVALID_ARGS);
	cr_assert_null(v);
	cr_assert_eq(vmo_arena->live, 0);
}

/* Extra references (mappings) keep the memory; the last unref frees it. */
Test(vmo, last_reference_frees)
{
	uint32_t live = vmo_arena->live;
	int shared = fake_shared_live;
	struct vmo *v = create(3 * PAGE_SIZE);

	object_ref(&v->obj);
	object_ref(&v->obj);
	object_unref(&v->obj);
	object_unref(&v->obj);
	cr_assert_eq(vmo_arena->live, live + 1);
	cr_assert_eq(fake_shared_live, shared + 1);
	object_unref(&v->obj);
	cr_assert_eq(vmo_arena->live, live);
	cr_assert_eq(fake_shared_live, shared);
}

/* The byte limit and the count limit each say NO_MEMORY, and freeing lifts them. */
Test(vmo, system_limits)
{
	static struct vmo *v[VMO_MAX + 1];
	const unsigned big = VMO_TOTAL_BYTES / ARCHK_VMO_SIZE_MAX;
	unsigned n;
	struct vmo *extra;

	for (n = 0; n < big; n++)
		v[n] = create(ARCHK_VMO_SIZE_MAX);
	cr_assert_eq(vmo_create(PAGE_SIZE, &extra), ARCHK_ERR_NO_MEMORY);
	object_unref(&v[--n]->obj);
	while (n < VMO_MAX)
		v[n++] = create(PAGE_SIZE);
	cr_assert_eq(vmo_create(PAGE_SIZE, &extra), ARCHK_ERR_NO_MEMORY);
	cr_assert_eq(vmo_arena->live, VMO_MAX);
	while (n > 0)
		object_unref(&v[--n]->obj);
	cr_assert_eq(vmo_arena->live, 0);
	cr_assert_eq(fake_shared_live, 0);
	object_unref(&create(ARCHK_VMO_SIZE_MAX)->obj);
}
