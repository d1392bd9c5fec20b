/*
 * The kernel side of guest debugging: see debug.h.
 *
 * Stopping: stop_all parks the threads of the process that are runnable,
 * interrupts those running on other vCPUs (they park when they come back)
 * and leaves blocked ones where they are; a blocked thread that wakes while
 * the process is stopped is parked instead of queued. The stop is reported to
 * the server (hook_debug_event) once no thread of the process is running.
 */
#include <stdio.h>
#include <string.h>
#include "debug.h"
#include "fault.h"
#include "syscall.h"

#define SIGNAL_INT  2
#define SIGNAL_TRAP 5

static struct {
	bool enabled;
	char name[PROCESS_NAME_MAX + 1]; /* "" = the first process */
	struct process *proc;		 /* referenced once chosen */
	int state;
	int signal;
	uint32_t stop_tid;
	uint32_t step_tid; /* the thread being single-stepped, 0 if none */
	struct thread_list parked;
	bool fault_pending; /* a fault stopped it; resuming with a signal delivers it */
	struct guest_exit fault;
	struct thread *fault_thread;
	struct archk_exit_status status;
} dbg = {.parked = TAILQ_HEAD_INITIALIZER(dbg.parked)};

void debug_init(const char *name)
{
	dbg.enabled = true;
	if (name && strcmp(name, "first") != 0)
		snprintf(dbg.name, sizeof(dbg.name), "%s", name);
}

void debug_process_created(struct process *p)
{
	if (!dbg.enabled || dbg.proc || (dbg.name[0] && strcmp(dbg.name, p->name) != 0))
		return;
	__atomic_store_n(&dbg.proc, p, __ATOMIC_RELAXED); /* debug_watches reads it unlocked */
	object_ref(&p->obj);
	dbg.state = DEBUG_STOPPED; /* before its first instruction */
	dbg.signal = SIGNAL_TRAP;
	dbg.stop_tid = 1;
	klog(LOG_INFO, "debugging %s[%lu]: stopped before its first instruction", p->name,
	     (unsigned long)p->obj.koid);
	hook_debug_event(); /* a debugger may be waiting for the process to exist */
}

static void park(struct thread *t)
{
	t->state = THREAD_STOPPED;
	t->wait_queue = &dbg.parked;
	TAILQ_INSERT_TAIL(&dbg.parked, t, run_link);
}

static bool is_running(const struct process *p)
{
	const struct thread *t;

	TAILQ_FOREACH(t, &p->threads, proc_link)
		if (t->state == THREAD_RUNNING)
			return true;
	return false;
}

/* The stop is complete once nothing of the process is on a vCPU. */
static void finish_stop(void)
{
	if (dbg.state == DEBUG_STOPPING && !is_running(dbg.proc)) {
		dbg.state = DEBUG_STOPPED;
		hook_debug_event();
	}
}

/* Stops the whole process because of stopper (NULL for an interrupt). */
static void stop_all(struct thread *stopper, int signal)
{
	struct thread *t;

	/* A step cut short by another stop must not leave its trap flag behind. */
	TAILQ_FOREACH(t, &dbg.proc->threads, proc_link)
		if (t->tid == dbg.step_tid)
			t->ctx->rflags &= ~(uint64_t)RFLAGS_TRAP;
	dbg.signal = signal;
	dbg.step_tid = 0;
	dbg.stop_tid = stopper ? stopper->tid : TAILQ_FIRST(&dbg.proc->threads)->tid;
	dbg.state = DEBUG_STOPPING;
	if (stopper)
		park(stopper);
	TAILQ_FOREACH(t, &dbg.proc->threads, proc_link) {
		if (t->state == THREAD_RUNNABLE) {
			sched_remove(t);
			park(t);
		} else if (t->state == THREAD_RUNNING && t->vcpu && t->vcpu->in_guest) {
			hook_interrupt(t->vcpu);
		}
	}
	finish_stop();
}

__attribute__((no_stack_protector)) bool debug_watches(const struct process *p)
{
	return __atomic_load_n(&dbg.proc, __ATOMIC_RELAXED) == p;
}

bool debug_park_runnable(struct thread *t)
{
	if (t->proc != dbg.proc)
		return false;
	if (dbg.state == DEBUG_RUNNING && (!dbg.step_tid || dbg.step_tid == t->tid))
		return false;
	park(t);
	finish_stop();
	return true;
}

/*
 * Takes over the exits of the debugged process's threads: faults (int3 and
 * the trap flag included) stop the process instead of ending it, a system
 * call ends a single step, and a thread that comes back while a stop is in
 * progress is parked. Returns false for what the scheduler handles as usual.
 */
bool debug_after_exit(struct thread *t, const struct guest_exit *exit)
{
	if (t->proc != dbg.proc || dbg.state == DEBUG_EXITED)
		return false;
	if (exit->reason == EXIT_FAULT) {
		t->ctx->rflags &= ~(uint64_t)RFLAGS_TRAP;
		dbg.fault_pending = exit->signal != SIGNAL_TRAP;
		dbg.fault = *exit;
		dbg.fault_thread = t;
		stop_all(t, exit->signal);
		return true;
	}
	if (exit->reason == EXIT_SYSCALL) {
		syscall_dispatch(t, exit);
		if (t->state == THREAD_RUNNING && dbg.step_tid == t->tid) {
			t->ctx->rflags &= ~(uint64_t)RFLAGS_TRAP;
			stop_all(t, SIGNAL_TRAP);
			return true;
		}
	} else if (dbg.state != DEBUG_STOPPING) {
		return false;
	}
	/* Parked, blocked or gone: either way it no longer holds the stop up. */
	if (t->state == THREAD_RUNNING && dbg.state == DEBUG_STOPPING)
		park(t);
	finish_stop();
	return true;
}

