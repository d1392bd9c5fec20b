/*
 * A small server framework for guests, in mnvkd's spirit (rootfs/lib/srv.c;
 * docs/abi.md 18.16 documents it): many coroutines per thread over one I/O
 * queue, and one blocking point, ioq_enter.
 *
 * A coroutine is stackless: a struct that embeds struct srv_co, and a run
 * function written between SRV_BEGIN and SRV_END that suspends at
 * SRV_AWAIT while one request of the queue is in flight and resumes where
 * it left off, with the request's result in co->result, when its completion
 * comes. Locals do not survive a suspension (keep state in the struct, as
 * mnvkd keeps it in a micro-process's heap):
 *
 *   static void echo(struct srv_co *co)
 *   {
 *           struct conn *c = (struct conn *)co;
 *
 *           SRV_BEGIN(co);
 *           for (;;) {
 *                   SRV_AWAIT(co, srv_io(co, ARCHK_IO_READ, c->h, c->buf, sizeof(c->buf), 0));
 *                   if (co->result <= 0)
 *                           break;
 *                   SRV_AWAIT(co, srv_io(co, ARCHK_IO_WRITE, c->h, c->buf, co->result, 0));
 *           }
 *           srv_close(co->loop, c->h);
 *           SRV_END(co);
 *   }
 *
 * The loop (srv_run) runs coroutines that are ready, publishes what they
 * asked for in one batch, enters the queue once to wait for completions
 * (or the nearest deadline), and resumes each coroutine whose request
 * completed. As for any I/O queue, a buffer belongs to its request until it
 * completes, and a request whose buffer overlaps one in flight fails BUSY
 * (docs/abi.md 16.7): coroutines never share a buffer, even a constant one. A coroutine with a
 * deadline has its request in flight cancelled when the deadline passes: it resumes with CANCELLED
 * and co->timed_out set. When the request ring is full, a coroutine's request waits in the
 * framework until there is room (back-pressure, in order).
 */
#ifndef ROOTFS_LIB_SRV_H
#define ROOTFS_LIB_SRV_H

#include <archk/runtime.h>

struct srv_loop;

struct srv_co {
	void (*run)(struct srv_co *co);
	/* Called once SRV_END is reached and no detached request is in flight: the struct may be
	 * reused from then on (may be NULL). */
	void (*done)(struct srv_co *co);
	struct srv_loop *loop;
	int line;	   /* where run resumes: 0 at the start, -1 once ended */
	long result;	   /* the last awaited request's result */
	int64_t deadline;  /* 0: none; else the request in flight past it is cancelled */
	bool timed_out;	   /* the last awaited request was cancelled by the deadline */
	bool in_flight;	   /* its awaited request is in the queue */
	bool cancel_sent;  /* its deadline's CANCEL is */
	unsigned detached; /* srv_io_detached requests still in flight */
	long detached_err; /* the first error of one, 0 if none */
	struct srv_co *next;
	/* Requests waiting for room in the ring (a detached one and the awaited one). */
	struct archk_io_request pending[2];
	unsigned pending_count;
};

struct srv_loop {
	struct archk_ioq q;
	struct srv_co *ready, *ready_tail;     /* to run at the next turn */
	struct srv_co *waiting, *waiting_tail; /* requests without room in the ring yet */
	struct srv_co **all;		       /* coroutines with deadlines are looked at */
	unsigned all_count, all_max;
	int64_t next_deadline; /* the earliest deadline of a coroutine in flight (0: none) */
	unsigned in_flight;    /* requests in the queue whose completions are not read */
};

/* Stackless coroutines: Duff's device, one resumption point per SRV_AWAIT line. */
#define SRV_BEGIN(co)                                                                              \
	switch ((co)->line) {                                                                      \
	case 0:
#define SRV_AWAIT(co, submit)                                                                      \
	do {                                                                                       \
		(co)->line = __LINE__;                                                             \
		submit;                                                                            \
		return;                                                                            \
	case __LINE__:;                                                                            \
	} while (0)
#define SRV_END(co)                                                                                \
	}                                                                                          \
	srv_ended(co)

/*
 * A loop over a new queue of entries requests (a power of two) for up to
 * max_coroutines coroutines at once. 0 or an error.
 */
long srv_loop_init(struct srv_loop *l, uint32_t entries, unsigned max_coroutines);
/* Starts co (zeroed by the caller, or ended) with run at the loop's next turn; NO_MEMORY when
 * max_coroutines run already. */
long srv_start(struct srv_loop *l, struct srv_co *co, void (*run)(struct srv_co *co),
	       void (*done)(struct srv_co *co));
/*
 * Submits the request co awaits (inside SRV_AWAIT): do_io's op, handle and
 * arguments. co resumes with its result in co->result.
 */
void srv_io(struct srv_co *co, int op, archk_handle_t h, const void *buf, uint64_t len,
	    uint64_t offset);
/*
 * Submits a request co does not wait for (a WRITE of a constant response),
 * at most one at a time (co->detached is 0 or 1: else await the request):
 * its buffer must stay untouched until it completes; co->detached_err keeps
 * the first error of such requests.
 */
void srv_io_detached(struct srv_co *co, int op, archk_handle_t h, const void *buf, uint64_t len,
		     uint64_t offset);
/* Closes h through the queue (no wait). */
void srv_close(struct srv_loop *l, archk_handle_t h);
/* Sets co's deadline (absolute monotonic ns; 0 for none). */
void srv_deadline(struct srv_co *co, int64_t deadline);
/* Resumes co at the next turn with result (inside SRV_AWAIT: a wait for nothing). */
void srv_yield(struct srv_co *co, long result);
/* Marks co ended (SRV_END does). */
void srv_ended(struct srv_co *co);
/* Runs until no coroutine is left (0) or the queue fails (its error). */
long srv_run(struct srv_loop *l);

#endif
