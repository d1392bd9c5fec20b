/*
 * The share driver: drives a share device (a host directory, its "device")
 * and serves the directory tree from a table with the operations and errors
 * of the home filesystem (docs/abi.md 8.11 and 18.12), so a program cannot
 * tell /share/NAME from /home. It publishes the root directory to its
 * spawner under the name "share/NAME" (from the device's bus name
 * "share:NAME"), or the argument, and exits when the last handle to its last
 * object is closed. init starts one per share (/etc/init.conf).
 *
 * A directory object is a path relative to the share's root: every lookup
 * the device makes starts from the root (the device never lets one leave
 * it), so a directory moved out of the share by the host is NOT_FOUND from
 * then on. A RENAME through this driver moves the paths of its open
 * directories along. A file object is a fid of the device (an open host
 * file), which keeps working when the file is renamed or removed.
 *
 * Each client request takes one of DEPTH op records, whose in-data is
 * received straight into the record's DMA buffer (a WRITE's bytes go to the
 * device from there) and which carries at most one device request at a
 * time. Requests at ARCHK_IO_OFFSET_CURRENT, and SEEKs, take turns per
 * object, in the order they came, as on a Unix file descriptor.
 */
#include <limits.h>
#include "lib/server.h"
#include "share_path.h"

#define DEPTH	    32
#define QUEUE_SIZE  128 /* at most 4 descriptors per request */
#define OBJECTS_MAX 1024
#define DATA_MAX    ARCHK_TABLE_DATA_MAX
#define FILE_RIGHTS                                                                                \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_SET_PROPERTY | ARCHK_RIGHT_WAIT)
#define DIR_RIGHTS   (FILE_RIGHTS | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_DESTROY | ARCHK_RIGHT_MANAGE)
#define CREATE_FLAGS (ARCHK_CREATE_DIR | ARCHK_CREATE_EXCL | ARCHK_CREATE_TRUNCATE)
#define SENT	     LONG_MIN /* perform's answer when a device request is on its way */

struct op;

/* An object of the table: an open file or directory. Its cookie is its index + 1. */
struct object {
	bool used, dir;
	uint32_t fid;	   /* a file's */
	char *path;	   /* a directory's, relative to the root ("" is the root) */
	uint64_t position; /* for ARCHK_IO_OFFSET_CURRENT; a directory's listing position */
	uint32_t rights;   /* what it was created with: its children get no more */
	archk_koid_t koid;
	bool turn_taken; /* an op at the position is in flight; others wait in line */
	struct op *line; /* those waiting, oldest first */
};

/* What happens with a device reply: the step an op is at. */
enum step {
	STEP_REPLY,	  /* the device's result is the client's */
	STEP_READ,	  /* bytes (or records) to the client, the position moved */
	STEP_WRITE,	  /* bytes written, the position moved */
	STEP_META,	  /* a struct archk_meta from the attr */
	STEP_SEEK_END,	  /* the size, for SEEK from the end */
	STEP_OPENED,	  /* OPEN or CREATE of a file or directory */
	STEP_MADE_DIR,	  /* CREATE of a directory: MKDIR answered */
	STEP_FOUND_DIR,	  /* CREATE of a directory that was there (or a read-only share) */
	STEP_CLOSED_FILE, /* a fid given back after an OPEN that failed: then the error */
	STEP_RENAMED,	  /* paths of open directories move along */
	STEP_QUIET,	  /* nobody waits: a CLOSE notice's fid given back */
};

/* A client request in progress, with its DMA memory. */
struct op {
	struct archk_table_request req; /* the client's */
	struct object *obj;
	enum step step;
	uint32_t rights;     /* OPEN: the rights wanted; CREATE: the new object's */
	uint32_t open_flags; /* OPEN and CREATE of a file: the device's OPEN flags but WRITE */
	bool write_open;     /* ... and whether the fid was asked for with WRITE */
	bool in_turn;	     /* it holds its object's turn (offset ARCHK_IO_OFFSET_CURRENT, SEEK) */
	uint64_t at;	     /* READ, WRITE: the offset used */
	long first_error;    /* CREATE of a directory: MKDIR's, if the name is not a directory */
	struct op *next_in_line;
	struct archk_share_req *dreq; /* DMA */
	struct archk_share_reply *reply;
	char *path; /* two paths: the payload of path requests */
	uint8_t *data;
};

