/*
 * Walking a path's names, the one way archk and its servers all read paths
 * (docs/abi.md 8.4): split at '/', empty names and "." skipped, ".." refused.
 * Header-only, so that the kernel, the guest runtime's users and host tools
 * (archk-mkhome) share it.
 */
#ifndef ARCHK_PATH_H
#define ARCHK_PATH_H

#include <stddef.h>
#include <string.h>
#include <archk/errors.h>

/*
 * The next name of path[0..len) from *at, which it advances: 1 with *name
 * and *name_len set, 0 at the end, INVALID_ARGS for "..", TOO_LONG for a
 * name longer than max bytes.
 */
static inline long archk_path_next(const char *path, size_t len, size_t *at, size_t max,
				   const char **name, size_t *name_len)
{
	while (*at < len) {
		const char *start = path + *at;
		const char *slash = memchr(start, '/', len - *at);
		size_t n = slash ? (size_t)(slash - start) : len - *at;

		*at += n + 1;
		if (n == 0 || (n == 1 && start[0] == '.'))
			continue;
		if (n == 2 && start[0] == '.' && start[1] == '.')
			return ARCHK_ERR_INVALID_ARGS;
		if (n > max)
			return ARCHK_ERR_TOO_LONG;
		*name = start;
		*name_len = n;
		return 1;
	}
	return 0;
}

#endif
