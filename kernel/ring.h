/*
 * Index arithmetic of the I/O queue rings (ioq.c). The indices are
 * free-running 32-bit counters, so every comparison is a difference taken
 * modulo 2^32: it stays right when a counter wraps past UINT32_MAX. The
 * guest owns some of them and may write anything there; these checks are
 * what stands between a corrupted index and archk.
 */
#ifndef KERNEL_RING_H
#define KERNEL_RING_H

#include <stdbool.h>
#include <stdint.h>

/* Can a producer index stand at tail when the consumer is at head (at most a full ring)? */
static inline bool ring_tail_valid(uint32_t head, uint32_t tail, uint32_t entries)
{
	return tail - head <= entries;
}

/* Did a consumer index move from seen to head only forward, and not past tail? */
static inline bool ring_head_valid(uint32_t seen, uint32_t head, uint32_t tail)
{
	return head - seen <= tail - seen;
}

/* Is there a free slot once the entries between head and tail and reserved more are counted? */
static inline bool ring_has_room(uint32_t head, uint32_t tail, uint32_t reserved, uint32_t entries)
{
	return tail - head + reserved < entries;
}

#endif