static struct {
	struct drv_server server;
	struct vdev dev;
	struct vq q;
	struct dma_area dma;
	bool read_only, unkicked;
	struct op ops[DEPTH];
	struct op *free[DEPTH];
	unsigned free_count;
	struct object objects[OBJECTS_MAX];
	uint32_t object_count;
} sh;

static void start(struct op *op);

static void *next_buffer(void *ctx)
{
	(void)ctx;
	return sh.free_count ? sh.free[sh.free_count - 1]->data : NULL;
}

/* ---- objects ---- */

static struct object *object_of(uint64_t cookie)
{
	return cookie >= 1 && cookie <= OBJECTS_MAX && sh.objects[cookie - 1].used
		   ? &sh.objects[cookie - 1]
		   : NULL;
}

/*
 * A new object of the table (a directory at path, or the file fid) with
 * rights: its handle, or an error (NO_MEMORY: the table is full).
 */
static long object_new(bool dir, const char *path, uint32_t fid, uint32_t rights)
{
	struct archk_handle_info info;
	struct object *o = NULL;
	long h;

	for (unsigned i = 0; i < OBJECTS_MAX && !o; i++)
		if (!sh.objects[i].used)
			o = &sh.objects[i];
	if (!o)
		return ARCHK_ERR_NO_MEMORY;
	*o = (struct object){.dir = dir, .fid = fid, .rights = rights};
	if (dir && !(o->path = strdup(path)))
		return ARCHK_ERR_NO_MEMORY;
	o->used = true;
	if ((h = archk_table_object_create(sh.server.table, (uint64_t)(o - sh.objects) + 1,
					   rights)) < 0) {
		free(o->path);
		o->used = false;
		return h;
	}
	archk_handle_info((archk_handle_t)h, &info);
	o->koid = info.koid;
	sh.object_count++;
	return h;
}

/* The object's last handle is gone: it goes (a file's fid with op, given back quietly). */
static void object_gone(struct object *o, struct op *op);

/*
 * The rights for a child of the directory o of the given kind: those
 * wanted (all it may have for ARCHK_RIGHTS_SAME), ACCESS_DENIED if that is
 * more than o's for the kind. TRANSFER always comes with them: table_reply
 * moves only handles that carry it.
 */
static long child_rights(const struct object *o, bool dir, uint32_t wanted)
{
	uint32_t allowed = (o->rights | ARCHK_RIGHT_TRANSFER) & (dir ? DIR_RIGHTS : FILE_RIGHTS);

	if (wanted == ARCHK_RIGHTS_SAME)
		return allowed;
	if (wanted & ~allowed)
		return ARCHK_ERR_ACCESS_DENIED;
	return wanted | ARCHK_RIGHT_TRANSFER;
}

/* ---- answers ---- */

/* op is over: its record is free, and its object's next op in line goes. */
static void op_end(struct op *op)
{
	struct object *o = op->obj;

	sh.free[sh.free_count++] = op;
	if (!op->in_turn)
		return;
	o->turn_taken = false;
	if (o->line) {
		struct op *next = o->line;

		o->line = next->next_in_line;
		start(next);
	}
}

/* Answers op's client with result (data: out-data, handle: a new handle to move). */
static void answer(struct op *op, long result, const void *data, size_t len, archk_handle_t handle)
{
	long err = archk_table_reply(sh.server.table, op->req.id, result, data, len, handle);

	if (err < 0 && handle)
		archk_handle_close(handle); /* the object goes with its CLOSE notice */
	if (err < 0 && err != ARCHK_ERR_PEER_CLOSED)
		archk_table_reply(sh.server.table, op->req.id, err, NULL, 0, 0);
	op_end(op);
}

static void answer_result(struct op *op, long result)
{
	answer(op, result, NULL, 0, 0);
}

/* A new object's handle (or the error making it) to op's client. */
static void answer_object(struct op *op, long handle)
{
	if (handle < 0)
		answer_result(op, handle);
	else
		answer(op, 0, NULL, 0, (archk_handle_t)handle);
}

/* ---- device requests ---- */

/*
 * Sends op's device request: its header, payload bytes at payload (in
 * op's DMA memory), and room writable bytes at op->data for what comes
 * back. The reply goes to step.
 */
