/*
 * Processes, threads and vCPUs.
 *
 * A process is a partition of the guest arena, a handle table and threads.
 * A thread is a guest register context that the scheduler multiplexes onto
 * vCPUs (host threads). All of this state is guarded by the big kernel lock
 * (hook_lock), which a vCPU holds whenever it runs kernel code and drops
 * before it enters a guest.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <sys/queue.h>
#include "context.h"
#include "handle.h"
#include "runq.h"
#include "maparea.h"

struct thread;
struct process;
struct vmo;
struct io_req;
TAILQ_HEAD(io_req_list, io_req);

enum thread_state {
	THREAD_RUNNABLE = 1, /* on the run queue */
	THREAD_RUNNING = 2,  /* owned by a vCPU */
	THREAD_BLOCKED = 3,  /* waiting; a wake-up puts it back on the run queue */
	THREAD_DEAD = 4,     /* exited, or its process ended; freed when the last ref goes */
	THREAD_NEW = 5,	     /* created, not started yet */
	THREAD_STOPPED = 6,  /* parked by the debugger (kernel/debug.c) */
};

/*
 * Runs on the thread's vCPU just before it re-enters the guest, with its
 * partition accessible: blocked calls use it to copy their results out.
 */
typedef void (*thread_resume_fn)(struct thread *t);

struct thread {
	struct object obj;
	struct process *proc;
	struct vcpu *vcpu; /* the vCPU it last ran on */
	struct guest_context *ctx;
	int state;
	uint32_t tid;	     /* small number within the process, for traces */
	uint64_t syscall_nr; /* the call being served, for traces */
	bool call_via_gate;  /* it came through the call gate (restarts go back to it) */
	thread_resume_fn resume;
	struct thread_list *wait_queue; /* where a blocked thread waits */
	void *wait_object;		/* what the blocked call waits on (referenced) */
	uint64_t wait_arg;		/* the blocked call's guest output pointer */
	struct io_req *wait_io;		/* the do_io request a blocked call waits for (io.c) */

	struct waiter *waiter; /* signal, port or call wait in progress (wait.h) */
	long wake_result;      /* result handed over by thread_wake */
	uint64_t deadline_seq; /* advances on every wake: stale timers are ignored */
	int32_t exit_code;     /* for thread_join */
	/* Scheduling (kernel/sched.c). */
	uint8_t sched_class;	/* ARCHK_SCHED_* */
	int8_t priority;	/* base normal priority, 0..30 */
	int8_t boost;		/* dynamic adjustment, -BOOST_MAX..BOOST_MAX */
	bool keep_turn;		/* preempted early: requeue at the head */
	bool gave_way;		/* yielded or blocked since its last slice end */
	bool displaced;		/* preempted by a better thread: keeps its slice */
	int level;		/* run queue level while queued */
	struct vcpu *queued_on; /* whose run queue holds it */
	uint64_t affinity;	/* vCPUs it may run on (bit n: vCPU n) */
	int64_t slice_left;	/* nanoseconds of CPU left in its timeslice */
	char name[16];
	struct thread_list joiners;    /* threads blocked in thread_join on it */
	TAILQ_ENTRY(thread) run_link;  /* run queue or a wait queue */
	TAILQ_ENTRY(thread) proc_link; /* process's thread list */
};

enum process_state {
	PROCESS_ALIVE = 1,
	PROCESS_EXITED = 2, /* status is final; memory and handles are reclaimed */
};

#define PROCESS_NAME_MAX    31
#define PROCESS_REGIONS_MAX (LOAD_REGIONS_MAX + 3)

struct process {
	struct object obj;
	char name[PROCESS_NAME_MAX + 1];
	int state;
	struct handle_table handles;

	/* Partition: slot of the arena and the regions guests may touch. */
	uint32_t slot;
	uintptr_t base;
	size_t size;
	unsigned region_count;
	struct load_region regions[PROCESS_REGIONS_MAX];
	uintptr_t heap_base;
	size_t heap_size;
	uintptr_t private_start; /* regions from here up are closed when not running */
	struct map_area maps;	 /* vmo_map and mem_map_anon mappings, above private_start */
	int vcpus_holding;	 /* vCPUs that have the partition open for it */

	/* The executable, for fault symbolization and debugger announcements. */
	const struct archk_boot_file *image;
	char image_path[ARCHK_PATH_MAX + 1];
	uintptr_t bias;
	uintptr_t image_end;
	bool image_unloaded; /* debuggers were told (process_unload_image) */

	struct thread_list threads;
	uint32_t thread_count;
	uint32_t next_tid;

