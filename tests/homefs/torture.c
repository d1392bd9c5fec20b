/*
 * hfs_torture: random workloads on homefs, checked against a reference.
 *
 *   hfs_torture model [SEEDS [STEPS]]
 *       Random creates, writes, reads, truncates, renames, removes,
 *       listings and syncs with up to four files open; every result (data,
 *       sizes, listings, exact error codes) is compared with the reference
 *       (model.c), and after each phase the home is remounted, compared
 *       whole and checked with hfs_check.
 *   hfs_torture crash [SEEDS [PHASES [STEPS]]]
 *       The same workloads on a disk that crashes (testdisk.c): each phase
 *       is run once to count its device operations, then again with a
 *       crash at one of them (a flush, or any write), after which the disk
 *       keeps a random part of the unflushed writes. The remounted home
 *       must be exactly the last completed commit, or the one in progress
 *       at the crash, and pass hfs_check; the next phase goes on from it.
 *
 * HFS_TORTURE_SCALE=N multiplies the seeds; HFS_TORTURE_SEED=N runs seed N only
 * (HFS_TORTURE_TRACE=1 prints its operations). Exit status 0 if all passed.
 */
#include <archk/errors.h>
#include <archk/syscall.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "testdisk.h"

#define DISK_BYTES  (4u << 20)
#define SMALL_BYTES (256u << 10) /* every fifth seed: a disk that fills up */
#define HANDLES	    4
#define MAX_FILE    (40 * 1024)

struct handle {
	int used;
	int id; /* the model node (a file) */
	struct hfs_node *node;
	uint8_t *data; /* working contents */
	size_t size;
	int dirty, orphan;
};

/* One run of a workload against a mounted home. */
struct world {
	struct testdisk *td;
	struct hfs *fs;
	struct state model;    /* what is published now */
	struct state durable;  /* as of the last completed commit */
	struct state inflight; /* the commit under way, if have_inflight */
	int have_inflight;
	struct handle h[HANDLES];
	uint64_t rng;
	uint64_t seed;
	int step;
	int crashed;		      /* an operation failed because the disk crashed */
	int small;		      /* the disk fills up: NO_SPACE is a possible answer */
	uint32_t seg_blocks, log_min; /* hfs_tune after every mount */
};

static long failures;
static long crash_points;
static long recovered_inflight; /* crashes in a commit that the commit survived */
static long recovered_before;	/* crashes in a commit that it did not survive */
static long no_space;		/* changes refused for want of space (small disks) */
static int tracing;		/* HFS_TORTURE_TRACE set: print every operation */

