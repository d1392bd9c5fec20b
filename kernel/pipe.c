/*
 * Pipes: a byte stream from a write end to a read end through a bounded
 * buffer in the kernel (docs/abi.md, "Pipes").
 *
 * Both ends are objects of type PIPE sharing one struct pipe, which holds
 * the buffer (a ring of ARCHK_PIPE_BUFFER_BYTES) and the requests that wait:
 * a READ while the buffer is empty, a WRITE while it is full (back-pressure).
 * A waiting WRITE has its unwritten bytes staged in its request, so it
 * never needs its client's memory again. Whoever changes the buffer settles
 * the pipe under the kernel lock: waiting READs take bytes, waiting WRITEs
 * put theirs, oldest first, and complete. No lock is ever dropped.
 *
 * A waiting request does not keep its end open: it gives back the reference
 * io_req_prepare took, so the end dies with its last handle, and dying
 * completes what waits on it (CANCELLED) and tells the other end
 * (PEER_CLOSED). The struct pipe goes when both ends are gone.
 */
#include <string.h>
#include "arena.h"
#include "io.h"
#include "pipe.h"
#include "wait.h"

#define MAX_PIPES   256
#define PIPE_BYTES  ARCHK_PIPE_BUFFER_BYTES
#define END_SIGNALS (ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_WRITABLE | ARCHK_SIGNAL_PEER_CLOSED)

struct pipe;

struct pipe_end {
	struct object obj;
	struct pipe *pipe;
};

struct pipe {
	struct pipe_end *reader, *writer; /* NULL once that end is destroyed */
	struct io_req_list reads;	  /* waiting READs, oldest first */
	struct io_req_list writes;	  /* waiting WRITEs, oldest first */
	uint32_t head;			  /* the oldest buffered byte */
	uint32_t count;			  /* bytes buffered */
	uint8_t data[PIPE_BYTES];
};

static struct arena pipe_arena, end_arena;
/* Bytes on their way from the ring to a reader; one user at a time under the lock. */
static uint8_t bounce[PIPE_BYTES];

static struct pipe *pipe_of(struct object *obj)
{
	return ((struct pipe_end *)obj)->pipe;
}

static uint32_t room(const struct pipe *p)
{
	return PIPE_BYTES - p->count;
}

/* What one READ or WRITE moves at most. */
static size_t clip(uint64_t len)
{
	return len < PIPE_BYTES ? (size_t)len : PIPE_BYTES;
}

/* Appends n bytes (n <= room) at the ring's tail. */
static void ring_put(struct pipe *p, const uint8_t *src, size_t n)
{
	size_t tail = (p->head + p->count) % PIPE_BYTES;
	size_t first = n < PIPE_BYTES - tail ? n : PIPE_BYTES - tail;

	memcpy(p->data + tail, src, first);
	memcpy(p->data, src + first, n - first);
	p->count += (uint32_t)n;
}

/* Copies the n oldest bytes (n <= count) out without consuming them. */
static void ring_peek(const struct pipe *p, uint8_t *dst, size_t n)
{
	size_t first = n < PIPE_BYTES - p->head ? n : PIPE_BYTES - p->head;

	memcpy(dst, p->data + p->head, first);
	memcpy(dst + first, p->data, n - first);
}

static void ring_drop(struct pipe *p, size_t n)
{
	p->head = (uint32_t)((p->head + n) % PIPE_BYTES);
	p->count -= (uint32_t)n;
}

/* Recomputes both ends' signals from the pipe's state. */
static void pipe_refresh(struct pipe *p)
{
	if (p->reader)
		object_signal_update(&p->reader->obj, END_SIGNALS,
				     (p->count ? ARCHK_SIGNAL_READABLE : 0) |
					 (p->writer ? 0 : ARCHK_SIGNAL_PEER_CLOSED));
	if (p->writer)
		object_signal_update(&p->writer->obj, END_SIGNALS,
				     !p->reader				  ? ARCHK_SIGNAL_PEER_CLOSED
				     : room(p) && TAILQ_EMPTY(&p->writes) ? ARCHK_SIGNAL_WRITABLE
									  : 0);
}

