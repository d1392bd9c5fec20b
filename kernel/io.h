/*
 * The uniform object interface (do_io). Each object type registers a handler
 * per operation it implements; the rest answer NOT_SUPPORTED. Handlers get
 * the handle already checked for the operation's rights (see io.c's table).
 */
#ifndef KERNEL_IO_H
#define KERNEL_IO_H

#include "proc.h"

/* args[0..3] are do_io's arguments after the operation and the handle. */
typedef long (*io_handler)(struct thread *t, struct handle_entry *h, const uint64_t *args);

void io_register(uint32_t type, int op, io_handler fn);

/*
 * Host I/O in flight: the host hands the token back to kernel_io_done,
 * which calls complete under the kernel lock.
 */
struct io_token {
	void (*complete)(struct io_token *token, long result);
};

/* ---- console.c, store.c, spawner in sys_proc.c ---- */
int console_init(const struct archk_bootinfo *boot);
/* The console objects behind in, out and err. */
struct object *console_object(int which);
int store_init(const struct archk_bootinfo *boot);
struct object *store_root(void);
/* The store file at path (relative, no leading slash), or NULL. */
const struct archk_boot_file *store_find(const char *path, size_t len);
/* The file a handle names, or NULL if it is not a store file. */
const struct archk_boot_file *store_file_of(struct object *obj);
int spawner_init(void);
struct object *spawner_object(void);

#endif
