/*
 * Mutexes and condition variables on archk's futex calls. The uncontended
 * paths are single atomic instructions; only contention enters the kernel.
 */
#include <archk/runtime.h>

/*
 * The classic three-state futex mutex: 0 free, 1 held, 2 held with possible
 * waiters. Unlock only calls futex_wake when someone may be waiting.
 */
int archk_mutex_trylock(struct archk_mutex *m)
{
	uint32_t expected = 0;

	return __atomic_compare_exchange_n(&m->state, &expected, 1, 0, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

void archk_mutex_lock(struct archk_mutex *m)
{
	if (archk_mutex_trylock(m))
		return;
	while (__atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE) != 0)
		archk_futex_wait(&m->state, 2, ARCHK_DEADLINE_INFINITE);
}

void archk_mutex_unlock(struct archk_mutex *m)
{
	if (__atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE) == 2)
		archk_futex_wake(&m->state, 1);
}

/*
 * A waiter records the sequence number, drops the mutex and sleeps while the
 * number is unchanged, so a signal between unlock and sleep is never lost.
 */
void archk_cond_wait(struct archk_cond *c, struct archk_mutex *m)
{
	uint32_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);

	archk_mutex_unlock(m);
	archk_futex_wait(&c->seq, seq, ARCHK_DEADLINE_INFINITE);
	archk_mutex_lock(m);
}

void archk_cond_signal(struct archk_cond *c)
{
	__atomic_add_fetch(&c->seq, 1, __ATOMIC_RELEASE);
	archk_futex_wake(&c->seq, 1);
}

void archk_cond_broadcast(struct archk_cond *c)
{
	__atomic_add_fetch(&c->seq, 1, __ATOMIC_RELEASE);
	archk_futex_wake(&c->seq, UINT32_MAX);
}
