/*
 * Process system calls and the spawner: the kernel-served process table
 * behind the "process" handle.
 */
#include <string.h>
#include "proctable.h"
#include "store.h"
#include "syscall.h"

static struct object spawner;

static long spawner_create(struct io_req *r);
static long process_destroy_op(struct io_req *r);

int spawner_init(void)
{
	object_type_register_permanent(ARCHK_OBJ_SPAWNER, "spawner");
	object_init(&spawner, ARCHK_OBJ_SPAWNER);
	io_register(ARCHK_OBJ_SPAWNER, ARCHK_IO_CREATE, spawner_create);
	io_register(ARCHK_OBJ_PROCESS, ARCHK_IO_DESTROY, process_destroy_op);
	proctable_init();
	return 0;
}

struct object *spawner_object(void)
{
	return &spawner;
}

/* Lockless (syscall.h): a koid never changes. */
LOCKLESS long sys_process_self(const struct thread *t)
{
	return (long)t->proc->obj.koid;
}

long sys_process_exit(struct thread *t, struct syscall_args *args)
{
	struct archk_exit_status status = {.reason = ARCHK_EXIT_NORMAL,
					   .code = (int32_t)args->a[0]};

	if (kconfig.trace)
		syscall_trace(t, "?");
	process_exit(t->proc, &status);
	return 0;
}

/* Moves the caller to the back of the run queue. */
long sys_yield(struct thread *t, struct syscall_args *args)
{
	syscall_finish(t, 0);
	sched_yield_thread(t);
	return 0;
}

long sys_clock_get(struct thread *t, struct syscall_args *args)
{
	if (args->a[0] != ARCHK_CLOCK_MONOTONIC && args->a[0] != ARCHK_CLOCK_REALTIME)
		return ARCHK_ERR_INVALID_ARGS;
	return (long)hook_clock((int)args->a[0]);
}

/* Guest argv (and a blob's environment) copied into the kernel: strings packed in one buffer. */
struct spawn_argv {
	const char *argv[ARCHK_SPAWN_ARGC_MAX];
	const char *envp[ARCHK_SPAWN_ENVC_MAX];
	char strings[ARCHK_SPAWN_ARGS_MAX];
};

static long copy_argv(struct process *p, const struct archk_spawn_args *sa, struct spawn_argv *out)
{
	uint64_t ptrs[ARCHK_SPAWN_ARGC_MAX];
	size_t used = 0;
	long err;

	if (sa->argc == 0 || sa->argc > ARCHK_SPAWN_ARGC_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = copy_from_guest(p, ptrs, (uintptr_t)sa->argv, sa->argc * sizeof(ptrs[0]))) < 0)
		return err;
	for (uint32_t i = 0; i < sa->argc; i++) {
		long len;

		if (used >= ARCHK_SPAWN_ARGS_MAX)
			return ARCHK_ERR_TOO_LONG;
		len = copy_string_from_guest(p, out->strings + used, ptrs[i],
					     ARCHK_SPAWN_ARGS_MAX - used - 1);
		if (len < 0)
			return len;
		out->argv[i] = out->strings + used;
		used += (size_t)len + 1;
	}
	return 0;
}

/* Resolves the handles the child gets: each needs the transfer right. */
static long copy_spawn_handles(struct process *p, const struct archk_spawn_args *sa,
			       struct spawn_handle *out)
{
	struct archk_spawn_handle in[ARCHK_SPAWN_HANDLES_MAX];
	long err;

