/*
 * memfs [-d DIR]... PROGRAM [ARG...]: a small file server for tests, until
 * archk has a writable home. PROGRAM (and everything it spawns) gets a
 * "root" served here: paths at or below a DIR (/tmp if none is given) are
 * files and directories kept in memory, readable, writable and listable
 * (OPEN, CREATE with its flags, READ, WRITE, SEEK, GET_META, READ of a
 * directory as struct archk_dirent records); OPEN of any other path goes to
 * the real root and the real handle is handed over, and CREATE there goes
 * to the real root too, which refuses it (the store is read-only). memfs
 * exits with PROGRAM's status. docs/abi.md 8 and 17 describe the protocol.
 */
#include <stdbool.h>
#include <archk/runtime.h>

#define MAX_DIRS  8
#define MAX_NODES 256
#define MAX_OPENS 512
#define ROOT	  0 /* the cookie of the served root; an open file's is its index + 1 */
#define FILE_MAX  (1 << 20)
#define RIGHTS_ALL                                                                                 \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_MANAGE |       \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER)
#define ROOT_RIGHTS (RIGHTS_ALL | ARCHK_RIGHT_MAP)

struct node {
	bool used, dir;
	char path[ARCHK_PATH_MAX + 1]; /* from the root, no leading / */
	uint8_t *data;
	size_t size;
};

struct open_file {
	bool used;
	int node;
	uint64_t pos;
};

static archk_handle_t table, real_root;
static const char *dirs[MAX_DIRS];
static int ndirs;
static struct node nodes[MAX_NODES];
static struct open_file opens[MAX_OPENS];
static uint8_t data[ARCHK_TABLE_DATA_MAX];

/* path (relative to base, a path from the root) from the root, without its leading /. */
static char *from_root(const char *base, const char *path, size_t len)
{
	char rel[ARCHK_PATH_MAX + 1], full[ARCHK_PATH_MAX + 2];
	char *p;

	if (len > ARCHK_PATH_MAX || memchr(path, '\0', len))
		return NULL;
	memcpy(rel, path, len);
	rel[len] = '\0';
	snprintf(full, sizeof(full), "/%s", base);
	if (!(p = archk_path_resolve(full, rel)))
		return NULL;
	memmove(p, p + 1, strlen(p));
	return p;
}

