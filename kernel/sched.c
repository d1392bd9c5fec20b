/*
 * The scheduler and the vCPU run loop.
 *
 * Every vCPU runs kernel_vcpu_run: like a KVM run loop it enters a guest
 * thread, comes back with an exit reason, handles it under the big kernel
 * lock, and picks what to run next. A thread keeps its vCPU across system
 * calls that do not block, so the common trap path never touches a queue.
 *
 * Scheduling follows the Archipelago design (docs/architecture.md has the
 * constants and the reasons):
 *  - each vCPU has a run queue (runq.h): real-time FIFO first, then normal
 *    priorities 30..0 (base priority plus a bounded dynamic boost), then idle;
 *  - a thread that wakes is placed on an idle vCPU its affinity allows, else
 *    its last vCPU, else the least loaded allowed one; if it outranks the
 *    thread running there, that vCPU is interrupted to switch at once;
 *  - wake-ups made during a system call are placed when the call ends
 *    (sched_call_end): if the caller blocked (it waits for an answer) or the
 *    call is a reply that the caller follows by waiting again (table_reply,
 *    channel_write), they go to the caller's vCPU, which switches to them
 *    when the caller blocks (or, if it goes on, at the end of its slice):
 *    a synchronous hand-off that keeps a request/reply pair on one vCPU —
 *    except in process isolation, where a hand-off that would switch
 *    partitions goes to a vCPU that holds the woken thread's process or has
 *    nothing to run, so a client and its server stay open on a vCPU each;
 *  - and two exceptions keep a spawn-and-wait on one vCPU: a wake-up made by
 *    a vCPU that has nothing left to run (a child's exit waking its parent)
 *    stays on that vCPU, and a new process starts on its spawner's vCPU,
 *    another being kicked only if the spawner keeps the vCPU for SPAWN_KICK_NS;
 *  - a vCPU picks the best thread of its own queue or steals a better one
 *    from another queue, never against a thread's affinity;
 *  - a thread that uses its whole timeslice without yielding or blocking
 *    loses one boost step and goes to the back; one that blocks gains one
 *    (at most BOOST_MAX); a yield goes to the back of its level;
 *    one preempted by a better thread keeps its place at the head and the
 *    rest of its slice, at least a minimum slice;
 *  - real-time threads are never rotated at a slice end; idle ones run only
 *    when nothing else can.
 * A vCPU with nothing to run idles in the host (io_uring), where host I/O
 * completions and kicks from other vCPUs wake it.
 */
#include "console.h"
#include "debug.h"
#include "fault.h"
#include "ioq.h"
#include "proctable.h"
#include "syscall.h"

#define BOOST_MAX 4
/* A displaced thread resumes with at least slice / MIN_SLICE_DIVISOR (2 ms by default). */
#define MIN_SLICE_DIVISOR 5
/* CPU time a spawner may keep its vCPU before an idle one is kicked for its child. */
#define SPAWN_KICK_NS 50000
/* Guest CPU time a vCPU with host I/O in flight may run before it reaps its ring. */
#define IO_REAP_NS 200000
/* Strict isolation: slices a hold may last while another process waits (strict_claim). */
#define STRICT_HOLD_SLICES 2

static struct {
	struct vcpu **vcpus;
	unsigned vcpu_count;
	bool shutting_down;
} sched;

/* The vCPU the calling host thread runs, NULL on other threads (boot, timers, gdb). */
static _Thread_local struct vcpu *this_vcpu;

void sched_init(unsigned vcpu_count)
{
	sched.vcpus = hook_alloc_pages(sizeof(struct vcpu *) * vcpu_count);
	KASSERT(sched.vcpus);
	sched.vcpu_count = vcpu_count;
}

void kernel_vcpu_register(struct vcpu *v)
{
	KASSERT(v->id < sched.vcpu_count);
	runq_init(&v->runq);
	TAILQ_INIT(&v->woken);
	sched.vcpus[v->id] = v;
}

unsigned sched_vcpu_count(void)
{
	return sched.vcpu_count;
}

