/*
 * VMO objects: see vmo.h. Creation and destruction only; the system calls
 * are in sys_vmo.c and the mappings in vm.c.
 */
#include "arena.h"
#include "vmo.h"

static struct arena vmo_arena;
static uint64_t total_bytes; /* sizes of all live VMOs, bounded by VMO_TOTAL_BYTES */

/* The last handle or mapping went away: the host memory goes with it. */
static void vmo_destroy(struct object *obj)
{
	struct vmo *v = vmo_from_object(obj);

	hook_shared_destroy(v->backing, v->view, v->size);
	total_bytes -= v->size;
	arena_free(&vmo_arena, v);
}

static const struct object_type vmo_type = {.name = "vmo", .destroy = vmo_destroy};

int vmo_init(void)
{
	object_type_register(ARCHK_OBJ_VMO, &vmo_type);
	return arena_init(&vmo_arena, "vmo", sizeof(struct vmo), VMO_MAX);
}

/* The size is checked before rounding so that rounding cannot overflow. */
long vmo_create(uint64_t size, struct vmo **out)
{
	struct vmo *v;
	void *view;

	if (size == 0 || size > ARCHK_VMO_SIZE_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	size = ALIGN_UP(size, PAGE_SIZE);
	if (size > VMO_TOTAL_BYTES - total_bytes || !(v = arena_alloc(&vmo_arena)))
		return ARCHK_ERR_NO_MEMORY;
	v->backing = hook_shared_create(size, &view);
	if (v->backing < 0) {
		arena_free(&vmo_arena, v);
		return ARCHK_ERR_NO_MEMORY;
	}
	object_init(&v->obj, ARCHK_OBJ_VMO);
	v->size = size;
	v->view = view;
	total_bytes += size;
	*out = v;
	return 0;
}
