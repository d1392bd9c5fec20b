/*
 * The uniform object interface. Every operation, whether it comes from a
 * do_io call or from an I/O queue's ring, becomes a struct io_req that runs
 * through one table of handlers per object type (io.c). A handler finishes
 * the request at once, returning its result, or returns IO_PENDING and later
 * calls io_req_complete (a console read, a served object's answer). Results
 * that must land in the client's memory (bytes read, a new handle) are
 * staged in the request and delivered when the client's partition is open.
 */
#ifndef KERNEL_IO_H
#define KERNEL_IO_H

#include <archk/io.h>
#include "scheduler.h"
#include "vm.h"

/* A handler's result meaning "io_req_complete comes later". Not an error code. */
#define IO_PENDING (-4096)
/* Data staged inside the request itself; bigger payloads take a buffer. */
#define IO_INLINE_BYTES 256

struct ioq;

/*
 * An operation's handler for one object type. It runs with the kernel lock
 * held and never drops it; it returns the result, or IO_PENDING after
 * arranging for io_req_complete to be called later (under the lock too) and
 * setting r->cancel.
 */
typedef long (*io_handler)(struct io_req *r);

/* A handle passed with a request: the receiver gets a copy of it. */
struct io_handle {
	struct object *obj; /* referenced while the request holds it */
	uint32_t rights;
};

struct io_req {
	struct process *proc;  /* the client (referenced while the request lives) */
	struct thread *thread; /* do_io: the caller, blocked while pending; else NULL */
	struct ioq *queue;     /* ring request: its queue; else NULL */
	struct object *obj;    /* the target (referenced) */
	uint32_t rights;       /* of the handle the client used */
	uint8_t op;	       /* enum archk_io_op */
	bool pending;	       /* a handler returned IO_PENDING; complete not yet called */
	bool guarded;	       /* --strict-buffers: its buffer's pages are inaccessible */
	uint16_t handle_count;
	uint64_t buf, len, offset, user_data;
	struct io_handle handles[ARCHK_IO_HANDLES_MAX];
	/* The outcome, delivered to the client's memory by io_deliver. */
	long result;
	uint32_t data_len;	   /* staged bytes at data: in-data to a server, or out-data */
	uint32_t data_size;	   /* a large buffer's bytes that may be written (wiped on free) */
	uint8_t *data;		   /* inline_data or a large buffer */
	struct object *out_handle; /* moved to the client's table on delivery */
	uint32_t out_rights;
	uint32_t out_rights_clamp; /* nonzero: out_rights are cut to these (a mount's, mount.c) */
	/* While pending: detaches the request from whatever would complete it. */
	void (*cancel)(struct io_req *r);
	void *pending_on;		 /* the handler's record (a console read, a table) */
	uint64_t server_id;		 /* table.c: the id the server answers */
	TAILQ_ENTRY(io_req) link;	 /* queue's in-flight list or process deliveries */
	TAILQ_ENTRY(io_req) server_link; /* the serving object's list (a table, console output) */
	uint8_t inline_data[IO_INLINE_BYTES];
};

void io_register(uint32_t type, int op, io_handler fn);
/* The rights a handle needs for op (an enum archk_io_op). */
uint32_t io_op_rights(int op);
/* Boot-time set-up of the request arenas and the generic handlers. */
int io_init(void);

/* Fills r for op on obj, reached through a handle of proc with rights (handles not yet taken). */
void io_req_prepare(struct io_req *r, struct process *proc, struct object *obj, uint32_t rights,
		    int op, const uint64_t args[4]);
/* Copies count handles named at guest address addr into r (each needs TRANSFER). */
long io_req_take_handles(struct io_req *r, uintptr_t addr, uint32_t count);
/* The same checks without taking anything: what a ring's NOP answers. */
long io_check_passed_handles(struct process *p, uintptr_t addr, uint32_t count);
/* Runs r's handler: its result, or IO_PENDING. The client's partition must be open. */
long io_start(struct io_req *r);
/* A pending request finished with result (staged data and handle already set). */
void io_req_complete(struct io_req *r, long result);
/* Copies r's staged results into the client's memory; returns the final result. */
long io_deliver(struct io_req *r);
/* Drops everything r holds (handles, staged data, target). */
void io_req_release(struct io_req *r);
/*
 * copy_to_guest and copy_from_guest for request data (the same checks and
 * errors): through the VMO's kernel view when the range lies in a VMO
 * mapping, which spares the host faults of a partition just reopened.
 */
int io_copy_to_guest(const struct process *p, uintptr_t dst, const void *src, size_t len);
int io_copy_from_guest(const struct process *p, void *dst, uintptr_t src, size_t len);
/* Stages len bytes for r (in r or a large buffer); NO_MEMORY if none is free. */
long io_req_stage(struct io_req *r, const void *src, size_t len);
/*
 * Gives r's client len bytes (at most r->len) for its buffer: copied there
 * now if its partition is open, else staged. The byte count, or an error.
 */
long io_req_give(struct io_req *r, const void *src, size_t len);
/* The same from the guest memory of src_proc at src (a server's answer). */
long io_req_give_from_guest(struct io_req *r, const struct process *src_proc, uintptr_t src,
			    size_t len);
/* Stages len bytes copied from the guest address src of p. */
long io_req_stage_from_guest(struct io_req *r, const struct process *p, uintptr_t src, size_t len);
/*
 * Writes one directory record (struct archk_dirent) for a listing READ at
 * buf: its bytes, or 0 if it does not fit in room (or the name is bad).
 */
size_t io_dirent_put(uint8_t *buf, size_t room, uint64_t next, const char *name, size_t name_len,
		     uint8_t kind, uint64_t size);
/* A ring request from the request arena, or NULL. */
struct io_req *io_req_alloc(void);
void io_req_free(struct io_req *r);
/* Cancels (if pending) and frees a do_io request its caller left behind (it died). */
void io_abandon(struct io_req *r);
/* Delivers the ring completions that waited for p's partition to open. */
void io_deliver_deferred(struct process *p);
/* Can the kernel touch p's private memory right now? */
bool io_client_open(const struct process *p);

#endif
