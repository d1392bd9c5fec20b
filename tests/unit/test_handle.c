/*
 * Unit tests for per-process handle tables (kernel/handle.c): install,
 * lookup and close; stale, foreign and forged values; rights that can only
 * shrink on copy; the per-process limit; and object reference counting.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <sys/random.h>

#include "handle.h"

#define OBJECTS 8

/* Test objects and how often each was destroyed. */
struct test_object {
	struct object obj;
	int destroyed;
};

static struct test_object objects[OBJECTS];
static int destroy_calls;

static void count_destroy(struct object *obj)
{
	struct test_object *t = (struct test_object *)obj;

	t->destroyed++;
	destroy_calls++;
}

static const struct object_type test_type = {.name = "test", .destroy = count_destroy};

/* Two fake processes: only their addresses matter to the handle table. */
static char process_a, process_b;
static struct handle_table table_a, table_b;

/* Each test runs in its own process, so registration happens once per test. */
static void setup(void)
{
	object_type_register(ARCHK_OBJ_CONSOLE, &test_type);
	for (int i = 0; i < OBJECTS; i++)
		object_init(&objects[i].obj, ARCHK_OBJ_CONSOLE);
	cr_assert_eq(handle_table_init(&table_a, (struct process *)&process_a), 0);
	cr_assert_eq(handle_table_init(&table_b, (struct process *)&process_b), 0);
}

TestSuite(handle, .init = setup);

/* Installs obj with rights, requiring a valid (non-zero, non-error) value. */
static archk_handle_t install(struct handle_table *t, struct object *obj, uint32_t rights)
{
	long v = handle_install(t, obj, rights);

	cr_assert_gt(v, 0, "handle_install returned %ld", v);
	cr_assert_leq(v, (long)UINT32_MAX);
	return (archk_handle_t)v;
}

/* Fills values[] with n handles to objects[0] in t. */
static void install_n(struct handle_table *t, archk_handle_t *values, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		values[i] = install(t, &objects[0].obj, ARCHK_RIGHT_READ);
}

static bool contains(const archk_handle_t *values, unsigned n, archk_handle_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (values[i] == v)
			return true;
	return false;
}

/* Installed handles are distinct, non-zero, and find their exact entry. */
Test(handle, install_then_lookup)
{
	archk_handle_t values[OBJECTS];

	for (int i = 0; i < OBJECTS; i++) {
		values[i] = install(&table_a, &objects[i].obj, 1u << i);
		cr_assert_not(contains(values, (unsigned)i, values[i]), "duplicate value");
	}
	for (int i = 0; i < OBJECTS; i++) {
		struct handle_entry *e = handle_lookup(&table_a, values[i]);

		cr_assert_not_null(e, "handle %d not found", i);
		cr_assert_eq(e->obj, &objects[i].obj);
		cr_assert_eq(e->type, ARCHK_OBJ_CONSOLE);
		cr_assert_eq(e->rights, 1u << i);
		cr_assert_eq(e->owner, (struct process *)&process_a);
	}
	cr_assert_eq(table_a.count, OBJECTS);
}

/* A closed handle is dead: lookup fails and a second close is refused. */
Test(handle, close_makes_value_stale)
{
	archk_handle_t v = install(&table_a, &objects[0].obj, ARCHK_RIGHTS_ALL);

	cr_assert_eq(handle_close(&table_a, v), 0);
	cr_assert_null(handle_lookup(&table_a, v));
	cr_assert_eq(handle_close(&table_a, v), ARCHK_ERR_HND_INVALID);
	cr_assert_eq(table_a.count, 0);
}

/* Reusing one slot over and over gives a new value each time; every earlier
 * value stays dead. */
Test(handle, reused_slot_gets_new_value)
{
	archk_handle_t old[100];

	for (unsigned i = 0; i < 100; i++) {
		archk_handle_t v = install(&table_a, &objects[0].obj, ARCHK_RIGHT_READ);

		cr_assert_eq(table_a.used, 1, "closed slot was not reused");
		cr_assert_not(contains(old, i, v), "value %#x came back", v);
		cr_assert_not_null(handle_lookup(&table_a, v));
		for (unsigned j = 0; j < i; j++)
			cr_assert_null(handle_lookup(&table_a, old[j]), "old value %u alive", j);
		cr_assert_eq(handle_close(&table_a, v), 0);
		old[i] = v;
	}
}

/* Values of another process (whose table has its own random keys) name
 * nothing here, even when both tables have many live slots. */
Test(handle, foreign_values_fail)
{
	enum { N = 200 };
	archk_handle_t a[N], b[N];
	unsigned false_positives = 0;

	install_n(&table_a, a, N);
	install_n(&table_b, b, N);
	for (unsigned i = 0; i < N; i++) {
		false_positives += handle_lookup(&table_b, a[i]) != NULL;
		false_positives += handle_lookup(&table_a, b[i]) != NULL;
	}
	cr_assert_eq(false_positives, 0);
}

/* Guessed values fail: 0, all ones, and random numbers. The encoding is a
 * bijection, so exactly the installed values (a lucky random guess of one is
 * a real handle, not a forgery) may succeed. */
