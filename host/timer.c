/*
 * Deadlines (sleep, futex timeouts): absolute io_uring timeouts on a ring
 * that a host thread of their own waits on. A vCPU busy in a guest would
 * reap a completion only at its next exit, up to a timeslice late; this
 * thread reaps it at once and wakes the thread through the kernel, whose
 * scheduler then interrupts the vCPU that should run it. Timeouts are
 * submitted under the kernel lock, the only place this ring's submission
 * queue is touched; the thread itself only reaps completions.
 */
#include <stdio.h>
#include "host.h"

static struct {
	struct io_uring ring;
	pthread_t thread;
} timers;

extern _Thread_local struct io_uring *kick_ring;

static void *timer_main(void *unused)
{
	struct io_uring_cqe *cqe;

	kick_ring = &timers.ring; /* wakes idle vCPUs from here too */
	trap_thread_init(NULL);
	for (;;) {
		if (io_uring_wait_cqe(&timers.ring, &cqe) < 0)
			continue;
		void *token = io_uring_cqe_get_data(cqe);

		io_uring_cqe_seen(&timers.ring, cqe);
		if (token)
			kernel_io_done(token, 0);
	}
	return NULL;
}

int timer_prepare(void)
{
	return ring_init(&timers.ring, 256);
}

int timer_start(void)
{
	return pthread_create(&timers.thread, NULL, timer_main, NULL) == 0 ? 0 : -1;
}

void hook_timer_arm(struct vcpu *v, int64_t deadline, void *token)
{
	struct __kernel_timespec ts = {.tv_sec = deadline / 1000000000,
				       .tv_nsec = deadline % 1000000000};
	struct io_uring_sqe *sqe = ring_get_sqe(&timers.ring);

	io_uring_prep_timeout(sqe, &ts, 0, IORING_TIMEOUT_ABS);
	io_uring_sqe_set_data(sqe, token);
	io_uring_submit(&timers.ring);
}
