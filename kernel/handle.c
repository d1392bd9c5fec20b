/*
 * Handle tables: see handle.h.
 *
 * A handle value is scramble(generation << HANDLE_INDEX_BITS | index). The
 * scramble is a keyed bijection on 32 bits (xor, multiply by an odd key,
 * xorshift), so decoding is exact and a value from another process, whose keys
 * differ, decodes to an unrelated slot and generation.
 */
#include <string.h>
#include "handle.h"

#define INDEX_MASK (HANDLES_PER_PROCESS - 1)

/* Inverse of x -> x ^ (x >> shift). */
static uint32_t unxorshift(uint32_t y, unsigned shift)
{
	uint32_t x = y;

	for (unsigned s = shift; s < 32; s += shift)
		x ^= y >> s;
	return x;
}

/* Multiplicative inverse of an odd number modulo 2^32 (Newton's iteration). */
static uint32_t inverse_odd(uint32_t a)
{
	uint32_t x = a;

	for (int i = 0; i < 5; i++)
		x *= 2 - a * x;
	return x;
}

static uint32_t scramble(const struct handle_table *t, uint32_t raw)
{
	uint32_t x = raw ^ t->key[0];

	x *= t->key[1];
	x ^= x >> 16;
	return x ^ t->key[2];
}

static uint32_t unscramble(const struct handle_table *t, uint32_t value)
{
	uint32_t x = unxorshift(value ^ t->key[2], 16);

	x *= inverse_odd(t->key[1]);
	return x ^ t->key[0];
}

/*
 * Entry arrays of destroyed tables, zeroed again where they were used, for
 * the next processes: a spawn then maps, touches and unmaps no memory for
 * its table.
 */
#define CACHED_TABLES 16
static struct handle_entry *cached[CACHED_TABLES];
static unsigned cached_count;

int handle_table_init(struct handle_table *table, struct process *owner)
{
	memset(table, 0, sizeof(*table));
	table->entries = cached_count
			     ? cached[--cached_count]
			     : hook_alloc_pages(sizeof(struct handle_entry) * HANDLES_PER_PROCESS);
	if (!table->entries)
		return ARCHK_ERR_NO_MEMORY;
	table->owner = owner;
	hook_random(table->key, sizeof(table->key));
	table->key[1] |= 1;
	return 0;
}

void handle_table_destroy(struct handle_table *table)
{
	for (uint32_t i = 0; i < table->used; i++) {
		struct handle_entry *e = &table->entries[i];

		if (e->obj) {
			struct object *obj = e->obj;

			e->obj = NULL;
			object_unref(obj);
		}
	}
	if (cached_count < CACHED_TABLES) {
		memset(table->entries, 0, sizeof(struct handle_entry) * table->used);
		cached[cached_count++] = table->entries;
	} else {
		hook_free_pages(table->entries, sizeof(struct handle_entry) * HANDLES_PER_PROCESS);
	}
	table->entries = NULL;
}

static uint32_t encode(const struct handle_table *t, uint32_t index, uint32_t generation)
{
	return scramble(t, generation << HANDLE_INDEX_BITS | index);
}

/* Advances the slot's generation until its value is non-zero (0 means invalid). */
long handle_install(struct handle_table *table, struct object *obj, uint32_t rights)
{
	struct handle_entry *e;
	uint32_t index;

	if (table->free_head) {
		index = table->free_head - 1;
		table->free_head = table->entries[index].next_free;
	} else if (table->used < HANDLES_PER_PROCESS) {
		index = table->used++;
	} else {
		return ARCHK_ERR_NO_MEMORY;
	}
	e = &table->entries[index];
	do
		e->generation = (e->generation + 1) & (UINT32_MAX >> HANDLE_INDEX_BITS);
	while (encode(table, index, e->generation) == ARCHK_HANDLE_INVALID);
	e->obj = obj;
	e->type = obj->type;
	e->rights = rights;
	e->owner = table->owner;
	object_ref(obj);
	table->count++;
	return encode(table, index, e->generation);
}

struct handle_entry *handle_lookup(struct handle_table *table, archk_handle_t value)
{
	uint32_t raw = unscramble(table, value);
	uint32_t index = raw & INDEX_MASK;
	struct handle_entry *e;

	if (value == ARCHK_HANDLE_INVALID || index >= table->used)
		return NULL;
	e = &table->entries[index];
	if (!e->obj || e->generation != raw >> HANDLE_INDEX_BITS || e->owner != table->owner)
		return NULL;
	return e;
}

struct object *handle_take(struct handle_table *table, archk_handle_t value, uint32_t *rights)
{
	struct handle_entry *e = handle_lookup(table, value);
	struct object *obj;

	if (!e)
		return NULL;
	obj = e->obj;
	*rights = e->rights;
	e->obj = NULL;
	e->rights = 0;
	e->type = ARCHK_OBJ_NONE;
	e->next_free = table->free_head;
	table->free_head = (uint32_t)(e - table->entries) + 1;
	table->count--;
	return obj;
}

int handle_close(struct handle_table *table, archk_handle_t value)
{
	uint32_t rights;
	struct object *obj = handle_take(table, value, &rights);

	if (!obj)
		return ARCHK_ERR_HND_INVALID;
	object_unref(obj);
	return 0;
}

int handle_rights_for_copy(uint32_t have, uint32_t requested, uint32_t *out)
{
	if (requested == ARCHK_RIGHTS_SAME) {
		*out = have;
		return 0;
	}
	if (requested & ~have)
		return ARCHK_ERR_ACCESS_DENIED;
	*out = requested;
	return 0;
}
