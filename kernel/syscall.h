/*
 * System call dispatch. syscall.c holds the one table from call number to
 * handler, each entry declaring which argument is a handle and the object
 * type and rights it must have; the dispatcher checks them before any
 * handler runs, so no handler can forget a check.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include "exec.h"
#include "futex.h"
#include "scheduler.h"
#include "vm.h"

/*
 * A call's arguments, and its checked handle argument if it has one: the
 * object (referenced by the dispatcher until the call returns, so it stays
 * valid even if the call closes the handle) and the handle's rights.
 */
struct syscall_args {
	uint64_t a[6];
	struct object *obj;
	uint32_t rights;
};

typedef long (*syscall_fn)(struct thread *t, struct syscall_args *args);

/*
 * A lockless call reads only what cannot change while its caller runs (its
 * process's koid, the id of the vCPU running it) and changes nothing. The
 * call gate serves it without the kernel lock and without loading archk's FS
 * base (syscall_lockless), so its handler gets the caller read-only and no
 * arguments, takes no lock, and uses no thread-local storage (LOCKLESS: no
 * stack protector either, whose canary lives there). The table's entry for
 * such a call names its handler in .lockless, never in .fn, and takes no
 * handle (syscall_check_table asserts both at boot).
 */
typedef long (*syscall_lockless_fn)(const struct thread *t);
#define LOCKLESS __attribute__((no_stack_protector))

/* Serves the call t made (exit says which); the kernel lock is held. */
void syscall_dispatch(struct thread *t, const struct guest_exit *exit);
/*
 * Serves call nr of t, the thread running on v, if it is a lockless call and
 * nothing has to see it (no --trace, no debugger on t's process): true, with
 * the result in *result. Called by the call gate on v without the lock and
 * with the guest's FS base loaded; false sends the call the locked way.
 */
LOCKLESS bool syscall_lockless(const struct vcpu *v, const struct thread *t, uint64_t nr,
			       long *result);
/* Checks the rules of lockless calls against the table (at boot). */
void syscall_check_table(void);
/* Stores a call's result in the guest's rax (and traces it). */
void syscall_finish(struct thread *t, long result);
/*
 * The handle check every call goes through: value must be a live handle of p,
 * of the given type (ARCHK_OBJ_NONE: any) and carry all of rights.
 */
long handle_check(struct process *p, archk_handle_t value, uint32_t type, uint32_t rights,
		  struct handle_entry **out);
const char *error_name(long err);
/* Prints the --trace line of t's current call with result already formatted. */
void syscall_trace(struct thread *t, const char *result);

/* Handlers (sys_proc.c, sys_handle.c, sys_vmo.c, io.c). */
LOCKLESS long sys_process_self(const struct thread *t);
long sys_process_exit(struct thread *t, struct syscall_args *args);
long sys_yield(struct thread *t, struct syscall_args *args);
long sys_clock_get(struct thread *t, struct syscall_args *args);
long sys_handle_close(struct thread *t, struct syscall_args *args);
long sys_handle_duplicate(struct thread *t, struct syscall_args *args);
long sys_handle_info(struct thread *t, struct syscall_args *args);
long sys_do_io(struct thread *t, struct syscall_args *args);
long sys_process_spawn(struct thread *t, struct syscall_args *args);
long sys_process_wait(struct thread *t, struct syscall_args *args);
long sys_process_kill(struct thread *t, struct syscall_args *args);
long sys_thread_create(struct thread *t, struct syscall_args *args);
long sys_thread_start(struct thread *t, struct syscall_args *args);
long sys_thread_exit(struct thread *t, struct syscall_args *args);
long sys_thread_join(struct thread *t, struct syscall_args *args);
long sys_futex_wait(struct thread *t, struct syscall_args *args);
long sys_futex_wake(struct thread *t, struct syscall_args *args);
long sys_sleep(struct thread *t, struct syscall_args *args);
long sys_vmo_create(struct thread *t, struct syscall_args *args);
long sys_vmo_read(struct thread *t, struct syscall_args *args);
long sys_vmo_write(struct thread *t, struct syscall_args *args);
long sys_vmo_get_size(struct thread *t, struct syscall_args *args);
long sys_vmo_map(struct thread *t, struct syscall_args *args);
long sys_vmo_unmap(struct thread *t, struct syscall_args *args);
long sys_mem_map_anon(struct thread *t, struct syscall_args *args);
long sys_mem_unmap(struct thread *t, struct syscall_args *args);

