/*
 * The environment: archk_environ starts as the list the spawner put on the
 * initial stack (docs/abi.md 10.1). The first change copies it to the heap,
 * the array and every string, so that later changes can replace and free
 * entries one by one. A program that points archk_environ at a list of its
 * own gets that list copied at the next change.
 */
#include <archk/runtime.h>

static char **owned;	 /* the heap copy, while archk_environ is it */
static size_t owned_cap; /* entries it has room for, its NULL included */

static int valid_name(const char *name)
{
	return name && *name && !strchr(name, '=');
}

/* The entry "name=..." of the environment, or NULL. */
static char **find(const char *name)
{
	size_t n = strlen(name);

	for (char **e = archk_environ; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return e;
	return NULL;
}

static size_t count(void)
{
	size_t n = 0;

	while (archk_environ && archk_environ[n])
		n++;
	return n;
}

const char *archk_getenv(const char *name)
{
	char **e = valid_name(name) ? find(name) : NULL;

	return e ? *e + strlen(name) + 1 : NULL;
}

/* Copies the environment to the heap, with room for extra more entries; NULL if out of memory. */
static char **heap_copy(size_t n, size_t extra)
{
	char **copy = malloc((n + 1 + extra) * sizeof(*copy));

	for (size_t i = 0; copy && i < n; i++) {
		if (!(copy[i] = strdup(archk_environ[i]))) {
			while (i--)
				free(copy[i]);
			free(copy);
			return NULL;
		}
	}
	if (copy)
		copy[n] = NULL;
	return copy;
}

/* Makes archk_environ the heap copy with room for one more entry: 0 or NO_MEMORY. */
static long own(void)
{
	size_t n = count();
	char **bigger;

	if (owned && owned == archk_environ) {
		if (n + 2 <= owned_cap)
			return 0;
		if (!(bigger = realloc(owned, 2 * owned_cap * sizeof(*bigger))))
			return ARCHK_ERR_NO_MEMORY;
		owned_cap *= 2;
	} else {
		if (!(bigger = heap_copy(n, 8)))
			return ARCHK_ERR_NO_MEMORY;
		owned_cap = n + 9;
	}
	owned = archk_environ = bigger;
	return 0;
}

long archk_setenv(const char *name, const char *value, int overwrite)
{
	size_t name_len, value_len;
	char **e, *entry;

	if (!valid_name(name) || !value)
		return ARCHK_ERR_INVALID_ARGS;
	if (find(name) && !overwrite)
		return 0;
	name_len = strlen(name);
	value_len = strlen(value);
	if (!(entry = malloc(name_len + value_len + 2)))
		return ARCHK_ERR_NO_MEMORY;
	memcpy(entry, name, name_len);
	entry[name_len] = '=';
	memcpy(entry + name_len + 1, value, value_len + 1);
	if (own() < 0) {
		free(entry);
		return ARCHK_ERR_NO_MEMORY;
	}
	if ((e = find(name))) {
		free(*e);
		*e = entry;
	} else {
		size_t n = count();

		archk_environ[n] = entry;
		archk_environ[n + 1] = NULL;
	}
	return 0;
}

long archk_unsetenv(const char *name)
{
	char **e;

	if (!valid_name(name))
		return ARCHK_ERR_INVALID_ARGS;
	if (!find(name))
		return 0;
	if (own() < 0)
		return ARCHK_ERR_NO_MEMORY;
	while ((e = find(name))) {
		free(*e);
		do
			e[0] = e[1];
		while (*e++);
	}
	return 0;
}
