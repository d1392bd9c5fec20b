/*
 * The scheduler's run queue (kernel/runq.c): levels in priority order, FIFO
 * within a level, head insertion for a preempted thread, and the bitmap that
 * makes the pick O(1).
 */
#include <criterion/criterion.h>
#include <string.h>
#include "../../kernel/scheduler.h"

static struct runq q;
static struct thread threads[8];

static void setup(void)
{
	runq_init(&q);
	memset(threads, 0, sizeof(threads));
}

TestSuite(runq, .init = setup);

Test(runq, empty)
{
	cr_assert_eq(runq_top_level(&q), -1);
	cr_assert_eq(q.count, 0);
	for (int l = 0; l < RUNQ_LEVELS; l++)
		cr_assert_null(runq_first(&q, l));
}

/* Real time beats every normal priority, which beats idle. */
Test(runq, level_order)
{
	runq_add(&q, &threads[0], RUNQ_LEVEL_IDLE, false);
	cr_assert_eq(runq_top_level(&q), RUNQ_LEVEL_IDLE);
	runq_add(&q, &threads[1], runq_level_of_priority(0), false);
	cr_assert_eq(runq_top_level(&q), runq_level_of_priority(0));
	runq_add(&q, &threads[2], runq_level_of_priority(30), false);
	cr_assert_eq(runq_top_level(&q), runq_level_of_priority(30));
	runq_add(&q, &threads[3], RUNQ_LEVEL_RT, false);
	cr_assert_eq(runq_top_level(&q), RUNQ_LEVEL_RT);
	cr_assert_gt(RUNQ_LEVEL_RT, runq_level_of_priority(30));
	cr_assert_gt(runq_level_of_priority(0), RUNQ_LEVEL_IDLE);
	cr_assert_eq(q.count, 4);
}

/* FIFO within a level; head insertion goes first; removal keeps the order. */
Test(runq, fifo_and_head)
{
	int l = runq_level_of_priority(15);

	runq_add(&q, &threads[0], l, false);
	runq_add(&q, &threads[1], l, false);
	runq_add(&q, &threads[2], l, true);
	cr_assert_eq(runq_first(&q, l), &threads[2]);
	runq_remove(&q, &threads[2], l);
	cr_assert_eq(runq_first(&q, l), &threads[0]);
	runq_remove(&q, &threads[0], l);
	cr_assert_eq(runq_first(&q, l), &threads[1]);
}

/* The bitmap bit of a level goes away with its last thread, and only then. */
Test(runq, bitmap_tracks_levels)
{
	int hi = runq_level_of_priority(20), lo = runq_level_of_priority(3);

	runq_add(&q, &threads[0], hi, false);
	runq_add(&q, &threads[1], hi, false);
	runq_add(&q, &threads[2], lo, false);
	runq_remove(&q, &threads[0], hi);
	cr_assert_eq(runq_top_level(&q), hi);
	runq_remove(&q, &threads[1], hi);
	cr_assert_eq(runq_top_level(&q), lo);
	cr_assert_eq(q.bitmap, 1ULL << lo);
	runq_remove(&q, &threads[2], lo);
	cr_assert_eq(runq_top_level(&q), -1);
	cr_assert_eq(q.bitmap, 0);
	cr_assert_eq(q.count, 0);
}

/* Every level works, including the ends. */
Test(runq, all_levels)
{
	for (int l = 0; l < RUNQ_LEVELS; l++) {
		runq_add(&q, &threads[0], l, false);
		cr_assert_eq(runq_top_level(&q), l);
		runq_remove(&q, &threads[0], l);
	}
}
