/*
 * The time page: read-only memory in every partition from which guests read
 * the monotonic and realtime clocks without a system call (archk_startup's
 * time_page; abi/runtime/time.c reads it).
 *
 * archk republishes it every few milliseconds under a sequence lock: seq is
 * odd while an update is in progress. A reader copies the fields between two
 * reads of seq and retries if seq was odd or changed. Then
 *   now_ns = base_ns + ((rdtsc() - tsc_base) * mult >> 32)
 * for the monotonic clock (and realtime_base_ns in place of base_ns for the
 * realtime clock).
 */
#ifndef ARCHK_TIMEPAGE_H
#define ARCHK_TIMEPAGE_H

#include <archk/types.h>

struct archk_time_page {
	uint32_t seq;
	uint32_t version;	  /* ARCHK_TIME_PAGE_VERSION */
	uint64_t tsc_base;	  /* TSC value at the last update */
	int64_t base_ns;	  /* CLOCK_MONOTONIC at tsc_base */
	int64_t realtime_base_ns; /* CLOCK_REALTIME at tsc_base */
	uint64_t mult;		  /* nanoseconds per TSC tick, times 2^32 */
};

#define ARCHK_TIME_PAGE_VERSION 1

#endif
