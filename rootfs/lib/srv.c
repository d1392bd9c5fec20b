/*
 * The server framework: see srv.h. One thread, one I/O queue; the only
 * system call that blocks is ioq_enter. A completion's user_data names
 * what it belongs to: a coroutine awaiting it (its address), a detached
 * request of a coroutine (the address with bit 0 set), or nothing (0: a
 * close, a deadline's CANCEL).
 */
#include "srv.h"

#define DETACHED 1u

long srv_loop_init(struct srv_loop *l, uint32_t entries, unsigned max_coroutines)
{
	long r;

	memset(l, 0, sizeof(*l));
	if ((r = archk_ioq_init(&l->q, entries, 0)) < 0)
		return r;
	l->all = calloc(max_coroutines, sizeof(*l->all));
	if (!l->all)
		return ARCHK_ERR_NO_MEMORY;
	l->all_max = max_coroutines;
	return 0;
}

/* Puts co on a list (head, tail). */
static void append(struct srv_co **head, struct srv_co **tail, struct srv_co *co)
{
	co->next = NULL;
	if (*tail)
		(*tail)->next = co;
	else
		*head = co;
	*tail = co;
}

static struct srv_co *take(struct srv_co **head, struct srv_co **tail)
{
	struct srv_co *co = *head;

	if (co) {
		*head = co->next;
		if (!*head)
			*tail = NULL;
	}
	return co;
}

long srv_start(struct srv_loop *l, struct srv_co *co, void (*run)(struct srv_co *co),
	       void (*done)(struct srv_co *co))
{
	if (l->all_count == l->all_max)
		return ARCHK_ERR_NO_MEMORY;
	l->all[l->all_count++] = co;
	co->loop = l;
	co->run = run;
	co->done = done;
	co->line = 0;
	co->deadline = 0;
	co->timed_out = co->in_flight = co->cancel_sent = false;
	co->detached = 0;
	co->detached_err = 0;
	co->pending_count = 0;
	append(&l->ready, &l->ready_tail, co);
	return 0;
}

void srv_ended(struct srv_co *co)
{
	struct srv_loop *l = co->loop;

	co->line = -1;
	for (unsigned i = 0; i < l->all_count; i++) {
		if (l->all[i] == co) {
			l->all[i] = l->all[--l->all_count];
			break;
		}
	}
	if (co->done && co->detached == 0) /* else when its last detached request completes */
		co->done(co);
}

/* Writes req into the ring, or false when the ring is full. */
static bool put(struct srv_loop *l, const struct archk_io_request *req)
{
	struct archk_io_request *slot = archk_ioq_request(&l->q);

	if (!slot)
		return false;
	*slot = *req;
	l->in_flight++;
	return true;
}

/* Puts req in the ring, or (back-pressure) keeps it with co until there is room, in order. */
static void submit(struct srv_co *co, const struct archk_io_request *req)
{
	struct srv_loop *l = co->loop;

	if (!l->waiting && put(l, req))
		return;
	if (co->pending_count == 0)
		append(&l->waiting, &l->waiting_tail, co);
	co->pending[co->pending_count++] = *req;
}

/* Submits do_io's op on h for co, its completion marked with user_data. */
static void submit_io(struct srv_co *co, int op, archk_handle_t h, const void *buf, uint64_t len,
		      uint64_t offset, uint64_t user_data)
{
	struct archk_io_request req = {.op = (uint8_t)op,
				       .handle = h,
				       .buf = (uintptr_t)buf,
				       .len = len,
				       .offset = offset,
				       .user_data = user_data};

	submit(co, &req);
}

void srv_io(struct srv_co *co, int op, archk_handle_t h, const void *buf, uint64_t len,
	    uint64_t offset)
{
	co->in_flight = true;
	co->timed_out = false;
	co->cancel_sent = false;
	if (co->deadline && (!co->loop->next_deadline || co->deadline < co->loop->next_deadline))
		co->loop->next_deadline = co->deadline;
	submit_io(co, op, h, buf, len, offset, (uintptr_t)co);
}

