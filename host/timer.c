/*
 * Time: deadlines and the time page.
 *
 * Deadlines (sleep, futex timeouts) are absolute io_uring timeouts on a ring
 * that a host thread of their own waits on. A vCPU busy in a guest would
 * reap a completion only at its next exit, up to a timeslice late; this
 * thread reaps it at once and wakes the thread through the kernel, whose
 * scheduler then interrupts the vCPU that should run it. The ring's
 * submission queue is only touched under the kernel lock.
 *
 * The same thread republishes the time page (archk/timepage.h) every
 * REFRESH_NS: a memfd page mapped read-write for archk and read-only at the
 * start of the arena for guests. The TSC rate is measured against
 * CLOCK_MONOTONIC since boot, so it grows more exact with every update.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <x86intrin.h>
#include <archk/timepage.h>
#include "host.h"

#define REFRESH_NS  4000000 /* 4 ms */
#define REFRESH_TAG ((void *)1)

static struct {
	struct io_uring ring;
	pthread_t thread;
	struct archk_time_page *page; /* archk's writable view */
	uint64_t tsc0;		      /* calibration start */
	int64_t mono0;
	struct __kernel_timespec refresh; /* relative; must outlive submission */
} timers;

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A TSC reading paired with CLOCK_MONOTONIC: the tightest of three bracketed
 * samples, so a host preemption between the two reads cannot skew the pair.
 */
static void sample(uint64_t *tsc, int64_t *mono)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 3; i++) {
		uint64_t before = __rdtsc();
		int64_t ns = clock_ns(CLOCK_MONOTONIC);
		uint64_t after = __rdtsc();

		if (after - before < best) {
			best = after - before;
			*tsc = before + (after - before) / 2;
			*mono = ns;
		}
	}
}

/*
 * Publishes a new base and rate under the sequence lock. The monotonic clock
 * guests compute never steps backwards: if it ran ahead of the host's, the
 * base stays where it is and the rate is slowed for the next interval so the
 * page converges (never below half speed).
 */
static void publish(void)
{
	struct archk_time_page *p = timers.page;
	uint64_t tsc;
	int64_t mono, real = clock_ns(CLOCK_REALTIME), ahead = 0;
	uint64_t mult;

	sample(&tsc, &mono);
	mult = (uint64_t)(((unsigned __int128)(mono - timers.mono0) << 32) /
			  (tsc - timers.tsc0 ? tsc - timers.tsc0 : 1));
	if (p->mult) {
		int64_t predicted =
		    p->base_ns +
		    (int64_t)(((unsigned __int128)(tsc - p->tsc_base) * p->mult) >> 32);

		ahead = predicted > mono ? predicted - mono : 0;
	}
	__atomic_store_n(&p->seq, p->seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	p->tsc_base = tsc;
	p->base_ns = mono + ahead;
	p->realtime_base_ns = real + ahead;
	p->mult = ahead > REFRESH_NS / 2
		      ? mult / 2
		      : (uint64_t)((unsigned __int128)mult * (REFRESH_NS - ahead) / REFRESH_NS);
	p->version = ARCHK_TIME_PAGE_VERSION;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&p->seq, p->seq + 1, __ATOMIC_RELEASE);
}

/* The next refresh, submitted under the kernel lock like every deadline. */
static void arm_refresh(void)
{
	struct io_uring_sqe *sqe;

	hook_lock();
	sqe = ring_get_sqe(&timers.ring);
	io_uring_prep_timeout(sqe, &timers.refresh, 0, 0);
	io_uring_sqe_set_data(sqe, REFRESH_TAG);
	io_uring_submit(&timers.ring);
	hook_unlock();
}

/* Maps the page twice and calibrates the TSC for 100 us for a first rate. */
uint64_t timepage_prepare(void)
{
	int fd = memfd_create("archk-time", MFD_CLOEXEC);
	void *ro;

	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return 0;
	timers.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ro = mmap((void *)ARENA_BASE, 4096, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	close(fd);
	if (timers.page == MAP_FAILED || ro == MAP_FAILED)
		return 0;
	sample(&timers.tsc0, &timers.mono0);
	while (clock_ns(CLOCK_MONOTONIC) - timers.mono0 < 100000)
		;
	publish();
	timers.refresh.tv_nsec = REFRESH_NS;
	return ARENA_BASE;
}

static void *timer_main(void *unused)
{
	struct io_uring_cqe *cqe;

	kick_ring = &timers.ring; /* wakes idle vCPUs from here too */
	trap_thread_init(NULL);
	arm_refresh();
	for (;;) {
		if (io_uring_wait_cqe(&timers.ring, &cqe) < 0)
			continue;
		void *token = io_uring_cqe_get_data(cqe);
		int cqe_res = cqe->res;

		io_uring_cqe_seen(&timers.ring, cqe);
		if (token == REFRESH_TAG) {
			publish();
			arm_refresh();
		} else if (token) {
			/* A timeout that fired ends with -ETIME, a removed one with -ECANCELED. */
			kernel_io_done(token, cqe_res == -ECANCELED ? ARCHK_ERR_CANCELLED : 0);
		}
	}
	return NULL;
}

int timer_prepare(void)
{
	return ring_init(&timers.ring, 256);
}

struct io_uring *timer_ring(void)
{
	return &timers.ring;
}

int timer_start(void)
{
	return pthread_create(&timers.thread, NULL, timer_main, NULL) == 0 ? 0 : -1;
}

static struct __kernel_timespec timespec_of(int64_t ns)
{
	return (struct __kernel_timespec){.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
}

/* The io_uring copies the timespec when it takes the submission, which is at once. */
void hook_timer_arm(int64_t deadline, struct io_token *token)
{
	struct __kernel_timespec ts = timespec_of(deadline);
	struct io_uring_sqe *sqe = ring_get_sqe(&timers.ring);

	io_uring_prep_timeout(sqe, &ts, 0, IORING_TIMEOUT_ABS);
	io_uring_sqe_set_data(sqe, token);
	io_uring_submit(&timers.ring);
}

/*
 * Update and remove post no completion of their own when they succeed
 * (CQE_SKIP_SUCCESS); when they fail, the timer has fired already and its
 * own completion is on its way, and theirs carries no token.
 */
void hook_timer_update(int64_t deadline, struct io_token *token)
{
	struct __kernel_timespec ts = timespec_of(deadline);
	struct io_uring_sqe *sqe = ring_get_sqe(&timers.ring);

	io_uring_prep_timeout_update(sqe, &ts, (uint64_t)(uintptr_t)token, IORING_TIMEOUT_ABS);
	io_uring_sqe_set_data(sqe, NULL);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	io_uring_submit(&timers.ring);
}

void hook_timer_cancel(struct io_token *token)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&timers.ring);

	io_uring_prep_timeout_remove(sqe, (uint64_t)(uintptr_t)token, 0);
	io_uring_sqe_set_data(sqe, NULL);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	io_uring_submit(&timers.ring);
}