long sys_thread_set_priority(struct thread *t, struct syscall_args *args);
long sys_thread_set_affinity(struct thread *t, struct syscall_args *args);
long sys_thread_self(struct thread *t, struct syscall_args *args);
LOCKLESS long sys_vcpu_current(const struct thread *t);

long sys_event_create(struct thread *t, struct syscall_args *args);
long sys_eventpair_create(struct thread *t, struct syscall_args *args);
long sys_object_signal(struct thread *t, struct syscall_args *args);
long sys_channel_create(struct thread *t, struct syscall_args *args);
long sys_channel_write(struct thread *t, struct syscall_args *args);
long sys_channel_read(struct thread *t, struct syscall_args *args);
long sys_channel_call(struct thread *t, struct syscall_args *args);
long sys_object_wait_one(struct thread *t, struct syscall_args *args);
long sys_object_wait_many(struct thread *t, struct syscall_args *args);
long sys_port_create(struct thread *t, struct syscall_args *args);
long sys_port_wait_async(struct thread *t, struct syscall_args *args);
long sys_port_wait(struct thread *t, struct syscall_args *args);
long sys_arena_stats(struct thread *t, struct syscall_args *args);
long sys_ioq_create(struct thread *t, struct syscall_args *args);
long sys_ioq_enter(struct thread *t, struct syscall_args *args);
long sys_table_create(struct thread *t, struct syscall_args *args);
long sys_table_object_create(struct thread *t, struct syscall_args *args);
long sys_table_receive(struct thread *t, struct syscall_args *args);
long sys_table_reply(struct thread *t, struct syscall_args *args);
long sys_device_info(struct thread *t, struct syscall_args *args);
long sys_device_start(struct thread *t, struct syscall_args *args);
long sys_device_queue(struct thread *t, struct syscall_args *args);
long sys_device_notify(struct thread *t, struct syscall_args *args);
long sys_device_ack(struct thread *t, struct syscall_args *args);

/* sys_handle.c: handles to two new objects, written to the guest's out[2]. */
long handle_install_pair(struct thread *t, struct object *a, struct object *b, uint32_t rights_a,
			 uint32_t rights_b, uintptr_t out);

/* Boot-time set-up of sys_wait.c, event.c, channel.c, port.c. */
int waiter_init(void);
int event_init(void);
/* event.c: a new event with no signals and one reference (the caller's), or NULL. */
struct object *event_new(void);
int channel_init(void);
int port_init(void);

/* futex.c */
int futex_init(void);
/* sys_proc.c: the process table behind the "process" handle */
int spawner_init(void);
struct object *spawner_object(void);
/* sys_sched.c: the privilege object behind init's "resource" handle */
int resource_init(void);
struct object *resource_object(void);

/*
 * io.c: do_io's op argument holds the operation in bits 0..15 and the
 * number of handles passed with it in bits 16..23 (ARCHK_IO_WITH_HANDLES);
 * the rest must be 0. Returns the operation, ARCHK_ERR_INVALID_ARGS if the
 * word is bad; *handle_count gets the count (may be NULL).
 */
long io_op_decode(uint64_t word, uint32_t *handle_count);
/*
 * The check of every I/O operation, from do_io or a ring: h must be a live
 * handle of p with the rights op needs. A bad handle is reported before a
 * bad operation.
 */
long io_check(struct process *p, archk_handle_t h, uint64_t op, struct handle_entry **out);
const char *io_op_name(uint64_t op_word);

#endif
