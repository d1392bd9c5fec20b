/*
 * What the host's own operations cost, the floors under archk's figures
 * (scripts/bench prints them as HOST lines; docs/performance.md explains
 * them). Prints NAME_ns=N, best of ROUNDS rounds:
 *   getpid_ns                a host system call
 *   arch_prctl_set_fs_ns     setting the FS base without FSGSBASE
 *   timer_settime_ns         arming a CPU-time timer (a slice)
 *   mprotect_pair_4k_ns      closing and opening 64 MiB with one 4 KiB page in use
 *   mprotect_pair_thp_ns     the same with one 2 MiB huge page in use
 *   partition_switch_thp_ns  the three mprotects of archk's partition switch
 *                            (close the private part, open data+heap and the
 *                            stack), with the pages a small guest uses: huge
 *                            pages, as archk backs partitions by default
 *   partition_switch_4k_ns   the same with 4 KiB pages (--no-huge-pages)
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5
#define MIB    (1UL << 20)
#define SLOT   (64 * MIB)
/* A small guest's partition (docs/architecture.md): private part from .data
 * (after 2 MiB of code) up; data+heap up to the mapping window and guard, and
 * the stack at the top. */
#define PRIVATE	 (4 * MIB)
#define HEAP_END (38 * MIB)
#define STACK	 (56 * MIB)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

typedef void (*op_fn)(void *arg);

/* Best time per op over ROUNDS rounds of n ops. */
static long long best_ns(op_fn op, void *arg, int n)
{
	long long best = -1;

	for (int r = 0; r < ROUNDS; r++) {
		long long start = now_ns();

		for (int i = 0; i < n; i++)
			op(arg);
		long long ns = (now_ns() - start) / n;
		if (best < 0 || ns < best)
			best = ns;
	}
	return best;
}

static void do_getpid(void *arg)
{
	syscall(SYS_getpid);
}

static void do_set_fs(void *arg)
{
	syscall(SYS_arch_prctl, ARCH_SET_FS, *(unsigned long *)arg);
}

static void do_timer(void *arg)
{
	struct itimerspec slice = {.it_value = {0, 10000000}};

	timer_settime(*(timer_t *)arg, 0, &slice, NULL);
}

/* A 64 MiB-aligned slot with a guest's pages in use, huge or small. */
static char *slot(int huge, size_t data_touched, size_t stack_touched)
{
	char *p = mmap(NULL, 2 * SLOT, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	char *s = (char *)(((uintptr_t)p + SLOT - 1) & ~(SLOT - 1));
	madvise(s, SLOT, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	mprotect(s + HEAP_END, STACK - HEAP_END, PROT_NONE); /* mapping window and guard */
	memset(s + PRIVATE, 1, data_touched);
	memset(s + SLOT - stack_touched, 1, stack_touched);
	return s;
}

static void pair(void *arg)
{
	char *s = arg;

	mprotect(s + PRIVATE, SLOT - PRIVATE, PROT_NONE);
	mprotect(s + PRIVATE, HEAP_END - PRIVATE, PROT_READ | PROT_WRITE);
}

static void partition_switch(void *arg)
{
	char *s = arg;

	mprotect(s + PRIVATE, SLOT - PRIVATE, PROT_NONE);
	mprotect(s + PRIVATE, HEAP_END - PRIVATE, PROT_READ | PROT_WRITE);
	mprotect(s + STACK, SLOT - STACK, PROT_READ | PROT_WRITE);
}

int main(void)
{
	struct sigevent sev = {.sigev_notify = SIGEV_NONE};
	unsigned long fs;
	timer_t timer;
	char *s;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	printf("getpid_ns=%lld\n", best_ns(do_getpid, NULL, 20000));
	printf("arch_prctl_set_fs_ns=%lld\n", best_ns(do_set_fs, &fs, 20000));
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &timer) == 0)
		printf("timer_settime_ns=%lld\n", best_ns(do_timer, &timer, 20000));
	if ((s = slot(0, 4096, 0)))
		printf("mprotect_pair_4k_ns=%lld\n", best_ns(pair, s, 2000));
	if ((s = slot(1, 2 * MIB, 0)))
		printf("mprotect_pair_thp_ns=%lld\n", best_ns(pair, s, 2000));
	if ((s = slot(1, 2 * MIB, 2 * MIB)))
		printf("partition_switch_thp_ns=%lld\n", best_ns(partition_switch, s, 1000));
	if ((s = slot(0, 64 * 1024, 32 * 1024)))
		printf("partition_switch_4k_ns=%lld\n", best_ns(partition_switch, s, 1000));
	return 0;
}
