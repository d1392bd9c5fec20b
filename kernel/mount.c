/*
 * The namespace's mounts: served objects (the home's filesystem server, a
 * share's driver) placed at paths the store's tree does not have, so that
 * one root handle reaches /bin, /home and /share/NAME. A process mounts
 * with SHARE on a store directory (its handle needs SET_PROPERTY, which init
 * keeps for itself); store.c then sends OPEN, CREATE, DESTROY and RENAME of
 * paths below a mount to its server with the rest of the path, and lists
 * the mounts among the store's entries. A mount holds a reference to its
 * object until it is removed (DESTROY of its path); if its server ends,
 * what is sent there completes with CANCELLED.
 *
 * The table is small, sorted by path, and touched only under the kernel
 * lock.
 */
#include <string.h>
#include "mount.h"
#include "store.h"
#include "table.h"

struct mount {
	char path[ARCHK_PATH_MAX + 1];
	uint32_t path_len;
	struct object *obj; /* a served object, referenced while mounted */
	uint32_t rights;    /* of the handle that was mounted */
};

static struct {
	struct mount list[MOUNTS_MAX]; /* sorted by path (memcmp order) */
	uint32_t count;
} mounts;

/* Is (path, len) the directory prefix dir, or below it? The root holds everything. */
static bool at_or_below(const char *path, size_t len, const char *dir, size_t dir_len)
{
	return dir_len == 0 || (len >= dir_len && memcmp(path, dir, dir_len) == 0 &&
				(len == dir_len || path[dir_len] == '/'));
}

struct mount *mount_find(const char *path, size_t len, size_t *rest)
{
	ASSERT_LOCKED();
	for (uint32_t i = 0; i < mounts.count; i++) {
		struct mount *m = &mounts.list[i];

		if (at_or_below(path, len, m->path, m->path_len)) {
			*rest = len == m->path_len ? len : m->path_len + 1;
			return m;
		}
	}
	return NULL;
}

bool mount_leads_below(const char *path, size_t len)
{
	ASSERT_LOCKED();
	for (uint32_t i = 0; i < mounts.count; i++)
		if (mounts.list[i].path_len > len &&
		    at_or_below(mounts.list[i].path, mounts.list[i].path_len, path, len))
			return true;
	return false;
}

/* The first part of mount m's path below directory (path, len), which must lead to m. */
static const char *child_name(const struct mount *m, size_t len, size_t *name_len)
{
	const char *name = m->path + (len ? len + 1 : 0);
	const char *slash = memchr(name, '/', m->path_len - (size_t)(name - m->path));

	*name_len = slash ? (size_t)(slash - name) : m->path_len - (size_t)(name - m->path);
	return name;
}

bool mount_child(const char *path, size_t len, uint32_t k,
		 bool (*has_name)(const char *path, size_t len), const char **name,
		 size_t *name_len)
{
	const char *last = NULL;
	size_t last_len = 0;

	ASSERT_LOCKED();
	for (uint32_t i = 0; i < mounts.count; i++) {
		const struct mount *m = &mounts.list[i];
		char child[ARCHK_PATH_MAX + 1];
		size_t n;
		const char *c;

		if (m->path_len <= len || !at_or_below(m->path, m->path_len, path, len))
			continue;
		c = child_name(m, len, &n);
		/* Sorted by path: the mounts under one name are neighbours. */
		if (last && n == last_len && memcmp(c, last, n) == 0)
			continue;
		last = c;
		last_len = n;
		memcpy(child, m->path, (size_t)(c - m->path) + n);
		if (has_name(child, (size_t)(c - m->path) + n))
			continue;
		if (k-- == 0) {
			*name = c;
			*name_len = n;
			return true;
		}
	}
	return false;
}

/* Is there a mount at, above or below (path, len)? */
static bool mount_overlaps(const char *path, size_t len)
{
	size_t rest;

	return mount_find(path, len, &rest) || mount_leads_below(path, len);
}

long mount_add(const char *path, size_t len, struct object *obj, uint32_t rights)
{
	uint32_t i = 0;
	struct mount *m;

	ASSERT_LOCKED();
	if (len == 0 || store_has(path, len) || mount_overlaps(path, len))
		return ARCHK_ERR_EXISTS;
	if (mounts.count == MOUNTS_MAX)
		return ARCHK_ERR_NO_MEMORY;
	while (i < mounts.count &&
	       store_path_order(mounts.list[i].path, mounts.list[i].path_len, path, len) < 0)
		i++;
	memmove(&mounts.list[i + 1], &mounts.list[i], (mounts.count - i) * sizeof(mounts.list[0]));
	mounts.count++;
	m = &mounts.list[i];
	memcpy(m->path, path, len);
	m->path[len] = '\0';
	m->path_len = (uint32_t)len;
	m->obj = obj;
	m->rights = rights;
	object_ref(obj);
	return 0;
}

long mount_remove(const char *path, size_t len)
{
	ASSERT_LOCKED();
	for (uint32_t i = 0; i < mounts.count; i++) {
		struct mount *m = &mounts.list[i];
		struct object *obj = m->obj;

		if (m->path_len != len || memcmp(m->path, path, len) != 0)
			continue;
		mounts.count--;
		memmove(m, m + 1, (mounts.count - i) * sizeof(*m));
		object_unref(obj); /* after the table no longer names it */
		return 0;
	}
	return ARCHK_ERR_NOT_FOUND;
}

/*
 * The rights a store directory handle gives below a mount: its own, with
 * SET_PROPERTY (SET_META: truncating a file) wherever it has WRITE. On the
 * store directory itself SET_PROPERTY is the right to mount, which init
 * keeps to itself; its children still write and truncate files of the home.
 */
static uint32_t rights_below(uint32_t dir_rights)
{
	return dir_rights | (dir_rights & ARCHK_RIGHT_WRITE ? ARCHK_RIGHT_SET_PROPERTY : 0);
}

long mount_open_self(struct io_req *r, struct mount *m)
{
	uint32_t allowed = rights_below(r->rights) & m->rights;
	uint32_t requested = (uint32_t)r->offset;

	if (requested == ARCHK_RIGHTS_SAME)
		requested = allowed;
	else if (requested & ~allowed)
		return ARCHK_ERR_ACCESS_DENIED;
	return handle_install(&r->proc->handles, m->obj, requested);
}

long mount_forward(struct io_req *r, struct mount *m, const char *data, size_t len)
{
	uint32_t needed = io_op_rights(r->op), allowed = rights_below(r->rights) & m->rights;
	uint32_t requested = (uint32_t)r->offset; /* OPEN's and CREATE's rights */
	long err;

	if ((m->rights & needed) != needed)
		return ARCHK_ERR_ACCESS_DENIED;
	if ((r->op == ARCHK_IO_OPEN || r->op == ARCHK_IO_CREATE) &&
	    requested != ARCHK_RIGHTS_SAME && (requested & ~allowed))
		return ARCHK_ERR_ACCESS_DENIED;
	if ((err = io_req_stage(r, data, len)) < 0)
		return err;
	object_ref(m->obj);
	object_unref(r->obj);
	r->obj = m->obj;
	r->rights = allowed;
	r->out_rights_clamp = allowed;
	return served_forward_staged(r);
}
