/*
 * The ring index checks of kernel/ring.h: what a guest may write into the
 * indices it owns, including around the 2^32 wrap of the free-running
 * counters.
 */
#include <criterion/criterion.h>
#include "ring.h"

Test(ring, tail_within_one_ring_of_head)
{
	cr_assert(ring_tail_valid(0, 0, 8));
	cr_assert(ring_tail_valid(0, 8, 8));
	cr_assert_not(ring_tail_valid(0, 9, 8));
	cr_assert_not(ring_tail_valid(5, 4, 8), "a tail behind the head is a huge difference");
}

Test(ring, tail_across_the_wrap)
{
	cr_assert(ring_tail_valid(UINT32_MAX - 2, 3, 8), "6 entries across the wrap");
	cr_assert(ring_tail_valid(UINT32_MAX - 2, 5, 8), "8 entries across the wrap");
	cr_assert_not(ring_tail_valid(UINT32_MAX - 2, 6, 8));
	cr_assert_not(ring_tail_valid(3, UINT32_MAX, 8));
}

Test(ring, consumer_moves_forward_only)
{
	cr_assert(ring_head_valid(10, 10, 20), "nothing consumed");
	cr_assert(ring_head_valid(10, 15, 20));
	cr_assert(ring_head_valid(10, 20, 20), "everything consumed");
	cr_assert_not(ring_head_valid(10, 21, 20), "past what archk wrote");
	cr_assert_not(ring_head_valid(10, 9, 20), "backwards");
}

Test(ring, consumer_across_the_wrap)
{
	cr_assert(ring_head_valid(UINT32_MAX - 1, 1, 4));
	cr_assert(ring_head_valid(UINT32_MAX - 1, 4, 4));
	cr_assert_not(ring_head_valid(UINT32_MAX - 1, 5, 4));
	cr_assert_not(ring_head_valid(UINT32_MAX - 1, UINT32_MAX - 2, 4));
}

Test(ring, room_counts_reservations)
{
	cr_assert(ring_has_room(0, 0, 0, 4));
	cr_assert(ring_has_room(0, 2, 1, 4));
	cr_assert_not(ring_has_room(0, 2, 2, 4), "unread plus in flight fill the ring");
	cr_assert_not(ring_has_room(0, 4, 0, 4));
	cr_assert(ring_has_room(UINT32_MAX, 1, 1, 4), "across the wrap: 2 unread, 1 in flight");
	cr_assert_not(ring_has_room(UINT32_MAX, 2, 1, 4));
}
