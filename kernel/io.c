/*
 * do_io: the synchronous level of the object interface. The rights each
 * operation needs are declared once here and checked by the syscall
 * dispatcher before the object's handler runs.
 */
#include "io.h"
#include "syscall.h"

struct io_op_desc {
	const char *name;
	uint32_t rights;
};

static const struct io_op_desc io_ops[ARCHK_IO_OP_COUNT] = {
    [ARCHK_IO_READ] = {"READ", ARCHK_RIGHT_READ},
    [ARCHK_IO_WRITE] = {"WRITE", ARCHK_RIGHT_WRITE},
    [ARCHK_IO_OPEN] = {"OPEN", ARCHK_RIGHT_ENUMERATE},
    [ARCHK_IO_CREATE] = {"CREATE", ARCHK_RIGHT_WRITE},
    [ARCHK_IO_DESTROY] = {"DESTROY", ARCHK_RIGHT_DESTROY},
    [ARCHK_IO_GET_META] = {"GET_META", ARCHK_RIGHT_GET_PROPERTY},
    [ARCHK_IO_SET_META] = {"SET_META", ARCHK_RIGHT_SET_PROPERTY},
    [ARCHK_IO_SEEK] = {"SEEK", 0},
    [ARCHK_IO_SHARE] = {"SHARE", ARCHK_RIGHT_TRANSFER},
    [ARCHK_IO_CLOSE] = {"CLOSE", 0},
    [ARCHK_IO_CANCEL] = {"CANCEL", 0},
};

static io_handler io_handlers[ARCHK_OBJ_TYPE_COUNT][ARCHK_IO_OP_COUNT];

void io_register(uint32_t type, int op, io_handler fn)
{
	KASSERT(type < ARCHK_OBJ_TYPE_COUNT && op >= 0 && op < ARCHK_IO_OP_COUNT);
	io_handlers[type][op] = fn;
}

long io_op_rights(uint64_t op)
{
	if (op >= ARCHK_IO_OP_COUNT)
		return ARCHK_ERR_INVALID_ARGS;
	return io_ops[op].rights;
}

const char *io_op_name(uint64_t op)
{
	return op < ARCHK_IO_OP_COUNT ? io_ops[op].name : "?";
}

long sys_do_io(struct thread *t, struct syscall_args *args)
{
	io_handler fn = io_handlers[args->handle->type][args->a[0]];

	if (!fn)
		return ARCHK_ERR_NOT_SUPPORTED;
	return fn(t, args->handle, &args->a[2]);
}

void kernel_io_done(void *token, long result)
{
	struct io_token *io = token;

	hook_lock();
	io->complete(io, result);
	hook_unlock();
}
