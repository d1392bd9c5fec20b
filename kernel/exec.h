/*
 * Spawning a process from a store file (exec.c).
 */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

#include "proc.h"

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
	uint32_t envc; /* environment strings "NAME=VALUE" */
	const char *const *envp;
	uint32_t handle_count;
	const struct spawn_handle *handles;
};

/* Creates a process running exe; ARCHK_ERR_* on failure. */
long exec_spawn(const struct spawn_request *req, struct process **out);

#endif