static void fail(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct world *w, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL seed %llu step %d: ", (unsigned long long)w->seed, w->step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

static uint64_t rnd(struct world *w, uint64_t n)
{
	return td_rand(&w->rng) % n;
}

/* 1 if the call just made failed because of the crash: the run stops there. */
static int crashed(struct world *w)
{
	if (w->td->crashed)
		w->crashed = 1;
	return w->crashed;
}

/* Compares a result with the reference's; 1 if they agree. */
static int expect(struct world *w, long got, long want, const char *what, const char *path)
{
	/* On a small disk any change that needs space may find none, and then changes nothing. */
	if (w->small && got == ARCHK_ERR_NO_SPACE && want >= 0) {
		no_space++;
		return 0;
	}
	if (tracing)
		fprintf(stderr, "step %d: %s %.40s = %ld\n", w->step, what, path, got);
	if (crashed(w))
		return 0;
	if (got != want) {
		fail(w, "%s %s: got %ld, expected %ld", what, path, got, want);
		return 0;
	}
	return 1;
}

/* ---- paths ---- */

static void random_name(struct world *w, char *out)
{
	static const char *pool[] = {"a", "b", "c", "d", "e", "f", "g"};

	if (rnd(w, 40) == 0) { /* a long name, up to the limit */
		size_t n = 200 + rnd(w, HFS_NAME_MAX - 199);

		memset(out, 'x', n);
		out[0] = (char)('L' + rnd(w, 3));
		out[n] = 0;
	} else {
		strcpy(out, pool[rnd(w, sizeof(pool) / sizeof(pool[0]))]);
	}
}

/* A random existing directory ("" for the root). */
static const char *random_dir(struct world *w)
{
	int dirs = 0, pick;

	for (int i = 0; i < w->model.n; i++)
		dirs += w->model.v[i].kind == HFS_KIND_DIR;
	pick = (int)rnd(w, dirs + 1);
	for (int i = 0; i < w->model.n; i++)
		if (w->model.v[i].kind == HFS_KIND_DIR && pick-- == 0)
			return w->model.v[i].path;
	return "";
}

/* A path: usually a name in an existing directory, sometimes below a missing one. */
static void random_path(struct world *w, char *out, size_t len)
{
	char name[HFS_NAME_MAX + 1], name2[HFS_NAME_MAX + 1];
	const char *dir = random_dir(w);

	random_name(w, name);
	if (rnd(w, 10) == 0) {
		random_name(w, name2);
		snprintf(out, len, "%s%s%s/%s", dir, dir[0] ? "/" : "", name2, name);
	} else {
		snprintf(out, len, "%s%s%s", dir, dir[0] ? "/" : "", name);
	}
}

/* An existing path (or a random one if the tree is empty). */
static void existing_path(struct world *w, char *out, size_t len)
{
	if (!w->model.n || rnd(w, 8) == 0)
		random_path(w, out, len);
	else
		snprintf(out, len, "%s", w->model.v[rnd(w, w->model.n)].path);
}

/* What walking to path's last component gives: 0, TOO_LONG, NOT_FOUND or NOT_DIR. */
static long model_walk(const struct state *s, const char *path)
{
	char prefix[PATH_BUF];

	if (strlen(path) > HFS_PATH_MAX)
		return ARCHK_ERR_TOO_LONG; /* deep paths exist, but cannot be named whole */

	for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		int i;

		snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - path), path);
		if ((i = state_find(s, prefix)) < 0)
			return ARCHK_ERR_NOT_FOUND;
		if (s->v[i].kind != HFS_KIND_DIR)
			return ARCHK_ERR_NOT_DIR;
	}
	return 0;
}

/* What hfs_open with HFS_CREATE and flags gives for path in the reference. */
static long create_result(const struct state *s, const char *path, unsigned flags)
{
	int i = state_find(s, path);
	long err = model_walk(s, path);

	if (err || i < 0)
		return err;
	if (flags & HFS_EXCL)
		return ARCHK_ERR_EXISTS;
	if (s->v[i].kind == HFS_KIND_DIR && !(flags & HFS_DIR))
		return ARCHK_ERR_IS_DIR;
	return s->v[i].kind == HFS_KIND_FILE && (flags & HFS_DIR) ? ARCHK_ERR_NOT_DIR : 0;
}

static struct handle *handle_of(struct world *w, int id)
{
	for (int i = 0; i < HANDLES; i++)
		if (w->h[i].used && w->h[i].id == id)
			return &w->h[i];
	return NULL;
}

static struct handle *free_handle(struct world *w)
{
	for (int i = 0; i < HANDLES; i++)
		if (!w->h[i].used)
			return &w->h[i];
	return NULL;
}

static struct handle *random_handle(struct world *w)
{
	int start = (int)rnd(w, HANDLES);

	for (int i = 0; i < HANDLES; i++)
		if (w->h[(start + i) % HANDLES].used)
			return &w->h[(start + i) % HANDLES];
	return NULL;
}

/* Removes node i from the reference; a handle open on it keeps working, unpublished. */
static void model_remove(struct world *w, int i)
{
	struct handle *h = handle_of(w, w->model.v[i].id);

	if (h)
		h->orphan = 1;
	state_remove(&w->model, i);
}

