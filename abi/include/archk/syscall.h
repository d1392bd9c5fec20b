/*
 * System call numbers and argument structures.
 *
 * A guest makes a call with the x86-64 `syscall` instruction: the number in
 * rax, arguments in rdi, rsi, rdx, r10, r8, r9, the result in rax (>= 0 on
 * success, an ARCHK_ERR_* code otherwise). rcx and r11 are clobbered, as on
 * Linux. docs/abi.md describes each call.
 */
#ifndef ARCHK_SYSCALL_H
#define ARCHK_SYSCALL_H

#include <archk/types.h>

enum archk_syscall_number {
	ARCHK_SYS_PROCESS_SELF = 0,	 /* () -> koid of the caller's process */
	ARCHK_SYS_PROCESS_EXIT = 1,	 /* (int32 code) -> does not return */
	ARCHK_SYS_YIELD = 2,		 /* () -> 0 */
	ARCHK_SYS_CLOCK_GET = 3,	 /* (clock) -> nanoseconds */
	ARCHK_SYS_HANDLE_CLOSE = 4,	 /* (h) -> 0 */
	ARCHK_SYS_HANDLE_DUPLICATE = 5,	 /* (h, rights) -> new handle */
	ARCHK_SYS_HANDLE_INFO = 6,	 /* (h, struct archk_handle_info *) -> 0 */
	ARCHK_SYS_DO_IO = 7,		 /* (op, h, a0, a1, a2, a3) -> op result */
	ARCHK_SYS_PROCESS_SPAWN = 8,	 /* (spawner h, struct archk_spawn_args *) -> process h */
	ARCHK_SYS_PROCESS_WAIT = 9,	 /* (process h, struct archk_exit_status *) -> 0 */
	ARCHK_SYS_THREAD_CREATE = 10,	 /* (struct archk_thread_args *) -> thread h, not started */
	ARCHK_SYS_THREAD_START = 11,	 /* (thread h) -> 0 */
	ARCHK_SYS_THREAD_EXIT = 12,	 /* (int32 code) -> does not return */
	ARCHK_SYS_THREAD_JOIN = 13,	 /* (thread h) -> the thread's exit code */
	ARCHK_SYS_FUTEX_WAIT = 14,	 /* (uint32 *word, uint32 expected, deadline ns) -> 0 */
	ARCHK_SYS_FUTEX_WAKE = 15,	 /* (uint32 *word, uint32 count) -> threads woken */
	ARCHK_SYS_SLEEP = 16,		 /* (monotonic deadline ns) -> 0 */
	ARCHK_SYS_PROCESS_KILL = 17,	 /* (process h) -> 0 */
	ARCHK_SYS_VMO_CREATE = 18,	 /* (size) -> VMO handle */
	ARCHK_SYS_VMO_READ = 19,	 /* (vmo h, buf, len, offset) -> bytes read */
	ARCHK_SYS_VMO_WRITE = 20,	 /* (vmo h, buf, len, offset) -> bytes written */
	ARCHK_SYS_VMO_GET_SIZE = 21,	 /* (vmo h) -> size in bytes */
	ARCHK_SYS_VMO_MAP = 22,		 /* (vmo h, offset, len, prot) -> guest address */
	ARCHK_SYS_VMO_UNMAP = 23,	 /* (addr, len) -> 0 */
	ARCHK_SYS_MEM_MAP_ANON = 24,	 /* (len, prot) -> guest address */
	ARCHK_SYS_MEM_UNMAP = 25,	 /* (addr, len) -> 0 */
	ARCHK_SYS_EVENT_CREATE = 26,	 /* () -> event h */
	ARCHK_SYS_EVENTPAIR_CREATE = 27, /* (archk_handle_t out[2]) -> 0 */
	ARCHK_SYS_OBJECT_SIGNAL = 28,	 /* (h, clear mask, set mask) -> 0 */
	ARCHK_SYS_CHANNEL_CREATE = 29,	 /* (archk_handle_t out[2]) -> 0 */
	ARCHK_SYS_CHANNEL_WRITE = 30,	 /* (h, bytes, nbytes, handles, nhandles) -> 0 */
	ARCHK_SYS_CHANNEL_READ = 31,	 /* (h, bytes, nbytes, handles, nhandles, actual) -> 0 */
	ARCHK_SYS_CHANNEL_CALL = 32,	 /* (h, call args, deadline, actual) -> 0 */
	ARCHK_SYS_OBJECT_WAIT_ONE = 33,	 /* (h, signals, deadline, uint32 *observed) -> 0 */
	ARCHK_SYS_OBJECT_WAIT_MANY = 34, /* (struct archk_wait_item *, count, deadline) -> 0 */
	ARCHK_SYS_PORT_CREATE = 35,	 /* () -> port h */
	ARCHK_SYS_PORT_WAIT_ASYNC = 36,	 /* (port h, h, key, signals) -> 0 */
	ARCHK_SYS_PORT_WAIT = 37,	 /* (port h, deadline, struct archk_port_packet *) -> 0 */
	ARCHK_SYS_ARENA_STATS = 38,	 /* (struct archk_arena_stat *, count) -> arenas */
	ARCHK_SYS_THREAD_SET_PRIORITY = 41, /* (thread h, class, priority, resource h) -> 0 */
	ARCHK_SYS_THREAD_SET_AFFINITY = 42, /* (thread h, vCPU mask) -> 0 */
	ARCHK_SYS_THREAD_SELF = 43,	    /* () -> a new handle to the calling thread */
	ARCHK_SYS_VCPU_CURRENT = 44,	    /* () -> id of the vCPU running the caller */
	ARCHK_SYS_IOQ_CREATE = 45,	    /* (struct archk_ioq_params *) -> I/O queue h */
	ARCHK_SYS_IOQ_ENTER = 46,    /* (queue h, min completions, deadline) -> requests taken */
	ARCHK_SYS_TABLE_CREATE = 47, /* () -> table h */
	ARCHK_SYS_TABLE_OBJECT_CREATE =
	    48,			      /* (table h, cookie, rights) -> handle to a served object */
	ARCHK_SYS_TABLE_RECEIVE = 49, /* (table h, struct archk_table_request *, data, len, handles,
				       * deadline) -> 0 */
	ARCHK_SYS_TABLE_REPLY = 50,   /* (table h, id, result, data, len, handle) -> 0 */
	ARCHK_SYS_PIPE_CREATE = 51,   /* (archk_handle_t out[2]) -> 0: read end, write end */
	ARCHK_SYS_DEVICE_INFO = 52,   /* (device h, struct archk_device_info *) -> 0 */
	ARCHK_SYS_DEVICE_START = 53,  /* (device h, features) -> the features accepted */
	ARCHK_SYS_DEVICE_QUEUE = 54,  /* (device h, queue, const struct archk_virtq_setup *) -> 0 */
	ARCHK_SYS_DEVICE_NOTIFY = 55, /* (device h, queue) -> 0 */
	ARCHK_SYS_DEVICE_ACK = 56,    /* (device h) -> ARCHK_DEVICE_ISR_* bits, now cleared */
	ARCHK_SYS_COUNT
};