static int clamp(int x, int lo, int hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* The run queue level a thread belongs at now. */
static int level_of(const struct thread *t)
{
	switch (t->sched_class) {
	case ARCHK_SCHED_REALTIME:
		return RUNQ_LEVEL_RT;
	case ARCHK_SCHED_IDLE:
		return RUNQ_LEVEL_IDLE;
	default:
		return runq_level_of_priority(clamp(t->priority + t->boost, 0, ARCHK_PRIORITY_MAX));
	}
}

static bool allowed(const struct thread *t, const struct vcpu *v)
{
	return (t->affinity >> v->id) & 1;
}

void sched_init_thread(struct thread *t)
{
	t->sched_class = ARCHK_SCHED_NORMAL;
	t->priority = ARCHK_PRIORITY_DEFAULT;
	t->affinity = UINT64_MAX;
}

/* Blocking before the slice ends earns a boost step. */
void sched_reward(struct thread *t)
{
	t->gave_way = true;
	t->boost = (int8_t)clamp(t->boost + 1, -BOOST_MAX, BOOST_MAX);
}

void kick_idle_vcpu(void)
{
	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		struct vcpu *v = sched.vcpus[i];

		if (v->idle) {
			v->idle = false;
			hook_kick(v);
			return;
		}
	}
}

/* Queues t on v; interrupts v if t outranks what it runs. */
static void enqueue(struct vcpu *v, struct thread *t, bool head)
{
	t->state = THREAD_RUNNABLE;
	t->level = level_of(t);
	t->queued_on = v;
	runq_add(&v->runq, t, t->level, head);
	if (v->idle) {
		v->idle = false;
		hook_kick(v);
	} else if (v->current && v->current != t && level_of(v->current) < t->level) {
		v->resched = true;
		if (v->in_guest)
			hook_interrupt(v);
	}
}

/*
 * A real-time caller is never sliced, so a thread handed its vCPU could wait
 * as long as it runs: no hand-off from one.
 */
static bool realtime_caller(const struct vcpu *v)
{
	return v->current && v->current->sched_class == ARCHK_SCHED_REALTIME;
}

/* Is v a vCPU thread with nothing running and nothing queued, about to pick? */
static bool about_to_pick(const struct vcpu *v)
{
	return v && !v->current && v->runq.count == 0;
}

/*
 * Process isolation: a vCPU with nothing running that still holds t's
 * process (an idle vCPU keeps its hold, see idle), where t runs without an
 * mprotect. A switch costs tens of microseconds of host mprotect and TLB
 * flushes on the hosts archk runs on; waking the other vCPU costs a few, so
 * a request and its reply each go to the vCPU that holds their process and
 * a client and its server stay open on a vCPU each.
 */
static struct vcpu *idle_holder(const struct thread *t)
{
	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		struct vcpu *v = sched.vcpus[i];

		if (v->holding == t->proc && !v->current && allowed(t, v))
			return v;
	}
	return NULL;
}

/* A vCPU t may run on with nothing running and nothing queued (about_to_pick), or NULL. */
static struct vcpu *free_vcpu(const struct thread *t)
{
	for (unsigned i = 0; i < sched.vcpu_count; i++)
		if (about_to_pick(sched.vcpus[i]) && allowed(t, sched.vcpus[i]))
			return sched.vcpus[i];
	return NULL;
}

/*
 * Wake-time placement: the vCPU a synchronous hand-off names (prefer), else
 * the waking vCPU if it is about to pick anyway (no other vCPU is woken for
 * it), else an idle allowed vCPU, else the last one, else the least loaded.
 * In process isolation a hand-off that would switch partitions gives way to
 * a vCPU with nothing running, one that holds t's process first: the
 * caller's vCPU then keeps the caller's partition open for the reply.
 */
static struct vcpu *place(const struct thread *t, struct vcpu *prefer)
{
	struct vcpu *best = NULL, *v;

