/*
 * Helpers for driving an I/O queue from a guest conformance program
 * (ringtest.c): a ring that keeps the completions it has taken until a test
 * claims them by user_data, one call to fill a request, ioq_enter with a
 * check of how many requests archk took, and waiting for one request's
 * result with a deadline.
 */
#ifndef TESTS_GUEST_RINGTEST_H
#define TESTS_GUEST_RINGTEST_H

#include "check.h"

#define NO_RESULT (-1000) /* await: no completion arrived in time */

struct ring {
	struct archk_ioq q;
	uint32_t req_entries, cmp_entries;
	uint64_t size;
	struct archk_io_completion got[512]; /* completions taken from the ring, not yet claimed */
	int ngot;
};

/* The raw ioq_create and ioq_enter system calls. */
long ioq_create(struct archk_ioq_params *p);
long ioq_enter(archk_handle_t q, uint32_t min, int64_t deadline);

/* A queue with req requests and cmp completions (0: twice req); exits if that fails. */
struct ring *ring_new(uint32_t req, uint32_t cmp, uint32_t flags);
/* Closes the queue (a check) and frees r. */
void ring_free(struct ring *r);

/* Fills the next request slot (not yet published); NULL (a failed check) if the ring is full. */
struct archk_io_request *put(struct ring *r, int op, archk_handle_t h, const void *buf,
			     uint64_t len, uint64_t offset, uint64_t ud);
/* Publishes and enters, waiting up to 5 s for min completions: the requests taken. */
long enter(struct ring *r, uint32_t min);

/* Checks that enter(r, min) leaves n more requests taken (two checks). */
#define CHECK_TAKEN(r, min, n) check_taken(r, min, n, __FILE__, __LINE__)
void check_taken(struct ring *r, uint32_t min, long n, const char *file, int line);

/* Moves every completion in the ring to r->got. */
void harvest(struct ring *r);
/* Takes the completion of ud from r->got; NO_RESULT if there is none. */
long claim(struct ring *r, uint64_t ud);
/* The result of ud, waiting (entering) up to wait_ms for it; NO_RESULT if it did not come. */
long await_ms(struct ring *r, uint64_t ud, int64_t wait_ms);
/* await_ms with 5 s. */
long await(struct ring *r, uint64_t ud);
/* One request through the ring (put, enter, await): its result. */
long ring_do(struct ring *r, int op, archk_handle_t h, const void *buf, uint64_t len,
	     uint64_t offset);
/* True if no completion is waiting (after harvesting): nothing unexpected arrived. */
int quiet(struct ring *r);

#endif