enum archk_clock {
	ARCHK_CLOCK_MONOTONIC = 0,
	ARCHK_CLOCK_REALTIME = 1,
};

/*
 * Operations of the uniform object interface: do_io(op, h, buf, len, offset,
 * handles) and the fields of struct archk_io_request. docs/abi.md, "The
 * object interface", lists what each object type implements; the others
 * answer NOT_SUPPORTED.
 *   READ      (buf, len, offset)       -> bytes read, 0 at the end
 *   WRITE     (buf, len, offset)       -> bytes written
 *   OPEN      (path, path_len, rights) -> new handle
 *   CREATE    (data, len, rights)      -> new handle (a process table: spawns)
 *   DESTROY   (path, path_len)         -> 0 (a process: ends it)
 *   GET_META  (struct archk_meta *)    -> 0
 *   SET_META  (data, len)              -> 0
 *   SEEK      (-, whence, offset)      -> the new position
 *   SHARE     (-, -, -, handles)       -> 0: gives the object copies of handles
 *   CLOSE     ()                       -> 0: closes the handle
 *   CANCEL    (-, -, user_data)        -> 0, on an I/O queue's handle
 *   NOP       ()                       -> 0
 *   SYNC      ()                       -> 0 once what was written is durable
 *   RENAME    ("from\0to", len)        -> 0: renames within a directory tree
 */
enum archk_io_op {
	ARCHK_IO_READ = 0,
	ARCHK_IO_WRITE = 1,
	ARCHK_IO_OPEN = 2,
	ARCHK_IO_CREATE = 3,
	ARCHK_IO_DESTROY = 4,
	ARCHK_IO_GET_META = 5,
	ARCHK_IO_SET_META = 6,
	ARCHK_IO_SEEK = 7,
	ARCHK_IO_SHARE = 8,
	ARCHK_IO_CLOSE = 9,
	ARCHK_IO_CANCEL = 10,
	ARCHK_IO_NOP = 11,
	ARCHK_IO_SYNC = 12,
	ARCHK_IO_RENAME = 13,
	ARCHK_IO_OP_COUNT
};

/*
 * OPEN and CREATE take the rights wanted in the low 32 bits of their third
 * argument; CREATE takes these flags in the high 32 bits. Without
 * ARCHK_CREATE_EXCL, CREATE of a name that exists opens it (a directory
 * only with ARCHK_CREATE_DIR, a file only without it).
 */
