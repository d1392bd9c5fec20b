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
/* Is path (relative) a file or a directory of the store itself (mounts aside)? */
bool store_has(const char *path, size_t len);
/* memcmp order, the shorter first on a common prefix: the order of the image's paths. */
int store_path_order(const char *a, size_t alen, const char *b, size_t blen);
/* The file a handle names, or NULL if it is not a store file. */
const struct archk_boot_file *store_file_of(struct object *obj);

#endif
