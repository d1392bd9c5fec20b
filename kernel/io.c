/*
 * The object interface: the operation table (rights each op needs, checked
 * once by the syscall dispatcher or the ring intake), the per-type handler
 * table, the handlers every object shares (GET_META, CLOSE, NOP), and the
 * life of a request: prepare, start, complete, deliver, release.
 *
 * Delivery is separate from completion because a request may finish while
 * its client's partition is closed (isolation process or strict): a do_io
 * caller gets its results when its thread resumes, a ring request when the
 * process is next held (io_deliver_deferred) or at once if it is open.
 */
#include <string.h>
#include "arena.h"
#include "ioq.h"
#include "syscall.h"

#define MAX_REQUESTS	  16384
#define MAX_LARGE_BUFFERS 512

struct io_op_desc {
	const char *name;
	uint32_t rights;
};

static const struct io_op_desc io_ops[ARCHK_IO_OP_COUNT] = {
    [ARCHK_IO_READ] = {"READ", ARCHK_RIGHT_READ},
    [ARCHK_IO_WRITE] = {"WRITE", ARCHK_RIGHT_WRITE},
    [ARCHK_IO_OPEN] = {"OPEN", ARCHK_RIGHT_ENUMERATE},
    [ARCHK_IO_CREATE] = {"CREATE", ARCHK_RIGHT_MANAGE},
    [ARCHK_IO_DESTROY] = {"DESTROY", ARCHK_RIGHT_DESTROY},
    [ARCHK_IO_GET_META] = {"GET_META", ARCHK_RIGHT_GET_PROPERTY},
    [ARCHK_IO_SET_META] = {"SET_META", ARCHK_RIGHT_SET_PROPERTY},
    [ARCHK_IO_SEEK] = {"SEEK", 0},
    [ARCHK_IO_SHARE] = {"SHARE", ARCHK_RIGHT_WRITE},
    [ARCHK_IO_CLOSE] = {"CLOSE", 0},
    [ARCHK_IO_CANCEL] = {"CANCEL", ARCHK_RIGHT_WRITE},
    [ARCHK_IO_NOP] = {"NOP", 0},
    [ARCHK_IO_SYNC] = {"SYNC", 0},
    [ARCHK_IO_RENAME] = {"RENAME", ARCHK_RIGHT_WRITE},
};

static io_handler io_handlers[ARCHK_OBJ_TYPE_COUNT][ARCHK_IO_OP_COUNT];
static struct arena request_arena, buffer_arena;

void io_register(uint32_t type, int op, io_handler fn)
{
	KASSERT(type < ARCHK_OBJ_TYPE_COUNT && op >= 0 && op < ARCHK_IO_OP_COUNT);
	io_handlers[type][op] = fn;
}

uint32_t io_op_rights(int op)
{
	KASSERT(op >= 0 && op < ARCHK_IO_OP_COUNT);
	return io_ops[op].rights;
}

long io_op_decode(uint64_t word, uint32_t *handle_count)
{
	uint64_t op = word & 0xffff;

	if (handle_count)
		*handle_count = (uint32_t)(word >> 16) & 0xff;
	if (word >> 24 || op >= ARCHK_IO_OP_COUNT)
		return ARCHK_ERR_INVALID_ARGS;
	return (long)op;
}

long io_check(struct process *p, archk_handle_t h, uint64_t op_word, struct handle_entry **out)
{
	long op = io_op_decode(op_word, NULL);
	uint32_t rights = op < 0 ? 0 : io_ops[op].rights;
	long err = handle_check(p, h, ARCHK_OBJ_NONE, rights, out);

	return err < 0 ? err : op < 0 ? op : 0;
}

const char *io_op_name(uint64_t op_word)
{
	long op = io_op_decode(op_word, NULL);

	return op < 0 ? "?" : io_ops[op].name;
}

bool io_client_open(const struct process *p)
{
	return p->state == PROCESS_ALIVE && vm_is_open(p);
}

