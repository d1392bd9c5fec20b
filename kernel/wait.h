/*
 * Object signals and waiting on them.
 *
 * Every object carries a few signal bits (ARCHK_SIGNAL_*) and a list of
 * observers. When signals change, each observer whose trigger matches is
 * taken off the list (observers are one-shot) and its fire function runs;
 * when the object dies, every observer fires with ARCHK_ERR_CANCELLED.
 * Observers hold no reference: the object's death is what ends them.
 *
 * A thread blocked in object_wait_one/_many, port_wait or channel_call owns
 * a waiter: its observers and what the waking side hands over. Whoever wakes
 * the thread, the waiter's finish function copies the results out when the
 * thread resumes with its partition open, and the waiter is freed then (or
 * when the thread dies first).
 */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include "proc.h"

struct observer;
/* status: 0 when the trigger matched, ARCHK_ERR_CANCELLED when the object died. */
typedef void (*observer_fire_fn)(struct observer *o, long status);

struct observer {
	LIST_ENTRY(observer) link;
	struct object *obj; /* observed object; NULL when not on its list */
	uint32_t trigger;   /* signals that fire it */
	uint32_t observed;  /* the object's signals when it fired or was removed */
	void *owner;	    /* the waiter or port registration it belongs to */
	observer_fire_fn fire;
};

struct waiter;
/* Copies the results of a woken wait to the guest; returns the call's result. */
typedef long (*waiter_finish_fn)(struct thread *t, struct waiter *w, long status);

struct message;

struct waiter {
	struct thread *thread;
	waiter_finish_fn finish;
	void (*release)(struct waiter *w);   /* frees what the kind holds; NULL if nothing */
	struct object *obj;		     /* port_wait, channel_call: the object (referenced) */
	uint32_t txid;			     /* channel_call: the transaction id of the reply */
	uintptr_t out;			     /* guest address of the results */
	uint32_t count;			     /* observers in use */
	struct message *reply;		     /* channel_call: the reply handed over */
	struct archk_channel_call_args call; /* channel_call: the reply buffers */
	struct archk_port_packet packet;     /* port_wait: the packet handed over */
	struct observer items[ARCHK_WAIT_MANY_MAX];
};

/* Clears then sets signal bits of obj and fires the observers that match. */
void object_signal_update(struct object *obj, uint32_t clear, uint32_t set);
/* Puts o on obj's list, firing when obj's signals meet trigger. */
void observer_add(struct observer *o, struct object *obj, uint32_t trigger, observer_fire_fn fire);
/* Takes o off its object's list (if on one), recording the object's signals. */
void observer_remove(struct observer *o);
/* obj is being destroyed: its observers fire with ARCHK_ERR_CANCELLED. */
void wait_object_gone(struct object *obj);

/* A waiter for t's current call, or NULL when the arena is full. */
struct waiter *waiter_alloc(struct thread *t, waiter_finish_fn finish);
/* Blocks t on queue (may be NULL) until woken or deadline (then ARCHK_ERR_TIMED_OUT). */
void waiter_block(struct thread *t, struct thread_list *queue, int64_t deadline);
/* Resume function of every blocked call that owns a waiter (thread_wake picks it). */
void waiter_resume(struct thread *t);
/* Frees t's waiter and what it holds. */
void waiter_free(struct thread *t);

#endif
