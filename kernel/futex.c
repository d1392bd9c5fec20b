/*
 * Waiting on guest memory and on time: futex_wait/futex_wake (the basis of
 * the runtime's mutexes and condition variables), sleep, and the deadlines
 * behind both.
 *
 * A futex waiter sits in one of FUTEX_BUCKETS queues chosen by its word's
 * address; wake scans that queue for waiters of the same process and word.
 *
 * Deadlines: every thread owns one host timer (struct thread_deadline), so
 * timed waits need no memory of their own and one process cannot use up
 * what others need. A wake-up only forgets the wait's deadline; the timer
 * is left to fire (or is moved earlier by the next timed wait), and then
 * does nothing unless the thread's current wait wants it. A thread that dies
 * cancels its timer, whose completion drops the last reference.
 */
#include "futex.h"
#include "syscall.h"

#define FUTEX_BUCKETS 256

static struct thread_list buckets[FUTEX_BUCKETS];

int futex_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++)
		TAILQ_INIT(&buckets[i]);
	return 0;
}

static struct thread_list *bucket_of(uintptr_t word)
{
	return &buckets[(word >> 2) % FUTEX_BUCKETS];
}

static struct thread *thread_of_deadline(struct io_token *token)
{
	return (struct thread *)((char *)token - offsetof(struct thread, deadline.token));
}

/* Sets the host timer for t's wanted deadline; the timer holds a reference. */
static void deadline_arm(struct thread *t)
{
	t->deadline.armed = true;
	t->deadline.armed_at = t->deadline.at;
	object_ref(&t->obj);
	hook_timer_arm(t->deadline.at, &t->deadline.token);
}

/*
 * The host timer fired (or was cancelled). It ends t's wait only if that
 * wait's own deadline has passed: the timer may have been set for an earlier
 * wait, or moved, or t may have been woken since. If t still waits for a
 * later deadline, the timer is set again.
 */
static void deadline_fired(struct io_token *token, long result)
{
	struct thread *t = thread_of_deadline(token);

	ASSERT_LOCKED();
	t->deadline.armed = false;
	if (result == 0 && t->state != THREAD_DEAD &&
	    t->deadline.at != ARCHK_DEADLINE_INFINITE) {
		if (t->state == THREAD_BLOCKED && deadline_passed(t->deadline.at)) {
			thread_wake(t, t->deadline.result, NULL);
		} else {
			deadline_arm(t);
		}
	}
	object_unref(&t->obj);
}

void deadline_init(struct thread *t)
{
	t->deadline.token.complete = deadline_fired;
	t->deadline.at = ARCHK_DEADLINE_INFINITE;
}

void thread_wake_at(struct thread *t, int64_t deadline, long result)
{
	ASSERT_LOCKED();
	KASSERT(t->state == THREAD_BLOCKED && deadline != ARCHK_DEADLINE_INFINITE);
	t->deadline.at = deadline;
	t->deadline.result = result;
	if (!t->deadline.armed) {
		deadline_arm(t);
	} else if (deadline < t->deadline.armed_at) {
		t->deadline.armed_at = deadline;
		hook_timer_update(deadline, &t->deadline.token);
	}
}

void deadline_release(struct thread *t)
{
	t->deadline.at = ARCHK_DEADLINE_INFINITE;
	if (t->deadline.armed)
		hook_timer_cancel(&t->deadline.token);
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
	thread_block(t, bucket_of(word));
	t->wait.kind = WAIT_FUTEX;
	t->wait.futex.word = word;
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
		if (w->proc == t->proc && w->wait.futex.word == args->a[0]) {
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
