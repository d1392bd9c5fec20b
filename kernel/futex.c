/*
 * Waiting on guest memory and on time: futex_wait/futex_wake (the basis of
 * the runtime's mutexes and condition variables), sleep, and the deadlines
 * behind both.
 *
 * A futex waiter sits in one of FUTEX_BUCKETS queues chosen by its word's
 * address; wake scans that queue for waiters of the same process and word.
 * A deadline is an io_uring timeout on the waiter's vCPU; when it fires it
 * wakes the thread only if nothing else has since (deadline_seq).
 */
#include "arena.h"
#include "io.h"
#include "syscall.h"

#define FUTEX_BUCKETS 256
#define MAX_DEADLINES 4096

struct deadline {
	struct io_token token;
	struct thread *thread; /* referenced until the timer completes */
	uint64_t seq;	       /* the thread's deadline_seq when armed */
	long result;	       /* what the thread gets if the deadline wakes it */
};

static struct thread_list buckets[FUTEX_BUCKETS];
static struct arena deadline_arena;

int futex_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++)
		TAILQ_INIT(&buckets[i]);
	return arena_init(&deadline_arena, "deadline", sizeof(struct deadline), MAX_DEADLINES);
}

static struct thread_list *bucket_of(uintptr_t word)
{
	return &buckets[(word >> 2) % FUTEX_BUCKETS];
}

static void deadline_done(struct io_token *token, long result)
{
	struct deadline *d = (struct deadline *)token;
	struct thread *t = d->thread;

	if (t->state == THREAD_BLOCKED && t->deadline_seq == d->seq)
		thread_wake(t, d->result, NULL);
	object_unref(&t->obj);
	arena_free(&deadline_arena, d);
}

void thread_wake_at(struct thread *t, int64_t deadline, long result)
{
	struct deadline *d = arena_alloc(&deadline_arena);

	KASSERT(t->state == THREAD_BLOCKED);
	if (!d) {
		thread_wake(t, ARCHK_ERR_NO_MEMORY, NULL);
		return;
	}
	d->token.complete = deadline_done;
	d->thread = t;
	d->seq = t->deadline_seq;
	d->result = result;
	object_ref(&t->obj);
	hook_timer_arm(t->vcpu, deadline, &d->token);
}

bool deadline_passed(int64_t deadline)
{
	return deadline != ARCHK_DEADLINE_INFINITE && deadline <= hook_clock(ARCHK_CLOCK_MONOTONIC);
}

/* futex_wait(word, expected, deadline): sleeps while *word == expected. */
long sys_futex_wait(struct thread *t, struct syscall_args *args)
{
	uintptr_t word = args->a[0];
	int64_t deadline = (int64_t)args->a[2];
	uint32_t value;
	long err;

	if (word % 4 != 0)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = copy_from_guest(t->proc, &value, word, sizeof(value))) < 0)
		return err;
	if (value != (uint32_t)args->a[1])
		return ARCHK_ERR_SHOULD_WAIT;
	if (deadline_passed(deadline))
		return ARCHK_ERR_TIMED_OUT;
	t->wait_arg = word;
	thread_block(t, bucket_of(word));
	if (deadline != ARCHK_DEADLINE_INFINITE)
		thread_wake_at(t, deadline, ARCHK_ERR_TIMED_OUT);
	return 0;
}

/* futex_wake(word, count): wakes up to count waiters of this process's word. */
long sys_futex_wake(struct thread *t, struct syscall_args *args)
{
	struct thread_list *q = bucket_of(args->a[0]);
	struct thread *w, *next;
	long woken = 0;

	if (args->a[0] % 4 != 0)
		return ARCHK_ERR_INVALID_ARGS;
	for (w = TAILQ_FIRST(q); w && (uint64_t)woken < (uint32_t)args->a[1]; w = next) {
		next = TAILQ_NEXT(w, run_link);
		if (w->proc == t->proc && w->wait_arg == args->a[0]) {
			thread_wake(w, 0, NULL);
			woken++;
		}
	}
	return woken;
}

/* sleep(deadline): returns 0 once the monotonic clock has reached deadline. */
long sys_sleep(struct thread *t, struct syscall_args *args)
{
	int64_t deadline = (int64_t)args->a[0];

	if (deadline <= hook_clock(ARCHK_CLOCK_MONOTONIC))
		return 0;
	thread_block(t, NULL);
	if (deadline != ARCHK_DEADLINE_INFINITE) /* forever needs no timer */
		thread_wake_at(t, deadline, 0);
	return 0;
}
