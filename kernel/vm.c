/*
 * Partitions of the guest arena, their protection according to the
 * isolation mode, and checked copies between the kernel and guest memory.
 *
 * Isolation (see docs/architecture.md for what each mode guarantees). What
 * is protected is a process's private memory: every writable region (data,
 * heap, stack). Its read-only regions (code and constants) are byte for byte
 * the program file from the signed store, since relocations may only touch
 * writable segments, so they stay mapped for everyone in every mode.
 *  - off: a partition keeps its region protections from spawn to exit.
 *  - process: private memory is accessible only while some vCPU holds the
 *    process, that is, runs one of its threads or kernel code on its behalf,
 *    or ran them last and has run no other process since. A vCPU keeps its
 *    hold while it keeps running threads of the same process and while it
 *    idles after them (sched.c, idle), and drops it when it switches process
 *    or the process ends, so protection flips only on switches.
 *  - strict: as process, and in addition at most one process is held in the
 *    whole system, so no guest can ever reach another guest's private memory
 *    even when several vCPUs run at once.
 *
 * Mappings (vmo_map, mem_map_anon) live in the partition's mapping window
 * (exec.c's layout, maparea.c's bookkeeping), which lies above private_start:
 * they are private memory like the heap, closed with it, and a VMO shared by
 * two processes is reachable in each only while that process is held.
 */
#include <string.h>
#include "ioq.h"
#include "vmo.h"

/*
 * Mappings in the whole system. Each can split a host mapping in two, and
 * the host limits how many a process has (vm.max_map_count, 65530 by
 * default); with 1023 partitions of about ten host mappings each, this
 * bound keeps archk well below it, so mprotect never fails for lack of them.
 */
#define MAPPINGS_SYSTEM_MAX 16384

/*
 * Free slots that keep a freed partition's hot huge pages for the next
 * process (hook_recycle): usually two (4 MiB) each, so about 32 MiB in all.
 */
#define RECYCLED_SLOTS_MAX 8
#define HUGE_BLOCK	   (2UL << 20)
/* The hot blocks of one partition: one per private region, and the stack's top. */
#define HOT_BLOCKS_MAX (LOAD_REGIONS_MAX + 2)

enum slot_state { SLOT_FREE, SLOT_USED, SLOT_RECYCLED };

static struct {
	uintptr_t base;
	size_t partition_size;
	uint32_t slot_count;
	uint8_t *slot_state; /* enum slot_state */
	uint32_t recycled;   /* SLOT_RECYCLED slots, at most RECYCLED_SLOTS_MAX */
	uint32_t mappings;   /* in all partitions, at most MAPPINGS_SYSTEM_MAX */
	/* Strict mode: the one held process, since when others wait, and who gets it next. */
	struct process *strict_holder;
	int64_t strict_contended;	  /* when a vCPU first waited for this hold; 0: none yet */
	struct vcpu *strict_next;	  /* the next hold is kept for this vCPU... */
	struct process *strict_next_proc; /* ...to run this process (referenced)... */
	int64_t strict_next_until;	  /* ...until then */
} vm;

int vm_init(const struct archk_bootinfo *boot)
{
	vm.base = boot->arena_base;
	vm.partition_size = boot->partition_size;
	vm.slot_count = (uint32_t)(boot->arena_size / boot->partition_size);
	vm.slot_state = hook_alloc_pages(vm.slot_count);
	if (!vm.slot_state)
		return ARCHK_ERR_NO_MEMORY;
	vm.slot_state[0] = SLOT_USED; /* slot 0 is archk's own reserved region */
	return 0;
}

/* Takes the lowest free slot and makes it read-write memory that reads as zeros. */
int vm_partition_alloc(struct process *p)
{
	for (uint32_t i = 1; i < vm.slot_count; i++) {
		uintptr_t base = vm.base + (uintptr_t)i * vm.partition_size;

		if (vm.slot_state[i] == SLOT_USED)
			continue;
		if (vm.slot_state[i] == SLOT_RECYCLED) {
			vm.recycled--;
			vm.slot_state[i] = SLOT_FREE;
			if (hook_commit_recycled(base, vm.partition_size) < 0)
				hook_decommit(base, vm.partition_size); /* and commit afresh */
			else
				vm.slot_state[i] = SLOT_USED;
		}
		if (vm.slot_state[i] == SLOT_FREE && hook_commit(base, vm.partition_size) < 0)
			return ARCHK_ERR_NO_MEMORY;
		vm.slot_state[i] = SLOT_USED;
		p->base = base;
		p->slot = i;
		p->size = vm.partition_size;
		return 0;
	}
	return ARCHK_ERR_NO_MEMORY;
}