struct io_req *io_req_alloc(void)
{
	return arena_alloc(&request_arena);
}

void io_req_free(struct io_req *r)
{
	arena_free(&request_arena, r);
}

void io_req_prepare(struct io_req *r, struct process *proc, struct object *obj, uint32_t rights,
		    int op, const uint64_t args[4])
{
	r->proc = proc;
	object_ref(&proc->obj);
	r->obj = obj;
	if (r->obj)
		object_ref(r->obj);
	r->rights = rights;
	r->op = (uint8_t)op;
	r->buf = args[0];
	r->len = args[1];
	r->offset = args[2];
	r->data = r->inline_data;
}

/*
 * Reads the count handle values at guest address addr of p and checks each
 * (a live handle with TRANSFER); the entries go to out.
 */
static long read_passed_handles(struct process *p, uintptr_t addr, uint32_t count,
				struct handle_entry **out)
{
	archk_handle_t values[ARCHK_IO_HANDLES_MAX];
	long err;

	if (count > ARCHK_IO_HANDLES_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = copy_from_guest(p, values, addr, count * sizeof(values[0]))) < 0)
		return err;
	for (uint32_t i = 0; i < count; i++)
		if ((err = handle_check(p, values[i], ARCHK_OBJ_NONE, ARCHK_RIGHT_TRANSFER,
					&out[i])) < 0)
			return err;
	return 0;
}

long io_check_passed_handles(struct process *p, uintptr_t addr, uint32_t count)
{
	struct handle_entry *entries[ARCHK_IO_HANDLES_MAX];

	return read_passed_handles(p, addr, count, entries);
}

long io_req_take_handles(struct io_req *r, uintptr_t addr, uint32_t count)
{
	struct handle_entry *entries[ARCHK_IO_HANDLES_MAX];
	long err = read_passed_handles(r->proc, addr, count, entries);

	if (err < 0)
		return err;
	for (uint32_t i = 0; i < count; i++) {
		r->handles[i].obj = entries[i]->obj;
		r->handles[i].rights = entries[i]->rights;
		object_ref(entries[i]->obj);
	}
	r->handle_count = (uint16_t)count;
	return 0;
}

static void stage_free(struct io_req *r)
{
	if (r->data && r->data != r->inline_data)
		arena_free_used(&buffer_arena, r->data, r->data_size);
	r->data = r->inline_data;
	r->data_len = r->data_size = 0;
}

long io_req_stage(struct io_req *r, const void *src, size_t len)
{
	stage_free(r);
	if (len > IO_INLINE_BYTES) {
		if (len > buffer_arena.slot_size || !(r->data = arena_alloc(&buffer_arena))) {
			r->data = r->inline_data;
			return ARCHK_ERR_NO_MEMORY;
		}
		r->data_size = (uint32_t)len;
	}
	if (src)
		memcpy(r->data, src, len);
	r->data_len = (uint32_t)len;
	return 0;
}

/*
 * Where the kernel reaches [addr, addr+len) of p, checked for prot as
 * copy_to_guest and copy_from_guest check it: through the VMO's own view
 * when the range lies in one VMO mapping (*ref then holds the VMO until
 * the caller drops it), else at addr (*ref NULL). Request data goes
 * through the view because the view is never closed: on hosts with shadow
 * paging the first touch of a page that isolation has just reopened costs
 * a host fault (about 4 µs a page on the PVM machines, docs/performance.md),
 * and DMA memory that only the kernel and the host touch keeps no
 * page-table entries in its partition, so closing and opening it stays cheap.
 */
static long data_at(const struct process *p, uintptr_t addr, size_t len, int prot, void **at,
		    struct object **ref)
{
	long err = vm_check(p, addr, len, prot);

	*ref = NULL;
	if (err < 0)
		return err;
	*at = len ? vm_dma(p, addr, len, prot, ref) : NULL;
	if (!*at)
		*at = (void *)addr;
	return 0;
}

