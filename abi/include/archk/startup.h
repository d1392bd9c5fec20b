/*
 * What a new process finds at its entry point.
 *
 * The stack pointer is 16-byte aligned and points at argc, followed by argv
 * (argc pointers and NULL), envp (NULL-terminated) and the auxiliary vector
 * (type/value pairs ending with AT_NULL), laid out as on Linux. Besides the
 * standard AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY and AT_RANDOM,
 * and AT_BASE (here the program's own load bias: there is no interpreter),
 * archk adds ARCHK_AT_STARTUP: a pointer to struct archk_startup, and
 * ARCHK_AT_GATE: the address of the call gate, a function in archk's code
 * that makes a system call without trapping (docs/abi.md, "The call gate";
 * an AT_IGNORE entry in its place when archk runs with --no-gate).
 */
#ifndef ARCHK_STARTUP_H
#define ARCHK_STARTUP_H

#include <archk/syscall.h>
#include <archk/timepage.h>

#define ARCHK_AT_STARTUP 0x41524b00UL /* "ARK\0" */
#define ARCHK_AT_GATE	 0x41524b01UL /* "ARK\1" */

struct archk_named_handle {
	char name[ARCHK_NAME_MAX + 1];
	archk_handle_t handle;
	uint32_t reserved;
};

struct archk_startup {
	uint32_t version; /* ARCHK_STARTUP_VERSION */
	uint32_t handle_count;
	const struct archk_named_handle *handles;
	void *heap_base; /* free memory for malloc, page-aligned */
	uint64_t heap_size;
	void *image_base;			 /* load bias of the executable */
	void *stack_limit;			 /* lowest usable stack address */
	const char *name;			 /* process name */
	archk_koid_t koid;			 /* this process */
	const struct archk_time_page *time_page; /* clocks without a syscall */
};

#define ARCHK_STARTUP_VERSION 2

#endif
