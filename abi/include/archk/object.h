/*
 * Kernel object types and the information handle_info reports.
 */
#ifndef ARCHK_OBJECT_H
#define ARCHK_OBJECT_H

#include <archk/types.h>

enum archk_object_type {
	ARCHK_OBJ_NONE = 0,
	ARCHK_OBJ_PROCESS = 1, /* a running or exited guest process */
	ARCHK_OBJ_THREAD = 2,  /* a thread of a process */
	ARCHK_OBJ_CONSOLE = 3, /* the host terminal (in/out/err) */
	ARCHK_OBJ_SPAWNER = 4, /* the process table: spawns new processes */
	ARCHK_OBJ_FILE = 5,    /* a read-only file of the store */
	ARCHK_OBJ_DIR = 6,     /* a directory of the store */
	ARCHK_OBJ_VMO = 7,     /* a memory object: shared pages that can be mapped */
	/* 8-14: IPC */
	ARCHK_OBJ_RESOURCE = 15, /* privilege to use the real-time class */
	ARCHK_OBJ_TYPE_COUNT
};

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

#endif
