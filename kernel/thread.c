/*
 * Thread system calls: create, start, exit and join threads of the calling
 * process. There is deliberately no call that kills a thread (seed 001): a
 * thread ends by exiting, or with its whole process (process_kill).
 */
#include <string.h>
#include "syscall.h"

/* Threads that are running, runnable, blocked or parked by the debugger: the
 * ones that keep a process alive. */
static uint32_t live_threads(const struct process *p)
{
	const struct thread *t;
	uint32_t n = 0;

	TAILQ_FOREACH(t, &p->threads, proc_link)
		n += t->state == THREAD_RUNNABLE || t->state == THREAD_RUNNING ||
		     t->state == THREAD_BLOCKED || t->state == THREAD_STOPPED;
	return n;
}

/* Checks the new thread's entry, stack and name against the caller's memory. */
static long check_thread_args(struct process *p, const struct archk_thread_args *a, char *name)
{
	uint64_t zero = 0;
	long err;

	if (a->stack_top % 16 != 0)
		return ARCHK_ERR_INVALID_ARGS;
	if (vm_check(p, a->entry, 1, HOOK_PROT_EXEC) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (a->name && (err = copy_string_from_guest(p, name, (uintptr_t)a->name, 15)) < 0)
		return err;
	/* Last, as it writes: a return from the entry function jumps to 0 and faults. */
	return copy_to_guest(p, a->stack_top - 8, &zero, sizeof(zero));
}

/* thread_create(args): a new thread of the caller's process, not yet started. */
long sys_thread_create(struct thread *t, struct syscall_args *args)
{
	struct archk_thread_args a;
	char name[16] = "thread";
	struct thread *n;
	long err, value;

	if ((err = copy_from_guest(t->proc, &a, args->a[0], sizeof(a))) < 0)
		return err;
	if ((err = check_thread_args(t->proc, &a, name)) < 0)
		return err;
	if (t->proc->thread_count >= ARCHK_THREADS_PER_PROCESS || !(n = thread_create(t->proc)))
		return ARCHK_ERR_NO_MEMORY;
	memcpy(n->name, name, sizeof(n->name));
	n->ctx->rip = a.entry;
	n->ctx->rsp = a.stack_top - 8;
	n->ctx->rdi = a.arg;
	n->ctx->fs_base = a.fs_base;
	n->ctx->rflags = RFLAGS_INITIAL;
	n->ctx->full_restore = 1;
	value = handle_install(&t->proc->handles, &n->obj, ARCHK_RIGHTS_THREAD);
	if (value < 0) {
		n->state = THREAD_DEAD;
		thread_release(n);
	}
	return value;
}

long sys_thread_start(struct thread *t, struct syscall_args *args)
{
	struct thread *n = (struct thread *)args->obj;

	if (n->state != THREAD_NEW || n->proc != t->proc)
		return ARCHK_ERR_BAD_STATE;
	sched_make_runnable(n);
	return 0;
}

/* Ends thread t with code; the process ends with it if it was its last live thread. */
static void thread_exit(struct thread *t, int32_t code)
{
	t->exit_code = code;
	if (live_threads(t->proc) == 1) {
		struct archk_exit_status status = {.reason = ARCHK_EXIT_NORMAL, .code = code};

		process_exit(t->proc, &status);
		return;
	}
	t->state = THREAD_DEAD; /* the vCPU loop releases it */
}

long sys_thread_exit(struct thread *t, struct syscall_args *args)
{
	if (kconfig.trace)
		syscall_trace(t, "?");
	thread_exit(t, (int32_t)args->a[0]);
	return 0;
}

/* thread_join(thread): blocks until it has exited; returns its exit code. */
long sys_thread_join(struct thread *t, struct syscall_args *args)
{
	struct thread *target = (struct thread *)args->obj;

	if (target == t)
		return ARCHK_ERR_BAD_STATE;
	if (target->state == THREAD_DEAD)
		return target->exit_code;
	if (target->state == THREAD_NEW)
		return ARCHK_ERR_BAD_STATE;
	thread_block(t, &target->joiners);
	return 0;
}