#define ARCHK_CREATE_DIR      (1ull << 32) /* make a directory, not a file */
#define ARCHK_CREATE_EXCL     (1ull << 33) /* EXISTS if the name exists */
#define ARCHK_CREATE_TRUNCATE (1ull << 34) /* an existing file is cut to 0 bytes */

/* SEEK's whence (passed as len). */
#define ARCHK_SEEK_SET 0 /* position = offset */
#define ARCHK_SEEK_CUR 1 /* position += offset (signed) */
#define ARCHK_SEEK_END 2 /* position = size + offset (signed) */

/* Pass as the READ/WRITE offset to use the object's own position. */
#define ARCHK_IO_OFFSET_CURRENT UINT64_MAX

/* GET_META output. */
struct archk_meta {
	uint32_t type;	   /* enum archk_object_type */
	uint32_t mode;	   /* ARCHK_MODE_* bits for store files */
	uint64_t size;	   /* bytes of a file or VMO; files at any depth below a directory */
	archk_koid_t koid; /* identity of the object */
	uint32_t kind;	   /* enum archk_kind: what the object is to a program */
	uint32_t flags;	   /* ARCHK_META_* */
	int64_t mtime;	   /* last data change, realtime nanoseconds; 0 if unknown */
	int64_t ctime;	   /* last metadata change, realtime nanoseconds; 0 if unknown */
};

#define ARCHK_MODE_EXEC 1u /* the store marks the file executable */

/* What an object is to a program, whoever serves it (archk_meta.kind). */
enum archk_kind {
	ARCHK_KIND_OTHER = 0,  /* none of these */
	ARCHK_KIND_FILE = 1,   /* bytes at offsets: READ/WRITE with an offset, a size */
	ARCHK_KIND_DIR = 2,    /* names: OPEN, and READ lists struct archk_dirent records */
	ARCHK_KIND_STREAM = 3, /* bytes in order: console, pipe end, connection */
	ARCHK_KIND_BLOCK = 4,  /* a block device: READ/WRITE whole sectors */
};

#define ARCHK_META_TERMINAL  1u /* a stream connected to a terminal */
#define ARCHK_META_READ_ONLY 2u /* writes are refused (READ_ONLY) */

/*
 * READ on a directory (ARCHK_KIND_DIR) fills the buffer with whole records,
 * each reclen bytes (a multiple of 8), and returns the bytes filled, 0 at the
 * end. The READ offset is a position: 0 starts the listing, and a record's
 * next field is the offset that continues after it.
 */
struct archk_dirent {
	uint64_t next;	  /* READ offset that continues after this record */
	uint64_t size;	  /* a file's bytes; 0 for a directory */
	uint16_t reclen;  /* bytes of this record, name and padding included */
	uint8_t kind;	  /* enum archk_kind */
	uint8_t name_len; /* bytes of name, without its NUL */
	uint32_t mode;	  /* ARCHK_MODE_* */
	char name[];	  /* name_len bytes, then a NUL, padded to reclen */
};

#define ARCHK_NAME_BYTES_MAX 255 /* bytes of one name in a directory */
/* The largest record: a buffer this big always takes the next one. */
#define ARCHK_DIRENT_BYTES_MAX 280

/*
 * READ at this offset on a directory of a filesystem server that keeps a
 * count of its space (homefs, docs/abi.md 8.11) returns one struct
 * archk_fs_usage instead of listing records; the store's listing has ended
 * long before it (0).
 */
#define ARCHK_IO_OFFSET_USAGE (UINT64_MAX - 1)

/* The space of the filesystem holding a directory (40 bytes). */
struct archk_fs_usage {
	uint64_t block_bytes; /* bytes of one block */
	uint64_t blocks;      /* the filesystem's blocks, its own structures included */
	uint64_t free_blocks; /* free now */
	uint64_t files;	      /* files, in the whole filesystem */
	uint64_t dirs;	      /* directories, the root included */
};

/* Limits that bound spawn arguments. */
#define ARCHK_NAME_MAX		15    /* bytes in a handle name, without NUL */
#define ARCHK_SPAWN_ARGS_MAX	65536 /* total bytes of argv and environment strings */
#define ARCHK_SPAWN_ARGC_MAX	1024
#define ARCHK_SPAWN_ENVC_MAX	1024 /* environment strings */
#define ARCHK_SPAWN_HANDLES_MAX 16
#define ARCHK_PATH_MAX		1024

/* One named handle given to a new process (a copy; the caller keeps its own). */
struct archk_spawn_handle {
	char name[ARCHK_NAME_MAX + 1]; /* NUL-terminated, e.g. "out" */
	archk_handle_t handle;	       /* must carry ARCHK_RIGHT_TRANSFER */
	uint32_t rights;	       /* rights for the copy, or ARCHK_RIGHTS_SAME */
};

/* Deadline meaning "never" for futex_wait. */
#define ARCHK_DEADLINE_INFINITE INT64_MAX