	struct archk_exit_status status;
	struct thread_list waiters; /* threads blocked in process_wait */
	uint32_t pending_messages;  /* channel messages it wrote that are still unread */
	uint32_t pending_handles;   /* handles inside those messages */
	bool is_init;
	struct io_req_list deliveries; /* ring completions waiting for the partition (io.c) */
	uint32_t ioq_count;	       /* I/O queues it created */
	LIST_HEAD(ioq_list, ioq) ioqs; /* those queues (ioq.c) */
	uint32_t guarded_requests;     /* --strict-buffers: requests whose pages are closed */
};

/* The kernel side of a vCPU; the host embeds it in its own per-vCPU state. */
struct vcpu {
	unsigned id;
	bool idle;
	bool resched; /* a better thread was queued: switch at the next exit */

	struct runq runq;
	struct thread *last;	  /* the thread its slice timer is armed for */
	bool slice_over;	  /* the slice timer fired: arm a new slice */
	bool spawn_check;	  /* the timer is cut short for a child queued behind its spawner */
	int64_t spawn_check_rest; /* what was left of the slice then (0: real-time) */
	struct thread *current;
	struct process *holding; /* partition this vCPU keeps open */
	bool in_guest;		 /* between entering a guest and taking the lock again */
};

static inline struct process *process_from_object(struct object *o)
{
	return (struct process *)o;
}

/* ---- proc.c ---- */
int proc_init(void);
/* A new process with no partition, no threads and one reference. */
struct process *process_create(const char *name);
/* Ends the process with status: threads stop, memory and handles are freed. */
void process_exit(struct process *p, const struct archk_exit_status *status);
struct thread *thread_create(struct process *p);
/* Tells debuggers an ended process's image is gone (once), before its partition is freed. */
void process_unload_image(struct process *p);
/* Blocks t (the caller of the current system call) on queue, or on nothing if NULL. */
void thread_block(struct thread *t, struct thread_list *queue);
/*
 * Wakes a blocked thread. Before it re-enters the guest, resume runs with its
 * partition open and must call syscall_finish; NULL finishes with result.
 */
void thread_wake(struct thread *t, long result, thread_resume_fn resume);
/*
 * Wakes a blocked thread to make its system call again from the start: for
 * calls that can simply be repeated (absolute deadlines, nothing done before
 * blocking), such as a table_receive whose request another thread may take.
 */
void thread_wake_restart(struct thread *t);
/* Drops a thread that left its vCPU for good (its process ended). */
void thread_release(struct thread *t);
/* archk's exit status for a process status (shell convention: 128+signal). */
int process_status_code(const struct archk_exit_status *status);
/* Ends thread t with code; the process ends with it if it was its last live thread. */
void thread_exit(struct thread *t, int32_t code);
/* Wakes t with result when the monotonic clock reaches deadline, unless it wakes first. */
void thread_wake_at(struct thread *t, int64_t deadline, long result);
/* Has the monotonic clock reached deadline (never for ARCHK_DEADLINE_INFINITE)? */
bool deadline_passed(int64_t deadline);

/* ---- exec.c ---- */
struct spawn_handle {
	char name[ARCHK_NAME_MAX + 1];
	struct object *obj;
	uint32_t rights;
};

struct spawn_request {
	const struct archk_boot_file *exe;
	const char *name; /* NULL: derived from argv[0] */
	uint32_t argc;
	const char *const *argv;
	uint32_t handle_count;
	const struct spawn_handle *handles;
};

/* Creates a process running exe; ARCHK_ERR_* on failure. */
long exec_spawn(const struct spawn_request *req, struct process **out);

/* Rights of a handle to a thread from thread_create or thread_self. */
#define THREAD_HANDLE_RIGHTS                                                                       \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_MANAGE |    \
	 ARCHK_RIGHT_INSPECT)

/* ---- sched.c ---- */
/* Called by the host before kernel_main: the vCPU count, then each vCPU. */
void sched_init(unsigned vcpu_count);
void kernel_vcpu_register(struct vcpu *v);
unsigned sched_vcpu_count(void);
/* Default class, priority and affinity of a new thread. */
void sched_init_thread(struct thread *t);
void sched_make_runnable(struct thread *t);
/*
 * Until the current system call ends, wake-ups go to v (where the calling
 * thread runs) when the woken thread may run there and the caller is not
 * real-time: the caller will block for an answer (do_io on a served object,
 * channel_call) or has just given one and goes back to wait (table_reply,
 * channel_write), so v switches to the woken thread without waking an idle
 * vCPU. Should the caller go on instead, the woken thread waits for its
 * slice to end. NULL ends the preference early.
 */