/* Is path at or below one of the served directories? */
static bool mine(const char *path)
{
	for (int i = 0; i < ndirs; i++) {
		size_t n = strlen(dirs[i]);

		if (strncmp(path, dirs[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static int find(const char *path)
{
	for (int i = 0; i < MAX_NODES; i++)
		if (nodes[i].used && strcmp(nodes[i].path, path) == 0)
			return i;
	return -1;
}

static int add_node(const char *path, bool dir)
{
	for (int i = 0; i < MAX_NODES; i++) {
		if (!nodes[i].used) {
			nodes[i] = (struct node){.used = true, .dir = dir};
			strlcpy(nodes[i].path, path, sizeof(nodes[i].path));
			return i;
		}
	}
	return ARCHK_ERR_NO_SPACE;
}

/* A served object for node, with the rights asked (plus TRANSFER, to reach the client). */
static long open_node(int node, uint64_t rights)
{
	uint32_t r = (uint32_t)rights == ARCHK_RIGHTS_SAME ? RIGHTS_ALL : (uint32_t)rights;

	for (int i = 0; i < MAX_OPENS; i++) {
		if (!opens[i].used) {
			long h = archk_table_object_create(table, (uint64_t)i + 1,
							   (r | ARCHK_RIGHT_TRANSFER) & RIGHTS_ALL);

			if (h >= 0)
				opens[i] = (struct open_file){true, node, 0};
			return h;
		}
	}
	return ARCHK_ERR_NO_MEMORY;
}

/* OPEN of path (from the root): a served node, or the real root's handle. */
static long do_open(const char *path, uint64_t rights)
{
	int node;

	if (!mine(path)) {
		uint32_t r = (uint32_t)rights;

		return archk_open(real_root, path,
				  r == ARCHK_RIGHTS_SAME ? r : r | ARCHK_RIGHT_TRANSFER);
	}
	if ((node = find(path)) < 0)
		return ARCHK_ERR_NOT_FOUND;
	return open_node(node, rights);
}

/* The parent directory of path must be a served directory: its node, or an error. */
static long parent_of(const char *path)
{
	char parent[ARCHK_PATH_MAX + 1];
	const char *slash = strrchr(path, '/');
	int node;

	if (!slash)
		return ARCHK_ERR_NOT_FOUND;
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	if ((node = find(parent)) < 0)
		return ARCHK_ERR_NOT_FOUND;
	return nodes[node].dir ? node : ARCHK_ERR_NOT_DIR;
}

/* CREATE of path with the rights and ARCHK_CREATE_* flags in how. */
static long do_create(const char *path, uint64_t how)
{
	bool dir = how & ARCHK_CREATE_DIR;
	long parent;
	int node;

	if (!mine(path))
		return archk_do_io(ARCHK_IO_CREATE, real_root, (long)path, (long)strlen(path),
				   (long)how, 0);
	if ((node = find(path)) >= 0) {
		if (how & ARCHK_CREATE_EXCL)
			return ARCHK_ERR_EXISTS;
		if (nodes[node].dir != dir)
			return dir ? ARCHK_ERR_NOT_DIR : ARCHK_ERR_IS_DIR;
		if (how & ARCHK_CREATE_TRUNCATE)
			nodes[node].size = 0;
	} else if ((parent = parent_of(path)) < 0) {
		return parent;
	} else if ((node = add_node(path, dir)) < 0) {
		return node;
	}
	return open_node(node, how & 0xffffffffu);
}

static long do_read(struct open_file *f, const struct archk_table_request *req, size_t *out_len)
{
	struct node *n = &nodes[f->node];
	uint64_t at = req->offset == ARCHK_IO_OFFSET_CURRENT ? f->pos : req->offset;
	size_t len = at >= n->size ? 0 : n->size - at < req->len ? n->size - at : req->len;

	memcpy(data, n->data + at, len);
	if (req->offset == ARCHK_IO_OFFSET_CURRENT)
		f->pos = at + len;
	*out_len = len;
	return (long)len;
}

static long do_write(struct open_file *f, const struct archk_table_request *req)
{
	struct node *n = &nodes[f->node];
	uint64_t at = req->offset == ARCHK_IO_OFFSET_CURRENT ? f->pos : req->offset;
	uint8_t *grown;

	if (at > FILE_MAX || req->len > FILE_MAX - at)
		return ARCHK_ERR_NO_SPACE;
	if (at + req->len > n->size) {
		if (!(grown = realloc(n->data, at + req->len)))
			return ARCHK_ERR_NO_SPACE;
		memset(grown + n->size, 0, at + req->len - n->size);
		n->data = grown;
		n->size = at + req->len;
	}
	memcpy(n->data + at, data, req->len);
	if (req->offset == ARCHK_IO_OFFSET_CURRENT)
		f->pos = at + req->len;
	return (long)req->len;
}

static long do_seek(struct open_file *f, const struct archk_table_request *req)
{
	int64_t base = req->len == ARCHK_SEEK_SET   ? 0
		       : req->len == ARCHK_SEEK_CUR ? (int64_t)f->pos
						    : (int64_t)nodes[f->node].size;
	int64_t to = base + (int64_t)req->offset;

	if (req->len > ARCHK_SEEK_END || to < 0)
		return ARCHK_ERR_INVALID_ARGS;
	f->pos = (uint64_t)to;
	return to;
}

/* READ of a directory: struct archk_dirent records of the children, from index offset. */
static long do_list(const struct node *dir, const struct archk_table_request *req, size_t *out_len)
{
	size_t dlen = strlen(dir->path), used = 0;

	for (uint64_t i = req->offset; i < MAX_NODES; i++) {
		const struct node *n = &nodes[i];
		struct archk_dirent *d = (struct archk_dirent *)(data + used);
		const char *name = n->path + dlen + 1;
		size_t reclen = (sizeof(*d) + strlen(name) + 1 + 7) & ~(size_t)7;

		if (!n->used || strncmp(n->path, dir->path, dlen) != 0 || n->path[dlen] != '/' ||
		    strchr(name, '/'))
			continue;
		if (used + reclen > req->len || used + reclen > sizeof(data))
			break;
		memset(d, 0, reclen);
		*d = (struct archk_dirent){.next = i + 1,
					   .size = n->dir ? 0 : n->size,
					   .reclen = (uint16_t)reclen,
					   .kind = n->dir ? ARCHK_KIND_DIR : ARCHK_KIND_FILE,
					   .name_len = (uint8_t)strlen(name)};
		memcpy(d->name, name, strlen(name));
		used += reclen;
	}
	*out_len = used;
	return (long)used;
}

static long do_meta(const struct node *n, size_t *out_len)
{
	struct archk_meta meta = {.type = ARCHK_OBJ_SERVED,
				  .kind = !n || n->dir ? ARCHK_KIND_DIR : ARCHK_KIND_FILE,
				  .size = n && !n->dir ? n->size : 0};

	memcpy(data, &meta, sizeof(meta));
	*out_len = sizeof(meta);
	return 0;
}

/* One request: its result, with *out_len bytes of data to give and *handle to move. */
static long serve(const struct archk_table_request *req, size_t *out_len, long *handle)
{
	struct open_file *f = req->cookie == ROOT ? NULL : &opens[req->cookie - 1];
	struct node *n = f ? &nodes[f->node] : NULL;
	char *path;
	long result;

	*out_len = 0;
	*handle = 0;
	switch (req->op) {
	case ARCHK_IO_OPEN:
	case ARCHK_IO_CREATE:
		if (n && !n->dir)
			return ARCHK_ERR_NOT_DIR;
		if (!(path = from_root(n ? n->path : "", (const char *)data, req->len)))
			return ARCHK_ERR_INVALID_ARGS;
		result = req->op == ARCHK_IO_OPEN ? do_open(path, req->offset)
						  : do_create(path, req->offset);
		free(path);
		if (result >= 0)
			*handle = result;
		return result < 0 ? result : 0;
	case ARCHK_IO_READ:
		if (!n)
			return ARCHK_ERR_NOT_SUPPORTED;
		return n->dir ? do_list(n, req, out_len) : do_read(f, req, out_len);
	case ARCHK_IO_WRITE:
		return !n || n->dir ? ARCHK_ERR_IS_DIR : do_write(f, req);
	case ARCHK_IO_SEEK:
		return !n || n->dir ? ARCHK_ERR_NOT_SUPPORTED : do_seek(f, req);
	case ARCHK_IO_GET_META:
		return do_meta(n, out_len);
	case ARCHK_IO_SYNC:
		return 0;
	default:
		return ARCHK_ERR_NOT_SUPPORTED;
	}
}

static int server(void *unused)
{
	struct archk_table_request req;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];

	for (;;) {
		size_t out_len = 0;
		long handle = 0, result;

		if (archk_table_receive(table, &req, data, sizeof(data), handles,
					ARCHK_DEADLINE_INFINITE) < 0)
			return 1;
		for (uint32_t i = 0; i < req.handle_count; i++)
			archk_handle_close(handles[i]);
		if (req.op == ARCHK_IO_CLOSE) { /* the last handle of an open file went */
			if (req.cookie != ROOT && req.cookie <= MAX_OPENS)
				opens[req.cookie - 1].used = false;
			continue;
		}
		result = req.cookie > MAX_OPENS ? ARCHK_ERR_NOT_SUPPORTED
						: serve(&req, &out_len, &handle);
		if (archk_table_reply(table, req.id, result, data, out_len,
				      (archk_handle_t)handle) < 0 &&
		    handle)
			archk_handle_close((archk_handle_t)handle);
	}
}

int main(int argc, char **argv)
{
	struct archk_spawn_handle root = {"root", 0, ARCHK_RIGHTS_SAME};
	struct archk_exit_status st;
	struct archk_thread thread;
	int first = 1;
	long child;

	while (first + 1 < argc && strcmp(argv[first], "-d") == 0 && ndirs < MAX_DIRS) {
		char *dir = archk_path_resolve("/", argv[first + 1]);

		dirs[ndirs++] = dir + 1;
		first += 2;
	}
	if (first >= argc) {
		archk_dprintf(archk_handle_named("err"),
			      "usage: memfs [-d DIR]... PROGRAM [ARG...]\n");
		return 2;
	}
	if (ndirs == 0)
		dirs[ndirs++] = "tmp";
	for (int i = 0; i < ndirs; i++)
		add_node(dirs[i], true);
	real_root = archk_handle_named("root");
	table = (archk_handle_t)archk_table_create();
	if ((child = archk_table_object_create(table, ROOT, ROOT_RIGHTS)) < 0)
		return 1;
	root.handle = (archk_handle_t)child;
	if (archk_thread_spawn(&thread, server, NULL, 64 * 1024, "memfs") < 0)
		return 1;
	child = archk_spawn(argv[first], (const char *const *)argv + first, &root, 1);
	archk_handle_close(root.handle);
	if (child < 0) {
		archk_dprintf(archk_handle_named("err"), "memfs: %s: %s\n", argv[first],
			      archk_strerror(child));
		return 127;
	}
	archk_process_wait((archk_handle_t)child, &st);
	return st.reason == ARCHK_EXIT_NORMAL ? st.code : 128 + (int)st.signal;
}
