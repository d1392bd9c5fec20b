/*
 * Paths of a share (drivers/share_path.c): the rules every served
 * directory tree follows (docs/abi.md 8.11, "Paths") applied to the share
 * driver's directories, which are paths relative to the share's root. Pure
 * functions, unit-tested on the host (tests/unit/test_share_path.c).
 */
#ifndef DRIVERS_SHARE_PATH_H
#define DRIVERS_SHARE_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of a path relative to the share's root, its NUL included (the device's limit). */
#define SHARE_PATH_BYTES 4096

/*
 * Writes the path of dir (relative to the root, "" for the root itself)
 * joined with a client's path (len bytes, not NUL-terminated) to out
 * (SHARE_PATH_BYTES): names separated by one '/', none at either end.
 * Empty components and "." are skipped. Returns how many names the
 * client's path has (0: it names dir itself), or, checked in this order:
 * TOO_LONG (len over ARCHK_PATH_MAX), INVALID_ARGS (a NUL), then per
 * component INVALID_ARGS (".."), TOO_LONG (a name over 255 bytes), and
 * TOO_LONG if the joined path does not fit.
 */
long share_path_join(const char *dir, const char *path, size_t len, char *out);

/* Is path the directory dir or below it? */
bool share_path_below(const char *path, const char *dir);

#endif