static void device(struct op *op, enum step step, uint32_t dev_op, uint32_t flags, uint32_t fid,
		   uint64_t offset, const void *payload, uint32_t payload_len, uint32_t room)
{
	struct vbuf bufs[4];
	unsigned n = 0;

	op->step = step;
	*op->dreq =
	    (struct archk_share_req){.op = dev_op, .flags = flags, .fid = fid, .offset = offset};
	bufs[n++] = (struct vbuf){op->dreq, sizeof(*op->dreq), false};
	if (payload_len)
		bufs[n++] = (struct vbuf){(void *)payload, payload_len, false};
	bufs[n++] = (struct vbuf){op->reply, sizeof(*op->reply), true};
	if (room)
		bufs[n++] = (struct vbuf){op->data, room, true};
	if (vq_add(&sh.q, bufs, n, op) < 0) /* DEPTH * 4 descriptors fit in the queue */
		drv_fail(&sh.server, "the queue is full", ARCHK_ERR_BAD_STATE);
	sh.unkicked = true;
}

/* A device request on op's path (op->path, with its NUL when there are two). */
static void device_path(struct op *op, enum step step, uint32_t dev_op, uint32_t flags,
			uint64_t offset, uint32_t path_len, uint32_t room)
{
	device(op, step, dev_op, flags, ARCHK_SHARE_FID_NONE, offset, op->path, path_len, room);
}

/* A device request on op's file. */
static void device_fid(struct op *op, enum step step, uint32_t dev_op, uint64_t offset,
		       uint32_t payload_len, uint32_t room)
{
	device(op, step, dev_op, 0, op->obj->fid, offset, op->data, payload_len, room);
}

/* ---- requests ---- */

/* op's client path (the in-data) joined to its directory's into op->path; names or error. */
static long join(struct op *op, const char *path, size_t len, char *out)
{
	return share_path_join(op->obj->path, path, len, out);
}

/* Does the client want a fid that writes? Not on a read-only share (the device says so). */
static bool wants_write(const struct op *op, uint32_t wanted)
{
	uint32_t rights = wanted == ARCHK_RIGHTS_SAME ? op->obj->rights : wanted;

	return !sh.read_only && (rights & ARCHK_RIGHT_WRITE);
}

/* OPEN, and CREATE of a file: the device's OPEN of op->path with op->open_flags. */
static void open_path(struct op *op, bool write)
{
	op->write_open = write;
	device_path(op, STEP_OPENED, ARCHK_SHARE_OP_OPEN,
		    op->open_flags | (write ? ARCHK_SHARE_OPEN_WRITE : 0), 0,
		    (uint32_t)strlen(op->path), 0);
}

/* OPEN (path, len, rights): the file or directory at the path. */
static long do_open(struct op *op, const void *data)
{
	long err = join(op, data, op->req.len, op->path);

	if (err < 0)
		return err;
	op->rights = (uint32_t)op->req.offset; /* wanted; checked once the kind is known */
	op->open_flags = 0;
	open_path(op, wants_write(op, op->rights));
	return SENT;
}

/* CREATE (path, len, rights | flags << 32). */
static long do_create(struct op *op, const void *data)
{
	bool dir = op->req.offset & ARCHK_CREATE_DIR;
	long names, rights;

	if (op->req.offset >> 32 & ~(CREATE_FLAGS >> 32))
		return ARCHK_ERR_INVALID_ARGS;
	if ((rights = child_rights(op->obj, dir, (uint32_t)op->req.offset)) < 0)
		return rights;
	if ((names = join(op, data, op->req.len, op->path)) < 0)
		return names;
	op->rights = (uint32_t)rights;
	if (!dir) {
		op->open_flags =
		    ARCHK_SHARE_OPEN_CREATE |
		    (op->req.offset & ARCHK_CREATE_EXCL ? ARCHK_SHARE_OPEN_EXCL : 0) |
		    (op->req.offset & ARCHK_CREATE_TRUNCATE ? ARCHK_SHARE_OPEN_TRUNCATE : 0);
		open_path(op, !sh.read_only && (op->rights & ARCHK_RIGHT_WRITE));
		return SENT;
	}
	op->first_error = ARCHK_ERR_EXISTS; /* if it is there, and not a directory */
	if (names)
		device_path(op, STEP_MADE_DIR, ARCHK_SHARE_OP_MKDIR, 0, 0,
			    (uint32_t)strlen(op->path), 0);
	else /* the directory itself */
		device_path(op, STEP_FOUND_DIR, ARCHK_SHARE_OP_STAT, 0, 0,
			    (uint32_t)strlen(op->path), 0);
	return SENT;
}

