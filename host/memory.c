/*
 * Host memory: the guest arena reservation, partitions (commit, decommit,
 * protect) and page allocations for kernel tables.
 *
 * The arena is one PROT_NONE, MAP_NORESERVE reservation at a fixed address.
 * A partition is committed as fresh anonymous memory over its slot, with
 * transparent huge pages requested so that mprotect on it stays cheap
 * (docs/performance.md); decommitting maps PROT_NONE over it again, which
 * frees the memory and guarantees the next user starts from zeros.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "host.h"

#define RESERVE_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

int memory_init(void)
{
	void *p = mmap((void *)ARENA_BASE, ARENA_SIZE, PROT_NONE,
		       RESERVE_FLAGS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "archk: cannot reserve the guest arena at %#lx (%lu GiB): %s\n",
			ARENA_BASE, ARENA_SIZE >> 30, strerror(errno));
		return -1;
	}
	return 0;
}

void *hook_alloc_pages(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, RESERVE_FLAGS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void hook_free_pages(void *ptr, size_t bytes)
{
	munmap(ptr, bytes);
}

int hook_commit(uintptr_t addr, size_t len)
{
	void *p = mmap((void *)addr, len, PROT_READ | PROT_WRITE, RESERVE_FLAGS | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	if (host_opts.huge_pages)
		madvise(p, len, MADV_HUGEPAGE);
	return 0;
}

void hook_decommit(uintptr_t addr, size_t len)
{
	if (mmap((void *)addr, len, PROT_NONE, RESERVE_FLAGS | MAP_FIXED, -1, 0) == MAP_FAILED)
		kpanic("cannot release partition at %#lx", (unsigned long)addr);
}

void hook_protect(uintptr_t addr, size_t len, int prot)
{
	int host = (prot & HOOK_PROT_READ ? PROT_READ : 0) |
		   (prot & HOOK_PROT_WRITE ? PROT_WRITE : 0) |
		   (prot & HOOK_PROT_EXEC ? PROT_EXEC : 0);

	if (mprotect((void *)addr, len, host) < 0)
		kpanic("mprotect(%#lx, %zu) failed", (unsigned long)addr, len);
}
