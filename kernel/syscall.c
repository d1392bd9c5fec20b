/*
 * The system call table and its dispatcher: see syscall.h. Arguments arrive
 * in rdi, rsi, rdx, r10, r8, r9 as on Linux; the result goes to rax.
 */
#include <stdarg.h>
#include <stdio.h>
#include "debug.h"
#include "pipe.h"
#include "syscall.h"

/* The handle argument's rights depend on the I/O operation in argument 0. */
#define RIGHTS_OF_IO_OP UINT32_MAX

struct syscall_desc {
	const char *name;
	syscall_fn fn;
	int8_t handle_arg;    /* index of the handle argument, -1 if none */
	uint32_t handle_type; /* required object type; ARCHK_OBJ_NONE accepts any */
	uint32_t rights;      /* required rights, or RIGHTS_OF_IO_OP */
	/* For --trace: one letter per argument: d decimal, x hex, h handle,
	 * o I/O operation, c clock, r rights. */
	const char *args;
	char result; /* a success result is 'h' a handle, 'x' an address (hex), else a number */
	bool reply;  /* an answer after which the caller waits again (sched_call_end) */
	syscall_lockless_fn lockless; /* instead of fn: a lockless call (syscall.h) */
};

static const struct syscall_desc syscall_table[ARCHK_SYS_COUNT] = {
    [ARCHK_SYS_PROCESS_SELF] = {"process_self", NULL, -1, 0, 0, "", .lockless = sys_process_self},
    [ARCHK_SYS_PROCESS_EXIT] = {"process_exit", sys_process_exit, -1, 0, 0, "d"},
    [ARCHK_SYS_YIELD] = {"yield", sys_yield, -1, 0, 0, ""},
    [ARCHK_SYS_CLOCK_GET] = {"clock_get", sys_clock_get, -1, 0, 0, "c"},
    [ARCHK_SYS_HANDLE_CLOSE] = {"handle_close", sys_handle_close, 0, ARCHK_OBJ_NONE, 0, "h"},
    [ARCHK_SYS_HANDLE_DUPLICATE] = {"handle_duplicate", sys_handle_duplicate, 0, ARCHK_OBJ_NONE,
				    ARCHK_RIGHT_DUPLICATE, "hr", 'h'},
    [ARCHK_SYS_HANDLE_INFO] = {"handle_info", sys_handle_info, 0, ARCHK_OBJ_NONE, 0, "hx"},
    [ARCHK_SYS_DO_IO] = {"do_io", sys_do_io, 1, ARCHK_OBJ_NONE, RIGHTS_OF_IO_OP, "ohxxxx"},
    [ARCHK_SYS_PROCESS_SPAWN] = {"process_spawn", sys_process_spawn, 0, ARCHK_OBJ_SPAWNER,
				 ARCHK_RIGHT_MANAGE, "hx", 'h'},
    [ARCHK_SYS_PROCESS_WAIT] = {"process_wait", sys_process_wait, 0, ARCHK_OBJ_PROCESS,
				ARCHK_RIGHT_WAIT, "hx"},
    [ARCHK_SYS_THREAD_CREATE] = {"thread_create", sys_thread_create, -1, 0, 0, "x", 'h'},
    [ARCHK_SYS_THREAD_START] = {"thread_start", sys_thread_start, 0, ARCHK_OBJ_THREAD,
				ARCHK_RIGHT_MANAGE, "h"},
    [ARCHK_SYS_THREAD_EXIT] = {"thread_exit", sys_thread_exit, -1, 0, 0, "d"},
    [ARCHK_SYS_THREAD_JOIN] = {"thread_join", sys_thread_join, 0, ARCHK_OBJ_THREAD,
			       ARCHK_RIGHT_WAIT, "h"},
    [ARCHK_SYS_FUTEX_WAIT] = {"futex_wait", sys_futex_wait, -1, 0, 0, "xdd"},
    [ARCHK_SYS_FUTEX_WAKE] = {"futex_wake", sys_futex_wake, -1, 0, 0, "xd"},
    [ARCHK_SYS_SLEEP] = {"sleep", sys_sleep, -1, 0, 0, "d"},
    [ARCHK_SYS_PROCESS_KILL] = {"process_kill", sys_process_kill, 0, ARCHK_OBJ_PROCESS,
				ARCHK_RIGHT_DESTROY, "h"},
    [ARCHK_SYS_VMO_CREATE] = {"vmo_create", sys_vmo_create, -1, 0, 0, "x", 'h'},
    [ARCHK_SYS_VMO_READ] = {"vmo_read", sys_vmo_read, 0, ARCHK_OBJ_VMO, ARCHK_RIGHT_READ, "hxxx"},
    [ARCHK_SYS_VMO_WRITE] = {"vmo_write", sys_vmo_write, 0, ARCHK_OBJ_VMO, ARCHK_RIGHT_WRITE,
			     "hxxx"},
    [ARCHK_SYS_VMO_GET_SIZE] = {"vmo_get_size", sys_vmo_get_size, 0, ARCHK_OBJ_VMO,
				ARCHK_RIGHT_GET_PROPERTY, "h"},
    [ARCHK_SYS_VMO_MAP] = {"vmo_map", sys_vmo_map, 0, ARCHK_OBJ_VMO, ARCHK_RIGHT_MAP, "hxxx", 'x'},
    [ARCHK_SYS_VMO_UNMAP] = {"vmo_unmap", sys_vmo_unmap, -1, 0, 0, "xx"},
    [ARCHK_SYS_MEM_MAP_ANON] = {"mem_map_anon", sys_mem_map_anon, -1, 0, 0, "xx", 'x'},
    [ARCHK_SYS_MEM_UNMAP] = {"mem_unmap", sys_mem_unmap, -1, 0, 0, "xx"},
    [ARCHK_SYS_THREAD_SET_PRIORITY] = {"thread_set_priority", sys_thread_set_priority, 0,
				       ARCHK_OBJ_THREAD, ARCHK_RIGHT_MANAGE, "hddh"},
    [ARCHK_SYS_THREAD_SET_AFFINITY] = {"thread_set_affinity", sys_thread_set_affinity, 0,
				       ARCHK_OBJ_THREAD, ARCHK_RIGHT_MANAGE, "hx"},
    [ARCHK_SYS_THREAD_SELF] = {"thread_self", sys_thread_self, -1, 0, 0, "", 'h'},
    [ARCHK_SYS_VCPU_CURRENT] = {"vcpu_current", NULL, -1, 0, 0, "", .lockless = sys_vcpu_current},
    [ARCHK_SYS_EVENT_CREATE] = {"event_create", sys_event_create, -1, 0, 0, "", 'h'},
    [ARCHK_SYS_EVENTPAIR_CREATE] = {"eventpair_create", sys_eventpair_create, -1, 0, 0, "x"},
    [ARCHK_SYS_OBJECT_SIGNAL] = {"object_signal", sys_object_signal, 0, ARCHK_OBJ_NONE,
				 ARCHK_RIGHT_SIGNAL, "hxx"},
    [ARCHK_SYS_CHANNEL_CREATE] = {"channel_create", sys_channel_create, -1, 0, 0, "x"},
    [ARCHK_SYS_CHANNEL_WRITE] = {"channel_write", sys_channel_write, 0, ARCHK_OBJ_CHANNEL,
				 ARCHK_RIGHT_WRITE, "hxdxd", 0, true},
    [ARCHK_SYS_CHANNEL_READ] = {"channel_read", sys_channel_read, 0, ARCHK_OBJ_CHANNEL,
				ARCHK_RIGHT_READ, "hxdxdx"},
    [ARCHK_SYS_CHANNEL_CALL] = {"channel_call", sys_channel_call, 0, ARCHK_OBJ_CHANNEL,
				ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE, "hxdx"},
    [ARCHK_SYS_OBJECT_WAIT_ONE] = {"object_wait_one", sys_object_wait_one, 0, ARCHK_OBJ_NONE,
				   ARCHK_RIGHT_WAIT, "hxdx"},
    [ARCHK_SYS_OBJECT_WAIT_MANY] = {"object_wait_many", sys_object_wait_many, -1, 0, 0, "xdd"},
    [ARCHK_SYS_PORT_CREATE] = {"port_create", sys_port_create, -1, 0, 0, "", 'h'},
    [ARCHK_SYS_PORT_WAIT_ASYNC] = {"port_wait_async", sys_port_wait_async, 0, ARCHK_OBJ_PORT,
				   ARCHK_RIGHT_WRITE, "hhxx"},
    [ARCHK_SYS_PORT_WAIT] = {"port_wait", sys_port_wait, 0, ARCHK_OBJ_PORT, ARCHK_RIGHT_READ,
			     "hdx"},
    [ARCHK_SYS_ARENA_STATS] = {"arena_stats", sys_arena_stats, -1, 0, 0, "xd"},
    [ARCHK_SYS_IOQ_CREATE] = {"ioq_create", sys_ioq_create, -1, 0, 0, "x", 'h'},
    [ARCHK_SYS_IOQ_ENTER] = {"ioq_enter", sys_ioq_enter, 0, ARCHK_OBJ_IOQ,
			     ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE, "hdd"},
    [ARCHK_SYS_TABLE_CREATE] = {"table_create", sys_table_create, -1, 0, 0, "", 'h'},
    [ARCHK_SYS_TABLE_OBJECT_CREATE] = {"table_object_create", sys_table_object_create, 0,
				       ARCHK_OBJ_TABLE, ARCHK_RIGHT_MANAGE, "hxr", 'h'},
    [ARCHK_SYS_TABLE_RECEIVE] = {"table_receive", sys_table_receive, 0, ARCHK_OBJ_TABLE,
				 ARCHK_RIGHT_READ, "hxxdxd"},
    [ARCHK_SYS_TABLE_REPLY] = {"table_reply", sys_table_reply, 0, ARCHK_OBJ_TABLE,
			       ARCHK_RIGHT_WRITE, "hddxdh", 0, true},
    [ARCHK_SYS_PIPE_CREATE] = {"pipe_create", sys_pipe_create, -1, 0, 0, "x"},
    [ARCHK_SYS_DEVICE_INFO] = {"device_info", sys_device_info, 0, ARCHK_OBJ_DEVICE,
			       ARCHK_RIGHT_GET_PROPERTY, "hx"},
    [ARCHK_SYS_DEVICE_START] = {"device_start", sys_device_start, 0, ARCHK_OBJ_DEVICE,
				ARCHK_RIGHT_MAP, "hx", 'x'},
    [ARCHK_SYS_DEVICE_QUEUE] = {"device_queue", sys_device_queue, 0, ARCHK_OBJ_DEVICE,
				ARCHK_RIGHT_MAP, "hdx"},
    [ARCHK_SYS_DEVICE_NOTIFY] = {"device_notify", sys_device_notify, 0, ARCHK_OBJ_DEVICE,
				 ARCHK_RIGHT_SIGNAL, "hd"},
    [ARCHK_SYS_DEVICE_ACK] = {"device_ack", sys_device_ack, 0, ARCHK_OBJ_DEVICE, ARCHK_RIGHT_WAIT,
			      "h", 'x'},
};

