/*
 * Hostile guests against the vCPUs and the scheduler (issue 9, items 6-8):
 * guest flags must not leak into archk, and a real-time spinner must neither
 * keep archk alive after init exits nor freeze the rest of the system. One
 * scenario per archk run:
 *   ac-call          calls made with EFLAGS.AC set return their results, AC still set
 *   ac-spin          a thread spins with AC set across many preemptions
 *   rt-exit          init exits with 7 while a child's real-time thread spins
 *   rt-exit-thread   init exits with 7 while its own real-time thread spins
 *   rt-kill          init kills a child whose real-time thread spins
 *   held-kill        init kills, 1100 times, a child whose idle vCPU still holds it
 */
#include "hostile.h"

#define EFLAGS_AC (1UL << 18)
#define RT_STATUS 7

/*
 * Makes system call nr (one argument) with AC set, by the syscall
 * instruction itself, and clears AC again; *ac_after says whether AC was
 * still set when the call returned. The red zone is stepped over: pushfq
 * writes below the stack pointer.
 */
static long call_with_ac(long nr, long a0, int *ac_after)
{
	unsigned long flags;
	long ret;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "pushfq\n\t"
			 "orq $0x40000, (%%rsp)\n\t"
			 "popfq\n\t"
			 "syscall\n\t"
			 "pushfq\n\t"
			 "popq %1\n\t"
			 "pushfq\n\t"
			 "andq $~0x40000, (%%rsp)\n\t"
			 "popfq\n\t"
			 "add $128, %%rsp"
			 : "=a"(ret), "=&r"(flags)
			 : "a"(nr), "D"(a0)
			 : "rcx", "r11", "memory", "cc");
	*ac_after = (flags & EFLAGS_AC) != 0;
	return ret;
}

static void set_ac(int on)
{
	if (on)
		__asm__ volatile(
		    "sub $128, %%rsp; pushfq; orq $0x40000, (%%rsp); popfq; add $128, %%rsp" ::
			: "memory", "cc");
	else
		__asm__ volatile("sub $128, %%rsp; pushfq; andq $~0x40000, (%%rsp); popfq;"
				 "add $128, %%rsp" ::
				     : "memory", "cc");
}

static int ac_is_set(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return (flags & EFLAGS_AC) != 0;
}