void srv_io_detached(struct srv_co *co, int op, archk_handle_t h, const void *buf, uint64_t len,
		     uint64_t offset)
{
	co->detached++;
	submit_io(co, op, h, buf, len, offset, (uintptr_t)co | DETACHED);
}

void srv_close(struct srv_loop *l, archk_handle_t h)
{
	struct archk_io_request req = {.op = ARCHK_IO_CLOSE, .handle = h};

	if (!put(l, &req))
		archk_handle_close(h);
}

void srv_deadline(struct srv_co *co, int64_t deadline)
{
	co->deadline = deadline;
}

void srv_yield(struct srv_co *co, long result)
{
	co->result = result;
	append(&co->loop->ready, &co->loop->ready_tail, co);
}

/* Moves requests that waited for room into the ring, in order. */
static void flush_waiting(struct srv_loop *l)
{
	struct srv_co *co;

	while ((co = l->waiting)) {
		while (co->pending_count && put(l, &co->pending[0])) {
			co->pending[0] = co->pending[1];
			co->pending_count--;
		}
		if (co->pending_count)
			return;
		take(&l->waiting, &l->waiting_tail);
	}
}

/* Cancels the requests in flight whose coroutines' deadlines have passed; the next deadline. */
static void expire(struct srv_loop *l, int64_t now)
{
	int64_t next = 0;

	for (unsigned i = 0; i < l->all_count; i++) {
		struct srv_co *co = l->all[i];
		struct archk_io_request cancel = {.op = ARCHK_IO_CANCEL, .offset = (uintptr_t)co};

		if (!co->in_flight || !co->deadline || co->cancel_sent || co->pending_count)
			continue;
		if (co->deadline <= now && put(l, &cancel)) {
			co->cancel_sent = true;
			co->timed_out = true;
		} else if (!next || co->deadline < next) {
			next = co->deadline;
		}
	}
	l->next_deadline = next;
}

/* Hands one completion to its owner. */
static void complete(struct srv_loop *l, const struct archk_io_completion *c)
{
	struct srv_co *co = (struct srv_co *)(uintptr_t)(c->user_data & ~(uint64_t)DETACHED);

	l->in_flight--;
	if (!co)
		return;
	if (c->user_data & DETACHED) {
		co->detached--;
		if (c->result < 0 && !co->detached_err)
			co->detached_err = c->result;
		if (co->line == -1 && co->detached == 0 && co->done)
			co->done(co); /* it ended while this was in flight */
		return;
	}
	co->in_flight = false;
	co->timed_out =
	    co->timed_out && c->result == ARCHK_ERR_CANCELLED; /* else it won the race */
	co->result = c->result;
	co->run(co);
}

long srv_run(struct srv_loop *l)
{
	for (;;) {
		struct srv_co *co;
		struct archk_io_completion *c;
		int64_t deadline = ARCHK_DEADLINE_INFINITE;
		long r;

		while ((co = take(&l->ready, &l->ready_tail)))
			co->run(co);
		if (l->next_deadline && l->next_deadline <= archk_clock_read(ARCHK_CLOCK_MONOTONIC))
			expire(l, archk_clock_read(ARCHK_CLOCK_MONOTONIC));
		if (!l->in_flight && !l->waiting && !l->ready)
			return 0;
		if (l->next_deadline)
			deadline = l->next_deadline;
		r = archk_ioq_enter(&l->q, l->ready ? 0 : 1, deadline);
		if (r < 0 && r != ARCHK_ERR_SHOULD_WAIT)
			return r;
		while ((c = archk_ioq_peek(&l->q))) {
			struct archk_io_completion copy = *c;

			archk_ioq_seen(&l->q);
			complete(l, &copy);
		}
		flush_waiting(l);
	}
}
