/*
 * null_syscall, guest side: the cheapest system call in a loop.
 *   bench_null          process_self, a lockless call (kernel/syscall.h)
 *   bench_null locked   handle_close of the invalid handle: the cheapest call
 *                       that takes the kernel lock (HND_INVALID)
 * Prints "ns_per_call=N" (best of several rounds: the machine is shared).
 */
#include <archk/runtime.h>

#define CALLS  200000
#define ROUNDS 5

int main(int argc, char **argv)
{
	int locked = argc > 1 && strcmp(argv[1], "locked") == 0;
	int64_t best = INT64_MAX;

	for (int r = 0; r < ROUNDS; r++) {
		int64_t start = archk_clock_get(ARCHK_CLOCK_MONOTONIC);

		for (int i = 0; i < CALLS; i++)
			if (locked)
				archk_handle_close(ARCHK_HANDLE_INVALID);
			else
				archk_process_self();
		int64_t ns = archk_clock_get(ARCHK_CLOCK_MONOTONIC) - start;
		if (ns < best)
			best = ns;
	}
	printf("ns_per_call=%ld.%02ld\n", (long)(best / CALLS), (long)(best * 100 / CALLS % 100));
	return 0;
}
