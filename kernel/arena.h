/*
 * Per-type SLAB arenas. Every kernel object type allocates fixed-size slots
 * from its own arena; a freed slot is wiped before reuse, so no object ever
 * sees another's stale contents. Each slot has a generation counter kept
 * outside the slot (the wipe cannot reset it) that advances on every free,
 * so a reference recorded as (slot, generation) detects reuse.
 */
#ifndef KERNEL_ARENA_H
#define KERNEL_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct arena {
	const char *name;
	size_t slot_size;
	uint32_t capacity;
	uint32_t live;	     /* slots currently allocated */
	uint32_t high_water; /* slots ever handed out (the rest are untouched) */
	uint32_t free_head;  /* index+1 of the first free slot, 0 if none */
	uint8_t *slots;
	uint32_t *next_free;  /* per slot: index+1 of the next free slot */
	uint32_t *generation; /* per slot, survives wiping */
	SLIST_ENTRY(arena) link;
};

/* Prepares an arena of capacity slots; 0 or ARCHK_ERR_NO_MEMORY. */
int arena_init(struct arena *a, const char *name, size_t slot_size, uint32_t capacity);
/* A zeroed slot, or NULL when the arena is full. */
void *arena_alloc(struct arena *a);
/* Wipes the slot and returns it; its generation advances. */
void arena_free(struct arena *a, void *slot);
uint32_t arena_index(const struct arena *a, const void *slot);
uint32_t arena_generation(const struct arena *a, const void *slot);
/* The live slot at index if its generation still matches, else NULL. */
void *arena_lookup(const struct arena *a, uint32_t index, uint32_t generation);

/* All arenas, for the leak checks of tests. */
SLIST_HEAD(arena_list, arena);
extern struct arena_list all_arenas;

#endif
