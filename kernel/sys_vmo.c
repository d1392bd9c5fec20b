/*
 * Memory system calls: VMOs (create, read, write, size, map) and mappings
 * of anonymous memory, both placed in the caller's mapping window (vm.c).
 * The dispatcher has already checked the VMO handle's type and the right
 * each call declares; vmo_map also needs a right for each protection bit.
 */
#include "io.h"
#include "syscall.h"
#include "vmo.h"

#define PROT_ALL (ARCHK_PROT_READ | ARCHK_PROT_WRITE | ARCHK_PROT_EXEC)

_Static_assert(ARCHK_PROT_READ == HOOK_PROT_READ && ARCHK_PROT_WRITE == HOOK_PROT_WRITE &&
		   ARCHK_PROT_EXEC == HOOK_PROT_EXEC,
	       "guest protections are the hooks' protections");

/* INVALID_ARGS unless [offset, offset+len) lies inside the VMO (no sum can overflow). */
static long check_range(const struct vmo *v, uint64_t offset, uint64_t len)
{
	return offset <= v->size && len <= v->size - offset ? 0 : ARCHK_ERR_INVALID_ARGS;
}

/* A protection is one or more of read, write and execute. */
static bool prot_valid(uint64_t prot)
{
	return prot != 0 && (prot & ~(uint64_t)PROT_ALL) == 0;
}

/* The handle returned holds the only reference: closing it frees the VMO. */
long sys_vmo_create(struct thread *t, struct syscall_args *args)
{
	struct vmo *v;
	long err = vmo_create(args->a[0], &v);
	long h;

	if (err < 0)
		return err;
	h = handle_install(&t->proc->handles, &v->obj, ARCHK_RIGHTS_VMO);
	object_unref(&v->obj);
	return h;
}

/* Copies between guest memory at buf and the VMO at offset: len, or an error. */
static long vmo_transfer(struct process *p, struct vmo *v, uintptr_t buf, uint64_t len,
			 uint64_t offset, bool write)
{
	long err = check_range(v, offset, len);

	if (err == 0)
		err = write ? copy_from_guest(p, v->view + offset, buf, len)
			    : copy_to_guest(p, buf, v->view + offset, len);
	return err < 0 ? err : (long)len;
}

long sys_vmo_read(struct thread *t, struct syscall_args *args)
{
	return vmo_transfer(t->proc, vmo_from_object(args->obj), args->a[1], args->a[2],
			    args->a[3], false);
}

long sys_vmo_write(struct thread *t, struct syscall_args *args)
{
	return vmo_transfer(t->proc, vmo_from_object(args->obj), args->a[1], args->a[2],
			    args->a[3], true);
}

/* READ and WRITE through do_io: like a file, clipped at the end (0 there). */
static long vmo_io(struct io_req *r)
{
	struct vmo *v = vmo_from_object(r->obj);
	uint64_t offset = r->offset < v->size ? r->offset : v->size;
	uint64_t len = r->len < v->size - offset ? r->len : v->size - offset;

	return vmo_transfer(r->proc, v, r->buf, len, offset, r->op == ARCHK_IO_WRITE);
}

static long vmo_get_meta(struct io_req *r)
{
	struct archk_meta meta = {
	    .type = ARCHK_OBJ_VMO,
	    .size = vmo_from_object(r->obj)->size,
	    .koid = r->obj->koid,
	    .kind = ARCHK_KIND_FILE,
	};

	return copy_to_guest(r->proc, r->buf, &meta, sizeof(meta));
}

int vmo_io_init(void)
{
	io_register(ARCHK_OBJ_VMO, ARCHK_IO_READ, vmo_io);
	io_register(ARCHK_OBJ_VMO, ARCHK_IO_WRITE, vmo_io);
	io_register(ARCHK_OBJ_VMO, ARCHK_IO_GET_META, vmo_get_meta);
	return 0;
}

long sys_vmo_get_size(struct thread *t, struct syscall_args *args)
{
	(void)t;
	return (long)vmo_from_object(args->obj)->size;
}

/*
 * The mapping may not allow more than the handle does: reading needs READ,
 * writing WRITE and executing EXECUTE. offset must be page-aligned; len is
 * rounded up to pages and must stay inside the VMO.
 */
long sys_vmo_map(struct thread *t, struct syscall_args *args)
{
	struct vmo *v = vmo_from_object(args->obj);
	uint32_t rights = args->rights;
	uint64_t offset = args->a[1], len = args->a[2], prot = args->a[3];

	if (!prot_valid(prot))
		return ARCHK_ERR_INVALID_ARGS;
	if (((prot & ARCHK_PROT_READ) && !(rights & ARCHK_RIGHT_READ)) ||
	    ((prot & ARCHK_PROT_WRITE) && !(rights & ARCHK_RIGHT_WRITE)) ||
	    ((prot & ARCHK_PROT_EXEC) && !(rights & ARCHK_RIGHT_EXECUTE)))
		return ARCHK_ERR_ACCESS_DENIED;
	if (len == 0 || offset % PAGE_SIZE || check_range(v, offset, len) < 0)
		return ARCHK_ERR_INVALID_ARGS;
	return vm_map(t->proc, ALIGN_UP(len, PAGE_SIZE), (int)prot, v, offset);
}

long sys_vmo_unmap(struct thread *t, struct syscall_args *args)
{
	return vm_unmap(t->proc, args->a[0], args->a[1], true);
}

/* More than the window can ever hold is NO_MEMORY, like a window that is full. */
long sys_mem_map_anon(struct thread *t, struct syscall_args *args)
{
	uint64_t len = args->a[0], prot = args->a[1];

	if (len == 0 || !prot_valid(prot))
		return ARCHK_ERR_INVALID_ARGS;
	if (len > ARCHK_MAP_BYTES_MAX)
		return ARCHK_ERR_NO_MEMORY;
	return vm_map(t->proc, ALIGN_UP(len, PAGE_SIZE), (int)prot, NULL, 0);
}

long sys_mem_unmap(struct thread *t, struct syscall_args *args)
{
	return vm_unmap(t->proc, args->a[0], args->a[1], false);
}
