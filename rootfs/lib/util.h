/*
 * What the utilities of the default image share (rootfs/lib): --help and
 * usage errors, option parsing, numbers, buffered input and output through
 * handles, time formatting, directory and process listings, and running
 * programs. A utility reads only with READ and writes only with WRITE on its
 * handles, so "in" and "out" may be the console, a pipe or a file alike.
 *
 * Exit statuses follow POSIX utilities: 0 success, 1 failure (for grep:
 * nothing matched), 2 usage errors (for grep: any trouble).
 */
#ifndef ROOTFS_UTIL_H
#define ROOTFS_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <archk/runtime.h>

#define UTIL_USAGE 2 /* the exit status of a usage error */

/* What --help and usage errors print about a program. */
struct util_program {
	const char *name;    /* "wc" */
	const char *usage;   /* after the name: "[-clw] [FILE...]" */
	const char *summary; /* what it does, one or more lines ending in '\n' */
	const char *options; /* option lines ending in '\n', or NULL */
};

/* ---- start, messages, exit (args.c) ---- */
/* Remembers the program and finds in, out and err; call first in main. */
void util_start(const struct util_program *prog);
extern archk_handle_t util_in, util_out, util_err;
/* "NAME: message" on err. */
void util_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* util_warn, then exits with status (after flushing out). */
__attribute__((noreturn, format(printf, 2, 3))) void util_die(int status, const char *fmt, ...);
/* "NAME: message", the usage line and a hint on err; exits with 2. */
__attribute__((noreturn, format(printf, 1, 2))) void util_usage_error(const char *fmt, ...);
/* Flushes out and exits with status (1 if out could not be written). */
__attribute__((noreturn)) void util_exit(int status);
/* Prints the help (usage, summary, options) on out and exits with status. */
__attribute__((noreturn)) void util_help(int status);

/*
 * POSIX getopt over argv: returns the next option letter, or -1 at the first
 * operand (util_optind is its index; a "--" before it is skipped). In spec,
 * "x:" takes an argument (util_optarg), and '#' accepts "-NUMBER", returned
 * as '#' with util_optarg pointing at the digits. "--help" prints the help
 * and exits 0; an unknown option or a missing argument is a usage error.
 */
int util_getopt(int argc, char **argv, const char *spec);
extern int util_optind;
extern const char *util_optarg;

/* len decimal digits (no sign): 0 and *out, or -1 if not digits only or above 2^64-1. */
int util_parse_u64(const char *s, size_t len, uint64_t *out);
/* A whole string holding a decimal number with an optional sign: 0 and *out, or -1. */
int util_parse_long(const char *s, long *out);
/* util_parse_long for an option's argument, within [min, max]; a usage error otherwise. */
long util_number_arg(const char *option, const char *text, long min, long max);

/* ---- output (output.c): buffered on out, flushed per line on a terminal ---- */
/* Writes all len bytes to h (any handle), retrying short writes; 0 or the error. */
long util_write_all(archk_handle_t h, const void *buf, size_t len);
void util_write(const void *buf, size_t len);
void util_puts(const char *s);
void util_putc(char c);
void util_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes what is buffered; 0 or the error (a program ends with util_exit, which flushes). */
long util_flush(void);
/* Names in columns across 80 characters, ordered down the columns (as ls does). */
void util_print_columns(char *const *names, size_t count);
/* Is out a terminal (GET_META flag ARCHK_META_TERMINAL)? */
bool util_out_is_terminal(void);

/* ---- input (input.c) ---- */
struct util_input {
	archk_handle_t h;
	bool owned;	  /* opened here: closed by util_input_close */
	const char *name; /* for messages: the path, or "-" for in */
	char buf[8192];
	size_t start, end;
	bool at_end;
	char *line; /* util_getline's line (heap) */
	size_t line_cap;
};

/*
 * Opens path for reading as util_open does ("-" is the "in" handle): 0, or
 * the error (IS_DIR for a directory).
 */
long util_input_open(struct util_input *in, const char *path);
void util_input_close(struct util_input *in);
/* Up to len bytes: the count, 0 at the end, or an error. */
long util_read(struct util_input *in, void *buf, size_t len);
/*
 * The next line in *line, NUL-terminated, with its newline if it had one:
 * its length, 0 at the end, or an error. The line stays valid until the next call.
 */
long util_getline(struct util_input *in, char **line);
/*
 * Runs fn on each of the count paths, or on "in" when count is 0 ("-" is
 * "in" too). A file that cannot be opened, or for which fn returns an error,
 * is reported as "NAME: PATH: ERROR". Returns 0, or 1 if any failed.
 */
int util_each_input(int count, char **paths, long (*fn)(struct util_input *in, void *arg),
		    void *arg);

/* ---- objects (objects.c) ---- */
/* Opens path through "root" (a relative one against $PWD) with rights: a handle or an error. */
long util_open(const char *path, uint32_t rights);
/*
 * Calls fn on each record of directory dir, in listing order (docs/abi.md
 * 8.4). Returns 0, the first error of a READ, or fn's first non-zero result,
 * which stops the walk.
 */
