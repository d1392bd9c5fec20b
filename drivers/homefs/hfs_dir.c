/*
 * Inodes, the inode table and directory tables (hfs_dir.h).
 */
#include "hfs_dir.h"
#include "hfs_map.h"
#include "hfs_mem.h"

int hfs_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > HFS_NAME_MAX || memchr(name, '/', len) || memchr(name, 0, len))
		return 0;
	return !(name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')));
}

/* FNV-1a. */
static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

char *hfs_name_copy(const char *name, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, name, len);
		copy[len] = 0;
	}
	return copy;
}

void hfs_inode_set_name(struct hfs_inode *ip, char *copy, size_t len)
{
	free(ip->name);
	ip->name = copy;
	ip->name_len = (uint8_t)len;
	ip->name_hash = name_hash(copy, len);
}

struct hfs_inode *hfs_inode_new(uint64_t ino, uint8_t kind, const char *name, size_t len)
{
	struct hfs_inode *ip = calloc(1, sizeof(*ip));
	char *copy = hfs_name_copy(name, len);

	if (!ip || !copy) {
		free(ip);
		free(copy);
		return NULL;
	}
	ip->ino = ino;
	ip->kind = kind;
	hfs_inode_set_name(ip, copy, len);
	return ip;
}

void hfs_inode_free(struct hfs_inode *ip)
{
	if (ip->vn) {
		hfs_map_free(&ip->vn->overlay);
		free(ip->vn);
	}
	hfs_map_free(&ip->map);
	free(ip->dir.slots);
	free(ip->dir.index);
	hfs_vec_free(&ip->dir.free_slots);
	free(ip->name);
	free(ip);
}

/* ---- the inode table: chained hashing on the inode number ---- */

