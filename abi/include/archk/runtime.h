/*
 * The guest runtime: system call wrappers, startup information, strings,
 * formatted output and a heap. Link with libarchk_rt (see archk_add_guest in
 * CMakeLists.txt). Everything here is usable after crt0 calls main().
 */
#ifndef ARCHK_RUNTIME_H
#define ARCHK_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <archk/errors.h>
#include <archk/io.h>
#include <archk/net.h>
#include <archk/object.h>
#include <archk/rights.h>
#include <archk/startup.h>
#include <archk/syscall.h>

/* ---- raw system calls (syscall_entry.S): through the call gate if archk
 * gave one, else the trapped syscall instruction (docs/abi.md) ---- */
long archk_syscall0(long nr);
long archk_syscall1(long nr, long a0);
long archk_syscall2(long nr, long a0, long a1);
long archk_syscall3(long nr, long a0, long a1, long a2);
long archk_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
/* The call gate's address (ARCHK_AT_GATE); 0 if archk gave none (--no-gate). */
uintptr_t archk_call_gate(void);

archk_koid_t archk_process_self(void);
__attribute__((noreturn)) void archk_process_exit(int code);
long archk_yield(void);
/* The clock through the clock_get system call. */
int64_t archk_clock_get(int clock);
/* The same clocks from the time page, without a system call (time.c). */
int64_t archk_clock_read(int clock);
long archk_handle_close(archk_handle_t h);
/* Returns the new handle value (> 0) or an error code. */
long archk_handle_duplicate(archk_handle_t h, uint32_t rights);
long archk_handle_info(archk_handle_t h, struct archk_handle_info *info);
long archk_do_io(int op, archk_handle_t h, long a0, long a1, long a2, long a3);
long archk_read(archk_handle_t h, void *buf, size_t len);
long archk_write(archk_handle_t h, const void *buf, size_t len);
long archk_pread(archk_handle_t h, void *buf, size_t len, uint64_t offset);
/* Opens path relative to directory dir; returns a handle or an error. */
long archk_open(archk_handle_t dir, const char *path, uint32_t rights);
long archk_get_meta(archk_handle_t h, struct archk_meta *meta);
long archk_process_spawn(archk_handle_t spawner, const struct archk_spawn_args *args);
long archk_process_wait(archk_handle_t process, struct archk_exit_status *status);

/* ---- memory objects and mappings (vmo.c); addresses are returned as long ---- */
/* A new zeroed VMO of size bytes (rounded up to pages): a handle or an error. */
long archk_vmo_create(uint64_t size);
long archk_vmo_read(archk_handle_t h, void *buf, size_t len, uint64_t offset);
long archk_vmo_write(archk_handle_t h, const void *buf, size_t len, uint64_t offset);
long archk_vmo_get_size(archk_handle_t h);
/* Maps [offset, offset+len) of the VMO with ARCHK_PROT_* prot; the address or an error. */
long archk_vmo_map(archk_handle_t h, uint64_t offset, size_t len, uint32_t prot);
long archk_vmo_unmap(void *addr, size_t len);
/* Maps len bytes of fresh zeroed memory; the address or an error. */
long archk_mem_map_anon(size_t len, uint32_t prot);
long archk_mem_unmap(void *addr, size_t len);
/* ---- signals and IPC (ipc.c); docs/abi.md, "IPC" ---- */
long archk_event_create(void);
long archk_eventpair_create(archk_handle_t out[2]);
long archk_object_signal(archk_handle_t h, uint32_t clear, uint32_t set);
long archk_channel_create(archk_handle_t out[2]);
long archk_channel_write(archk_handle_t h, const void *bytes, uint32_t nbytes,
			 const archk_handle_t *handles, uint32_t nhandles);
/* actual (may be NULL) receives the first message's size, also when TOO_LONG. */
long archk_channel_read(archk_handle_t h, void *bytes, uint32_t nbytes, archk_handle_t *handles,
			uint32_t nhandles, struct archk_channel_actual *actual);
