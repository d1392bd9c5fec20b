/*
 * System call wrappers, on archk_syscall0..6 (syscall_entry.S: the call gate
 * or the syscall instruction).
 */
#include <archk/runtime.h>

archk_koid_t archk_process_self(void)
{
	return (archk_koid_t)archk_syscall0(ARCHK_SYS_PROCESS_SELF);
}

void archk_process_exit(int code)
{
	archk_syscall1(ARCHK_SYS_PROCESS_EXIT, code);
	__builtin_unreachable();
}

long archk_yield(void)
{
	return archk_syscall0(ARCHK_SYS_YIELD);
}

int64_t archk_clock_get(int clock)
{
	return archk_syscall1(ARCHK_SYS_CLOCK_GET, clock);
}

long archk_handle_close(archk_handle_t h)
{
	return archk_syscall1(ARCHK_SYS_HANDLE_CLOSE, h);
}

long archk_handle_duplicate(archk_handle_t h, uint32_t rights)
{
	return archk_syscall2(ARCHK_SYS_HANDLE_DUPLICATE, h, rights);
}

long archk_handle_info(archk_handle_t h, struct archk_handle_info *info)
{
	return archk_syscall2(ARCHK_SYS_HANDLE_INFO, h, (long)info);
}

long archk_do_io(int op, archk_handle_t h, long a0, long a1, long a2, long a3)
{
	return archk_syscall6(ARCHK_SYS_DO_IO, op, h, a0, a1, a2, a3);
}

long archk_read(archk_handle_t h, void *buf, size_t len)
{
	return archk_do_io(ARCHK_IO_READ, h, (long)buf, (long)len, (long)ARCHK_IO_OFFSET_CURRENT,
			   0);
}

long archk_write(archk_handle_t h, const void *buf, size_t len)
{
	return archk_do_io(ARCHK_IO_WRITE, h, (long)buf, (long)len, (long)ARCHK_IO_OFFSET_CURRENT,
			   0);
}

long archk_pread(archk_handle_t h, void *buf, size_t len, uint64_t offset)
{
	return archk_do_io(ARCHK_IO_READ, h, (long)buf, (long)len, (long)offset, 0);
}

long archk_open(archk_handle_t dir, const char *path, uint32_t rights)
{
	return archk_do_io(ARCHK_IO_OPEN, dir, (long)path, (long)strlen(path), rights, 0);
}

long archk_open_path(const char *path, uint32_t rights)
{
	const char *pwd = archk_getenv("PWD");
	char *full = archk_path_resolve(pwd && pwd[0] == '/' ? pwd : "/", path);
	long h;

	if (!full)
		return ARCHK_ERR_NO_MEMORY;
	h = archk_open(archk_handle_named("root"), full + 1, rights);
	free(full);
	return h;
}

long archk_get_meta(archk_handle_t h, struct archk_meta *meta)
{
	return archk_do_io(ARCHK_IO_GET_META, h, (long)meta, 0, 0, 0);
}

long archk_process_spawn(archk_handle_t spawner, const struct archk_spawn_args *args)
{
	return archk_syscall2(ARCHK_SYS_PROCESS_SPAWN, spawner, (long)args);
}

long archk_process_wait(archk_handle_t process, struct archk_exit_status *status)
{
	return archk_syscall2(ARCHK_SYS_PROCESS_WAIT, process, (long)status);
}
