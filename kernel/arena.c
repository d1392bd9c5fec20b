/*
 * SLAB arenas: see arena.h. Slots are carved from one reservation made at
 * init; untouched slots cost no memory because the host reserves lazily.
 */
#include <string.h>
#include "arena.h"
#include "kernel.h"

struct arena_list all_arenas = SLIST_HEAD_INITIALIZER(all_arenas);

/* next_free value of an allocated slot. */
#define SLOT_IN_USE UINT32_MAX

/* Rounds slot sizes to 16 bytes so every object is aligned for any field. */
int arena_init(struct arena *a, const char *name, size_t slot_size, uint32_t capacity)
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->slot_size = ALIGN_UP(slot_size, 16);
	a->capacity = capacity;
	a->slots = hook_alloc_pages(a->slot_size * capacity);
	a->next_free = hook_alloc_pages(sizeof(uint32_t) * capacity);
	if (!a->slots || !a->next_free)
		return ARCHK_ERR_NO_MEMORY;
	SLIST_INSERT_HEAD(&all_arenas, a, link);
	return 0;
}

/* Prefers recycled slots, then fresh ones, so memory is touched only on demand. */
void *arena_alloc(struct arena *a)
{
	uint32_t index;

	if (a->free_head) {
		index = a->free_head - 1;
		a->free_head = a->next_free[index];
	} else if (a->high_water < a->capacity) {
		index = a->high_water++;
	} else {
		return NULL;
	}
	a->next_free[index] = SLOT_IN_USE;
	a->live++;
	return a->slots + (size_t)index * a->slot_size;
}

void arena_free(struct arena *a, void *slot)
{
	arena_free_used(a, slot, a->slot_size);
}

void arena_free_used(struct arena *a, void *slot, size_t used)
{
	uint32_t index = arena_index(a, slot);

	KASSERT(a->next_free[index] == SLOT_IN_USE && used <= a->slot_size);
	memset(slot, 0, used);
	a->next_free[index] = a->free_head;
	a->free_head = index + 1;
	a->live--;
}

uint32_t arena_index(const struct arena *a, const void *slot)
{
	size_t offset = (const uint8_t *)slot - a->slots;

	KASSERT(offset % a->slot_size == 0 && offset / a->slot_size < a->capacity);
	return (uint32_t)(offset / a->slot_size);
}

void *arena_next(const struct arena *a, uint32_t *index)
{
	for (; *index < a->high_water; (*index)++)
		if (a->next_free[*index] == SLOT_IN_USE)
			return a->slots + (size_t)(*index)++ * a->slot_size;
	return NULL;
}