long archk_channel_call(archk_handle_t h, const struct archk_channel_call_args *args,
			int64_t deadline, struct archk_channel_actual *actual);
long archk_object_wait_one(archk_handle_t h, uint32_t signals, int64_t deadline,
			   uint32_t *observed);
long archk_object_wait_many(struct archk_wait_item *items, uint32_t count, int64_t deadline);
/* A pipe: out[0] its read end, out[1] its write end (docs/abi.md, "Pipes"). */
long archk_pipe_create(archk_handle_t out[2]);
long archk_port_create(void);
long archk_port_wait_async(archk_handle_t port, archk_handle_t h, uint64_t key, uint32_t signals);
long archk_port_wait(archk_handle_t port, int64_t deadline, struct archk_port_packet *packet);
/* Fills up to count entries; returns the number of kernel arenas. */
long archk_arena_stats(struct archk_arena_stat *out, uint32_t count);

/* ---- the object interface (io.c); docs/abi.md, "I/O queues" and "Tables" ---- */
/* do_io passing copies of handle_count handles with the operation. */
long archk_do_io_handles(int op, archk_handle_t h, void *buf, size_t len, uint64_t offset,
			 const archk_handle_t *handles, uint32_t handle_count);
/* SEEK: the new position, or an error. */
long archk_seek(archk_handle_t h, int64_t offset, int whence);

/* A guest's view of one I/O queue. */
struct archk_ioq {
	archk_handle_t handle;
	struct archk_ioq_ring *ring;
	struct archk_io_request *requests;
	struct archk_io_completion *completions;
	uint32_t req_tail; /* requests filled, published by archk_ioq_publish */
};

/* Creates a queue with entries requests (a power of two) and twice as many completions. */
long archk_ioq_init(struct archk_ioq *q, uint32_t entries, uint32_t flags);
/* The next free request slot (zeroed), or NULL while the request ring is full. */
struct archk_io_request *archk_ioq_request(struct archk_ioq *q);
/* Makes the filled requests visible to archk (a polled queue needs nothing more). */
void archk_ioq_publish(struct archk_ioq *q);
/* Publishes, then ioq_enter: requests taken, or an error. */
long archk_ioq_enter(struct archk_ioq *q, uint32_t min_complete, int64_t deadline);
/* The oldest unread completion, or NULL; archk_ioq_seen releases it. */
struct archk_io_completion *archk_ioq_peek(struct archk_ioq *q);
void archk_ioq_seen(struct archk_ioq *q);
/* Waits for the next completion and copies it to out (entering as needed). */
long archk_ioq_wait(struct archk_ioq *q, struct archk_io_completion *out);

long archk_table_create(void);
/* A handle to a new object of the table, tagged cookie in its requests. */
long archk_table_object_create(archk_handle_t table, uint64_t cookie, uint32_t rights);
/*
 * The next request: its description in req, its data in data (len bytes at
 * most; TOO_LONG leaves it queued with req->len set), its handles in handles
 * (room for ARCHK_IO_HANDLES_MAX).
 */
long archk_table_receive(archk_handle_t table, struct archk_table_request *req, void *data,
			 size_t len, archk_handle_t *handles, int64_t deadline);
/* Answers request id: result, data for the client's buffer, a handle to move to it (or 0). */
long archk_table_reply(archk_handle_t table, uint64_t id, long result, const void *data, size_t len,
		       archk_handle_t handle);

/* ---- starting a server and taking its objects (serve.c); docs/abi.md 13.10 ---- */
/* One object a server answered with, and the name it gave it ("" if none). */
struct archk_served {
	char name[ARCHK_NAME_MAX + 1];
	archk_handle_t handle;
};
/*
 * Spawns argv[0] with the named handles given plus a "reply" channel, waits
 * for its answer there and fills served with up to max of the objects in
 * it: their count, or the negative status the server sent, or PEER_CLOSED
 * if it ended without answering. *process receives the server's process
 * handle (closed if process is NULL).
 */
