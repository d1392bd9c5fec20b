/*
 * homefs [-f | -i] [-c MIB]: serves the home directory tree (docs/homefs.md)
 * from the block object it receives as "disk" (docs/abi.md "Block objects").
 * It mounts the disk (-f: formats it first; -i: formats it only if it is
 * blank, its two superblock sectors all zeros), then sends the root
 * directory on its "reply" channel: an int64 0 and the handle, or the error
 * and none, after one line on "err" such as
 *
 *   homefs: cannot mount the home: CORRUPT: no homefs superblock (bad magic)
 *
 * It keeps up to MIB MiB of the disk's blocks in memory (disk.h; default
 * 128, never more than the disk; 0: none). Every open file or directory is
 * an object of its table; docs/abi.md ("The home filesystem") lists the
 * operations and their errors. When the last handle to the last of them is
 * closed it commits and exits.
 */
#include <archk/runtime.h>
#include "disk.h"
#include "hfs.h"

#define FILE_RIGHTS                                                                                \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_SET_PROPERTY | ARCHK_RIGHT_WAIT)
#define DIR_RIGHTS   (FILE_RIGHTS | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_DESTROY | ARCHK_RIGHT_MANAGE)
#define CREATE_FLAGS (ARCHK_CREATE_DIR | ARCHK_CREATE_EXCL | ARCHK_CREATE_TRUNCATE)

/* One object of the table: an open file or directory. Its address is its cookie. */
struct served {
	struct hfs_node *node;
	uint64_t position; /* for ARCHK_IO_OFFSET_CURRENT; a directory's listing position */
	uint32_t rights;   /* what it was created with: its children get no more */
	archk_koid_t koid;
};

static archk_handle_t err_h, reply_h, disk, table;
static struct hfs *fs;
static uint32_t objects; /* served objects alive */
static char data[ARCHK_TABLE_DATA_MAX], out[ARCHK_TABLE_DATA_MAX];

/* ---- served objects ---- */

/* A new object of the table for node with rights; its handle, or an error (node closed). */
static long serve(struct hfs_node *node, uint32_t rights)
{
	struct served *s = calloc(1, sizeof(*s));
	struct archk_handle_info info;
	long h;

	if (!s) {
		hfs_close(node);
		return ARCHK_ERR_NO_MEMORY;
	}
	s->node = node;
	s->rights = rights;
	if ((h = archk_table_object_create(table, (uint64_t)(uintptr_t)s, rights)) < 0) {
		hfs_close(node);
		free(s);
		return h;
	}
	archk_handle_info((archk_handle_t)h, &info);
	s->koid = info.koid;
	objects++;
	return h;
}

/*
 * The rights for a child of parent of the given kind: those wanted (all it
 * may have for ARCHK_RIGHTS_SAME), ACCESS_DENIED if that is more than the
 * parent's for the kind. TRANSFER always comes with them: table_reply moves
 * only handles that carry it.
 */
static long child_rights(const struct served *parent, uint32_t kind, uint32_t wanted)
{
	uint32_t allowed = (parent->rights | ARCHK_RIGHT_TRANSFER) &
			   (kind == HFS_KIND_DIR ? DIR_RIGHTS : FILE_RIGHTS);

	if (wanted == ARCHK_RIGHTS_SAME)
		return allowed;
	if (wanted & ~allowed)
		return ARCHK_ERR_ACCESS_DENIED;
	return wanted | ARCHK_RIGHT_TRANSFER;
}

/*
 * OPEN and CREATE: the node at the path in data, served with the rights
 * asked for in the low 32 bits of offset (CREATE: flags in the high ones).
 * CREATE checks the rights before it creates anything.
 */
static long open_child(struct served *s, const struct archk_table_request *req)
{
	uint32_t wanted = (uint32_t)req->offset;
	struct hfs_node *node;
	struct hfs_stat st;
	unsigned flags = 0;
	long err, rights;

	if (req->op == ARCHK_IO_CREATE) {
		if (req->offset >> 32 & ~(CREATE_FLAGS >> 32))
			return ARCHK_ERR_INVALID_ARGS;
		flags = HFS_CREATE | (req->offset & ARCHK_CREATE_DIR ? HFS_DIR : 0) |
			(req->offset & ARCHK_CREATE_EXCL ? HFS_EXCL : 0) |
			(req->offset & ARCHK_CREATE_TRUNCATE ? HFS_TRUNCATE : 0);
		rights = child_rights(s, flags & HFS_DIR ? HFS_KIND_DIR : HFS_KIND_FILE, wanted);
		if (rights < 0)
			return rights;
	}
	if ((err = hfs_open(fs, s->node, data, req->len, flags, &node)) < 0)
		return err;
	hfs_stat(node, &st);
	if ((rights = child_rights(s, st.kind, wanted)) < 0) {
		hfs_close(node);
		return rights;
	}
	return serve(node, (uint32_t)rights);
}

/* RENAME's data: "from", a NUL, "to". */
static long rename_in(struct served *s, size_t len)
{
	const char *nul = memchr(data, 0, len);

	if (!nul)
		return ARCHK_ERR_INVALID_ARGS;
	return hfs_rename(fs, s->node, data, (size_t)(nul - data), nul + 1,
			  len - (size_t)(nul - data) - 1);
}