static const char *const error_names[] = ARCHK_ERROR_NAMES;

_Static_assert(ARRAY_SIZE(error_names) == 1 - ARCHK_ERR_LAST, "error_names");

const char *error_name(long err)
{
	if (err <= 0 && err >= ARCHK_ERR_LAST)
		return error_names[-err];
	return "UNKNOWN";
}

long handle_check(struct process *p, archk_handle_t value, uint32_t type, uint32_t rights,
		  struct handle_entry **out)
{
	struct handle_entry *e = handle_lookup(&p->handles, value);

	if (!e)
		return ARCHK_ERR_HND_INVALID;
	if (type != ARCHK_OBJ_NONE && e->type != type)
		return ARCHK_ERR_WRONG_TYPE;
	if ((e->rights & rights) != rights)
		return ARCHK_ERR_ACCESS_DENIED;
	*out = e;
	return 0;
}

static void load_args(const struct guest_context *ctx, struct syscall_args *args)
{
	args->a[0] = ctx->rdi;
	args->a[1] = ctx->rsi;
	args->a[2] = ctx->rdx;
	args->a[3] = ctx->r10;
	args->a[4] = ctx->r8;
	args->a[5] = ctx->r9;
	args->obj = NULL;
	args->rights = 0;
}

/*
 * Runs the declared checks, then the handler. The call owns a reference to
 * the handle's object for as long as it runs: a handler may close the
 * handle (a ring CLOSE, a process ending itself) and go on using the object.
 */