static uint32_t ino_bucket(uint64_t ino, uint32_t cap)
{
	return (uint32_t)((ino * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

struct hfs_inode *hfs_itab_get(const struct hfs *fs, uint64_t ino)
{
	if (!fs->itab_cap)
		return NULL;
	for (struct hfs_inode *ip = fs->itab[ino_bucket(ino, fs->itab_cap)]; ip; ip = ip->hnext)
		if (ip->ino == ino)
			return ip;
	return NULL;
}

long hfs_itab_reserve(struct hfs *fs)
{
	uint32_t cap = fs->itab_cap ? fs->itab_cap * 2 : 256;
	struct hfs_inode **t;

	if (fs->inodes < fs->itab_cap)
		return 0;
	if (!(t = calloc(cap, sizeof(*t))))
		return ARCHK_ERR_NO_MEMORY;
	for (uint32_t i = 0; i < fs->itab_cap; i++)
		while (fs->itab[i]) {
			struct hfs_inode *ip = fs->itab[i];

			fs->itab[i] = ip->hnext;
			ip->hnext = t[ino_bucket(ip->ino, cap)];
			t[ino_bucket(ip->ino, cap)] = ip;
		}
	free(fs->itab);
	fs->itab = t;
	fs->itab_cap = cap;
	return 0;
}

void hfs_itab_add(struct hfs *fs, struct hfs_inode *ip)
{
	struct hfs_inode **head = &fs->itab[ino_bucket(ip->ino, fs->itab_cap)];

	ip->hnext = *head;
	*head = ip;
	fs->inodes++;
	fs->dirs += ip->kind == HFS_KIND_DIR;
	fs->name_bytes += ip->name_len;
	if (ip->ino >= fs->next_ino)
		fs->next_ino = ip->ino + 1;
}

void hfs_itab_del(struct hfs *fs, struct hfs_inode *ip)
{
	struct hfs_inode **p = &fs->itab[ino_bucket(ip->ino, fs->itab_cap)];

	while (*p != ip)
		p = &(*p)->hnext;
	*p = ip->hnext;
	ip->hnext = NULL;
	fs->inodes--;
	fs->dirs -= ip->kind == HFS_KIND_DIR;
	fs->name_bytes -= ip->name_len;
}

/* Frees every inode still in the table. */
void hfs_itab_free(struct hfs *fs)
{
	for (uint32_t i = 0; i < fs->itab_cap; i++)
		while (fs->itab[i]) {
			struct hfs_inode *ip = fs->itab[i];

			fs->itab[i] = ip->hnext;
			hfs_inode_free(ip);
		}
	free(fs->itab);
	fs->itab = NULL;
	fs->itab_cap = 0;
}

/* ---- directories: slots and a linear-probing index of slot numbers ---- */

/* The index position holding slot's entry, or an empty position for name. */
static uint32_t index_find(const struct hfs_dirtab *d, const char *name, size_t len, uint32_t hash)
{
	uint32_t mask = d->index_cap - 1, i;

	for (i = hash & mask; d->index[i]; i = (i + 1) & mask) {
		const struct hfs_inode *ip = d->slots[d->index[i] - 1];

		if (ip->name_hash == hash && ip->name_len == len && !memcmp(ip->name, name, len))
			break;
	}
	return i;
}

struct hfs_inode *hfs_dir_lookup(const struct hfs_inode *dir, const char *name, size_t len)
{
	const struct hfs_dirtab *d = &dir->dir;
	uint32_t i;

	if (!d->entries)
		return NULL;
	i = index_find(d, name, len, name_hash(name, len));
	return d->index[i] ? d->slots[d->index[i] - 1] : NULL;
}

/* Rebuilds the index with cap positions. */
static long index_rebuild(struct hfs_dirtab *d, uint32_t cap)
{
	uint32_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return ARCHK_ERR_NO_MEMORY;
	free(d->index);
	d->index = index;
	d->index_cap = cap;
	for (uint32_t s = 0; s < d->nslots; s++) {
		const struct hfs_inode *ip = d->slots[s];

		if (ip)
			d->index[index_find(d, ip->name, ip->name_len, ip->name_hash)] = s + 1;
	}
	return 0;
}

long hfs_dir_reserve(struct hfs_inode *dir)
{
	struct hfs_dirtab *d = &dir->dir;

	if ((d->entries + 1) * 2 > d->index_cap &&
	    index_rebuild(d, d->index_cap ? d->index_cap * 2 : 16) < 0)
		return ARCHK_ERR_NO_MEMORY;
	if (!d->free_slots.n && d->nslots == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 8;
		struct hfs_inode **slots = realloc(d->slots, cap * sizeof(*slots));

		if (!slots)
			return ARCHK_ERR_NO_MEMORY;
		d->slots = slots;
		d->cap = cap;
	}
	return 0;
}

void hfs_dir_insert(struct hfs_inode *dir, struct hfs_inode *ip)
{
	struct hfs_dirtab *d = &dir->dir;
	uint32_t slot = d->free_slots.n ? d->free_slots.v[--d->free_slots.n] : d->nslots++;

	d->slots[slot] = ip;
	d->index[index_find(d, ip->name, ip->name_len, ip->name_hash)] = slot + 1;
	d->entries++;
	ip->parent = dir;
	ip->slot = slot;
}

/* Backward-shift deletion from the index, as in hfs_crcmap_del. */
static void index_delete(struct hfs_dirtab *d, uint32_t i)
{
	uint32_t mask = d->index_cap - 1;

	for (uint32_t j = (i + 1) & mask; d->index[j]; j = (j + 1) & mask) {
		uint32_t home = d->slots[d->index[j] - 1]->name_hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			d->index[i] = d->index[j];
			i = j;
		}
	}
	d->index[i] = 0;
}

void hfs_dir_remove(struct hfs_inode *dir, struct hfs_inode *ip)
{
	struct hfs_dirtab *d = &dir->dir;

	index_delete(d, index_find(d, ip->name, ip->name_len, ip->name_hash));
	d->slots[ip->slot] = NULL;
	d->entries--;
	/* The last slot shrinks the array; others are remembered for reuse. */
	if (ip->slot + 1 == d->nslots)
		d->nslots--;
	else
		(void)hfs_vec_push(&d->free_slots, ip->slot); /* without memory: not reused */
	ip->parent = NULL;
}

struct hfs_inode *hfs_dir_next(const struct hfs_inode *dir, uint64_t pos, uint32_t *slot)
{
	for (uint64_t s = pos; s < dir->dir.nslots; s++)
		if (dir->dir.slots[s]) {
			*slot = (uint32_t)s;
			return dir->dir.slots[s];
		}
	return NULL;
}