	if (prefer && (!allowed(t, prefer) || realtime_caller(prefer)))
		prefer = NULL;
	if (kconfig.isolation == ARCHK_ISOLATION_PROCESS &&
	    !(prefer && prefer->holding == t->proc) &&
	    ((v = idle_holder(t)) || (prefer && (v = free_vcpu(t)))))
		return v;
	if (prefer)
		return prefer;

	if (about_to_pick(this_vcpu) && allowed(t, this_vcpu))
		return this_vcpu;
	if (t->vcpu && allowed(t, t->vcpu) && t->vcpu->idle)
		return t->vcpu;
	for (unsigned i = 0; i < sched.vcpu_count; i++)
		if (sched.vcpus[i]->idle && allowed(t, sched.vcpus[i]))
			return sched.vcpus[i];
	if (t->vcpu && allowed(t, t->vcpu))
		return t->vcpu;
	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		struct vcpu *u = sched.vcpus[i];

		if (allowed(t, u) && (!best || u->runq.count < best->runq.count))
			best = u;
	}
	return best;
}

/* Queues t where place() puts it. */
static void make_runnable_now(struct thread *t, struct vcpu *prefer)
{
	bool head = t->keep_turn;

	t->keep_turn = false;
	enqueue(place(t, prefer), t, head);
}

/*
 * During a system call (sched_call_begin) a woken thread waits on the
 * calling vCPU's list of woken threads until the call ends; elsewhere it is
 * placed at once.
 */
void sched_make_runnable(struct thread *t)
{
	struct vcpu *v = this_vcpu;

	ASSERT_LOCKED();
	if (debug_park_runnable(t))
		return;
	if (v && v->in_call) {
		t->state = THREAD_RUNNABLE;
		t->level = RUNQ_LEVEL_WOKEN;
		t->queued_on = v;
		TAILQ_INSERT_TAIL(&v->woken, t, run_link);
		return;
	}
	make_runnable_now(t, NULL);
}

void sched_call_begin(struct vcpu *v)
{
	KASSERT(!v->in_call);
	v->in_call = true;
}

void sched_call_end(struct vcpu *v, struct thread *caller, bool reply)
{
	bool handoff = reply || caller->state != THREAD_RUNNING;
	struct thread *t;

	v->in_call = false;
	while ((t = TAILQ_FIRST(&v->woken))) {
		TAILQ_REMOVE(&v->woken, t, run_link);
		make_runnable_now(t, handoff ? v : NULL);
	}
}

static bool any_idle_vcpu(void)
{
	for (unsigned i = 0; i < sched.vcpu_count; i++)
		if (sched.vcpus[i]->idle)
			return true;
	return false;
}

/* Cuts v's slice timer short: len now, then what is left of rest (0: none). */
static void arm_tick(struct vcpu *v, int64_t rest, int64_t len)
{
	v->tick = true;
	v->tick_rest = rest;
	v->tick_len = len;
	hook_slice_arm(v, len);
}

/*
 * Arms v's timer for ns of slice (0: none, a real-time thread), in ticks of
 * IO_REAP_NS while host I/O of v's is in flight.
 */
static void arm_timer(struct vcpu *v, int64_t ns)
{
	if (v->host_io && (ns == 0 || ns > IO_REAP_NS)) {
		arm_tick(v, ns, IO_REAP_NS);
	} else {
		v->tick = false;
		hook_slice_arm(v, ns);
	}
}

/*
 * Starts a slice of ns (0: none, a real-time thread) for a thread that
 * begins on v. A tick still running (host I/O or a spawn check cut the last
 * slice short) is left to run out rather than re-armed, and the slice goes on
 * from it, shorter by what the tick ran before the switch. Threads that take
 * turns while host I/O is in flight (a driver and its clients) then pay no
 * timer_settime per switch: each switch used to set the timer back and forth
 * between a full slice and a tick, two host calls per device request.
 */
static void start_slice(struct vcpu *v, int64_t ns)
{
	if (v->tick && (ns == 0 || ns > v->tick_len) && hook_slice_pending(v)) {
		v->tick_rest = ns;
		return;
	}
	arm_timer(v, ns);
}