/* The handle's working contents become the file's published ones. */
static void publish(struct world *w, struct handle *h)
{
	int i = state_find_id(&w->model, h->id);

	if (h->orphan || !h->dirty || i < 0)
		return;
	free(w->model.v[i].data);
	w->model.v[i].data = malloc(h->size ? h->size : 1);
	memcpy(w->model.v[i].data, h->data, h->size);
	w->model.v[i].size = h->size;
	h->dirty = 0;
}

/* A commit: durable becomes the published tree, unless the disk crashes under it. */
static void commit(struct world *w, long got, const char *what)
{
	state_free(&w->inflight);
	state_copy(&w->inflight, &w->model);
	w->have_inflight = 1;
	if (got == ARCHK_ERR_NO_SPACE)
		fail(w, "%s: NO_SPACE (a commit always has its space)", what);
	if (!expect(w, got, 0, what, ""))
		return;
	w->have_inflight = 0;
	state_free(&w->durable);
	state_copy(&w->durable, &w->model);
}

/* ---- steps ---- */

static void step_open(struct world *w)
{
	struct handle *h = free_handle(w);
	unsigned flags = HFS_CREATE;
	char path[PATH_BUF];
	struct hfs_node *n = NULL;
	long want;
	int i;

	if (!h)
		return;
	existing_path(w, path, sizeof(path));
	i = state_find(&w->model, path);
	if (i >= 0 && handle_of(w, w->model.v[i].id))
		return; /* one handle per file keeps the reference simple */
	flags |= rnd(w, 4) == 0 ? HFS_EXCL : 0;
	flags |= rnd(w, 3) == 0 ? HFS_TRUNCATE : 0;
	want = create_result(&w->model, path, flags);
	if (!expect(w, hfs_open(w->fs, NULL, path, strlen(path), flags, &n), want, "create",
		    path) ||
	    want < 0)
		return;
	if (i < 0)
		i = state_add(&w->model, path, HFS_KIND_FILE, NULL, 0);
	*h = (struct handle){.used = 1, .id = w->model.v[i].id, .node = n};
	h->size = flags & HFS_TRUNCATE ? 0 : w->model.v[i].size;
	h->data = malloc(MAX_FILE);
	memcpy(h->data, w->model.v[i].data, h->size);
	h->dirty = (flags & HFS_TRUNCATE) && w->model.v[i].size;
}

static void step_write(struct world *w, struct handle *h)
{
	size_t off = rnd(w, 3) ? rnd(w, h->size + 1) : rnd(w, MAX_FILE / 2);
	size_t len = rnd(w, 4) ? 1 + rnd(w, 3000) : 1 + rnd(w, 16384);
	uint8_t *buf;
	uint64_t pattern = td_rand(&w->rng);

	if (off + len > MAX_FILE)
		len = MAX_FILE - off;
	if (!len)
		return;
	buf = malloc(len);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(pattern >> (i % 8 * 8)) ^ (uint8_t)(i / 8);
	if (tracing)
		fprintf(stderr, "step %d: file %d: write %zu at %zu\n", w->step, h->id, len, off);
	if (expect(w, hfs_write(h->node, buf, len, off), (long)len, "write", "")) {
		if (off > h->size)
			memset(h->data + h->size, 0, off - h->size);
		memcpy(h->data + off, buf, len);
		if (off + len > h->size)
			h->size = off + len;
		h->dirty = 1;
	}
	free(buf);
}

static void step_read(struct world *w, struct handle *h)
{
	size_t off = rnd(w, h->size + 100), len = 1 + rnd(w, 20000);
	size_t want = off >= h->size ? 0 : (h->size - off < len ? h->size - off : len);
	uint8_t *buf = malloc(len);
	long got = hfs_read(h->node, buf, len, off);

	if (tracing)
		fprintf(stderr, "step %d: file %d: read %zu at %zu\n", w->step, h->id, len, off);

	if (expect(w, got, (long)want, "read", "") && memcmp(buf, h->data + off, want))
		fail(w, "read at %zu of %zu bytes: wrong data", off, want);
	free(buf);
}

