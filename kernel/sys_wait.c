/*
 * Threads waiting on signals: the waiters of wait.h, and the system calls
 * object_wait_one and object_wait_many, which block a thread on the signals
 * of one or several objects until one shows or a deadline passes.
 */
#include "arena.h"
#include "syscall.h"
#include "wait.h"

/* At most one waiter per thread. */
#define MAX_WAITERS 4096

static struct arena waiter_arena;

/* Prepares the waiter arena at boot. */
int waiter_init(void)
{
	return arena_init(&waiter_arena, "waiter", sizeof(struct waiter), MAX_WAITERS);
}

/* See wait.h; the waiter is t's until waiter_free. */
struct waiter *waiter_alloc(struct thread *t, waiter_finish_fn finish)
{
	struct waiter *w = arena_alloc(&waiter_arena);

	if (!w)
		return NULL;
	w->thread = t;
	w->finish = finish;
	t->waiter = w;
	return w;
}

/* The deadline wakes t through thread_wake, which routes it to waiter_resume. */
void waiter_block(struct thread *t, struct thread_list *queue, int64_t deadline)
{
	thread_block(t, queue);
	t->wait.kind = WAIT_WAITER;
	if (deadline != ARCHK_DEADLINE_INFINITE)
		thread_wake_at(t, deadline, ARCHK_ERR_TIMED_OUT);
}

/* Runs with t's partition open: copies the results out, then frees the waiter. */
void waiter_resume(struct thread *t)
{
	struct waiter *w = t->waiter;
	long result = w->finish(t, w, t->wake_result);

	waiter_free(t);
	syscall_finish(t, result);
}

/* Undoes everything a waiter holds; also used when t dies while waiting. */
void waiter_free(struct thread *t)
{
	struct waiter *w = t->waiter;

	for (uint32_t i = 0; i < w->count; i++)
		observer_remove(&w->items[i]);
	if (w->release)
		w->release(w);
	if (w->obj)
		object_unref(w->obj);
	t->waiter = NULL;
	t->wait.kind = WAIT_NONE;
	arena_free(&waiter_arena, w);
}

/*
 * An item of object_wait_one/_many fired: every item stops observing (so each
 * records its object's signals now) and the thread wakes, unless a deadline
 * already woke it and its resume is pending.
 */
static void wait_item_fire(struct observer *o, long status)
{
	struct waiter *w = o->owner;
	struct thread *t = w->thread;

	for (uint32_t i = 0; i < w->count; i++)
		observer_remove(&w->items[i]);
	if (t->state == THREAD_BLOCKED && t->waiter == w)
		thread_wake(t, status, NULL);
}

/*
 * 0 if some object already shows a signal it is waited for, TIMED_OUT if the
 * deadline has passed, 1 if the caller has to block.
 */
static long wait_ready(struct object *const *objs, const uint32_t *triggers, uint32_t n,
		       int64_t deadline)
{
	for (uint32_t i = 0; i < n; i++) {
		object_refresh(objs[i]);
		if (objs[i]->signals & triggers[i])
			return 0;
	}
	if (deadline_passed(deadline))
		return ARCHK_ERR_TIMED_OUT;
	return 1;
}

/* Observes the n objects for t and blocks it; finish copies the results later. */
static long wait_block(struct thread *t, struct object *const *objs, const uint32_t *triggers,
		       uint32_t n, int64_t deadline, uintptr_t out, waiter_finish_fn finish)
{
	struct waiter *w = waiter_alloc(t, finish);

	if (!w)
		return ARCHK_ERR_NO_MEMORY;
	w->out = out;
	w->count = n;
	for (uint32_t i = 0; i < n; i++) {
		observer_add(&w->items[i], objs[i], triggers[i], wait_item_fire);
		w->items[i].owner = w;
	}
	waiter_block(t, NULL, deadline);
	return 0;
}

/* object_wait_one's resume: the signals seen when it woke. */
static long finish_one(struct thread *t, struct waiter *w, long status)
{
	long err;

	observer_remove(&w->items[0]);
	if (w->out && (err = copy_to_guest(t->proc, w->out, &w->items[0].observed, 4)) < 0)
		return err;
	return status;
}

/* object_wait_one(h, signals, deadline, observed): waits for any of signals. */
long sys_object_wait_one(struct thread *t, struct syscall_args *args)
{
	struct object *obj = args->obj;
	uint32_t trigger = (uint32_t)args->a[1];
	uintptr_t out = args->a[3];
	long ready, err;

	if (out && (err = vm_check(t->proc, out, 4, HOOK_PROT_WRITE)) < 0)
		return err;
	ready = wait_ready(&obj, &trigger, 1, (int64_t)args->a[2]);
	if (ready <= 0) {
		if (out)
			copy_to_guest(t->proc, out, &obj->signals, 4);
		return ready;
	}
	return wait_block(t, &obj, &trigger, 1, (int64_t)args->a[2], out, finish_one);
}

/* Writes the pending field of item i of object_wait_many's array at out. */
static long put_pending(struct thread *t, uintptr_t out, uint32_t i, uint32_t pending)
{
	return copy_to_guest(t->proc,
			     out + i * sizeof(struct archk_wait_item) +
				 offsetof(struct archk_wait_item, pending),
			     &pending, sizeof(pending));
}

/* object_wait_many's resume: every item's signals when it woke. */
static long finish_many(struct thread *t, struct waiter *w, long status)
{
	for (uint32_t i = 0; i < w->count; i++) {
		long err;

		observer_remove(&w->items[i]);
		if ((err = put_pending(t, w->out, i, w->items[i].observed)) < 0)
			return err;
	}
	return status;
}

/* object_wait_many(items, count, deadline): waits until any item's signals show. */
long sys_object_wait_many(struct thread *t, struct syscall_args *args)
{
	struct archk_wait_item items[ARCHK_WAIT_MANY_MAX];
	struct object *objs[ARCHK_WAIT_MANY_MAX];
	uint32_t triggers[ARCHK_WAIT_MANY_MAX];
	uint64_t count = args->a[1];
	long ready, err;

	if (count == 0 || count > ARCHK_WAIT_MANY_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = copy_from_guest(t->proc, items, args->a[0], count * sizeof(items[0]))) < 0 ||
	    (err = vm_check(t->proc, args->a[0], count * sizeof(items[0]), HOOK_PROT_WRITE)) < 0)
		return err;
	for (uint32_t i = 0; i < count; i++) {
		struct handle_entry *e;

		err = handle_check(t->proc, items[i].handle, ARCHK_OBJ_NONE, ARCHK_RIGHT_WAIT, &e);
		if (err < 0)
			return err;
		objs[i] = e->obj;
		triggers[i] = items[i].waitfor;
	}
	ready = wait_ready(objs, triggers, (uint32_t)count, (int64_t)args->a[2]);
	if (ready <= 0) {
		for (uint32_t i = 0; i < count; i++)
			put_pending(t, args->a[0], i, objs[i]->signals);
		return ready;
	}
	return wait_block(t, objs, triggers, (uint32_t)count, (int64_t)args->a[2], args->a[0],
			  finish_many);
}
