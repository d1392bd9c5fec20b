/*
 * The store: the validated read-only files of rootfs.img served as kernel
 * objects. A directory is a path prefix; OPEN resolves a path relative to
 * the directory handle it is called on, so a process can reach only what its
 * root handle covers. ".." is refused rather than resolved.
 */
#include <string.h>
#include <archk/path.h>
#include "arena.h"
#include "mount.h"
#include "store.h"
#include "syscall.h"

#define MAX_OPEN_NODES 4096
/*
 * A directory handle's rights: those of the store's own, and those that
 * mounts below it use (a file of the home opened for writing, mkdir, rm,
 * mounting itself).
 */
#define STORE_DIR_RIGHTS                                                                           \
	(ARCHK_RIGHTS_DIR | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_MANAGE | ARCHK_RIGHT_DESTROY |         \
	 ARCHK_RIGHT_SET_PROPERTY)
/* Bytes of directory records one READ fills at most. */
#define LISTING_BYTES_MAX 4096

/* An open file or directory. */
struct store_node {
	struct object obj;
	const struct archk_boot_file *file; /* NULL for a directory */
	char path[ARCHK_PATH_MAX + 1];	    /* directory prefix without trailing '/' */
	uint32_t path_len;
	uint64_t position; /* READ with ARCHK_IO_OFFSET_CURRENT: file offset or listing position */
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

int store_path_order(const char *a, size_t alen, const char *b, size_t blen)
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

		if (store_path_order(f->path, f->path_len, path, len) < 0)
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
	    store_path_order(store.files[i].path, store.files[i].path_len, path, len) == 0)
		return &store.files[i];
	return NULL;
}

/* Is there any file below directory prefix (path, len)? The root always exists. */
static bool store_dir_has(const char *path, size_t len)
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

bool store_has(const char *path, size_t len)
{
	return store_find(path, len) || store_dir_has(path, len);
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
	size_t len = dir->path_len, at = 0, part;
	const char *name;
	long more;

	memcpy(out, dir->path, len);
	while ((more = archk_path_next(rel, rel_len, &at, ARCHK_PATH_MAX, &name, &part)) > 0) {
		if (len + (len > 0) + part > ARCHK_PATH_MAX)
			return ARCHK_ERR_TOO_LONG;
		if (len > 0)
			out[len++] = '/';
		memcpy(out + len, name, part);
		len += part;
	}
	return more < 0 ? more : (long)len;
}

