/*
 * A run queue of the priority scheduler (Archipelago's): a real-time FIFO
 * that always goes first, 31 normal priorities (30 highest) with one FIFO
 * each and a bitmap for an O(1) pick, and an idle FIFO that runs only when
 * everything else is empty. Threads link through their run_link field.
 */
#ifndef KERNEL_RUNQ_H
#define KERNEL_RUNQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

struct thread;
TAILQ_HEAD(thread_list, thread);

#define RUNQ_PRIORITIES 31 /* normal priorities 0..30 */
#define RUNQ_LEVELS	(RUNQ_PRIORITIES + 2)
#define RUNQ_LEVEL_IDLE 0 /* level index of the idle class */
#define RUNQ_LEVEL_RT	(RUNQ_LEVELS - 1)
/* Not a queue: thread.level of a thread on a vCPU's list of just-woken threads. */
#define RUNQ_LEVEL_WOKEN (-1)

/* Level of normal priority p: levels 1..31 hold priorities 0..30. */
static inline int runq_level_of_priority(int p)
{
	return p + 1;
}

struct runq {
	uint64_t bitmap; /* bit L set: level L is not empty */
	unsigned count;
	struct thread_list levels[RUNQ_LEVELS];
};

void runq_init(struct runq *q);
/* Adds t at level; at the head (a preempted thread keeps its turn) or the tail. */
void runq_add(struct runq *q, struct thread *t, int level, bool head);
void runq_remove(struct runq *q, struct thread *t, int level);
/* The highest non-empty level, or -1 if the queue is empty. */
int runq_top_level(const struct runq *q);
/* The first thread of level (NULL if empty). */
struct thread *runq_first(const struct runq *q, int level);

#endif
