/*
 * The scheduler's policy (kernel/sched.c) on two vCPUs, without running
 * guests: priority arithmetic (levels, boost bounds, aging, the slice-end
 * charge), wake-time placement and preemption, and picking with stealing —
 * never against a thread's affinity.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "../../kernel/scheduler.h"
#include "sched_fakes.h"

static struct vcpu v[2];
static struct process proc;
static struct thread threads[6];

static void setup(void)
{
	static bool registered;

	memset(v, 0, sizeof(v));
	memset(&proc, 0, sizeof(proc));
	memset(threads, 0, sizeof(threads));
	if (!registered)
		sched_init(2);
	registered = true;
	for (unsigned i = 0; i < 2; i++) {
		v[i].id = i;
		kernel_vcpu_register(&v[i]);
	}
	for (int i = 0; i < 6; i++) {
		threads[i].proc = &proc;
		threads[i].tid = (uint32_t)i + 1;
		sched_init_thread(&threads[i]);
		threads[i].state = THREAD_BLOCKED;
	}
	fake_kicks = fake_interrupts = 0;
	fake_last_kick = fake_last_interrupt = NULL;
}

TestSuite(sched, .init = setup);

/* A thread whose priority, boost and class are given, made runnable. */
static struct thread *wake(int i, int sched_class, int priority, int boost, uint64_t affinity)
{
	struct thread *t = &threads[i];

	t->sched_class = (uint8_t)sched_class;
	t->priority = (int8_t)priority;
	t->boost = (int8_t)boost;
	t->affinity = affinity;
	sched_make_runnable(t);
	return t;
}

Test(sched, levels_follow_class_priority_and_bounded_boost)
{
	cr_assert_eq(wake(0, ARCHK_SCHED_NORMAL, 15, 0, 1)->level, runq_level_of_priority(15));
	cr_assert_eq(wake(1, ARCHK_SCHED_NORMAL, 15, 3, 1)->level, runq_level_of_priority(18));
	cr_assert_eq(wake(2, ARCHK_SCHED_NORMAL, 30, 4, 1)->level, runq_level_of_priority(30));
	cr_assert_eq(wake(3, ARCHK_SCHED_NORMAL, 0, -4, 1)->level, runq_level_of_priority(0));
	cr_assert_eq(wake(4, ARCHK_SCHED_REALTIME, 0, 0, 1)->level, RUNQ_LEVEL_RT);
	cr_assert_eq(wake(5, ARCHK_SCHED_IDLE, 30, 4, 1)->level, RUNQ_LEVEL_IDLE);
}

Test(sched, blocking_reward_is_bounded)
{
	for (int i = 0; i < 10; i++)
		sched_reward(&threads[0]);
	cr_assert_eq(threads[0].boost, 4);
	cr_assert(threads[0].gave_way);
}

/* Placement: an idle allowed vCPU first, the last vCPU next, affinity always. */
Test(sched, placement)
{
	struct thread *t;

	v[0].idle = true;
	t = wake(0, ARCHK_SCHED_NORMAL, 15, 0, UINT64_MAX);
	cr_assert_eq(t->queued_on, &v[0]);
	cr_assert_eq(fake_last_kick, &v[0]);
	v[0].idle = true;
	t = wake(1, ARCHK_SCHED_NORMAL, 15, 0, 2); /* only vCPU 1, although 0 idles */
	cr_assert_eq(t->queued_on, &v[1]);
	v[0].idle = v[1].idle = true;
	threads[2].vcpu = &v[1]; /* its last vCPU, idle: preferred */
	t = wake(2, ARCHK_SCHED_NORMAL, 15, 0, UINT64_MAX);
	cr_assert_eq(t->queued_on, &v[1]);
	v[0].idle = v[1].idle = false;
	threads[3].vcpu = &v[0]; /* nobody idles: its last vCPU */
	t = wake(3, ARCHK_SCHED_NORMAL, 15, 0, UINT64_MAX);
	cr_assert_eq(t->queued_on, &v[0]);
	threads[4].vcpu = &v[0]; /* last vCPU not allowed: the least loaded allowed */
	t = wake(4, ARCHK_SCHED_NORMAL, 15, 0, 2);
	cr_assert_eq(t->queued_on, &v[1]);
}

/* A thread that outranks what a vCPU runs interrupts it; one that does not, does not. */
Test(sched, preemption_on_wake)
{
	struct thread *running = &threads[0];

	running->state = THREAD_RUNNING;
	running->priority = 10;
	v[0].current = running;
	v[0].in_guest = true;
	v[1].current = &threads[5];
	threads[5].state = THREAD_RUNNING;
	threads[5].priority = 30;
	wake(1, ARCHK_SCHED_NORMAL, 5, 0, 1);
	cr_assert_eq(fake_interrupts, 0);
	cr_assert_not(v[0].resched);
	wake(2, ARCHK_SCHED_NORMAL, 20, 0, 1);
	cr_assert_eq(fake_interrupts, 1);
	cr_assert_eq(fake_last_interrupt, &v[0]);
	cr_assert(v[0].resched);
}

