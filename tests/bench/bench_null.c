/*
 * null_syscall, guest side: the cheapest system call (process_self) in a loop.
 * Prints "ns_per_call=N" (best of several rounds: the machine is shared).
 */
#include <archk/runtime.h>

#define CALLS  200000
#define ROUNDS 5

int main(void)
{
	int64_t best = INT64_MAX;

	for (int r = 0; r < ROUNDS; r++) {
		int64_t start = archk_clock_get(ARCHK_CLOCK_MONOTONIC);

		for (int i = 0; i < CALLS; i++)
			archk_process_self();
		int64_t ns = archk_clock_get(ARCHK_CLOCK_MONOTONIC) - start;
		if (ns < best)
			best = ns;
	}
	printf("ns_per_call=%ld.%02ld\n", (long)(best / CALLS), (long)(best * 100 / CALLS % 100));
	return 0;
}