static void step_truncate(struct world *w, struct handle *h)
{
	size_t size = rnd(w, 2) ? rnd(w, h->size + 1) : rnd(w, MAX_FILE);

	if (tracing)
		fprintf(stderr, "step %d: file %d: truncate to %zu\n", w->step, h->id, size);
	if (!expect(w, hfs_truncate(h->node, size), 0, "truncate", ""))
		return;
	if (size > h->size)
		memset(h->data + h->size, 0, size - h->size);
	h->size = size;
	h->dirty = 1;
}

static void step_stat(struct world *w, struct handle *h)
{
	struct hfs_stat st;

	hfs_stat(h->node, &st);
	if (st.kind != HFS_KIND_FILE || st.size != h->size)
		fail(w, "stat: kind %u size %llu, expected a file of %zu", st.kind,
		     (unsigned long long)st.size, h->size);
}

static void close_handle(struct world *w, struct handle *h)
{
	hfs_close(h->node);
	publish(w, h);
	free(h->data);
	*h = (struct handle){0};
}

static void step_sync(struct world *w, struct handle *h)
{
	publish(w, h);
	commit(w, hfs_sync(h->node), "sync file");
}

static void step_sync_dir(struct world *w)
{
	const char *dir = random_dir(w);
	long want = model_walk(&w->model, dir);
	struct hfs_node *n;

	if (!expect(w, hfs_open(w->fs, NULL, dir, strlen(dir), 0, &n), want, "open dir", dir) ||
	    want < 0)
		return;
	commit(w, hfs_sync(n), "sync dir");
	hfs_close(n);
}

static void step_mkdir(struct world *w)
{
	char path[PATH_BUF];
	unsigned flags = HFS_CREATE | HFS_DIR | (rnd(w, 3) == 0 ? HFS_EXCL : 0);
	struct hfs_node *n = NULL;
	long want;
	int i;

	random_path(w, path, sizeof(path));
	i = state_find(&w->model, path);
	want = create_result(&w->model, path, flags);
	if (!expect(w, hfs_open(w->fs, NULL, path, strlen(path), flags, &n), want, "mkdir", path) ||
	    want < 0)
		return;
	hfs_close(n);
	if (i < 0)
		state_add(&w->model, path, HFS_KIND_DIR, NULL, 0);
}

static void step_remove(struct world *w)
{
	char path[PATH_BUF];
	long want;
	int i;

	existing_path(w, path, sizeof(path));
	i = state_find(&w->model, path);
	if ((want = model_walk(&w->model, path)) == 0)
		want = i < 0				 ? ARCHK_ERR_NOT_FOUND
		       : state_children(&w->model, path) ? ARCHK_ERR_NOT_EMPTY
							 : 0;
	if (expect(w, hfs_remove(w->fs, NULL, path, strlen(path)), want, "remove", path) && !want)
		model_remove(w, i);
}

/* What renaming from to to gives in the reference. */
static long rename_result(const struct state *s, const char *from, const char *to)
{
	char parent[PATH_BUF];
	int src = state_find(s, from), dst = state_find(s, to);
	size_t n = strlen(from);
	long err;

	if ((err = model_walk(s, from)) || (err = model_walk(s, to)))
		return err;
	if (src < 0)
		return ARCHK_ERR_NOT_FOUND;
	path_parent(to, parent, sizeof(parent));
	if (s->v[src].kind == HFS_KIND_DIR && !strncmp(parent, from, n) &&
	    (parent[n] == 0 || parent[n] == '/'))
		return ARCHK_ERR_INVALID_ARGS;
	if (dst == src)
		return 0;
	if (dst >= 0 && s->v[dst].kind == HFS_KIND_DIR && s->v[src].kind != HFS_KIND_DIR)
		return ARCHK_ERR_IS_DIR;
	if (dst >= 0 && s->v[dst].kind != HFS_KIND_DIR && s->v[src].kind == HFS_KIND_DIR)
		return ARCHK_ERR_NOT_DIR;
	if (dst >= 0 && state_children(s, to))
		return ARCHK_ERR_NOT_EMPTY;
	return 0;
}

