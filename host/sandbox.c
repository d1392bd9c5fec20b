/*
 * archk's own syscalls, restricted once booted (defence in depth: code that
 * escapes a guest into archk's text still cannot open files, exec or fork).
 * A forbidden syscall is reported by name with a backtrace, not a silent kill.
 */
#include <errno.h>
#include <execinfo.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

/* A share's listing thread (dev_share.c) reads directories it opened through io_uring. */
static const int share_allowed[] = {
    SCMP_SYS(getdents64),
};

/* The gdb server's socket calls (it listens before the sandbox closes). */
static const int gdb_allowed[] = {
    SCMP_SYS(accept4),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
};

/* Rights of later Landlock versions than Debian's headers know (linux/landlock.h). */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* The trees sandbox_allow_tree named: archk's file system access after the sandbox. */
static struct {
	int fd;
	bool writable;
} trees[ARCHK_BOOT_DEVICES_MAX];
static unsigned tree_count;

void sandbox_allow_tree(int fd, bool writable)
{
	if (tree_count < sizeof(trees) / sizeof(trees[0]))
		trees[tree_count++] = (typeof(trees[0])){fd, writable};
}

/* The Landlock access rights the running kernel knows (its ABI version). */
static uint64_t landlock_known(long abi)
{
	uint64_t known = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* version 1 */

	if (abi >= 2)
		known |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		known |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		known |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return known;
}

/*
 * Confines archk's file system access to the trees (read-only ones without
 * any right to change them): whatever opens a path after this, an io_uring
 * OPENAT2 included, reaches nothing else. Files opened before (the image,
 * disks, stdio) are not affected. A kernel without Landlock gets a note.
 */
static int confine_file_system(void)
{
	const uint64_t read = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	/* Renaming a link, FIFO or socket is "making" one where it lands. */
	const uint64_t write = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
			       LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
			       LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SYM |
			       LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SOCK |
			       LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE;
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	struct landlock_ruleset_attr attr;
	int ruleset, err = 0;

	if (tree_count == 0)
		return 0;
	if (abi < 1) {
		klog(LOG_INFO, "the kernel has no Landlock: shares rely on RESOLVE_BENEATH alone");
		return 0;
	}
	attr = (struct landlock_ruleset_attr){.handled_access_fs = landlock_known(abi)};
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return -errno;
	for (unsigned i = 0; !err && i < tree_count; i++) {
		struct landlock_path_beneath_attr rule = {
		    .allowed_access =
			(trees[i].writable ? read | write : read) & attr.handled_access_fs,
		    .parent_fd = trees[i].fd};

		if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) <
		    0)
			err = -errno;
	}
	if (!err && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		err = -errno;
	close(ruleset);
	return err;
}

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
	scmp_filter_ctx ctx;
	int err = confine_file_system();

	if (err < 0)
		return err;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	err = ctx ? 0 : -ENOMEM;
	for (size_t i = 0; !err && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; with_gdb && !err && i < sizeof(gdb_allowed) / sizeof(gdb_allowed[0]);
	     i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, gdb_allowed[i], 0);
	for (size_t i = 0;
	     host_opts.share_ops && !err && i < sizeof(share_allowed) / sizeof(share_allowed[0]);
	     i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, share_allowed[i], 0);
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