/* Private regions: the writable ones, and everything from private_start up. */
static bool is_private(const struct process *p, const struct load_region *r)
{
	return r->start >= p->private_start || (r->prot & HOOK_PROT_WRITE);
}

/*
 * The 2 MiB blocks every process touches at once, in address order: the
 * first whole block of each private region (where .data, .bss and the heap
 * start) and the top block of the stack, the last region. They are what a
 * freed partition keeps for the next one (hook_recycle).
 */
static unsigned hot_blocks(const struct process *p, uintptr_t *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->region_count; i++) {
		const struct load_region *r = &p->regions[i];
		uintptr_t end = r->start + r->len;
		uintptr_t b = i + 1 == p->region_count ? ALIGN_DOWN(end, HUGE_BLOCK) - HUGE_BLOCK
						       : ALIGN_UP(r->start, HUGE_BLOCK);

		if (is_private(p, r) && b >= r->start && b + HUGE_BLOCK <= end)
			out[n++] = b;
	}
	return n;
}

/*
 * Frees p's partition. If its private memory is accessible now (the caller
 * holds p, or isolation is off) and few enough free slots keep memory, the
 * slot keeps the huge pages of its hot blocks, zeroed where they are: the
 * next process spawned there finds its .data and stack pages present instead
 * of having fresh huge pages zeroed on its first touches, and the old ones
 * freed. Zeroing in place while p is still held shows its memory to nobody
 * that could not see it anyway. Decommitting removes the mappings too; then
 * their VMOs are let go.
 */
static void partition_free(struct process *p, bool accessible)
{
	uintptr_t blocks[HOT_BLOCKS_MAX];
	unsigned n;

	/* (--strict-buffers may have closed pages of a request still in flight.) */
	if (accessible && !p->guarded_requests && vm.recycled < RECYCLED_SLOTS_MAX &&
	    (n = hot_blocks(p, blocks)) && hook_recycle(p->base, p->size, blocks, n)) {
		vm.slot_state[p->slot] = SLOT_RECYCLED;
		vm.recycled++;
	} else {
		hook_decommit(p->base, p->size);
		vm.slot_state[p->slot] = SLOT_FREE;
	}
	p->slot = 0;
	p->region_count = 0;
	while (p->maps.count) {
		struct object *obj = p->maps.maps[0].obj;

		map_area_remove(&p->maps, 0);
		vm.mappings--;
		if (obj)
			object_unref(obj);
	}
}

/* An ended process's partition goes when no vCPU holds it; see vm_release. */
void vm_reclaim(struct process *p)
{
	ASSERT_LOCKED();
	KASSERT(p->state == PROCESS_EXITED && p->thread_count == 0);
	if (p->slot && p->vcpus_holding == 0)
		partition_free(p, kconfig.isolation == ARCHK_ISOLATION_OFF);
}

/*
 * Opening and closing touch only the private regions. exec.c lays out a
 * partition so that they form one run at its top (private_start), making a
 * close one mprotect; a writable segment below read-only ones is handled too.
 */
void vm_open(struct process *p)
{
	for (unsigned i = 0; i < p->region_count; i++)
		if (is_private(p, &p->regions[i]))
			hook_protect(p->regions[i].start, p->regions[i].len, p->regions[i].prot);
	for (unsigned i = 0; i < p->maps.count; i++)
		hook_protect(p->maps.maps[i].start, p->maps.maps[i].len, p->maps.maps[i].prot);
}

/* The last mprotect also closes the mapping window, which lies above private_start. */
/*
 * A freshly loaded partition (all read-write while loading) gets its final
 * protections: code and constants as loaded, private regions open only with
 * isolation off — closed ones wait for the first vm_hold.
 */
void vm_protect_new(struct process *p)
{
	bool closed = kconfig.isolation != ARCHK_ISOLATION_OFF;

	hook_protect(p->base, p->size, 0);
	for (unsigned i = 0; i < p->region_count; i++)
		if (!closed || !is_private(p, &p->regions[i]))
			hook_protect(p->regions[i].start, p->regions[i].len, p->regions[i].prot);
}

void vm_close(struct process *p)
{
	for (unsigned i = 0; i < p->region_count && p->regions[i].start < p->private_start; i++)
		if (is_private(p, &p->regions[i]))
			hook_protect(p->regions[i].start, p->regions[i].len, 0);
	hook_protect(p->private_start, p->base + p->size - p->private_start, 0);
}

