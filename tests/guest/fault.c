/*
 * Misbehaving guests for the fault-containment tests. `fault KIND [ARG]`:
 *   null            write through a null pointer              (SIGSEGV)
 *   text-write      write into its own code                    (SIGSEGV)
 *   read-at ADDR    read the hex address ADDR, e.g. another
 *                   process's partition; exits 0 if it worked   (SIGSEGV if isolated)
 *   write-at ADDR   write to ADDR (e.g. the read-only time page) (SIGSEGV)
 *   archk-region    read archk's reserved slot of the arena    (SIGSEGV)
 *   illegal         execute ud2                                (SIGILL)
 *   divide-by-zero  integer division by zero                   (SIGFPE)
 *   stack-overflow  recurse into the guard page                (SIGSEGV)
 *   int3            a breakpoint instruction                   (SIGTRAP)
 *   spin MS         compute for MS milliseconds, then exit 0
 *   probe-below MS  read the top of the partition below its own (another
 *                   process's stack) repeatedly for MS milliseconds; exit 0
 */
#include <archk/runtime.h>

#define ARENA_BASE   0x100000000000UL
#define IMAGE_OFFSET (2UL << 20) /* the image starts 2 MiB into a partition */

static volatile int sink;

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static __attribute__((noinline)) int recurse(int depth)
{
	volatile char frame[4096];

	frame[0] = (char)depth;
	return recurse(depth + 1) + frame[0];
}

static int64_t now_ms(void)
{
	return archk_clock_get(ARCHK_CLOCK_MONOTONIC) / 1000000;
}

static int spin(long ms)
{
	int64_t end = now_ms() + ms;

	while (now_ms() < end)
		for (int i = 0; i < 100000; i++)
			sink += i;
	return 0;
}

/* The partition below ends with its stack, right under this partition's base. */
static int probe_below(long ms)
{
	uintptr_t base = (uintptr_t)archk_startup_info->image_base - IMAGE_OFFSET;
	volatile const char *victim = (const char *)(base - 64);
	int64_t end = now_ms() + ms;
	long reads = 0;

	while (now_ms() < end) {
		sink += *victim;
		reads++;
		archk_yield();
	}
	printf("probe: %ld reads of %p succeeded\n", reads, (const void *)victim);
	return 0;
}

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "";
	long arg = argc > 2 ? (long)strtoul(argv[2], NULL, 0) : 0;

	if (strcmp(kind, "null") == 0)
		*(volatile int *)0 = 1;
	else if (strcmp(kind, "text-write") == 0)
		*(volatile char *)(uintptr_t)&main = 0;
	else if (strcmp(kind, "read-at") == 0)
		sink = *(volatile const char *)arg;
	else if (strcmp(kind, "write-at") == 0)
		*(volatile char *)arg = 1;
	else if (strcmp(kind, "archk-region") == 0)
		sink = *(volatile const char *)(ARENA_BASE + 4096);
	else if (strcmp(kind, "illegal") == 0)
		__builtin_trap();
	else if (strcmp(kind, "divide-by-zero") == 0) {
		volatile int zero = 0, dividend = 7; /* gcc turns 1/x into a compare */
		sink = dividend / zero;
	} else if (strcmp(kind, "stack-overflow") == 0)
		sink = recurse(0);
	else if (strcmp(kind, "int3") == 0)
		__asm__ volatile("int3");
	else if (strcmp(kind, "spin") == 0)
		return spin(arg);
	else if (strcmp(kind, "probe-below") == 0)
		return probe_below(arg);
	else {
		printf("fault: unknown kind '%s'\n", kind);
		return 2;
	}
	return 0;
}
