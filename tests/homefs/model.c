/*
 * The reference tree (model.h).
 */
#include "model.h"
#include <archk/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void state_free(struct state *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].data);
	}
	free(s->v);
	*s = (struct state){0};
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	if (n)
		memcpy(d, p, n);
	return d;
}

int state_add(struct state *s, const char *path, int kind, const uint8_t *data, size_t size)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n] = (struct mnode){strdup(path), kind, dup_bytes(data, size), size, s->next_id++};
	return s->n++;
}

void state_copy(struct state *dst, const struct state *src)
{
	*dst = (struct state){.next_id = src->next_id};
	for (int i = 0; i < src->n; i++) {
		int k =
		    state_add(dst, src->v[i].path, src->v[i].kind, src->v[i].data, src->v[i].size);

		dst->v[k].id = src->v[i].id;
	}
	dst->next_id = src->next_id;
}

int state_find(const struct state *s, const char *path)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].path, path))
			return i;
	return -1;
}

int state_find_id(const struct state *s, int id)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return i;
	return -1;
}

void state_remove(struct state *s, int i)
{
	free(s->v[i].path);
	free(s->v[i].data);
	s->v[i] = s->v[--s->n];
}

/* 1 if path lies strictly below dir. */
static int below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/';
}

void state_rename(struct state *s, int i, const char *path)
{
	char *old = strdup(s->v[i].path);
	size_t old_len = strlen(old);

	for (int k = 0; k < s->n; k++) {
		if (k != i && below(s->v[k].path, old)) {
			char *p = malloc(strlen(path) + strlen(s->v[k].path) - old_len + 1);

			sprintf(p, "%s%s", path, s->v[k].path + old_len);
			free(s->v[k].path);
			s->v[k].path = p;
		}
	}
	free(s->v[i].path);
	s->v[i].path = strdup(path);
	free(old);
}

void path_parent(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	snprintf(out, len, "%.*s", (int)n, path);
}

int state_children(const struct state *s, const char *dir)
{
	char parent[PATH_BUF];
	int n = 0;

	for (int i = 0; i < s->n; i++) {
		path_parent(s->v[i].path, parent, sizeof(parent));
		n += !strcmp(parent, dir);
	}
	return n;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct mnode *)a)->path, ((const struct mnode *)b)->path);
}

int state_equal(const struct state *a, const struct state *b)
{
	struct state x, y;
	int same = a->n == b->n;

	if (!same)
		return 0;
	state_copy(&x, a);
	state_copy(&y, b);
	qsort(x.v, x.n, sizeof(*x.v), by_path);
	qsort(y.v, y.n, sizeof(*y.v), by_path);
	for (int i = 0; same && i < x.n; i++)
		same = !strcmp(x.v[i].path, y.v[i].path) && x.v[i].kind == y.v[i].kind &&
		       x.v[i].size == y.v[i].size && !memcmp(x.v[i].data, y.v[i].data, x.v[i].size);
	state_free(&x);
	state_free(&y);
	return same;
}

void state_diff(const struct state *a, const struct state *b)
{
	for (int i = 0; i < a->n; i++) {
		int k = state_find(b, a->v[i].path);

		if (k < 0)
			fprintf(stderr, "  only in the first: %s\n", a->v[i].path);
		else if (b->v[k].kind != a->v[i].kind || b->v[k].size != a->v[i].size ||
			 memcmp(b->v[k].data, a->v[i].data, a->v[i].size))
			fprintf(stderr, "  differs: %s (kind %d/%d, size %zu/%zu)\n", a->v[i].path,
				a->v[i].kind, b->v[k].kind, a->v[i].size, b->v[k].size);
	}
	for (int i = 0; i < b->n; i++)
		if (state_find(a, b->v[i].path) < 0)
			fprintf(stderr, "  only in the second: %s\n", b->v[i].path);
}

/*
 * Adds the node name in dir (the root for NULL) at path, and for a
 * directory everything below it, opening each relative to its directory:
 * a whole path may be longer than a path can be.
 */
static long read_node(struct hfs *fs, struct hfs_node *dir, const char *name, const char *path,
		      struct state *s)
{
	struct hfs_node *n;
	struct hfs_stat st;
	long err = hfs_open(fs, dir, name, strlen(name), 0, &n);

	if (err < 0)
		return err;
	hfs_stat(n, &st);
	if (st.kind == HFS_KIND_FILE) {
		uint8_t *data = malloc(st.size ? st.size : 1);

		err = hfs_read(n, data, st.size, 0);
		if (err == (long)st.size) {
			state_add(s, path, HFS_KIND_FILE, data, st.size);
			err = 0;
		} else if (err >= 0) {
			err = -1000;
		}
		free(data);
	} else {
		uint64_t pos = 0;
		char buf[4096];

		if (path[0])
			state_add(s, path, HFS_KIND_DIR, NULL, 0);
		while ((err = hfs_list(n, pos, buf, sizeof(buf))) > 0) {
			for (long at = 0; at < err;) {
				const struct archk_dirent *d = (const void *)(buf + at);
				char child[PATH_BUF];
				long e;

				snprintf(child, sizeof(child), "%s%s%.*s", path, path[0] ? "/" : "",
					 d->name_len, d->name);
				if ((e = read_node(fs, n, d->name, child, s)) < 0) {
					hfs_close(n);
					return e;
				}
				pos = d->next;
				at += d->reclen;
			}
		}
	}
	hfs_close(n);
	return err;
}

long state_read(struct hfs *fs, struct state *s)
{
	*s = (struct state){0};
	return read_node(fs, NULL, "", "", s);
}
