/*
 * The common header of every kernel object: its type, its reference count
 * and its koid. Each handle holds one reference; kernel structures that keep
 * a pointer hold their own. The last unref destroys the object through its
 * type's destroy function, which returns the slot to the type's arena.
 */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

#include <sys/queue.h>
#include "kernel.h"

struct observer;
LIST_HEAD(observer_list, observer);

struct object {
	uint32_t type; /* enum archk_object_type */
	uint32_t refcount;
	archk_koid_t koid;
	uint32_t signals;		/* ARCHK_SIGNAL_* bits (kernel/wait.c) */
	struct observer_list observers; /* waiters and port registrations on the signals */
};

struct object_type {
	const char *name;
	void (*destroy)(struct object *obj);
	/* Brings signals that depend on guest memory up to date (optional; I/O queues). */
	void (*refresh)(struct object *obj);
};

/* Registers the destroy function of a type (called once at boot per type). */
void object_type_register(uint32_t type, const struct object_type *ops);
const char *object_type_name(uint32_t type);
/* Gives a fresh object one reference and a new koid. */
void object_init(struct object *obj, uint32_t type);
/*
 * Registers a type whose objects live as long as the kernel (consoles, the
 * spawner, the resource object): the kernel keeps a reference to each, so
 * their destroy function only reports a broken reference count.
 */
void object_type_register_permanent(uint32_t type, const char *name);
/* Lets obj's type bring its signals up to date before someone looks at them. */
void object_refresh(struct object *obj);
void object_ref(struct object *obj);
void object_unref(struct object *obj);

#endif
