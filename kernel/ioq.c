/*
 * I/O queues: a request ring and a completion ring in memory shared between
 * a guest and archk (docs/abi.md, "I/O queues").
 *
 * The rings live in a VMO that archk maps into the creator's partition and
 * reads and writes through its own view, so posting a completion never
 * depends on the partition being open or on what the guest did to its
 * mapping. archk keeps its own copy of the indices it owns (req_head,
 * cmp_tail) and validates the ones the guest owns (req_tail, cmp_head) on
 * every use; a guest that corrupts them breaks only its queue.
 *
 * No completion is ever dropped: a request is taken only when the
 * completion ring has room for it and for every request still in flight
 * (back-pressure); the rest wait in the request ring.
 */
#include <string.h>
#include "arena.h"
#include "ioq.h"
#include "ring.h"
#include "syscall.h"
#include "vmo.h"
#include "wait.h"

#define MAX_QUEUES	 256
#define CMP_ENTRIES_MAX	 (2 * ARCHK_IOQ_ENTRIES_MAX)
#define POLL_REST_NS	 10000000 /* a polled queue idle this long stops being polled */
#define POLL_INTERVAL_NS 2000	  /* how long an idle vCPU waits between polls */
#define IO_GUARD_MAX	 ARCHK_TABLE_DATA_MAX /* bytes of a buffer --strict-buffers closes */
struct ioq {
	struct object obj;
	struct process *owner; /* the ring is in its partition; the queue dies with its handles */
	struct vmo *vmo;       /* the ring memory (referenced) */
	struct archk_ioq_ring *ring; /* archk's view of it */
	struct archk_io_request *requests;
	struct archk_io_completion *completions;
	uintptr_t guest_addr;
	uint32_t req_entries, cmp_entries;
	uint32_t req_head;    /* archk's copy of the index it owns */
	uint32_t cmp_tail;    /* likewise */
	uint32_t cmp_head;    /* the guest's cmp_head when archk last checked it */
	uint32_t in_flight;   /* taken and not yet posted */
	uint32_t undelivered; /* finished, waiting for the partition to open */
	bool broken;
	bool poll;
	int64_t last_active;	    /* polled queues: when requests last came */
	struct io_req_list pending; /* requests a handler has not completed yet */
	struct thread_list waiters; /* in ioq_enter, waiting for completions */
	LIST_ENTRY(ioq) all_link;
	LIST_ENTRY(ioq) owner_link;
};

static struct arena ioq_arena;
static LIST_HEAD(, ioq) all_queues;

static struct ioq *ioq_from_object(struct object *o)
{
	return (struct ioq *)o;
}

/* Completions the guest has not consumed, counting those waiting for delivery. */
static uint32_t ready_count(const struct ioq *q)
{
	return q->cmp_tail - q->cmp_head + q->undelivered;
}

/* Wakes ioq_enter callers whose wanted number of completions is there now. */
static void wake_waiters(struct ioq *q)
{
	struct thread *t, *next;

	for (t = TAILQ_FIRST(&q->waiters); t; t = next) {
		next = TAILQ_NEXT(t, run_link);
		if (ready_count(q) >= t->wait.ioq.min)
			thread_wake(t, t->wait.ioq.taken, NULL);
	}
}

static void set_ring_flag(struct ioq *q, uint32_t flag, bool on)
{
	uint32_t flags = q->ring->flags;

	__atomic_store_n(&q->ring->flags, on ? flags | flag : flags & ~flag, __ATOMIC_RELEASE);
}

/*
 * Writes one completion into the slot reserved when the request was taken.
 * The guest sees it only at the next publish, so a batch costs one release
 * store, one signal update and one look at the waiters.
 */
static void write_completion(struct ioq *q, uint64_t user_data, long result)
{
	struct archk_io_completion *c = &q->completions[q->cmp_tail & (q->cmp_entries - 1)];

	c->result = result;
	c->user_data = user_data;
	q->cmp_tail++;
	q->in_flight--;
}

/* Makes the completions written so far visible to the guest and its waiters. */
static void publish(struct ioq *q)
{
	if (__atomic_load_n(&q->ring->cmp_tail, __ATOMIC_RELAXED) == q->cmp_tail)
		return;
	__atomic_store_n(&q->ring->cmp_tail, q->cmp_tail, __ATOMIC_RELEASE);
	object_signal_update(&q->obj, 0, ARCHK_SIGNAL_READABLE);
	wake_waiters(q);
}