static void step_rename(struct world *w)
{
	char from[PATH_BUF], to[PATH_BUF];
	long want;
	int src, dst;

	existing_path(w, from, sizeof(from));
	if (rnd(w, 3) == 0)
		existing_path(w, to, sizeof(to));
	else
		random_path(w, to, sizeof(to));
	want = rename_result(&w->model, from, to);
	if (tracing)
		fprintf(stderr, "step %d: rename %.40s -> %.40s\n", w->step, from, to);
	if (!expect(w, hfs_rename(w->fs, NULL, from, strlen(from), to, strlen(to)), want, "rename",
		    from) ||
	    want || !strcmp(from, to))
		return;
	src = state_find(&w->model, from);
	if ((dst = state_find(&w->model, to)) >= 0) {
		int id = w->model.v[src].id;

		model_remove(w, dst);
		src = state_find_id(&w->model, id);
	}
	state_rename(&w->model, src, to);
}

/* Lists a directory and compares names, kinds and sizes with the reference. */
static void step_list(struct world *w)
{
	const char *dir = random_dir(w);
	char parent[PATH_BUF], buf[700];
	struct hfs_node *n;
	uint64_t pos = 0;
	long got, want = model_walk(&w->model, dir);
	int seen = 0;

	if (!expect(w, hfs_open(w->fs, NULL, dir, strlen(dir), 0, &n), want, "open dir", dir) ||
	    want < 0)
		return;
	/* A small buffer: long names take a READ each, and `next` carries on. */
	while ((got = hfs_list(n, pos, buf, sizeof(buf))) > 0) {
		for (long at = 0; at < got; seen++) {
			const struct archk_dirent *d = (const void *)(buf + at);
			char path[PATH_BUF];
			int i;
			struct handle *h;

			snprintf(path, sizeof(path), "%s%s%.*s", dir, dir[0] ? "/" : "",
				 d->name_len, d->name);
			path_parent(path, parent, sizeof(parent));
			i = state_find(&w->model, path);
			h = i >= 0 ? handle_of(w, w->model.v[i].id) : NULL;
			if (i < 0 || d->kind != w->model.v[i].kind ||
			    d->size != (h ? h->size : w->model.v[i].size))
				fail(w, "list %s: unexpected entry %s (kind %u size %llu)", dir,
				     path, d->kind, (unsigned long long)d->size);
			pos = d->next;
			at += d->reclen;
		}
	}
	expect(w, got, 0, "list", dir);
	if (seen != state_children(&w->model, dir))
		fail(w, "list %s: %d entries, expected %d", dir, seen,
		     state_children(&w->model, dir));
	hfs_close(n);
}

/* The steps and how often each is taken (in percent); those with a handle need one open. */
static const struct {
	int percent;
	void (*on_handle)(struct world *w, struct handle *h);
	void (*alone)(struct world *w);
} step_table[] = {
    {14, NULL, step_open},    {18, step_write, NULL},	{6, step_read, NULL},
    {4, step_truncate, NULL}, {2, step_stat, NULL},	{10, close_handle, NULL},
    {7, step_sync, NULL},     {4, NULL, step_sync_dir}, {8, NULL, step_mkdir},
    {8, NULL, step_remove},   {11, NULL, step_rename},	{8, NULL, step_list},
};

static void step(struct world *w)
{
	struct handle *h = random_handle(w);
	int r = (int)rnd(w, 100);
	size_t i = 0;

	while (i + 1 < sizeof(step_table) / sizeof(step_table[0]) && r >= step_table[i].percent)
		r -= step_table[i++].percent;
	if (step_table[i].on_handle && !h)
		step_open(w);
	else if (step_table[i].on_handle)
		step_table[i].on_handle(w, h);
	else
		step_table[i].alone(w);
}

/* ---- phases ---- */