Test(handle, forged_values_fail)
{
	enum { N = 200, GUESSES = 100000 };
	archk_handle_t live[N];
	static uint32_t guesses[GUESSES];

	install_n(&table_a, live, N);
	cr_assert_null(handle_lookup(&table_a, 0));
	cr_assert_eq(handle_close(&table_a, 0), ARCHK_ERR_HND_INVALID);
	cr_assert_eq(contains(live, N, 0xffffffffu), handle_lookup(&table_a, 0xffffffffu) != NULL);
	cr_assert_eq(getrandom(guesses, sizeof guesses, 0), (ssize_t)sizeof guesses);
	for (unsigned i = 0; i < GUESSES; i++)
		cr_assert_eq(handle_lookup(&table_a, guesses[i]) != NULL,
			     contains(live, N, guesses[i]), "forged value %#x accepted",
			     guesses[i]);
}

/* Copies may keep or drop rights but never gain one. */
Test(handle, rights_for_copy_never_grow)
{
	const uint32_t have = ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_DUPLICATE;
	uint32_t out = 0;

	cr_assert_eq(handle_rights_for_copy(have, ARCHK_RIGHT_READ, &out), 0);
	cr_assert_eq(out, ARCHK_RIGHT_READ);
	cr_assert_eq(handle_rights_for_copy(have, have, &out), 0);
	cr_assert_eq(out, have);
	cr_assert_eq(handle_rights_for_copy(have, 0, &out), 0);
	cr_assert_eq(out, 0);
	cr_assert_eq(handle_rights_for_copy(have, ARCHK_RIGHTS_SAME, &out), 0);
	cr_assert_eq(out, have);
	for (unsigned bit = 0; bit < 32; bit++) {
		uint32_t extra = 1u << bit;

		if (have & extra)
			continue;
		cr_assert_eq(handle_rights_for_copy(have, have | extra, &out),
			     ARCHK_ERR_ACCESS_DENIED, "bit %u was granted", bit);
		cr_assert_eq(handle_rights_for_copy(have, ARCHK_RIGHT_READ | extra, &out),
			     ARCHK_ERR_ACCESS_DENIED, "bit %u was granted with a subset", bit);
	}
}

/* The table holds HANDLES_PER_PROCESS handles; one more is refused until a
 * handle is closed. */
Test(handle, table_full_returns_no_memory)
{
	static archk_handle_t values[HANDLES_PER_PROCESS];

	install_n(&table_a, values, HANDLES_PER_PROCESS);
	cr_assert_eq(handle_install(&table_a, &objects[0].obj, 0), ARCHK_ERR_NO_MEMORY);
	cr_assert_eq(objects[0].obj.refcount, 1 + HANDLES_PER_PROCESS, "failed install took a ref");
	cr_assert_eq(handle_close(&table_a, values[HANDLES_PER_PROCESS / 2]), 0);
	install(&table_a, &objects[0].obj, 0);
	cr_assert_eq(handle_install(&table_a, &objects[0].obj, 0), ARCHK_ERR_NO_MEMORY);
}

/* Each handle holds one reference: install adds it, close drops it, and the
 * object dies only when its last reference goes. */
Test(handle, refcount_follows_install_and_close)
{
	struct object *obj = &objects[0].obj;
	archk_handle_t v1, v2;

	cr_assert_eq(obj->refcount, 1);
	v1 = install(&table_a, obj, ARCHK_RIGHT_READ);
	v2 = install(&table_b, obj, ARCHK_RIGHT_READ);
	cr_assert_eq(obj->refcount, 3);
	cr_assert_eq(handle_close(&table_a, v1), 0);
	cr_assert_eq(obj->refcount, 2);
	object_unref(obj);
	cr_assert_eq(objects[0].destroyed, 0);
	cr_assert_eq(handle_close(&table_b, v2), 0);
	cr_assert_eq(objects[0].destroyed, 1);
}

/* Destroying a table drops every reference it holds, several per object and
 * across tables, destroying each object exactly once when its last table goes. */
Test(handle, destroy_drops_every_reference)
{
	archk_handle_t closed;

	for (int i = 0; i < OBJECTS; i++) {
		install(&table_a, &objects[i].obj, ARCHK_RIGHT_READ);
		install(&table_a, &objects[i].obj, ARCHK_RIGHT_WRITE);
		if (i % 2)
			install(&table_b, &objects[i].obj, ARCHK_RIGHT_READ);
		object_unref(&objects[i].obj);
	}
	closed = install(&table_a, &objects[0].obj, 0);
	cr_assert_eq(handle_close(&table_a, closed), 0);
	handle_table_destroy(&table_a);
	for (int i = 0; i < OBJECTS; i++)
		cr_assert_eq(objects[i].destroyed, i % 2 ? 0 : 1, "object %d", i);
	handle_table_destroy(&table_b);
	for (int i = 0; i < OBJECTS; i++)
		cr_assert_eq(objects[i].destroyed, 1, "object %d destroyed %d times", i,
			     objects[i].destroyed);
	cr_assert_eq(destroy_calls, OBJECTS);
}
