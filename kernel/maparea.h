/*
 * The mapping window of a partition: a fixed range of guest addresses in
 * which vmo_map and mem_map_anon place mappings. This is only bookkeeping
 * (which page ranges are taken, with what protection and backing object);
 * vm.c makes the host mappings. Pure logic, unit-tested in tests/unit.
 */
#ifndef KERNEL_MAPAREA_H
#define KERNEL_MAPAREA_H

#include <stddef.h>
#include <stdint.h>
#include <archk/syscall.h>

struct object;

struct mapping {
	uintptr_t start;
	size_t len;	    /* a multiple of the page size */
	int prot;	    /* HOOK_PROT_* */
	struct object *obj; /* the VMO it shows (referenced), NULL for anonymous memory */
	size_t offset;	    /* where in the VMO it starts */
};

struct map_area {
	uintptr_t base;
	size_t size;
	size_t mapped;	/* bytes of all mappings */
	unsigned count; /* mappings, sorted by start in maps[] */
	struct mapping maps[ARCHK_MAPPINGS_MAX];
};

/* Starts an empty window over [base, base+size). */
void map_area_init(struct map_area *a, uintptr_t base, size_t size);
/*
 * Takes the lowest free range of len bytes (page-aligned, non-zero) and
 * returns its index in maps[] (start set, the rest zero), or -1 when the
 * window has no such gap or holds ARCHK_MAPPINGS_MAX mappings.
 */
int map_area_reserve(struct map_area *a, size_t len);
/* Index of the mapping that holds all of [addr, addr+len), or -1. */
int map_area_find(const struct map_area *a, uintptr_t addr, size_t len);
/* Forgets mapping index; later indices shift down by one. */
void map_area_remove(struct map_area *a, unsigned index);

#endif
