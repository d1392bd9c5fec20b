/*
 * Channels: pairs of endpoints carrying messages of bytes and handles.
 *
 * A message written on one end is queued at the other, which reads it. Each
 * endpoint's queue is bounded (ARCHK_CHANNEL_QUEUE_MAX messages and
 * ARCHK_CHANNEL_QUEUE_BYTES bytes): a write to a full one fails with
 * SHOULD_WAIT and nothing is dropped. The writing process is charged for
 * its messages until they are read (ARCHK_PENDING_*_MAX).
 *
 * Handles sent in a message leave the sender's table when the write is
 * attempted and live in the message (holding their object references) until
 * a read installs them in the reader's table; a message destroyed unread
 * releases them. channel_call writes a request whose first 4 bytes are a
 * kernel transaction id and blocks until a message with the same first 4
 * bytes arrives at the caller's endpoint; that reply goes straight to the
 * caller, never into the queue.
 */
#include <string.h>
#include "arena.h"
#include "syscall.h"
#include "wait.h"

#define MAX_ENDPOINTS	  8192 /* two per channel */
#define MAX_MESSAGES	  16384
#define MAX_LARGE_BUFFERS 1024
#define MESSAGE_INLINE	  256 /* bytes stored in the message slot itself */
#define ENDPOINT_SIGNALS  (ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_WRITABLE | ARCHK_SIGNAL_PEER_CLOSED)

struct message_handle {
	struct object *obj; /* referenced while the message holds it */
	uint32_t rights;
};

struct message {
	TAILQ_ENTRY(message) link;
	struct process *sender; /* charged for the message (referenced); NULL until sent */
	uint32_t nbytes;
	uint32_t nhandles;
	uint8_t *bytes; /* inline, or a large buffer */
	struct message_handle handles[ARCHK_CHANNEL_MAX_HANDLES];
	uint8_t inline_bytes[MESSAGE_INLINE];
};

TAILQ_HEAD(message_list, message);

struct endpoint {
	struct object obj;
	struct endpoint *peer;	    /* NULL once the peer is destroyed */
	struct message_list queue;  /* messages for this end to read */
	uint32_t queued;	    /* messages in queue */
	uint32_t queued_bytes;	    /* their bytes */
	struct thread_list callers; /* in channel_call on this end, waiting for a reply */
};

static struct arena endpoint_arena, message_arena, buffer_arena;
static uint32_t next_txid;

/* Releases the handles a message still holds and returns it to its arenas. */
static void message_free(struct message *m)
{
	for (uint32_t i = 0; i < m->nhandles; i++)
		if (m->handles[i].obj)
			object_unref(m->handles[i].obj);
	if (m->sender) {
		m->sender->pending_messages--;
		m->sender->pending_handles -= m->nhandles;
		object_unref(&m->sender->obj);
	}
	if (m->bytes && m->bytes != m->inline_bytes)
		arena_free(&buffer_arena, m->bytes);
	arena_free(&message_arena, m);
}

/* Full: one more message of the largest size might not fit. */
static bool endpoint_full(const struct endpoint *e)
{
	return e->queued >= ARCHK_CHANNEL_QUEUE_MAX ||
	       e->queued_bytes > ARCHK_CHANNEL_QUEUE_BYTES - ARCHK_CHANNEL_MAX_BYTES;
}

/* Recomputes READABLE, WRITABLE and PEER_CLOSED of e from its state. */
static void endpoint_refresh(struct endpoint *e)
{
	uint32_t s = 0;

	if (!TAILQ_EMPTY(&e->queue))
		s |= ARCHK_SIGNAL_READABLE;
	if (!e->peer)
		s |= ARCHK_SIGNAL_PEER_CLOSED;
	else if (!endpoint_full(e->peer))
		s |= ARCHK_SIGNAL_WRITABLE;
	object_signal_update(&e->obj, ENDPOINT_SIGNALS, s);
}

/*
 * Destroys an endpoint no one refers to: its unread messages (and the
 * handles in them) go; the peer sees PEER_CLOSED and its callers give up.
 */
