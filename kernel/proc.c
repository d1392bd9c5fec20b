/*
 * Process and thread lifetimes.
 *
 * A process lives from exec_spawn until process_exit; then its threads stop
 * and, once none is on a vCPU any more, process_reclaim closes its handles
 * and frees its partition (at once, or when the last vCPU holding it lets
 * go). The process object itself stays (holding the exit status) until the
 * last reference to it goes: its handles' and the vCPU holds'.
 */
#include <stdio.h>
#include <string.h>
#include "arena.h"
#include "debug.h"
#include "io.h"
#include "syscall.h"
#include "wait.h"

/* archk's exit status for a process killed by a holder of its handle: as if by SIGKILL. */
#define STATUS_KILLED (128 + 9)
/* The length of the syscall instruction, which a restarted call runs again. */
#define SYSCALL_INSN_BYTES 2

#define MAX_PROCESSES 1024
#define MAX_THREADS   4096

static struct arena process_arena, thread_arena, context_arena;

static void process_destroy(struct object *obj)
{
	struct process *p = process_from_object(obj);

	KASSERT(p->state == PROCESS_EXITED && p->thread_count == 0);
	arena_free(&process_arena, p);
}

static void thread_destroy(struct object *obj)
{
	struct thread *t = (struct thread *)obj;

	arena_free(&context_arena, t->ctx);
	arena_free(&thread_arena, t);
}

static const struct object_type process_type = {.name = "process", .destroy = process_destroy};
static const struct object_type thread_type = {.name = "thread", .destroy = thread_destroy};

int proc_init(void)
{
	object_type_register(ARCHK_OBJ_PROCESS, &process_type);
	object_type_register(ARCHK_OBJ_THREAD, &thread_type);
	if (arena_init(&process_arena, "process", sizeof(struct process), MAX_PROCESSES) ||
	    arena_init(&thread_arena, "thread", sizeof(struct thread), MAX_THREADS) ||
	    arena_init(&context_arena, "context", sizeof(struct guest_context), MAX_THREADS))
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}

struct process *process_create(const char *name)
{
	struct process *p = arena_alloc(&process_arena);

	if (!p)
		return NULL;
	if (handle_table_init(&p->handles, p) < 0) {
		arena_free(&process_arena, p);
		return NULL;
	}
	object_init(&p->obj, ARCHK_OBJ_PROCESS);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->state = PROCESS_ALIVE;
	TAILQ_INIT(&p->threads);
	TAILQ_INIT(&p->waiters);
	TAILQ_INIT(&p->deliveries);
	LIST_INIT(&p->ioqs);
	return p;
}

struct process *process_next(uint32_t *cursor)
{
	return arena_next(&process_arena, cursor);
}

struct thread *thread_create(struct process *p)
{
	struct thread *t = arena_alloc(&thread_arena);

	if (!t)
		return NULL;
	t->ctx = arena_alloc(&context_arena);
	if (!t->ctx) {
		arena_free(&thread_arena, t);
		return NULL;
	}
	object_init(&t->obj, ARCHK_OBJ_THREAD);
	hook_init_fpu(t->ctx);
	deadline_init(t);
	t->proc = p;
	t->tid = ++p->next_tid;
	t->state = THREAD_NEW;
	sched_init_thread(t);
	snprintf(t->name, sizeof(t->name), "%s", t->tid == 1 ? "main" : "thread");
	TAILQ_INIT(&t->joiners);
	TAILQ_INSERT_TAIL(&p->threads, t, proc_link);
	p->thread_count++;
	return t;
}

void thread_block(struct thread *t, struct thread_list *queue)
{
	ASSERT_LOCKED();
	KASSERT(t->state == THREAD_RUNNING && t->wait.kind == WAIT_NONE);
	t->state = THREAD_BLOCKED;
	t->wait.kind = WAIT_PLAIN;
	t->wait_queue = queue;
	sched_reward(t);
	if (queue)
		TAILQ_INSERT_TAIL(queue, t, run_link);
}

/* The resume of a call whose wait holds nothing: the result is all there is. */
static void resume_with_result(struct thread *t)
{
	KASSERT(t->wait.kind != WAIT_WAITER && t->wait.kind != WAIT_IO &&
		t->wait.kind != WAIT_PROCESS);
	t->wait.kind = WAIT_NONE;
	syscall_finish(t, t->wake_result);
}

void thread_wake(struct thread *t, long result, thread_resume_fn resume)
{
	ASSERT_LOCKED();
	KASSERT(t->state == THREAD_BLOCKED);
	if (t->wait_queue)
		TAILQ_REMOVE(t->wait_queue, t, run_link);
	t->wait_queue = NULL;
	t->deadline.at = ARCHK_DEADLINE_INFINITE;
	t->wake_result = result;
	if (!resume) /* a call that owns a waiter always resumes through it */
		resume = t->wait.kind == WAIT_WAITER ? waiter_resume : resume_with_result;
	t->resume = resume;
	sched_make_runnable(t);
}

