/*
 * The scheduler and the vCPU run loop.
 *
 * Every vCPU runs kernel_vcpu_run: like a KVM run loop it enters a guest
 * thread, comes back with an exit reason, handles it under the big kernel
 * lock, and picks what to run next. Runnable threads wait on one FIFO queue
 * (round robin); a thread keeps its vCPU across system calls that do not
 * block, so the common trap path never touches the queue. A vCPU with nothing
 * to run idles in the host (io_uring), where host I/O completions and kicks
 * from other vCPUs wake it.
 */
#include "debug.h"
#include "proc.h"
#include "syscall.h"

static struct {
	struct thread_list runq;
	struct vcpu **vcpus;
	unsigned vcpu_count;
	bool shutting_down;
} sched = {
    .runq = TAILQ_HEAD_INITIALIZER(sched.runq),
};

void sched_init(unsigned vcpu_count)
{
	sched.vcpus = hook_alloc_pages(sizeof(struct vcpu *) * vcpu_count);
	KASSERT(sched.vcpus);
	sched.vcpu_count = vcpu_count;
}

/* Wakes one idle vCPU so a newly runnable thread does not wait for a busy one. */
static void kick_idle_vcpu(void)
{
	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		struct vcpu *v = sched.vcpus[i];

		if (v && v->idle) {
			v->idle = false;
			hook_kick(v);
			return;
		}
	}
}

void sched_make_runnable(struct thread *t)
{
	if (debug_park_runnable(t))
		return;
	t->state = THREAD_RUNNABLE;
	TAILQ_INSERT_TAIL(&sched.runq, t, run_link);
	kick_idle_vcpu();
}

void sched_remove(struct thread *t)
{
	KASSERT(t->state == THREAD_RUNNABLE);
	TAILQ_REMOVE(&sched.runq, t, run_link);
}

/*
 * The head of the run queue, if v may run it. Strict isolation may forbid it
 * (another process is held on another vCPU); then v takes nothing rather than
 * a later thread, drops its own hold and idles, so the holders drain and the
 * head gets its turn: first come, first served, never starved.
 */
static struct thread *sched_pick(struct vcpu *v)
{
	struct thread *t = TAILQ_FIRST(&sched.runq);

	if (!t || !vm_may_run(v, t->proc))
		return NULL;
	TAILQ_REMOVE(&sched.runq, t, run_link);
	return t;
}

/* A timeslice ended: rotate if anyone is waiting. */
static void handle_preempt(struct vcpu *v, struct thread *t)
{
	if (!TAILQ_EMPTY(&sched.runq))
		sched_make_runnable(t);
}

static void handle_exit(struct vcpu *v, struct thread *t, const struct guest_exit *exit)
{
	switch (exit->reason) {
	case EXIT_SYSCALL:
		syscall_dispatch(t, exit);
		break;
	case EXIT_PREEMPT:
		handle_preempt(v, t);
		break;
	case EXIT_FAULT:
		fault_report(t, exit);
		break;
	default:
		kpanic("vcpu %u: unknown exit reason %d", v->id, exit->reason);
	}
}

/*
 * Picks the next thread for v, idling in the host while there is none.
 * Returns NULL when archk shuts down. Called and returns with the lock held.
 */
static struct thread *next_thread(struct vcpu *v)
{
	struct thread *t;

	while (!sched.shutting_down) {
		t = sched_pick(v);
		if (t) {
			/* More work queued: an idle peer may be able to take it. */
			if (!TAILQ_EMPTY(&sched.runq))
				kick_idle_vcpu();
			return t;
		}
		vm_release(v);
		v->idle = true;
		hook_unlock();
		hook_idle(v);
		hook_lock();
		v->idle = false;
	}
	return NULL;
}

/* Opens the partition and finishes any blocked call before entering t. */
static void prepare_entry(struct vcpu *v, struct thread *t)
{
	t->state = THREAD_RUNNING;
	t->vcpu = v;
	v->current = t;
	vm_hold(v, t->proc);
	if (t->resume) {
		thread_resume_fn resume = t->resume;

		t->resume = NULL;
		resume(t);
	}
}

void kernel_vcpu_run(struct vcpu *v)
{
	struct guest_exit exit;
	struct thread *t = NULL;

	hook_lock();
	sched.vcpus[v->id] = v;
	for (;;) {
		if (t) {
			/* A thread killed while in the guest gets no service. */
			if (t->state != THREAD_DEAD && !debug_after_exit(t, &exit))
				handle_exit(v, t, &exit);
			v->current = NULL;
			if (t->state == THREAD_DEAD) {
				vm_release(v);
				thread_release(t);
				t = NULL;
			} else if (t->state != THREAD_RUNNING) {
				t = NULL;
			}
		}
		if (!t)
			t = next_thread(v);
		if (!t || sched.shutting_down)
			break;
		prepare_entry(v, t);
		v->in_guest = true;
		hook_unlock();
		hook_enter_guest(v, t->ctx, &exit);
		hook_poll(v);
		hook_lock();
		v->in_guest = false;
	}
	vm_release(v);
	hook_unlock();
}

void kernel_shutdown(int status)
{
	if (sched.shutting_down)
		return;
	sched.shutting_down = true;
	hook_shutdown(status);
}
