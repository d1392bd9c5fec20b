/*
 * Per-process handle tables. An entry binds an object to one process with a
 * set of rights; the value a guest sees encodes (slot, generation) through a
 * per-process keyed permutation, so values are unguessable, a closed handle's
 * value stays dead after the slot is reused, and a value copied from another
 * process names nothing here.
 */
#ifndef KERNEL_HANDLE_H
#define KERNEL_HANDLE_H

#include "object.h"

struct process;

struct handle_entry {
	struct object *obj; /* NULL when the slot is free */
	uint32_t type;	    /* obj->type, kept here for the syscall check */
	uint32_t rights;
	struct process *owner; /* the process the handle is bound to */
	uint32_t generation;   /* survives close; advances on reuse */
	uint32_t next_free;    /* index+1 of the next free slot */
};

#define HANDLE_INDEX_BITS   10
#define HANDLES_PER_PROCESS (1u << HANDLE_INDEX_BITS)

struct handle_table {
	struct handle_entry *entries; /* HANDLES_PER_PROCESS of them */
	struct process *owner;
	uint32_t count;
	uint32_t used;	    /* slots ever used; the rest are untouched */
	uint32_t free_head; /* index+1 of the first free slot */
	uint32_t key[3];
};

int handle_table_init(struct handle_table *table, struct process *owner);
/* Closes every handle and frees the table. */
void handle_table_destroy(struct handle_table *table);
/* Adds a handle, taking a new reference; the value or ARCHK_ERR_NO_MEMORY. */
long handle_install(struct handle_table *table, struct object *obj, uint32_t rights);
/* The live entry for value, or NULL (the caller reports ARCHK_ERR_HND_INVALID). */
struct handle_entry *handle_lookup(struct handle_table *table, archk_handle_t value);
/*
 * Removes the handle from the table and returns its object with the handle's
 * reference (now the caller's) and its rights; NULL if value is not live.
 */
struct object *handle_take(struct handle_table *table, archk_handle_t value, uint32_t *rights);
/* Closes the handle; 0 or ARCHK_ERR_HND_INVALID. */
int handle_close(struct handle_table *table, archk_handle_t value);
/* Rights a copy may carry: requested must be a subset of have (RIGHTS_SAME keeps them). */
int handle_rights_for_copy(uint32_t have, uint32_t requested, uint32_t *out);

#endif
