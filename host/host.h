/*
 * The host layer: everything that touches Linux. It implements the hooks of
 * kernel/hooks.h and gives loader/ the calls to set up and run archk.
 */
#ifndef HOST_HOST_H
#define HOST_HOST_H

#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <ucontext.h>
#include "../kernel/scheduler.h"
#include "../kernel/vm.h"
#include <archk/net.h>
#include "entry.h"

/* Where the guest arena lives; seccomp traps every syscall made from it. */
#define ARENA_BASE     0x100000000000UL
#define PARTITION_SIZE (64UL << 20)
#define ARENA_SLOTS    1024UL /* 64 GiB: a multiple of 4 GiB, see trap.c */
#define ARENA_SIZE     (PARTITION_SIZE * ARENA_SLOTS)

/* The signal that ends a timeslice (per-vCPU CPU-time timer). */
#define PREEMPT_SIGNAL SIGVTALRM

/* A signal frame for rt_sigreturn: the kernel reads the ucontext at rsp. */
struct sigreturn_frame {
	uint64_t pretcode;
	ucontext_t uc;
};

struct host_vcpu {
	struct vcpu k; /* the kernel's part */
	pthread_t thread;
	struct io_uring ring;
	struct signal_block *block; /* bottom of this vCPU's alternate signal stack */
	struct entry_block entry;   /* the context being run, where traps return to */
	struct guest_exit *exit;
	timer_t timer;		 /* the slice timer */
	int64_t slice_armed_ns;	 /* what it was last armed for (0: disarmed) */
	int64_t slice_armed_at;	 /* and when (CLOCK_MONOTONIC) */
	int64_t idle_typical_ns; /* its idle periods' length, smoothed (vcpu.c, hook_idle) */
	int idle_spin;		 /* enum idle_spin (idle_spin.h): hook_idle spins, a kick ends it */
	struct sigreturn_frame frame __attribute__((aligned(64)));
};

/* Where guests may listen or connect: --net-listen, --net-connect (dev_socket.c). */
#define NET_RULES_MAX 32
struct net_rules {
	unsigned count;
	struct archk_net_pattern rule[NET_RULES_MAX];
};

/* Settings from the command line that only the host layer uses. */
struct host_options {
	bool huge_pages;   /* back partitions with transparent huge pages */
	bool share_ops;	   /* a share is attached: the rings take its path operations */
	bool gate_fault;   /* --debug-host-fault gate: fault in the call gate's C half */
	bool net;	   /* --net: the socket device exists, rings take socket operations */
	bool net_syscalls; /* --debug-net-syscalls: set sockets up with system calls */
	struct net_rules net_listen, net_connect; /* no connect rule: loopback only */
};

/*
 * A bit of an io_uring entry's user_data: the token wants the host's result
 * as it is (a negative errno on failure) rather than the kernel's name for
 * it, because it names host errors itself (dev_share.c). Tokens are aligned.
 */
#define HOST_RAW_RESULT 1ul

extern uint64_t host_arena_base, host_arena_size;
extern uint8_t host_have_fsgsbase, host_have_xsave;
extern struct host_options host_opts;

/* ---- trap.c ---- */
/* Gives the calling thread an alternate signal stack and its signal block. */
int trap_thread_init(struct host_vcpu *hv);
/* Installs the handlers and measures the CPU's register-state format. */
int trap_init(void);
/* Installs the seccomp filter that traps every syscall from the arena. */
int trap_install_filter(void);

/* ---- gate.c (and gate.S) ---- */
/* The call gate's entry point: see gate.S. */
void host_gate_entry(void);
/* Points the calling vCPU thread's GS base at its entry block. */
void gate_thread_init(struct host_vcpu *hv);
/* The gate's address for the boot info (ARCHK_AT_GATE). */
uint64_t gate_address(void);
/*
 * Fixes up a signal that interrupted the gate in a guest's call (a GS base
 * the guest changed, a single step into the gate, a preemption just before
 * the gate's jump back). True if nothing else is to be done about it. Runs
 * in the signal handler, possibly with the guest's FS base.
 */
bool gate_signal(int sig, ucontext_t *uc, struct signal_block *b);

/* ---- sandbox.c ---- */
/* Restricts archk's own syscalls to an allow-list (after boot); with_gdb
 * also allows what the gdb server's socket needs. */