/* DESTROY (path, len): a file or an empty directory. */
static long do_destroy(struct op *op, const void *data)
{
	long names = join(op, data, op->req.len, op->path);

	if (names <= 0)
		return names < 0 ? names : ARCHK_ERR_INVALID_ARGS;
	device_path(op, STEP_REPLY, ARCHK_SHARE_OP_UNLINK, 0, 0, (uint32_t)strlen(op->path), 0);
	return SENT;
}

/* RENAME ("from\0to"): both joined into op->path as "from\0to". */
static long do_rename(struct op *op, const char *data)
{
	const char *nul = memchr(data, '\0', op->req.len);
	size_t from_len;
	long from, to;

	if (!nul)
		return ARCHK_ERR_INVALID_ARGS;
	from = join(op, data, (size_t)(nul - data), op->path);
	if (from < 0)
		return from;
	from_len = strlen(op->path);
	to = join(op, nul + 1, op->req.len - (size_t)(nul - data) - 1, op->path + from_len + 1);
	if (to < 0)
		return to;
	if (from == 0 || to == 0)
		return ARCHK_ERR_INVALID_ARGS;
	device_path(op, STEP_RENAMED, ARCHK_SHARE_OP_RENAME, 0, 0,
		    (uint32_t)(from_len + 1 + strlen(op->path + from_len + 1)), 0);
	return SENT;
}

/* READ (buf, len, offset): a file's bytes, or a directory's records. */
static long do_read(struct op *op)
{
	struct object *o = op->obj;
	uint32_t room = op->req.len < DATA_MAX ? (uint32_t)op->req.len : DATA_MAX;

	op->at = op->in_turn ? o->position : op->req.offset;
	if (!o->dir) {
		device_fid(op, STEP_READ, ARCHK_SHARE_OP_READ, op->at, 0, room);
		return SENT;
	}
	strcpy(op->path, o->path);
	device_path(op, STEP_READ, ARCHK_SHARE_OP_LIST, 0, op->at, (uint32_t)strlen(op->path),
		    room);
	return SENT;
}

static long do_write(struct op *op)
{
	struct object *o = op->obj;

	if (o->dir)
		return ARCHK_ERR_IS_DIR;
	op->at = op->in_turn ? o->position : op->req.offset;
	device_fid(op, STEP_WRITE, ARCHK_SHARE_OP_WRITE, op->at, (uint32_t)op->req.len, 0);
	return SENT;
}

static long do_get_meta(struct op *op)
{
	struct object *o = op->obj;

	if (!o->dir) {
		device_fid(op, STEP_META, ARCHK_SHARE_OP_FSTAT, 0, 0, 0);
		return SENT;
	}
	strcpy(op->path, o->path);
	device_path(op, STEP_META, ARCHK_SHARE_OP_STAT, ARCHK_SHARE_STAT_COUNT, 0,
		    (uint32_t)strlen(op->path), 0);
	return SENT;
}

/* SET_META (data, 8): a file's new size. */
static long do_set_meta(struct op *op, const void *data)
{
	uint64_t size;

	if (op->req.len != sizeof(size))
		return ARCHK_ERR_INVALID_ARGS;
	if (op->obj->dir)
		return ARCHK_ERR_IS_DIR;
	memcpy(&size, data, sizeof(size));
	if (size > INT64_MAX)
		return ARCHK_ERR_TOO_LONG;
	device_fid(op, STEP_REPLY, ARCHK_SHARE_OP_TRUNCATE, size, 0, 0);
	return SENT;
}

/* Moves the position to base + the request's signed offset: the new position or INVALID_ARGS. */
static long seek_to(struct op *op, uint64_t base)
{
	int64_t offset = (int64_t)op->req.offset;

	if ((offset < 0 && (uint64_t)0 - (uint64_t)offset > base) ||
	    (offset > 0 && (uint64_t)offset > (uint64_t)INT64_MAX - base))
		return ARCHK_ERR_INVALID_ARGS;
	op->obj->position = base + (uint64_t)offset;
	return (long)op->obj->position;
}

