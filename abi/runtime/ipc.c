/*
 * Signals and IPC: wrappers for events, event pairs, channels, waiting and
 * ports (docs/abi.md, "IPC").
 */
#include <archk/runtime.h>

long archk_event_create(void)
{
	return archk_syscall0(ARCHK_SYS_EVENT_CREATE);
}

long archk_eventpair_create(archk_handle_t out[2])
{
	return archk_syscall1(ARCHK_SYS_EVENTPAIR_CREATE, (long)out);
}

long archk_object_signal(archk_handle_t h, uint32_t clear, uint32_t set)
{
	return archk_syscall3(ARCHK_SYS_OBJECT_SIGNAL, h, clear, set);
}

long archk_channel_create(archk_handle_t out[2])
{
	return archk_syscall1(ARCHK_SYS_CHANNEL_CREATE, (long)out);
}

long archk_channel_write(archk_handle_t h, const void *bytes, uint32_t nbytes,
			 const archk_handle_t *handles, uint32_t nhandles)
{
	return archk_syscall6(ARCHK_SYS_CHANNEL_WRITE, h, (long)bytes, nbytes, (long)handles,
			      nhandles, 0);
}

long archk_channel_read(archk_handle_t h, void *bytes, uint32_t nbytes, archk_handle_t *handles,
			uint32_t nhandles, struct archk_channel_actual *actual)
{
	return archk_syscall6(ARCHK_SYS_CHANNEL_READ, h, (long)bytes, nbytes, (long)handles,
			      nhandles, (long)actual);
}

long archk_channel_call(archk_handle_t h, const struct archk_channel_call_args *args,
			int64_t deadline, struct archk_channel_actual *actual)
{
	return archk_syscall6(ARCHK_SYS_CHANNEL_CALL, h, (long)args, deadline, (long)actual, 0, 0);
}

long archk_object_wait_one(archk_handle_t h, uint32_t signals, int64_t deadline, uint32_t *observed)
{
	return archk_syscall6(ARCHK_SYS_OBJECT_WAIT_ONE, h, signals, deadline, (long)observed, 0,
			      0);
}

long archk_object_wait_many(struct archk_wait_item *items, uint32_t count, int64_t deadline)
{
	return archk_syscall3(ARCHK_SYS_OBJECT_WAIT_MANY, (long)items, count, deadline);
}

long archk_pipe_create(archk_handle_t out[2])
{
	return archk_syscall1(ARCHK_SYS_PIPE_CREATE, (long)out);
}

long archk_port_create(void)
{
	return archk_syscall0(ARCHK_SYS_PORT_CREATE);
}

long archk_port_wait_async(archk_handle_t port, archk_handle_t h, uint64_t key, uint32_t signals)
{
	return archk_syscall6(ARCHK_SYS_PORT_WAIT_ASYNC, port, h, (long)key, signals, 0, 0);
}

long archk_port_wait(archk_handle_t port, int64_t deadline, struct archk_port_packet *packet)
{
	return archk_syscall3(ARCHK_SYS_PORT_WAIT, port, deadline, (long)packet);
}

long archk_arena_stats(struct archk_arena_stat *out, uint32_t count)
{
	return archk_syscall2(ARCHK_SYS_ARENA_STATS, (long)out, count);
}
