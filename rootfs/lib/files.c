/*
 * Changing the namespace by path (util.h): what mkdir, rm, cp, mv, touch,
 * stat and sync share. Every path is resolved against $PWD and handed to the
 * "root" handle, which reaches the store at /, the home at /home and each
 * share at /share/NAME (docs/abi.md 8.4b); the server under the path decides.
 * The tree walks report each failure themselves, one line naming the path.
 */
#include "util.h"

#define COPY_PIECE 65536 /* ARCHK_TABLE_DATA_MAX: one request to a server */

/* err as "NAME: path: ERROR" (unless it is 0); returns err. */
static long report(const char *path, long err)
{
	if (err < 0)
		util_warn("%s: %s", path, archk_strerror(err));
	return err;
}

char *util_absolute(const char *path)
{
	const char *pwd = archk_getenv("PWD");

	return archk_path_resolve(pwd && pwd[0] == '/' ? pwd : "/", path);
}

/* do_io op on "root" with data (len bytes) and a2: the result. */
static long at_root(int op, const void *data, size_t len, uint64_t a2)
{
	return archk_do_io(op, archk_handle_named("root"), (long)data, (long)len, (long)a2, 0);
}

long util_at_path(int op, const char *path, uint64_t arg)
{
	char *full = util_absolute(path);
	long result;

	if (!full)
		return ARCHK_ERR_NO_MEMORY;
	result = at_root(op, full + 1, strlen(full + 1), arg);
	free(full);
	return result;
}

long util_rename_path(const char *from, const char *to)
{
	char *a = util_absolute(from), *b = util_absolute(to), *data = NULL;
	size_t alen = a ? strlen(a + 1) : 0, blen = b ? strlen(b + 1) : 0;
	long result = ARCHK_ERR_NO_MEMORY;

	if (a && b && (data = malloc(alen + blen + 1))) {
		memcpy(data, a + 1, alen + 1);
		memcpy(data + alen + 1, b + 1, blen);
		result = at_root(ARCHK_IO_RENAME, data, alen + 1 + blen, 0);
	}
	free(a);
	free(b);
	free(data);
	return result;
}

long util_open_meta(const char *path, struct archk_meta *meta)
{
	long h = util_open(path, ARCHK_RIGHTS_SAME), err;

	if (h < 0)
		h = util_open(path, ARCHK_RIGHT_GET_PROPERTY);
	if (h < 0)
		return h;
	if ((err = archk_get_meta((archk_handle_t)h, meta)) < 0) {
		archk_handle_close((archk_handle_t)h);
		return err;
	}
	return h;
}

long util_sync_path(const char *path)
{
	struct archk_meta meta;
	long h = util_open_meta(path, &meta), err;

	if (h < 0)
		return h;
	err = archk_do_io(ARCHK_IO_SYNC, (archk_handle_t)h, 0, 0, 0, 0);
	archk_handle_close((archk_handle_t)h);
	return err;
}

int util_each_path(int count, char **paths, const char *what, long (*fn)(const char *path))
{
	int status = 0;

	if (count == 0)
		util_usage_error("no %s given", what);
	for (int i = 0; i < count; i++)
		status |= report(paths[i], fn(paths[i])) < 0;
	return status;
}

char *util_join(const char *dir, const char *name)
{
	size_t dlen = strlen(dir), nlen = strlen(name);
	bool slash = dlen && dir[dlen - 1] != '/';
	char *out = malloc(dlen + slash + nlen + 1);

	if (out) {
		memcpy(out, dir, dlen);
		out[dlen] = '/';
		memcpy(out + dlen + slash, name, nlen + 1);
	}
	return out;
}

const char *util_basename(const char *path, char *buf, size_t size)
{
	size_t len = strlen(path);
	const char *start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	for (start = path + len; start > path && start[-1] != '/'; start--)
		;
	snprintf(buf, size, "%.*s", (int)(path + len - start), start);
	return buf;
}

/* Adds d's name to the util_names arg if its keep function takes it. */
static long add_name(const struct archk_dirent *d, void *arg)
{
	struct util_names *n = arg;

	if (n->keep && !n->keep(d))
		return 0;
	if (n->count == n->cap) {
		size_t cap = n->cap ? 2 * n->cap : 32;
		char **grown = realloc(n->names, cap * sizeof(char *));

		if (!grown)
			return ARCHK_ERR_NO_MEMORY;
		n->names = grown;
		n->cap = cap;
	}
	if (!(n->names[n->count] = strdup(d->name)))
		return ARCHK_ERR_NO_MEMORY;
	n->count++;
	return 0;
}

long util_dir_names(archk_handle_t dir, struct util_names *names,
		    bool (*keep)(const struct archk_dirent *d))
{
	*names = (struct util_names){.keep = keep};
	return util_list_dir(dir, add_name, names);
}

void util_names_free(struct util_names *names)
{
	for (size_t i = 0; i < names->count; i++)
		free(names->names[i]);
	free(names->names);
	*names = (struct util_names){0};
}

