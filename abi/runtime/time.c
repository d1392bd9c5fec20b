/*
 * Clocks from the time page (archk/timepage.h): a sequence-locked read and
 * the TSC, no system call.
 */
#include <archk/runtime.h>

int64_t archk_clock_read(int clock)
{
	const struct archk_time_page *p = archk_startup_info ? archk_startup_info->time_page : 0;
	uint32_t seq;
	uint64_t tsc_base, mult;
	int64_t base;

	if (!p || (clock != ARCHK_CLOCK_MONOTONIC && clock != ARCHK_CLOCK_REALTIME))
		return archk_clock_get(clock);
	do {
		seq = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
		tsc_base = p->tsc_base;
		mult = p->mult;
		base = clock == ARCHK_CLOCK_MONOTONIC ? p->base_ns : p->realtime_base_ns;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE));
	return base +
	       (int64_t)(((unsigned __int128)(__builtin_ia32_rdtsc() - tsc_base) * mult) >> 32);
}
