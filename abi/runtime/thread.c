/*
 * Threads: the system call wrappers and archk_thread_spawn/wait, which manage
 * a thread's stack and its FS base block for the caller.
 */
#include <archk/runtime.h>

long archk_thread_create(const struct archk_thread_args *args)
{
	return archk_syscall1(ARCHK_SYS_THREAD_CREATE, (long)args);
}

long archk_thread_start(archk_handle_t thread)
{
	return archk_syscall1(ARCHK_SYS_THREAD_START, thread);
}

void archk_thread_exit(int code)
{
	archk_syscall1(ARCHK_SYS_THREAD_EXIT, code);
	__builtin_unreachable();
}

long archk_thread_join(archk_handle_t thread)
{
	return archk_syscall1(ARCHK_SYS_THREAD_JOIN, thread);
}

long archk_process_kill(archk_handle_t process)
{
	return archk_syscall1(ARCHK_SYS_PROCESS_KILL, process);
}

long archk_futex_wait(uint32_t *word, uint32_t expected, int64_t deadline)
{
	return archk_syscall3(ARCHK_SYS_FUTEX_WAIT, (long)word, expected, deadline);
}

long archk_futex_wake(uint32_t *word, uint32_t count)
{
	return archk_syscall2(ARCHK_SYS_FUTEX_WAKE, (long)word, count);
}

long archk_sleep_until(int64_t deadline)
{
	return archk_syscall1(ARCHK_SYS_SLEEP, deadline);
}

struct archk_thread *archk_thread_current(void)
{
	struct archk_thread *self;

	__asm__("mov %%fs:0, %0" : "=r"(self));
	return self;
}

/* Where every spawned thread starts: runs fn and exits with its result. */
static __attribute__((noreturn)) void thread_trampoline(struct archk_thread *t)
{
	archk_thread_exit(t->fn(t->arg));
}

long archk_thread_spawn(struct archk_thread *t, int (*fn)(void *), void *arg, size_t stack_size,
			const char *name)
{
	struct archk_thread_args a = {0};
	long h;

	t->self = t;
	t->handle = ARCHK_HANDLE_INVALID;
	t->fn = fn;
	t->arg = arg;
	t->stack = malloc(stack_size);
	if (!t->stack)
		return ARCHK_ERR_NO_MEMORY;
	a.entry = (uint64_t)(uintptr_t)thread_trampoline;
	a.stack_top = ((uintptr_t)t->stack + stack_size) & ~(uintptr_t)15;
	a.arg = (uint64_t)(uintptr_t)t;
	a.fs_base = (uint64_t)(uintptr_t)t;
	a.name = name;
	h = archk_thread_create(&a);
	if (h >= 0) {
		t->handle = (archk_handle_t)h;
		h = archk_thread_start(t->handle);
		if (h >= 0)
			return 0;
		archk_handle_close(t->handle);
	}
	free(t->stack);
	return h;
}

long archk_thread_wait(struct archk_thread *t)
{
	long code = archk_thread_join(t->handle);

	archk_handle_close(t->handle);
	free(t->stack);
	return code;
}

long archk_thread_set_priority(archk_handle_t thread, int sched_class, int priority,
			       archk_handle_t resource)
{
	return archk_syscall6(ARCHK_SYS_THREAD_SET_PRIORITY, thread, sched_class, priority,
			      resource, 0, 0);
}

long archk_thread_set_affinity(archk_handle_t thread, uint64_t mask)
{
	return archk_syscall2(ARCHK_SYS_THREAD_SET_AFFINITY, thread, (long)mask);
}

long archk_thread_self(void)
{
	return archk_syscall0(ARCHK_SYS_THREAD_SELF);
}

long archk_vcpu_current(void)
{
	return archk_syscall0(ARCHK_SYS_VCPU_CURRENT);
}