/* Delivers r's results, writes its completion and frees it (not yet published). */
static void retire(struct io_req *r)
{
	write_completion(r->queue, r->user_data, io_deliver(r));
	io_req_release(r);
	io_req_free(r);
}

/* Writes r's completion into its ring (the client's partition is open) and frees r. */
static void ioq_post(struct io_req *r)
{
	struct ioq *q = r->queue;

	retire(r);
	publish(q);
}

void ioq_request_done(struct io_req *r)
{
	struct ioq *q = r->queue;

	TAILQ_REMOVE(&q->pending, r, link);
	if (io_client_open(r->proc)) {
		ioq_post(r);
		return;
	}
	TAILQ_INSERT_TAIL(&r->proc->deliveries, r, link);
	q->undelivered++;
	object_signal_update(&q->obj, 0, ARCHK_SIGNAL_READABLE);
	wake_waiters(q);
}

void io_deliver_deferred(struct process *p)
{
	struct io_req *r;

	while ((r = TAILQ_FIRST(&p->deliveries))) {
		TAILQ_REMOVE(&p->deliveries, r, link);
		r->queue->undelivered--;
		ioq_post(r);
	}
}

/* Ops whose buffer the request owns while in flight. */
static bool uses_buffer(int op)
{
	return op != ARCHK_IO_SEEK && op != ARCHK_IO_SHARE && op != ARCHK_IO_CLOSE &&
	       op != ARCHK_IO_CANCEL && op != ARCHK_IO_NOP && op != ARCHK_IO_SYNC;
}

/*
 * Does [buf, buf+len) overlap a buffer an in-flight request of q owns?
 * Under --strict-buffers ownership goes by whole pages, since that is what
 * gets closed.
 */
static bool buffer_busy(const struct ioq *q, uint64_t buf, uint64_t len)
{
	uint64_t grain = kconfig.strict_buffers ? PAGE_SIZE : 1;
	uint64_t start = ALIGN_DOWN(buf, grain), end = ALIGN_UP(buf + len, grain);
	const struct io_req *r;

	if (len == 0)
		return false;
	TAILQ_FOREACH(r, &q->pending, link)
		if (uses_buffer(r->op) && r->len && start < ALIGN_UP(r->buf + r->len, grain) &&
		    ALIGN_DOWN(r->buf, grain) < end)
			return true;
	return false;
}

/*
 * The pages --strict-buffers closes for a request: those of its buffer, but
 * never more than IO_GUARD_MAX bytes of it (no handler uses more) and never
 * outside its owner's partition. Empty (start == end) if nothing is left.
 */
static void buffer_pages(const struct io_req *r, uintptr_t *start, uintptr_t *end)
{
	const struct process *p = r->proc;
	uint64_t len = r->len < IO_GUARD_MAX ? r->len : IO_GUARD_MAX;
	uintptr_t lo = r->buf > p->base ? r->buf : p->base;
	uintptr_t hi = r->buf + len < p->base + p->size ? r->buf + len : p->base + p->size;

	*start = ALIGN_DOWN(lo, PAGE_SIZE);
	*end = hi > lo ? ALIGN_UP(hi, PAGE_SIZE) : *start;
}

bool ioq_range_guarded(const struct process *p, uintptr_t addr, size_t len)
{
	const struct ioq *q;
	const struct io_req *r;
	uintptr_t start, end;

	LIST_FOREACH(q, &p->ioqs, owner_link) {
		TAILQ_FOREACH(r, &q->pending, link) {
			buffer_pages(r, &start, &end);
			if (r->guarded && addr < end && start < addr + len)
				return true;
		}
	}
	return false;
}

/*
 * --strict-buffers: a request that stays in flight makes the pages of its
 * buffer inaccessible, so a guest touching a buffer it gave away faults at
 * once instead of racing archk. Whole pages are closed: anything sharing
 * them faults too, which docs/abi.md tells guests to avoid.
 */
static void guard(struct io_req *r)
{
	uintptr_t start, end;

	if (!kconfig.strict_buffers || !uses_buffer(r->op) || r->len == 0 ||
	    r->proc->state != PROCESS_ALIVE)
		return;
	buffer_pages(r, &start, &end);
	if (start == end)
		return;
	r->guarded = true;
	r->proc->guarded_requests++;
	hook_protect(start, end - start, 0);
}

