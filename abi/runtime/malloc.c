/*
 * The guest heap: a boundary-tag allocator over the one region
 * archk_heap_init hands it.
 *
 * The region is a sequence of blocks, each starting with a 16-byte header
 * that records its own size and the size of the block below it, so both
 * neighbours of a block can be found in O(1). The last block ends exactly at
 * the end of the region, which closes the sequence: nothing is ever written
 * there, so the top of a large heap is not touched until memory is handed
 * out from it (archk backs the heap with huge pages, and each first touch
 * of one costs a 2 MiB zeroing at spawn). Free blocks sit in
 * segregated lists: one per exact size below 1 KiB, one per power of two
 * above. malloc takes the first block that fits, searching from the
 * request's own class upwards, and splits off what it does not need.
 * Freeing a block merges it at once with free neighbours, so no two free
 * blocks are ever adjacent and all memory coalesces back into one block
 * when everything has been freed.
 *
 * malloc(0) returns a unique minimal block (never NULL unless the heap is
 * exhausted); realloc(p, 0) likewise shrinks p to a minimal block.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <archk/runtime.h>

/* Called on a double or invalid free; prints and ends the process (start.c). */
extern void archk_heap_corrupted(const char *what, void *ptr);

#define ALIGN	    16u
#define HDR_SIZE    16u
#define MIN_BLOCK   32u		/* header plus the two free-list links */
#define MAX_REGION  0xfffffff0u /* sizes are kept in 32 bits */
#define SMALL_LOG2  10
#define SMALL_LIMIT (1u << SMALL_LOG2) /* exact size classes below this */
#define NBINS	    ((int)(SMALL_LIMIT / ALIGN) + 32 - SMALL_LOG2)
#define MAGIC_USED  0x5553ed0bu
#define MAGIC_FREE  0xf4eeb10cu

struct block {
	uint32_t size;	    /* bytes in the block, header included */
	uint32_t prev_size; /* size of the block just below; 0 for the first */
	uint32_t magic;	    /* MAGIC_USED or MAGIC_FREE */
	uint32_t unused;    /* keeps the payload 16-byte aligned */
	struct block *next; /* free blocks only: links within their size class */
	struct block *prev;
};

/*
 * The heap state; lock serialises the public functions between threads. A
 * corruption found under the lock is recorded in corrupt_* and reported
 * after unlocking, since the report may never return (exit, longjmp).
 */
static struct archk_mutex lock = ARCHK_MUTEX_INIT;
static const char *corrupt_what;
static void *corrupt_ptr;
static struct heap {
	uintptr_t lo, hi;	   /* the region [lo, hi); the last block ends at hi */
	struct block *bins[NBINS]; /* free lists by size class */
	size_t in_use;		   /* payload bytes of allocated blocks */
} heap;

/* Rounds n up to a multiple of ALIGN. */
static size_t align_up(size_t n)
{
	return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

/* The block just above b. */
static struct block *next_block(struct block *b)
{
	return (struct block *)((char *)b + b->size);
}

/* The block just below b, or NULL if b is the first. */
static struct block *prev_block(struct block *b)
{
	return b->prev_size == 0 ? NULL : (struct block *)((char *)b - b->prev_size);
}

/* Is b the end of the region rather than a block? */
static bool at_end(const struct block *b)
{
	return (uintptr_t)b == heap.hi;
}

/* Sets b's size and tells the block above about it, if there is one. */
static void set_size(struct block *b, uint32_t size)
{
	struct block *n;

	b->size = size;
	n = next_block(b);
	if (!at_end(n))
		n->prev_size = size;
}

/* The payload of b, which malloc hands out. */
static void *payload(struct block *b)
{
	return (char *)b + HDR_SIZE;
}

/*
 * The size class of a block of size bytes: one class per 16-byte size below
 * SMALL_LIMIT (so any block in the class fits), then one per power of two.
 */
static int bin_of(uint32_t size)
{
	if (size < SMALL_LIMIT)
		return size / ALIGN;
	return SMALL_LIMIT / ALIGN + (31 - __builtin_clz(size)) - SMALL_LOG2;
}

/* Puts free block b at the head of its size class. */
static void bin_insert(struct block *b)
{
	struct block **head = &heap.bins[bin_of(b->size)];

	b->magic = MAGIC_FREE;
	b->prev = NULL;
	b->next = *head;
	if (*head != NULL)
		(*head)->prev = b;
	*head = b;
}

/* Takes free block b out of its size class. */
static void bin_remove(struct block *b)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		heap.bins[bin_of(b->size)] = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
}

/* Absorbs the free block above b into b. */
static void absorb_next(struct block *b)
{
	struct block *n = next_block(b);

	bin_remove(n);
	set_size(b, b->size + n->size);
}

/*
 * Makes b (not in any list) free: merges it with free neighbours and files
 * the result in its size class.
 */
static void release(struct block *b)
{
	struct block *p = prev_block(b), *n = next_block(b);

	if (!at_end(n) && n->magic == MAGIC_FREE)
		absorb_next(b);
	b->magic = MAGIC_FREE;
	if (p != NULL && p->magic == MAGIC_FREE) {
		bin_remove(p);
		set_size(p, p->size + b->size);
		b = p;
	}
	bin_insert(b);
}

/* Cuts b down to size bytes, releasing the tail if it can be a block. */
static void trim(struct block *b, uint32_t size)
{
	struct block *tail;

	if (b->size - size < MIN_BLOCK)
		return;
	tail = (struct block *)((char *)b + size);
	tail->prev_size = size;
	set_size(tail, b->size - size);
	b->size = size;
	release(tail);
}

