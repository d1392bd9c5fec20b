/*
 * The idle spin's hand-shake (host/idle_spin.h) across two threads: a
 * waiter that spins for a random short while and then "sleeps" on a
 * semaphore (the wake-up message), and a kicker that kicks it once per
 * round, posting the semaphore only when idle_spin_kick says the waiter no
 * longer spins. A lost kick leaves the waiter asleep (the round times out
 * and the test fails); every kick must end exactly one wait.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include "../../host/idle_spin.h"

#define ROUNDS 200000

static struct {
	int state;
	sem_t message;
	int round;   /* the round the waiter waits in */
	int woken;   /* rounds the waiter was woken in */
	int by_spin; /* of which by a kick it saw spinning */
} shared;

static void *waiter(void *unused)
{
	unsigned seed = 1;

	for (int i = 1; i <= ROUNDS; i++) {
		int spins = rand_r(&seed) % 64;
		struct timespec deadline;

		idle_spin_start(&shared.state);
		__atomic_store_n(&shared.round, i, __ATOMIC_RELEASE);
		while (spins-- > 0 && !idle_spin_kicked(&shared.state))
			__builtin_ia32_pause();
		if (idle_spin_stop(&shared.state)) {
			shared.by_spin++;
		} else {
			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_sec += 10;
			if (sem_timedwait(&shared.message, &deadline) != 0)
				return NULL; /* a lost kick */
		}
		shared.woken++;
		/* The next round's kick must not arrive before this round is over. */
		while (__atomic_load_n(&shared.round, __ATOMIC_ACQUIRE) != -i)
			__builtin_ia32_pause();
	}
	return NULL;
}

static void *kicker(void *unused)
{
	for (int i = 1; i <= ROUNDS; i++) {
		while (__atomic_load_n(&shared.round, __ATOMIC_ACQUIRE) != i)
			__builtin_ia32_pause();
		if (!idle_spin_kick(&shared.state))
			sem_post(&shared.message);
		while (__atomic_load_n(&shared.state, __ATOMIC_ACQUIRE) != NOT_SPINNING)
			__builtin_ia32_pause();
		__atomic_store_n(&shared.round, -i, __ATOMIC_RELEASE);
	}
	return NULL;
}

Test(idle_spin, no_kick_is_lost_or_doubled, .timeout = 60)
{
	pthread_t w, k;
	int extra;

	sem_init(&shared.message, 0, 0);
	pthread_create(&w, NULL, waiter, NULL);
	pthread_create(&k, NULL, kicker, NULL);
	pthread_join(w, NULL);
	pthread_join(k, NULL);
	cr_assert_eq(shared.woken, ROUNDS);
	cr_assert_eq(sem_getvalue(&shared.message, &extra), 0);
	cr_assert_eq(extra, 0, "a kick was delivered twice");
	/* Both paths were crossed, not only one. */
	cr_assert_gt(shared.by_spin, 0);
	cr_assert_lt(shared.by_spin, ROUNDS);
}
