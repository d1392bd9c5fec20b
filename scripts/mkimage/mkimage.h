/*
 * archk-mkimage: builds, signs, verifies and lists rootfs.img. Each command
 * returns its exit status: 0 success, 1 failure (one line on stderr), 2 bad
 * usage (a usage line on stderr).
 */
#ifndef ARCHK_MKIMAGE_H
#define ARCHK_MKIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define EXIT_USAGE 2

/* The commands; argv[0] is the command name. */
int cmd_keygen(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_pubkey_header(int argc, char **argv);

/* Print "archk-mkimage: message" on stderr; returns 1 (the failure status). */
int failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the usage line of the named command on stderr; returns EXIT_USAGE. */
int usage(const char *command);

/*
 * Write len bytes to path atomically: a temporary file in the same
 * directory, then rename (replace) or link (refuse an existing path). On
 * failure nothing is left behind. -1 with one line in err.
 */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		      char *err, size_t errlen);

#endif
