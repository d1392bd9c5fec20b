/*
 * The scheduler and the vCPU run loop (sched.c; this header is not called
 * sched.h so that it never shadows the C library's): per-vCPU run queues,
 * wake-time placement, timeslices, and kernel_vcpu_run, the loop every vCPU
 * host thread runs.
 */
#ifndef KERNEL_SCHEDULER_H
#define KERNEL_SCHEDULER_H

#include "proc.h"

/* The kernel side of a vCPU; the host embeds it in its own per-vCPU state. */
struct vcpu {
	unsigned id;
	bool idle;
	bool resched; /* a better thread was queued: switch at the next exit */

	struct runq runq;
	struct thread *last;	  /* the thread its slice timer is armed for */
	bool slice_over;	  /* the slice timer fired: arm a new slice */
	bool spawn_check;	  /* the timer is cut short for a child queued behind its spawner */
	int64_t spawn_check_rest; /* what was left of the slice then (0: real-time) */
	struct thread *current;
	struct process *holding; /* partition this vCPU keeps open */
	bool in_guest;		 /* between entering a guest and taking the lock again */
};

/* Called by the host before kernel_main: the vCPU count, then each vCPU. */
void sched_init(unsigned vcpu_count);
void kernel_vcpu_register(struct vcpu *v);
unsigned sched_vcpu_count(void);
/* Default class, priority and affinity of a new thread. */
void sched_init_thread(struct thread *t);
void sched_make_runnable(struct thread *t);
/*
 * Until the current system call ends, wake-ups go to v (where the calling
 * thread runs) when the woken thread may run there and the caller is not
 * real-time: the caller will block for an answer (do_io on a served object,
 * channel_call) or has just given one and goes back to wait (table_reply,
 * channel_write), so v switches to the woken thread without waking an idle
 * vCPU. Should the caller go on instead, the woken thread waits for its
 * slice to end. NULL ends the preference early.
 */
void sched_handoff(struct vcpu *v);
/* Makes a new process's first thread runnable, on the spawning vCPU if it can. */
void sched_start_spawned(struct thread *t);
/* Wakes one idle vCPU, which may steal queued work or poll I/O queues. */
void kick_idle_vcpu(void);
void sched_yield_thread(struct thread *t);
/* Removes and returns the best thread v may run now, or NULL. */
struct thread *sched_take(struct vcpu *v);
/*
 * The slice timer ended t's slice on v (or v was asked to reschedule): ages
 * the queues, charges t, and returns the thread v should run next (t itself
 * if it continues, NULL if v must pick).
 */
struct thread *sched_slice_end(struct vcpu *v, struct thread *t);
/* Arms v's slice timer for t if t starts a new slice or resumes one (see sched.c). */
void sched_arm_slice(struct vcpu *v, struct thread *t);
/* Forgets a released thread (vCPUs remember whose slice they timed). */
void sched_forget(struct thread *t);
/* t blocked before its slice ended: it earns a boost step. */
void sched_reward(struct thread *t);
void sched_remove(struct thread *t);
/* The vCPU loop: pick, enter, handle the exit, repeat, until shutdown. */
void kernel_vcpu_run(struct vcpu *v);
/* Stops every vCPU; archk exits with status. */
void kernel_shutdown(int status);
/* Called by the host (without the lock) when host I/O for token completes. */
void kernel_io_done(void *token, long result);

#endif