	if (sa->handle_count > ARCHK_SPAWN_HANDLES_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	err = copy_from_guest(p, in, (uintptr_t)sa->handles, sa->handle_count * sizeof(in[0]));
	if (err < 0)
		return err;
	for (uint32_t i = 0; i < sa->handle_count; i++) {
		struct handle_entry *e;

		if (in[i].name[0] == '\0' || memchr(in[i].name, '\0', sizeof(in[i].name)) == NULL)
			return ARCHK_ERR_INVALID_ARGS;
		err = handle_check(p, in[i].handle, ARCHK_OBJ_NONE, ARCHK_RIGHT_TRANSFER, &e);
		if (err < 0)
			return err;
		if ((err = handle_rights_for_copy(e->rights, in[i].rights, &out[i].rights)) < 0)
			return err;
		memcpy(out[i].name, in[i].name, sizeof(out[i].name));
		out[i].obj = e->obj;
	}
	return 0;
}

/* Spawns req and gives parent a handle to the child: the handle or an error. */
static long spawn_for(struct process *parent, const struct spawn_request *req)
{
	struct process *child;
	long err, value;

	if ((err = exec_spawn(req, &child)) < 0)
		return err;
	child->parent = parent->obj.koid;
	value = handle_install(&parent->handles, &child->obj, ARCHK_RIGHTS_PROCESS);
	if (value < 0) {
		/* Nobody could ever wait for a child without a handle: undo it. */
		struct archk_exit_status killed = {.reason = ARCHK_EXIT_KILLED};

		process_exit(child, &killed);
	}
	return value;
}

/* Takes count NUL-terminated strings from strings[*used, len) into out. */
static long blob_split(char *strings, size_t len, size_t *used, uint32_t count, const char **out)
{
	for (uint32_t i = 0; i < count; i++) {
		char *end = memchr(strings + *used, '\0', len - *used);

		if (!end)
			return ARCHK_ERR_INVALID_ARGS;
		out[i] = strings + *used;
		*used = (size_t)(end - strings) + 1;
	}
	return 0;
}

/* Splits the blob's strings into argc arguments and envc environment strings, exactly. */
static long blob_strings(char *strings, size_t len, const struct archk_spawn_blob *blob,
			 struct spawn_argv *out)
{
	size_t used = 0;
	long err;

	if (blob->argc == 0 || blob->argc > ARCHK_SPAWN_ARGC_MAX ||
	    blob->envc > ARCHK_SPAWN_ENVC_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = blob_split(strings, len, &used, blob->argc, out->argv)) < 0 ||
	    (err = blob_split(strings, len, &used, blob->envc, out->envp)) < 0)
		return err;
	return used == len ? 0 : ARCHK_ERR_INVALID_ARGS;
}

/* Names the handles the request carried after the executable. */
static long blob_handles(const struct io_req *r, const struct archk_spawn_blob *blob,
			 struct spawn_handle *out)
{
	if (blob->handle_count > ARCHK_SPAWN_HANDLES_MAX ||
	    blob->handle_count + 1u != r->handle_count)
		return ARCHK_ERR_INVALID_ARGS;
	for (uint32_t i = 0; i < blob->handle_count; i++) {
		const struct archk_spawn_name *n = &blob->names[i];
		long err;

		if (n->name[0] == '\0' || !memchr(n->name, '\0', sizeof(n->name)))
			return ARCHK_ERR_INVALID_ARGS;
		err = handle_rights_for_copy(r->handles[i + 1].rights, n->rights, &out[i].rights);
		if (err < 0)
			return err;
		memcpy(out[i].name, n->name, sizeof(out[i].name));
		out[i].obj = r->handles[i + 1].obj;
	}
	return 0;
}

/*
 * CREATE on the process table: data is a struct archk_spawn_blob and its
 * argument and environment strings; the request's handles are the
 * executable and the named handles. The result is a handle to the new
 * process.
 */