void debug_process_exited(struct process *p)
{
	if (p != dbg.proc)
		return;
	dbg.state = DEBUG_EXITED;
	dbg.status = p->status;
	dbg.fault_pending = false;
	hook_debug_event();
}

void debug_report(struct debug_report *out)
{
	out->state = dbg.state;
	out->signal = dbg.signal;
	out->thread = dbg.stop_tid;
	out->status = dbg.status;
}

void debug_interrupt(void)
{
	if (dbg.state == DEBUG_RUNNING)
		stop_all(NULL, SIGNAL_INT);
}

static struct thread *find_thread(uint32_t tid)
{
	struct thread *t;

	if (!dbg.proc || dbg.state == DEBUG_EXITED)
		return NULL;
	TAILQ_FOREACH(t, &dbg.proc->threads, proc_link)
		if (t->tid == tid && t->state != THREAD_DEAD)
			return t;
	return NULL;
}

/* Lets the parked threads run; with a step in progress all but one park again. */
static void unpark_all(void)
{
	struct thread_list was = TAILQ_HEAD_INITIALIZER(was);
	struct thread *t;

	/* Take the list first: threads parked again go back onto an empty one. */
	TAILQ_CONCAT(&was, &dbg.parked, run_link);
	dbg.state = DEBUG_RUNNING;
	while ((t = TAILQ_FIRST(&was))) {
		TAILQ_REMOVE(&was, t, run_link);
		t->wait_queue = NULL;
		sched_make_runnable(t);
	}
}

int debug_resume(uint32_t step_tid, int signal)
{
	struct thread *t;

	if (dbg.state != DEBUG_STOPPED)
		return ARCHK_ERR_BAD_STATE;
	if (signal && dbg.fault_pending) {
		/* The debugger passes the fault on: the process ends as it would have. */
		dbg.fault_pending = false;
		fault_report(dbg.fault_thread, &dbg.fault);
		return 0;
	}
	if (step_tid) {
		if (!(t = find_thread(step_tid)) || t->state != THREAD_STOPPED)
			return ARCHK_ERR_NOT_FOUND;
		t->ctx->rflags |= RFLAGS_TRAP;
		t->ctx->full_restore = 1;
	}
	dbg.fault_pending = false;
	dbg.step_tid = step_tid;
	unpark_all();
	return 0;
}

unsigned debug_threads(uint32_t *tids, unsigned max)
{
	struct thread *t;
	unsigned n = 0;

	if (!dbg.proc || dbg.state == DEBUG_EXITED)
		return 0;
	TAILQ_FOREACH(t, &dbg.proc->threads, proc_link)
		if (t->state != THREAD_DEAD && t->state != THREAD_NEW && n < max)
			tids[n++] = t->tid;
	return n;
}

struct guest_context *debug_thread_context(uint32_t tid, const char **name)
{
	struct thread *t = find_thread(tid);

	if (!t || dbg.state != DEBUG_STOPPED || t->state == THREAD_RUNNING)
		return NULL;
	*name = t->name;
	t->ctx->full_restore = 1; /* the debugger may change any register */
	return t->ctx;
}

/* Copies between the debugger and the process's memory, opening a closed
 * partition for the moment and lifting write protection from code pages. */
static int access_memory(uint64_t addr, void *buf, size_t len, bool write)
{
	struct process *p = dbg.proc;
	bool opened = false;

	if (!p || dbg.state == DEBUG_EXITED || vm_check(p, addr, len, HOOK_PROT_READ) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (!vm_is_open(p)) {
		vm_open(p);
		opened = true;
	}
	if (!write) {
		memcpy(buf, (const void *)addr, len);
	} else if (vm_check(p, addr, len, HOOK_PROT_WRITE) == 0) {
		memcpy((void *)addr, buf, len);
	} else {
		uintptr_t start = ALIGN_DOWN(addr, PAGE_SIZE),
			  end = ALIGN_UP(addr + len, PAGE_SIZE);

		hook_protect(start, end - start, HOOK_PROT_READ | HOOK_PROT_WRITE);
		memcpy((void *)addr, buf, len);
		for (uintptr_t page = start; page < end; page += PAGE_SIZE)
			hook_protect(page, PAGE_SIZE, vm_prot_at(p, page));
	}
	if (opened)
		vm_close(p);
	return 0;
}

int debug_read_memory(uint64_t addr, void *buf, size_t len)
{
	return access_memory(addr, buf, len, false);
}

int debug_write_memory(uint64_t addr, const void *buf, size_t len)
{
	return access_memory(addr, (void *)buf, len, true);
}

void debug_kill(void)
{
	struct archk_exit_status killed = {.reason = ARCHK_EXIT_KILLED};

	if (dbg.proc && dbg.state != DEBUG_EXITED)
		process_exit(dbg.proc, &killed);
}

/* The debugger leaves: the process runs on, undebugged, as if never attached. */
void debug_detach(void)
{
	if (!dbg.proc || dbg.state == DEBUG_EXITED)
		return;
	dbg.step_tid = 0;
	dbg.fault_pending = false;
	unpark_all();
	dbg.enabled = false;
	dbg.state = DEBUG_DETACHED;
	object_unref(&dbg.proc->obj);
	__atomic_store_n(&dbg.proc, NULL, __ATOMIC_RELAXED);
}

uintptr_t debug_load_bias(void)
{
	return dbg.proc ? dbg.proc->bias : 0;
}