long archk_spawn_server_named(const char *const *argv, const struct archk_spawn_handle *handles,
			      uint32_t count, archk_handle_t *process, struct archk_served *served,
			      uint32_t max);
/* The same for a server of one object: its handle, or the error. */
long archk_spawn_server(const char *const *argv, const struct archk_spawn_handle *handles,
			uint32_t count, archk_handle_t *process);
/*
 * The server's answer on reply, which it then closes: status and, if it is
 * 0, count objects, with names (names may be NULL for one object).
 */
long archk_serve_reply_named(archk_handle_t reply, long status, const char *const *names,
			     const archk_handle_t *objects, uint32_t count);
/* The same for one object. */
long archk_serve_reply(archk_handle_t reply, long status, archk_handle_t object);
/*
 * A new table with one object (cookie, rights), answered on reply (the
 * object, or the error, and reply closed): the table, or the error.
 */
long archk_serve_start(archk_handle_t reply, uint64_t cookie, uint32_t rights);
/*
 * Receives requests on table until answer returns non-zero (then 0) or
 * receiving fails (its error); closes the handles requests carry.
 */
long archk_serve(archk_handle_t table, void *data, size_t len,
		 int (*answer)(const struct archk_table_request *req, void *data));

/* ---- startup (crt0.S, start.c) ---- */
extern const struct archk_startup *archk_startup_info;
extern char **archk_environ;
/* The handle the spawner gave under name, or ARCHK_HANDLE_INVALID. */
archk_handle_t archk_handle_named(const char *name);
/*
 * From now on this program knows h as name (archk_handle_named), and its
 * children started by archk_spawn get it under that name; replaces an
 * earlier one. 0, TOO_LONG (name), NO_MEMORY (16 names set already).
 */
long archk_handle_set(const char *name, archk_handle_t h);

/*
 * Spawns the store program at path (opened through the "root" handle) with
 * argv, the caller's environment and the given named handles, through
 * CREATE on the "process" handle, so a served process table sees it. The
 * child also gets every named handle of the caller's that handles does not
 * name (archk_handle_set's first) except the privileged and one-shot ones:
 * resource, devices, device and reply. Returns a process handle or an error.
 */
long archk_spawn(const char *path, const char *const *argv,
		 const struct archk_spawn_handle *handles, uint32_t handle_count);
/* archk_spawn with the environment envp (NULL-terminated "NAME=VALUE"; NULL: empty). */
long archk_spawn_env(const char *path, const char *const *argv, const char *const *envp,
		     const struct archk_spawn_handle *handles, uint32_t handle_count);
/*
 * archk_spawn_env from an executable the caller has open (EXECUTE, READ and
 * TRANSFER rights); the caller keeps exe.
 */
long archk_spawn_exe(archk_handle_t exe, const char *const *argv, const char *const *envp,
		     const struct archk_spawn_handle *handles, uint32_t handle_count);

/* ---- paths (path.c; archk_open_path in syscall.c) ---- */
/*
 * base (absolute) joined with path (absolute, or relative to base), with
 * ".", ".." and repeated slashes resolved: an absolute path (malloc'd), or
 * NULL when out of memory. ".." at the root stays at the root.
 */
char *archk_path_resolve(const char *base, const char *path);
/* Opens path through "root": relative paths against $PWD (as the shell's cd sets it). */
long archk_open_path(const char *path, uint32_t rights);

/* ---- the environment (env.c): archk_environ is "NAME=VALUE" strings, NULL-terminated ---- */
/* The value of name, or NULL. */
const char *archk_getenv(const char *name);
/*
 * Sets name to value (replacing it only if overwrite); 0, INVALID_ARGS for a
 * name that is empty or holds '=', or NO_MEMORY. Changes archk_environ.
 */
long archk_setenv(const char *name, const char *value, int overwrite);
/* Removes name; 0, INVALID_ARGS for a name that is empty or holds '=', or NO_MEMORY. */
long archk_unsetenv(const char *name);
/* Name of an error code, e.g. "HND_INVALID"; "OK" for 0; "UNKNOWN" otherwise. */
const char *archk_strerror(long err);