/* A call that returns at once, one that blocks (another thread runs), one that yields. */
static void ac_call(void)
{
	archk_koid_t self = archk_process_self();
	int ac = 0;

	CHECK_EQ(call_with_ac(ARCHK_SYS_PROCESS_SELF, 0, &ac), (long)self);
	CHECK_EQ(ac, 1);
	CHECK_EQ(call_with_ac(ARCHK_SYS_SLEEP, now() + 20 * MS, &ac), 0);
	CHECK_EQ(ac, 1);
	CHECK_EQ(call_with_ac(ARCHK_SYS_YIELD, 0, &ac), 0);
	CHECK_EQ(ac, 1);
	CHECK_EQ(call_with_ac(ARCHK_SYS_CLOCK_GET, 99, &ac), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(ac, 1);
	CHECK_EQ(ac_is_set(), 0);
}

/* 300 ms with AC set: many timeslices, each ended by archk's preemption signal. */
static void ac_spin(void)
{
	int ac;

	set_ac(1);
	spin_for(300 * MS);
	ac = ac_is_set();
	set_ac(0);
	CHECK_EQ(ac, 1);
	CHECK_EQ(archk_process_self() > 0, 1);
}

/* ---- real-time spinners ---- */

/* Makes the calling thread real-time (with the "resource" handle) and spins for ever. */
static int spin_realtime(void *chan)
{
	long self = archk_thread_self();

	if (self < 0 || archk_thread_set_priority((archk_handle_t)self, ARCHK_SCHED_REALTIME, 0,
						  archk_handle_named("resource")) < 0)
		return 2;
	archk_channel_write((archk_handle_t)(uintptr_t)chan, "spin", 4, NULL, 0);
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static int rt_spinner(void)
{
	return spin_realtime((void *)(uintptr_t)archk_handle_named("chan"));
}

/*
 * Waits for "spin" on chan: the spinner is real-time and spinning; then,
 * asleep, long enough for the spinner to use up the slice (CPU time) it
 * started with as a normal thread: after that no timer interrupts it.
 */
static void await_spin(archk_handle_t chan)
{
	char msg[4];

	CHECK_EQ(await_signal(chan, ARCHK_SIGNAL_READABLE), 0);
	CHECK_EQ(archk_channel_read(chan, msg, sizeof(msg), NULL, 0, NULL), 0);
	CHECK_EQ(archk_sleep_until(now() + 200 * MS), 0);
}

/* Spawns a child whose main thread spins real-time; returns when it spins. */
static long spawn_spinner(void)
{
	struct archk_spawn_handle hs[] = {
	    {"resource", archk_handle_named("resource"), ARCHK_RIGHTS_SAME}};
	archk_handle_t chan;
	long child = spawn_with_channel("rt-spinner", &chan, hs, 1);

	await_spin(chan);
	CHECK_EQ(archk_handle_close(chan), 0);
	return child;
}

/* init ends while a real-time thread of a child spins: archk exits with init's status. */
static int rt_exit(void)
{
	spawn_spinner();
	printf("rt-exit: a child spins real-time, init exits with %d\n", RT_STATUS);
	return RT_STATUS;
}

/* The same with init's own real-time thread. */
static int rt_exit_thread(void)
{
	static struct archk_thread th;
	archk_handle_t ch[2];

	if (archk_channel_create(ch) < 0 ||
	    archk_thread_spawn(&th, spin_realtime, (void *)(uintptr_t)ch[1], STACK_BYTES, "spin") <
		0)
		return 2;
	await_spin(ch[0]);
	printf("rt-exit-thread: a thread spins real-time, init exits with %d\n", RT_STATUS);
	return RT_STATUS;
}

/* init still runs beside the spinner, and can kill it. */
static void rt_kill(void)
{
	long child;

	arenas_snapshot();
	child = spawn_spinner();
	CHECK_EQ(archk_process_kill((archk_handle_t)child), 0);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
	check_arenas_returned(not_deadline);
}

/* ---- process isolation: a vCPU idles holding the process it ran last ---- */

/* Answers one message on "chan", then waits on it again: killed while it waits. */
static int echo_once(void)
{
	archk_handle_t chan = archk_handle_named("chan");
	char msg[4];

	if (await_signal(chan, ARCHK_SIGNAL_READABLE) < 0 ||
	    archk_channel_read(chan, msg, sizeof(msg), NULL, 0, NULL) < 0 ||
	    archk_channel_write(chan, msg, sizeof(msg), NULL, 0) < 0)
		return 2;
	await_signal(chan, ARCHK_SIGNAL_READABLE);
	return 0;
}

/*
 * With two vCPUs in process isolation, the child answers on the vCPU that
 * does not run init and that vCPU idles still holding it (sched.c, idle).
 * init kills the child there, HELD_KILL_ROUNDS times, more than there are
 * partitions: each ended child's partition and process must go at once,
 * not when that vCPU next runs something (sched_release_idle_holds), so
 * spawning never runs out of partitions and the arenas end where they
 * started while the vCPU still idles.
 */
#define HELD_KILL_ROUNDS 1100

/* One round: 0, or the step that failed (1 spawn ... 5 kill and wait). */
static int held_kill_round(void)
{
	archk_handle_t chan;
	long child = spawn_with_channel("echo-once", &chan, NULL, 0);
	char msg[4] = "ping";
	int step = 0;

	if (child < 0)
		return 1;
	if (archk_channel_write(chan, msg, sizeof(msg), NULL, 0) < 0)
		step = 2;
	else if (await_signal(chan, ARCHK_SIGNAL_READABLE) < 0)
		step = 3;
	else if (archk_channel_read(chan, msg, sizeof(msg), NULL, 0, NULL) < 0)
		step = 4;
	else if (archk_process_kill((archk_handle_t)child) < 0 ||
		 wait_exit(child) != 1000 + ARCHK_EXIT_KILLED) /* wait_exit closes child */
		step = 5;
	archk_handle_close(chan);
	return step;
}

static void held_kill(void)
{
	int step = 0, i;

	arenas_snapshot();
	for (i = 0; i < HELD_KILL_ROUNDS && !step; i++)
		step = held_kill_round();
	if (step)
		printf("held-kill: round %d failed at step %d\n", i - 1, step);
	CHECK_EQ(step, 0);
	check_arenas_returned(not_deadline);
}

static const struct scenario scenarios[] = {
    {"ac-call", ac_call, NULL},
    {"ac-spin", ac_spin, NULL},
    {"rt-exit", NULL, rt_exit},
    {"rt-exit-thread", NULL, rt_exit_thread},
    {"rt-kill", rt_kill, NULL},
    {"rt-spinner", NULL, rt_spinner},
    {"held-kill", held_kill, NULL},
    {"echo-once", NULL, echo_once},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	return scenario_main("hostile_sched", scenarios, argc, argv);
}
