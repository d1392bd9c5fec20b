/*
 * Tables: objects served by a user process (docs/abi.md, "Tables").
 *
 * A client's operation on a served object is an ordinary request (io.h)
 * whose handler queues it on the object's table and leaves it pending. The
 * server takes it with table_receive (its in-data and handles copied over)
 * and answers with table_reply; the answer completes the client's request,
 * synchronous or from a ring alike. The table holds requests, never
 * references to its clients' memory: in-data is staged when the client
 * submits, out-data goes straight into the client's buffer when its
 * partition is open and is staged otherwise.
 *
 * Lifetimes: a request references its served object, so an object's CLOSE
 * reaches the server only after its last handle and request are gone. A
 * served object does not keep its table alive: when the table dies (its
 * server closed it or ended) every request on it completes CANCELLED and its
 * objects answer CANCELLED from then on. A request cancelled or abandoned
 * after the server received it leaves only its id behind, so that the
 * server's late answer is told PEER_CLOSED.
 */
#include <string.h>
#include "arena.h"
#include "table.h"
#include "syscall.h"
#include "wait.h"

#define MAX_TABLES 256
#define MAX_SERVED 8192

struct served;

struct table {
	struct object obj;
	struct io_req_list queued;    /* waiting for table_receive */
	struct io_req_list received;  /* taken by the server, not answered yet */
	struct thread_list receivers; /* blocked in table_receive */
	LIST_HEAD(, served) objects;
	uint32_t pending; /* queued + received + orphans: at most ARCHK_TABLE_PENDING_MAX */
	uint64_t next_id;
	uint32_t orphan_count;
	uint64_t orphans[ARCHK_TABLE_PENDING_MAX]; /* ids received, then cancelled */
};

struct served {
	struct object obj;
	struct table *table; /* NULL once the table is gone */
	uint64_t cookie;
	LIST_ENTRY(served) link;
};

static struct arena table_arena, served_arena;

static struct table *table_from_object(struct object *o)
{
	return (struct table *)o;
}

static struct served *served_from_object(struct object *o)
{
	return (struct served *)o;
}

/* Ops whose client bytes go to the server; the others may bring bytes back. */
static bool has_in_data(int op)
{
	return op == ARCHK_IO_WRITE || op == ARCHK_IO_OPEN || op == ARCHK_IO_CREATE ||
	       op == ARCHK_IO_DESTROY || op == ARCHK_IO_SET_META || op == ARCHK_IO_RENAME;
}

static bool has_out_data(int op)
{
	return op == ARCHK_IO_READ || op == ARCHK_IO_GET_META;
}

/* Queues r (a client request or a CLOSE notice), handing it to a waiting receiver. */
static void table_enqueue(struct table *tb, struct io_req *r);

static void served_destroy(struct object *obj)
{
	struct served *s = served_from_object(obj);
	struct table *tb = s->table;
	struct io_req *notice;

	if (tb) {
		LIST_REMOVE(s, link);
		notice = io_req_alloc();
		if (notice) {
			notice->op = ARCHK_IO_CLOSE;
			notice->offset = s->cookie;
			notice->data = notice->inline_data;
			tb->pending++;
			table_enqueue(tb, notice);
		} else {
			klog(LOG_WARN, "table: no memory for a CLOSE notice (cookie %lu)",
			     (unsigned long)s->cookie);
		}
	}
	arena_free(&served_arena, s);
}

static const struct object_type served_type = {.name = "served", .destroy = served_destroy};

static void served_cancel(struct io_req *r)
{
	struct table *tb = r->pending_on;
	struct io_req *q;

	TAILQ_FOREACH(q, &tb->queued, server_link) {
		if (q == r) {
			TAILQ_REMOVE(&tb->queued, r, server_link);
			tb->pending--;
			return;
		}
	}
	TAILQ_REMOVE(&tb->received, r, server_link);
	tb->orphans[tb->orphan_count++] = r->server_id;
}

