/*
 * Events and event pairs: objects that are nothing but signals. An event's
 * signals are raised and cleared by object_signal on its own handle; on an
 * event pair end, object_signal changes the peer's signals, and an end sees
 * PEER_CLOSED once the other end is destroyed.
 */
#include "arena.h"
#include "syscall.h"
#include "wait.h"

#define MAX_EVENTS     4096
#define MAX_EVENTPAIRS 4096 /* ends, two per pair */

struct eventpair {
	struct object obj;
	struct eventpair *peer; /* NULL once the peer is destroyed */
};

static struct arena event_arena, eventpair_arena;

/* An event holds nothing but its signals. */
static void event_destroy(struct object *obj)
{
	arena_free(&event_arena, obj);
}

/* The surviving end learns its peer is gone. */
static void eventpair_destroy(struct object *obj)
{
	struct eventpair *ep = (struct eventpair *)obj;

	if (ep->peer) {
		ep->peer->peer = NULL;
		object_signal_update(&ep->peer->obj, 0, ARCHK_SIGNAL_PEER_CLOSED);
	}
	arena_free(&eventpair_arena, ep);
}

static const struct object_type event_type = {.name = "event", .destroy = event_destroy};
static const struct object_type eventpair_type = {.name = "eventpair",
						  .destroy = eventpair_destroy};

/* Registers the two types and prepares their arenas at boot. */
int event_init(void)
{
	object_type_register(ARCHK_OBJ_EVENT, &event_type);
	object_type_register(ARCHK_OBJ_EVENTPAIR, &eventpair_type);
	if (arena_init(&event_arena, "event", sizeof(struct object), MAX_EVENTS) ||
	    arena_init(&eventpair_arena, "eventpair", sizeof(struct eventpair), MAX_EVENTPAIRS))
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}

struct object *event_new(void)
{
	struct object *ev = arena_alloc(&event_arena);

	if (ev)
		object_init(ev, ARCHK_OBJ_EVENT);
	return ev;
}

/* event_create(): a new event with no signals set. */
long sys_event_create(struct thread *t, struct syscall_args *args)
{
	struct object *ev = event_new();
	long value;

	if (!ev)
		return ARCHK_ERR_NO_MEMORY;
	value = handle_install(&t->proc->handles, ev, ARCHK_RIGHTS_EVENT);
	object_unref(ev); /* the handle owns it now, or nobody does */
	return value;
}

/* eventpair_create(out[2]): two ends, each signalling the other. */
long sys_eventpair_create(struct thread *t, struct syscall_args *args)
{
	struct eventpair *a, *b;
	long err;

	if ((err = vm_check(t->proc, args->a[0], 2 * sizeof(archk_handle_t), HOOK_PROT_WRITE)) < 0)
		return err;
	a = arena_alloc(&eventpair_arena);
	b = a ? arena_alloc(&eventpair_arena) : NULL;
	if (!b) {
		if (a)
			arena_free(&eventpair_arena, a);
		return ARCHK_ERR_NO_MEMORY;
	}
	object_init(&a->obj, ARCHK_OBJ_EVENTPAIR);
	object_init(&b->obj, ARCHK_OBJ_EVENTPAIR);
	a->peer = b;
	b->peer = a;
	return handle_install_pair(t, &a->obj, &b->obj, ARCHK_RIGHTS_EVENT, ARCHK_RIGHTS_EVENT,
				   args->a[0]);
}

/*
 * object_signal(h, clear, set): changes an event's own signals, or an event
 * pair end's peer's. Only SIGNALED and the user signals may change.
 */
long sys_object_signal(struct thread *t, struct syscall_args *args)
{
	struct object *obj = args->obj;
	uint32_t clear = (uint32_t)args->a[1], set = (uint32_t)args->a[2];

	if (((clear | set) & ~ARCHK_SIGNALS_SETTABLE) || args->a[1] > UINT32_MAX ||
	    args->a[2] > UINT32_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if (obj->type == ARCHK_OBJ_EVENTPAIR) {
		struct eventpair *ep = (struct eventpair *)obj;

		if (!ep->peer)
			return ARCHK_ERR_PEER_CLOSED;
		obj = &ep->peer->obj;
	} else if (obj->type != ARCHK_OBJ_EVENT) {
		return ARCHK_ERR_WRONG_TYPE;
	}
	object_signal_update(obj, clear, set);
	return 0;
}
