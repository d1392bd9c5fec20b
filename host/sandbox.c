/*
 * archk's own syscalls, restricted once booted (defence in depth: code that
 * escapes a guest into archk's text still cannot open files, exec or fork).
 * A forbidden syscall is reported by name with a backtrace, not a silent kill.
 */
#include <errno.h>
#include <execinfo.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "host.h"

/* What archk calls after boot: memory, signals, threads, I/O, io_uring, time. */
static const int allowed[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(close),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    /* Which pages of a freed partition are there, to keep them (memory.c). */
    SCMP_SYS(mincore),
    SCMP_SYS(brk),
    SCMP_SYS(futex),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction),
    /* The terminal's thread takes its signals with sigwaitinfo (host/terminal.c). */
    SCMP_SYS(rt_sigtimedwait),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(io_uring_enter),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(gettid),
    SCMP_SYS(getpid),
    SCMP_SYS(tgkill),
    SCMP_SYS(timer_create),
    SCMP_SYS(timer_settime),
    SCMP_SYS(timer_gettime),
    SCMP_SYS(timer_delete),
    SCMP_SYS(sched_yield),
    SCMP_SYS(arch_prctl),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(getrandom),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(lseek),
    SCMP_SYS(membarrier),
    SCMP_SYS(sched_getaffinity),
    /* VMOs (host/memory.c): each is a memfd created and sized when a guest
     * calls vmo_create, long after the sandbox is in place. Neither call
     * reaches beyond archk's own memory: memfd_create opens no path. */
    SCMP_SYS(memfd_create),
    SCMP_SYS(ftruncate),
};

/* Touches backtrace() once: its first call loads libgcc_s, which needs open(). */
void sandbox_prepare(void)
{
	void *frames[4];

	backtrace(frames, 4);
}

/* The gdb server's socket calls (it listens before the sandbox closes). */
static const int gdb_allowed[] = {
    SCMP_SYS(accept4),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
};

/*
 * The socket device's set-up calls, only where the kernel lacks their
 * io_uring operations (Linux before 6.11, or --debug-net-syscalls): none of
 * them waits for a peer. socket() makes Internet sockets only.
 */
static int allow_socket_setup(scmp_filter_ctx ctx)
{
	static const int calls[] = {SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(setsockopt)};
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(calls) / sizeof(calls[0]); i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_INET));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	return err;
}

int sandbox_install(bool with_gdb)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int err = ctx ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; with_gdb && !err && i < sizeof(gdb_allowed) / sizeof(gdb_allowed[0]);
	     i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, gdb_allowed[i], 0);
	if (!err && socket_setup_syscalls())
		err = allow_socket_setup(ctx);
	/* Threads only: clone must share everything (no fork), and clone3, whose
	 * flags a filter cannot read, fails so glibc falls back to clone. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* ioctl only for terminal queries on the console, and to give the terminal
	 * its settings back (host/terminal.c). */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, TCGETS));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, TCSETS));
	if (!err) /* the console device's size (host/dev_console.c) */
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, TIOCGWINSZ));
	/* Never kill: a foreign-ABI syscall (int 0x80, x32) from a guest must reach
	 * the trap handler, which refuses it, instead of silently killing a vCPU. */
	if (!err)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (!err)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
}

/* Prints text with write(2) only: this runs in a signal handler. */
static void say(const char *text)
{
	ssize_t unused = write(STDERR_FILENO, text, strlen(text));

	(void)unused;
}

void sandbox_host_fault(int sig, siginfo_t *info, ucontext_t *uc)
{
	char line[256];
	void *frames[32];
	int n;

	if (sig == SIGSYS) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, info->si_syscall);

		snprintf(line, sizeof(line),
			 "archk: internal error: host system call %s (%d) is not allowed by the "
			 "sandbox\n",
			 name ? name : "?", info->si_syscall);
	} else {
		snprintf(line, sizeof(line),
			 "archk: internal error: %s in archk's own code at pc %#llx, address %p\n",
			 strsignal(sig), (unsigned long long)uc->uc_mcontext.gregs[REG_RIP],
			 info->si_addr);
	}
	say(line);
	say("archk: host backtrace:\n");
	n = backtrace(frames, 32);
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	terminal_restore();
	_exit(70);
}