long util_list_dir(archk_handle_t dir, long (*fn)(const struct archk_dirent *d, void *arg),
		   void *arg);
/* Calls fn on each record of the "process" table in koid order; 0, an error or fn's. */
long util_each_process(long (*fn)(const struct archk_process_record *r, void *arg), void *arg);
/* The record of koid in the "process" table: 0, NOT_FOUND or an error. */
long util_process_record(archk_koid_t koid, struct archk_process_record *out);
/*
 * name itself if it holds a '/', else the first DIR/NAME that exists for a
 * DIR of $PATH (/bin when unset) in buf, as the shell looks programs up.
 */
const char *util_program_path(const char *name, char *buf, size_t size);
/* Spawns argv (argv[0] as util_program_path finds it) with the environment: a process or an error.
 */
long util_spawn(char *const *argv);
/* Waits for process: its status as a shell reports it (128 + signal, 137 if killed). */
int util_wait(archk_handle_t process);

/* ---- changing the namespace by path (files.c): paths against $PWD, through "root" ---- */
/* path against $PWD, absolute, without ".", ".." or repeated '/' (malloc'd), or NULL. */
char *util_absolute(const char *path);
/* do_io op (CREATE, DESTROY) on "root" with path as its data and arg as a2: the result. */
long util_at_path(int op, const char *path, uint64_t arg);
/* RENAME of from to to on "root": 0 or the error (NOT_SUPPORTED across mounts). */
long util_rename_path(const char *from, const char *to);
/*
 * Opens path with all the rights it may have (at least GET_PROPERTY, so a
 * server reports READ_ONLY only for what cannot be written) and reads its
 * meta: the handle, or an error.
 */
long util_open_meta(const char *path, struct archk_meta *meta);
/* 1 if path names a directory, 0 if something else, or an error. */
long util_is_dir(const char *path);
/* SYNC on what path names: 0 once it is durable, or the error. */
long util_sync_path(const char *path);
/*
 * fn on each of the count paths, each failure reported as "NAME: PATH:
 * ERROR"; none is a usage error ("no WHAT given"). Returns the exit status.
 */
int util_each_path(int count, char **paths, const char *what, long (*fn)(const char *path));
/* "dir/name" (malloc'd), or NULL. */
char *util_join(const char *dir, const char *name);
/* The last component of path (trailing '/' ignored) in buf. */
const char *util_basename(const char *path, char *buf, size_t size);
/*
 * What cp and mv do with their operands SRC... DEST: fn(SRC, TARGET) for
 * each SRC, TARGET being DEST/NAME when DEST is a directory (it must be for
 * several SRCs: "DEST: NOT_DIR"), else DEST. fn reports its own failures.
 * Fewer than two operands are a usage error. Returns the exit status.
 */
int util_each_target(int count, char **paths, long (*fn)(const char *from, const char *to));

/* The names of a directory's entries, in listing order (malloc'd). */
struct util_names {
	char **names;
	size_t count, cap;
	bool (*keep)(const struct archk_dirent *d); /* util_dir_names's filter */
};
/* Collects the names of dir's entries for which keep (NULL: every entry) is true; 0 or an error. */
long util_dir_names(archk_handle_t dir, struct util_names *names,
		    bool (*keep)(const struct archk_dirent *d));
void util_names_free(struct util_names *names);
/*
 * Removes path (DESTROY: a file or an empty directory); recursive: a
 * directory's entries first, depth-first, and a directory whose entries could
 * not all be removed is left. Each failure is one line "NAME: PATH: ERROR";
 * returns 0 or the first error.
 */
long util_remove_tree(const char *path, bool recursive);
/*
 * Copies the file from to to (created or emptied, written in 64 KiB pieces,
 * synced), or with recursive a directory tree (directories made as needed,
 * each synced once filled). Reports as util_remove_tree; 0 or the first error.
 */
long util_copy_tree(const char *from, const char *to, bool recursive);

/* ---- time (clock.c) ---- */
/* A calendar time in UTC. */
struct util_tm {
	int year, month, day; /* month 1-12, day 1-31 */
	int hour, minute, second;
	int weekday; /* 0 = Sunday */
	int yearday; /* 0 = January 1 */
};

void util_gmtime(int64_t seconds, struct util_tm *tm);
/*
 * Formats realtime nanoseconds like strftime in UTC: %Y %m %d %e %H %M %S %j
 * %a %A %b %B %y %s %N %T %F %D %R %Z %n %t %%; unknown conversions are kept
 * as they are. Returns the length written (buf is always NUL-terminated).
 */
size_t util_strftime(char *buf, size_t size, const char *fmt, int64_t ns);
/* ns as seconds with millisecond digits ("12.345"). */
void util_format_seconds(char *buf, size_t size, int64_t ns);
/*
 * A duration such as "1.5", "90s", "2m", "1h" or "1d" in nanoseconds: 0 and
 * *ns, or -1 if the text is not one (or exceeds 100 years).
 */
int util_parse_duration(const char *text, int64_t *ns);

#endif
