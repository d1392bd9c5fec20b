/*
 * The child side of conf_syscalls:
 *   conf_child exit-with N          exits with status N
 *   conf_child check-handles A B    checks its argv and the handles it got
 *   conf_child dirty                fills its .bss, the start of its heap and
 *                                   a megabyte of stack with 0xa5
 *   conf_child clean                exits with 0 if those read as zeros (1 if
 *                                   not): a partition reused after a dirty
 *                                   child must not show what it wrote
 *   conf_child int80                makes a 32-bit call (int $0x80): exits with 0
 *                                   if archk refused it with BAD_SYSCALL and rcx
 *                                   survived, 1 if not; on a host without 32-bit
 *                                   entry the instruction faults instead
 */
#include "check.h"

#define SPAN (1u << 20)

static unsigned char bss[64 * 1024];

/* Fills, or checks (returns whether all zero), a megabyte of stack below the caller's. */
static __attribute__((noinline)) int stack_span(int fill)
{
	volatile unsigned char below[SPAN];
	int zero = 1;

	for (size_t i = 0; i < SPAN; i++) {
		if (fill)
			below[i] = 0xa5;
		else
			zero &= below[i] == 0;
	}
	return zero;
}

/* The heap from 64 KiB on: the runtime may have used its start already. */
static volatile unsigned char *heap_span(void)
{
	return (volatile unsigned char *)archk_startup_info->heap_base + 64 * 1024;
}

static int dirty(void)
{
	volatile unsigned char *heap = heap_span();

	memset(bss, 0xa5, sizeof(bss));
	for (size_t i = 0; i < SPAN; i++)
		heap[i] = 0xa5;
	stack_span(1);
	return 0; /* the heap's bookkeeping may be gone: no printing */
}

static int clean(void)
{
	volatile unsigned char *heap = heap_span();
	int zero = stack_span(0);

	for (size_t i = 0; i < sizeof(bss); i++)
		zero &= bss[i] == 0;
	for (size_t i = 0; i < SPAN; i++)
		zero &= heap[i] == 0;
	return !zero;
}

static int check_handles(int argc, char **argv)
{
	struct archk_handle_info info;
	archk_handle_t extra = archk_handle_named("extra");

	CHECK_EQ(argc, 4);
	CHECK_EQ(strcmp(argv[2], "a b"), 0);
	CHECK_EQ(strcmp(argv[3], ""), 0);
	CHECK_EQ(argv[4], 0);
	CHECK_TRUE(extra != ARCHK_HANDLE_INVALID);
	CHECK_EQ(archk_handle_info(extra, &info), 0);
	CHECK_EQ(info.rights, ARCHK_RIGHT_WRITE);
	CHECK_EQ(info.type, ARCHK_OBJ_CONSOLE);
	CHECK_EQ(archk_write(extra, "conf_child: extra handle works\n", 31), 31);
	/* Inherited handles arrived under their names. */
	CHECK_TRUE(archk_handle_named("out") && archk_handle_named("root") &&
		   archk_handle_named("process") && archk_handle_named("in"));
	CHECK_EQ(strcmp(archk_startup_info->name, "conf_child"), 0);
	return check_done("conf_child");
}

/* The 32-bit entry is trapped too and refused; rcx survives it (only syscall clobbers it). */
static int int80(void)
{
	long r, rcx_after;

	__asm__ volatile("mov $0x1234, %%rcx\n\tint $0x80\n\tmov %%rcx, %1"
			 : "=a"(r), "=r"(rcx_after)
			 : "a"(20L)
			 : "rcx", "memory");
	return !(r == ARCHK_ERR_BAD_SYSCALL && rcx_after == 0x1234);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit-with") == 0)
		return atoi(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "check-handles") == 0)
		return check_handles(argc, argv);
	if (argc == 2 && strcmp(argv[1], "dirty") == 0)
		return dirty();
	if (argc == 2 && strcmp(argv[1], "clean") == 0)
		return clean();
	if (argc == 2 && strcmp(argv[1], "int80") == 0)
		return int80();
	printf("usage: conf_child exit-with N | check-handles ... | dirty | clean | int80\n");
	return 2;
}
