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
 *    process, that is, runs one of its threads or kernel code on its behalf.
 *    A vCPU keeps its hold while it keeps running threads of the same process
 *    and drops it when it switches process or idles, so protection flips
 *    only on switches.
 *  - strict: as process, and in addition at most one process is held in the
 *    whole system, so no guest can ever reach another guest's private memory
 *    even when several vCPUs run at once.
 */
#include <string.h>
#include "proc.h"

static struct {
	uintptr_t base;
	size_t partition_size;
	uint32_t slot_count;
	uint8_t *slot_used;
	struct process *strict_holder; /* strict mode: the one held process */
} vm;

int vm_init(const struct archk_bootinfo *boot)
{
	vm.base = boot->arena_base;
	vm.partition_size = boot->partition_size;
	vm.slot_count = (uint32_t)(boot->arena_size / boot->partition_size);
	vm.slot_used = hook_alloc_pages(vm.slot_count);
	if (!vm.slot_used)
		return ARCHK_ERR_NO_MEMORY;
	vm.slot_used[0] = 1; /* slot 0 is archk's own reserved region */
	return 0;
}

/* Takes the lowest free slot and makes it fresh read-write memory. */
int vm_partition_alloc(struct process *p)
{
	for (uint32_t i = 1; i < vm.slot_count; i++) {
		if (vm.slot_used[i])
			continue;
		p->base = vm.base + (uintptr_t)i * vm.partition_size;
		if (hook_commit(p->base, vm.partition_size) < 0)
			return ARCHK_ERR_NO_MEMORY;
		vm.slot_used[i] = 1;
		p->slot = i;
		p->size = vm.partition_size;
		return 0;
	}
	return ARCHK_ERR_NO_MEMORY;
}

void vm_partition_free(struct process *p)
{
	KASSERT(p->vcpus_holding == 0);
	hook_decommit(p->base, p->size);
	vm.slot_used[p->slot] = 0;
	p->slot = 0;
	p->region_count = 0;
}

/* Private regions: the writable ones, and everything from private_start up. */
static bool is_private(const struct process *p, const struct load_region *r)
{
	return r->start >= p->private_start || (r->prot & HOOK_PROT_WRITE);
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
}

void vm_close(struct process *p)
{
	for (unsigned i = 0; i < p->region_count && p->regions[i].start < p->private_start; i++)
		if (is_private(p, &p->regions[i]))
			hook_protect(p->regions[i].start, p->regions[i].len, 0);
	hook_protect(p->private_start, p->base + p->size - p->private_start, 0);
}

/* In strict mode a vCPU may switch to p only if nobody else holds another process. */
bool vm_may_run(const struct vcpu *v, const struct process *p)
{
	const struct process *h = vm.strict_holder;

	if (kconfig.isolation != ARCHK_ISOLATION_STRICT || !h || h == p)
		return true;
	return h == v->holding && h->vcpus_holding == 1;
}

void vm_hold(struct vcpu *v, struct process *p)
{
	if (v->holding == p)
		return;
	vm_release(v);
	v->holding = p;
	if (kconfig.isolation == ARCHK_ISOLATION_OFF)
		return;
	if (p->vcpus_holding++ == 0) {
		vm_open(p);
		if (kconfig.isolation == ARCHK_ISOLATION_STRICT) {
			KASSERT(!vm.strict_holder);
			vm.strict_holder = p;
		}
	}
}

void vm_release(struct vcpu *v)
{
	struct process *p = v->holding;

	if (!p)
		return;
	v->holding = NULL;
	if (kconfig.isolation == ARCHK_ISOLATION_OFF)
		return;
	if (--p->vcpus_holding == 0) {
		if (p->region_count)
			vm_close(p);
		if (vm.strict_holder == p)
			vm.strict_holder = NULL;
	}
}

int vm_check(const struct process *p, uintptr_t addr, size_t len, int prot)
{
	if (len == 0)
		return 0;
	if (addr + len < addr)
		return ARCHK_ERR_BAD_ADDRESS;
	for (unsigned i = 0; i < p->region_count; i++) {
		const struct load_region *r = &p->regions[i];

		if (addr >= r->start && addr + len <= r->start + r->len)
			return (r->prot & prot) == prot ? 0 : ARCHK_ERR_BAD_ADDRESS;
	}
	return ARCHK_ERR_BAD_ADDRESS;
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