void ioq_unguard(struct io_req *r)
{
	uintptr_t start, end;

	if (!r->guarded)
		return;
	r->guarded = false;
	r->proc->guarded_requests--;
	if (!io_client_open(r->proc))
		return; /* opening the partition restores the pages */
	buffer_pages(r, &start, &end);
	for (uintptr_t page = start; page < end; page += PAGE_SIZE)
		if (!ioq_range_guarded(r->proc, page, PAGE_SIZE))
			hook_protect(page, PAGE_SIZE, vm_prot_at(r->proc, page));
}

void ioq_guard_owned(struct process *p)
{
	struct ioq *q;
	struct io_req *r;
	uintptr_t start, end;

	LIST_FOREACH(q, &p->ioqs, owner_link) {
		TAILQ_FOREACH(r, &q->pending, link) {
			buffer_pages(r, &start, &end);
			if (r->guarded)
				hook_protect(start, end - start, 0);
		}
	}
}

/* The checks do_io gets from the dispatcher, plus the ring's own; 0 or an error. */
static long check_request(struct ioq *q, const struct archk_io_request *req,
			  struct handle_entry **e)
{
	long err;

	if (req->flags || req->reserved[0] || req->reserved[1])
		return ARCHK_ERR_INVALID_ARGS;
	*e = NULL;
	/* A ring's NOP and CANCEL name no object (CANCEL means this queue). */
	if (req->op != ARCHK_IO_NOP && req->op != ARCHK_IO_CANCEL &&
	    (err = io_check(q->owner, req->handle, req->op, e)) < 0)
		return err;
	if (uses_buffer(req->op) && req->buf + req->len < req->buf)
		return ARCHK_ERR_BAD_ADDRESS;
	if (uses_buffer(req->op) && buffer_busy(q, req->buf, req->len))
		return ARCHK_ERR_BUSY;
	return 0;
}

/* Takes one request from the ring: runs it, or leaves it pending. */
static void start_request(struct ioq *q, const struct archk_io_request *req)
{
	const uint64_t args[4] = {req->buf, req->len, req->offset, req->handles};
	struct handle_entry *e;
	struct io_req *r;
	long result;

	q->in_flight++;
	if ((result = check_request(q, req, &e)) == 0 && req->op == ARCHK_IO_NOP)
		result = io_check_passed_handles(q->owner, req->handles, req->handle_count);
	if (result < 0 || req->op == ARCHK_IO_NOP) {
		write_completion(q, req->user_data, result); /* a NOP needs no request record */
		return;
	}
	if (req->op == ARCHK_IO_CLOSE) {
		write_completion(q, req->user_data, handle_close(&q->owner->handles, req->handle));
		return;
	}
	if (!(r = io_req_alloc())) {
		write_completion(q, req->user_data, ARCHK_ERR_NO_MEMORY);
		return;
	}
	/* CANCEL names no handle: it means this queue. */
	io_req_prepare(r, q->owner, e ? e->obj : &q->obj, e ? e->rights : 0, req->op, args);
	r->queue = q;
	r->user_data = req->user_data;
	result = io_req_take_handles(r, req->handles, req->handle_count);
	if (result == 0 && (result = io_start(r)) == IO_PENDING) {
		TAILQ_INSERT_TAIL(&q->pending, r, link);
		guard(r);
		return;
	}
	r->result = result;
	retire(r);
}

/* Frees what a dead or broken queue still has in flight, without completions. */
static void drop_in_flight(struct ioq *q)
{
	struct io_req *r, *next;

	while ((r = TAILQ_FIRST(&q->pending))) {
		TAILQ_REMOVE(&q->pending, r, link);
		if (r->cancel)
			r->cancel(r);
		ioq_unguard(r);
		io_req_release(r);
		io_req_free(r);
	}
	for (r = TAILQ_FIRST(&q->owner->deliveries); r; r = next) {
		next = TAILQ_NEXT(r, link);
		if (r->queue != q)
			continue;
		TAILQ_REMOVE(&q->owner->deliveries, r, link);
		io_req_release(r);
		io_req_free(r);
	}
	q->undelivered = 0;
}

