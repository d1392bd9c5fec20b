/*
 * Tests of the guest runtime's environment (abi/runtime/env.c) on the host:
 * lookups in the list a spawner gives, the copy-on-first-change, replacing,
 * adding and removing entries, and refused names. No entry may leak: the
 * heap's use is back to where it was once the entries are gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "rt_rename.h"
#include <archk/runtime.h>
#define RT_RENAME_UNDO
#include "rt_rename.h"

#define REGION_SIZE (1 << 20)

char **archk_environ;
static void *region;
static char *stack_env[] = {"HOME=/home", "PATH=/bin", "EMPTY=", "A=1=2", NULL};

void archk_heap_corrupted(const char *what, void *ptr)
{
	cr_assert_fail("heap corrupted: %s at %p", what, ptr);
}

static void setup(void)
{
	region = aligned_alloc(4096, REGION_SIZE);
	cr_assert_not_null(region);
	archk_heap_init(region, REGION_SIZE);
	archk_environ = stack_env;
}

static void teardown(void)
{
	free(region);
}

static size_t entries(void)
{
	size_t n = 0;

	while (archk_environ[n])
		n++;
	return n;
}

TestSuite(runtime_env, .init = setup, .fini = teardown);

Test(runtime_env, getenv_reads_the_initial_list)
{
	cr_assert_str_eq(archk_getenv("HOME"), "/home");
	cr_assert_str_eq(archk_getenv("EMPTY"), "");
	cr_assert_str_eq(archk_getenv("A"), "1=2");
	cr_assert_null(archk_getenv("HOM"));
	cr_assert_null(archk_getenv("HOME="));
	cr_assert_null(archk_getenv(""));
	cr_assert_null(archk_getenv(NULL));
	archk_environ = NULL;
	cr_assert_null(archk_getenv("HOME"));
}

Test(runtime_env, setenv_copies_then_changes)
{
	cr_assert_eq(archk_setenv("PATH", "/sbin", 0), 0);
	cr_assert_eq(archk_environ, stack_env, "no change, no copy");
	cr_assert_eq(archk_setenv("PATH", "/sbin", 1), 0);
	cr_assert_neq(archk_environ, stack_env);
	cr_assert_str_eq(stack_env[1], "PATH=/bin", "the spawner's list is not written");
	cr_assert_str_eq(archk_getenv("PATH"), "/sbin");
	cr_assert_str_eq(archk_getenv("HOME"), "/home");
	cr_assert_eq(entries(), 4);
	for (int i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof(name), "V%d", i);
		cr_assert_eq(archk_setenv(name, name, 1), 0);
	}
	cr_assert_eq(entries(), 54);
	cr_assert_str_eq(archk_getenv("V49"), "V49");
	cr_assert_str_eq(archk_getenv("A"), "1=2");
}

Test(runtime_env, unsetenv_removes_every_copy)
{
	static char *doubled[] = {"X=1", "Y=2", "X=3", NULL};

	archk_environ = doubled;
	cr_assert_eq(archk_unsetenv("Z"), 0);
	cr_assert_eq(archk_environ, doubled);
	cr_assert_eq(archk_unsetenv("X"), 0);
	cr_assert_null(archk_getenv("X"));
	cr_assert_eq(entries(), 1);
	cr_assert_str_eq(archk_environ[0], "Y=2");
}

Test(runtime_env, bad_names_are_refused)
{
	cr_assert_eq(archk_setenv("", "x", 1), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_setenv("A=B", "x", 1), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_setenv(NULL, "x", 1), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_setenv("A", NULL, 1), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_unsetenv("A=B"), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_environ, stack_env);
}

Test(runtime_env, replaced_entries_are_freed)
{
	size_t before;

	cr_assert_eq(archk_setenv("N", "0", 1), 0);
	before = archk_heap_in_use();
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(archk_setenv("N", i % 2 ? "odd" : "even", 1), 0);
	cr_assert_eq(archk_heap_in_use(), before);
	cr_assert_eq(archk_unsetenv("N"), 0);
	cr_assert(archk_heap_in_use() < before);
}

Test(runtime_env, a_program_list_is_copied_at_the_next_change)
{
	static char *mine[] = {"MINE=yes", NULL};

	cr_assert_eq(archk_setenv("FIRST", "1", 1), 0);
	archk_environ = mine;
	cr_assert_eq(archk_setenv("SECOND", "2", 1), 0);
	cr_assert_str_eq(archk_getenv("MINE"), "yes");
	cr_assert_str_eq(archk_getenv("SECOND"), "2");
	cr_assert_null(archk_getenv("FIRST"));
	cr_assert_str_eq(mine[0], "MINE=yes");
}