static long dispatch(struct thread *t, const struct syscall_desc *d, struct syscall_args *args)
{
	struct handle_entry *e;
	long result;

	if (d->lockless)
		return d->lockless(t);
	if (d->handle_arg >= 0) {
		archk_handle_t h = (archk_handle_t)args->a[d->handle_arg];
		long err = d->rights == RIGHTS_OF_IO_OP
			       ? io_check(t->proc, h, args->a[0], &e)
			       : handle_check(t->proc, h, d->handle_type, d->rights, &e);

		if (err < 0)
			return err;
		args->obj = e->obj;
		args->rights = e->rights;
		object_ref(args->obj);
	}
	result = d->fn(t, args);
	if (args->obj)
		object_unref(args->obj);
	return result;
}

/* Is there such a call? */
static bool known(const struct syscall_desc *d)
{
	return d->fn || d->lockless;
}

void syscall_check_table(void)
{
	for (unsigned nr = 0; nr < ARCHK_SYS_COUNT; nr++) {
		const struct syscall_desc *d = &syscall_table[nr];

		KASSERT(!d->lockless || (!d->fn && d->handle_arg < 0 && !d->reply));
	}
}

LOCKLESS bool syscall_lockless(const struct vcpu *v, const struct thread *t, uint64_t nr,
			       long *result)
{
	const struct syscall_desc *d;

	if (nr >= ARCHK_SYS_COUNT || !(d = &syscall_table[nr])->lockless || kconfig.trace ||
	    debug_watches(t->proc))
		return false;
	/* The caller is v's own running thread: nothing can free it or move it meanwhile. */
	KASSERT(v->current == t && t->vcpu == v);
	*result = d->lockless(t);
	return true;
}