/* A new thread of the calling process (thread_create). */
struct archk_thread_args {
	uint64_t entry;	    /* where it starts: entry(arg) with rsp = stack_top - 8 */
	uint64_t stack_top; /* 16-byte aligned end of its stack, in the caller's memory */
	uint64_t arg;	    /* passed in rdi */
	uint64_t fs_base;   /* its FS base (thread-local storage), may be 0 */
	const char *name;   /* for traces and debuggers; NULL: "thread" */
};

#define ARCHK_THREADS_PER_PROCESS 256

/* Scheduling classes (thread_set_priority). */
enum archk_sched_class {
	ARCHK_SCHED_NORMAL = 0,	  /* priorities 0..30, timesliced, dynamic boost */
	ARCHK_SCHED_REALTIME = 1, /* FIFO above all normal threads, never sliced */
	ARCHK_SCHED_IDLE = 2,	  /* runs only when nothing else can */
};

#define ARCHK_PRIORITY_MAX     30
#define ARCHK_PRIORITY_DEFAULT 15

/* Protections for vmo_map and mem_map_anon, combinable. */
#define ARCHK_PROT_READ	 1u
#define ARCHK_PROT_WRITE 2u
#define ARCHK_PROT_EXEC	 4u

/* Memory limits (docs/abi.md, "Memory objects and mappings"). */
#define ARCHK_VMO_SIZE_MAX  (64ul << 20) /* bytes of one VMO */
#define ARCHK_MAP_BYTES_MAX (16ul << 20) /* the mapping window: bytes mapped per process */
#define ARCHK_MAPPINGS_MAX  64		 /* mappings per process */

struct archk_spawn_args {
	archk_handle_t executable; /* a store file with ARCHK_RIGHT_EXECUTE */
	uint32_t argc;
	const char *const *argv; /* argc pointers to NUL-terminated strings */
	uint32_t handle_count;
	uint32_t reserved;
	const struct archk_spawn_handle *handles;
	const char *name; /* process name; NULL means argv[0]'s last part */
};

/* Bytes a pipe buffers; also the most one READ or WRITE on a pipe end moves. */
#define ARCHK_PIPE_BUFFER_BYTES 65536

/* ---- IPC (docs/abi.md, "IPC") ---- */

/* Size of one channel message, and of each endpoint's queue of unread messages. */
#define ARCHK_CHANNEL_MAX_BYTES	  65536
#define ARCHK_CHANNEL_MAX_HANDLES 64
#define ARCHK_CHANNEL_QUEUE_MAX	  64	     /* messages queued at one endpoint */
#define ARCHK_CHANNEL_QUEUE_BYTES (1u << 20) /* bytes queued at one endpoint */
/* Per process: messages it wrote that nobody has read yet, and handles in them. */
#define ARCHK_PENDING_MESSAGES_MAX 512
#define ARCHK_PENDING_HANDLES_MAX  1024
/* object_wait_many items, and registrations plus packets of one port. */
#define ARCHK_WAIT_MANY_MAX    16
#define ARCHK_PORT_MAX_PENDING 1024

/* channel_read and channel_call: the size of the message read (or too big). */
struct archk_channel_actual {
	uint32_t bytes;
	uint32_t handles;
};

/*
 * channel_call: the request (its first 4 bytes are replaced by a transaction
 * id the kernel chooses) and the buffers for the reply (the first message
 * arriving at the endpoint that starts with the same 4 bytes).
 */
struct archk_channel_call_args {
	const void *wr_bytes;
	const archk_handle_t *wr_handles;
	void *rd_bytes;
	archk_handle_t *rd_handles;
	uint32_t wr_num_bytes;
	uint32_t wr_num_handles;
	uint32_t rd_num_bytes;
	uint32_t rd_num_handles;
};

/* Transaction ids the kernel gives calls have this bit set. */
#define ARCHK_CHANNEL_TXID_KERNEL 0x80000000u

/* object_wait_many: one handle and the signals awaited; pending is written back. */
struct archk_wait_item {
	archk_handle_t handle;
	uint32_t waitfor;
	uint32_t pending;
	uint32_t reserved;
};

enum archk_packet_type {
	ARCHK_PACKET_SIGNAL = 1, /* a port_wait_async registration fired */
};

/* port_wait output. */
struct archk_port_packet {
	uint64_t key;	   /* from port_wait_async */
	uint32_t type;	   /* enum archk_packet_type */
	uint32_t observed; /* the object's signals when the registration fired */
	uint32_t trigger;  /* the signals it was waiting for */
	uint32_t reserved;
};

/* arena_stats output: one per kernel object arena (for leak checks). */
struct archk_arena_stat {
	char name[16];
	uint32_t live;	   /* slots in use */
	uint32_t capacity; /* slots available in total */
};

#endif