bool vm_is_open(const struct process *p)
{
	return kconfig.isolation == ARCHK_ISOLATION_OFF || p->vcpus_holding > 0;
}

/*
 * In strict mode a vCPU may switch to p only if nobody else holds another
 * process, and, while the next hold is kept for another vCPU, not at all.
 */
bool vm_may_run(const struct vcpu *v, const struct process *p)
{
	const struct process *h = vm.strict_holder;

	if (kconfig.isolation != ARCHK_ISOLATION_STRICT || h == p)
		return true;
	if (h)
		return h == v->holding && h->vcpus_holding == 1;
	return !vm.strict_next || vm.strict_next == v ||
	       hook_clock(ARCHK_CLOCK_MONOTONIC) >= vm.strict_next_until;
}

/* Ends the keeping of the next hold. */
static void strict_keep_end(void)
{
	if (vm.strict_next_proc)
		object_unref(&vm.strict_next_proc->obj);
	vm.strict_next = NULL;
	vm.strict_next_proc = NULL;
}

/*
 * v holds p: p's private memory is open (process and strict isolation) and
 * stays open while any vCPU holds it. A hold references p, so an ended
 * process's partition outlives every hold on it (vm_release frees it).
 */
void vm_hold(struct vcpu *v, struct process *p)
{
	ASSERT_LOCKED();
	if (v->holding == p)
		return;
	vm_release(v);
	v->holding = p;
	object_ref(&p->obj);
	if (p->vcpus_holding++ > 0 || kconfig.isolation == ARCHK_ISOLATION_OFF)
		return;
	vm_open(p);
	if (kconfig.strict_buffers)
		ioq_guard_owned(p);
	if (kconfig.isolation == ARCHK_ISOLATION_STRICT) {
		KASSERT(!vm.strict_holder);
		vm.strict_holder = p;
		vm.strict_contended = 0;
		if (vm.strict_next == v)
			strict_keep_end();
	}
	/* Ring completions that finished while it was closed land now. */
	io_deliver_deferred(p);
}

/* The last hold on p ended: close it, or free it if p has ended. */
static void last_hold_ended(struct process *p)
{
	bool ended = p->state == PROCESS_EXITED && p->thread_count == 0;

	if (kconfig.isolation == ARCHK_ISOLATION_STRICT && vm.strict_holder == p) {
		vm.strict_holder = NULL;
		if (vm.strict_next)
			hook_kick(vm.strict_next);
	}
	if (ended && p->slot)
		partition_free(p, true); /* still open: its hot pages can be recycled */
	else if (p->region_count && kconfig.isolation != ARCHK_ISOLATION_OFF)
		vm_close(p);
}

void vm_release(struct vcpu *v)
{
	struct process *p = v->holding;

	ASSERT_LOCKED();
	if (!p)
		return;
	v->holding = NULL;
	if (--p->vcpus_holding == 0)
		last_hold_ended(p);
	object_unref(&p->obj);
}

struct process *vm_strict_contend(int64_t *waited_ns)
{
	int64_t now = hook_clock(ARCHK_CLOCK_MONOTONIC);

	if (!vm.strict_holder)
		return NULL;
	if (!vm.strict_contended)
		vm.strict_contended = now;
	*waited_ns = now - vm.strict_contended;
	return vm.strict_holder;
}

void vm_strict_keep(struct vcpu *v, struct process *p, int64_t for_ns)
{
	strict_keep_end();
	vm.strict_next = v;
	vm.strict_next_proc = p;
	object_ref(&p->obj);
	vm.strict_next_until = hook_clock(ARCHK_CLOCK_MONOTONIC) + for_ns;
}

struct process *vm_strict_kept_for(const struct vcpu *v)
{
	if (vm.strict_next != v || vm.strict_holder)
		return NULL;
	if (hook_clock(ARCHK_CLOCK_MONOTONIC) >= vm.strict_next_until) {
		strict_keep_end();
		return NULL;
	}
	return vm.strict_next_proc;
}

/* The protection of the one region or mapping holding all of [addr, addr+len), or -1. */
static int prot_of(const struct process *p, uintptr_t addr, size_t len)
{
	int i;

	if (addr + len < addr)
		return -1;
	for (unsigned j = 0; j < p->region_count; j++) {
		const struct load_region *r = &p->regions[j];

		if (addr >= r->start && addr + len <= r->start + r->len)
			return r->prot;
	}
	i = map_area_find(&p->maps, addr, len);
	return i < 0 ? -1 : p->maps.maps[i].prot;
}

