/*
 * vCPUs: host threads that each run the kernel's run loop, own one io_uring
 * and block nowhere else ("block externally, queue internally"). Idle vCPUs
 * wait in io_uring_enter; another vCPU wakes one with IORING_OP_MSG_RING
 * rather than a futex; completions already in the ring are reaped from
 * memory without a syscall.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host.h"
#include "idle_spin.h"

#define RING_ENTRIES	     64
#define KICK_TAG	     0	    /* user_data of a wake-up message */
#define SPIN_IDLE_MAX_NS     50000  /* hook_idle spins instead of sleeping up to this long */
#define SPIN_BEFORE_SLEEP_NS 30000  /* and spins this long before any longer sleep... */
#define IDLE_LONG_NS	     120000 /* ...while idle periods last less (note_idle_length) */
#define SLICE_SLACK_SHIFT    6	    /* hook_slice_arm keeps a timer within slice / 64 */

static struct host_vcpu *vcpus;
static unsigned vcpu_count;
static pthread_mutex_t kernel_lock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
static _Thread_local bool lock_owner; /* this host thread holds kernel_lock */
static int exit_status;
_Thread_local struct io_uring *kick_ring;
struct host_options host_opts = {.huge_pages = true};

/*
 * Limits each ring to the operations archk uses, so that even code that
 * escapes a guest cannot open files through io_uring. With a share attached
 * the rings also take the share's path operations (dev_share.c), which
 * reach the host's file system: see docs/architecture.md, "The sandbox".
 */
static int restrict_ring(struct io_uring *ring)
{
	static const uint8_t ops[] = {
	    IORING_OP_NOP,	    IORING_OP_READ,	IORING_OP_WRITE,
	    IORING_OP_READV,	    IORING_OP_WRITEV,	IORING_OP_FSYNC,
	    IORING_OP_MSG_RING,	    IORING_OP_TIMEOUT,	IORING_OP_TIMEOUT_REMOVE,
	    IORING_OP_ASYNC_CANCEL, IORING_OP_POLL_ADD, IORING_OP_READ_FIXED,
	    IORING_OP_WRITE_FIXED};
	static const uint8_t share_ops[] = {IORING_OP_OPENAT2,	IORING_OP_STATX,
					    IORING_OP_RENAMEAT, IORING_OP_UNLINKAT,
					    IORING_OP_MKDIRAT,	IORING_OP_CLOSE};
	struct io_uring_restriction res[sizeof(ops) + sizeof(share_ops) + SOCKET_RING_OPS_MAX + 1];
	int n = 0;

	memset(res, 0, sizeof(res));
	for (size_t i = 0; i < sizeof(ops); i++)
		res[n++] = (struct io_uring_restriction){.opcode = IORING_RESTRICTION_SQE_OP,
							 .sqe_op = ops[i]};
	for (size_t i = 0; host_opts.share_ops && i < sizeof(share_ops); i++)
		res[n++] = (struct io_uring_restriction){.opcode = IORING_RESTRICTION_SQE_OP,
							 .sqe_op = share_ops[i]};
	if (host_opts.net) /* socket operations only for a run with --net */
		n += socket_ring_restrictions(ring, res + n);
	res[n].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
	res[n++].sqe_flags = IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK | IOSQE_ASYNC;
	/* Through io_uring_register: Debian's liburing 2.3 does not export the helpers. */
	int err = io_uring_register(ring->ring_fd, IORING_REGISTER_RESTRICTIONS, res, (unsigned)n);
	if (err < 0)
		return err;
	return io_uring_register(ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
}

/* A restricted ring created with setup flags (IORING_SETUP_R_DISABLED added). */
static int ring_init_flags(struct io_uring *ring, unsigned entries, unsigned flags)
{
	struct io_uring_params params = {.flags = IORING_SETUP_R_DISABLED | flags};
	int err = io_uring_queue_init_params(entries, ring, &params);

	return err < 0 ? err : restrict_ring(ring);
}

int ring_init(struct io_uring *ring, unsigned entries)
{
	return ring_init_flags(ring, entries, 0);
}

/*
 * A vCPU's ring. Every request on it is submitted by its own vCPU thread, so
 * the task work that finishes one (a socket that became ready, a timeout)
 * runs on that thread. Without COOP_TASKRUN the host interrupts the thread
 * with an IPI to run it at once, even while it runs a guest, which does not
 * look at the ring until its next exit anyway: each completion then costs an
 * interrupt and a kernel round trip for nothing. With it, an idle vCPU (in
 * io_uring_enter, or spinning in hook_idle) is still woken at once, and a
 * busy one finds IORING_SQ_TASKRUN set when it next looks (ring_pending) and
 * runs the work of all its completions in one io_uring_enter (liburing's peek
 * does that). Kernels before 5.19 lack the flags: the ring is made without.
 */
static int vcpu_ring_init(struct io_uring *ring)
{
	int err = ring_init_flags(ring, RING_ENTRIES,
				  IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG);

	return err == -EINVAL ? ring_init(ring, RING_ENTRIES) : err;
}

int vcpu_prepare(unsigned count)
{
	vcpu_count = count;
	vcpus = aligned_alloc(64, sizeof(*vcpus) * count);
	if (!vcpus)
		return -ENOMEM;
	memset(vcpus, 0, sizeof(*vcpus) * count);
	sched_init(count);
	for (unsigned i = 0; i < count; i++) {
		int err = vcpu_ring_init(&vcpus[i].ring);

		if (err < 0)
			return err;
		vcpus[i].k.id = i;
		kernel_vcpu_register(&vcpus[i].k);
	}
	return 0;
}

/*
 * The vCPU's slice timer: a one-shot CPU-time timer the kernel arms for each
 * thread's slice (hook_slice_arm). It counts only the vCPU thread's CPU time,
 * so an idle vCPU gets no ticks at all.
 */
static int create_slice_timer(struct host_vcpu *hv)
{
	struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = PREEMPT_SIGNAL};

	sev._sigev_un._tid = gettid();
	return timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &hv->timer) < 0 ? -errno : 0;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Every switch to another thread starts a slice, and arming the timer is a
 * host call. A timer armed for armed_ns at armed_at has, now, between
 * armed_ns - (now - armed_at) and armed_ns of CPU time left (a thread's CPU
 * time never runs faster than the clock; a timer that fired had been armed
 * for at least its whole value). When all of that lies within ns >> 6 of
 * the slice asked for, the timer already times it closely enough and is
 * left alone: threads handing the vCPU to each other every few microseconds
 * do not pay a host call each.
 */
