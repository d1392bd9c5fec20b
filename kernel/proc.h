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

/* What a blocked thread's call waits for: one kind at a time (thread.wait). */
enum wait_kind {
	WAIT_NONE = 0,
	WAIT_PLAIN,   /* sleep, thread_join, table_receive: only the queue and deadline */
	WAIT_FUTEX,   /* futex_wait: futex.word of its process */
	WAIT_IOQ,     /* ioq_enter: ioq.min completions unread */
	WAIT_PROCESS, /* process_wait: process.child ends */
	WAIT_IO,      /* do_io: io.req completes */
	WAIT_WAITER,  /* object_wait_*, port_wait, channel_call: thread.waiter (wait.h) */
};

/*
 * The typed state of a blocked call. Whatever it references is released by
 * thread_wait_clear, once, whoever ends the wait (a wake-up's resume or the
 * thread's death).
 */
struct thread_wait {
	enum wait_kind kind;
	union {
		struct {
			uintptr_t word;
		} futex;
		struct {
			uint32_t min;  /* completions that end the wait */
			uint32_t taken; /* the call's result: requests it took */
		} ioq;
		struct {
			struct process *child; /* referenced */
			uintptr_t status_out;  /* guest address for its exit status */
		} process;
		struct {
			struct io_req *req; /* owned by the wait */
		} io;
	};
};

/*
 * A thread's deadline (futex.c): at most one host timer per thread, moved
 * from wait to wait, so a timed wait never needs memory of its own.
 */
struct thread_deadline {
	struct io_token token;
	int64_t at;	  /* what the current wait wants; ARCHK_DEADLINE_INFINITE: none */
	int64_t armed_at; /* what the host timer was last set to */
	long result;	  /* the wait's result if the deadline ends it */
	bool armed;	  /* a host timer is outstanding; it holds a thread reference */
};

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
	struct thread_wait wait;	/* what its blocked call waits for */
	struct waiter *waiter;		/* WAIT_WAITER: signal, port or call wait (wait.h) */
	struct thread_deadline deadline;
	long wake_result;		/* result handed over by thread_wake */
	int32_t exit_code;		/* for thread_join */
	/* Scheduling (kernel/sched.c). */
	uint8_t sched_class;	/* ARCHK_SCHED_* */
	int8_t priority;	/* base normal priority, 0..30 */
	int8_t boost;		/* dynamic adjustment, -BOOST_MAX..BOOST_MAX */
	bool keep_turn;		/* preempted early: requeue at the head */
	bool gave_way;		/* yielded or blocked since its last slice end */
	bool displaced;		/* preempted by a better thread: keeps its slice */
	int level;		/* run queue level while queued; RUNQ_LEVEL_WOKEN: just woken */
	struct vcpu *queued_on; /* whose run queue (or list of just-woken threads) holds it */
	uint64_t affinity;	/* vCPUs it may run on (bit n: vCPU n) */
	int64_t slice_left;	/* nanoseconds of CPU left in its timeslice */
	int64_t cpu_ns;		/* vCPU time used, up to its last switch (proctable.c) */
	char name[16];
	struct thread_list joiners;    /* threads blocked in thread_join on it */
	TAILQ_ENTRY(thread) run_link;  /* run queue, just-woken list or a wait queue */
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
	int vcpus_holding;	 /* vCPUs that hold it (vm.c); each holds a reference */

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
	archk_koid_t parent;	       /* the spawner (0 for init), for the process table */
	int64_t start_ns;	       /* CLOCK_MONOTONIC at spawn */
	int64_t cpu_ended_ns;	       /* vCPU time of its released threads */
};

static inline struct process *process_from_object(struct object *o)
{
	return (struct process *)o;
}

/* ---- proc.c ---- */
int proc_init(void);
/* The next process object (alive or ended) from slot *cursor on, or NULL; start at 0. */
struct process *process_next(uint32_t *cursor);
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
/* Releases what t's blocked call holds (thread.wait) and forgets it. */
void thread_wait_clear(struct thread *t);
/* archk's exit status for a process status (shell convention: 128+signal). */
int process_status_code(const struct archk_exit_status *status);

#endif
