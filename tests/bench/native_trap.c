/*
 * Baselines for null_syscall on plain Linux:
 *   native_trap trap     a syscall trapped by seccomp to a SIGSYS handler that
 *                        sets the result and returns through sigreturn: the
 *                        mechanism's own cost
 *   native_trap getpid   the raw getpid system call
 * Prints "ns_per_call=N" (best of several rounds).
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define CALLS	     200000
#define ROUNDS	     5
#define TRAPPED_CALL 0x1234 /* no such syscall: the filter traps it */

static void on_sigsys(int sig, siginfo_t *info, void *ucontext)
{
	ucontext_t *uc = ucontext;

	uc->uc_mcontext.gregs[REG_RAX] = 42;
}

static int install_trap(void)
{
	struct sock_filter filter[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TRAPPED_CALL, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

	sigaction(SIGSYS, &sa, NULL);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long nr = argc > 1 && strcmp(argv[1], "getpid") == 0 ? SYS_getpid : TRAPPED_CALL;
	long long best = -1;

	if (nr == TRAPPED_CALL && install_trap() < 0) {
		perror("seccomp");
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		long long start = now_ns();

		for (int i = 0; i < CALLS; i++)
			syscall(nr);
		long long ns = now_ns() - start;
		if (best < 0 || ns < best)
			best = ns;
	}
	printf("ns_per_call=%lld.%02lld\n", best / CALLS, best * 100 / CALLS % 100);
	return 0;
}