/* SEEK (-, whence, offset): a directory's listing position is only ever set. */
static long do_seek(struct op *op)
{
	struct object *o = op->obj;

	switch (op->req.len) {
	case ARCHK_SEEK_SET:
		return seek_to(op, 0);
	case ARCHK_SEEK_CUR:
		return o->dir ? ARCHK_ERR_INVALID_ARGS : seek_to(op, o->position);
	case ARCHK_SEEK_END:
		if (o->dir)
			return ARCHK_ERR_INVALID_ARGS;
		device_fid(op, STEP_SEEK_END, ARCHK_SHARE_OP_FSTAT, 0, 0, 0);
		return SENT;
	default:
		return ARCHK_ERR_INVALID_ARGS;
	}
}

static long do_sync(struct op *op)
{
	struct object *o = op->obj;

	if (!o->dir) {
		device_fid(op, STEP_REPLY, ARCHK_SHARE_OP_FSYNC, 0, 0, 0);
		return SENT;
	}
	strcpy(op->path, o->path);
	device_path(op, STEP_REPLY, ARCHK_SHARE_OP_SYNCDIR, 0, 0, (uint32_t)strlen(op->path), 0);
	return SENT;
}

/*
 * Starts op: SENT when a device request is on its way, else op's answer (a
 * SEEK's position, or an error) at once. Operations on names need a
 * directory (a file's handle lacks the rights for most of them; RENAME
 * needs only WRITE).
 */
static long perform(struct op *op)
{
	bool dir = op->obj->dir;

	switch (op->req.op) {
	case ARCHK_IO_READ:
		return do_read(op);
	case ARCHK_IO_WRITE:
		return do_write(op);
	case ARCHK_IO_OPEN:
		return dir ? do_open(op, op->data) : ARCHK_ERR_NOT_DIR;
	case ARCHK_IO_CREATE:
		return dir ? do_create(op, op->data) : ARCHK_ERR_NOT_DIR;
	case ARCHK_IO_DESTROY:
		return dir ? do_destroy(op, op->data) : ARCHK_ERR_NOT_DIR;
	case ARCHK_IO_RENAME:
		return dir ? do_rename(op, (const char *)op->data) : ARCHK_ERR_NOT_DIR;
	case ARCHK_IO_GET_META:
		return do_get_meta(op);
	case ARCHK_IO_SET_META:
		return do_set_meta(op, op->data);
	case ARCHK_IO_SEEK:
		return do_seek(op);
	case ARCHK_IO_SYNC:
		return do_sync(op);
	default:
		return ARCHK_ERR_NOT_SUPPORTED;
	}
}

/* Starts op, which holds its object's turn if it needs one. */
static void start(struct op *op)
{
	long result = perform(op);

	if (result != SENT)
		answer_result(op, result);
}

/* Does op use the object's position (and so wait for its turn)? */
static bool needs_turn(const struct op *op)
{
	return op->req.op == ARCHK_IO_SEEK ||
	       ((op->req.op == ARCHK_IO_READ || op->req.op == ARCHK_IO_WRITE) &&
		op->req.offset == ARCHK_IO_OFFSET_CURRENT);
}

/* A client's request arrived, its in-data in the free op's buffer. */
static void request(void *ctx, const struct archk_table_request *req, void *data,
		    const archk_handle_t *handles)
{
	struct op *op = sh.free[--sh.free_count];
	struct object *o = object_of(req->cookie);

	(void)ctx;
	(void)data; /* op->data */
	for (uint32_t i = 0; i < req->handle_count; i++)
		archk_handle_close(handles[i]);
	op->req = *req;
	op->obj = o;
	op->in_turn = false;
	op->first_error = 0;
	if (!o) { /* archk gives only our cookies: this does not happen */
		answer_result(op, ARCHK_ERR_BAD_STATE);
		return;
	}
	if (req->op == ARCHK_IO_CLOSE) {
		object_gone(o, op);
		return;
	}
	if (!needs_turn(op)) {
		start(op);
		return;
	}
	op->in_turn = true;
	op->next_in_line = NULL;
	if (!o->turn_taken) {
		o->turn_taken = true;
		start(op);
		return;
	}
	struct op **tail = &o->line;
	while (*tail)
		tail = &(*tail)->next_in_line;
	*tail = op;
}

static void object_gone(struct object *o, struct op *op)
{
	o->used = false;
	free(o->path);
	o->path = NULL;
	if (o->dir) {
		sh.free[sh.free_count++] = op;
	} else {
		op->obj = NULL;
		device(op, STEP_QUIET, ARCHK_SHARE_OP_CLOSE, 0, o->fid, 0, NULL, 0, 0);
	}
	if (--sh.object_count == 0)
		archk_process_exit(0); /* the device is reset: its fids go with it */
}