/*
 * A new process's first thread is queued on the spawning vCPU rather than
 * on an idle one. A spawner that waits for it (the common case: a shell, a
 * job server) blocks within microseconds and this vCPU runs the child at
 * once; the child's exit then wakes the parent here too (place), so neither
 * pays for waking another vCPU, for TLB shootdowns between the two, or for
 * caches and pages warmed on the other vCPU. If the spawner goes on running,
 * the vCPU's own slice timer ends SPAWN_KICK_NS of its CPU time later
 * (spawn_check, see sched_slice_end) and an idle vCPU is kicked to steal the
 * new thread. (A timer on another host thread measured far worse: its
 * wake-ups alone cost more than the second vCPU did.)
 */
void sched_start_spawned(struct thread *t)
{
	struct vcpu *v = this_vcpu;
	int64_t left;

	ASSERT_LOCKED();
	if (debug_park_runnable(t))
		return;
	/* One that would displace its spawner at once starts on an idle vCPU, as before. */
	if (!v || !v->current || !allowed(t, v) || level_of(t) > level_of(v->current)) {
		make_runnable_now(t, NULL);
		return;
	}
	t->keep_turn = false;
	enqueue(v, t, false);
	if (v->spawn_check || !any_idle_vcpu())
		return;
	/* A real-time spawner has no slice timer (0 left): it gets one for this. */
	if (v->tick)
		left = v->tick_rest ? v->tick_rest - v->tick_len + hook_slice_left(v) : 0;
	else if (v->current->sched_class == ARCHK_SCHED_REALTIME)
		left = 0;
	else
		left = hook_slice_left(v);
	if (left && left <= SPAWN_KICK_NS)
		return; /* its slice ends sooner anyway */
	v->spawn_check = true;
	arm_tick(v, left, SPAWN_KICK_NS);
}

/*
 * A yield: to the back of its level on its own vCPU. It earns no boost step:
 * a step would lift the yielder above the threads it yields to, and the
 * next pick would choose it again (a yield that yields nothing).
 */
void sched_yield_thread(struct thread *t)
{
	t->gave_way = true;
	if (allowed(t, t->vcpu))
		enqueue(t->vcpu, t, false);
	else
		make_runnable_now(t, NULL); /* its affinity changed while it ran here */
}

/* A thread displaced by a better one keeps its turn, where its affinity allows. */
static void requeue_preempted(struct vcpu *v, struct thread *t)
{
	t->displaced = true;
	if (allowed(t, v)) {
		enqueue(v, t, true);
	} else {
		t->keep_turn = true;
		make_runnable_now(t, NULL);
	}
}

void sched_remove(struct thread *t)
{
	KASSERT(t->state == THREAD_RUNNABLE);
	if (t->level == RUNQ_LEVEL_WOKEN)
		TAILQ_REMOVE(&t->queued_on->woken, t, run_link);
	else
		runq_remove(&t->queued_on->runq, t, t->level);
}

/* The first thread at level of q that may run on v, or NULL. */
static struct thread *first_allowed(const struct runq *q, int level, const struct vcpu *v)
{
	struct thread *t;

	TAILQ_FOREACH(t, &q->levels[level], run_link)
		if (allowed(t, v))
			return t;
	return NULL;
}

/*
 * Process isolation: t was placed on o, which has nothing running and is on
 * its way to run it (place), and v does not hold t's process: v taking it
 * would switch partitions on the vCPU that keeps the caller's open.
 */
static bool placed_for_other(const struct vcpu *o, const struct thread *t, const struct vcpu *v)
{
	return kconfig.isolation == ARCHK_ISOLATION_PROCESS && !o->current && v->holding != t->proc;
}

/*
 * The best thread v could run: the head of its own queue, unless another
 * queue has an allowed thread at a strictly higher level (or, with
 * prefer_others, at the same level: a rotation at a slice end).
 */