/* Removes the entries of directory h (named path) depth-first; 0 or the first error. */
static long remove_entries(archk_handle_t h, const char *path)
{
	struct util_names names;
	long err = report(path, util_dir_names(h, &names, NULL)), first = err;

	for (size_t i = 0; i < names.count; i++) {
		char *child = util_join(path, names.names[i]);

		err = child ? util_remove_tree(child, true) : report(path, ARCHK_ERR_NO_MEMORY);
		first = first < 0 ? first : err;
		free(child);
	}
	util_names_free(&names);
	return first;
}

long util_remove_tree(const char *path, bool recursive)
{
	struct archk_meta meta;
	long h, err = 0;

	if (recursive) {
		if ((h = util_open_meta(path, &meta)) < 0)
			return report(path, h);
		if (meta.kind == ARCHK_KIND_DIR)
			err = remove_entries((archk_handle_t)h, path);
		archk_handle_close((archk_handle_t)h);
		if (err < 0)
			return err; /* reported; the directory is not empty */
	}
	return report(path, util_at_path(ARCHK_IO_DESTROY, path, 0));
}

/* Copies what h holds into a new (or emptied) file to, in pieces; syncs it. */
static long copy_file(archk_handle_t h, const char *to)
{
	static char piece[COPY_PIECE];
	long out = util_at_path(ARCHK_IO_CREATE, to, ARCHK_RIGHT_WRITE | ARCHK_CREATE_TRUNCATE);
	long n, err = 0;

	if (out < 0)
		return report(to, out);
	while (err == 0 && (n = archk_read(h, piece, sizeof(piece))) != 0)
		err = n < 0 ? n : util_write_all((archk_handle_t)out, piece, (size_t)n);
	if (err == 0)
		err = archk_do_io(ARCHK_IO_SYNC, (archk_handle_t)out, 0, 0, 0, 0);
	archk_handle_close((archk_handle_t)out);
	return report(to, err);
}

/* Copies the entries of directory h (named from) into directory to, made if missing. */
static long copy_entries(archk_handle_t h, const char *from, const char *to)
{
	struct util_names names;
	long err = util_at_path(ARCHK_IO_CREATE, to, ARCHK_CREATE_DIR | ARCHK_RIGHT_GET_PROPERTY);
	long first;

	if (err < 0)
		return report(to, err);
	archk_handle_close((archk_handle_t)err);
	first = err = report(from, util_dir_names(h, &names, NULL));
	for (size_t i = 0; i < names.count; i++) {
		char *a = util_join(from, names.names[i]), *b = util_join(to, names.names[i]);

		err = a && b ? util_copy_tree(a, b, true) : report(from, ARCHK_ERR_NO_MEMORY);
		first = first < 0 ? first : err;
		free(a);
		free(b);
	}
	util_names_free(&names);
	if (first == 0)
		first = report(to, util_sync_path(to));
	return first;
}

/* Is b a (resolved) path at or below a? */
static bool at_or_below(const char *a, const char *b)
{
	size_t len = strlen(a);

	return strncmp(a, b, len) == 0 && (b[len] == '\0' || b[len] == '/' || len == 1);
}

long util_copy_tree(const char *from, const char *to, bool recursive)
{
	struct archk_meta meta;
	long h = util_open_meta(from, &meta), err;
	char *a, *b;

	if (h < 0)
		return report(from, h);
	if (meta.kind != ARCHK_KIND_DIR) {
		err = copy_file((archk_handle_t)h, to);
	} else if (!recursive) {
		err = report(from, ARCHK_ERR_IS_DIR);
	} else {
		a = util_absolute(from);
		b = util_absolute(to);
		if (!a || !b)
			err = report(from, ARCHK_ERR_NO_MEMORY);
		else if (at_or_below(a, b))
			err = report(to, ARCHK_ERR_INVALID_ARGS); /* a tree into itself */
		else
			err = copy_entries((archk_handle_t)h, from, to);
		free(a);
		free(b);
	}
	archk_handle_close((archk_handle_t)h);
	return err;
}

int util_each_target(int count, char **paths, long (*fn)(const char *from, const char *to))
{
	const char *dest = paths[count - 1];
	long into = count < 2 ? 0 : util_is_dir(dest);
	char name[ARCHK_NAME_BYTES_MAX + 1];
	int status = 0;

	if (count < 2)
		util_usage_error("a SRC and a DEST are needed");
	if (count > 2 && into != 1) {
		util_warn("%s: %s", dest, archk_strerror(into < 0 ? into : ARCHK_ERR_NOT_DIR));
		return 1;
	}
	for (int i = 0; i < count - 1; i++) {
		char *target = into == 1
				   ? util_join(dest, util_basename(paths[i], name, sizeof(name)))
				   : strdup(dest);

		if (!target)
			util_die(1, "%s", archk_strerror(ARCHK_ERR_NO_MEMORY));
		status |= fn(paths[i], target) < 0;
		free(target);
	}
	return status;
}

long util_is_dir(const char *path)
{
	struct archk_meta meta;
	long h = util_open_meta(path, &meta);

	if (h < 0)
		return h;
	archk_handle_close((archk_handle_t)h);
	return meta.kind == ARCHK_KIND_DIR;
}