/* The table serving r's object, if it can take r: else CANCELLED (its server is gone) or
 * SHOULD_WAIT. */
static long served_table(struct io_req *r, struct table **out)
{
	struct table *tb = served_from_object(r->obj)->table;

	if (!tb)
		return ARCHK_ERR_CANCELLED;
	if (tb->pending >= ARCHK_TABLE_PENDING_MAX)
		return ARCHK_ERR_SHOULD_WAIT;
	*out = tb;
	return 0;
}

/* Queues r, its in-data staged, for tb's server; the answer completes it. */
static long served_queue(struct io_req *r, struct table *tb)
{
	r->cancel = served_cancel;
	r->pending_on = tb;
	tb->pending++;
	table_enqueue(tb, r);
	return IO_PENDING;
}

/* Every op but CLOSE, CANCEL and NOP on a served object: queued for the server. */
static long served_forward(struct io_req *r)
{
	size_t len = r->len < ARCHK_TABLE_DATA_MAX ? r->len : ARCHK_TABLE_DATA_MAX;
	struct table *tb;
	long err;

	if ((err = served_table(r, &tb)) < 0)
		return err;
	if (r->op == ARCHK_IO_GET_META)
		r->len = len = sizeof(struct archk_meta);
	if (has_in_data(r->op))
		err = io_req_stage_from_guest(r, r->proc, r->buf, len);
	else if (has_out_data(r->op))
		err = vm_check(r->proc, r->buf, len, HOOK_PROT_WRITE);
	if (err < 0)
		return err;
	r->len = has_in_data(r->op) ? r->len : len;
	return served_queue(r, tb);
}

long served_forward_staged(struct io_req *r)
{
	struct table *tb;
	long err = served_table(r, &tb);

	KASSERT(r->obj->type == ARCHK_OBJ_SERVED && has_in_data(r->op));
	return err < 0 ? err : served_queue(r, tb);
}

/*
 * Copies request r out to the server thread t: its description, in-data and
 * handles (installed in t's table). On failure r is left as it was.
 */
static long receive_into(struct thread *t, struct io_req *r, uintptr_t out_req, uintptr_t data,
			 size_t room, uintptr_t out_handles)
{
	struct archk_table_request desc = {
	    .id = r->server_id,
	    .cookie = r->obj ? served_from_object(r->obj)->cookie : r->offset,
	    .op = r->op,
	    .handle_count = r->handle_count,
	    .len = has_in_data(r->op) ? r->data_len : r->len,
	    .offset = r->offset,
	    .client = r->proc ? r->proc->obj.koid : 0,
	};
	archk_handle_t values[ARCHK_IO_HANDLES_MAX];
	uint32_t n;
	long err;

	if (has_in_data(r->op) && r->data_len > room) {
		err = copy_to_guest(t->proc, out_req, &desc, sizeof(desc));
		return err < 0 ? err : ARCHK_ERR_TOO_LONG;
	}
	if ((err = vm_check(t->proc, out_handles, r->handle_count * sizeof(values[0]),
			    HOOK_PROT_WRITE)) < 0 ||
	    (err = vm_check(t->proc, out_req, sizeof(desc), HOOK_PROT_WRITE)) < 0 ||
	    (err = io_copy_to_guest(t->proc, data, r->data, has_in_data(r->op) ? r->data_len : 0)) <
		0)
		return err;
	for (n = 0; n < r->handle_count; n++) {
		long h = handle_install(&t->proc->handles, r->handles[n].obj, r->handles[n].rights);

		if (h < 0) {
			while (n--)
				handle_close(&t->proc->handles, values[n]);
			return h;
		}
		values[n] = (archk_handle_t)h;
	}
	copy_to_guest(t->proc, out_handles, values, n * sizeof(values[0]));
	copy_to_guest(t->proc, out_req, &desc, sizeof(desc));
	return 0;
}

