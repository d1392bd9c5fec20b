/*
 * Shared by the four I/O level examples (read_sync, read_ring, read_shm,
 * read_direct; docs/io-levels.md): options, the connection to fileserver,
 * the checksum and the timing loop.
 */
#ifndef LEVELS_H
#define LEVELS_H

#include <archk/runtime.h>

#define LEVELS_DATA  "/data/levels.dat" /* read when no path is given */
#define LEVELS_CHUNK 4096		/* bytes per READ */

struct levels {
	const char *name; /* for the output: "read_sync" */
	const char *path; /* the store file to read */
	int passes;	  /* -t: timed passes (-n N), 0 without -t */
	const char *flag; /* an option of the program's own, e.g. "-k", or NULL */
	int flag_set;	  /* it was given */
	archk_handle_t err;
	/*
	 * One pass: makes the whole file readable at *data and returns its
	 * length, or an error. done (may be NULL) releases it after use.
	 */
	long (*pass)(const void **data);
	void (*done)(void);
};

/* Parses [-t] [-n PASSES] [FLAG] [PATH] into l (name, pass and flag set by the caller). */
void levels_args(struct levels *l, int argc, char **argv);

/*
 * Starts /bin/fileserver serving path and returns the handle of the object
 * it serves (a file: READ, SEEK, GET_META, and OPEN "vmo" for its memory),
 * or an error.
 */
long levels_connect(const char *path);

/* The size of the file behind h (GET_META), or an error. */
long levels_size(archk_handle_t h);
/*
 * Reads size bytes of h into buf with one do_io READ per LEVELS_CHUNK, the
 * same code whether h is served or the store file itself: size, or an error.
 */
long levels_pread_all(archk_handle_t h, char *buf, long size);

/* Runs one pass and prints the checksum; then, with -t, the timed passes. Returns the status. */
int levels_run(struct levels *l);

/* Prints "NAME: WHAT: ERROR" on err and returns 1. */
int levels_fail(const struct levels *l, const char *what, long err);

#endif
