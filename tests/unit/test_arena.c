/*
 * Unit tests for the per-type SLAB arenas (kernel/arena.c): slot allocation,
 * exhaustion, wiping on free, generation-checked lookups and slot reuse.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"

/* An odd slot size, so the 16-byte rounding is exercised. */
#define SLOT_SIZE 40
#define CAPACITY  64

static struct arena arena;

static void setup(void)
{
	cr_assert_eq(arena_init(&arena, "test", SLOT_SIZE, CAPACITY), 0);
}

TestSuite(arena, .init = setup);

/* True if all SLOT_SIZE bytes at p equal byte. */
static bool slot_is_filled(const void *p, uint8_t byte)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < SLOT_SIZE; i++)
		if (b[i] != byte)
			return false;
	return true;
}

/* Allocates n slots into slots[], each one required to succeed. */
static void alloc_n(void **slots, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		slots[i] = arena_alloc(&arena);
		cr_assert_not_null(slots[i], "allocation %u of %u failed", i, n);
	}
}

/* Every slot of a full arena is zeroed, 16-byte aligned and its own memory:
 * writing a distinct pattern to each leaves every other slot's pattern intact. */
Test(arena, alloc_gives_zeroed_distinct_aligned_slots)
{
	void *slots[CAPACITY];

	alloc_n(slots, CAPACITY);
	for (unsigned i = 0; i < CAPACITY; i++) {
		cr_assert_eq((uintptr_t)slots[i] % 16, 0, "slot %u misaligned", i);
		cr_assert(slot_is_filled(slots[i], 0), "slot %u not zeroed", i);
		memset(slots[i], (int)(i + 1), SLOT_SIZE);
	}
	for (unsigned i = 0; i < CAPACITY; i++)
		cr_assert(slot_is_filled(slots[i], (uint8_t)(i + 1)), "slot %u overwritten", i);
	cr_assert_eq(arena.live, CAPACITY);
}

/* A full arena returns NULL, and freeing one slot makes room for one more. */
Test(arena, exhaustion_returns_null)
{
	void *slots[CAPACITY];

	alloc_n(slots, CAPACITY);
	cr_assert_null(arena_alloc(&arena));
	arena_free(&arena, slots[7]);
	cr_assert_eq(arena_alloc(&arena), slots[7]);
	cr_assert_null(arena_alloc(&arena));
}

/* A freed slot's old contents never reach its next user. */
Test(arena, free_wipes_the_slot)
{
	void *p = arena_alloc(&arena);

	memset(p, 0xAA, SLOT_SIZE);
	arena_free(&arena, p);
	cr_assert(slot_is_filled(p, 0), "freed slot still holds data");
	cr_assert_eq(arena_alloc(&arena), p);
	cr_assert(slot_is_filled(p, 0), "reused slot not zeroed");
}

/* arena_free_used wipes the bytes that were used, and the slot comes back all zeros. */
Test(arena, free_used_wipes_the_used_bytes)
{
	void *p = arena_alloc(&arena);

	memset(p, 0xAA, 20);
	arena_free_used(&arena, p, 20);
	cr_assert(slot_is_filled(p, 0), "freed slot still holds data");
	cr_assert_eq(arena.live, 0);
	cr_assert_eq(arena_alloc(&arena), p);
}

/* Claiming more used bytes than a slot has is a kernel bug: a panic, not a wipe past it. */
Test(arena, free_used_past_the_slot_panics, .signal = SIGABRT)
{
	arena_free_used(&arena, arena_alloc(&arena), arena.slot_size + 1);
}

/* Slots are handed out from the lowest index up, and their index is their place. */
Test(arena, index_is_the_slot_position)
{
	void *p = arena_alloc(&arena), *q = arena_alloc(&arena);

	cr_assert_eq(arena_index(&arena, p), 0);
	cr_assert_eq(arena_index(&arena, q), 1);
	cr_assert_eq((uint8_t *)q - (uint8_t *)p, (long)arena.slot_size);
}

/* Many interleaved alloc/free rounds leave the live count where it began
 * and never touch more slots than were live at once. */
Test(arena, live_count_returns_after_cycles)
{
	void *slots[CAPACITY];
	uint32_t start = arena.live;

	for (unsigned round = 0; round < 100; round++) {
		unsigned n = 1 + round % 10;

		alloc_n(slots, n);
		cr_assert_eq(arena.live, start + n);
		/* free odd positions first, then even ones, to mix the free list */
		for (unsigned i = 1; i < n; i += 2)
			arena_free(&arena, slots[i]);
		for (unsigned i = 0; i < n; i += 2)
			arena_free(&arena, slots[i]);
		cr_assert_eq(arena.live, start);
	}
	cr_assert_eq(arena.high_water, 10);
}

/* Recycled slots are handed out (most recently freed first) before fresh ones. */
Test(arena, freed_slots_are_reused_first)
{
	void *slots[4];

	alloc_n(slots, 3);
	arena_free(&arena, slots[0]);
	arena_free(&arena, slots[2]);
	cr_assert_eq(arena_alloc(&arena), slots[2]);
	cr_assert_eq(arena_alloc(&arena), slots[0]);
	slots[3] = arena_alloc(&arena);
	cr_assert_eq(arena_index(&arena, slots[3]), 3, "fresh slot taken before the end of reuse");
}

/* Freeing a slot twice is a kernel bug and must panic, not corrupt the free list. */
Test(arena, double_free_panics, .signal = SIGABRT)
{
	void *p = arena_alloc(&arena);

	arena_free(&arena, p);
	arena_free(&arena, p);
}
