/*
 * Partitions of the guest arena (vm.c): allocation, protection according to
 * the isolation mode, the vCPUs' holds on them, mappings, and checked copies
 * between the kernel and guest memory.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include "proc.h"

struct vmo;

int vm_init(const struct archk_bootinfo *boot);
int vm_partition_alloc(struct process *p);
/* p has ended and its threads are gone: its partition is freed now, or by the last vm_release. */
void vm_reclaim(struct process *p);
/* Applies region protections (the partition is being opened). */
void vm_open(struct process *p);
void vm_close(struct process *p);
/* Gives a newly loaded partition its final protections for the isolation mode. */
void vm_protect_new(struct process *p);
/* Makes p's partition accessible on v according to the isolation mode. */
void vm_hold(struct vcpu *v, struct process *p);
/* Gives up v's hold (the vCPU idles or switches away); the last hold closes or frees. */
void vm_release(struct vcpu *v);
/* Is p's private memory accessible now (isolation off, or some vCPU holds p)? */
bool vm_is_open(const struct process *p);
/* May v run p now (strict mode allows one process at a time)? */
bool vm_may_run(const struct vcpu *v, const struct process *p);
/*
 * Strict mode: a vCPU waits for the hold. Returns the held process and how
 * long vCPUs have been waiting for this hold; NULL if nothing is held.
 */
struct process *vm_strict_contend(int64_t *waited_ns);
/*
 * Strict mode: the next hold is kept for v, to run p, for at most for_ns;
 * v is kicked when the current hold ends.
 */
void vm_strict_keep(struct vcpu *v, struct process *p, int64_t for_ns);
/* The process the next hold is kept for if it is kept for v (and nothing is held), else NULL. */
struct process *vm_strict_kept_for(const struct vcpu *v);
/* 0 if [addr, addr+len) lies in p's memory with the access, else BAD_ADDRESS. */
int vm_check(const struct process *p, uintptr_t addr, size_t len, int prot);
/* The protection of the region or mapping holding addr; 0 if none does. */
int vm_prot_at(const struct process *p, uintptr_t addr);
/*
 * Maps len bytes (page-aligned) into p's mapping window with prot: from
 * offset in vmo (which gains a reference), or fresh zeroed memory if vmo is
 * NULL. The guest address, or NO_MEMORY when a limit is reached.
 */
long vm_map(struct process *p, size_t len, int prot, struct vmo *vmo, size_t offset);
/*
 * Removes the mapping that starts at addr and spans len bytes rounded up to
 * pages; it must be a VMO mapping if vmo is set, an anonymous one if not.
 * 0, NOT_FOUND (nothing of that kind starts there) or INVALID_ARGS (len).
 */
long vm_unmap(struct process *p, uintptr_t addr, uint64_t len, bool vmo);
/*
 * Device memory access (DMA): the kernel's pointer to [addr, addr+len) of
 * p's memory if all of it lies in one VMO mapping with the access prot, else
 * NULL. *vmo gets a reference to the VMO, which keeps the memory valid
 * whatever p does to its mappings meanwhile (the kernel's view is the VMO's).
 */
void *vm_dma(const struct process *p, uintptr_t addr, uint64_t len, int prot,
	     struct object **vmo);
int copy_from_guest(const struct process *p, void *dst, uintptr_t src, size_t len);
int copy_to_guest(const struct process *p, uintptr_t dst, const void *src, size_t len);
/* Copies a NUL-terminated guest string of at most max bytes plus NUL into dst
 * (max + 1 bytes); returns its length or BAD_ADDRESS / TOO_LONG. */
long copy_string_from_guest(const struct process *p, char *dst, uintptr_t src, size_t max);

#endif
