/*
 * Object lifetime: reference counting and per-type destruction. All kernel
 * code runs under the big kernel lock, so plain counters suffice.
 */
#include "object.h"
#include "wait.h"

static const struct object_type *object_types[ARCHK_OBJ_TYPE_COUNT];
static archk_koid_t next_koid = 1;

void object_type_register(uint32_t type, const struct object_type *ops)
{
	KASSERT(type < ARCHK_OBJ_TYPE_COUNT && !object_types[type]);
	object_types[type] = ops;
}

static void permanent_destroy(struct object *obj)
{
	kpanic("%s object destroyed", object_type_name(obj->type));
}

static struct object_type permanent_types[ARCHK_OBJ_TYPE_COUNT];

void object_type_register_permanent(uint32_t type, const char *name)
{
	KASSERT(type < ARCHK_OBJ_TYPE_COUNT);
	permanent_types[type] = (struct object_type){.name = name, .destroy = permanent_destroy};
	object_type_register(type, &permanent_types[type]);
}

const char *object_type_name(uint32_t type)
{
	if (type < ARCHK_OBJ_TYPE_COUNT && object_types[type])
		return object_types[type]->name;
	return "?";
}

void object_init(struct object *obj, uint32_t type)
{
	KASSERT(type < ARCHK_OBJ_TYPE_COUNT && object_types[type]);
	obj->type = type;
	obj->refcount = 1;
	obj->koid = next_koid++;
	obj->signals = 0;
	LIST_INIT(&obj->observers);
}

void object_refresh(struct object *obj)
{
	const struct object_type *type = object_types[obj->type];

	if (type && type->refresh)
		type->refresh(obj);
}

void object_ref(struct object *obj)
{
	KASSERT(obj->refcount > 0);
	obj->refcount++;
}

/* Observers of a dying object learn first, so none keeps a dangling pointer. */
void object_unref(struct object *obj)
{
	KASSERT(obj->refcount > 0);
	if (--obj->refcount == 0) {
		wait_object_gone(obj);
		object_types[obj->type]->destroy(obj);
	}
}
