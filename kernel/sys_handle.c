/*
 * Handle system calls. The dispatcher has already resolved and checked the
 * handle argument (args->handle).
 */
#include "syscall.h"

long sys_handle_close(struct thread *t, struct syscall_args *args)
{
	return handle_close(&t->proc->handles, (archk_handle_t)args->a[0]);
}

/* A copy with equal or fewer rights; never more. */
long sys_handle_duplicate(struct thread *t, struct syscall_args *args)
{
	uint32_t rights;
	long err = handle_rights_for_copy(args->handle->rights, (uint32_t)args->a[1], &rights);

	if (err < 0)
		return err;
	return handle_install(&t->proc->handles, args->handle->obj, rights);
}

long sys_handle_info(struct thread *t, struct syscall_args *args)
{
	struct archk_handle_info info = {
	    .type = args->handle->type,
	    .rights = args->handle->rights,
	    .koid = args->handle->obj->koid,
	};

	return copy_to_guest(t->proc, args->a[1], &info, sizeof(info));
}
