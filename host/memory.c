/*
 * Host memory: the guest arena reservation, partitions (commit, decommit,
 * protect) and page allocations for kernel tables.
 *
 * The arena is one PROT_NONE, MAP_NORESERVE reservation at a fixed address.
 * A partition is committed as fresh anonymous memory over its slot, with
 * transparent huge pages requested so that mprotect on it stays cheap
 * (docs/performance.md); the ELF loader then maps read-only segments from
 * the image file over parts of it. Decommitting maps PROT_NONE over the whole
 * slot again, which frees the memory, drops those file mappings and
 * guarantees the next user starts from zeros. hook_recycle frees a
 * partition the same way but keeps the huge pages of a few blocks, zeroed in
 * place, for the next partition in the slot (hook_commit_recycled).
 *
 * VMOs are memfds: the kernel keeps one MAP_SHARED view of each, and a
 * mapping into a partition is another MAP_SHARED mapping of the same file
 * over part of the slot, so all of them show the same pages. The memfd
 * stays open while the VMO lives (its id is the descriptor); the kernel
 * bounds the number of VMOs (kernel/vmo.h) well below the descriptor limit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "host.h"

#define RESERVE_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
#define HUGE_BLOCK    (2UL << 20)
#define SMALL_PAGE    4096UL
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#endif

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

/*
 * Zeroes the 2 MiB block at addr (read-write now) in place if it is wholly
 * backed by one huge page: what a first touch in the next partition would
 * have cost (a fresh huge page, zeroed by Linux), minus allocating and
 * freeing it. mincore says every page is there; MADV_COLLAPSE makes sure it
 * is one huge page (a no-op, about a microsecond, when it is one already),
 * since 512 small pages handed on would make every later mprotect of the
 * region walk them. Without MADV_COLLAPSE (Linux < 6.1) nothing is kept.
 */
static bool keep_block(uintptr_t addr)
{
	unsigned char present[HUGE_BLOCK / SMALL_PAGE];

	if (mincore((void *)addr, HUGE_BLOCK, present) < 0)
		return false;
	for (size_t i = 0; i < sizeof(present); i++)
		if (!(present[i] & 1))
			return false;
	if (madvise((void *)addr, HUGE_BLOCK, MADV_COLLAPSE) < 0)
		return false;
	memset((void *)addr, 0, HUGE_BLOCK);
	return true;
}

unsigned hook_recycle(uintptr_t addr, size_t len, const uintptr_t *blocks, unsigned count)
{
	uintptr_t from = addr;
	unsigned kept = 0;

	for (unsigned i = 0; host_opts.huge_pages && i < count; i++)
		if (keep_block(blocks[i]))
			kept |= 1u << i;
	if (!kept)
		return 0; /* the caller decommits the whole partition */
	for (unsigned i = 0; i < count; i++) {
		if (!(kept & 1u << i))
			continue;
		if (blocks[i] > from)
			hook_decommit(from, blocks[i] - from);
		hook_protect(blocks[i], HUGE_BLOCK, 0);
		from = blocks[i] + HUGE_BLOCK;
	}
	if (from < addr + len)
		hook_decommit(from, addr + len - from);
	return kept;
}

int hook_commit_recycled(uintptr_t addr, size_t len)
{
	if (mprotect((void *)addr, len, PROT_READ | PROT_WRITE) < 0)
		return -1;
	if (host_opts.huge_pages)
		madvise((void *)addr, len, MADV_HUGEPAGE);
	return 0;
}

/* HOOK_PROT_* bits as mmap's PROT_* bits. */
static int host_prot(int prot)
{
	return (prot & HOOK_PROT_READ ? PROT_READ : 0) | (prot & HOOK_PROT_WRITE ? PROT_WRITE : 0) |
	       (prot & HOOK_PROT_EXEC ? PROT_EXEC : 0);
}

void hook_protect(uintptr_t addr, size_t len, int prot)
{
	if (mprotect((void *)addr, len, host_prot(prot)) < 0)
		kpanic("mprotect(%#lx, %zu) failed", (unsigned long)addr, len);
}

/* A fresh memfd is all zeros; its pages are allocated when first touched. */
int hook_shared_create(size_t len, void **view)
{
	int fd = memfd_create("archk-vmo", MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)len) < 0 ||
	    (p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		close(fd);
		return -1;
	}
	*view = p;
	return fd;
}

void hook_shared_destroy(int id, void *view, size_t len)
{
	munmap(view, len);
	close(id);
}

int hook_shared_map(int id, size_t offset, uintptr_t addr, size_t len, int prot)
{
	void *p =
	    mmap((void *)addr, len, host_prot(prot), MAP_SHARED | MAP_FIXED, id, (off_t)offset);

	return p == MAP_FAILED ? -1 : 0;
}