void hook_slice_arm(struct vcpu *v, int64_t ns)
{
	struct host_vcpu *hv = (struct host_vcpu *)v;
	struct itimerspec slice = {.it_value = {ns / 1000000000, ns % 1000000000}};
	int64_t now = monotonic_ns(), off = ns - hv->slice_armed_ns;

	if (ns > 0 && hv->slice_armed_ns > 0 &&
	    (off < 0 ? -off : off) + (now - hv->slice_armed_at) <= ns >> SLICE_SLACK_SHIFT)
		return;
	timer_settime(hv->timer, 0, &slice, NULL);
	hv->slice_armed_ns = ns;
	hv->slice_armed_at = now;
}

bool hook_slice_pending(struct vcpu *v)
{
	struct host_vcpu *hv = (struct host_vcpu *)v;

	return hv->slice_armed_ns > 0 && monotonic_ns() - hv->slice_armed_at < hv->slice_armed_ns;
}

int64_t hook_slice_left(struct vcpu *v)
{
	struct itimerspec left;

	if (timer_gettime(((struct host_vcpu *)v)->timer, &left) < 0)
		return 0;
	return (int64_t)left.it_value.tv_sec * 1000000000 + left.it_value.tv_nsec;
}

static void *vcpu_main(void *arg)
{
	struct host_vcpu *hv = arg;

	kick_ring = &hv->ring;
	hv->thread = pthread_self(); /* vCPU 0 runs on the main thread */
	if (trap_thread_init(hv) < 0 || create_slice_timer(hv) < 0)
		kpanic("vcpu %u: cannot set up signals or its timer", hv->k.id);
	gate_thread_init(hv);
	kernel_vcpu_run(&hv->k);
	timer_delete(hv->timer);
	return NULL;
}

/*
 * vCPU 0 runs on the main thread: one host thread fewer means mprotect has
 * one thread fewer to shoot TLB entries down for (docs/performance.md).
 */
int vcpu_run_all(void)
{
	for (unsigned i = 1; i < vcpu_count; i++) {
		int err = pthread_create(&vcpus[i].thread, NULL, vcpu_main, &vcpus[i]);

		if (err) {
			fprintf(stderr, "archk: cannot start vcpu %u: %s\n", i, strerror(err));
			return 1;
		}
	}
	vcpu_main(&vcpus[0]);
	for (unsigned i = 1; i < vcpu_count; i++)
		pthread_join(vcpus[i].thread, NULL);
	return exit_status;
}