/* r was delivered to the server: a CLOSE notice ends, a request waits for its answer. */
static void received(struct table *tb, struct io_req *r)
{
	for (uint32_t i = 0; i < r->handle_count; i++)
		object_unref(r->handles[i].obj);
	r->handle_count = 0;
	io_req_stage(r, NULL, 0);
	if (r->op == ARCHK_IO_CLOSE && !r->proc) {
		tb->pending--;
		io_req_release(r);
		io_req_free(r);
		return;
	}
	TAILQ_INSERT_TAIL(&tb->received, r, server_link);
}

/* Delivers r to the server thread t, whose call's arguments are args. */
static long receive_for(struct thread *t, struct table *tb, struct io_req *r, const uint64_t *args)
{
	long err = receive_into(t, r, args[1], args[2], args[3], args[4]);

	if (err < 0) {
		TAILQ_INSERT_HEAD(&tb->queued, r, server_link);
		object_signal_update(&tb->obj, 0, ARCHK_SIGNAL_READABLE);
		return err;
	}
	received(tb, r);
	return 0;
}

static void table_enqueue(struct table *tb, struct io_req *r)
{
	struct thread *t = TAILQ_FIRST(&tb->receivers);

	r->server_id = r->proc ? ++tb->next_id : 0;
	r->pending_on = tb;
	TAILQ_INSERT_TAIL(&tb->queued, r, server_link);
	object_signal_update(&tb->obj, 0, ARCHK_SIGNAL_READABLE);
	/*
	 * The receiver makes its call again and takes the request (or the next
	 * one). A client that blocks for the answer has the server run in its
	 * place (sched_call_end).
	 */
	if (t)
		thread_wake_restart(t);
}

/* table_receive(table, req, data, len, handles, deadline) */
long sys_table_receive(struct thread *t, struct syscall_args *args)
{
	struct table *tb = table_from_object(args->obj);
	struct io_req *r = TAILQ_FIRST(&tb->queued);
	int64_t deadline = (int64_t)args->a[5];
	long err;

	if (r) {
		TAILQ_REMOVE(&tb->queued, r, server_link);
		err = receive_for(t, tb, r, args->a);
		if (TAILQ_EMPTY(&tb->queued))
			object_signal_update(&tb->obj, ARCHK_SIGNAL_READABLE, 0);
		return err;
	}
	if (deadline_passed(deadline))
		return ARCHK_ERR_TIMED_OUT;
	thread_block(t, &tb->receivers);
	if (deadline != ARCHK_DEADLINE_INFINITE)
		thread_wake_at(t, deadline, ARCHK_ERR_TIMED_OUT);
	return 0;
}

/* Forgets a cancelled request's id; true if id was one. */
static bool forget_orphan(struct table *tb, uint64_t id)
{
	for (uint32_t i = 0; i < tb->orphan_count; i++) {
		if (tb->orphans[i] == id) {
			tb->orphans[i] = tb->orphans[--tb->orphan_count];
			tb->pending--;
			return true;
		}
	}
	return false;
}

static struct io_req *find_received(struct table *tb, uint64_t id)
{
	struct io_req *r;

	TAILQ_FOREACH(r, &tb->received, server_link)
		if (r->server_id == id)
			return r;
	return NULL;
}

/* table_reply(table, id, result, data, len, handle) */
long sys_table_reply(struct thread *t, struct syscall_args *args)
{
	struct table *tb = table_from_object(args->obj);
	uint64_t id = args->a[1];
	long result = (long)args->a[2];
	archk_handle_t handle = (archk_handle_t)args->a[5];
	struct io_req *r = find_received(tb, id);

	struct handle_entry *e;
	long err;

	if (!r)
		return forget_orphan(tb, id) ? ARCHK_ERR_PEER_CLOSED : ARCHK_ERR_NOT_FOUND;
	/* Every check comes before anything moves: a failed reply leaves all as it was. */
	if (result >= 0 && handle &&
	    (err = handle_check(t->proc, handle, ARCHK_OBJ_NONE, ARCHK_RIGHT_TRANSFER, &e)) < 0)
		return err;
	if (result >= 0 && has_out_data(r->op)) {
		long n = io_req_give_from_guest(r, t->proc, args->a[3], args->a[4]);

		if (n < 0)
			return n; /* the server's buffer is bad: the request stays received */
		if (r->op == ARCHK_IO_READ)
			result = n;
	}
	if (result >= 0 && handle)
		r->out_handle = handle_take(&t->proc->handles, handle, &r->out_rights);
	TAILQ_REMOVE(&tb->received, r, server_link);
	tb->pending--;
	io_req_complete(r, result); /* a reply: the client runs in the server's place */
	return 0;
}