/*
 * The one entry for every call, from the trap or the gate. Wake-ups the call
 * makes are placed when it is over (sched_call_end); the result goes to the
 * guest unless the call blocked or ended the thread.
 */
void syscall_dispatch(struct thread *t, const struct guest_exit *exit)
{
	const struct syscall_desc *d = NULL;
	struct syscall_args args;
	uint64_t nr = exit->syscall_nr;
	long result = ARCHK_ERR_BAD_SYSCALL;

	ASSERT_LOCKED();
	KASSERT(t->state == THREAD_RUNNING && t->vcpu->current == t);
	t->syscall_nr = exit->foreign_abi ? UINT64_MAX : nr;
	t->call_via_gate = exit->via_gate;
	load_args(t->ctx, &args);
	if (!exit->foreign_abi && nr < ARCHK_SYS_COUNT && known(&syscall_table[nr]))
		d = &syscall_table[nr];
	sched_call_begin(t->vcpu);
	if (d)
		result = dispatch(t, d, &args);
	sched_call_end(t->vcpu, t, d && d->reply);
	if (t->state == THREAD_RUNNING)
		syscall_finish(t, result);
}

/* Appends to a trace line, never past its end. */
static void line_append(char *line, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void line_append(char *line, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = *used + (size_t)n < size ? *used + (size_t)n : size - 1;
}

static const char *clock_name(uint64_t clock)
{
	switch (clock) {
	case ARCHK_CLOCK_MONOTONIC:
		return "MONOTONIC";
	case ARCHK_CLOCK_REALTIME:
		return "REALTIME";
	default:
		return "?";
	}
}

/* Appends one argument decoded by its kind letter (see struct syscall_desc). */
static void trace_arg(char *line, size_t size, size_t *used, char kind, uint64_t v)
{
	switch (kind) {
	case 'd':
		line_append(line, size, used, "%ld", (long)v);
		break;
	case 'h':
		line_append(line, size, used, "h:%#x", (unsigned)v);
		break;
	case 'o':
		line_append(line, size, used, "%s", io_op_name(v));
		break;
	case 'c':
		line_append(line, size, used, "%s", clock_name(v));
		break;
	case 'r':
		line_append(line, size, used, "rights:%#lx", (unsigned long)v);
		break;
	default:
		line_append(line, size, used, "%#lx", (unsigned long)v);
	}
}

/* One strace-like line: process[koid:tid] name(args) = result. */
void syscall_trace(struct thread *t, const char *result)
{
	const struct guest_context *ctx = t->ctx;
	const uint64_t regs[6] = {ctx->rdi, ctx->rsi, ctx->rdx, ctx->r10, ctx->r8, ctx->r9};
	const struct syscall_desc *d = NULL;
	char line[512];
	size_t used = 0;

	if (t->syscall_nr < ARCHK_SYS_COUNT && known(&syscall_table[t->syscall_nr]))
		d = &syscall_table[t->syscall_nr];
	line_append(line, sizeof(line), &used, "trace: %s[%lu:%u] ", t->proc->name,
		    (unsigned long)t->proc->obj.koid, t->tid);
	if (d) {
		line_append(line, sizeof(line), &used, "%s(", d->name);
		for (int i = 0; d->args[i]; i++) {
			if (i)
				line_append(line, sizeof(line), &used, ", ");
			trace_arg(line, sizeof(line), &used, d->args[i], regs[i]);
		}
	} else {
		line_append(line, sizeof(line), &used, "syscall_%ld(", (long)t->syscall_nr);
	}
	line_append(line, sizeof(line), &used, ") = %s", result);
	klog(LOG_ERROR, "%s", line);
}

/* What t's current call returns on success, as struct syscall_desc's result (for --trace). */
static char result_kind(const struct thread *t)
{
	if (t->syscall_nr == ARCHK_SYS_DO_IO) {
		long op = io_op_decode(t->ctx->rdi, NULL);

		return op == ARCHK_IO_OPEN || op == ARCHK_IO_CREATE ? 'h' : 0;
	}
	return t->syscall_nr < ARCHK_SYS_COUNT ? syscall_table[t->syscall_nr].result : 0;
}

void syscall_finish(struct thread *t, long result)
{
	char text[48];

	t->ctx->rax = (uint64_t)result;
	if (!kconfig.trace)
		return;
	if (result < 0)
		snprintf(text, sizeof(text), "%ld %s", result, error_name(result));
	else if (result_kind(t) == 'h')
		snprintf(text, sizeof(text), "h:%#lx", (unsigned long)result);
	else if (result_kind(t) == 'x')
		snprintf(text, sizeof(text), "%#lx", (unsigned long)result);
	else
		snprintf(text, sizeof(text), "%ld", result);
	syscall_trace(t, text);
}
