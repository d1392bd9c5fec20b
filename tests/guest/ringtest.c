/* The I/O queue helpers of ringtest.h. */
#include "ringtest.h"

#define MS	    1000000LL
#define PATIENCE_MS 5000 /* how long enter and await wait before giving up */

/* ioq_create without the runtime's wrapper, so tests can pass any parameters or address. */
long ioq_create(struct archk_ioq_params *p)
{
	return archk_syscall1(ARCHK_SYS_IOQ_CREATE, (long)p);
}

/* ioq_enter on a bare handle, so tests can enter what is not (or no longer) a working ring. */
long ioq_enter(archk_handle_t q, uint32_t min, int64_t deadline)
{
	return archk_syscall3(ARCHK_SYS_IOQ_ENTER, q, min, deadline);
}

/*
 * Creates a queue and maps its layout into a new ring, remembering the sizes
 * asked for so tests can check the layout. A test cannot go on without its
 * ring, so a failure ends the program (status 2).
 */
struct ring *ring_new(uint32_t req, uint32_t cmp, uint32_t flags)
{
	struct archk_ioq_params p = {
	    .request_entries = req, .completion_entries = cmp, .flags = flags};
	struct ring *r = calloc(1, sizeof(*r));
	long h = ioq_create(&p);

	if (h < 0 || !r) {
		printf("ring_new: ioq_create(%u, %u, %u): %s\n", req, cmp, flags,
		       archk_strerror(h));
		archk_process_exit(2);
	}
	r->q.handle = (archk_handle_t)h;
	r->q.ring = (struct archk_ioq_ring *)p.ring;
	r->q.requests = (struct archk_io_request *)(p.ring + r->q.ring->requests);
	r->q.completions = (struct archk_io_completion *)(p.ring + r->q.ring->completions);
	r->q.req_tail = r->q.ring->req_tail;
	r->req_entries = req;
	r->cmp_entries = cmp ? cmp : 2 * req;
	r->size = p.ring_size;
	return r;
}

/* Closes r's queue and frees r; the close is checked so a queue that went bad shows. */
void ring_free(struct ring *r)
{
	CHECK_EQ(archk_handle_close(r->q.handle), 0);
	free(r);
}

/*
 * Fills the next request slot (not yet published) in one call, so a test
 * reads as a list of requests. A full ring is a failed check, not an exit, so
 * the remaining checks still run.
 */
struct archk_io_request *put(struct ring *r, int op, archk_handle_t h, const void *buf,
			     uint64_t len, uint64_t offset, uint64_t ud)
{
	struct archk_io_request *req = archk_ioq_request(&r->q);

	if (!req) {
		printf("put: request ring full\n");
		CHECK_TRUE(0);
		return NULL;
	}
	req->op = (uint8_t)op;
	req->handle = h;
	req->buf = (uint64_t)(uintptr_t)buf;
	req->len = len;
	req->offset = offset;
	req->user_data = ud;
	return req;
}

/*
 * Publishes r's requests and enters, waiting for min completions; the
 * deadline keeps a lost completion from hanging the test.
 */
long enter(struct ring *r, uint32_t min)
{
	return archk_ioq_enter(&r->q, min, now() + PATIENCE_MS * MS);
}

/*
 * enter(r, min) must leave n more requests taken. archk may take a queue's
 * published requests on an idle vCPU before the call gets there, so the call
 * itself reports at most n; req_head says how many were taken in all. Failures
 * are reported at the caller's file and line (CHECK_TAKEN).
 */
void check_taken(struct ring *r, uint32_t min, long n, const char *file, int line)
{
	uint32_t head = __atomic_load_n(&r->q.ring->req_head, __ATOMIC_ACQUIRE);
	long got = enter(r, min);
	uint32_t moved = __atomic_load_n(&r->q.ring->req_head, __ATOMIC_ACQUIRE) - head;

	check_report(file, line, "ioq_enter's result", got >= 0 && got <= n ? n : got, n);
	check_report(file, line, "requests taken", moved, n);
}

/*
 * Moves every completion in the ring to r->got, freeing the completion ring
 * so archk can post more while a test looks for particular ones.
 */
void harvest(struct ring *r)
{
	struct archk_io_completion *c;

	while ((c = archk_ioq_peek(&r->q))) {
		if (r->ngot < (int)(sizeof(r->got) / sizeof(r->got[0])))
			r->got[r->ngot++] = *c;
		archk_ioq_seen(&r->q);
	}
}

/*
 * Takes the completion of ud from r->got; NO_RESULT if there is none.
 * Completions may arrive in any order, so a test names the one it wants.
 */
long claim(struct ring *r, uint64_t ud)
{
	for (int i = 0; i < r->ngot; i++) {
		if (r->got[i].user_data != ud)
			continue;
		long result = r->got[i].result;

		r->got[i] = r->got[--r->ngot];
		return result;
	}
	return NO_RESULT;
}

/*
 * The result of ud, waiting (entering) up to wait_ms for it; NO_RESULT if it
 * did not come, which also lets a test check that a request is still pending.
 */
long await_ms(struct ring *r, uint64_t ud, int64_t wait_ms)
{
	int64_t deadline = now() + wait_ms * MS;
	long result;

	for (;;) {
		harvest(r);
		if ((result = claim(r, ud)) != NO_RESULT || now() >= deadline)
			return result;
		archk_ioq_enter(&r->q, 1, deadline);
	}
}

/* The result of ud, with a wait long enough for any request that will complete. */
long await(struct ring *r, uint64_t ud)
{
	return await_ms(r, ud, PATIENCE_MS);
}

/*
 * One request through the ring (put, enter, await): its result, so a ring op
 * can be compared with the same op through do_io. Each gets its own user_data.
 */
static uint64_t next_ud = 1000;
long ring_do(struct ring *r, int op, archk_handle_t h, const void *buf, uint64_t len,
	     uint64_t offset)
{
	uint64_t ud = next_ud++;

	if (!put(r, op, h, buf, len, offset, ud))
		return NO_RESULT;
	enter(r, 0);
	return await(r, ud);
}

/*
 * True if no completion is waiting (after harvesting): nothing unexpected
 * arrived, e.g. while a request must stay pending.
 */
int quiet(struct ring *r)
{
	harvest(r);
	return r->ngot == 0;
}
