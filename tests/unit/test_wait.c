/*
 * Unit tests for object signals and observers (kernel/wait.c): observers
 * fire once when a watched signal becomes set, not on clears or unwatched
 * bits; removing one stops it; a fire function may remove other observers
 * of the same object; and an object's death fires every observer with
 * CANCELLED before its destroy function runs.
 */
#include <criterion/criterion.h>

#include "wait.h"

struct test_object {
	struct object obj;
	int destroyed;
};

static struct test_object a;
static int fired, cancelled, observers_left_at_destroy;

static void on_destroy(struct object *obj)
{
	observers_left_at_destroy = !LIST_EMPTY(&obj->observers);
	((struct test_object *)obj)->destroyed++;
}

static const struct object_type test_type = {.name = "test", .destroy = on_destroy};

/* Counts fires, and among them those caused by the object dying. */
static void count_fire(struct observer *o, long status)
{
	fired++;
	if (status == ARCHK_ERR_CANCELLED)
		cancelled++;
}

/* Fires and takes the observer in owner off its list too (as a waiter does). */
static void remove_sibling(struct observer *o, long status)
{
	fired++;
	observer_remove(o->owner);
}

static void setup(void)
{
	object_type_register(ARCHK_OBJ_EVENT, &test_type);
	object_init(&a.obj, ARCHK_OBJ_EVENT);
	fired = cancelled = 0;
}

TestSuite(wait, .init = setup);

Test(wait, fires_once_on_a_watched_signal)
{
	struct observer o;

	observer_add(&o, &a.obj, ARCHK_SIGNAL_READABLE, count_fire);
	object_signal_update(&a.obj, 0, ARCHK_SIGNAL_WRITABLE);
	cr_assert_eq(fired, 0);
	object_signal_update(&a.obj, ARCHK_SIGNAL_WRITABLE, 0);
	cr_assert_eq(fired, 0);
	object_signal_update(&a.obj, 0, ARCHK_SIGNAL_READABLE);
	cr_assert_eq(fired, 1);
	cr_assert_eq(o.observed, ARCHK_SIGNAL_READABLE);
	cr_assert_null(o.obj);
	object_signal_update(&a.obj, ARCHK_SIGNAL_READABLE, 0);
	object_signal_update(&a.obj, 0, ARCHK_SIGNAL_READABLE);
	cr_assert_eq(fired, 1, "observers are one-shot");
	cr_assert_eq(a.obj.signals, ARCHK_SIGNAL_READABLE);
}

Test(wait, removed_observer_does_not_fire)
{
	struct observer o;

	observer_add(&o, &a.obj, ARCHK_SIGNAL_SIGNALED, count_fire);
	object_signal_update(&a.obj, 0, ARCHK_SIGNAL_USER0);
	observer_remove(&o);
	cr_assert_eq(o.observed, ARCHK_SIGNAL_USER0);
	observer_remove(&o); /* twice is harmless */
	object_signal_update(&a.obj, 0, ARCHK_SIGNAL_SIGNALED);
	cr_assert_eq(fired, 0);
	cr_assert(LIST_EMPTY(&a.obj.observers));
}

Test(wait, fire_may_remove_other_observers)
{
	struct observer first, second, third;

	observer_add(&second, &a.obj, ARCHK_SIGNAL_SIGNALED, count_fire);
	observer_add(&third, &a.obj, ARCHK_SIGNAL_USER0, count_fire);
	observer_add(&first, &a.obj, ARCHK_SIGNAL_SIGNALED, remove_sibling);
	first.owner = &second;
	object_signal_update(&a.obj, 0, ARCHK_SIGNAL_SIGNALED);
	cr_assert_eq(fired, 1, "the removed sibling must not fire");
	cr_assert_null(second.obj);
	cr_assert_eq(third.obj, &a.obj);
	observer_remove(&third);
}

Test(wait, death_cancels_every_observer_first)
{
	struct observer o[3];

	for (int i = 0; i < 3; i++)
		observer_add(&o[i], &a.obj, ARCHK_SIGNAL_READABLE << i, count_fire);
	object_unref(&a.obj);
	cr_assert_eq(fired, 3);
	cr_assert_eq(cancelled, 3);
	cr_assert_eq(a.destroyed, 1);
	cr_assert_eq(observers_left_at_destroy, 0);
}
