/*
 * A minimal check framework for guest conformance programs: each CHECK prints
 * a line only when it fails, check_done() prints "NAME: N passed, M failed"
 * and returns the exit status (0 only if nothing failed).
 */
#ifndef TESTS_GUEST_CHECK_H
#define TESTS_GUEST_CHECK_H

#include <archk/runtime.h>

extern int check_passed, check_failed;

void check_report(const char *file, int line, const char *expr, long actual, long expected);
int check_done(const char *name);

/* Passes when actual == expected; errors print by name. */
#define CHECK_EQ(actual, expected)                                                                 \
	check_report(__FILE__, __LINE__, #actual, (long)(actual), (long)(expected))
#define CHECK_TRUE(cond) CHECK_EQ(!!(cond), 1)

/* Helpers the conformance programs share (check.c). */
/* The monotonic clock through clock_get. */
int64_t now(void);
/* What handle_info says of h; 0 if h is not a live handle. */
uint32_t type_of(archk_handle_t h);
uint32_t rights_of(archk_handle_t h);
archk_koid_t koid_of(archk_handle_t h);
/* The signals h shows now (a wait that times out at once). */
uint32_t signals_of(archk_handle_t h);
/* do_io with a buffer, a length and an offset, no handles. */
long io(int op, archk_handle_t h, const void *buf, uint64_t len, uint64_t offset);
/* RENAME of from to to (paths below the directory dir, together under 511 bytes). */
long rename_at(archk_handle_t dir, const char *from, const char *to);
/* Writes text as the whole file at path below dir (created or cut, CREATE_TRUNCATE); 0 or an error.
 */
long write_file(archk_handle_t dir, const char *path, const char *text);
/*
 * Waits for a process, closes its handle and returns its exit code, or
 * 1000 + the exit reason if it did not exit normally, or an error.
 */
long wait_exit(long process);
/* Spawns argv[0] with argv, waits for it and returns how it ended (the spawn
 * and the wait are checked). */
struct archk_exit_status run_to_exit(const char *const *argv);

/* Starts a ramdisk of size bytes (e.g. "4M"), read-only with ro: its disk handle. */
archk_handle_t start_ramdisk(const char *size, int ro, archk_handle_t *process);
/* Starts homefs on disk with flag ("-f", "-i" or NULL): the home, or the error it reported. */
long start_homefs(archk_handle_t disk, const char *flag, archk_handle_t *process);
/* The same with the arguments argv ("/bin/homefs", ..., NULL). */
long start_homefs_argv(archk_handle_t disk, const char *const *argv, archk_handle_t *process);

/* Remembers the kernel arenas' live counts (arena_stats) for check_arenas_returned. */
void arenas_snapshot(void);
/*
 * Checks that every arena for which checked(name) is true is back at its
 * snapshot count, giving the reaping of exited children up to a second.
 * Returns how many arenas it checked.
 */
int check_arenas_returned(int (*checked)(const char *name));
/* For check_arenas_returned: every arena but "deadline", whose records (and
 * the threads they reference) live on until their time has passed. */
int not_deadline(const char *name);

#endif