void hook_lock(void)
{
	if (lock_owner)
		kpanic("hook_lock: the kernel lock is already held by this thread");
	pthread_mutex_lock(&kernel_lock);
	lock_owner = true;
}

void hook_unlock(void)
{
	if (!lock_owner)
		kpanic("hook_unlock: the kernel lock is not held by this thread");
	lock_owner = false;
	pthread_mutex_unlock(&kernel_lock);
}

bool hook_lock_held(void)
{
	return lock_owner;
}

long host_error(int err)
{
	switch (err) {
	case -EPIPE:
		return ARCHK_ERR_PEER_CLOSED;
	case -EAGAIN:
		return ARCHK_ERR_SHOULD_WAIT;
	case -ENOSPC:
		return ARCHK_ERR_NO_SPACE;
	case -ECANCELED:
		return ARCHK_ERR_CANCELLED;
	/* Sockets (dev_socket.c); files never give these. */
	case -ECONNREFUSED:
		return ARCHK_ERR_CONN_REFUSED;
	case -ECONNRESET:
	case -ECONNABORTED:
		return ARCHK_ERR_CONN_RESET;
	case -EADDRINUSE:
		return ARCHK_ERR_ADDR_IN_USE;
	case -EADDRNOTAVAIL:
	case -ENETUNREACH:
	case -EHOSTUNREACH:
	case -ENETDOWN:
	case -EHOSTDOWN:
		return ARCHK_ERR_UNREACHABLE;
	case -ETIMEDOUT:
		return ARCHK_ERR_TIMED_OUT;
	case -ENOTCONN:
		return ARCHK_ERR_BAD_STATE;
	case -EMFILE:
	case -ENFILE:
	case -ENOBUFS:
		return ARCHK_ERR_NO_MEMORY;
	case -EACCES:
	case -EPERM:
		return ARCHK_ERR_ACCESS_DENIED;
	case -EAFNOSUPPORT:
	case -EPROTONOSUPPORT:
		return ARCHK_ERR_NOT_SUPPORTED;
	case -EMSGSIZE:
		return ARCHK_ERR_TOO_LONG;
	default:
		return ARCHK_ERR_IO;
	}
}

/*
 * Hands one completion to the kernel, under the lock; wake-up messages
 * carry no work. A token marked HOST_RAW_RESULT gets the host's result as
 * it is.
 */
static void complete(struct io_uring_cqe *cqe)
{
	uint64_t data = cqe->user_data;
	long res = cqe->res;

	if (!(data & HOST_RAW_RESULT) && res < 0)
		res = host_error((int)res);
	kernel_io_done_locked((void *)(uintptr_t)(data & ~HOST_RAW_RESULT), res);
}

/*
 * Reaps v's completions. The kernel lock is taken once for all of them, not
 * per completion: a device's doorbell submits a batch that completes as one
 * (dev_blk.c).
 */
void hook_poll(struct vcpu *v)
{
	struct host_vcpu *hv = (struct host_vcpu *)v;
	struct io_uring_cqe *cqe;
	bool locked = false;

	while (io_uring_peek_cqe(&hv->ring, &cqe) == 0) {
		struct io_uring_cqe copy = *cqe;

		io_uring_cqe_seen(&hv->ring, cqe);
		if (copy.user_data == KICK_TAG)
			continue;
		if (!locked)
			hook_lock();
		locked = true;
		complete(&copy);
	}
	if (locked)
		hook_unlock();
}

/*
 * Spins on the mapped completion ring until a completion, a kick
 * (idle_spin.h) or end (CLOCK_MONOTONIC). Returns true if something came,
 * false at the end; then kicks go through the ring again.
 */
static bool spin_until(struct host_vcpu *hv, int64_t end)
{
	idle_spin_start(&hv->idle_spin);
	while (!ring_pending(&hv->ring) && !idle_spin_kicked(&hv->idle_spin) &&
	       monotonic_ns() < end)
		__builtin_ia32_pause();
	return idle_spin_stop(&hv->idle_spin) || ring_pending(&hv->ring);
}

/*
 * How long v's idle periods last, smoothed over the last few (each counted
 * as at most IDLE_LONG_NS): hook_idle spins only while they are short.
 */
static void note_idle_length(struct host_vcpu *hv, int64_t ns)
{
	hv->idle_typical_ns =
	    (3 * hv->idle_typical_ns + (ns < IDLE_LONG_NS ? ns : IDLE_LONG_NS)) / 4;
}

