/*
 * Paths of a share: see share_path.h.
 */
#include <string.h>
#include <archk/errors.h>
#include <archk/path.h>
#include <archk/syscall.h>
#include "share_path.h"

long share_path_join(const char *dir, const char *path, size_t len, char *out)
{
	size_t used = strlen(dir);
	long names = 0;

	if (len > ARCHK_PATH_MAX)
		return ARCHK_ERR_TOO_LONG;
	if (memchr(path, '\0', len))
		return ARCHK_ERR_INVALID_ARGS;
	if (used >= SHARE_PATH_BYTES)
		return ARCHK_ERR_TOO_LONG;
	memcpy(out, dir, used);
	for (size_t at = 0;;) {
		const char *name;
		size_t n;
		long more = archk_path_next(path, len, &at, ARCHK_NAME_BYTES_MAX, &name, &n);

		if (more <= 0) {
			if (more < 0)
				return more;
			break;
		}
		if (used + (used > 0) + n >= SHARE_PATH_BYTES)
			return ARCHK_ERR_TOO_LONG;
		if (used > 0)
			out[used++] = '/';
		memcpy(out + used, name, n);
		used += n;
		names++;
	}
	out[used] = '\0';
	return names;
}

bool share_path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}