void sched_handoff(struct vcpu *v);
/* Makes a new process's first thread runnable, on the spawning vCPU if it can. */
void sched_start_spawned(struct thread *t);
/* Wakes one idle vCPU, which may steal queued work or poll I/O queues. */
void kick_idle_vcpu(void);
void sched_yield_thread(struct thread *t);
/* Removes and returns the best thread v may run now, or NULL. */
struct thread *sched_take(struct vcpu *v);
/*
 * The slice timer ended t's slice on v (or v was asked to reschedule): ages
 * the queues, charges t, and returns the thread v should run next (t itself
 * if it continues, NULL if v must pick).
 */
struct thread *sched_slice_end(struct vcpu *v, struct thread *t);
/* Arms v's slice timer for t if t starts a new slice or resumes one (see sched.c). */
void sched_arm_slice(struct vcpu *v, struct thread *t);
/* Forgets a released thread (vCPUs remember whose slice they timed). */
void sched_forget(struct thread *t);
/* t blocked before its slice ended: it earns a boost step. */
void sched_reward(struct thread *t);
void sched_remove(struct thread *t);
/* The vCPU loop: pick, enter, handle the exit, repeat, until shutdown. */
void kernel_vcpu_run(struct vcpu *v);
/* Stops every vCPU; archk exits with status. */
void kernel_shutdown(int status);
/* Called by the host (without the lock) when host I/O for token completes. */
void kernel_io_done(void *token, long result);
/*
 * Called by the host's call gate (host/gate.c), without the lock, for a
 * system call that v's current thread made through the gate (its state is
 * saved in its context as after a trap): serves it exactly as the run loop
 * serves a trapped call. Returns true if the thread goes on at once (its entry
 * is prepared and the lock dropped: the gate returns to it), false if the run
 * loop must take over (the thread blocked, yielded, ended or must be entered
 * the full way): then the lock is still held, as when the run loop handles
 * an exit, and the gate leaves through the run loop with EXIT_SERVED.
 */
bool kernel_gate_call(struct vcpu *v, const struct guest_exit *exit);

/* ---- vm.c ---- */
int vm_init(const struct archk_bootinfo *boot);
int vm_partition_alloc(struct process *p);
void vm_partition_free(struct process *p);
/* Applies region protections (the partition is being opened). */
void vm_open(struct process *p);
void vm_close(struct process *p);
/* Gives a newly loaded partition its final protections for the isolation mode. */
void vm_protect_new(struct process *p);
/* Makes p's partition accessible on v according to the isolation mode. */
void vm_hold(struct vcpu *v, struct process *p);
/* Gives up v's hold (the vCPU idles or switches away). */
void vm_release(struct vcpu *v);
/*
 * Gives up v's hold on a process whose last thread has just ended: if v is
 * its only holder, the partition is freed at once instead of being closed.
 */
void vm_release_ended(struct vcpu *v);
/* Is p's private memory accessible now (isolation off, or some vCPU holds p)? */
bool vm_is_open(const struct process *p);
/* May v run p now (strict mode allows one process at a time)? */
bool vm_may_run(const struct vcpu *v, const struct process *p);
/* 0 if [addr, addr+len) lies in p's memory with the access, else BAD_ADDRESS. */
int vm_check(const struct process *p, uintptr_t addr, size_t len, int prot);
/* The protection of the region or mapping holding addr; 0 if none does. */
int vm_prot_at(const struct process *p, uintptr_t addr);
/*
 * Maps len bytes (page-aligned) into p's mapping window with prot: from
 * offset in vmo (which gains a reference), or fresh zeroed memory if vmo is
 * NULL. The guest address, or NO_MEMORY when a limit is reached.
 */
long vm_map(struct process *p, size_t len, int prot, struct vmo *vmo, size_t offset);
/*
 * Removes the mapping that starts at addr and spans len bytes rounded up to
 * pages; it must be a VMO mapping if vmo is set, an anonymous one if not.
 * 0, NOT_FOUND (nothing of that kind starts there) or INVALID_ARGS (len).
 */
long vm_unmap(struct process *p, uintptr_t addr, uint64_t len, bool vmo);
int copy_from_guest(const struct process *p, void *dst, uintptr_t src, size_t len);
int copy_to_guest(const struct process *p, uintptr_t dst, const void *src, size_t len);
/* Copies a NUL-terminated guest string of at most max bytes plus NUL into dst
 * (max + 1 bytes); returns its length or BAD_ADDRESS / TOO_LONG. */
long copy_string_from_guest(const struct process *p, char *dst, uintptr_t src, size_t max);

/* ---- fault.c ---- */
void fault_report(struct thread *t, const struct guest_exit *exit);

#endif