static void endpoint_destroy(struct object *obj)
{
	struct endpoint *e = (struct endpoint *)obj;
	struct endpoint *peer = e->peer;
	struct message *m;
	struct thread *c;

	KASSERT(TAILQ_EMPTY(&e->callers)); /* callers hold a reference */
	if (peer) {
		peer->peer = NULL;
		e->peer = NULL;
		while ((c = TAILQ_FIRST(&peer->callers)))
			thread_wake(c, ARCHK_ERR_PEER_CLOSED, NULL);
		endpoint_refresh(peer);
	}
	while ((m = TAILQ_FIRST(&e->queue))) {
		TAILQ_REMOVE(&e->queue, m, link);
		message_free(m);
	}
	arena_free(&endpoint_arena, e);
}

static const struct object_type channel_type = {.name = "channel", .destroy = endpoint_destroy};

/* Registers the channel type and prepares its arenas at boot. */
int channel_init(void)
{
	object_type_register(ARCHK_OBJ_CHANNEL, &channel_type);
	if (arena_init(&endpoint_arena, "endpoint", sizeof(struct endpoint), MAX_ENDPOINTS) ||
	    arena_init(&message_arena, "message", sizeof(struct message), MAX_MESSAGES) ||
	    arena_init(&buffer_arena, "msgbuffer", ARCHK_CHANNEL_MAX_BYTES, MAX_LARGE_BUFFERS))
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}

/* A fresh endpoint, or NULL when the arena is full. */
static struct endpoint *endpoint_create(void)
{
	struct endpoint *e = arena_alloc(&endpoint_arena);

	if (!e)
		return NULL;
	object_init(&e->obj, ARCHK_OBJ_CHANNEL);
	TAILQ_INIT(&e->queue);
	TAILQ_INIT(&e->callers);
	return e;
}

/* channel_create(out[2]): two connected endpoints, both writable. */
long sys_channel_create(struct thread *t, struct syscall_args *args)
{
	struct endpoint *a, *b;
	long err;

	if ((err = vm_check(t->proc, args->a[0], 2 * sizeof(archk_handle_t), HOOK_PROT_WRITE)) < 0)
		return err;
	a = endpoint_create();
	b = a ? endpoint_create() : NULL;
	if (!b) {
		if (a)
			object_unref(&a->obj);
		return ARCHK_ERR_NO_MEMORY;
	}
	a->peer = b;
	b->peer = a;
	endpoint_refresh(a);
	endpoint_refresh(b);
	return handle_install_pair(t, &a->obj, &b->obj, ARCHK_RIGHTS_CHANNEL, ARCHK_RIGHTS_CHANNEL,
				   args->a[0]);
}

/*
 * Takes the n handles named in values out of the caller's table into out:
 * every live one is consumed, even when the call fails, except the endpoint
 * written on (self). Returns the first error: HND_INVALID for a value that
 * is not live, NOT_SUPPORTED for self or its peer (a channel end cannot
 * travel through its own channel), ACCESS_DENIED without TRANSFER.
 */
static long take_handles(struct process *p, const struct endpoint *self,
			 const archk_handle_t *values, uint32_t n, struct message_handle *out)
{
	long first = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct handle_entry *e = handle_lookup(&p->handles, values[i]);
		long err = 0;

		out[i].obj = NULL;
		if (!e)
			err = ARCHK_ERR_HND_INVALID;
		else if (e->obj == &self->obj || (self->peer && e->obj == &self->peer->obj))
			err = ARCHK_ERR_NOT_SUPPORTED;
		else if (!(e->rights & ARCHK_RIGHT_TRANSFER))
			err = ARCHK_ERR_ACCESS_DENIED;
		if (e && e->obj != &self->obj)
			out[i].obj = handle_take(&p->handles, values[i], &out[i].rights);
		if (err && !first)
			first = err;
	}
	return first;
}

/* Why a message of nbytes/nhandles from p cannot be queued at dst now, or 0. */
static long check_room(const struct process *p, const struct endpoint *dst, uint32_t nhandles)
{
	if (!dst)
		return ARCHK_ERR_PEER_CLOSED;
	if (endpoint_full(dst))
		return ARCHK_ERR_SHOULD_WAIT;
	if (p->pending_messages >= ARCHK_PENDING_MESSAGES_MAX ||
	    p->pending_handles + nhandles > ARCHK_PENDING_HANDLES_MAX)
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}

/* A message with room for nbytes, or NULL when an arena is full. */
static struct message *message_alloc(uint32_t nbytes)
{
	struct message *m = arena_alloc(&message_arena);

	if (!m)
		return NULL;
	m->bytes = m->inline_bytes;
	if (nbytes > MESSAGE_INLINE && !(m->bytes = arena_alloc(&buffer_arena))) {
		arena_free(&message_arena, m);
		return NULL;
	}
	return m;
}

