/*
 * The namespace's mounts (mount.c): served objects placed at paths of the
 * store's tree, so that one root handle reaches the store, the home and the
 * shares. store.c asks here for every path it resolves.
 */
#ifndef KERNEL_MOUNT_H
#define KERNEL_MOUNT_H

#include "io.h"

#define MOUNTS_MAX 32

struct mount;

/*
 * The mount holding path (relative, no leading or trailing '/'): the one
 * mounted at path itself or at a directory above it; NULL if none. *rest is
 * the offset in path of the part below the mount (len when it is the mount).
 */
struct mount *mount_find(const char *path, size_t len, size_t *rest);
/* Is some mount strictly below directory path (a directory that leads to it)? */
bool mount_leads_below(const char *path, size_t len);
/*
 * The name and the listing index of the k-th directory entry that mounts add
 * to directory path (in path order, one per name, none the store lists
 * already: has_name tells). False past the last.
 */
bool mount_child(const char *path, size_t len, uint32_t k,
		 bool (*has_name)(const char *path, size_t len), const char **name,
		 size_t *name_len);
/*
 * Mounts obj (a served object, with rights) at path: EXISTS where the store
 * has the path or a mount is at, above or below it, NO_MEMORY past MOUNTS_MAX.
 */
long mount_add(const char *path, size_t len, struct object *obj, uint32_t rights);
/* Removes the mount at exactly path: 0, or NOT_FOUND. */
long mount_remove(const char *path, size_t len);
/*
 * OPEN of the mount itself: a handle to its object in r's client's table,
 * with the rights requested (ARCHK_RIGHTS_SAME: all it may have), at most
 * those of both the client's directory handle and the mount.
 */
long mount_open_self(struct io_req *r, struct mount *m);
/*
 * Sends r to m's server with in-data data (the path below the mount, or
 * RENAME's "from\0to"): r names m's object from now on, with the rights
 * both handles share, and a handle the server answers with is cut to them.
 * ACCESS_DENIED if the mount lacks the operation's right, or if OPEN or
 * CREATE asks for rights beyond those.
 */
long mount_forward(struct io_req *r, struct mount *m, const char *data, size_t len);

#endif
