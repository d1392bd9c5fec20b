/*
 * Kernel object types and the information handle_info reports.
 */
#ifndef ARCHK_OBJECT_H
#define ARCHK_OBJECT_H

#include <archk/types.h>

enum archk_object_type {
	ARCHK_OBJ_NONE = 0,
	ARCHK_OBJ_PROCESS = 1,	 /* a running or exited guest process */
	ARCHK_OBJ_THREAD = 2,	 /* a thread of a process */
	ARCHK_OBJ_CONSOLE = 3,	 /* the host terminal (in/out/err) */
	ARCHK_OBJ_SPAWNER = 4,	 /* the process table: spawns new processes */
	ARCHK_OBJ_FILE = 5,	 /* a read-only file of the store */
	ARCHK_OBJ_DIR = 6,	 /* a directory of the store */
	ARCHK_OBJ_VMO = 7,	 /* a memory object: shared pages that can be mapped */
	ARCHK_OBJ_EVENT = 8,	 /* signals only (event_create) */
	ARCHK_OBJ_EVENTPAIR = 9, /* one end of an event pair: signals go to the peer */
	ARCHK_OBJ_CHANNEL = 10,	 /* one endpoint of a channel: messages of bytes + handles */
	ARCHK_OBJ_PORT = 11,	 /* a queue of signal packets (port_wait_async) */
	ARCHK_OBJ_IOQ = 12,	 /* an I/O queue: request and completion rings */
	ARCHK_OBJ_TABLE = 13,	 /* the server's end of a table of user-served objects */
	ARCHK_OBJ_SERVED = 14,	 /* an object served from a table */
	ARCHK_OBJ_RESOURCE = 15, /* privilege to use the real-time class */
	ARCHK_OBJ_DEVICE = 16,	 /* a simulated device: config, virtqueues, interrupt */
	ARCHK_OBJ_PIPE = 17,	 /* one end of a byte pipe */
	ARCHK_OBJ_BUS = 18,	 /* the list of devices: OPEN one by name */
	ARCHK_OBJ_TYPE_COUNT
};

/*
 * Object signals: state bits every object carries, observed by
 * object_wait_one, object_wait_many and port_wait_async.
 */
#define ARCHK_SIGNAL_READABLE                                                                      \
	(1u << 0)			    /* channel: a message is queued; port: a packet is;    \
					     * table: a request is; I/O queue: a completion is */
#define ARCHK_SIGNAL_WRITABLE	 (1u << 1)  /* channel: the peer's queue has room */
#define ARCHK_SIGNAL_PEER_CLOSED (1u << 2)  /* channel/eventpair: the other end is gone */
#define ARCHK_SIGNAL_SIGNALED	 (1u << 3)  /* event/eventpair: raised by object_signal */
#define ARCHK_SIGNAL_TERMINATED	 (1u << 4)  /* process: ended and reclaimed */
#define ARCHK_SIGNAL_INTERRUPT	 (1u << 5)  /* device: an interrupt is pending */
#define ARCHK_SIGNAL_USER0	 (1u << 24) /* user signals: meaning chosen by programs */
#define ARCHK_SIGNAL_USER_ALL	 (0xffu << 24)
/* What object_signal may clear and set. */
#define ARCHK_SIGNALS_SETTABLE (ARCHK_SIGNAL_SIGNALED | ARCHK_SIGNAL_USER_ALL)

/* handle_info output. */
struct archk_handle_info {
	uint32_t type;	   /* enum archk_object_type */
	uint32_t rights;   /* ARCHK_RIGHT_* bits of this handle */
	archk_koid_t koid; /* identity of the object */
	uint64_t reserved;
};

/* Why a process ended, as process_wait reports it. */
enum archk_exit_reason {
	ARCHK_EXIT_NORMAL = 1, /* called process_exit; code is its status */
	ARCHK_EXIT_FAULT = 2,  /* a fault ended it; signal and addr say which */
	ARCHK_EXIT_KILLED = 3, /* terminated by a holder of its handle */
};

struct archk_exit_status {
	uint32_t reason; /* enum archk_exit_reason */
	int32_t code;	 /* exit code for ARCHK_EXIT_NORMAL */
	uint32_t signal; /* host signal number for ARCHK_EXIT_FAULT */
	uint32_t reserved;
	uint64_t fault_addr; /* faulting data address (SIGSEGV/SIGBUS) */
	uint64_t fault_pc;   /* guest program counter at the fault */
};

/*
 * READ on a process table (the "process" handle) lists processes as these
 * fixed-size records, in koid order, starting at the koid given as the READ
 * offset; continue with the last record's koid + 1 (docs/abi.md 8.5a).
 */
struct archk_process_record {
	archk_koid_t koid;   /* the process */
	archk_koid_t parent; /* the process that spawned it; 0 for init */
	int64_t start_ns;    /* CLOCK_MONOTONIC when it was spawned */
	uint64_t cpu_ns;     /* vCPU time its threads have used, ended threads included */
	uint32_t state;	     /* enum archk_process_state */
	uint32_t threads;    /* threads not ended (not yet started ones included) */
	char name[32];	     /* the process name, NUL-terminated */
};

enum archk_process_state {
	ARCHK_PROCESS_RUNNING = 1, /* one of its threads is on a vCPU */
	ARCHK_PROCESS_READY = 2,   /* none is, but one waits for a vCPU */
	ARCHK_PROCESS_BLOCKED = 3, /* every thread waits for something, or was not started */
	ARCHK_PROCESS_STOPPED = 4, /* a debugger holds it */
	ARCHK_PROCESS_EXITED = 5,  /* it has ended; listed while a handle to it exists */
};

/* Digits of the longest koid OPEN on a process table takes (2^64 - 1). */
#define ARCHK_KOID_DIGITS_MAX 20

#endif
