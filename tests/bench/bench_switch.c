/*
 * partition_switch, guest side: two processes yield to each other on one
 * vCPU, so every yield switches partitions. `bench_switch` spawns its partner
 * (`bench_switch partner`) and prints "ns_per_switch=N".
 */
#include <archk/runtime.h>

#define YIELDS 50000

int main(int argc, char **argv)
{
	static const char *const partner[] = {"/bench/bench_switch", "partner", NULL};
	struct archk_exit_status st;
	int64_t start;
	long p;

	if (argc > 1) {
		for (int i = 0; i < YIELDS; i++)
			archk_yield();
		return 0;
	}
	start = archk_clock_get(ARCHK_CLOCK_MONOTONIC);
	p = archk_spawn(partner[0], partner, NULL, 0);
	if (p < 0)
		return 1;
	for (int i = 0; i < YIELDS; i++)
		archk_yield();
	archk_process_wait((archk_handle_t)p, &st);
	int64_t ns = archk_clock_get(ARCHK_CLOCK_MONOTONIC) - start;
	printf("ns_per_switch=%ld\n", (long)(ns / (2 * YIELDS)));
	return 0;
}