/* Gives READ r the oldest bytes: their count, or an error with nothing consumed. */
static long take(struct pipe *p, struct io_req *r)
{
	size_t n = clip(r->len) < p->count ? clip(r->len) : p->count;
	long given;

	ring_peek(p, bounce, n);
	given = io_req_give(r, bounce, n);
	if (given > 0)
		ring_drop(p, (size_t)given);
	return given;
}

/* Moves what fits of waiting WRITE w's staged bytes into the ring; true when all went. */
static bool put_staged(struct pipe *p, struct io_req *w)
{
	size_t n = w->data_len < room(p) ? w->data_len : room(p);

	ring_put(p, w->data, n);
	memmove(w->data, w->data + n, w->data_len - n);
	w->data_len -= (uint32_t)n;
	return w->data_len == 0;
}

/*
 * A waiting request leaves its list with result. A WRITE that succeeds has
 * put all its staged bytes, so nothing is delivered to its client.
 */
static void finish(struct io_req_list *list, struct io_req *r, long result)
{
	TAILQ_REMOVE(list, r, server_link);
	io_req_complete(r, result);
}

/*
 * Lets the waiting requests make progress after a change: READs take bytes
 * while there are some, WRITEs put theirs while there is room, each in the
 * order they came. A READ whose buffer went bad meanwhile fails alone.
 */
static void pipe_settle(struct pipe *p)
{
	struct io_req *r;

	ASSERT_LOCKED();
	for (;;) {
		if ((r = TAILQ_FIRST(&p->reads)) && p->count)
			finish(&p->reads, r, take(p, r));
		else if ((r = TAILQ_FIRST(&p->writes)) && room(p)) {
			if (put_staged(p, r))
				finish(&p->writes, r, (long)clip(r->len));
		} else
			break;
	}
	pipe_refresh(p);
}

/* CANCEL, or the end of the client's process: the request just leaves its list. */
static void pipe_cancel(struct io_req *r)
{
	struct pipe *p = r->pending_on;

	TAILQ_REMOVE(r->op == ARCHK_IO_READ ? &p->reads : &p->writes, r, server_link);
	pipe_refresh(p);
}

/*
 * r waits on list. It gives back its reference to the end: the handles
 * alone keep an end open, and its destruction completes r.
 */
static long wait_on(struct pipe *p, struct io_req_list *list, struct io_req *r)
{
	KASSERT(r->obj->refcount > 1); /* the handle r came through is still open */
	object_unref(r->obj);
	r->obj = NULL;
	r->pending_on = p;
	r->cancel = pipe_cancel;
	TAILQ_INSERT_TAIL(list, r, server_link);
	pipe_refresh(p);
	return IO_PENDING;
}