int sandbox_install(bool with_gdb);
/*
 * Lets archk reach the directory tree below fd after the sandbox closes
 * (fd stays open), writing only if writable: with any such tree, Landlock
 * confines archk's own file system access to these trees.
 */
void sandbox_allow_tree(int fd, bool writable);
/* Reports a disallowed host syscall or a fault in archk's code and exits. */
__attribute__((noreturn)) void sandbox_host_fault(int sig, siginfo_t *info, ucontext_t *uc);
/* Loads what the fault reporter needs before the sandbox forbids loading. */
void sandbox_prepare(void);

/* ---- dev_console.c ---- */
/* The host window changed size: the console device's config follows (takes the kernel lock). */
void console_device_resized(void);

/* ---- terminal.c ---- */
/*
 * If stdin is a terminal: puts it in raw mode with ISIG off, arranges for
 * its settings to come back on every exit path, and blocks the signals that
 * end archk in the calling thread (so in every thread created after it) for
 * a thread of its own. Call it before any other thread starts. True if the
 * terminal is raw now.
 */
bool terminal_setup(void);
/* Gives the terminal its settings back (idempotent; safe in a signal handler). */
void terminal_restore(void);
/* The signals only terminal.c's thread takes: a guest entered by sigreturn gets this mask. */
extern sigset_t host_blocked_signals;

/* ---- gdbserver.c ---- */
/*
 * Listens on "[ADDR]:PORT[,proc=NAME|first]" (ADDR an IPv4 address or
 * localhost, 127.0.0.1 if empty; PORT 0 picks a free one) and says so on
 * stderr; *proc gets the process to debug. 0, GDBSERVER_BAD_SPEC (a usage
 * error) or GDBSERVER_CANNOT_LISTEN (the address is taken or refused).
 */
#define GDBSERVER_BAD_SPEC	(-1)
#define GDBSERVER_CANNOT_LISTEN (-2)
int gdbserver_setup(const char *spec, bool any_address, const char **proc);
/* Starts serving (a host thread of its own) if set up. */
int gdbserver_start(void);
/* At shutdown, waits until a connected debugger has been told of the exit. */
void gdbserver_finish(void);

/* ---- memory.c ---- */
int memory_init(void);

/* ---- timer.c ---- */
/* The deadline ring (before the sandbox) and its thread (after). */
int timer_prepare(void);
/* Creates the time page; returns its guest address, 0 on failure. */
uint64_t timepage_prepare(void);
int timer_start(void);
/* The timer thread's ring; its submission queue is used only under the kernel lock. */
struct io_uring *timer_ring(void);

/* ---- dev_socket.c ---- */
#define SOCKET_RING_OPS_MAX 12
/*
 * Adds to res the io_uring operations the socket device needs that the
 * ring's kernel has (probed on ring); returns how many. Decides, the first
 * time, whether sockets are set up through io_uring or with system calls.
 */
int socket_ring_restrictions(struct io_uring *ring, struct io_uring_restriction *res);
/* Whether the socket device sets sockets up with system calls (the sandbox allows them). */
bool socket_setup_syscalls(void);

/* ---- vcpu.c ---- */
/* The ring the calling thread sends wake-ups from: its vCPU's, the timer
 * thread's or the gdb server's. */
extern _Thread_local struct io_uring *kick_ring;
/* A new io_uring limited to the operations archk uses (see restrict_ring). */
int ring_init(struct io_uring *ring, unsigned entries);
/* The kernel's ARCHK_ERR_* for a host error -errno (hooks.h, hook_console_read). */
long host_error(int err);
/* A free submission slot of ring, flushing the queue if it is full. */
struct io_uring_sqe *ring_get_sqe(struct io_uring *ring);
/*
 * Whether completions wait on ring: posted ones, or (a vCPU's ring, see
 * vcpu_ring_init) task work the host holds until the thread enters it.
 * Reads shared memory only, so the gate's lockless path may use it.
 */
static inline bool ring_pending(struct io_uring *ring)
{
	return io_uring_cq_ready(ring) ||
	       (IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_TASKRUN);
}
/* Creates the rings; called before the sandbox forbids io_uring_setup. */
int vcpu_prepare(unsigned count);
/* Runs the vCPUs until the kernel shuts down; returns archk's exit status. */
int vcpu_run_all(void);

#endif