static struct thread *best_candidate(struct vcpu *v, bool prefer_others)
{
	int own = runq_top_level(&v->runq);
	struct thread *best = own >= 0 ? runq_first(&v->runq, own) : NULL;
	int best_level = own;

	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		struct vcpu *o = sched.vcpus[i];

		if (o == v)
			continue;
		for (int l = runq_top_level(&o->runq); l >= 0; l--) {
			struct thread *t;

			if (l < best_level || (l == best_level && !prefer_others))
				break;
			if (!(o->runq.bitmap >> l & 1) || !(t = first_allowed(&o->runq, l, v)) ||
			    placed_for_other(o, t, v))
				continue;
			best = t;
			best_level = l;
			break;
		}
	}
	return best;
}

/*
 * The best thread of process only (or, with only NULL, of any process but
 * not) that v may run, in any queue: strict isolation's claims look past
 * the best candidate for the process they claim the hold for.
 */
static struct thread *best_of(struct vcpu *v, const struct process *only,
			      const struct process * not )
{
	struct thread *best = NULL, *t;

	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		const struct runq *q = &sched.vcpus[i]->runq;

		for (int l = runq_top_level(q); l > (best ? best->level : -1); l--)
			TAILQ_FOREACH(t, &q->levels[l], run_link)
				if (allowed(t, v) && (only ? t->proc == only : t->proc != not )) {
					best = t;
					break;
				}
	}
	return best;
}

/*
 * Takes the best thread for v; strict isolation may forbid it, then v idles.
 * A hold kept for v (strict_claim) is taken for the process it was claimed for.
 */
struct thread *sched_take(struct vcpu *v)
{
	struct process *claimed = vm_strict_kept_for(v);
	/* Equal levels rotate across queues too, so no queue is left behind. */
	struct thread *t = claimed ? best_of(v, claimed, NULL) : NULL;

	if (!t)
		t = best_candidate(v, true);

	if (!t || !vm_may_run(v, t->proc))
		return NULL;
	sched_remove(t);
	return t;
}

/*
 * Aging: every normal thread still queued when a slice ends gains a boost
 * step. Without it a boosted thread busy-waiting in a loop could starve
 * forever a penalised thread of the same base priority, maybe the very one
 * it waits for; base priorities still decide, since a boost never exceeds
 * BOOST_MAX.
 */
static void age_queue(struct runq *q)
{
	for (int l = runq_level_of_priority(ARCHK_PRIORITY_MAX); l > RUNQ_LEVEL_IDLE; l--) {
		struct thread *t = runq_first(q, l), *next;

		for (; t; t = next) {
			next = TAILQ_NEXT(t, run_link);
			if (t->sched_class != ARCHK_SCHED_NORMAL || t->boost >= BOOST_MAX)
				continue;
			runq_remove(q, t, l);
			t->boost++;
			t->level = level_of(t);
			runq_add(q, t, t->level, false);
		}
	}
}

/* Ages every queue: a waiting thread may sit on another vCPU's (strict isolation). */
static void age_queued(void)
{
	for (unsigned i = 0; i < sched.vcpu_count; i++)
		age_queue(&sched.vcpus[i]->runq);
}

/*
 * The timer ended t's slice, or another vCPU asked v to reschedule. A
 * real-time thread is never rotated by its slice; others lose a boost step
 * and go behind any thread at their level that v could run, and the threads
 * that waited age.
 */
struct thread *sched_slice_end(struct vcpu *v, struct thread *t)
{
	struct thread *next;

	if (v->resched) {
		v->resched = false;
		requeue_preempted(v, t);
		return NULL;
	}
	if (v->tick) {
		/* Not a slice end: the spawner kept its vCPU, so an idle one takes the child. */
		if (v->spawn_check) {
			v->spawn_check = false;
			for (unsigned n = v->runq.count; n > 0 && any_idle_vcpu(); n--)
				kick_idle_vcpu();
		}
		/* (Host I/O was reaped on the way here.) The rest of the slice, if any. */
		arm_timer(v, v->tick_rest ? v->tick_rest - v->tick_len : 0);
		return t;
	}
	age_queued();
	v->slice_over = true;
	if (t->sched_class == ARCHK_SCHED_REALTIME)
		return t;
	/* Only a thread that held on to the CPU for the whole slice pays for it. */
	if (!t->gave_way)
		t->boost = (int8_t)clamp(t->boost - 1, -BOOST_MAX, BOOST_MAX);
	t->gave_way = false;
	next = best_candidate(v, true);
	if (!next || next->level < level_of(t) || !vm_may_run(v, next->proc))
		return t;
	sched_remove(next);
	enqueue(v, t, false);
	return next;
}

