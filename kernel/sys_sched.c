/*
 * Scheduling system calls: a thread's class, priority and affinity, and the
 * running vCPU (for tests of affinity). The real-time
 * class is a privilege: it needs a handle to the resource object, which init
 * receives as "resource" and nobody inherits unless given it.
 */
#include <string.h>
#include "syscall.h"

static struct object resource;

int resource_init(void)
{
	object_type_register_permanent(ARCHK_OBJ_RESOURCE, "resource");
	object_init(&resource, ARCHK_OBJ_RESOURCE);
	return 0;
}

struct object *resource_object(void)
{
	return &resource;
}

/* A changed thread takes its new place: queued ones move, running ones reschedule. */
static void reschedule(struct thread *t)
{
	if (t->state == THREAD_RUNNABLE) {
		sched_remove(t);
		sched_make_runnable(t);
	} else if (t->state == THREAD_RUNNING && t->vcpu) {
		t->vcpu->resched = true;
		if (t->vcpu->in_guest)
			hook_interrupt(t->vcpu);
	}
}

/* thread_set_priority(thread, class, priority, resource). */
long sys_thread_set_priority(struct thread *t, struct syscall_args *args)
{
	struct thread *target = (struct thread *)args->obj;
	uint64_t class = args->a[1], priority = args->a[2];
	struct handle_entry *res;
	long err;

	if (class > ARCHK_SCHED_IDLE || priority > ARCHK_PRIORITY_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if (class == ARCHK_SCHED_REALTIME) {
		err = handle_check(t->proc, (archk_handle_t)args->a[3], ARCHK_OBJ_RESOURCE,
				   ARCHK_RIGHT_MANAGE, &res);
		if (err < 0)
			return err;
	}
	target->sched_class = (uint8_t) class;
	target->priority = (int8_t)priority;
	target->boost = 0;
	reschedule(target);
	return 0;
}

/* thread_set_affinity(thread, mask): at least one existing vCPU. */
long sys_thread_set_affinity(struct thread *t, struct syscall_args *args)
{
	struct thread *target = (struct thread *)args->obj;
	unsigned n = sched_vcpu_count();
	uint64_t mask = args->a[1] & (n >= 64 ? UINT64_MAX : (1ULL << n) - 1);

	if (!mask)
		return ARCHK_ERR_INVALID_ARGS;
	target->affinity = mask;
	reschedule(target);
	return 0;
}

long sys_thread_self(struct thread *t, struct syscall_args *args)
{
	return handle_install(&t->proc->handles, &t->obj, ARCHK_RIGHTS_THREAD);
}

/* Lockless (syscall.h): only the vCPU running t sets t->vcpu, before entering it. */
LOCKLESS long sys_vcpu_current(const struct thread *t)
{
	return t->vcpu->id;
}