/*
 * The guest's rip is just past its syscall instruction, or at the return
 * address of its gate call, which is still on its stack; rax and the
 * arguments still hold the call.
 */
static void restart_call(struct thread *t)
{
	t->wait.kind = WAIT_NONE;
	if (t->call_via_gate) {
		t->ctx->rip = kconfig.boot->gate;
		t->ctx->rsp -= 8;
	} else {
		t->ctx->rip -= SYSCALL_INSN_BYTES;
	}
}

void thread_wake_restart(struct thread *t)
{
	thread_wake(t, 0, restart_call);
}

int process_status_code(const struct archk_exit_status *status)
{
	switch (status->reason) {
	case ARCHK_EXIT_NORMAL:
		return status->code & 0xff;
	case ARCHK_EXIT_FAULT:
		return 128 + (int)status->signal;
	default:
		return STATUS_KILLED;
	}
}

/* process_wait's resume: copies the final status out to the waiter. */
static void resume_waiter(struct thread *t)
{
	struct process *child = t->wait.process.child;
	long err = copy_to_guest(t->proc, t->wait.process.status_out, &child->status,
				 sizeof(child->status));

	thread_wait_clear(t);
	syscall_finish(t, err);
}

void thread_wait_clear(struct thread *t)
{
	switch (t->wait.kind) {
	case WAIT_PROCESS:
		object_unref(&t->wait.process.child->obj);
		break;
	case WAIT_IO:
		io_abandon(t->wait.io.req);
		break;
	case WAIT_WAITER:
		waiter_free(t);
		break;
	default:
		break;
	}
	t->wait.kind = WAIT_NONE;
}

void process_unload_image(struct process *p)
{
	if (p->bias && !p->image_unloaded) {
		p->image_unloaded = true;
		hook_image_unloaded(p->image_path, p->bias, p->obj.koid);
	}
}

/*
 * Frees what a dead process owned; its waiters learn the status. The
 * partition goes now, or when the last vCPU that holds it lets go (vm.c).
 */
static void process_reclaim(struct process *p)
{
	struct thread *w;

	process_unload_image(p);
	sched_release_idle_holds(p);
	vm_reclaim(p);
	while ((w = TAILQ_FIRST(&p->waiters)))
		thread_wake(w, 0, resume_waiter);
	object_signal_update(&p->obj, 0, ARCHK_SIGNAL_TERMINATED);
	if (p->is_init)
		kernel_shutdown(process_status_code(&p->status));
	handle_table_destroy(&p->handles);
	object_unref(&p->obj); /* the reference process_create gave */
}

void thread_release(struct thread *t)
{
	struct process *p = t->proc;
	struct thread *j;

	KASSERT(t->state == THREAD_DEAD);
	TAILQ_REMOVE(&p->threads, t, proc_link);
	sched_forget(t);
	while ((j = TAILQ_FIRST(&t->joiners)))
		thread_wake(j, t->exit_code, NULL);
	thread_wait_clear(t);
	deadline_release(t);
	object_unref(&t->obj);
	if (--p->thread_count == 0 && p->state == PROCESS_EXITED)
		process_reclaim(p);
}

/*
 * Stops every thread of p. A thread running on a vCPU is only marked dead;
 * that vCPU drops it when it comes back to the kernel (at once: it is
 * interrupted), and the partition is freed only then, so no guest code ever
 * runs in a reused partition.
 */
void process_exit(struct process *p, const struct archk_exit_status *status)
{
	struct thread *t, *next;

	if (p->state == PROCESS_EXITED)
		return;
	p->state = PROCESS_EXITED;
	p->status = *status;
	klog(LOG_DEBUG, "%s[%lu] exited: status %d", p->name, (unsigned long)p->obj.koid,
	     process_status_code(status));
	debug_process_exited(p);
	if (TAILQ_EMPTY(&p->threads)) {
		process_reclaim(p);
		return;
	}
	for (t = TAILQ_FIRST(&p->threads); t; t = next) {
		int was = t->state;

		next = TAILQ_NEXT(t, proc_link);
		if (was == THREAD_RUNNABLE)
			sched_remove(t);
		else if ((was == THREAD_BLOCKED || was == THREAD_STOPPED) && t->wait_queue)
			TAILQ_REMOVE(t->wait_queue, t, run_link);
		t->state = THREAD_DEAD;
		if (was != THREAD_RUNNING)
			thread_release(t);
		else if (t->vcpu && t->vcpu->current == t && t->vcpu->in_guest)
			hook_interrupt(t->vcpu); /* in the guest on another vCPU: bring it back */
	}
}
