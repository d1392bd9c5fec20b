/*
 * Run queues: see runq.h. The bitmap makes finding the highest non-empty
 * level one instruction (count leading zeros), whatever the number of threads.
 */
#include "proc.h"
#include "runq.h"

void runq_init(struct runq *q)
{
	q->bitmap = 0;
	q->count = 0;
	for (int i = 0; i < RUNQ_LEVELS; i++)
		TAILQ_INIT(&q->levels[i]);
}

void runq_add(struct runq *q, struct thread *t, int level, bool head)
{
	if (head)
		TAILQ_INSERT_HEAD(&q->levels[level], t, run_link);
	else
		TAILQ_INSERT_TAIL(&q->levels[level], t, run_link);
	q->bitmap |= 1ULL << level;
	q->count++;
}

void runq_remove(struct runq *q, struct thread *t, int level)
{
	TAILQ_REMOVE(&q->levels[level], t, run_link);
	if (TAILQ_EMPTY(&q->levels[level]))
		q->bitmap &= ~(1ULL << level);
	q->count--;
}

int runq_top_level(const struct runq *q)
{
	return q->bitmap ? 63 - __builtin_clzll(q->bitmap) : -1;
}

struct thread *runq_first(const struct runq *q, int level)
{
	return TAILQ_FIRST(&q->levels[level]);
}
