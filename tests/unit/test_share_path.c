/*
 * The share driver's path rules (drivers/share_path.c): a client's path
 * joined to a directory's, with the checks and errors of docs/abi.md 8.11.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <archk/errors.h>
#include "share_path.h"

static char out[SHARE_PATH_BYTES];

/* Joins dir and the C string path. */
static long join(const char *dir, const char *path)
{
	return share_path_join(dir, path, strlen(path), out);
}

Test(share_path, joins_names)
{
	cr_assert_eq(join("", "a"), 1);
	cr_assert_str_eq(out, "a");
	cr_assert_eq(join("d", "a/b"), 2);
	cr_assert_str_eq(out, "d/a/b");
	cr_assert_eq(join("d/e", "x"), 1);
	cr_assert_str_eq(out, "d/e/x");
}

Test(share_path, skips_empty_components_and_dots)
{
	cr_assert_eq(join("", "/a//./b/"), 2);
	cr_assert_str_eq(out, "a/b");
	cr_assert_eq(join("d", "./"), 0);
	cr_assert_str_eq(out, "d");
	cr_assert_eq(join("", ""), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(join("", ".a/..b/..."), 3); /* names that only start with dots */
	cr_assert_str_eq(out, ".a/..b/...");
}

Test(share_path, refuses_dotdot)
{
	cr_assert_eq(join("d", ".."), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(join("d", "a/../b"), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(join("d", "a/.."), ARCHK_ERR_INVALID_ARGS);
}

Test(share_path, refuses_nul)
{
	cr_assert_eq(share_path_join("", "a\0b", 3, out), ARCHK_ERR_INVALID_ARGS);
}

Test(share_path, limits_in_order)
{
	static char path[2048], name[300];

	memset(path, 'p', sizeof(path));
	cr_assert_eq(share_path_join("", path, 1025, out), ARCHK_ERR_TOO_LONG);
	memcpy(path, "a\0", 2);
	cr_assert_eq(share_path_join("", path, 1025, out), ARCHK_ERR_TOO_LONG); /* before NUL */
	memset(name, 'n', sizeof(name));
	cr_assert_eq(share_path_join("", name, 256, out), ARCHK_ERR_TOO_LONG);
	cr_assert_eq(share_path_join("", name, 255, out), 1);
	memcpy(name + 256, "/..", 3);
	cr_assert_eq(share_path_join("", name, 259, out),
		     ARCHK_ERR_TOO_LONG); /* first comes first */
	memcpy(name, "../", 3);
	cr_assert_eq(share_path_join("", name, 259, out), ARCHK_ERR_INVALID_ARGS);
}

Test(share_path, joined_path_fits)
{
	static char dir[SHARE_PATH_BYTES];

	memset(dir, 'd', SHARE_PATH_BYTES - 3);
	dir[SHARE_PATH_BYTES - 3] = '\0'; /* 4093 bytes: "/x" makes 4095, the most */
	cr_assert_eq(join(dir, "x"), 1);
	cr_assert_eq(strlen(out), SHARE_PATH_BYTES - 1);
	cr_assert_eq(join(dir, "xy"), ARCHK_ERR_TOO_LONG);
	cr_assert_eq(join(dir, ""), 0);
}

Test(share_path, below)
{
	cr_assert(share_path_below("a", "a"));
	cr_assert(share_path_below("a/b", "a"));
	cr_assert(!share_path_below("ab", "a"));
	cr_assert(!share_path_below("b/a", "a"));
	cr_assert(share_path_below("a/b/c", "a/b"));
}