/* ---- device replies ---- */

/* The metadata of op's object from the device's attr. */
static void answer_meta(struct op *op)
{
	const struct archk_share_attr *a = &op->reply->attr;
	const struct object *o = op->obj;
	struct archk_meta meta = {
	    .type = ARCHK_OBJ_SERVED,
	    .size = a->size,
	    .koid = o->koid,
	    .kind = o->dir ? ARCHK_KIND_DIR : ARCHK_KIND_FILE,
	    .flags = sh.read_only || !(o->rights & ARCHK_RIGHT_WRITE) ? ARCHK_META_READ_ONLY : 0,
	    .mtime = a->mtime,
	    .ctime = a->ctime,
	};

	answer(op, 0, &meta, sizeof(meta), 0);
}

/*
 * OPEN or CREATE answered: a directory becomes an object for its path, a
 * file one for its fid, with the rights wanted (ACCESS_DENIED if more than
 * allowed, NO_MEMORY if the table is full: a fid is given back first). A
 * file the host will not open for writing is opened read-only when the
 * client did not ask for WRITE by name (ARCHK_RIGHTS_SAME): its object has
 * no WRITE.
 */
static void opened(struct op *op, long result)
{
	const struct archk_share_attr *a = &op->reply->attr;
	bool dir = a->kind == ARCHK_KIND_DIR;
	long rights;

	if (result == ARCHK_ERR_ACCESS_DENIED && op->write_open &&
	    (uint32_t)op->req.offset == ARCHK_RIGHTS_SAME) {
		open_path(op, false);
		return;
	}
	if (result < 0) {
		answer_result(op, result);
		return;
	}
	rights =
	    op->req.op == ARCHK_IO_CREATE ? op->rights : child_rights(op->obj, dir, op->rights);
	if (rights >= 0 && !dir && !op->write_open && !sh.read_only)
		rights &= ~(long)ARCHK_RIGHT_WRITE; /* the host file is open read-only */
	if (rights >= 0)
		rights = object_new(dir, op->path, op->reply->fid, (uint32_t)rights);
	if (rights < 0 && !dir) { /* the fid goes back before the error does */
		op->first_error = rights;
		device(op, STEP_CLOSED_FILE, ARCHK_SHARE_OP_CLOSE, 0, op->reply->fid, 0, NULL, 0,
		       0);
		return;
	}
	answer_object(op, rights);
}

/*
 * CREATE of a directory: a name that exists (or a read-only share) is
 * looked at. An existing directory is opened unless EXCL; a file there
 * is EXISTS with EXCL, else NOT_DIR; nothing there: MKDIR's error.
 */
static void found_dir(struct op *op, long result)
{
	bool excl = op->req.offset & ARCHK_CREATE_EXCL;

	if (result < 0)
		answer_result(op, op->first_error);
	else if (excl)
		answer_result(op, ARCHK_ERR_EXISTS);
	else if (op->reply->attr.kind != ARCHK_KIND_DIR)
		answer_result(op, ARCHK_ERR_NOT_DIR);
	else
		answer_object(op, object_new(true, op->path, 0, op->rights));
}

/* A RENAME went through: open directories at or below "from" are now below "to". */
static void renamed(struct op *op)
{
	const char *from = op->path, *to = op->path + strlen(op->path) + 1;

	for (unsigned i = 0; i < OBJECTS_MAX; i++) {
		struct object *o = &sh.objects[i];
		size_t to_len = strlen(to), rest;
		char *moved;

		if (!o->used || !o->dir || !share_path_below(o->path, from))
			continue;
		rest = strlen(o->path) - strlen(from);
		if (!(moved = malloc(to_len + rest + 1)))
			continue; /* it stays where it was, as if the host had moved it */
		memcpy(moved, to, to_len);
		memcpy(moved + to_len, o->path + strlen(from), rest + 1);
		free(o->path);
		o->path = moved;
	}
}