/* Mounts td's home and reads it into s; 0 or an error (printed). */
static long mount_and_read(struct world *w, struct hfs **fs, struct state *s)
{
	char why[200];
	long err = hfs_mount(&w->td->disk, 0, fs, why, sizeof(why));

	*s = (struct state){0};
	if (err < 0) {
		if (!crashed(w))
			fail(w, "mount: %ld (%s)", err, why);
		return err;
	}
	if ((err = state_read(*fs, s)) < 0)
		fail(w, "reading the tree: %ld", err);
	hfs_tune(*fs, w->seg_blocks, w->log_min);
	return err;
}

static void report_line(void *ctx, const char *line)
{
	if (strncmp(line, "clean:", 6) && strncmp(line, "note:", 5))
		fprintf(stderr, "  check: %s\n", line);
}

static void check_disk(struct world *w)
{
	long problems = hfs_check(&w->td->disk, report_line, NULL);

	if (problems)
		fail(w, "hfs_check found %ld problems", problems);
}

/*
 * Runs steps from the durable state on td's home; with crash_at, until the
 * disk crashes there. Closes everything and commits at the end. The world
 * keeps durable (and inflight) for the caller.
 */
static void run_phase(struct world *w, int steps)
{
	struct state seen;

	state_copy(&w->model, &w->durable);
	if (mount_and_read(w, &w->fs, &seen) < 0) {
		state_free(&seen);
		return;
	}
	if (!state_equal(&seen, &w->durable)) {
		fail(w, "the mounted tree is not the durable one");
		state_diff(&seen, &w->durable);
	}
	state_free(&seen);
	for (w->step = 0; w->step < steps && !w->crashed; w->step++)
		step(w);
	for (int i = 0; i < HANDLES && !w->crashed; i++)
		if (w->h[i].used)
			close_handle(w, &w->h[i]);
	if (!w->crashed)
		commit(w, hfs_commit(w->fs), "final commit");
	for (int i = 0; i < HANDLES; i++)
		if (w->h[i].used) {
			free(w->h[i].data);
			w->h[i] = (struct handle){0};
		}
	hfs_unmount(w->fs);
	w->fs = NULL;
	state_free(&w->model);
}

/* After a crash (or a clean end): the home must be durable or inflight, and clean. */
static void verify_recovery(struct world *w)
{
	struct state s;
	struct hfs *fs;

	if (mount_and_read(w, &fs, &s) < 0) {
		state_free(&s);
		return;
	}
	if (state_equal(&s, &w->durable)) {
		recovered_before += w->have_inflight; /* the commit under way did not make it */
	} else if (w->have_inflight && state_equal(&s, &w->inflight)) {
		recovered_inflight++;
		state_free(&w->durable);
		state_copy(&w->durable, &w->inflight);
	} else {
		fail(w,
		     "after the crash the tree is neither the last commit nor the one under way");
		state_diff(&s, &w->durable);
	}
	w->have_inflight = 0;
	state_free(&s);
	hfs_unmount(fs);
	check_disk(w);
}

static void world_free(struct world *w)
{
	state_free(&w->durable);
	state_free(&w->inflight);
	state_free(&w->model);
}

/* The phase on probe (a copy of the disk) without a crash: its device operations. */
static long count_ops(const struct world *w, int steps, struct testdisk *probe)
{
	struct world dry = {.td = probe,
			    .rng = w->rng,
			    .seed = w->seed,
			    .seg_blocks = w->seg_blocks,
			    .log_min = w->log_min,
			    .small = w->small};

	td_copy(probe, w->td);
	state_copy(&dry.durable, &w->durable);
	run_phase(&dry, steps);
	state_free(&dry.durable);
	state_free(&dry.inflight);
	return probe->ops;
}

/* Small segments and early checkpoints for most seeds, the defaults for some. */
static void tuning(struct world *w)
{
	static const uint32_t segs[] = {1, 2, 16}, limits[] = {1, 3, 64};

	w->seg_blocks = segs[w->seed % 3];
	w->log_min = limits[w->seed / 3 % 3];
	w->small = w->seed % 5 == 4;
}

/*
 * A wiped disk for w (small or not): which of two is which == 0 or 1. The
 * disks live for the whole run: new ones would cost page faults each trial.
 */