int vm_check(const struct process *p, uintptr_t addr, size_t len, int prot)
{
	int have;

	if (len == 0)
		return 0;
	have = prot_of(p, addr, len);
	if (have < 0 || (have & prot) != prot)
		return ARCHK_ERR_BAD_ADDRESS;
	/* Pages a request in flight owns are closed (--strict-buffers): archk must not touch them.
	 */
	if (p->guarded_requests && ioq_range_guarded(p, addr, len))
		return ARCHK_ERR_BAD_ADDRESS;
	return 0;
}

int vm_prot_at(const struct process *p, uintptr_t addr)
{
	int prot = prot_of(p, addr, 1);

	return prot < 0 ? 0 : prot;
}

/*
 * The caller's own partition is held while it makes the call, so the new
 * mapping gets its protection at once; vm_close hides it with the rest.
 */
long vm_map(struct process *p, size_t len, int prot, struct vmo *vmo, size_t offset)
{
	struct mapping *m;
	int i, err;

	if (vm.mappings == MAPPINGS_SYSTEM_MAX || (i = map_area_reserve(&p->maps, len)) < 0)
		return ARCHK_ERR_NO_MEMORY;
	m = &p->maps.maps[i];
	m->prot = prot;
	if (vmo) {
		err = hook_shared_map(vmo->backing, offset, m->start, len, prot);
	} else if ((err = hook_commit(m->start, len)) == 0) {
		hook_protect(m->start, len, prot);
	}
	if (err < 0) {
		hook_decommit(m->start, len); /* a failed MAP_FIXED may leave a hole */
		map_area_remove(&p->maps, (unsigned)i);
		return ARCHK_ERR_NO_MEMORY;
	}
	if (vmo) {
		m->obj = &vmo->obj;
		m->offset = offset;
		object_ref(m->obj);
	}
	vm.mappings++;
	return (long)m->start;
}

void *vm_dma(const struct process *p, uintptr_t addr, uint64_t len, int prot, struct object **vmo)
{
	const struct mapping *m;
	int i;

	if (addr + len < addr || len > SIZE_MAX || (i = map_area_find(&p->maps, addr, len)) < 0)
		return NULL;
	m = &p->maps.maps[i];
	if (!m->obj || (m->prot & prot) != prot)
		return NULL;
	object_ref(m->obj);
	*vmo = m->obj;
	return vmo_from_object(m->obj)->view + m->offset + (addr - m->start);
}

/* Only whole mappings are removed: there is no splitting of a mapping. */
long vm_unmap(struct process *p, uintptr_t addr, uint64_t len, bool vmo)
{
	int i = map_area_find(&p->maps, addr, 1);
	struct mapping *m;
	struct object *obj;

	if (i < 0 || p->maps.maps[i].start != addr || (p->maps.maps[i].obj != NULL) != vmo)
		return ARCHK_ERR_NOT_FOUND;
	m = &p->maps.maps[i];
	obj = m->obj;
	if (len == 0 || len > m->len || ALIGN_UP(len, PAGE_SIZE) != m->len)
		return ARCHK_ERR_INVALID_ARGS;
	hook_decommit(m->start, m->len);
	map_area_remove(&p->maps, (unsigned)i);
	vm.mappings--;
	if (obj)
		object_unref(obj);
	return 0;
}

int copy_from_guest(const struct process *p, void *dst, uintptr_t src, size_t len)
{
	int err = vm_check(p, src, len, HOOK_PROT_READ);

	if (err == 0)
		memcpy(dst, (const void *)src, len);
	return err;
}

int copy_to_guest(const struct process *p, uintptr_t dst, const void *src, size_t len)
{
	int err = vm_check(p, dst, len, HOOK_PROT_WRITE);

	if (err == 0)
		memcpy((void *)dst, src, len);
	return err;
}

/* Checks page by page so a string ending just before unmapped memory is fine. */
long copy_string_from_guest(const struct process *p, char *dst, uintptr_t src, size_t max)
{
	size_t n = 0;

	while (n <= max) {
		size_t chunk = PAGE_SIZE - ((src + n) & (PAGE_SIZE - 1));
		const char *s = (const char *)(src + n);

		if (vm_check(p, src + n, chunk, HOOK_PROT_READ) < 0)
			return ARCHK_ERR_BAD_ADDRESS;
		for (size_t i = 0; i < chunk && n <= max; i++, n++) {
			if (s[i] == '\0') {
				dst[n] = '\0';
				return (long)n;
			}
			if (n < max)
				dst[n] = s[i];
		}
	}
	return ARCHK_ERR_TOO_LONG;
}