/* The device answered op's request: its next step. */
static void replied(struct op *op)
{
	long result = op->reply->result;

	switch (op->step) {
	case STEP_REPLY:
		answer_result(op, result);
		return;
	case STEP_READ:
	case STEP_WRITE:
		if (op->in_turn && result > 0)
			op->obj->position =
			    op->obj->dir ? op->reply->next : op->at + (uint64_t)result;
		answer(op, result, op->data,
		       op->step == STEP_READ && result > 0 ? (size_t)result : 0, 0);
		return;
	case STEP_META:
		if (result < 0)
			answer_result(op, result);
		else
			answer_meta(op);
		return;
	case STEP_SEEK_END:
		answer_result(op, result < 0 ? result : seek_to(op, op->reply->attr.size));
		return;
	case STEP_OPENED:
		opened(op, result);
		return;
	case STEP_MADE_DIR:
		if (result == ARCHK_ERR_EXISTS || result == ARCHK_ERR_READ_ONLY) {
			op->first_error = result;
			device_path(op, STEP_FOUND_DIR, ARCHK_SHARE_OP_STAT, 0, 0,
				    (uint32_t)strlen(op->path), 0);
		} else {
			answer_object(op, result < 0 ? result
						     : object_new(true, op->path, 0, op->rights));
		}
		return;
	case STEP_FOUND_DIR:
		found_dir(op, result);
		return;
	case STEP_CLOSED_FILE:
		answer_result(op, op->first_error);
		return;
	case STEP_RENAMED:
		if (result == 0)
			renamed(op);
		answer_result(op, result);
		return;
	case STEP_QUIET:
		sh.free[sh.free_count++] = op;
		return;
	}
}

/* Every request the device finished goes on. */
static void finished(void *ctx, long isr)
{
	struct op *op;

	(void)ctx;
	(void)isr;
	while ((op = vq_get(&sh.q, NULL)))
		replied(op);
}

/* After a batch of requests: one doorbell for all. */
static void flush(void *ctx)
{
	long err;

	if (sh.unkicked && (err = vq_kick(&sh.dev, &sh.q)) < 0)
		drv_fail(&sh.server, "device_notify", err);
	sh.unkicked = false;
	finished(ctx, 0);
}

/* DMA memory for the queue and for each op's header, reply, paths and data. */
static void setup_memory(void)
{
	size_t per_op = sizeof(struct archk_share_req) + sizeof(struct archk_share_reply) +
			2 * SHARE_PATH_BYTES + DATA_MAX + 64;
	long err = dma_area_init(&sh.dma, 16384 + DEPTH * per_op);

	if (err < 0 || (err = vq_init(&sh.dev, &sh.q, 0, QUEUE_SIZE, &sh.dma)) < 0)
		drv_fail(&sh.server, "cannot set up its queue",
			 err < 0 ? err : ARCHK_ERR_NO_MEMORY);
	for (unsigned i = 0; i < DEPTH; i++) {
		struct op *op = &sh.ops[i];

		op->dreq = dma_alloc(&sh.dma, sizeof(*op->dreq), 8);
		op->reply = dma_alloc(&sh.dma, sizeof(*op->reply), 8);
		op->path = dma_alloc(&sh.dma, 2 * SHARE_PATH_BYTES, 8);
		op->data = dma_alloc(&sh.dma, DATA_MAX, 64);
		if (!op->dreq || !op->reply || !op->path || !op->data)
			drv_fail(&sh.server, "too little DMA memory", ARCHK_ERR_NO_MEMORY);
		sh.free[sh.free_count++] = op;
	}
}

int main(int argc, char **argv)
{
	char handle_name[ARCHK_NAME_MAX + 1];
	const char *name;
	archk_handle_t root;
	long h;

	sh.server = (struct drv_server){.name = "share",
					.buffer = next_buffer,
					.request = request,
					.interrupt = finished,
					.flush = flush};
	drv_open_device(&sh.server, &sh.dev, ARCHK_DEVICE_ID_SHARE, ARCHK_SHARE_F_RO);
	sh.read_only = sh.dev.features & ARCHK_SHARE_F_RO;
	/* "share:NAME" on the bus, "share/NAME" for programs (a handle name). */
	snprintf(handle_name, sizeof(handle_name), "%s", sh.dev.info.name);
	if (strchr(handle_name, ':'))
		*strchr(handle_name, ':') = '/';
	name = argc > 1 ? argv[1] : handle_name;
	setup_memory();
	if ((h = archk_table_create()) < 0)
		drv_fail(&sh.server, "cannot create its table", h);
	sh.server.table = (archk_handle_t)h;
	if ((h = object_new(true, "", 0, DIR_RIGHTS)) < 0)
		drv_fail(&sh.server, "cannot serve the root", h);
	root = (archk_handle_t)h;
	drv_publish(&sh.server, &name, &root, 1);
	drv_serve(&sh.server);
}
