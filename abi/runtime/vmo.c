/*
 * Memory system call wrappers: VMOs and anonymous mappings (docs/abi.md,
 * "Memory objects and mappings"). Addresses come back as long so that an
 * error code and an address share one return value.
 */
#include <archk/runtime.h>

long archk_vmo_create(uint64_t size)
{
	return archk_syscall1(ARCHK_SYS_VMO_CREATE, (long)size);
}

long archk_vmo_read(archk_handle_t h, void *buf, size_t len, uint64_t offset)
{
	return archk_syscall6(ARCHK_SYS_VMO_READ, h, (long)buf, (long)len, (long)offset, 0, 0);
}

long archk_vmo_write(archk_handle_t h, const void *buf, size_t len, uint64_t offset)
{
	return archk_syscall6(ARCHK_SYS_VMO_WRITE, h, (long)buf, (long)len, (long)offset, 0, 0);
}

long archk_vmo_get_size(archk_handle_t h)
{
	return archk_syscall1(ARCHK_SYS_VMO_GET_SIZE, h);
}

long archk_vmo_map(archk_handle_t h, uint64_t offset, size_t len, uint32_t prot)
{
	return archk_syscall6(ARCHK_SYS_VMO_MAP, h, (long)offset, (long)len, prot, 0, 0);
}

long archk_vmo_unmap(void *addr, size_t len)
{
	return archk_syscall2(ARCHK_SYS_VMO_UNMAP, (long)addr, (long)len);
}

long archk_mem_map_anon(size_t len, uint32_t prot)
{
	return archk_syscall2(ARCHK_SYS_MEM_MAP_ANON, (long)len, prot);
}

long archk_mem_unmap(void *addr, size_t len)
{
	return archk_syscall2(ARCHK_SYS_MEM_UNMAP, (long)addr, (long)len);
}