/*
 * Short waits (a polled I/O queue is active) spin on the mapped completion
 * ring: sleeping in io_uring_enter and waking again would cost more than
 * the wait itself. Longer ones spin SPIN_BEFORE_SLEEP_NS first, then block
 * in io_uring: on the hosts archk runs on, waking a sleeping thread on
 * another CPU costs about as much as that spin, and a request's reply or a
 * client's next request usually comes sooner (a client and its server on a
 * vCPU each: sched.c, place). Only usually: a vCPU whose idle periods have
 * been longer than the spin sleeps at once, since its spinning would only
 * take the CPU from host programs it waits for (a client on loopback).
 */
void hook_idle(struct vcpu *v, int64_t timeout_ns)
{
	struct host_vcpu *hv = (struct host_vcpu *)v;
	bool short_wait = timeout_ns && timeout_ns <= SPIN_IDLE_MAX_NS;
	int64_t now = monotonic_ns(), spin = short_wait ? timeout_ns
					     : hv->idle_typical_ns < SPIN_BEFORE_SLEEP_NS
						 ? SPIN_BEFORE_SLEEP_NS
						 : 0;
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	int err;

	if ((spin && spin_until(hv, now + spin)) || short_wait) {
		note_idle_length(hv, monotonic_ns() - now);
		hook_poll(v);
		return;
	}
	timeout_ns -= timeout_ns ? monotonic_ns() - now : 0;
	if (timeout_ns < 0)
		return;
	ts = (struct __kernel_timespec){timeout_ns / 1000000000, timeout_ns % 1000000000};
	err = timeout_ns ? io_uring_wait_cqe_timeout(&hv->ring, &cqe, &ts)
			 : io_uring_wait_cqe(&hv->ring, &cqe);
	note_idle_length(hv, monotonic_ns() - now);
	if (err == 0)
		hook_poll(v);
}

/* A free submission slot of ring, flushing the queue if it is full. */
struct io_uring_sqe *ring_get_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	return sqe;
}

/*
 * Wakes target: a store if it spins in hook_idle, else a wake-up message
 * from the calling thread's ring to target's. Threads without a ring of
 * their own (the terminal's signal thread, the gdb server, the main thread
 * at boot) send it through the timer thread's ring, whose submission queue
 * is touched only under the kernel lock, as every kick is: a thread they
 * wake must not wait on a sleeping vCPU that nobody kicked.
 */
static void send_kick(struct host_vcpu *target)
{
	struct io_uring *ring = kick_ring ? kick_ring : timer_ring();
	struct io_uring_sqe *sqe;

	if (!lock_owner)
		kpanic("send_kick: the kernel lock is not held");
	if (ring == &target->ring || idle_spin_kick(&target->idle_spin))
		return;
	sqe = ring_get_sqe(ring);
	io_uring_prep_msg_ring(sqe, target->ring.ring_fd, 0, KICK_TAG, 0);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	io_uring_submit(ring);
}

void hook_kick(struct vcpu *v)
{
	send_kick((struct host_vcpu *)v);
}

/* The preemption signal makes a vCPU in a guest exit at once; in host code it
 * only leaves a note, which is also fine: the kernel runs there anyway. */
void hook_interrupt(struct vcpu *v)
{
	pthread_kill(((struct host_vcpu *)v)->thread, PREEMPT_SIGNAL);
}

void hook_shutdown(int status)
{
	exit_status = status;
	for (unsigned i = 0; i < vcpu_count; i++)
		send_kick(&vcpus[i]);
}

void hook_console_read(int fd, void *buf, size_t len, struct io_token *token)
{
	struct io_uring_sqe *sqe = ring_get_sqe(kick_ring);

	io_uring_prep_read(sqe, fd, buf, (unsigned)len, (uint64_t)-1);
	io_uring_sqe_set_data(sqe, token);
	io_uring_submit(kick_ring);
}

/*
 * A write at the file's own position (offset -1: pipes and terminals have
 * none). when_writable links it behind a poll for POLLOUT, whose own
 * completion is skipped; if the poll fails the write completes CANCELLED.
 */
void hook_console_write(int fd, const void *buf, size_t len, bool when_writable,
			struct io_token *token)
{
	struct io_uring_sqe *sqe;

	if (when_writable) {
		sqe = ring_get_sqe(kick_ring);
		io_uring_prep_poll_add(sqe, fd, POLLOUT);
		io_uring_sqe_set_data(sqe, (void *)KICK_TAG);
		sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	}
	sqe = ring_get_sqe(kick_ring);
	io_uring_prep_write(sqe, fd, buf, (unsigned)len, (uint64_t)-1);
	io_uring_sqe_set_data(sqe, token);
	io_uring_submit(kick_ring);
}
