/*
 * Handle system calls. The dispatcher has already resolved and checked the
 * handle argument (args->obj, args->rights).
 */
#include <stdio.h>
#include "arena.h"
#include "syscall.h"

long sys_handle_close(struct thread *t, struct syscall_args *args)
{
	return handle_close(&t->proc->handles, (archk_handle_t)args->a[0]);
}

/* A copy with equal or fewer rights; never more. */
long sys_handle_duplicate(struct thread *t, struct syscall_args *args)
{
	uint32_t rights;
	long err = handle_rights_for_copy(args->rights, (uint32_t)args->a[1], &rights);

	if (err < 0)
		return err;
	return handle_install(&t->proc->handles, args->obj, rights);
}

long sys_handle_info(struct thread *t, struct syscall_args *args)
{
	struct archk_handle_info info = {
	    .type = args->obj->type,
	    .rights = args->rights,
	    .koid = args->obj->koid,
	};

	return copy_to_guest(t->proc, args->a[1], &info, sizeof(info));
}

/*
 * Installs handles to two new objects (each holding its creation reference,
 * which passes to the handles) with rights_a and rights_b, and writes their
 * values to out[0] and out[1], which the caller checked is writable. On
 * failure nothing is installed and both objects are destroyed.
 */
long handle_install_pair(struct thread *t, struct object *a, struct object *b, uint32_t rights_a,
			 uint32_t rights_b, uintptr_t out)
{
	archk_handle_t values[2];
	long va = handle_install(&t->proc->handles, a, rights_a);
	long vb = va < 0 ? va : handle_install(&t->proc->handles, b, rights_b);

	if (vb < 0 && va >= 0)
		handle_close(&t->proc->handles, (archk_handle_t)va);
	object_unref(a);
	object_unref(b);
	if (vb < 0)
		return vb;
	values[0] = (archk_handle_t)va;
	values[1] = (archk_handle_t)vb;
	return copy_to_guest(t->proc, out, values, sizeof(values));
}

/*
 * arena_stats(out, count): name, live slots and capacity of up to count
 * arenas; returns how many arenas there are. Lets tests check that every
 * object a test created is gone afterwards.
 */
long sys_arena_stats(struct thread *t, struct syscall_args *args)
{
	struct arena *a;
	uint64_t n = 0;
	long err;

	SLIST_FOREACH(a, &all_arenas, link) {
		if (n < args->a[1]) {
			struct archk_arena_stat st = {.live = a->live, .capacity = a->capacity};

			snprintf(st.name, sizeof(st.name), "%s", a->name);
			err = copy_to_guest(t->proc, args->a[0] + n * sizeof(st), &st, sizeof(st));
			if (err < 0)
				return err;
		}
		n++;
	}
	return (long)n;
}