/* The first free block of at least size bytes, searching upwards by class. */
static struct block *find_fit(uint32_t size)
{
	for (int i = bin_of(size); i < NBINS; i++) {
		for (struct block *b = heap.bins[i]; b != NULL; b = b->next) {
			if (b->size >= size)
				return b;
		}
	}
	return NULL;
}

/* The block size that holds n payload bytes, or 0 if n is too large. */
static uint32_t block_size(size_t n)
{
	if (n > MAX_REGION - HDR_SIZE)
		return 0;
	n = align_up(n + HDR_SIZE);
	return n < MIN_BLOCK ? MIN_BLOCK : (uint32_t)n;
}

/*
 * Gives the heap the region [base, base + size), forgetting any earlier one.
 * The region is trimmed to 16-byte alignment and at most MAX_REGION bytes.
 */
void archk_heap_init(void *base, size_t size)
{
	char *lo = (char *)align_up((uintptr_t)base);
	size_t skip = (size_t)(lo - (char *)base);
	struct block *first = (struct block *)lo;

	heap = (struct heap){0};
	if (size < skip + MIN_BLOCK + HDR_SIZE)
		return;
	size = (size - skip) & ~(size_t)(ALIGN - 1);
	if (size > MAX_REGION)
		size = MAX_REGION;
	heap.lo = (uintptr_t)lo;
	heap.hi = heap.lo + size;
	first->prev_size = 0;
	set_size(first, (uint32_t)size);
	bin_insert(first);
}

/* Allocates n bytes aligned to 16; NULL when the region is exhausted. */
static void *heap_alloc(size_t n)
{
	uint32_t size = block_size(n);
	struct block *b = size == 0 ? NULL : find_fit(size);

	if (b == NULL)
		return NULL;
	bin_remove(b);
	b->magic = MAGIC_USED;
	trim(b, size);
	heap.in_use += b->size - HDR_SIZE;
	return payload(b);
}

/* Allocates a zeroed array of count elements; NULL if the size overflows. */
void *calloc(size_t count, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(count, size, &total))
		return NULL;
	p = malloc(total); /* takes the lock itself */
	if (p != NULL)
		memset(p, 0, total);
	return p;
}

/*
 * The block of a pointer malloc returned. For anything else (including an
 * already freed block) records the corruption and returns NULL.
 */
static struct block *block_of(void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	struct block *b = (struct block *)(p - HDR_SIZE);

	if (p < heap.lo + HDR_SIZE || p >= heap.hi || p % ALIGN != 0)
		corrupt_what = "free of a pointer not from malloc";
	else if (b->magic == MAGIC_FREE)
		corrupt_what = "double free";
	else if (b->magic != MAGIC_USED || b->size < MIN_BLOCK || b->size % ALIGN != 0 ||
		 b->size > heap.hi - (uintptr_t)b ||
		 (!at_end(next_block(b)) && next_block(b)->prev_size != b->size))
		corrupt_what = "free of a bad or overwritten block";
	else
		return b;
	corrupt_ptr = ptr;
	return NULL;
}

/* Returns memory from malloc to the heap; NULL is ignored. */
static void heap_free(void *ptr)
{
	struct block *b;

	if (ptr == NULL || (b = block_of(ptr)) == NULL)
		return;
	heap.in_use -= b->size - HDR_SIZE;
	release(b);
}

/*
 * Resizes b in place if it can (shrinking, or growing into a free block
 * above it). Returns whether it did.
 */
static bool resize_in_place(struct block *b, uint32_t size)
{
	struct block *n = next_block(b);

	if (size > b->size && (at_end(n) || n->magic != MAGIC_FREE || b->size + n->size < size))
		return false;
	heap.in_use -= b->size - HDR_SIZE;
	if (size > b->size)
		absorb_next(b);
	trim(b, size);
	heap.in_use += b->size - HDR_SIZE;
	return true;
}

/*
 * Changes the size of the block at ptr to n bytes, keeping its contents,
 * moving it if needed. realloc(NULL, n) is malloc(n). On failure returns NULL
 * and leaves the old block alone.
 */
static void *heap_realloc(void *ptr, size_t n)
{
	uint32_t size = block_size(n);
	struct block *b;
	void *moved;

	if (ptr == NULL)
		return heap_alloc(n);
	if ((b = block_of(ptr)) == NULL || size == 0)
		return NULL;
	if (resize_in_place(b, size))
		return ptr;
	moved = heap_alloc(n);
	if (moved != NULL) {
		memcpy(moved, ptr, b->size - HDR_SIZE);
		heap_free(ptr);
	}
	return moved;
}

/* Releases the heap lock, then reports a corruption found while it was held. */
static void unlock_and_report(void)
{
	const char *what = corrupt_what;
	void *ptr = corrupt_ptr;

	corrupt_what = NULL;
	archk_mutex_unlock(&lock);
	if (what)
		archk_heap_corrupted(what, ptr);
}

void *malloc(size_t n)
{
	archk_mutex_lock(&lock);
	void *p = heap_alloc(n);
	unlock_and_report();
	return p;
}

void free(void *ptr)
{
	archk_mutex_lock(&lock);
	heap_free(ptr);
	unlock_and_report();
}

void *realloc(void *ptr, size_t n)
{
	archk_mutex_lock(&lock);
	void *p = heap_realloc(ptr, n);
	unlock_and_report();
	return p;
}

/* Payload bytes currently allocated, so tests can check for leaks. */
size_t archk_heap_in_use(void)
{
	return heap.in_use;
}