/* Picking: the best level anywhere, stealing only what affinity allows. */
Test(sched, picking_and_stealing)
{
	struct thread *own, *better, *pinned;

	v[1].idle = false;
	own = wake(0, ARCHK_SCHED_NORMAL, 10, 0, 1);
	threads[1].vcpu = &v[1];
	pinned = wake(1, ARCHK_SCHED_NORMAL, 25, 0, 2); /* vCPU 1 only */
	threads[2].vcpu = &v[1];
	better = wake(2, ARCHK_SCHED_NORMAL, 20, 0, 3);
	cr_assert_eq(pinned->queued_on, &v[1]);
	cr_assert_eq(better->queued_on, &v[1]);
	cr_assert_eq(sched_take(&v[0]), better); /* stolen: higher than its own */
	cr_assert_eq(sched_take(&v[0]), own);	 /* never the pinned one */
	cr_assert_null(sched_take(&v[0]));
	cr_assert_eq(sched_take(&v[1]), pinned);
}

/* At a slice end the queued age, a thread that held the CPU pays, and a tie rotates. */
Test(sched, slice_end_charges_and_ages)
{
	struct thread *t = &threads[0], *waiting, *next;

	t->state = THREAD_RUNNING;
	t->vcpu = &v[0];
	t->affinity = 1;
	v[0].current = t;
	v[0].idle = v[1].idle = false;
	threads[1].vcpu = &v[0];
	waiting = wake(1, ARCHK_SCHED_NORMAL, 15, -3, 1);
	next = sched_slice_end(&v[0], t);
	cr_assert_eq(waiting->boost, -2); /* aged */
	cr_assert_eq(t->boost, -1);	  /* held the whole slice */
	cr_assert_eq(next, t);		  /* still above the waiting one */
	t->gave_way = true;
	next = sched_slice_end(&v[0], t);
	cr_assert_eq(t->boost, -1); /* gave way: not charged */
	cr_assert_eq(waiting->boost, -1);
	cr_assert_eq(next, waiting); /* level with it now: a tie rotates */
	cr_assert_eq(t->state, THREAD_RUNNABLE);
}

/* A real-time thread is never rotated by its slice. */
Test(sched, realtime_is_not_sliced)
{
	struct thread *t = &threads[0];

	t->sched_class = ARCHK_SCHED_REALTIME;
	t->state = THREAD_RUNNING;
	t->vcpu = &v[0];
	v[0].current = t;
	threads[1].vcpu = &v[0];
	wake(1, ARCHK_SCHED_REALTIME, 0, 0, 1);
	cr_assert_eq(sched_slice_end(&v[0], t), t);
}

/* Slices: full for a new start, the rest (at least the minimum) after being
 * displaced, none for real-time, a new one after a slice end. */
Test(sched, slices)
{
	struct thread *a = &threads[0], *b = &threads[1];
	int64_t full = 10000000, min = full / 5;

	kconfig.slice_ns = full;
	a->vcpu = b->vcpu = &v[0];
	fake_slice_armed = -1;
	sched_arm_slice(&v[0], a);
	cr_assert_eq(fake_slice_armed, full);
	fake_slice_armed = -1;
	sched_arm_slice(&v[0], a); /* goes on after a system call: keeps its slice */
	cr_assert_eq(fake_slice_armed, -1);

	/* b wakes and outranks a: a is displaced with 1 ms left. */
	a->state = THREAD_RUNNING;
	v[0].current = a;
	v[0].resched = true;
	cr_assert_null(sched_slice_end(&v[0], a));
	cr_assert(a->displaced);
	fake_slice_left = 1000000;
	sched_arm_slice(&v[0], b);
	cr_assert_eq(fake_slice_armed, full);
	cr_assert_eq(a->slice_left, 1000000);
	cr_assert_eq(sched_take(&v[0]), a); /* a runs again */
	a->state = THREAD_RUNNING;
	sched_arm_slice(&v[0], a);
	cr_assert_eq(fake_slice_armed, min); /* little left: the minimum */

	/* Displaced again with 7 ms left: it gets the 7 ms. */
	v[0].resched = true;
	sched_slice_end(&v[0], a);
	fake_slice_left = 7000000;
	sched_arm_slice(&v[0], b);
	cr_assert_eq(sched_take(&v[0]), a);
	a->state = THREAD_RUNNING;
	sched_arm_slice(&v[0], a);
	cr_assert_eq(fake_slice_armed, 7000000);

	/* A slice end: the same thread goes on with a new full slice. */
	sched_slice_end(&v[0], a);
	fake_slice_armed = -1;
	sched_arm_slice(&v[0], a);
	cr_assert_eq(fake_slice_armed, full);

	b->sched_class = ARCHK_SCHED_REALTIME;
	sched_arm_slice(&v[0], b);
	cr_assert_eq(fake_slice_armed, 0); /* real time: no timer */
}

