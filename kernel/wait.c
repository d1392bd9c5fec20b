/*
 * Object signals and their observers: see wait.h. Kept free of threads and
 * guest memory so that objects can be unit-tested alone; the waits of
 * threads are in sys_wait.c.
 */
#include "wait.h"

/* See wait.h; observers are pushed at the head, the order does not matter. */
void observer_add(struct observer *o, struct object *obj, uint32_t trigger, observer_fire_fn fire)
{
	o->obj = obj;
	o->trigger = trigger;
	o->observed = 0;
	o->fire = fire;
	LIST_INSERT_HEAD(&obj->observers, o, link);
}

/* Idempotent: an observer that already fired or was removed is left alone. */
void observer_remove(struct observer *o)
{
	if (!o->obj)
		return;
	o->observed = o->obj->signals;
	LIST_REMOVE(o, link);
	o->obj = NULL;
}

/* The first observer of obj that should fire: any when cancelling, else a matching one. */
static struct observer *first_to_fire(struct object *obj, long status)
{
	struct observer *o;

	LIST_FOREACH(o, &obj->observers, link)
		if (status < 0 || (o->trigger & obj->signals))
			return o;
	return NULL;
}

/*
 * A fire function may remove other observers of the same object (a waiter
 * takes all of its own off), so the scan restarts after every one; each
 * fire removes at least its own observer, so this ends.
 */
static void fire_all(struct object *obj, long status)
{
	struct observer *o;

	while ((o = first_to_fire(obj, status))) {
		observer_remove(o);
		o->fire(o, status);
	}
}

/* Only bits that became set can satisfy an observer, so clears fire nothing. */
void object_signal_update(struct object *obj, uint32_t clear, uint32_t set)
{
	uint32_t before = obj->signals;

	obj->signals = (before & ~clear) | set;
	if (obj->signals & ~before)
		fire_all(obj, 0);
}

/* Called by object_unref before the type's destroy function. */
void wait_object_gone(struct object *obj)
{
	fire_all(obj, ARCHK_ERR_CANCELLED);
}