/*
 * Puts m into dst: to the caller waiting for it if it is the reply to a
 * channel_call on dst, else at the end of dst's queue.
 */
static void endpoint_deliver(struct endpoint *dst, struct message *m)
{
	struct thread *c;
	uint32_t txid;

	if (m->nbytes >= sizeof(txid)) {
		memcpy(&txid, m->bytes, sizeof(txid));
		TAILQ_FOREACH(c, &dst->callers, run_link) {
			if (c->waiter->txid == txid) {
				c->waiter->reply = m;
				thread_wake(c, 0, NULL);
				return;
			}
		}
	}
	TAILQ_INSERT_TAIL(&dst->queue, m, link);
	dst->queued++;
	dst->queued_bytes += m->nbytes;
	endpoint_refresh(dst);
	endpoint_refresh(dst->peer);
}

/*
 * The write half of channel_write and channel_call: see docs/abi.md for the
 * order of the checks and which of them consume the handles. A non-zero txid
 * replaces the first 4 bytes of the message.
 */
static long channel_send(struct thread *t, struct endpoint *src, uintptr_t bytes, uint64_t nbytes,
			 uintptr_t handles, uint64_t nhandles, uint32_t txid)
{
	archk_handle_t values[ARCHK_CHANNEL_MAX_HANDLES];
	struct message_handle taken[ARCHK_CHANNEL_MAX_HANDLES];
	struct process *p = t->proc;
	struct message *m = NULL;
	long err;

	if (nbytes > ARCHK_CHANNEL_MAX_BYTES || nhandles > ARCHK_CHANNEL_MAX_HANDLES)
		return ARCHK_ERR_TOO_LONG;
	if ((err = copy_from_guest(p, values, handles, nhandles * sizeof(values[0]))) < 0)
		return err;
	/* From here on the handles are consumed, whatever happens. */
	err = take_handles(p, src, values, (uint32_t)nhandles, taken);
	if (!err)
		err = check_room(p, src->peer, (uint32_t)nhandles);
	if (!err && !(m = message_alloc((uint32_t)nbytes)))
		err = ARCHK_ERR_NO_MEMORY;
	if (!err)
		err = copy_from_guest(p, m->bytes, bytes, nbytes);
	if (err) {
		for (uint32_t i = 0; i < nhandles; i++)
			if (taken[i].obj)
				object_unref(taken[i].obj);
		if (m)
			message_free(m);
		return err;
	}
	if (txid)
		memcpy(m->bytes, &txid, sizeof(txid));
	m->nbytes = (uint32_t)nbytes;
	m->nhandles = (uint32_t)nhandles;
	memcpy(m->handles, taken, nhandles * sizeof(taken[0]));
	m->sender = p;
	object_ref(&p->obj);
	p->pending_messages++;
	p->pending_handles += m->nhandles;
	endpoint_deliver(src->peer, m);
	return 0;
}

/*
 * channel_write(h, bytes, nbytes, handles, nhandles): queues a message at
 * the peer. The syscall table declares it a reply: a reader or caller it
 * wakes goes to the writer's vCPU, which switches to it when the writer
 * blocks next (a server going back to wait for its next request).
 */
long sys_channel_write(struct thread *t, struct syscall_args *args)
{
	struct endpoint *e = (struct endpoint *)args->obj;

	return channel_send(t, e, args->a[1], args->a[2], args->a[3], args->a[4], 0);
}

/*
 * Hands message m to t: reports its size at actual (if not 0), then, if the
 * buffers are big enough and the handle table has room, copies the bytes and
 * installs the handles (their references pass to the new handles). On an
 * error nothing but the size is written and m is unchanged.
 */
