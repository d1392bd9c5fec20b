/*
 * The store: the validated read-only files of rootfs.img served as kernel
 * objects. A directory is a path prefix; OPEN resolves a path relative to
 * the directory handle it is called on, so a process can reach only what its
 * root handle covers. ".." is refused rather than resolved.
 */
#include <string.h>
#include "arena.h"
#include "store.h"
#include "syscall.h"

#define MAX_OPEN_NODES 4096

/* An open file or directory. */
struct store_node {
	struct object obj;
	const struct archk_boot_file *file; /* NULL for a directory */
	char path[ARCHK_PATH_MAX + 1];	    /* directory prefix without trailing '/' */
	uint32_t path_len;
	uint64_t position; /* READ with ARCHK_IO_OFFSET_CURRENT */
};

static struct {
	const struct archk_boot_file *files;
	uint32_t count;
	struct arena nodes;
	struct store_node *root;
} store;

static void node_destroy(struct object *obj)
{
	arena_free(&store.nodes, obj);
}

static const struct object_type file_type = {.name = "file", .destroy = node_destroy};
static const struct object_type dir_type = {.name = "dir", .destroy = node_destroy};

/* memcmp order with the shorter string first on a common prefix (the image's order). */
static int path_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Index of the first file whose path is not below (path, len). */
static uint32_t lower_bound(const char *path, size_t len)
{
	uint32_t lo = 0, hi = store.count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct archk_boot_file *f = &store.files[mid];

		if (path_compare(f->path, f->path_len, path, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct archk_boot_file *store_find(const char *path, size_t len)
{
	uint32_t i = lower_bound(path, len);

	if (i < store.count &&
	    path_compare(store.files[i].path, store.files[i].path_len, path, len) == 0)
		return &store.files[i];
	return NULL;
}

/* Is there any file below directory prefix (path, len)? The root always exists. */
static bool dir_exists(const char *path, size_t len)
{
	uint32_t i;

	if (len == 0)
		return true;
	i = lower_bound(path, len);
	for (; i < store.count; i++) {
		const struct archk_boot_file *f = &store.files[i];

		if (f->path_len < len || memcmp(f->path, path, len) != 0)
			return false;
		if (f->path_len > len && f->path[len] == '/')
			return true;
	}
	return false;
}

const struct archk_boot_file *store_file_of(struct object *obj)
{
	if (obj->type != ARCHK_OBJ_FILE)
		return NULL;
	return ((struct store_node *)obj)->file;
}

static struct store_node *node_new(const struct archk_boot_file *file, const char *path, size_t len)
{
	struct store_node *n = arena_alloc(&store.nodes);

	if (!n)
		return NULL;
	object_init(&n->obj, file ? ARCHK_OBJ_FILE : ARCHK_OBJ_DIR);
	n->file = file;
	memcpy(n->path, path, len);
	n->path_len = (uint32_t)len;
	return n;
}

/*
 * Joins dir and a relative path into out, dropping empty and "." parts.
 * Returns the length, or INVALID_ARGS for "..", TOO_LONG past ARCHK_PATH_MAX.
 */
static long join_path(const struct store_node *dir, const char *rel, size_t rel_len, char *out)
{
	size_t len = dir->path_len;
	size_t i = 0;

	memcpy(out, dir->path, len);
	while (i < rel_len) {
		size_t start = i;

		while (i < rel_len && rel[i] != '/')
			i++;
		size_t part = i - start;
		i++;
		if (part == 0 || (part == 1 && rel[start] == '.'))
			continue;
		if (part == 2 && rel[start] == '.' && rel[start + 1] == '.')
			return ARCHK_ERR_INVALID_ARGS;
		if (len + (len > 0) + part > ARCHK_PATH_MAX)
			return ARCHK_ERR_TOO_LONG;
		if (len > 0)
			out[len++] = '/';
		memcpy(out + len, rel + start, part);
		len += part;
	}
	return (long)len;
}

/* Rights of a newly opened node: a subset of the directory handle's. */
static long open_rights(uint32_t have, uint32_t requested, const struct archk_boot_file *file,
			uint32_t *out)
{
	uint32_t allowed = have & (file ? ARCHK_RIGHTS_FILE : ARCHK_RIGHTS_DIR);

	if (file && !(file->mode & ARCHK_MODE_EXEC))
		allowed &= ~ARCHK_RIGHT_EXECUTE;
	if (requested == ARCHK_RIGHTS_SAME) {
		*out = allowed;
		return 0;
	}
	if (requested & ~allowed)
		return ARCHK_ERR_ACCESS_DENIED;
	*out = requested;
	return 0;
}

/* OPEN (path, path_len, rights) on a directory. */
static long store_open(struct io_req *r)
{
	struct store_node *dir = (struct store_node *)r->obj;
	char rel[ARCHK_PATH_MAX], full[ARCHK_PATH_MAX];
	const struct archk_boot_file *file;
	struct store_node *node;
	uint32_t rights;
	long len, err, value;

	if (r->len > ARCHK_PATH_MAX)
		return ARCHK_ERR_TOO_LONG;
	if ((err = copy_from_guest(r->proc, rel, r->buf, r->len)) < 0)
		return err;
	if (memchr(rel, '\0', r->len))
		return ARCHK_ERR_INVALID_ARGS;
	if ((len = join_path(dir, rel, r->len, full)) < 0)
		return len;
	file = store_find(full, (size_t)len);
	if (!file && !dir_exists(full, (size_t)len))
		return ARCHK_ERR_NOT_FOUND;
	if ((err = open_rights(r->rights, (uint32_t)r->offset, file, &rights)) < 0)
		return err;
	node = node_new(file, full, (size_t)len);
	if (!node)
		return ARCHK_ERR_NO_MEMORY;
	value = handle_install(&r->proc->handles, &node->obj, rights);
	object_unref(&node->obj); /* the handle holds it now */
	return value;
}

/* READ (buf, len, offset) on a file. */
static long store_read(struct io_req *r)
{
	struct store_node *n = (struct store_node *)r->obj;
	uint64_t offset = r->offset == ARCHK_IO_OFFSET_CURRENT ? n->position : r->offset;
	size_t len = r->len;
	long err;

	if (offset >= n->file->size)
		len = 0;
	else if (len > n->file->size - offset)
		len = (size_t)(n->file->size - offset);
	if ((err = copy_to_guest(r->proc, r->buf, n->file->data + offset, len)) < 0)
		return err;
	if (r->offset == ARCHK_IO_OFFSET_CURRENT)
		n->position = offset + len;
	return (long)len;
}

/* SEEK (-, whence, offset) on a file: the new position, never negative. */
static long store_seek(struct io_req *r)
{
	struct store_node *n = (struct store_node *)r->obj;
	int64_t base, delta = (int64_t)r->offset;

	switch (r->len) {
	case ARCHK_SEEK_SET:
		base = 0;
		break;
	case ARCHK_SEEK_CUR:
		base = (int64_t)n->position;
		break;
	case ARCHK_SEEK_END:
		base = (int64_t)n->file->size;
		break;
	default:
		return ARCHK_ERR_INVALID_ARGS;
	}
	if ((delta < 0 && base + delta < 0) || (delta > 0 && delta > INT64_MAX - base))
		return ARCHK_ERR_INVALID_ARGS;
	n->position = (uint64_t)(base + delta);
	return base + delta;
}

/* Number of files directly or indirectly below a directory. */
static uint64_t dir_file_count(const struct store_node *n)
{
	uint64_t count = 0;

	for (uint32_t i = lower_bound(n->path, n->path_len); i < store.count; i++) {
		const struct archk_boot_file *f = &store.files[i];

		if (f->path_len < n->path_len || memcmp(f->path, n->path, n->path_len) != 0)
			break;
		count += n->path_len == 0 || f->path[n->path_len] == '/';
	}
	return count;
}

static long store_get_meta(struct io_req *r)
{
	struct store_node *n = (struct store_node *)r->obj;
	struct archk_meta meta = {.type = n->obj.type, .koid = n->obj.koid};

	if (n->file) {
		meta.kind = ARCHK_KIND_FILE;
		meta.mode = n->file->mode;
		meta.size = n->file->size;
	} else {
		meta.kind = ARCHK_KIND_DIR;
		meta.size = dir_file_count(n);
	}
	meta.flags = ARCHK_META_READ_ONLY;
	return copy_to_guest(r->proc, r->buf, &meta, sizeof(meta));
}

int store_init(const struct archk_bootinfo *boot)
{
	store.files = boot->files;
	store.count = boot->file_count;
	object_type_register(ARCHK_OBJ_FILE, &file_type);
	object_type_register(ARCHK_OBJ_DIR, &dir_type);
	if (arena_init(&store.nodes, "store_node", sizeof(struct store_node), MAX_OPEN_NODES))
		return ARCHK_ERR_NO_MEMORY;
	store.root = node_new(NULL, "", 0);
	io_register(ARCHK_OBJ_DIR, ARCHK_IO_OPEN, store_open);
	io_register(ARCHK_OBJ_DIR, ARCHK_IO_GET_META, store_get_meta);
	io_register(ARCHK_OBJ_FILE, ARCHK_IO_READ, store_read);
	io_register(ARCHK_OBJ_FILE, ARCHK_IO_SEEK, store_seek);
	io_register(ARCHK_OBJ_FILE, ARCHK_IO_GET_META, store_get_meta);
	return store.root ? 0 : ARCHK_ERR_NO_MEMORY;
}

struct object *store_root(void)
{
	return &store.root->obj;
}