static long seek(struct served *s, uint64_t whence, int64_t offset, int dir)
{
	struct hfs_stat st;
	int64_t base;

	hfs_stat(s->node, &st);
	if (dir && whence != ARCHK_SEEK_SET)
		return ARCHK_ERR_INVALID_ARGS; /* a listing position is only ever set */
	base = whence == ARCHK_SEEK_SET	  ? 0
	       : whence == ARCHK_SEEK_CUR ? (int64_t)s->position
	       : whence == ARCHK_SEEK_END ? (int64_t)st.size
					  : -1;
	if (base < 0 || (offset < 0 && base + offset < 0) ||
	    (offset > 0 && (uint64_t)(base + offset) > HFS_FILE_MAX))
		return ARCHK_ERR_INVALID_ARGS;
	s->position = (uint64_t)(base + offset);
	return (long)s->position;
}

/* READ at ARCHK_IO_OFFSET_USAGE on a directory: the home's space (struct archk_fs_usage). */
static long usage(size_t len)
{
	struct archk_fs_usage u;
	struct hfs_usage h;

	if (len < sizeof(u))
		return ARCHK_ERR_TOO_LONG;
	hfs_usage(fs, &h);
	u = (struct archk_fs_usage){.block_bytes = HFS_BLOCK_BYTES,
				    .blocks = h.blocks,
				    .free_blocks = h.free_blocks,
				    .files = h.files,
				    .dirs = h.dirs};
	memcpy(out, &u, sizeof(u));
	return sizeof(u);
}

/* READ: a file's bytes, or a directory's records (the position moves past the last). */
static long read_at(struct served *s, const struct archk_table_request *req, int dir)
{
	int current = req->offset == ARCHK_IO_OFFSET_CURRENT;
	uint64_t at = current ? s->position : req->offset;
	long n;

	if (dir && req->offset == ARCHK_IO_OFFSET_USAGE)
		return usage(req->len);
	n = dir ? hfs_list(s->node, at, out, req->len) : hfs_read(s->node, out, req->len, at);

	if (n > 0 && current) {
		if (dir) {
			const struct archk_dirent *d = (const void *)out;

			for (long k = 0; k < n; k += d->reclen, d = (const void *)(out + k))
				s->position = d->next;
		} else {
			s->position = at + (uint64_t)n;
		}
	}
	return n;
}

static long write_at(struct served *s, const struct archk_table_request *req)
{
	int current = req->offset == ARCHK_IO_OFFSET_CURRENT;
	uint64_t at = current ? s->position : req->offset;
	long n = hfs_write(s->node, data, req->len, at);

	if (n > 0 && current)
		s->position = at + (uint64_t)n;
	return n;
}

static void get_meta(struct served *s, struct archk_meta *meta)
{
	struct hfs_stat st;

	hfs_stat(s->node, &st);
	*meta = (struct archk_meta){
	    .type = ARCHK_OBJ_SERVED,
	    .size = st.size,
	    .koid = s->koid,
	    .kind = st.kind == HFS_KIND_DIR ? ARCHK_KIND_DIR : ARCHK_KIND_FILE,
	    .flags = (s->rights & ARCHK_RIGHT_WRITE) ? 0 : ARCHK_META_READ_ONLY,
	    .mtime = st.mtime,
	    .ctime = st.ctime,
	};
}

/* Does one request; returns its result (with out-data in out for READ). */
static long perform(struct served *s, const struct archk_table_request *req)
{
	struct hfs_stat st;
	uint64_t size;

	hfs_stat(s->node, &st);
	switch (req->op) {
	case ARCHK_IO_READ:
		return read_at(s, req, st.kind == HFS_KIND_DIR);
	case ARCHK_IO_WRITE:
		return write_at(s, req);
	case ARCHK_IO_OPEN:
	case ARCHK_IO_CREATE:
		return open_child(s, req);
	case ARCHK_IO_DESTROY:
		return hfs_remove(fs, s->node, data, req->len);
	case ARCHK_IO_SET_META:
		if (req->len != sizeof(size))
			return ARCHK_ERR_INVALID_ARGS;
		memcpy(&size, data, sizeof(size));
		return hfs_truncate(s->node, size);
	case ARCHK_IO_SEEK:
		return seek(s, req->len, (int64_t)req->offset, st.kind == HFS_KIND_DIR);
	case ARCHK_IO_SYNC:
		return hfs_sync(s->node);
	case ARCHK_IO_RENAME:
		return rename_in(s, req->len);
	default:
		return ARCHK_ERR_NOT_SUPPORTED;
	}
}