/* Completes every request of a dead table with CANCELLED. */
static void cancel_all(struct table *tb, struct io_req_list *list)
{
	struct io_req *r;

	while ((r = TAILQ_FIRST(list))) {
		TAILQ_REMOVE(list, r, server_link);
		if (r->proc && r->pending) {
			io_req_complete(r, ARCHK_ERR_CANCELLED);
		} else {
			io_req_release(r);
			io_req_free(r);
		}
	}
}

static void table_destroy(struct object *obj)
{
	struct table *tb = table_from_object(obj);
	struct served *s;

	while ((s = LIST_FIRST(&tb->objects))) {
		LIST_REMOVE(s, link);
		s->table = NULL;
	}
	while (!TAILQ_EMPTY(&tb->receivers))
		thread_wake(TAILQ_FIRST(&tb->receivers), ARCHK_ERR_CANCELLED, NULL);
	cancel_all(tb, &tb->queued);
	cancel_all(tb, &tb->received);
	arena_free(&table_arena, tb);
}

static const struct object_type table_type = {.name = "table", .destroy = table_destroy};

long sys_table_create(struct thread *t, struct syscall_args *args)
{
	struct table *tb = arena_alloc(&table_arena);
	long h;

	if (!tb)
		return ARCHK_ERR_NO_MEMORY;
	object_init(&tb->obj, ARCHK_OBJ_TABLE);
	TAILQ_INIT(&tb->queued);
	TAILQ_INIT(&tb->received);
	TAILQ_INIT(&tb->receivers);
	LIST_INIT(&tb->objects);
	h = handle_install(&t->proc->handles, &tb->obj, ARCHK_RIGHTS_TABLE);
	object_unref(&tb->obj);
	return h;
}

/* table_object_create(table, cookie, rights): a handle for a client. */
long sys_table_object_create(struct thread *t, struct syscall_args *args)
{
	uint32_t rights = (uint32_t)args->a[2];
	struct served *s;
	long h;

	if (rights == ARCHK_RIGHTS_SAME)
		rights = ARCHK_RIGHTS_SERVED;
	if (rights & ~ARCHK_RIGHTS_SERVED)
		return ARCHK_ERR_INVALID_ARGS;
	if (!(s = arena_alloc(&served_arena)))
		return ARCHK_ERR_NO_MEMORY;
	object_init(&s->obj, ARCHK_OBJ_SERVED);
	s->table = table_from_object(args->obj);
	s->cookie = args->a[1];
	LIST_INSERT_HEAD(&s->table->objects, s, link);
	h = handle_install(&t->proc->handles, &s->obj, rights);
	if (h < 0) { /* nobody ever had it: no CLOSE for the server */
		LIST_REMOVE(s, link);
		s->table = NULL;
	}
	object_unref(&s->obj);
	return h;
}

int table_init(void)
{
	object_type_register(ARCHK_OBJ_TABLE, &table_type);
	object_type_register(ARCHK_OBJ_SERVED, &served_type);
	for (int op = 0; op < ARCHK_IO_OP_COUNT; op++)
		if (op != ARCHK_IO_CLOSE && op != ARCHK_IO_CANCEL && op != ARCHK_IO_NOP)
			io_register(ARCHK_OBJ_SERVED, op, served_forward);
	if (arena_init(&table_arena, "table", sizeof(struct table), MAX_TABLES) ||
	    arena_init(&served_arena, "served", sizeof(struct served), MAX_SERVED))
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}
