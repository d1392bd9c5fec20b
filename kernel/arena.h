/*
 * Per-type SLAB arenas. Every kernel object type allocates fixed-size slots
 * from its own arena; a freed slot is wiped before reuse, so no object ever
 * sees another's stale contents. (Stale references from guests are caught
 * by handle generations, kept in the handle table: handle.h.)
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
	uint32_t *next_free; /* per slot: index+1 of the next free slot */
	SLIST_ENTRY(arena) link;
};

/* Prepares an arena of capacity slots; 0 or ARCHK_ERR_NO_MEMORY. */
int arena_init(struct arena *a, const char *name, size_t slot_size, uint32_t capacity);
/* A zeroed slot, or NULL when the arena is full. */
void *arena_alloc(struct arena *a);
/* Wipes the slot and returns it; its generation advances. */
void arena_free(struct arena *a, void *slot);
/*
 * arena_free for a slot of which only the first used bytes were ever
 * written (the rest are still the zeros arena_alloc gave): only those are
 * wiped. A 64 KiB staging buffer that carried 4 KiB costs a 4 KiB wipe.
 */
void arena_free_used(struct arena *a, void *slot, size_t used);
/* The slot's position in its arena (a slot of a it must be). */
uint32_t arena_index(const struct arena *a, const void *slot);

/* The first allocated slot at index *index or later (*index moves past it), or NULL. */
void *arena_next(const struct arena *a, uint32_t *index);

/* All arenas, for the leak checks of tests. */
SLIST_HEAD(arena_list, arena);
extern struct arena_list all_arenas;

#endif
