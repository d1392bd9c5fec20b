/*
 * Futexes and deadlines (futex.c): waiting on guest memory and on time.
 */
#ifndef KERNEL_FUTEX_H
#define KERNEL_FUTEX_H

#include "proc.h"

/* Readies the deadline of a new thread. */
void deadline_init(struct thread *t);
/* Wakes blocked t with result when the monotonic clock reaches deadline, unless it wakes first. */
void thread_wake_at(struct thread *t, int64_t deadline, long result);
/* t is dying: its timer is cancelled (the timer's completion drops its reference). */
void deadline_release(struct thread *t);
/* Has the monotonic clock reached deadline (never for ARCHK_DEADLINE_INFINITE)? */
bool deadline_passed(int64_t deadline);

#endif
