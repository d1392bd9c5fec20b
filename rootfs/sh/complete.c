/*
 * Tab completion. The word before the cursor is completed as a program name
 * when it is in command position (the line's first word, or after |, && ,
 * || , ; or &) and has no /: the builtins and the entries of each directory
 * of $PATH (/bin by default). Otherwise it is a path: the entries of its
 * directory (resolved against the current one) that start with what was
 * typed after its last /. Names starting with "." show only when the typed
 * part does. Words with quotes, escapes or $ are left alone.
 *
 * Directories are listed through the completer's list_dir; where a directory
 * cannot be listed, a program name is completed only if the word typed so
 * far is one already (completer's exists).
 */
#include <archk/runtime.h>
#include "sh.h"

struct gather {
	struct completion *out;
	const char *prefix;
	size_t prefix_len;
	bool programs; /* command position: no directories */
};

static void add(struct completion *c, const char *name, bool is_dir)
{
	size_t n = strlen(name);
	char **v = realloc(c->v, (size_t)(c->n + 2) * sizeof(*v));
	char *s = malloc(n + 2);

	if (!v || !s) {
		free(s);
		if (v)
			c->v = v;
		return;
	}
	c->v = v;
	memcpy(s, name, n);
	s[n] = is_dir ? '/' : '\0';
	s[n + (is_dir ? 1 : 0)] = '\0';
	for (int i = 0; i < c->n; i++) {
		if (strcmp(v[i], s) == 0) { /* in two directories of $PATH */
			free(s);
			return;
		}
	}
	v[c->n++] = s;
	v[c->n] = NULL;
}

static void entry(const char *name, bool is_dir, void *arg)
{
	struct gather *g = arg;

	if (strncmp(name, g->prefix, g->prefix_len) != 0 || (g->programs && is_dir))
		return;
	if (name[0] == '.' && g->prefix[0] != '.')
		return;
	add(g->out, name, is_dir);
}

static void sort(struct completion *c)
{
	for (int i = 1; i < c->n; i++) {
		char *s = c->v[i];
		int j = i;

		while (j > 0 && strcmp(c->v[j - 1], s) > 0) {
			c->v[j] = c->v[j - 1];
			j--;
		}
		c->v[j] = s;
	}
}

/* Program names: the builtins, then each directory of the search path. */
static void programs(const struct completer *cp, struct gather *g)
{
	const char *dirs = cp->search_path;
	char dir[ARCHK_PATH_MAX + 1], *path;

	for (int i = 0; sh_builtin_names[i]; i++)
		entry(sh_builtin_names[i], false, g);
	while ((dirs = path_next_dir(dirs, cp->cwd, dir, sizeof(dir)))) {
		if (cp->list_dir(dir, entry, g) < 0 && g->prefix_len &&
		    (path = archk_path_resolve(dir, g->prefix))) {
			if (cp->exists(path))
				add(g->out, g->prefix, false);
			free(path);
		}
	}
}

void complete_word(const char *line, size_t pos, struct completion *out, void *arg)
{
	const struct completer *cp = arg;
	size_t start = pos, before;
	struct gather g = {.out = out};
	char *word, *slash;

	memset(out, 0, sizeof(*out));
	while (start > 0 && !strchr(" \t|&;<>", line[start - 1]))
		start--;
	for (before = start; before > 0 && (line[before - 1] == ' ' || line[before - 1] == '\t');)
		before--;
	if (!(word = malloc(pos - start + 1)))
		return;
	memcpy(word, line + start, pos - start);
	word[pos - start] = '\0';
	slash = strrchr(word, '/');
	for (const char *s = word; *s; s++) {
		if (strchr("'\"\\$", *s)) {
			free(word);
			return;
		}
	}
	g.programs = !slash && (before == 0 || strchr("|&;", line[before - 1]));
	g.prefix = slash ? slash + 1 : word;
	g.prefix_len = strlen(g.prefix);
	out->name_start = start + (size_t)(g.prefix - word);
	if (g.programs) {
		programs(cp, &g);
	} else {
		char *part = strdup(word), *dir;

		if (part && slash)
			part[slash - word + 1] = '\0'; /* the directory part, with its / */
		if (part && (dir = archk_path_resolve(cp->cwd, slash ? part : "."))) {
			cp->list_dir(dir, entry, &g);
			free(dir);
		}
		free(part);
	}
	free(word);
	sort(out);
}

void completion_free(struct completion *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}
