/*
 * The store (store.c): the files of the signed image as kernel objects.
 */
#ifndef KERNEL_STORE_H
#define KERNEL_STORE_H

#include "io.h"

int store_init(const struct archk_bootinfo *boot);
/* The root directory: init's `root`. */
struct object *store_root(void);
/* The store file at path (relative, no leading slash), or NULL. */
const struct archk_boot_file *store_find(const char *path, size_t len);
/* The file a handle names, or NULL if it is not a store file. */
const struct archk_boot_file *store_file_of(struct object *obj);

#endif