/* Copies len bytes between p's memory at addr and the kernel's at flat, either way. */
static int data_copy(const struct process *p, uintptr_t addr, void *flat, size_t len, bool to_guest)
{
	struct object *ref;
	void *at;
	long err = data_at(p, addr, len, to_guest ? HOOK_PROT_WRITE : HOOK_PROT_READ, &at, &ref);

	if (err < 0)
		return (int)err;
	if (to_guest)
		memcpy(at, flat, len);
	else
		memcpy(flat, at, len);
	if (ref)
		object_unref(ref);
	return 0;
}

int io_copy_to_guest(const struct process *p, uintptr_t dst, const void *src, size_t len)
{
	return data_copy(p, dst, (void *)src, len, true);
}

int io_copy_from_guest(const struct process *p, void *dst, uintptr_t src, size_t len)
{
	return data_copy(p, src, dst, len, false);
}

long io_req_give(struct io_req *r, const void *src, size_t len)
{
	long err;

	if (len > r->len)
		len = r->len;
	ioq_unguard(r);
	if (io_client_open(r->proc))
		err = io_copy_to_guest(r->proc, r->buf, src, len);
	else
		err = io_req_stage(r, src, len);
	return err < 0 ? err : (long)len;
}

long io_req_give_from_guest(struct io_req *r, const struct process *src_proc, uintptr_t src,
			    size_t len)
{
	struct object *ref;
	void *at;
	long err = data_at(src_proc, src, len < r->len ? len : r->len, HOOK_PROT_READ, &at, &ref);

	/* The source process runs this call, so its checked memory is readable here. */
	if (err == 0)
		err = io_req_give(r, at, len);
	if (ref)
		object_unref(ref);
	return err;
}

long io_req_stage_from_guest(struct io_req *r, const struct process *p, uintptr_t src, size_t len)
{
	long err = io_req_stage(r, NULL, len);

	if (err == 0 && (err = io_copy_from_guest(p, r->data, src, len)) < 0)
		r->data_len = 0;
	return err;
}

void io_req_release(struct io_req *r)
{
	for (uint32_t i = 0; i < r->handle_count; i++)
		object_unref(r->handles[i].obj);
	r->handle_count = 0;
	stage_free(r);
	if (r->out_handle)
		object_unref(r->out_handle);
	r->out_handle = NULL;
	if (r->obj)
		object_unref(r->obj);
	r->obj = NULL;
	if (r->proc)
		object_unref(&r->proc->obj);
	r->proc = NULL;
}

size_t io_dirent_put(uint8_t *buf, size_t room, uint64_t next, const char *name, size_t name_len,
		     uint8_t kind, uint64_t size)
{
	struct archk_dirent *d = (struct archk_dirent *)buf;
	size_t reclen = ALIGN_UP(sizeof(*d) + name_len + 1, 8);

	if (name_len == 0 || name_len > ARCHK_NAME_BYTES_MAX || reclen > room)
		return 0;
	memset(buf, 0, reclen);
	d->next = next;
	d->size = size;
	d->reclen = (uint16_t)reclen;
	d->kind = kind;
	d->name_len = (uint8_t)name_len;
	memcpy(d->name, name, name_len);
	return reclen;
}

/* GET_META for any object: its type and koid; types with more to say register their own. */
static long generic_get_meta(struct io_req *r)
{
	struct archk_meta meta = {.type = r->obj->type, .koid = r->obj->koid};

	return copy_to_guest(r->proc, r->buf, &meta, sizeof(meta));
}

/* Argument checks that hold for an operation whatever object serves it. */
static long check_op_args(const struct io_req *r)
{
	if (r->op == ARCHK_IO_SEEK && r->len > ARCHK_SEEK_END)
		return ARCHK_ERR_INVALID_ARGS;
	return 0;
}