/* Answers one request (its data is in data); returns 1 when the last object is gone. */
static int answer(const struct archk_table_request *req, void *in)
{
	struct served *s = (struct served *)(uintptr_t)req->cookie;
	struct archk_meta meta;
	long result;

	if (req->op == ARCHK_IO_CLOSE) {
		hfs_close(s->node);
		free(s);
		return --objects == 0;
	}
	if (req->op == ARCHK_IO_GET_META) {
		get_meta(s, &meta);
		archk_table_reply(table, req->id, 0, &meta, sizeof(meta), 0);
		return 0;
	}
	result = perform(s, req);
	if ((req->op == ARCHK_IO_OPEN || req->op == ARCHK_IO_CREATE) && result > 0) {
		/* The new object's handle goes to the client; if that fails, it is closed. */
		long err = archk_table_reply(table, req->id, 0, NULL, 0, (archk_handle_t)result);

		if (err < 0)
			archk_handle_close((archk_handle_t)result);
		if (err < 0 && err != ARCHK_ERR_PEER_CLOSED)
			archk_table_reply(table, req->id, err, NULL, 0, 0);
		return 0;
	}
	archk_table_reply(table, req->id, result, out,
			  req->op == ARCHK_IO_READ && result > 0 ? (size_t)result : 0, 0);
	return 0;
}

static int fail(const char *what, const char *detail, long err)
{
	archk_dprintf(err_h, "homefs: %s: %s%s%s\n", what, archk_strerror(err),
		      detail && detail[0] ? ": " : "", detail ? detail : "");
	if (reply_h != ARCHK_HANDLE_INVALID)
		archk_serve_reply(reply_h, err, 0);
	return 1;
}

/* 1 if both superblock sectors are all zeros: a disk nobody formatted. */
static int blank(const struct hfs_disk *d)
{
	static uint64_t sector[HFS_SECTOR_BYTES / 8];

	for (uint64_t s = 0; s < 2 * HFS_BLOCK_BYTES / HFS_SECTOR_BYTES;
	     s += HFS_BLOCK_BYTES / HFS_SECTOR_BYTES) {
		if (d->read(d->ctx, s, sector, 1) < 0)
			return 0;
		for (size_t i = 0; i < HFS_SECTOR_BYTES / 8; i++)
			if (sector[i])
				return 0;
	}
	return 1;
}

/* What the command line asks for. */
struct options {
	int format;	  /* -f */
	int format_blank; /* -i */
	uint64_t cache;	  /* -c MIB, in bytes */
};

/* s as a number of MiB up to HOMEFS_CACHE_MAX, in bytes; 0 if it is not one. */
static int mib_arg(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long mib = strtoul(s, &end, 10);

	if (end == s || *end || mib > HOMEFS_CACHE_MAX >> 20)
		return 0;
	*bytes = (uint64_t)mib << 20;
	return 1;
}

/* Parses [-f | -i] [-c MIB]; 1 if they make sense. */
static int options(int argc, char **argv, struct options *o)
{
	*o = (struct options){.cache = HOMEFS_CACHE_DEFAULT};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") && !o->format_blank)
			o->format = 1;
		else if (!strcmp(argv[i], "-i") && !o->format)
			o->format_blank = 1;
		else if (!(!strcmp(argv[i], "-c") && i + 1 < argc && mib_arg(argv[++i], &o->cache)))
			return 0;
	}
	return 1;
}

/* Mounts the disk (formatting it first if asked to); 0 or 1 after saying why not. */
static int start(const struct options *o)
{
	struct hfs_disk d;
	char why[200];
	long err;

	if ((err = homefs_disk_open(disk, o->cache, &d)) < 0)
		return fail("disk", err == ARCHK_ERR_WRONG_TYPE ? "not a block object" : NULL, err);
	if ((o->format || (o->format_blank && blank(&d))) && (err = hfs_format(&d)) < 0)
		return fail("cannot format the home", NULL, err);
	if ((err = hfs_mount(&d, 0, &fs, why, sizeof(why))) < 0)
		return fail("cannot mount the home", why, err);
	return 0;
}

int main(int argc, char **argv)
{
	struct hfs_node *root;
	struct options o;
	long err, served = 0;

	err_h = archk_handle_named("err");
	reply_h = archk_handle_named("reply");
	disk = archk_handle_named("disk");
	if (!options(argc, argv, &o) || reply_h == ARCHK_HANDLE_INVALID ||
	    disk == ARCHK_HANDLE_INVALID) {
		archk_dprintf(
		    err_h,
		    "usage: homefs [-f | -i] [-c MIB] (with \"disk\" and \"reply\" handles)\n");
		return 2;
	}
	if (start(&o))
		return 1;
	if ((err = archk_table_create()) < 0)
		return fail("table_create", NULL, err);
	table = (archk_handle_t)err;
	if ((err = hfs_open(fs, NULL, "", 0, 0, &root)) < 0 ||
	    (served = serve(root, DIR_RIGHTS)) < 0)
		return fail("the root", NULL, err < 0 ? err : served);
	err = archk_serve_reply(reply_h, 0, (archk_handle_t)served);
	reply_h = ARCHK_HANDLE_INVALID;
	if (err < 0)
		return fail("channel_write", NULL, err);
	if ((err = archk_serve(table, data, sizeof(data), answer)) < 0)
		return fail("table_receive", NULL, err);
	err = hfs_commit(fs);
	hfs_unmount(fs);
	return err < 0 ? fail("the last commit", NULL, err) : 0;
}