static struct testdisk *disk_for(const struct world *w, int which)
{
	static struct testdisk *disks[2][2];
	struct testdisk **d = &disks[w->small][which];

	if (!*d)
		*d = td_new(w->small ? SMALL_BYTES : DISK_BYTES);
	td_wipe(*d);
	return *d;
}

static void crash_trial(uint64_t seed, int phases, int steps)
{
	struct world w = {.seed = seed};
	struct testdisk *probe;

	tuning(&w);
	w.td = disk_for(&w, 0);
	probe = disk_for(&w, 1);
	if (hfs_format(&w.td->disk) < 0)
		fail(&w, "format");
	for (int phase = 0; phase < phases && !failures; phase++) {
		uint64_t pick = seed * 1000003 + (uint64_t)phase;
		long ops;

		w.rng = seed * 7919 + (uint64_t)phase;
		ops = count_ops(&w, steps, probe);
		/* Half the crashes at a flush (a commit's end), half at any operation. */
		if (td_rand(&pick) % 2 && probe->flushes)
			w.td->crash_at = probe->flush_ops[td_rand(&pick) % probe->flushes];
		else
			w.td->crash_at = 1 + (long)(td_rand(&pick) % (uint64_t)(ops ? ops : 1));
		w.td->ops = 0;
		w.crashed = 0;
		run_phase(&w, steps);
		td_crash(w.td, td_rand(&pick));
		crash_points++;
		w.crashed = 0;
		verify_recovery(&w);
	}
	world_free(&w);
}

static void model_trial(uint64_t seed, int phases, int steps)
{
	struct world w = {.seed = seed, .rng = seed};

	tuning(&w);
	w.td = disk_for(&w, 0);
	if (hfs_format(&w.td->disk) < 0) {
		fail(&w, "format");
		return;
	}
	for (int phase = 0; phase < phases && !failures; phase++) {
		run_phase(&w, steps);
		verify_recovery(&w);
	}
	world_free(&w);
}

int main(int argc, char **argv)
{
	const char *scale_env = getenv("HFS_TORTURE_SCALE");
	long scale = scale_env ? atol(scale_env) : 1;
	int crash = argc > 1 && !strcmp(argv[1], "crash");

	tracing = getenv("HFS_TORTURE_TRACE") != NULL;
	long seeds, phases, steps, first = 1;

	if (argc < 2 || (!crash && strcmp(argv[1], "model"))) {
		fprintf(
		    stderr,
		    "usage: hfs_torture model [SEEDS [STEPS]] | crash [SEEDS [PHASES [STEPS]]]\n");
		return 2;
	}
	seeds = (argc > 2 ? atol(argv[2]) : crash ? 2000 : 100) * (scale > 0 ? scale : 1);
	if (crash) {
		phases = argc > 3 ? atol(argv[3]) : 4;
		steps = argc > 4 ? atol(argv[4]) : 60;
	} else {
		phases = 5;
		steps = argc > 3 ? atol(argv[3]) : 300;
	}
	if (getenv("HFS_TORTURE_SEED"))
		first = seeds = atol(getenv("HFS_TORTURE_SEED"));
	for (long s = first; s <= seeds && !failures; s++) {
		if (crash)
			crash_trial((uint64_t)s, (int)phases, (int)steps);
		else
			model_trial((uint64_t)s, (int)phases, (int)steps);
	}
	if (crash)
		printf(
		    "hfs_torture crash: %ld seeds, %ld crash points replayed (%ld in a commit that "
		    "survived, %ld in one that did not), %ld changes refused with NO_SPACE, %ld "
		    "failures\n",
		    seeds, crash_points, recovered_inflight, recovered_before, no_space, failures);
	else
		printf("hfs_torture model: %ld seeds x %ld phases x %ld steps, %ld changes refused "
		       "with NO_SPACE, %ld failures\n",
		       seeds, phases, steps, no_space, failures);
	return failures ? 1 : 0;
}