static long spawner_create(struct io_req *r)
{
	static struct spawn_argv argv; /* big; safe because the kernel lock is held */
	static struct archk_spawn_blob blob;
	struct spawn_handle handles[ARCHK_SPAWN_HANDLES_MAX];
	struct spawn_request req = {0};
	size_t strings_len;
	long err;

	if (r->len < sizeof(blob) || r->len - sizeof(blob) > ARCHK_SPAWN_ARGS_MAX)
		return r->len < sizeof(blob) ? ARCHK_ERR_INVALID_ARGS : ARCHK_ERR_TOO_LONG;
	strings_len = r->len - sizeof(blob);
	if ((err = copy_from_guest(r->proc, &blob, r->buf, sizeof(blob))) < 0 ||
	    (err = copy_from_guest(r->proc, argv.strings, r->buf + sizeof(blob), strings_len)) < 0)
		return err;
	if (r->handle_count == 0 || r->handles[0].obj->type != ARCHK_OBJ_FILE)
		return r->handle_count ? ARCHK_ERR_WRONG_TYPE : ARCHK_ERR_INVALID_ARGS;
	if (!(r->handles[0].rights & ARCHK_RIGHT_EXECUTE))
		return ARCHK_ERR_ACCESS_DENIED;
	if ((err = blob_strings(argv.strings, strings_len, &blob, &argv)) < 0 ||
	    (err = blob_handles(r, &blob, handles)) < 0)
		return err;
	if (memchr(blob.name, '\0', sizeof(blob.name)) == NULL)
		return ARCHK_ERR_INVALID_ARGS;
	req.name = blob.name[0] ? blob.name : NULL;
	req.exe = store_file_of(r->handles[0].obj);
	req.argc = blob.argc;
	req.argv = argv.argv;
	req.envc = blob.envc;
	req.envp = argv.envp;
	req.handle_count = blob.handle_count;
	req.handles = handles;
	return spawn_for(r->proc, &req);
}

/* DESTROY on a process ends it, as process_kill does. */
static long process_destroy_op(struct io_req *r)
{
	struct archk_exit_status killed = {.reason = ARCHK_EXIT_KILLED};

	process_exit(process_from_object(r->obj), &killed);
	return 0;
}

/* process_spawn(spawner, args): the executable handle needs the execute right. */
long sys_process_spawn(struct thread *t, struct syscall_args *args)
{
	static struct spawn_argv argv; /* big; safe because the kernel lock is held */
	struct spawn_handle handles[ARCHK_SPAWN_HANDLES_MAX];
	struct archk_spawn_args sa;
	struct spawn_request req = {0};
	struct handle_entry *exe;
	char name[PROCESS_NAME_MAX + 1];
	long err;

	if ((err = copy_from_guest(t->proc, &sa, args->a[1], sizeof(sa))) < 0)
		return err;
	err = handle_check(t->proc, sa.executable, ARCHK_OBJ_FILE, ARCHK_RIGHT_EXECUTE, &exe);
	if (err < 0)
		return err;
	if ((err = copy_argv(t->proc, &sa, &argv)) < 0 ||
	    (err = copy_spawn_handles(t->proc, &sa, handles)) < 0)
		return err;
	if (sa.name) {
		err = copy_string_from_guest(t->proc, name, (uintptr_t)sa.name, PROCESS_NAME_MAX);
		if (err < 0)
			return err;
		req.name = name;
	}
	req.exe = store_file_of(exe->obj);
	req.argc = sa.argc;
	req.argv = argv.argv;
	req.handle_count = sa.handle_count;
	req.handles = handles;
	return spawn_for(t->proc, &req);
}

/* process_wait(process, status): blocks until the process has ended. */
long sys_process_wait(struct thread *t, struct syscall_args *args)
{
	struct process *child = process_from_object(args->obj);
	long err = vm_check(t->proc, args->a[1], sizeof(struct archk_exit_status), HOOK_PROT_WRITE);

	if (err < 0)
		return err;
	if (child->state == PROCESS_EXITED)
		return copy_to_guest(t->proc, args->a[1], &child->status, sizeof(child->status));
	if (child == t->proc)
		return ARCHK_ERR_BAD_STATE; /* would wait for itself forever */
	thread_block(t, &child->waiters);
	t->wait.kind = WAIT_PROCESS;
	t->wait.process.child = child;
	t->wait.process.status_out = args->a[1];
	object_ref(&child->obj);
	return 0;
}

/* process_kill(process): ends every thread of it; waiters see ARCHK_EXIT_KILLED. */
long sys_process_kill(struct thread *t, struct syscall_args *args)
{
	struct process *p = process_from_object(args->obj);
	struct archk_exit_status killed = {.reason = ARCHK_EXIT_KILLED};

	process_exit(p, &killed);
	return 0;
}
