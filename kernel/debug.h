/*
 * Debugging one guest process through the host's GDB server (host/gdbserver.c).
 *
 * The debugged process is chosen at spawn (the first one, or by name) and
 * stopped before its first instruction. While it is stopped, every thread of
 * it is parked (THREAD_STOPPED): the scheduler never sees it, so other guests
 * keep running. Breakpoints (int3), single steps (the trap flag) and faults
 * stop it; the server's calls below resume it. All calls need the kernel lock.
 */
#ifndef KERNEL_DEBUG_H
#define KERNEL_DEBUG_H

#include "proc.h"

enum debug_state {
	DEBUG_WAITING = 0, /* no process chosen yet */
	DEBUG_RUNNING = 1,
	DEBUG_STOPPING = 2, /* stop requested; threads still leaving their vCPUs */
	DEBUG_STOPPED = 3,
	DEBUG_EXITED = 4,
	DEBUG_DETACHED = 5, /* the debugger left; the process runs on, undebugged */
};

struct debug_report {
	int state;			 /* enum debug_state */
	int signal;			 /* DEBUG_STOPPED: why (5 trap, 2 interrupt, 11 ...) */
	uint32_t thread;		 /* DEBUG_STOPPED: the thread that stopped (tid) */
	struct archk_exit_status status; /* DEBUG_EXITED */
};

/* Debug the first process spawned (name NULL or "first") or the first with this name. */
void debug_init(const char *name);
void debug_report(struct debug_report *out);
/* Asks the running process to stop (the debugger's interrupt). */
void debug_interrupt(void);
/* Resumes all threads, or steps one thread (tid != 0); signal != 0 delivers a pending fault. */
int debug_resume(uint32_t step_tid, int signal);
/* The stopped process's thread ids, in creation order; returns how many. */
unsigned debug_threads(uint32_t *tids, unsigned max);
/* A stopped thread's name and registers, or NULL if there is no such thread. */
struct guest_context *debug_thread_context(uint32_t tid, const char **name);
/* Checked access to the debugged process's memory; 0 or ARCHK_ERR_BAD_ADDRESS. */
int debug_read_memory(uint64_t addr, void *buf, size_t len);
int debug_write_memory(uint64_t addr, const void *buf, size_t len);
/* Ends the debugged process (the debugger's kill). */
void debug_kill(void);
/* Lets the process run on without the debugger. */
void debug_detach(void);
/* The debugged executable's load bias, for the debugger's symbol offsets. */
uintptr_t debug_load_bias(void);

/* ---- called by the rest of the kernel ---- */
/* A thread becomes runnable: true if the debugger parks it instead. */
bool debug_park_runnable(struct thread *t);
/*
 * Is p the debugged process? Read without the lock and without thread-local
 * storage, by lockless calls (syscall.h): the debugged process is chosen when
 * it is created, before any of its threads runs, and only forgotten when the
 * debugger detaches.
 */
__attribute__((no_stack_protector)) bool debug_watches(const struct process *p);
/* A thread came back from the guest; true if the debugger took it (stop or park). */
bool debug_after_exit(struct thread *t, const struct guest_exit *exit);
void debug_process_created(struct process *p);
void debug_process_exited(struct process *p);

#endif