/*
 * Host I/O in flight: slices go in ticks of 200 us. A tick still pending at a
 * switch is left to run out (no timer_settime per switch) and the new slice
 * follows it; one that may have fired already is armed afresh.
 */
Test(sched, io_ticks)
{
	struct thread *a = &threads[0], *b = &threads[1];
	int64_t full = 10000000, tick = 200000;

	kconfig.slice_ns = full;
	a->vcpu = b->vcpu = &v[0];
	v[0].host_io = 1;
	fake_slice_armed = -1;
	sched_arm_slice(&v[0], a);
	cr_assert_eq(fake_slice_armed, tick);
	cr_assert(v[0].tick);

	/* b starts while the tick is pending: nothing is armed, b's slice follows. */
	fake_slice_pending = true;
	fake_slice_armed = -1;
	sched_arm_slice(&v[0], b);
	cr_assert_eq(fake_slice_armed, -1);
	cr_assert_eq(v[0].tick_rest, full);

	/* The tick fires with the I/O done: the rest of b's slice. */
	v[0].host_io = 0;
	b->state = THREAD_RUNNING;
	v[0].current = b;
	cr_assert_eq(sched_slice_end(&v[0], b), b);
	cr_assert_eq(fake_slice_armed, full - tick);
	cr_assert(!v[0].tick);

	/* A tick that may have fired is not trusted: a armed afresh. */
	v[0].host_io = 1;
	sched_arm_slice(&v[0], b); /* b goes on; its call began host I/O */
	cr_assert_eq(fake_slice_armed, tick);
	fake_slice_pending = false;
	fake_slice_armed = -1;
	sched_arm_slice(&v[0], a);
	cr_assert_eq(fake_slice_armed, tick);
	cr_assert_eq(v[0].tick_rest, full);
	v[0].host_io = 0;
	v[0].current = NULL;
}

/*
 * What a system call that wakes t and then ends does on vCPU caller_vcpu
 * (sched_make_runnable during a call, then sched_call_end): the test has no
 * vCPU thread, so it queues t on the woken list itself.
 */
static void wake_in_call(struct vcpu *caller_vcpu, struct thread *caller, struct thread *t)
{
	sched_call_begin(caller_vcpu);
	t->state = THREAD_RUNNABLE;
	t->level = RUNQ_LEVEL_WOKEN;
	t->queued_on = caller_vcpu;
	TAILQ_INSERT_TAIL(&caller_vcpu->woken, t, run_link);
	sched_call_end(caller_vcpu, caller, true);
}

/*
 * Process isolation: a request goes to a vCPU with nothing running rather
 * than switching the caller's vCPU to the server's partition, the caller's
 * vCPU does not take it back, and the reply goes to the idle vCPU that still
 * holds the client. With isolation off the same hand-off stays on the
 * caller's vCPU.
 */
Test(sched, process_isolation_keeps_client_and_server_open)
{
	int saved = kconfig.isolation;
	struct process server;
	struct thread *client = &threads[0], *serve = &threads[1];

	memset(&server, 0, sizeof(server));
	serve->proc = &server;
	kconfig.isolation = ARCHK_ISOLATION_PROCESS;

	client->state = THREAD_RUNNING;
	v[0].current = client;
	v[0].holding = &proc;
	wake_in_call(&v[0], client, serve); /* the request */
	cr_assert_eq(serve->queued_on, &v[1]);
	v[0].current = NULL; /* the client waits for the reply */
	client->state = THREAD_BLOCKED;
	cr_assert_null(sched_take(&v[0]));
	cr_assert_eq(sched_take(&v[1]), serve);

	serve->state = THREAD_RUNNING;
	v[1].current = serve;
	v[1].holding = &server;
	wake_in_call(&v[1], serve, client); /* the reply */
	cr_assert_eq(client->queued_on, &v[0]);
	cr_assert_eq(sched_take(&v[0]), client);

	kconfig.isolation = ARCHK_ISOLATION_OFF;
	client->state = THREAD_RUNNING;
	v[0].current = client;
	v[1].current = NULL;
	serve->state = THREAD_BLOCKED;
	wake_in_call(&v[0], client, serve);
	cr_assert_eq(serve->queued_on, &v[0]);

	v[0].current = NULL;
	v[0].holding = v[1].holding = NULL;
	kconfig.isolation = saved;
}