/* Rights of a newly opened node: a subset of the directory handle's. */
static long open_rights(uint32_t have, uint32_t requested, const struct archk_boot_file *file,
			uint32_t *out)
{
	uint32_t allowed = have & (file ? ARCHK_RIGHTS_FILE : STORE_DIR_RIGHTS);

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

/*
 * The path (r->buf, r->len) of an operation on directory r->obj, joined to
 * the directory's own into full: its length, or TOO_LONG, BAD_ADDRESS,
 * INVALID_ARGS (a NUL or "..").
 */
static long request_path(struct io_req *r, char *full)
{
	char rel[ARCHK_PATH_MAX];
	long err;

	if (r->len > ARCHK_PATH_MAX)
		return ARCHK_ERR_TOO_LONG;
	if ((err = copy_from_guest(r->proc, rel, r->buf, r->len)) < 0)
		return err;
	if (memchr(rel, '\0', r->len))
		return ARCHK_ERR_INVALID_ARGS;
	return join_path((struct store_node *)r->obj, rel, r->len, full);
}

/* Is path a directory: of the store, or one that leads to a mount? */
static bool is_directory(const char *path, size_t len)
{
	return store_dir_has(path, len) || mount_leads_below(path, len);
}

/* OPEN (path, path_len, rights) on a directory; a path at or below a mount goes there. */
static long store_open(struct io_req *r)
{
	char full[ARCHK_PATH_MAX];
	const struct archk_boot_file *file;
	struct store_node *node;
	struct mount *m;
	uint32_t rights;
	long len, err, value;
	size_t rest;

	if ((len = request_path(r, full)) < 0)
		return len;
	if ((m = mount_find(full, (size_t)len, &rest)))
		return rest == (size_t)len ? mount_open_self(r, m)
					   : mount_forward(r, m, full + rest, (size_t)len - rest);
	file = store_find(full, (size_t)len);
	if (!file && !is_directory(full, (size_t)len))
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

/*
 * CREATE and DESTROY (path) on a directory: below a mount they go to its
 * server; DESTROY of a mount's own path removes the mount (with
 * SET_PROPERTY, as mounting needs). The store itself is read-only.
 */
static long store_change(struct io_req *r)
{
	char full[ARCHK_PATH_MAX];
	struct mount *m;
	long len;
	size_t rest;

	if ((len = request_path(r, full)) < 0)
		return len;
	if ((m = mount_find(full, (size_t)len, &rest)) && rest < (size_t)len)
		return mount_forward(r, m, full + rest, (size_t)len - rest);
	if (m && r->op == ARCHK_IO_DESTROY)
		return r->rights & ARCHK_RIGHT_SET_PROPERTY ? mount_remove(full, (size_t)len)
							    : ARCHK_ERR_ACCESS_DENIED;
	if (m || store_has(full, (size_t)len) || is_directory(full, (size_t)len))
		return r->op == ARCHK_IO_CREATE ? ARCHK_ERR_EXISTS : ARCHK_ERR_READ_ONLY;
	return r->op == ARCHK_IO_CREATE ? ARCHK_ERR_READ_ONLY : ARCHK_ERR_NOT_FOUND;
}

/*
 * RENAME ("from\0to") on a directory: both paths below one mount go to its
 * server as its own "from\0to"; NOT_SUPPORTED across mounts or out of one,
 * READ_ONLY in the store.
 */
static long store_rename(struct io_req *r)
{
	char data[2 * ARCHK_PATH_MAX + 1], from[ARCHK_PATH_MAX], to[ARCHK_PATH_MAX];
	char forwarded[2 * ARCHK_PATH_MAX + 1];
	struct store_node *dir = (struct store_node *)r->obj;
	struct mount *mf, *mt;
	size_t from_rest, to_rest, first;
	long from_len, to_len, err;
	const char *nul;

	if (r->len > sizeof(data))
		return ARCHK_ERR_TOO_LONG;
	if ((err = copy_from_guest(r->proc, data, r->buf, r->len)) < 0)
		return err;
	if (!(nul = memchr(data, '\0', r->len)) ||
	    memchr(nul + 1, '\0', r->len - (size_t)(nul + 1 - data)))
		return ARCHK_ERR_INVALID_ARGS;
	first = (size_t)(nul - data);
	if ((from_len = join_path(dir, data, first, from)) < 0)
		return from_len;
	if ((to_len = join_path(dir, nul + 1, r->len - first - 1, to)) < 0)
		return to_len;
	mf = mount_find(from, (size_t)from_len, &from_rest);
	mt = mount_find(to, (size_t)to_len, &to_rest);
	if (!mf && !mt)
		return store_has(from, (size_t)from_len) ? ARCHK_ERR_READ_ONLY
							 : ARCHK_ERR_NOT_FOUND;
	if (mf != mt || from_rest == (size_t)from_len || to_rest == (size_t)to_len)
		return ARCHK_ERR_NOT_SUPPORTED;
	from_len -= (long)from_rest;
	to_len -= (long)to_rest;
	memcpy(forwarded, from + from_rest, (size_t)from_len);
	forwarded[from_len] = '\0';
	memcpy(forwarded + from_len + 1, to + to_rest, (size_t)to_len);
	return mount_forward(r, mf, forwarded, (size_t)(from_len + 1 + to_len));
}

/*
 * SHARE (path) on a directory with one handle passed, a served object:
 * mounts it at path. The directory handle needs SET_PROPERTY besides the
 * WRITE every SHARE needs: mounting changes every process's namespace.
 */
static long store_mount(struct io_req *r)
{
	char full[ARCHK_PATH_MAX];
	long len;

	if (!(r->rights & ARCHK_RIGHT_SET_PROPERTY))
		return ARCHK_ERR_ACCESS_DENIED;
	if (r->handle_count != 1)
		return ARCHK_ERR_INVALID_ARGS;
	if (r->handles[0].obj->type != ARCHK_OBJ_SERVED)
		return ARCHK_ERR_WRONG_TYPE;
	if ((len = request_path(r, full)) < 0)
		return len;
	return mount_add(full, (size_t)len, r->handles[0].obj, r->handles[0].rights);
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

/* Does file f lie below the directory prefix (path, len)? Everything lies below the root. */
static bool below(const struct archk_boot_file *f, const char *path, size_t len)
{
	return len == 0 ||
	       (f->path_len > len && f->path[len] == '/' && memcmp(f->path, path, len) == 0);
}

/* f's path after the directory prefix of length len (and its '/'). */
static const char *rest_of(const struct archk_boot_file *f, size_t len, size_t *rest_len)
{
	size_t skip = len ? len + 1 : 0;

	*rest_len = f->path_len - skip;
	return f->path + skip;
}

/* Index of the first file below directory n: the files below it are store.files[first..]. */
static uint32_t first_below(const struct store_node *n)
{
	char prefix[ARCHK_PATH_MAX + 1];

	if (n->path_len == 0)
		return 0;
	memcpy(prefix, n->path, n->path_len);
	prefix[n->path_len] = '/';
	return lower_bound(prefix, n->path_len + 1);
}

/*
 * One entry of a listing: the immediate child of directory n that the file
 * at index i names (the file itself, or the subdirectory holding it), and
 * the index after every file of that child.
 */
struct listing_entry {
	const char *name;
	size_t name_len;
	const struct archk_boot_file *file; /* NULL for a subdirectory */
	uint32_t end;
};

static void listing_entry_at(const struct store_node *n, uint32_t i, struct listing_entry *e)
{
	size_t rest_len;
	const char *rest = rest_of(&store.files[i], n->path_len, &rest_len);
	const char *slash = memchr(rest, '/', rest_len);

	e->name = rest;
	e->end = i + 1;
	e->file = slash ? NULL : &store.files[i];
	e->name_len = slash ? (size_t)(slash - rest) : rest_len;
	if (!slash)
		return;
	/* A subdirectory's files are contiguous: every path that starts "name/". */
	while (e->end < store.count && below(&store.files[e->end], n->path, n->path_len)) {
		rest = rest_of(&store.files[e->end], n->path_len, &rest_len);
		if (rest_len <= e->name_len || rest[e->name_len] != '/' ||
		    memcmp(rest, e->name, e->name_len) != 0)
			break;
		e->end++;
	}
}

/*
 * Is index i (not the directory's first) inside a subdirectory whose files
 * started before it? A listing position there continues after that subdirectory.
 */
static bool inside_earlier_subdir(const struct store_node *n, uint32_t i)
{
	struct listing_entry prev, here;

	listing_entry_at(n, i - 1, &prev);
	listing_entry_at(n, i, &here);
	return !prev.file && !here.file && prev.name_len == here.name_len &&
	       memcmp(prev.name, here.name, here.name_len) == 0;
}

/* Appends e as a record continuing at next to out (room bytes free); its length or 0. */
static size_t dirent_put(uint8_t *out, size_t room, const struct listing_entry *e, uint64_t next)
{
	size_t put =
	    io_dirent_put(out, room, next, e->name, e->name_len,
			  e->file ? ARCHK_KIND_FILE : ARCHK_KIND_DIR, e->file ? e->file->size : 0);

	if (put && e->file)
		((struct archk_dirent *)out)->mode = e->file->mode;
	return put;
}

/* Number of files directly or indirectly below a directory. */
static uint64_t dir_file_count(const struct store_node *n)
{
	uint32_t i = first_below(n);

	while (i < store.count && below(&store.files[i], n->path, n->path_len))
		i++;
	return i - first_below(n);
}

/* A listing being filled: records[used..room) is free; full once a record did not fit. */
struct listing {
	uint8_t *records;
	size_t room, used;
	bool full;
};

/* Appends e continuing at next; false (and the listing full) if it does not fit. */
static bool listing_put(struct listing *l, const struct listing_entry *e, uint64_t next)
{
	size_t put;

	/* A name a record cannot hold is left out; OPEN still reaches it. */
	if (e->name_len > ARCHK_NAME_BYTES_MAX)
		return true;
	put = dirent_put(l->records + l->used, l->room - l->used, e, next);
	l->used += put;
	l->full = put == 0;
	return !l->full;
}

/* The store's own entries of n from *position (below files), advancing it. */
static void list_store(const struct store_node *n, uint64_t *position, struct listing *l)
{
	uint32_t first = first_below(n), i = first + (uint32_t)*position;

	if (i > first && i < store.count && below(&store.files[i], n->path, n->path_len) &&
	    inside_earlier_subdir(n, i)) {
		struct listing_entry skipped;

		listing_entry_at(n, i, &skipped);
		i = skipped.end;
	}
	while (i < store.count && below(&store.files[i], n->path, n->path_len)) {
		struct listing_entry e;

		listing_entry_at(n, i, &e);
		if (!listing_put(l, &e, e.end - first))
			return;
		i = e.end;
		*position = i - first;
	}
	*position = i - first;
}

/* The mounts' entries of n from *position (files and up), advancing it. */
static void list_mounts(const struct store_node *n, uint64_t files, uint64_t *position,
			struct listing *l)
{
	struct listing_entry e = {0};

	if (*position - files > MOUNTS_MAX)
		return;
	for (uint32_t k = (uint32_t)(*position - files);
	     mount_child(n->path, n->path_len, k, store_has, &e.name, &e.name_len); k++) {
		if (!listing_put(l, &e, files + k + 1))
			return;
		*position = files + k + 1;
	}
}

/*
 * READ (buf, len, offset) on a directory: the records of its immediate
 * children, from listing position offset (or the node's own position): the
 * store's in its path order, then those that mounts add. A position below
 * the directory's file count is an index into its files (a record's next is
 * the index after every file its entry covers); from there on it counts the
 * mounts' entries.
 */
static long dir_read(struct io_req *r)
{
	static uint8_t records[LISTING_BYTES_MAX]; /* safe: the kernel lock is held */
	struct store_node *n = (struct store_node *)r->obj;
	uint64_t position = r->offset == ARCHK_IO_OFFSET_CURRENT ? n->position : r->offset;
	uint64_t files = dir_file_count(n);
	struct listing l = {.records = records,
			    .room = r->len < sizeof(records) ? r->len : sizeof(records)};
	long err;

	if (position < files)
		list_store(n, &position, &l);
	if (!l.full)
		list_mounts(n, files, &position, &l);
	if (l.used == 0 && l.full)
		return ARCHK_ERR_TOO_LONG;
	if ((err = copy_to_guest(r->proc, r->buf, records, l.used)) < 0)
		return err;
	if (r->offset == ARCHK_IO_OFFSET_CURRENT)
		n->position = position;
	return (long)l.used;
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
	io_register(ARCHK_OBJ_DIR, ARCHK_IO_CREATE, store_change);
	io_register(ARCHK_OBJ_DIR, ARCHK_IO_DESTROY, store_change);
	io_register(ARCHK_OBJ_DIR, ARCHK_IO_RENAME, store_rename);
	io_register(ARCHK_OBJ_DIR, ARCHK_IO_SHARE, store_mount);
	io_register(ARCHK_OBJ_DIR, ARCHK_IO_READ, dir_read);
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
