/*
 * Paths. A process has no current directory of its own in archk: it has a
 * "root" handle, and by convention the environment variable PWD (which the
 * shell sets) names the directory relative paths mean. Paths are resolved
 * textually: archk's directories have no ".." of their own (the store
 * refuses the component), so "a/../b" is simply "b".
 */
#include <archk/runtime.h>

/* Removes the last component of the absolute path s (of length *len), never the root. */
static void drop_last(char *s, size_t *len)
{
	while (*len > 1 && s[*len - 1] != '/')
		(*len)--;
	if (*len > 1)
		(*len)--;
	s[*len] = '\0';
}

char *archk_path_resolve(const char *base, const char *path)
{
	size_t cap = strlen(base) + strlen(path) + 3, len = 1;
	char *s = malloc(cap);
	const char *parts[2] = {path[0] == '/' ? "" : base, path};

	if (!s)
		return NULL;
	s[0] = '/';
	s[1] = '\0';
	for (int k = 0; k < 2; k++) {
		const char *p = parts[k];

		while (*p) {
			const char *end = strchr(p, '/');
			size_t n = end ? (size_t)(end - p) : strlen(p);

			if (n == 2 && p[0] == '.' && p[1] == '.') {
				drop_last(s, &len);
			} else if (n > 0 && !(n == 1 && p[0] == '.')) {
				if (len > 1)
					s[len++] = '/';
				memcpy(s + len, p, n);
				len += n;
				s[len] = '\0';
			}
			p += n + (end != NULL);
		}
	}
	return s;
}
