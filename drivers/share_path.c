/*
 * Paths of a share: see share_path.h.
 */
#include <string.h>
#include <archk/errors.h>
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
	for (size_t at = 0; at < len;) {
		const char *name = path + at, *slash = memchr(name, '/', len - at);
		size_t n = slash ? (size_t)(slash - name) : len - at;

		at += n + 1;
		if (n == 0 || (n == 1 && name[0] == '.'))
			continue;
		if (n == 2 && name[0] == '.' && name[1] == '.')
			return ARCHK_ERR_INVALID_ARGS;
		if (n > ARCHK_NAME_BYTES_MAX)
			return ARCHK_ERR_TOO_LONG;
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