/* ---- strings (string.c) ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strcpy(char *dst, const char *src);
size_t strlcpy(char *dst, const char *src, size_t size);
char *strdup(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int atoi(const char *s);

/* ---- character classes (ctype.c): ASCII, as in the C locale ---- */
int isdigit(int c);
int isxdigit(int c);
int isalpha(int c);
int isalnum(int c);
int isupper(int c);
int islower(int c);
int isspace(int c);
int isprint(int c);
int tolower(int c);
int toupper(int c);

/* ---- sorting (sort.c) ---- */
/* Sorts count elements of size bytes at base by cmp (heapsort: not stable, no recursion). */
void qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *));

/* ---- formatted output (fmt.c) ----
 * Conversions: %d %i %u %x %X %o %c %s %p %% with flags '-', '0', ' ', '+',
 * '#', width and precision (also '*'), and length modifiers hh h l ll z j t.
 * No floating point.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formats and writes to handle h; returns bytes written or an error code. */
int archk_vdprintf(archk_handle_t h, const char *fmt, va_list ap);
int archk_dprintf(archk_handle_t h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes to the "out" handle. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);

/* ---- threads (thread.c) ---- */
long archk_thread_create(const struct archk_thread_args *args);
long archk_thread_start(archk_handle_t thread);
__attribute__((noreturn)) void archk_thread_exit(int code);
/* Waits for the thread to exit and returns its exit code (or an error). */
long archk_thread_join(archk_handle_t thread);
long archk_process_kill(archk_handle_t process);
long archk_futex_wait(uint32_t *word, uint32_t expected, int64_t deadline);
long archk_futex_wake(uint32_t *word, uint32_t count);
/* Sleeps until the monotonic clock reaches deadline (nanoseconds). */
long archk_sleep_until(int64_t deadline);
/* Scheduling: resource is needed only for ARCHK_SCHED_REALTIME. */
long archk_thread_set_priority(archk_handle_t thread, int sched_class, int priority,
			       archk_handle_t resource);
long archk_thread_set_affinity(archk_handle_t thread, uint64_t mask);
/* A new handle to the calling thread. */
long archk_thread_self(void);
long archk_vcpu_current(void);

/*
 * A thread run by the runtime: archk_thread_spawn allocates its stack from
 * the heap and points its FS base at the struct (so archk_thread_current()
 * finds it); archk_thread_wait joins it and frees what spawn allocated.
 */
struct archk_thread {
	struct archk_thread *self; /* at FS base offset 0 */
	archk_handle_t handle;
	int (*fn)(void *arg);
	void *arg;
	void *stack;
};

long archk_thread_spawn(struct archk_thread *t, int (*fn)(void *), void *arg, size_t stack_size,
			const char *name);
long archk_thread_wait(struct archk_thread *t);
/* The calling thread's struct; only in threads started by archk_thread_spawn. */
struct archk_thread *archk_thread_current(void);

/* ---- locks (lock.c): futex-based, safe between threads of one process ---- */
struct archk_mutex {
	uint32_t state; /* 0 free, 1 held, 2 held with waiters */
};
#define ARCHK_MUTEX_INIT                                                                           \
	{                                                                                          \
		0                                                                                  \
	}
void archk_mutex_lock(struct archk_mutex *m);
int archk_mutex_trylock(struct archk_mutex *m); /* 1 if it took the lock */
void archk_mutex_unlock(struct archk_mutex *m);

struct archk_cond {
	uint32_t seq; /* advances on every signal */
};
#define ARCHK_COND_INIT                                                                            \
	{                                                                                          \
		0                                                                                  \
	}
void archk_cond_wait(struct archk_cond *c, struct archk_mutex *m);
void archk_cond_signal(struct archk_cond *c);
void archk_cond_broadcast(struct archk_cond *c);

/* ---- heap (malloc.c): safe between threads ---- */
void archk_heap_init(void *base, size_t size);
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
/* Bytes currently allocated (for tests that check for leaks). */
size_t archk_heap_in_use(void);

#endif
