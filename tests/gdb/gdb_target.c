/*
 * The guest the gdb tests debug (tests/gdb/CMakeLists.txt). `gdb_target`
 * sums 1..COUNT (COUNT is 3 unless given as the first argument) in
 * sum_to(), which prints the total and returns 7: the exit status.
 * `gdb_target fault` writes through a null pointer in poke() instead.
 *
 * The tests set breakpoints by line number: they find the lines by the
 * "gdb-test:" markers below, so moving code around is fine.
 */
#include <archk/runtime.h>

/* volatile keeps the pointer from being folded into a trap instruction. */
static int *volatile null_pointer;

static __attribute__((noinline)) void poke(int value)
{
	*null_pointer = value; /* gdb-test: fault */
}

static __attribute__((noinline)) int sum_to(int count)
{
	/* volatile: the local stays in memory where gdb can always read it. */
	volatile int total = 0;

	for (int i = 1; i <= count; i++)
		total += i;
	printf("gdb_target: total %d\n", total); /* gdb-test: sum */
	return 7;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "fault") == 0) {
		poke(argc); /* gdb-test: main-poke */
		return 0;
	}
	/* Not a tail call: main stays on the stack for the backtrace. */
	int status = sum_to(argc > 1 ? (int)strtoul(argv[1], NULL, 0) : 3); /* gdb-test: main-sum */

	printf("gdb_target: exiting with %d\n", status);
	return status;
}
