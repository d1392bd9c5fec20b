/*
 * Memory objects (VMOs): page-aligned, zero-filled memory owned by the
 * kernel, of a size fixed at creation. The host backs each one with shared
 * memory (hook_shared_create) that the kernel reads and writes through its
 * own view and that vm.c maps into partitions, so every mapping of a VMO,
 * in any process, shows the same pages. Handles and mappings each hold a
 * reference; the memory is freed with the last one.
 */
#ifndef KERNEL_VMO_H
#define KERNEL_VMO_H

#include "object.h"

struct vmo {
	struct object obj;
	size_t size;   /* a multiple of the page size, at most ARCHK_VMO_SIZE_MAX */
	int backing;   /* the host's id for the memory */
	uint8_t *view; /* the kernel's mapping of all of it */
};

/* Limits of the whole system: VMO objects and the bytes they may hold. */
#define VMO_MAX		512
#define VMO_TOTAL_BYTES (4ul << 30)

static inline struct vmo *vmo_from_object(struct object *o)
{
	return (struct vmo *)o;
}

int vmo_init(void);
/* Registers the do_io handlers of VMOs (sys_vmo.c). */
int vmo_io_init(void);
/*
 * A new VMO of size bytes rounded up to pages, with one reference: 0, or
 * INVALID_ARGS (size 0 or above ARCHK_VMO_SIZE_MAX) or NO_MEMORY (a system
 * limit, or the host refused the memory).
 */
long vmo_create(uint64_t size, struct vmo **out);

#endif
