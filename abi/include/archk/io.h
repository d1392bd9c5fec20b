/*
 * The object interface beyond do_io: I/O queues (request and completion
 * rings in guest memory) and tables (objects served by a user process).
 * docs/abi.md, "I/O queues" and "Tables", describes each call and field.
 */
#ifndef ARCHK_IO_H
#define ARCHK_IO_H

#include <archk/syscall.h>

/*
 * do_io and ring requests may pass handles with the operation (CREATE,
 * SHARE, WRITE to a served object). Each must carry ARCHK_RIGHT_TRANSFER;
 * the receiver gets a copy with the same rights and the caller keeps its
 * own. For do_io, the count rides in bits 16..23 of the op argument:
 *   do_io(ARCHK_IO_WITH_HANDLES(ARCHK_IO_CREATE, n), h, buf, len, offset, handles)
 */
#define ARCHK_IO_HANDLES_MAX	     (ARCHK_SPAWN_HANDLES_MAX + 1)
#define ARCHK_IO_WITH_HANDLES(op, n) ((op) | ((n) << 16))

/* ---- I/O queues ---- */

/* One request: 64 bytes. The fields are do_io's arguments. */
struct archk_io_request {
	uint8_t op;	       /* enum archk_io_op */
	uint8_t flags;	       /* 0 */
	uint16_t handle_count; /* handles at `handles` passed with the request */
	archk_handle_t handle; /* the object; ignored by CANCEL */
	uint64_t buf;	       /* data buffer (READ, WRITE, OPEN path, GET_META output...) */
	uint64_t len;	       /* its length in bytes */
	uint64_t offset;       /* READ/WRITE offset, OPEN/CREATE rights, SEEK position,
				* CANCEL: the user_data of the request to cancel */
	uint64_t handles;      /* guest address of handle_count archk_handle_t */
	uint64_t user_data;    /* copied to the completion */
	uint64_t reserved[2];  /* 0 */
};

/* One completion: 16 bytes. */
struct archk_io_completion {
	int64_t result;	    /* what do_io would have returned */
	uint64_t user_data; /* the request's */
};

/*
 * The shared ring memory, mapped read-write into the creator's partition by
 * ioq_create. Indices are free-running 32-bit counters; an entry's slot is
 * index & mask. The guest writes requests at req_tail and then advances it,
 * reads completions at cmp_head and then advances it; archk owns req_head
 * and cmp_tail. Use acquire loads and release stores on the indices.
 */
struct archk_ioq_ring {
	uint32_t req_head; /* archk: the next request it takes */
	uint32_t req_tail; /* guest: one past the last request written */
	uint32_t cmp_head; /* guest: the next completion it reads */
	uint32_t cmp_tail; /* archk: one past the last completion written */
	uint32_t req_mask; /* request entries - 1 */
	uint32_t cmp_mask; /* completion entries - 1 */
	uint32_t flags;	   /* ARCHK_IOQ_RING_* set by archk */
	uint32_t reserved;
	uint64_t requests;    /* offset of the request array from the ring start */
	uint64_t completions; /* offset of the completion array */
	uint64_t reserved2[3];
};

/* Ring flags (archk writes them, the guest reads them). */
#define ARCHK_IOQ_RING_BACKPRESSURE 1u /* requests wait: the completion ring has no room */
#define ARCHK_IOQ_RING_BROKEN	    2u /* the guest corrupted an index: the queue is dead */
#define ARCHK_IOQ_RING_NEED_ENTER   4u /* polling stopped: call ioq_enter to submit */

/* ioq_create parameters (in) and results (out). */
struct archk_ioq_params {
	uint32_t request_entries;    /* in: a power of two, 1..ARCHK_IOQ_ENTRIES_MAX */
	uint32_t completion_entries; /* in: a power of two >= request_entries, or 0: twice them */
	uint32_t flags;		     /* in: ARCHK_IOQ_POLL */
	uint32_t reserved;
	uint64_t ring;	    /* out: guest address of struct archk_ioq_ring */
	uint64_t ring_size; /* out: bytes mapped there */
};

#define ARCHK_IOQ_ENTRIES_MAX 4096
/* Idle vCPUs take this queue's requests without ioq_enter until it rests. */
#define ARCHK_IOQ_POLL 1u
/* Queues per process. */
#define ARCHK_IOQ_PER_PROCESS 16

/* ---- Tables: objects served by a user process ---- */

/* A request as table_receive delivers it to the server. */
struct archk_table_request {
	uint64_t id;	       /* names the request in table_reply; 0 for CLOSE (no reply) */
	uint64_t cookie;       /* the server's tag of the object (table_object_create) */
	uint32_t op;	       /* enum archk_io_op */
	uint32_t handle_count; /* handles received with it (written to handles[]) */
	uint64_t len;	       /* READ/GET_META: bytes the client wants; others: data bytes */
	uint64_t offset;       /* the client's offset (READ/WRITE/SEEK), rights (OPEN/CREATE) */
	archk_koid_t client;   /* the client's process */
};

/* Bytes of data one served request carries each way; larger requests are clipped. */
#define ARCHK_TABLE_DATA_MAX 65536
/* Requests a table holds that the server has not answered yet. */
#define ARCHK_TABLE_PENDING_MAX 256

/* ---- process table CREATE: spawning through do_io ---- */

/* A handle the new process receives; its value is in the request's handles. */
struct archk_spawn_name {
	char name[ARCHK_NAME_MAX + 1];
	uint32_t rights; /* for the copy, or ARCHK_RIGHTS_SAME */
};

/*
 * The data of CREATE on a process table: this header, then argc
 * NUL-terminated argument strings, then envc NUL-terminated environment
 * strings ("NAME=VALUE"). The request's handles are the executable (a store
 * file with EXECUTE) followed by handle_count handles named by names[].
 * archk_spawn in the runtime builds it.
 */
struct archk_spawn_blob {
	uint32_t argc;
	uint32_t handle_count;
	char name[32]; /* the process name; "" means argv[0]'s last part */
	struct archk_spawn_name names[ARCHK_SPAWN_HANDLES_MAX];
	uint32_t envc; /* environment strings after the arguments */
	uint32_t reserved;
	/* char strings[] follows */
};

#endif