/* READ (buf, len, -): the oldest bytes, 0 at the end, or waits while the pipe is empty. */
static long pipe_read(struct io_req *r)
{
	struct pipe *p = pipe_of(r->obj);
	long n;

	KASSERT(&p->reader->obj == r->obj); /* only the read end carries READ */
	if (vm_check(r->proc, r->buf, clip(r->len), HOOK_PROT_WRITE) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (r->len == 0)
		return 0;
	if (!p->count)
		return p->writer ? wait_on(p, &p->reads, r) : 0;
	n = take(p, r);
	pipe_settle(p);
	return n;
}

/*
 * WRITE (buf, len, -): all of the first ARCHK_PIPE_BUFFER_BYTES bytes go
 * into the pipe before it completes. What does not fit now (or must queue
 * behind earlier writes) is staged and the request waits for room.
 */
static long pipe_write(struct io_req *r)
{
	struct pipe *p = pipe_of(r->obj);
	size_t len = clip(r->len), now = 0;
	long err;

	KASSERT(&p->writer->obj == r->obj); /* only the write end carries WRITE */
	if (vm_check(r->proc, r->buf, len, HOOK_PROT_READ) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (!p->reader)
		return ARCHK_ERR_PEER_CLOSED;
	if (TAILQ_EMPTY(&p->writes)) {
		now = len < room(p) ? len : room(p);
		/* The client runs this call: its checked memory is readable here. */
		ring_put(p, (const uint8_t *)r->buf, now);
		pipe_settle(p);
	}
	if (now == len)
		return (long)len;
	err = io_req_stage_from_guest(r, r->proc, r->buf + now, len - now);
	if (err < 0)
		return now ? (long)now : err; /* no staging memory: a short write */
	return wait_on(p, &p->writes, r);
}

/* GET_META: a stream; size is the number of bytes buffered. */
static long pipe_get_meta(struct io_req *r)
{
	struct archk_meta meta = {.type = ARCHK_OBJ_PIPE,
				  .koid = r->obj->koid,
				  .kind = ARCHK_KIND_STREAM,
				  .size = pipe_of(r->obj)->count};

	return copy_to_guest(r->proc, r->buf, &meta, sizeof(meta));
}

/* Completes every request waiting on list with result. */
static void finish_all(struct io_req_list *list, long result)
{
	struct io_req *r;

	while ((r = TAILQ_FIRST(list)))
		finish(list, r, result);
}

/*
 * The last handle of an end is gone. What waits on it is cancelled; the
 * other side learns: writers get PEER_CLOSED (the bytes buffered are
 * dropped, nobody can read them), readers the end of the stream.
 */
static void end_destroy(struct object *obj)
{
	struct pipe_end *e = (struct pipe_end *)obj;
	struct pipe *p = e->pipe;

	if (p->reader == e) {
		p->reader = NULL;
		finish_all(&p->reads, ARCHK_ERR_CANCELLED);
		finish_all(&p->writes, ARCHK_ERR_PEER_CLOSED);
		p->count = 0;
	} else {
		p->writer = NULL;
		finish_all(&p->writes, ARCHK_ERR_CANCELLED);
		finish_all(&p->reads, 0); /* readers wait only while the buffer is empty */
	}
	pipe_refresh(p);
	arena_free(&end_arena, e);
	if (!p->reader && !p->writer)
		arena_free(&pipe_arena, p);
}

static const struct object_type pipe_type = {.name = "pipe", .destroy = end_destroy};

static struct pipe_end *end_new(struct pipe *p)
{
	struct pipe_end *e = arena_alloc(&end_arena);

	if (e) {
		object_init(&e->obj, ARCHK_OBJ_PIPE);
		e->pipe = p;
	}
	return e;
}

long sys_pipe_create(struct thread *t, struct syscall_args *args)
{
	struct pipe *p;
	long err;

	if ((err = vm_check(t->proc, args->a[0], 2 * sizeof(archk_handle_t), HOOK_PROT_WRITE)) < 0)
		return err;
	if (!(p = arena_alloc(&pipe_arena)))
		return ARCHK_ERR_NO_MEMORY;
	TAILQ_INIT(&p->reads);
	TAILQ_INIT(&p->writes);
	if (!(p->reader = end_new(p)) || !(p->writer = end_new(p))) {
		if (p->reader)
			object_unref(&p->reader->obj); /* frees p with it */
		else
			arena_free(&pipe_arena, p);
		return ARCHK_ERR_NO_MEMORY;
	}
	pipe_refresh(p);
	return handle_install_pair(t, &p->reader->obj, &p->writer->obj, ARCHK_RIGHTS_PIPE_READ,
				   ARCHK_RIGHTS_PIPE_WRITE, args->a[0]);
}

int pipe_init(void)
{
	object_type_register(ARCHK_OBJ_PIPE, &pipe_type);
	io_register(ARCHK_OBJ_PIPE, ARCHK_IO_READ, pipe_read);
	io_register(ARCHK_OBJ_PIPE, ARCHK_IO_WRITE, pipe_write);
	io_register(ARCHK_OBJ_PIPE, ARCHK_IO_GET_META, pipe_get_meta);
	if (arena_init(&pipe_arena, "pipe", sizeof(struct pipe), MAX_PIPES) ||
	    arena_init(&end_arena, "pipe_end", sizeof(struct pipe_end), 2 * MAX_PIPES))
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}
