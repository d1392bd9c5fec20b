/*
 * The hand-shake between an idle vCPU that spins before it sleeps
 * (vcpu.c, hook_idle) and another vCPU that kicks it (send_kick). A
 * spinning vCPU is kicked by a store; only one that has stopped spinning,
 * and will sleep in io_uring, needs a wake-up message. Each side changes the
 * state with one compare-and-swap, so a kick is never lost between the two:
 * either the kicker's CAS moves SPINNING to KICKED and the spinner sees it,
 * or the spinner's CAS moved SPINNING to NOT_SPINNING first and the kicker
 * sends the message. Tested by two threads in tests/unit/test_idle_spin.c.
 */
#ifndef ARCHK_HOST_IDLE_SPIN_H
#define ARCHK_HOST_IDLE_SPIN_H

#include <stdbool.h>

enum idle_spin { NOT_SPINNING, SPINNING, KICKED };

/* The spinner starts spinning. */
static inline void idle_spin_start(int *state)
{
	__atomic_store_n(state, SPINNING, __ATOMIC_SEQ_CST);
}

/* The spinner's check in its loop: has a kick come? */
static inline bool idle_spin_kicked(const int *state)
{
	return __atomic_load_n(state, __ATOMIC_ACQUIRE) != SPINNING;
}

/* The spinner stops; returns true if it was kicked (then no message comes for it). */
static inline bool idle_spin_stop(int *state)
{
	int spinning = SPINNING;

	if (__atomic_compare_exchange_n(state, &spinning, NOT_SPINNING, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		return false;
	__atomic_store_n(state, NOT_SPINNING, __ATOMIC_RELAXED);
	return true;
}

/* A kick; returns false if the target does not spin and needs a wake-up message. */
static inline bool idle_spin_kick(int *state)
{
	int spinning = SPINNING;

	return __atomic_compare_exchange_n(state, &spinning, KICKED, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

#endif
