/*
 * Conformance: each kind of guest fault ends only the faulting process, and
 * its parent sees ARCHK_EXIT_FAULT with the right signal, while this process
 * keeps running and spawning.
 *   conf_faults isolated   other partitions must be inaccessible
 *   conf_faults open       (isolation=off) another partition is readable
 */
#include "check.h"

#define SIGILL	4
#define SIGTRAP 5
#define SIGFPE	8
#define SIGSEGV 11

static struct archk_exit_status run_fault(const char *kind, const char *arg)
{
	const char *const argv[] = {"/tests/fault", kind, arg, NULL};

	return run_to_exit(argv);
}

static void expect_fault(const char *kind, const char *arg, unsigned signal)
{
	struct archk_exit_status st = run_fault(kind, arg);

	CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
	CHECK_EQ(st.signal, signal);
	CHECK_TRUE(st.fault_pc != 0);
}

int main(int argc, char **argv)
{
	int isolated = argc > 1 && strcmp(argv[1], "isolated") == 0;
	char own_stack[32];
	struct archk_exit_status st;

	expect_fault("null", NULL, SIGSEGV);
	CHECK_EQ(run_fault("null", NULL).fault_addr, 0);
	expect_fault("text-write", NULL, SIGSEGV);
	expect_fault("archk-region", NULL, SIGSEGV);
	/* The time page at the arena's start is readable but not writable. */
	CHECK_EQ(run_fault("read-at", "0x100000000000").reason, ARCHK_EXIT_NORMAL);
	expect_fault("write-at", "0x100000000000", SIGSEGV);
	expect_fault("illegal", NULL, SIGILL);
	expect_fault("divide-by-zero", NULL, SIGFPE);
	expect_fault("stack-overflow", NULL, SIGSEGV);
	expect_fault("int3", NULL, SIGTRAP);
	/* This process waits (not running) while the child reads its stack. */
	snprintf(own_stack, sizeof(own_stack), "%p", (void *)own_stack);
	st = run_fault("read-at", own_stack);
	if (isolated) {
		CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
		CHECK_EQ(st.fault_addr, (long)(uintptr_t)own_stack);
	} else {
		CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	}
	/* Still alive and able to run children normally. */
	st = run_fault("spin", "1");
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 0);
	return check_done("conf_faults");
}