static long message_receive(struct thread *t, struct message *m, uintptr_t bytes, uint64_t nbytes,
			    uintptr_t handles, uint64_t nhandles, uintptr_t actual)
{
	struct archk_channel_actual size = {m->nbytes, m->nhandles};
	archk_handle_t values[ARCHK_CHANNEL_MAX_HANDLES];
	struct handle_table *table = &t->proc->handles;
	long err;

	if (actual && (err = copy_to_guest(t->proc, actual, &size, sizeof(size))) < 0)
		return err;
	if (m->nbytes > nbytes || m->nhandles > nhandles)
		return ARCHK_ERR_TOO_LONG;
	if ((err = vm_check(t->proc, bytes, m->nbytes, HOOK_PROT_WRITE)) < 0 ||
	    (err = vm_check(t->proc, handles, m->nhandles * sizeof(values[0]), HOOK_PROT_WRITE)) <
		0)
		return err;
	if (HANDLES_PER_PROCESS - table->count < m->nhandles)
		return ARCHK_ERR_NO_MEMORY;
	for (uint32_t i = 0; i < m->nhandles; i++) {
		values[i] =
		    (archk_handle_t)handle_install(table, m->handles[i].obj, m->handles[i].rights);
		object_unref(m->handles[i].obj);
		m->handles[i].obj = NULL;
	}
	copy_to_guest(t->proc, bytes, m->bytes, m->nbytes);
	copy_to_guest(t->proc, handles, values, m->nhandles * sizeof(values[0]));
	return 0;
}

/* channel_read(h, bytes, nbytes, handles, nhandles, actual): takes the first message. */
long sys_channel_read(struct thread *t, struct syscall_args *args)
{
	struct endpoint *e = (struct endpoint *)args->obj;
	struct message *m = TAILQ_FIRST(&e->queue);
	long err;

	if (!m)
		return e->peer ? ARCHK_ERR_SHOULD_WAIT : ARCHK_ERR_PEER_CLOSED;
	err = message_receive(t, m, args->a[1], args->a[2], args->a[3], args->a[4], args->a[5]);
	if (err < 0)
		return err;
	TAILQ_REMOVE(&e->queue, m, link);
	e->queued--;
	e->queued_bytes -= m->nbytes;
	message_free(m);
	endpoint_refresh(e);
	if (e->peer)
		endpoint_refresh(e->peer);
	return 0;
}

/* channel_call's resume: receives the reply, which is consumed even if it does not fit. */
static long finish_call(struct thread *t, struct waiter *w, long status)
{
	const struct archk_channel_call_args *c = &w->call;
	struct message *m = w->reply;
	long err;

	if (status < 0)
		return status;
	w->reply = NULL;
	err = message_receive(t, m, (uintptr_t)c->rd_bytes, c->rd_num_bytes,
			      (uintptr_t)c->rd_handles, c->rd_num_handles, w->out);
	message_free(m);
	return err;
}

/* A caller died with its reply handed over but not received. */
static void release_call(struct waiter *w)
{
	if (w->reply)
		message_free(w->reply);
	w->reply = NULL;
}

/*
 * channel_call(h, args, deadline, actual): writes the request and blocks
 * until its reply arrives, the peer closes or the deadline passes.
 */
long sys_channel_call(struct thread *t, struct syscall_args *args)
{
	struct endpoint *e = (struct endpoint *)args->obj;
	struct archk_channel_call_args c;
	uintptr_t actual = args->a[3];
	struct waiter *w;
	uint32_t txid;
	long err;

	if ((err = copy_from_guest(t->proc, &c, args->a[1], sizeof(c))) < 0)
		return err;
	if (c.wr_num_bytes < sizeof(txid))
		return ARCHK_ERR_INVALID_ARGS;
	if ((actual && (err = vm_check(t->proc, actual, sizeof(struct archk_channel_actual),
				       HOOK_PROT_WRITE)) < 0) ||
	    (err = vm_check(t->proc, (uintptr_t)c.rd_bytes, c.rd_num_bytes, HOOK_PROT_WRITE)) < 0 ||
	    (err = vm_check(t->proc, (uintptr_t)c.rd_handles,
			    (uint64_t)c.rd_num_handles * sizeof(archk_handle_t), HOOK_PROT_WRITE)) <
		0)
		return err;
	if (!(w = waiter_alloc(t, finish_call)))
		return ARCHK_ERR_NO_MEMORY;
	txid = ARCHK_CHANNEL_TXID_KERNEL | (next_txid++ & ~ARCHK_CHANNEL_TXID_KERNEL);
	err = channel_send(t, e, (uintptr_t)c.wr_bytes, c.wr_num_bytes, (uintptr_t)c.wr_handles,
			   c.wr_num_handles, txid);
	if (err < 0) {
		waiter_free(t);
		return err;
	}
	w->call = c;
	w->out = actual;
	w->release = release_call;
	w->obj = &e->obj;
	object_ref(w->obj);
	w->txid = txid;
	waiter_block(t, &e->callers, (int64_t)args->a[2]);
	return 0;
}
