/*
 * Starting a server guest that hands out its object on a "reply" channel
 * (an int64 status, then the object's handle with status 0), as ramdisk and
 * homefs do: the client side, for programs that start them.
 */
#ifndef HFS_SPAWN_H
#define HFS_SPAWN_H

#include <archk/runtime.h>

/*
 * Spawns argv[0] with the named handles given plus a "reply" channel and
 * returns the handle it sends, or its error status (PEER_CLOSED if it ended
 * without one). *process receives the server's process handle (or is
 * closed if process is NULL).
 */
long hfs_spawn_server(const char *const *argv, const struct archk_spawn_handle *handles,
		      uint32_t count, archk_handle_t *process);

#endif