/* Handles t's exit; returns the thread v should run next if it already knows it. */
static struct thread *handle_exit(struct vcpu *v, struct thread *t, const struct guest_exit *exit)
{
	switch (exit->reason) {
	case EXIT_SYSCALL:
		syscall_dispatch(t, exit);
		break;
	case EXIT_PREEMPT:
		return sched_slice_end(v, t);
	case EXIT_FAULT:
		fault_report(t, exit);
		break;
	default:
		kpanic("vcpu %u: unknown exit reason %d", v->id, exit->reason);
	}
	return t;
}

/* Does v have work that strict isolation keeps it from running now? */
static bool strict_held_off(struct vcpu *v)
{
	struct thread *t;

	if (kconfig.isolation != ARCHK_ISOLATION_STRICT)
		return false;
	t = best_candidate(v, true);
	return t && !vm_may_run(v, t->proc);
}

/* Is some vCPU holding h running a real-time thread (which no slice end rotates)? */
static bool held_by_realtime(const struct process *h)
{
	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		const struct vcpu *u = sched.vcpus[i];

		if (u->holding == h && u->current &&
		    u->current->sched_class == ARCHK_SCHED_REALTIME)
			return true;
	}
	return false;
}

/*
 * Strict isolation holds one process in the whole system: as far as
 * processes go it behaves like one CPU, and a holder's slice end rotates to
 * a waiting thread of another process as it would there (sched_slice_end).
 * A real-time thread has no slice, so it would keep every other vCPU from
 * running anything; once vCPUs have been held off by such a hold for
 * STRICT_HOLD_SLICES timeslices, v asks the holders to give it up (at their
 * next exit; one in a guest is interrupted) and has the next hold kept for
 * itself. Returns how long v idles before it looks again.
 */
static int64_t strict_claim(struct vcpu *v)
{
	int64_t waited, limit = STRICT_HOLD_SLICES * kconfig.slice_ns;
	struct process *h = vm_strict_contend(&waited);
	struct thread *want;

	if (!h || !held_by_realtime(h))
		return kconfig.slice_ns;
	if (waited < limit)
		return limit - waited;
	if (!(want = best_of(v, NULL, h)))
		return kconfig.slice_ns;
	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		struct vcpu *u = sched.vcpus[i];

		if (u != v && u->holding == h) {
			u->strict_yield = true;
			if (u->in_guest)
				hook_interrupt(u);
		}
	}
	/* For the process v waits for: the real-time thread would be the best candidate again. */
	vm_strict_keep(v, want->proc, kconfig.slice_ns);
	return kconfig.slice_ns;
}