/* The guest corrupted an index: the queue stops, archk goes on. */
static long break_queue(struct ioq *q)
{
	klog(LOG_INFO, "%s[%lu]: I/O queue indices corrupted; queue stopped", q->owner->name,
	     (unsigned long)q->owner->obj.koid);
	q->broken = true;
	set_ring_flag(q, ARCHK_IOQ_RING_BROKEN, true);
	drop_in_flight(q);
	while (!TAILQ_EMPTY(&q->waiters))
		thread_wake(TAILQ_FIRST(&q->waiters), ARCHK_ERR_BAD_STATE, NULL);
	return ARCHK_ERR_BAD_STATE;
}

/*
 * Reads the guest's indices: req_tail may be at most a ring ahead of
 * req_head, and cmp_head may only have moved forward, not past cmp_tail.
 */
static bool read_indices(struct ioq *q, uint32_t *tail)
{
	uint32_t cmp_head = __atomic_load_n(&q->ring->cmp_head, __ATOMIC_ACQUIRE);

	*tail = __atomic_load_n(&q->ring->req_tail, __ATOMIC_ACQUIRE);
	if (!ring_tail_valid(q->req_head, *tail, q->req_entries) ||
	    !ring_head_valid(q->cmp_head, cmp_head, q->cmp_tail))
		return false;
	q->cmp_head = cmp_head;
	return true;
}

/*
 * Takes every new request there is room for. Returns how many, or
 * SHOULD_WAIT if requests wait but back-pressure let none in, or BAD_STATE.
 * The caller holds a reference to q: a request may close the queue's last
 * handle or end its owner, and then the rest wait (they die with the queue).
 */
static long intake(struct ioq *q)
{
	struct archk_io_request req;
	uint32_t tail;
	long taken = 0;

	ASSERT_LOCKED();
	if (q->broken)
		return ARCHK_ERR_BAD_STATE;
	if (!read_indices(q, &tail))
		return break_queue(q);
	while (q->req_head != tail && q->owner->state == PROCESS_ALIVE) {
		if (!ring_has_room(q->cmp_head, q->cmp_tail, q->in_flight, q->cmp_entries))
			break;
		/* A copy: the guest may rewrite the slot while archk works on it. */
		req = q->requests[q->req_head++ & (q->req_entries - 1)];
		start_request(q, &req);
		taken++;
	}
	__atomic_store_n(&q->ring->req_head, q->req_head, __ATOMIC_RELEASE);
	publish(q);
	set_ring_flag(q, ARCHK_IOQ_RING_BACKPRESSURE, q->req_head != tail);
	if (ready_count(q) == 0)
		object_signal_update(&q->obj, ARCHK_SIGNAL_READABLE, 0);
	return taken == 0 && q->req_head != tail ? ARCHK_ERR_SHOULD_WAIT : taken;
}

/* CANCEL (-, -, user_data) on a queue: the request in flight with that user_data. */
static long ioq_cancel(struct io_req *r)
{
	struct ioq *q = ioq_from_object(r->obj);
	struct io_req *target;

	TAILQ_FOREACH(target, &q->pending, link) {
		if (target->user_data != r->offset || target == r)
			continue;
		target->cancel(target);
		io_req_complete(target, ARCHK_ERR_CANCELLED);
		return 0;
	}
	return ARCHK_ERR_NOT_FOUND;
}

/* The guest may have unmapped the ring and put something else there. */
static bool ring_still_mapped(const struct ioq *q)
{
	const struct map_area *maps = &q->owner->maps;
	int i = map_area_find(maps, q->guest_addr, 1);

	return i >= 0 && maps->maps[i].start == q->guest_addr && maps->maps[i].obj == &q->vmo->obj;
}

static void ioq_destroy(struct object *obj)
{
	struct ioq *q = ioq_from_object(obj);

	LIST_REMOVE(q, all_link);
	drop_in_flight(q);
	LIST_REMOVE(q, owner_link);
	while (!TAILQ_EMPTY(&q->waiters))
		thread_wake(TAILQ_FIRST(&q->waiters), ARCHK_ERR_CANCELLED, NULL);
	if (q->owner->state == PROCESS_ALIVE && q->owner->slot && ring_still_mapped(q))
		vm_unmap(q->owner, q->guest_addr, q->vmo->size, true);
	q->owner->ioq_count--;
	object_unref(&q->owner->obj);
	object_unref(&q->vmo->obj);
	arena_free(&ioq_arena, q);
}

