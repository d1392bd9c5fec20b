/*
 * The crashing memory disk (testdisk.h).
 */
#include "testdisk.h"
#include <archk/errors.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 512

uint64_t td_rand(uint64_t *state)
{
	uint64_t x = (*state += 0x9e3779b97f4a7c15ull);

	x = (x ^ x >> 30) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ x >> 27) * 0x94d049bb133111ebull;
	return x ^ x >> 31;
}

/* Counts a write or flush; 1 if the disk has crashed at or before it. */
static int crashing(struct testdisk *td)
{
	td->ops++;
	if (td->crash_at && td->ops >= td->crash_at)
		td->crashed = 1;
	return td->crashed;
}

static long td_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	struct testdisk *td = ctx;

	if (td->fail_reads)
		return ARCHK_ERR_IO;
	if ((sector + count) * SECTOR > td->bytes)
		return ARCHK_ERR_INVALID_ARGS;
	memcpy(buf, td->view + sector * SECTOR, (size_t)count * SECTOR);
	return 0;
}

static long td_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	struct testdisk *td = ctx;
	struct td_write *w;

	if (crashing(td))
		return ARCHK_ERR_IO;
	if ((sector + count) * SECTOR > td->bytes)
		return ARCHK_ERR_NO_SPACE;
	if (td->npending == td->cap) {
		td->cap = td->cap ? td->cap * 2 : 64;
		td->pending = realloc(td->pending, td->cap * sizeof(*td->pending));
	}
	w = &td->pending[td->npending++];
	w->sector = sector;
	w->count = count;
	w->data = malloc((size_t)count * SECTOR);
	memcpy(w->data, buf, (size_t)count * SECTOR);
	memcpy(td->view + sector * SECTOR, buf, (size_t)count * SECTOR);
	if ((sector + count) * SECTOR > td->used)
		td->used = (sector + count) * SECTOR;
	td->writes++;
	return 0;
}

static void drop_pending(struct testdisk *td)
{
	for (uint32_t i = 0; i < td->npending; i++)
		free(td->pending[i].data);
	td->npending = 0;
}

static long td_flush(void *ctx)
{
	struct testdisk *td = ctx;

	if (crashing(td))
		return ARCHK_ERR_IO;
	for (uint32_t i = 0; i < td->npending; i++) {
		struct td_write *w = &td->pending[i];

		memcpy(td->durable + w->sector * SECTOR, w->data, (size_t)w->count * SECTOR);
	}
	drop_pending(td);
	td->flush_ops = realloc(td->flush_ops, (td->flushes + 1) * sizeof(long));
	td->flush_ops[td->flushes++] = td->ops;
	return 0;
}

static int64_t td_now(void *ctx)
{
	struct testdisk *td = ctx;

	return td->clock += 1000;
}

struct testdisk *td_new(uint64_t bytes)
{
	struct testdisk *td = calloc(1, sizeof(*td));

	td->bytes = bytes;
	td->durable = calloc(1, bytes);
	td->view = calloc(1, bytes);
	td->clock = 1700000000000000000ll;
	td->disk = (struct hfs_disk){.ctx = td,
				     .sectors = bytes / SECTOR,
				     .read = td_read,
				     .write = td_write,
				     .flush = td_flush,
				     .now = td_now};
	return td;
}

/* Only the bytes up to the furthest write of either disk differ from zeros. */
void td_copy(struct testdisk *dst, const struct testdisk *src)
{
	uint64_t n = dst->used > src->used ? dst->used : src->used;

	drop_pending(dst);
	memcpy(dst->durable, src->durable, n);
	memcpy(dst->view, src->durable, n);
	dst->used = src->used;
	dst->clock = src->clock;
	dst->ops = dst->crash_at = dst->writes = dst->flushes = 0;
	dst->crashed = 0;
}

void td_wipe(struct testdisk *td)
{
	drop_pending(td);
	memset(td->durable, 0, td->used);
	memset(td->view, 0, td->used);
	td->used = 0;
	td->ops = td->crash_at = td->writes = td->flushes = 0;
	td->crashed = 0;
}

void td_free(struct testdisk *td)
{
	drop_pending(td);
	free(td->flush_ops);
	free(td->pending);
	free(td->durable);
	free(td->view);
	free(td);
}

/* Puts part of write w on the durable image: some sectors, maybe the last one torn. */
static void tear(struct testdisk *td, const struct td_write *w, uint64_t *rng)
{
	for (uint32_t s = 0; s < w->count; s++) {
		uint8_t *dst = td->durable + (w->sector + s) * SECTOR;
		const uint8_t *src = w->data + (size_t)s * SECTOR;
		uint64_t r = td_rand(rng) % 4;

		if (r == 0) /* a torn sector: a prefix of the new bytes */
			memcpy(dst, src, td_rand(rng) % SECTOR);
		else if (r == 1)
			memcpy(dst, src, SECTOR);
	}
}

/* After a crash: the disk holds its durable image, nothing pending, no crash set. */
static void restart(struct testdisk *td)
{
	drop_pending(td);
	memcpy(td->view, td->durable, td->used);
	td->crashed = 0;
	td->crash_at = 0;
	td->ops = 0;
}

void td_crash(struct testdisk *td, uint64_t seed)
{
	uint64_t rng = seed;

	/* A random order: Fisher-Yates over the pending writes. */
	for (uint32_t i = td->npending; i > 1; i--) {
		uint32_t j = (uint32_t)(td_rand(&rng) % i);
		struct td_write t = td->pending[i - 1];

		td->pending[i - 1] = td->pending[j];
		td->pending[j] = t;
	}
	for (uint32_t i = 0; i < td->npending; i++) {
		struct td_write *w = &td->pending[i];

		switch (td_rand(&rng) % 3) {
		case 0: /* dropped */
			break;
		case 1:
			memcpy(td->durable + w->sector * SECTOR, w->data,
			       (size_t)w->count * SECTOR);
			break;
		default:
			tear(td, w, &rng);
		}
	}
	restart(td);
}

void td_settle(struct testdisk *td)
{
	for (uint32_t i = 0; i < td->npending; i++)
		memcpy(td->durable + td->pending[i].sector * SECTOR, td->pending[i].data,
		       (size_t)td->pending[i].count * SECTOR);
	restart(td);
}