/* The shorter of two idle timeouts, 0 meaning none. */
static int64_t shorter_wait(int64_t a, int64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/*
 * Idles v in the host until a kick, host I/O or timeout_ns. The lock is
 * dropped meanwhile; nothing is held across (v lives as long as archk) and
 * the caller looks at the state afresh afterwards. In process isolation v
 * keeps its hold on the process it ran last, unless that has ended: its
 * next wake-up is placed here and runs without opening anything (at most
 * one private part per vCPU is open, as before: see docs/architecture.md,
 * "Isolation modes"). Strict isolation releases it, for other vCPUs.
 */
static void idle(struct vcpu *v, int64_t timeout_ns)
{
	if (kconfig.isolation != ARCHK_ISOLATION_PROCESS ||
	    (v->holding && v->holding->state != PROCESS_ALIVE))
		vm_release(v);
	cpu_account_stop(v);
	v->idle = true;
	hook_unlock();
	hook_idle(v, timeout_ns);
	hook_lock();
	v->idle = false;
}

/*
 * p has ended: vCPUs that idle with a hold on it let go (the caller's own
 * vCPU lets go in after_exit or before it idles), so its partition is freed
 * now rather than when they next run something.
 */
void sched_release_idle_holds(struct process *p)
{
	ASSERT_LOCKED();
	for (unsigned i = 0; i < sched.vcpu_count; i++) {
		struct vcpu *u = sched.vcpus[i];

		if (u != this_vcpu && u->holding == p && !u->current)
			vm_release(u);
	}
}

/*
 * Picks the next thread for v, idling in the host while there is none.
 * Returns NULL when archk shuts down. Called and returns with the lock held.
 */
static struct thread *next_thread(struct vcpu *v)
{
	struct thread *t;
	int64_t wait;

	while (!sched.shutting_down) {
		if (v->strict_yield) { /* asked to give its hold up: not to take it again */
			v->strict_yield = false;
			vm_release(v);
		}
		t = sched_take(v);
		if (t) {
			/* More work queued: an idle peer may be able to take it. */
			if (v->runq.count)
				kick_idle_vcpu();
			return t;
		}
		if (ioq_poll_idle(v))
			continue;
		wait = ioq_poll_interval();
		if (strict_held_off(v))
			wait = shorter_wait(wait, strict_claim(v));
		idle(v, wait);
	}
	return NULL;
}

/*
 * Timeslices are one-shot CPU-time timers per vCPU, armed here when a
 * different thread starts or a slice has ended: a thread displaced by a
 * better one keeps what was left of its slice and resumes with at least the
 * minimum slice; any other thread starts a full one; real-time threads get no
 * timer at all. A thread that goes on after a system call keeps its slice.
 */
void sched_arm_slice(struct vcpu *v, struct thread *t)
{
	struct thread *prev = v->last;
	int64_t min = kconfig.slice_ns / MIN_SLICE_DIVISOR, ns;

	if (prev == t && !v->slice_over) {
		/* Host I/O began during the call: the running slice goes on in ticks. */
		if (v->host_io && !v->tick)
			arm_timer(v,
				  t->sched_class == ARCHK_SCHED_REALTIME ? 0 : hook_slice_left(v));
		return;
	}
	if (prev && prev != t && prev->displaced) {
		prev->slice_left = hook_slice_left(v);
		if (v->tick && v->tick_rest)
			prev->slice_left += v->tick_rest - v->tick_len;
		prev->displaced = false;
	}
	v->spawn_check = false;
	ns = t->slice_left > 0 ? (t->slice_left > min ? t->slice_left : min) : kconfig.slice_ns;
	t->slice_left = 0;
	v->slice_over = false;
	v->last = t;
	start_slice(v, t->sched_class == ARCHK_SCHED_REALTIME ? 0 : ns);
}

struct vcpu *sched_host_io_begin(void)
{
	struct vcpu *v = this_vcpu;

	KASSERT(v); /* the completion must come back to a vCPU that reaps it */
	v->host_io++;
	return v;
}

void sched_host_io_end(struct vcpu *v)
{
	KASSERT(v->host_io > 0);
	v->host_io--;
}

/* A released thread must not be remembered as any vCPU's slice owner. */
void sched_forget(struct thread *t)
{
	cpu_account_release(t);
	for (unsigned i = 0; i < sched.vcpu_count; i++)
		if (sched.vcpus[i] && sched.vcpus[i]->last == t)
			sched.vcpus[i]->last = NULL;
}

/* Opens the partition and finishes any blocked call before entering t. */
static void prepare_entry(struct vcpu *v, struct thread *t)
{
	t->state = THREAD_RUNNING;
	t->vcpu = v;
	v->current = t;
	cpu_account_switch(v, t);
	vm_hold(v, t->proc);
	sched_arm_slice(v, t);
	if (t->resume) {
		thread_resume_fn resume = t->resume;

		t->resume = NULL;
		resume(t);
	}
}

/*
 * After t's exit was handled: the thread to run next, NULL to pick one.
 * A running thread that a better one should displace is queued again.
 */
static struct thread *after_exit(struct vcpu *v, struct thread *t, struct thread *next)
{
	v->current = NULL;
	if (t->state == THREAD_DEAD) {
		/* The last thread of an ended process: its partition goes with this hold. */
		thread_release(t);
		vm_release(v);
		return NULL;
	}
	if (next != t)
		return next;
	if (t->state != THREAD_RUNNING)
		return NULL;
	if (v->strict_yield) { /* strict_claim: another vCPU's turn */
		v->strict_yield = false;
		requeue_preempted(v, t);
		vm_release(v);
		return NULL;
	}
	if (v->resched) {
		v->resched = false;
		requeue_preempted(v, t);
		return NULL;
	}
	return t;
}

/* Handles t's exit from the guest; returns the thread to run next, NULL to pick one. */
static struct thread *finish_exit(struct vcpu *v, struct thread *t, const struct guest_exit *exit)
{
	struct thread *next = t;

	/* A thread killed while in the guest gets no service. */
	if (t->state != THREAD_DEAD && !debug_after_exit(t, exit))
		next = handle_exit(v, t, exit);
	return after_exit(v, t, next);
}

/*
 * At shutdown, console output this vCPU submitted is still written out:
 * its completions come back on this vCPU's ring.
 */
static void drain_output(struct vcpu *v)
{
	while (v->output_in_flight)
		idle(v, 0);
}

/*
 * The run loop. The lock is dropped only to enter the guest and to idle.
 * Across the guest's run it keeps t: a running thread is released only by
 * its own vCPU (after_exit), so t and its context stay valid; everything
 * else is looked at afresh after the lock is taken again.
 */
void kernel_vcpu_run(struct vcpu *v)
{
	struct guest_exit exit;
	struct thread *t = NULL;

	this_vcpu = v;
	hook_lock();
	console_vcpu_started();
	for (;;) {
		if (t)
			t = finish_exit(v, t, &exit);
		if (!t)
			t = next_thread(v);
		if (!t || sched.shutting_down)
			break;
		prepare_entry(v, t);
		v->in_guest = true;
		hook_unlock();
		hook_enter_guest(v, t->ctx, &exit);
		if (exit.reason == EXIT_SERVED) { /* by the gate, which holds the lock */
			t = NULL;
			continue;
		}
		hook_poll(v);
		hook_lock();
		v->in_guest = false;
	}
	vm_release(v);
	drain_output(v);
	hook_unlock();
}

bool kernel_gate_call(struct vcpu *v, const struct guest_exit *exit)
{
	struct thread *t = v->current, *next;

	hook_lock();
	v->in_guest = false;
	next = finish_exit(v, t, exit);
	/* A trap flag must take effect in the guest: the run loop enters it the full way. */
	if (next == t && !sched.shutting_down && !t->ctx->full_restore &&
	    !(t->ctx->rflags & RFLAGS_TRAP)) {
		prepare_entry(v, t);
		v->in_guest = true;
		hook_unlock();
		return true;
	}
	/* It still runs, but not straight from the gate: first in line for the run loop. */
	if (next)
		enqueue(v, next, true);
	return false;
}

/*
 * Every vCPU stops at its next look at the scheduler: idle ones are kicked,
 * those in a guest interrupted (a real-time thread has no slice timer that
 * would bring its vCPU back).
 */
void kernel_shutdown(int status)
{
	ASSERT_LOCKED();
	if (sched.shutting_down)
		return;
	sched.shutting_down = true;
	for (unsigned i = 0; i < sched.vcpu_count; i++)
		if (sched.vcpus[i]->in_guest)
			hook_interrupt(sched.vcpus[i]);
	hook_shutdown(status);
}

struct vcpu *sched_this_vcpu(void)
{
	return this_vcpu;
}
