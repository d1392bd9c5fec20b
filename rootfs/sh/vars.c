/*
 * Shell variables. Every variable has a value and an export flag; the
 * exported ones are the environment of the programs the shell runs. The
 * shell starts with its own environment, all exported.
 */
#include <archk/runtime.h>
#include "sh.h"

struct var {
	char *name, *value;
	bool exported;
};

static struct var *vars;
static int nvars, cap;

bool var_valid_name(const char *name, size_t len)
{
	if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static struct var *find(const char *name)
{
	for (int i = 0; i < nvars; i++)
		if (strcmp(vars[i].name, name) == 0)
			return &vars[i];
	return NULL;
}

const char *var_get(const char *name)
{
	struct var *v = find(name);

	return v ? v->value : NULL;
}

/* A new variable slot named name (not set yet), or NULL when out of memory. */
static struct var *add(const char *name)
{
	struct var *v;

	if (nvars == cap) {
		int grown = cap ? 2 * cap : 32;
		struct var *bigger = realloc(vars, (size_t)grown * sizeof(*bigger));

		if (!bigger)
			return NULL;
		vars = bigger;
		cap = grown;
	}
	v = &vars[nvars];
	*v = (struct var){.name = strdup(name), .value = strdup("")};
	if (!v->name || !v->value) {
		free(v->name);
		free(v->value);
		return NULL;
	}
	nvars++;
	return v;
}

const char *var_set(const char *name, const char *value, bool export)
{
	struct var *v;
	char *copy;

	if (!var_valid_name(name, strlen(name)))
		return "not a valid name";
	if (!(copy = strdup(value)) || (!(v = find(name)) && !(v = add(name)))) {
		free(copy);
		return "out of memory";
	}
	free(v->value);
	v->value = copy;
	v->exported |= export;
	return NULL;
}

void var_unset(const char *name)
{
	struct var *v = find(name);

	if (!v)
		return;
	free(v->name);
	free(v->value);
	*v = vars[--nvars];
}

void var_export(const char *name)
{
	struct var *v = find(name);

	if (v)
		v->exported = true;
}

void vars_init(char **env)
{
	for (char **e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[256];

		if (!eq || (size_t)(eq - *e) >= sizeof(name) ||
		    !var_valid_name(*e, (size_t)(eq - *e)))
			continue; /* not something a shell variable can hold */
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		var_set(name, eq + 1, true);
	}
}

/* Is NAME=... in extra (the command's own assignments, which win)? */
static bool overridden(const char *name, char *const *extra, int nextra)
{
	size_t n = strlen(name);

	for (int i = 0; i < nextra; i++)
		if (strncmp(extra[i], name, n) == 0 && extra[i][n] == '=')
			return true;
	return false;
}

static char *entry(const char *name, const char *value)
{
	size_t n = strlen(name), m = strlen(value);
	char *s = malloc(n + m + 2);

	if (s) {
		memcpy(s, name, n);
		s[n] = '=';
		memcpy(s + n + 1, value, m + 1);
	}
	return s;
}

char **vars_env(char *const *extra, int nextra)
{
	char **env = calloc((size_t)(nvars + nextra + 1), sizeof(*env));
	int n = 0;

	if (!env)
		return NULL;
	for (int i = 0; i < nvars; i++)
		if (vars[i].exported && !overridden(vars[i].name, extra, nextra))
			if (!(env[n++] = entry(vars[i].name, vars[i].value)))
				goto fail;
	for (int i = 0; i < nextra; i++)
		if (!(env[n++] = strdup(extra[i])))
			goto fail;
	return env;
fail:
	vars_env_free(env);
	return NULL;
}

void vars_env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

const char *path_next_dir(const char *list, const char *cwd, char *dir, size_t size)
{
	const char *colon;
	size_t n;
	char *abs;

	for (; *list; list += n + (colon != NULL)) {
		colon = strchr(list, ':');
		n = colon ? (size_t)(colon - list) : strlen(list);
		if (n == 0 || n >= size)
			continue; /* an empty entry (or one no path can be) names nothing */
		memcpy(dir, list, n);
		dir[n] = '\0';
		if (!(abs = archk_path_resolve(cwd, dir)))
			return NULL;
		snprintf(dir, size, "%s", abs);
		free(abs);
		return list + n + (colon != NULL);
	}
	return NULL;
}

void vars_each(void (*fn)(const char *name, const char *value, bool exported, void *arg), void *arg)
{
	int order[nvars ? nvars : 1];

	for (int i = 0; i < nvars; i++) {
		int j = i;

		while (j > 0 && strcmp(vars[order[j - 1]].name, vars[i].name) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (int i = 0; i < nvars; i++)
		fn(vars[order[i]].name, vars[order[i]].value, vars[order[i]].exported, arg);
}
