/*
 * What the hostile guests (hostile_*.c, stress.c) share (hostile.c): each
 * runs one scenario per archk run, named by its first argument, since a
 * scenario that still breaks archk ends the whole run; children are the same
 * program started with another scenario name.
 */
#ifndef TESTS_GUEST_HOSTILE_H
#define TESTS_GUEST_HOSTILE_H

#include "check.h"

#define MS	    1000000LL
#define PAGE	    4096UL
#define STACK_BYTES (64 * 1024)
#define PATIENCE    (5000 * MS) /* how long a scenario waits for what must come */

/*
 * One scenario: its name (argv[1]) and what runs it: test, which checks
 * (the status is check_done's), or run, whose result is the status itself
 * (a child's, or one whose exit status is what the test looks at).
 */
struct scenario {
	const char *name;
	void (*test)(void);
	int (*run)(void);
};

/*
 * Runs the scenario named by argv[1] from list (ending with a NULL name);
 * a test ends with the line "PROGRAM NAME: N passed, M failed". An unknown
 * name exits 2.
 */
int scenario_main(const char *program, const struct scenario *list, int argc, char **argv);

/* Spawns the running program with argv {its path, mode} and the named handles. */
long spawn_mode(const char *mode, const struct archk_spawn_handle *hs, uint32_t n);

/*
 * spawn_mode with one end of a new channel named "chan" before the n
 * handles of extra: the process handle (a failed check if it is not one);
 * *chan is the other end, the caller's to close.
 */
long spawn_with_channel(const char *mode, archk_handle_t *chan,
			const struct archk_spawn_handle *extra, uint32_t n);

/* Sends len bytes of msg on chan with a copy of the process handle child: its own. */
void send_own_handle(archk_handle_t chan, long child, const void *msg, uint32_t len);

/* The live count of the kernel arena called name (arena_stats), -1 if there is none. */
long arena_live(const char *name);

/* How many vCPUs archk runs (thread_set_affinity refuses a mask of none that exist). */
int vcpu_count(void);

/*
 * Pins the calling thread to its vCPU and keeps every other vCPU busy with a
 * spinning thread of this process, so no vCPU idles and nothing takes a
 * published request but the caller's own ioq_enter. occupy_end stops them.
 */
void occupy_other_vcpus(void);
void occupy_end(void);

/* Spins without a system call (the time page) for ns nanoseconds. */
void spin_for(int64_t ns);

/*
 * Waits for signals on h: 0, or what object_wait_one said. Without a
 * deadline, which would hold a deadline record and the thread (issue 9,
 * item 10) past the arena checks; the test's time limit ends a hang.
 */
long await_signal(archk_handle_t h, uint32_t signals);

/* A table whose server thread answers every request alike, remembering the last. */
struct answering {
	archk_handle_t table, obj;
	struct archk_thread thread;
	long result;	  /* what every request is answered with */
	const char *data; /* out-data for READ and GET_META */
	size_t len;
	uint32_t received;		 /* requests received so far */
	struct archk_table_request last; /* the last request received */
	char first_bytes[16];		 /* the first bytes of its in-data */
};

/* Creates a table and object (cookie 1) and starts the server thread. */
void answering_start(struct answering *a, long result, const char *data, size_t len);
/* Closes the table (ending the server thread) and the object. */
void answering_stop(struct answering *a);

#endif