/*
 * READABLE depends on how far the guest has read, which it tells nobody:
 * waits look at its cmp_head through this before they check the signal.
 */
static void ioq_refresh(struct object *obj)
{
	struct ioq *q = ioq_from_object(obj);
	uint32_t head = __atomic_load_n(&q->ring->cmp_head, __ATOMIC_ACQUIRE);
	bool unread =
	    q->undelivered || (head != q->cmp_tail && q->cmp_tail - head <= q->cmp_entries);

	object_signal_update(obj, unread ? 0 : ARCHK_SIGNAL_READABLE,
			     unread ? ARCHK_SIGNAL_READABLE : 0);
}

static const struct object_type ioq_type = {
    .name = "ioq", .destroy = ioq_destroy, .refresh = ioq_refresh};

static bool power_of_two(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* Validates and completes the entry counts of params. */
static long check_params(struct archk_ioq_params *params)
{
	if (!power_of_two(params->request_entries) ||
	    params->request_entries > ARCHK_IOQ_ENTRIES_MAX || params->reserved ||
	    (params->flags & ~ARCHK_IOQ_POLL))
		return ARCHK_ERR_INVALID_ARGS;
	if (params->completion_entries == 0)
		params->completion_entries = 2 * params->request_entries;
	if (!power_of_two(params->completion_entries) ||
	    params->completion_entries < params->request_entries ||
	    params->completion_entries > CMP_ENTRIES_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	return 0;
}

/* Lays out the ring header in fresh zeroed ring memory. */
static void ring_init(struct ioq *q, const struct archk_ioq_params *params)
{
	uint8_t *base = q->vmo->view;

	q->ring = (struct archk_ioq_ring *)base;
	q->req_entries = params->request_entries;
	q->cmp_entries = params->completion_entries;
	q->ring->req_mask = q->req_entries - 1;
	q->ring->cmp_mask = q->cmp_entries - 1;
	q->ring->requests = sizeof(struct archk_ioq_ring);
	q->ring->completions =
	    q->ring->requests + (uint64_t)q->req_entries * sizeof(struct archk_io_request);
	q->requests = (struct archk_io_request *)(base + q->ring->requests);
	q->completions = (struct archk_io_completion *)(base + q->ring->completions);
}

/* ioq_create(params): a queue whose rings are mapped into the caller. */
long sys_ioq_create(struct thread *t, struct syscall_args *args)
{
	struct archk_ioq_params params;
	struct process *p = t->proc;
	struct ioq *q;
	long err, addr, h;

	if ((err = copy_from_guest(p, &params, args->a[0], sizeof(params))) < 0 ||
	    (err = check_params(&params)) < 0)
		return err;
	if (p->ioq_count >= ARCHK_IOQ_PER_PROCESS || !(q = arena_alloc(&ioq_arena)))
		return ARCHK_ERR_NO_MEMORY;
	err =
	    vmo_create(sizeof(struct archk_ioq_ring) +
			   (uint64_t)params.request_entries * sizeof(struct archk_io_request) +
			   (uint64_t)params.completion_entries * sizeof(struct archk_io_completion),
		       &q->vmo);
	if (err < 0) {
		arena_free(&ioq_arena, q);
		return err;
	}
	addr = vm_map(p, q->vmo->size, HOOK_PROT_READ | HOOK_PROT_WRITE, q->vmo, 0);
	if (addr < 0) {
		object_unref(&q->vmo->obj);
		arena_free(&ioq_arena, q);
		return addr;
	}
	object_init(&q->obj, ARCHK_OBJ_IOQ);
	q->owner = p;
	object_ref(&p->obj);
	p->ioq_count++;
	LIST_INSERT_HEAD(&p->ioqs, q, owner_link);
	q->guest_addr = (uintptr_t)addr;
	TAILQ_INIT(&q->pending);
	TAILQ_INIT(&q->waiters);
	ring_init(q, &params);
	if (params.flags & ARCHK_IOQ_POLL) {
		q->poll = true;
		q->last_active = hook_clock(ARCHK_CLOCK_MONOTONIC);
		kick_idle_vcpu();
	}
	LIST_INSERT_HEAD(&all_queues, q, all_link);
	params.ring = (uint64_t)addr;
	params.ring_size = q->vmo->size;
	h = handle_install(&p->handles, &q->obj, ARCHK_RIGHTS_IOQ);
	object_unref(&q->obj);
	if (h >= 0 && (err = copy_to_guest(p, args->a[0], &params, sizeof(params))) < 0) {
		handle_close(&p->handles, (archk_handle_t)h);
		return err;
	}
	return h;
}

/*
 * ioq_enter(queue, min_complete, deadline): takes new requests, then waits
 * until min_complete completions are unread or the deadline passes. The
 * result is the number of requests taken either way.
 */
long sys_ioq_enter(struct thread *t, struct syscall_args *args)
{
	struct ioq *q = ioq_from_object(args->obj);
	uint32_t min = (uint32_t)args->a[1];
	int64_t deadline = (int64_t)args->a[2];
	long taken;

	if (args->a[1] > q->cmp_entries)
		return ARCHK_ERR_INVALID_ARGS;
	taken = intake(q); /* (the dispatcher's reference keeps q) */
	if (t->state != THREAD_RUNNING)
		return taken; /* a request ended the caller's own process */
	if (q->poll) {
		q->last_active = hook_clock(ARCHK_CLOCK_MONOTONIC);
		set_ring_flag(q, ARCHK_IOQ_RING_NEED_ENTER, false);
		kick_idle_vcpu(); /* an idle vCPU may sleep without a timeout: it starts polling */
	}
	if (taken == ARCHK_ERR_SHOULD_WAIT && min > 0)
		taken = 0;
	if (taken < 0 || min == 0 || ready_count(q) >= min || deadline_passed(deadline))
		return taken;
	thread_block(t, &q->waiters);
	t->wait.kind = WAIT_IOQ;
	t->wait.ioq.min = min;
	t->wait.ioq.taken = (uint32_t)taken;
	if (deadline != ARCHK_DEADLINE_INFINITE)
		thread_wake_at(t, deadline, taken);
	return 0;
}

/* Is q a polled queue that has not come to rest? */
static bool polling(const struct ioq *q)
{
	return q->poll && !q->broken && !(q->ring->flags & ARCHK_IOQ_RING_NEED_ENTER);
}

/*
 * A vCPU about to idle takes the published requests of every queue whose
 * owner it may hold, without being asked. Polled queues are looked at again
 * every POLL_INTERVAL_NS until they rest (ioq_poll_interval).
 */
bool ioq_poll_idle(struct vcpu *v)
{
	int64_t now;
	bool worked = false;
	struct ioq *q, *next;

	ASSERT_LOCKED();
	if (LIST_EMPTY(&all_queues))
		return false; /* the common case: no clock read on the way to idle */
	now = hook_clock(ARCHK_CLOCK_MONOTONIC);

	/*
	 * Hand over hand: the queue being served and the next one are referenced,
	 * since serving one may destroy others (its owner ends, a CLOSE).
	 */
	q = LIST_FIRST(&all_queues);
	object_ref(&q->obj);
	while (q) {
		if (!q->broken && q->owner->state == PROCESS_ALIVE &&
		    __atomic_load_n(&q->ring->req_tail, __ATOMIC_ACQUIRE) != q->req_head &&
		    vm_may_run(v, q->owner)) {
			vm_hold(v, q->owner);
			if (intake(q) > 0)
				worked = true;
			q->last_active = now;
		} else if (polling(q) && now - q->last_active > POLL_REST_NS) {
			set_ring_flag(q, ARCHK_IOQ_RING_NEED_ENTER, true);
		}
		if ((next = LIST_NEXT(q, all_link)))
			object_ref(&next->obj);
		object_unref(&q->obj);
		q = next;
	}
	return worked;
}

int64_t ioq_poll_interval(void)
{
	struct ioq *q;

	LIST_FOREACH(q, &all_queues, all_link)
		if (polling(q))
			return POLL_INTERVAL_NS;
	return 0;
}

int ioq_init(void)
{
	object_type_register(ARCHK_OBJ_IOQ, &ioq_type);
	io_register(ARCHK_OBJ_IOQ, ARCHK_IO_CANCEL, ioq_cancel);
	LIST_INIT(&all_queues);
	return arena_init(&ioq_arena, "ioq", sizeof(struct ioq), MAX_QUEUES);
}
