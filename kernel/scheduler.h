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
	struct thread *last; /* the thread its slice timer is armed for */
	bool slice_over;     /* the slice timer fired: arm a new slice */
	/*
	 * The slice timer may be cut short (a tick): for a child queued behind
	 * its spawner (spawn_check), or to reap host I/O this vCPU submitted
	 * (host_io). tick_rest is what was left of the slice then (0: none, a
	 * real-time thread), tick_len the tick armed.
	 */
	bool tick;
	bool spawn_check;
	int64_t tick_rest, tick_len;
	uint32_t host_io; /* requests in flight on this vCPU's io_uring (reaped by it) */
	struct thread *current;
	struct process *holding;   /* partition this vCPU keeps open (referenced, vm.c) */
	bool in_guest;		   /* between entering a guest and taking the lock again */
	bool in_call;		   /* serving a system call: wake-ups wait in woken */
	bool strict_yield;	   /* strict isolation: give the hold up (strict_claim) */
	struct thread_list woken;  /* threads woken by the call being served */
	uint32_t output_in_flight; /* console writes among them (shutdown lets them finish) */
	struct thread *timed;	   /* whose vCPU time runs since timed_since (proctable.c) */
	int64_t timed_since;
};

/* Called by the host before kernel_main: the vCPU count, then each vCPU. */
void sched_init(unsigned vcpu_count);
void kernel_vcpu_register(struct vcpu *v);
unsigned sched_vcpu_count(void);
/* Default class, priority and affinity of a new thread. */
void sched_init_thread(struct thread *t);
void sched_make_runnable(struct thread *t);
/*
 * A system call starts on v: threads it wakes wait on v's woken list until
 * sched_call_end places them, so that placement knows how the call ended.
 */
void sched_call_begin(struct vcpu *v);
/*
 * The call that caller made on v is over. If the caller blocked (it waits
 * for an answer: do_io on a served object, channel_call, ioq_enter) or the
 * call was a reply after which the caller goes back to wait (reply: table_reply,
 * channel_write), the woken threads go to v when they may run there and the
 * caller is not real-time, and v switches to them without waking an idle
 * vCPU (a synchronous hand-off); should the caller go on instead, they wait
 * for its slice to end. Otherwise they are placed as any wake-up.
 */
void sched_call_end(struct vcpu *v, struct thread *caller, bool reply);
/* The vCPU the calling host thread runs; NULL on other host threads. */
struct vcpu *sched_this_vcpu(void);
/*
 * Host I/O submitted on the calling vCPU's ring starts or ends (the end is
 * reaped on the same vCPU). While some is in flight the vCPU leaves a guest
 * at least every IO_REAP_NS of its CPU time to reap it, so a completion is
 * not left waiting behind a busy guest, not even a real-time one.
 */
struct vcpu *sched_host_io_begin(void);
void sched_host_io_end(struct vcpu *v);
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
/* p has ended: idle vCPUs that still hold it (process isolation) let it go. */
void sched_release_idle_holds(struct process *p);
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
/* The same with the lock held: the host reaping a batch of completions under one lock. */
void kernel_io_done_locked(void *token, long result);
/*
 * Called by the host's call gate (host/gate.c), without the lock, for a
 * system call that v's current thread made through the gate (its state is
 * saved in its context as after a trap): serves it exactly as the run loop
 * serves a trapped call. Returns true if the thread goes on at once (its entry
 * is prepared and the lock dropped: the gate returns to it), false if the run
 * loop must take over (the thread blocked, yielded, ended or must be entered
 * the full way): then the lock is still held, as when the run loop handles
 * an exit, and the gate leaves through the run loop with EXIT_SERVED.
 */
bool kernel_gate_call(struct vcpu *v, const struct guest_exit *exit);

#endif