long io_start(struct io_req *r)
{
	/* Only a ring's NOP names no object. */
	io_handler fn = r->obj ? io_handlers[r->obj->type][r->op] : NULL;
	long result;

	ASSERT_LOCKED();
	if ((result = check_op_args(r)) < 0)
		return result;
	if (fn)
		result = fn(r);
	else if (r->op == ARCHK_IO_GET_META)
		result = generic_get_meta(r);
	else
		result = r->op == ARCHK_IO_NOP ? 0 : ARCHK_ERR_NOT_SUPPORTED;
	r->pending = result == IO_PENDING;
	return result;
}

long io_deliver(struct io_req *r)
{
	long result = r->result;

	if (result >= 0 && r->data_len) {
		size_t n = r->data_len < r->len ? r->data_len : r->len;

		if (io_copy_to_guest(r->proc, r->buf, r->data, n) < 0)
			result = ARCHK_ERR_BAD_ADDRESS;
	}
	if (result >= 0 && r->out_handle) {
		uint32_t rights = r->out_rights;

		if (r->out_rights_clamp)
			rights &= r->out_rights_clamp;
		result = handle_install(&r->proc->handles, r->out_handle, rights);
	}
	stage_free(r);
	return result;
}

/* Resume of a do_io caller whose request went pending: deliver, finish, free. */
static void sync_resume(struct thread *t)
{
	struct io_req *r = t->wait.io.req;

	t->wait.kind = WAIT_NONE;
	syscall_finish(t, io_deliver(r));
	io_req_release(r);
	io_req_free(r);
}

void io_req_complete(struct io_req *r, long result)
{
	ASSERT_LOCKED();
	KASSERT(r->pending);
	ioq_unguard(r);
	r->pending = false;
	r->cancel = NULL;
	r->pending_on = NULL;
	r->result = result;
	if (r->thread)
		thread_wake(r->thread, result, sync_resume);
	else
		ioq_request_done(r);
}

void io_abandon(struct io_req *r)
{
	if (r->pending && r->cancel)
		r->cancel(r);
	io_req_release(r);
	io_req_free(r);
}

/*
 * do_io(op, h, buf, len, offset, handles): the synchronous level. The
 * dispatcher has checked the handle and the op's rights. A request that goes
 * pending blocks the caller, who owns it through its wait (WAIT_IO);
 * sync_resume finishes the call.
 */
long sys_do_io(struct thread *t, struct syscall_args *args)
{
	uint32_t count;
	long op = io_op_decode(args->a[0], &count);
	struct io_req *r;
	long result;

	/* CLOSE closes the handle; the object sees nothing unless it was the last one. */
	if (op == ARCHK_IO_CLOSE)
		return handle_close(&t->proc->handles, (archk_handle_t)args->a[1]);
	if (!(r = io_req_alloc()))
		return ARCHK_ERR_NO_MEMORY;
	io_req_prepare(r, t->proc, args->obj, args->rights, (int)op, &args->a[2]);
	r->thread = t;
	result = io_req_take_handles(r, args->a[5], count);
	if (result == 0)
		result = io_start(r);
	if (result == IO_PENDING && t->state == THREAD_RUNNING) {
		thread_block(t, NULL);
		t->wait.kind = WAIT_IO;
		t->wait.io.req = r;
		return 0;
	}
	if (result == IO_PENDING) { /* the request ended its own caller (its process) */
		io_abandon(r);
		return 0;
	}
	io_req_release(r);
	io_req_free(r);
	return result;
}

/* Host I/O completed (called by the host without the lock, on any host thread). */
void kernel_io_done_locked(void *token, long result)
{
	struct io_token *io = token;

	ASSERT_LOCKED();
	io->complete(io, result);
}

void kernel_io_done(void *token, long result)
{
	hook_lock();
	kernel_io_done_locked(token, result);
	hook_unlock();
}

int io_init(void)
{
	if (arena_init(&request_arena, "io_request", sizeof(struct io_req), MAX_REQUESTS) ||
	    arena_init(&buffer_arena, "io_buffer", ARCHK_TABLE_DATA_MAX, MAX_LARGE_BUFFERS))
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}
