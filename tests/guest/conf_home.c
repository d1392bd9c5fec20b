/*
 * Conformance: the home filesystem served by homefs (drivers/homefs) on a
 * ramdisk, through archk. Starts ramdisk, then homefs with the ramdisk as
 * its "disk", and checks every operation on the home with its exact result:
 * files and directories, positions, listings, rights, renames, removes,
 * SET_META, SYNC, an I/O queue, then homefs killed and started again on the
 * same disk (what was synced is there), a full disk, homefs's cache of
 * disk blocks, a corrupt disk refused, the ramdisk's own protocol, and the
 * servers' exits.
 */
#include "check.h"
#include "ringtest.h"

#define ALL_FILE                                                                                   \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_SET_PROPERTY | ARCHK_RIGHT_WAIT)
#define ALL_DIR (ALL_FILE | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_DESTROY | ARCHK_RIGHT_MANAGE)

static archk_handle_t out;

/* Closes the last handle of a server's object; the server exits with status. */
static void stop(archk_handle_t object, archk_handle_t process, long status)
{
	archk_handle_close(object);
	CHECK_EQ(wait_exit(process), status);
}

static long create(archk_handle_t dir, const char *path, uint64_t flags_rights)
{
	return archk_do_io(ARCHK_IO_CREATE, dir, (long)path, (long)strlen(path), (long)flags_rights,
			   0);
}

static long open_at(archk_handle_t dir, const char *path, uint32_t rights)
{
	return archk_do_io(ARCHK_IO_OPEN, dir, (long)path, (long)strlen(path), rights, 0);
}

static long path_op(int op, archk_handle_t dir, const char *path)
{
	return io(op, dir, path, strlen(path), 0);
}

static uint64_t size_of(archk_handle_t h)
{
	struct archk_meta meta = {0};

	CHECK_EQ(archk_get_meta(h, &meta), 0);
	return meta.size;
}

static long set_size(archk_handle_t h, uint64_t size)
{
	return io(ARCHK_IO_SET_META, h, &size, sizeof(size), 0);
}

/* Creates path with text (truncating), syncs and closes it. */
static void put_file(archk_handle_t dir, const char *path, const char *text)
{
	long f = create(dir, path, ARCHK_CREATE_TRUNCATE | ALL_FILE);

	CHECK_TRUE(f > 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, (archk_handle_t)f, text, strlen(text), 0), (long)strlen(text));
	CHECK_EQ(io(ARCHK_IO_SYNC, (archk_handle_t)f, NULL, 0, 0), 0);
	archk_handle_close((archk_handle_t)f);
}

/* 1 if path holds exactly text. */
static int holds(archk_handle_t dir, const char *path, const char *text)
{
	char buf[256];
	long f = open_at(dir, path, ARCHK_RIGHT_READ), n;

	if (f < 0)
		return 0;
	n = io(ARCHK_IO_READ, (archk_handle_t)f, buf, sizeof(buf), 0);
	archk_handle_close((archk_handle_t)f);
	return n == (long)strlen(text) && !memcmp(buf, text, (size_t)n);
}

static void files_and_positions(archk_handle_t home)
{
	char buf[64];
	long f = create(home, "notes.txt", ARCHK_RIGHTS_SAME);
	archk_handle_t h = (archk_handle_t)f;
	struct archk_meta meta;

	CHECK_TRUE(f > 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, h, "hello", 5, 0), 5);
	CHECK_EQ(io(ARCHK_IO_WRITE, h, "0123", 4, ARCHK_IO_OFFSET_CURRENT), 4); /* at 0 */
	CHECK_EQ(io(ARCHK_IO_WRITE, h, "ab", 2, ARCHK_IO_OFFSET_CURRENT), 2);
	CHECK_EQ(io(ARCHK_IO_READ, h, buf, sizeof(buf), 0), 6);
	CHECK_EQ(memcmp(buf, "0123ab", 6), 0);
	CHECK_EQ(io(ARCHK_IO_READ, h, buf, sizeof(buf), ARCHK_IO_OFFSET_CURRENT), 0); /* at 6 */
	CHECK_EQ(archk_seek(h, 1, ARCHK_SEEK_SET), 1);
	CHECK_EQ(archk_seek(h, 2, ARCHK_SEEK_CUR), 3);
	CHECK_EQ(archk_seek(h, -1, ARCHK_SEEK_END), 5);
	CHECK_EQ(io(ARCHK_IO_READ, h, buf, sizeof(buf), ARCHK_IO_OFFSET_CURRENT), 1);
	CHECK_EQ(buf[0], 'b');
	CHECK_EQ(archk_seek(h, -7, ARCHK_SEEK_END), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek(h, 0, 7), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_READ, h, buf, sizeof(buf), 1000), 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, h, buf, 0, 0), 0);
	CHECK_EQ(archk_get_meta(h, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_SERVED);
	CHECK_EQ(meta.kind, ARCHK_KIND_FILE);
	CHECK_EQ(meta.size, 6);
	CHECK_EQ(meta.flags, 0);
	CHECK_TRUE(meta.mtime > 0 && meta.ctime >= meta.mtime);
	CHECK_EQ(meta.koid, koid_of(h));
	/* SET_META: an 8-byte size. */
	CHECK_EQ(set_size(h, 3), 0);
	CHECK_EQ(size_of(h), 3);
	CHECK_EQ(set_size(h, 10000), 0);
	CHECK_EQ(io(ARCHK_IO_READ, h, buf, 8, 2), 8);
	CHECK_EQ(memcmp(buf, "2\0\0\0\0\0\0\0", 8), 0);
	CHECK_EQ(io(ARCHK_IO_SET_META, h, buf, 4, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_SYNC, h, NULL, 0, 0), 0);
	CHECK_EQ(io(ARCHK_IO_SHARE, h, NULL, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	/* A file's handle lacks ENUMERATE and DESTROY: archk refuses before homefs sees it. */
	CHECK_EQ(path_op(ARCHK_IO_OPEN, h, "x"), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, h, "x"), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(h);
}

static void names_and_errors(archk_handle_t home)
{
	char name[300];
	long d = create(home, "sub", ARCHK_CREATE_DIR | ARCHK_RIGHTS_SAME), f;

	CHECK_TRUE(d > 0);
	CHECK_EQ(create(home, "notes.txt", ARCHK_CREATE_EXCL | ALL_FILE), ARCHK_ERR_EXISTS);
	CHECK_EQ(create(home, "notes.txt", ARCHK_CREATE_DIR | ALL_DIR), ARCHK_ERR_NOT_DIR);
	CHECK_EQ(create(home, "sub", ALL_FILE), ARCHK_ERR_IS_DIR);
	CHECK_EQ(create(home, "x", (1ull << 40) | ALL_FILE), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(open_at(home, "missing", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_at(home, "missing/x", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_at(home, "notes.txt/x", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_DIR);
	CHECK_EQ(open_at(home, "sub/../notes.txt", ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_OPEN, home, "no\0te", 5, ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	memset(name, 'n', 256);
	name[256] = 0;
	CHECK_EQ(create(home, name, ALL_FILE), ARCHK_ERR_TOO_LONG);
	name[255] = 0;
	f = create(home, name, ALL_FILE);
	CHECK_TRUE(f > 0);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, home, name), 0);
	f = open_at(home, "/sub/./", ARCHK_RIGHTS_SAME); /* the same directory, another object */
	CHECK_TRUE(f > 0 && koid_of((archk_handle_t)f) != koid_of((archk_handle_t)d));
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(io(ARCHK_IO_WRITE, (archk_handle_t)d, "x", 1, 0), ARCHK_ERR_IS_DIR);
	CHECK_EQ(set_size((archk_handle_t)d, 0), ARCHK_ERR_IS_DIR);
	CHECK_EQ(archk_seek((archk_handle_t)d, 1, ARCHK_SEEK_END), ARCHK_ERR_INVALID_ARGS);
	archk_handle_close((archk_handle_t)d);
}

static void rights(archk_handle_t home)
{
	struct archk_meta meta;
	long ro = open_at(home, "notes.txt", ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY), dir, f;

	CHECK_TRUE(ro > 0);
	/* TRANSFER comes with every handle homefs gives: replies move only such handles. */
	CHECK_EQ(rights_of((archk_handle_t)ro),
		 ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_TRANSFER);
	CHECK_EQ(io(ARCHK_IO_WRITE, (archk_handle_t)ro, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_get_meta((archk_handle_t)ro, &meta), 0);
	CHECK_EQ(meta.flags, ARCHK_META_READ_ONLY);
	archk_handle_close((archk_handle_t)ro);
	CHECK_EQ(open_at(home, "notes.txt", ARCHK_RIGHT_EXECUTE), ARCHK_ERR_ACCESS_DENIED);
	/* CREATE checks the rights before it creates anything. */
	CHECK_EQ(create(home, "nope", ARCHK_RIGHT_EXECUTE), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(create(home, "nope", ARCHK_CREATE_DIR | ARCHK_RIGHT_MAP), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(open_at(home, "nope", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_at(home, "notes.txt", ARCHK_RIGHT_ENUMERATE), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(rights_of((archk_handle_t)home), ALL_DIR);
	/* A read-only directory hands out nothing writable. */
	dir = open_at(home, "", ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_TRANSFER);
	CHECK_TRUE(dir > 0);
	CHECK_EQ(open_at((archk_handle_t)dir, "notes.txt", ARCHK_RIGHT_WRITE),
		 ARCHK_ERR_ACCESS_DENIED);
	f = open_at((archk_handle_t)dir, "notes.txt", ARCHK_RIGHTS_SAME);
	CHECK_EQ(rights_of((archk_handle_t)f), ARCHK_RIGHT_READ | ARCHK_RIGHT_TRANSFER);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, (archk_handle_t)dir, "notes.txt"),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(create((archk_handle_t)dir, "y", ALL_FILE), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close((archk_handle_t)f);
	archk_handle_close((archk_handle_t)dir);
}

/* Lists dir into names[] (kinds and sizes checked by the caller): the entries read. */
static int list(archk_handle_t dir, size_t bufsize, char names[][32], uint8_t *kinds,
		uint64_t *sizes)
{
	char buf[512];
	uint64_t pos = 0;
	long n;
	int count = 0;

	while ((n = io(ARCHK_IO_READ, dir, buf, bufsize, pos)) > 0)
		for (long at = 0; at < n && count < 8; count++) {
			const struct archk_dirent *d = (const void *)(buf + at);

			CHECK_EQ(d->reclen % 8, 0);
			CHECK_EQ(d->name[d->name_len], 0);
			snprintf(names[count], 32, "%.*s", d->name_len, d->name);
			kinds[count] = d->kind;
			sizes[count] = d->size;
			pos = d->next;
			at += d->reclen;
		}
	CHECK_EQ(n, 0);
	return count;
}

/*
 * The space (READ at ARCHK_IO_OFFSET_USAGE): an 8 MiB disk of 4 KiB blocks,
 * some used, the two files and two directories of listing(); TOO_LONG for
 * less than the struct; the listing position does not move.
 */
static void usage(archk_handle_t home)
{
	struct archk_fs_usage u = {0};
	char buf[128];

	CHECK_EQ(io(ARCHK_IO_READ, home, &u, sizeof(u) - 1, ARCHK_IO_OFFSET_USAGE),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(io(ARCHK_IO_READ, home, &u, sizeof(u) + 8, ARCHK_IO_OFFSET_USAGE), 40);
	CHECK_EQ(u.block_bytes, 4096);
	CHECK_EQ(u.blocks, 2048);
	CHECK_TRUE(u.free_blocks > 0 && u.free_blocks < u.blocks);
	CHECK_EQ(u.files, 1);
	CHECK_EQ(u.dirs, 2);
	CHECK_EQ(io(ARCHK_IO_READ, home, buf, sizeof(buf), ARCHK_IO_OFFSET_CURRENT), 0);
}

static void listing(archk_handle_t home)
{
	char names[8][32];
	uint8_t kinds[8];
	uint64_t sizes[8];
	char buf[512];
	int n = list(home, sizeof(buf), names, kinds, sizes), files = 0, dirs = 0;

	CHECK_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		files += !strcmp(names[i], "notes.txt") && kinds[i] == ARCHK_KIND_FILE &&
			 sizes[i] == 10000;
		dirs += !strcmp(names[i], "sub") && kinds[i] == ARCHK_KIND_DIR && sizes[i] == 0;
	}
	CHECK_EQ(files, 1);
	CHECK_EQ(dirs, 1);
	/* One record per READ with a 40-byte buffer; TOO_LONG with 8. */
	CHECK_EQ(list(home, 40, names, kinds, sizes), 2);
	CHECK_EQ(io(ARCHK_IO_READ, home, buf, 8, 0), ARCHK_ERR_TOO_LONG);
	/* The handle's own position: OFFSET_CURRENT walks on, SEEK_SET rewinds. Records of
	 * "notes.txt" and "sub" take 40 and 32 bytes, in the order they were created. */
	CHECK_EQ(io(ARCHK_IO_READ, home, buf, 40, ARCHK_IO_OFFSET_CURRENT), 40);
	CHECK_EQ(io(ARCHK_IO_READ, home, buf, 40, ARCHK_IO_OFFSET_CURRENT), 32);
	CHECK_EQ(io(ARCHK_IO_READ, home, buf, 40, ARCHK_IO_OFFSET_CURRENT), 0);
	CHECK_EQ(archk_seek(home, 0, ARCHK_SEEK_SET), 0);
	CHECK_EQ(io(ARCHK_IO_READ, home, buf, sizeof(buf), ARCHK_IO_OFFSET_CURRENT), 72);
	CHECK_EQ(size_of(home), 2);
	usage(home);
}

static void renames_and_removes(archk_handle_t home)
{
	long f;

	CHECK_EQ(rename_at(home, "notes.txt", "sub/moved.txt"), 0);
	CHECK_EQ(open_at(home, "notes.txt", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	f = open_at(home, "sub/moved.txt", ARCHK_RIGHT_GET_PROPERTY);
	CHECK_EQ(size_of((archk_handle_t)f), 10000);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(io(ARCHK_IO_RENAME, home, "sub", 3, 0), ARCHK_ERR_INVALID_ARGS); /* no NUL */
	CHECK_EQ(rename_at(home, "missing", "x"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(rename_at(home, "sub", "sub/deeper"), ARCHK_ERR_INVALID_ARGS);
	put_file(home, "a", "first");
	put_file(home, "b", "second");
	CHECK_EQ(rename_at(home, "a", "sub"), ARCHK_ERR_IS_DIR);
	CHECK_EQ(rename_at(home, "a", "b"), 0);
	CHECK_TRUE(holds(home, "b", "first"));
	CHECK_EQ(open_at(home, "a", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, home, "sub"), ARCHK_ERR_NOT_EMPTY);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, home, "sub/moved.txt"), 0);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, home, "sub"), 0);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, home, "sub"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, home, ""), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_SYNC, home, NULL, 0, 0), 0);
}

/* Requests a well-behaved client would not make: each gets an error, homefs goes on. */
static void hostile(archk_handle_t home)
{
	static char big[ARCHK_TABLE_DATA_MAX];
	uint64_t huge = 1ull << 62;
	long f = create(home, "h", ALL_FILE);

	CHECK_TRUE(f > 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, (archk_handle_t)f, "x", 1, 1ull << 63), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(io(ARCHK_IO_SET_META, (archk_handle_t)f, &huge, sizeof(huge), 0),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(io(ARCHK_IO_READ, (archk_handle_t)f, big, 16, UINT64_MAX - 1), 0);
	CHECK_EQ(archk_seek((archk_handle_t)f, INT64_MAX, ARCHK_SEEK_SET), ARCHK_ERR_INVALID_ARGS);
	memset(big, 'p', sizeof(big));
	CHECK_EQ(io(ARCHK_IO_OPEN, home, big, sizeof(big), ARCHK_RIGHTS_SAME), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(io(ARCHK_IO_RENAME, home, "\0", 1, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_RENAME, home, "h\0", 2, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_RENAME, home, "h\0a\0b", 6, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_DESTROY, home, big, 300, 0), ARCHK_ERR_TOO_LONG);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, home, "h"), 0);
}

/* Eight writes, a sync and eight reads through an I/O queue, in one batch each. */
static void queue(archk_handle_t home)
{
	static char block[8][512], back[8][512];
	struct ring *r = ring_new(16, 0, 0);
	long f = create(home, "ring.dat", ALL_FILE);

	CHECK_TRUE(f > 0);
	for (int i = 0; i < 8; i++) {
		memset(block[i], 'A' + i, sizeof(block[i]));
		put(r, ARCHK_IO_WRITE, (archk_handle_t)f, block[i], 512, (uint64_t)i * 512,
		    100 + i);
	}
	enter(r, 8);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(await(r, 100 + i), 512);
	CHECK_EQ(ring_do(r, ARCHK_IO_SYNC, (archk_handle_t)f, NULL, 0, 0), 0);
	for (int i = 0; i < 8; i++)
		put(r, ARCHK_IO_READ, (archk_handle_t)f, back[i], 512, (uint64_t)(7 - i) * 512,
		    200 + i);
	enter(r, 8);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(await(r, 200 + i), 512);
		CHECK_EQ(memcmp(back[i], block[7 - i], 512), 0);
	}
	CHECK_TRUE(quiet(r));
	ring_free(r);
	archk_handle_close((archk_handle_t)f);
}

/* The ramdisk's protocol: whole sectors, NO_SPACE past the end, READ_ONLY with -r. */
static void ramdisk_protocol(void)
{
	static char buf[1024];
	archk_handle_t p1, p2, disk = start_ramdisk("64K", 0, &p1), ro;
	struct archk_meta meta;

	CHECK_EQ(archk_get_meta(disk, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_BLOCK);
	CHECK_EQ(meta.size, 65536);
	CHECK_EQ(io(ARCHK_IO_WRITE, disk, "x", 1, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_READ, disk, buf, 512, 100), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_WRITE, disk, buf, 1024, 65536 - 512), ARCHK_ERR_NO_SPACE);
	memset(buf, 7, sizeof(buf));
	CHECK_EQ(io(ARCHK_IO_WRITE, disk, buf, 1024, 65536 - 1024), 1024);
	CHECK_EQ(io(ARCHK_IO_READ, disk, buf, 1024, 65536 - 512), 512); /* up to the end */
	CHECK_EQ(io(ARCHK_IO_READ, disk, buf, 1024, 65536), 0);
	CHECK_EQ(io(ARCHK_IO_SYNC, disk, NULL, 0, 0), 0);
	ro = start_ramdisk("64K", 1, &p2);
	CHECK_EQ(archk_get_meta(ro, &meta), 0);
	CHECK_EQ(meta.flags, ARCHK_META_READ_ONLY);
	CHECK_EQ(io(ARCHK_IO_WRITE, ro, buf, 512, 0), ARCHK_ERR_READ_ONLY);
	/* homefs on a read-only blank disk: it cannot format it. */
	CHECK_EQ(start_homefs(ro, "-f", NULL), ARCHK_ERR_READ_ONLY);
	stop(disk, p1, 0); /* each exits when its disk's last handle closes */
	stop(ro, p2, 0);
}

/* A ramdisk and homefs on it: the disk, the home, and the two servers' processes. */
struct rig {
	archk_handle_t disk, ramdisk, homefs;
	archk_handle_t home;
};

static void rig_up(struct rig *r, const char *size)
{
	long home;

	r->disk = start_ramdisk(size, 0, &r->ramdisk);
	home = start_homefs(r->disk, "-f", &r->homefs);
	CHECK_TRUE(home > 0);
	r->home = home > 0 ? (archk_handle_t)home : 0;
}

/* homefs started again on the same disk (after it exited or was killed). */
static void rig_again(struct rig *r)
{
	long home = start_homefs(r->disk, NULL, &r->homefs);

	CHECK_TRUE(home > 0);
	r->home = home > 0 ? (archk_handle_t)home : 0;
}

/* The last handles closed: both servers exit 0 (homefs commits first). */
static void rig_down(struct rig *r)
{
	stop(r->home, r->homefs, 0);
	stop(r->disk, r->ramdisk, 0);
}

/* homefs killed: what was synced is there when it starts again on the same disk. */
static void restart(void)
{
	struct rig r;
	long f;

	rig_up(&r, "4M");
	put_file(r.home, "durable.txt", "synced before the kill");
	f = create(r.home, "durable.txt", ALL_FILE);
	CHECK_EQ(io(ARCHK_IO_WRITE, (archk_handle_t)f, "NOT SYNCED", 10, 0), 10);
	CHECK_EQ(archk_process_kill(r.homefs), 0);
	CHECK_EQ(wait_exit(r.homefs), 1000 + ARCHK_EXIT_KILLED);
	CHECK_EQ(io(ARCHK_IO_READ, (archk_handle_t)f, NULL, 0, 0), ARCHK_ERR_CANCELLED);
	archk_handle_close((archk_handle_t)f);
	archk_handle_close(r.home);
	rig_again(&r);
	CHECK_TRUE(holds(r.home, "durable.txt", "synced before the kill"));
	rig_down(&r);
}

/* A small disk fills: NO_SPACE, the sync still works, the data survives a restart. */
static void full_disk(void)
{
	static char chunk[65536];
	struct rig r;
	uint64_t done = 0;
	long f, got;

	rig_up(&r, "512K");
	f = create(r.home, "fill", ALL_FILE);
	memset(chunk, 'z', sizeof(chunk));
	while ((got = io(ARCHK_IO_WRITE, (archk_handle_t)f, chunk, 4096, done)) > 0)
		done += (uint64_t)got;
	CHECK_EQ(got, ARCHK_ERR_NO_SPACE);
	CHECK_TRUE(done > 200 * 1024);
	CHECK_EQ(io(ARCHK_IO_SYNC, (archk_handle_t)f, NULL, 0, 0), 0);
	CHECK_EQ(size_of((archk_handle_t)f), done);
	archk_handle_close((archk_handle_t)f);
	stop(r.home, r.homefs, 0);
	rig_again(&r);
	f = open_at(r.home, "fill", ARCHK_RIGHTS_SAME);
	CHECK_EQ(size_of((archk_handle_t)f), done);
	CHECK_EQ(io(ARCHK_IO_READ, (archk_handle_t)f, chunk, sizeof(chunk), done - 100), 100);
	CHECK_EQ(chunk[99], 'z');
	archk_handle_close((archk_handle_t)f);
	rig_down(&r);
}

/* The byte a program put at offset off of a file written with seed. */
static uint8_t pattern(uint64_t off, unsigned seed)
{
	return (uint8_t)(off * 131 + (off >> 12) + seed * 7);
}

/* Writes [off, off + len) of f with seed's pattern, in pieces of up to 64 KiB. */
static void write_pattern(archk_handle_t f, uint64_t off, uint64_t len, unsigned seed)
{
	static uint8_t piece[65536];

	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof(piece) ? len - done : sizeof(piece);

		for (uint64_t i = 0; i < n; i++)
			piece[i] = pattern(off + done + i, seed);
		CHECK_EQ(io(ARCHK_IO_WRITE, f, piece, n, off + done), (long)n);
		done += n;
	}
}

/* 1 if [off, off + len) of f holds seed's pattern. */
static int has_pattern(archk_handle_t f, uint64_t off, uint64_t len, unsigned seed)
{
	static uint8_t piece[65536];

	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof(piece) ? len - done : sizeof(piece);

		if (io(ARCHK_IO_READ, f, piece, n, off + done) != (long)n)
			return 0;
		for (uint64_t i = 0; i < n; i++)
			if (piece[i] != pattern(off + done + i, seed))
				return 0;
		done += n;
	}
	return 1;
}

/* A ramdisk of 8 MiB and homefs on it, formatted, with a cache of mib MiB. */
static void rig_cached(struct rig *r, const char *mib)
{
	const char *argv[] = {"/bin/homefs", "-f", "-c", mib, NULL};
	long home;

	r->disk = start_ramdisk("8M", 0, &r->ramdisk);
	home = start_homefs_argv(r->disk, argv, &r->homefs);
	CHECK_TRUE(home > 0);
	r->home = home > 0 ? (archk_handle_t)home : 0;
}

/* homefs started again on r's disk without a cache: b must hold seed 4's 2 MiB, a be gone. */
static void check_on_disk(struct rig *r)
{
	const char *no_cache[] = {"/bin/homefs", "-c", "0", NULL};
	long home = start_homefs_argv(r->disk, no_cache, &r->homefs), b;

	CHECK_TRUE(home > 0);
	r->home = home > 0 ? (archk_handle_t)home : 0;
	CHECK_EQ(open_at(r->home, "a", ARCHK_RIGHT_READ), ARCHK_ERR_NOT_FOUND);
	b = open_at(r->home, "b", ARCHK_RIGHT_READ);
	CHECK_TRUE(b > 0 && has_pattern((archk_handle_t)b, 0, 2 << 20, 4));
	archk_handle_close((archk_handle_t)b);
	rig_down(r);
}

/*
 * homefs keeps disk blocks in memory (-c MIB; disk.c). What a program reads
 * is always what it wrote — after overwrites across blocks and in place,
 * before and after a sync, after a truncation and a remove whose blocks
 * another file takes — and so is what a homefs without a cache finds on
 * the disk afterwards: with a cache of 1 MiB, which 3 MiB of files make
 * every slot change hands, and with one as big as the disk, which keeps
 * every block it saw (a stale one would show).
 */
static void cache(const char *mib)
{
	struct rig r;
	long a, b;

	rig_cached(&r, mib);
	a = create(r.home, "a", ALL_FILE);
	b = create(r.home, "b", ALL_FILE);
	write_pattern((archk_handle_t)a, 0, 3 << 20, 1);
	CHECK_TRUE(has_pattern((archk_handle_t)a, 0, 3 << 20, 1)); /* not synced yet */
	CHECK_EQ(io(ARCHK_IO_SYNC, (archk_handle_t)a, NULL, 0, 0), 0);
	write_pattern((archk_handle_t)a, 123457, 10000, 2); /* across blocks, unaligned */
	CHECK_TRUE(has_pattern((archk_handle_t)a, 0, 123457, 1));
	CHECK_TRUE(has_pattern((archk_handle_t)a, 123457, 10000, 2));
	CHECK_TRUE(has_pattern((archk_handle_t)a, 133457, (3 << 20) - 133457, 1));
	/* 17 new blocks: the first 16 reach the disk, then one is read and written in place. */
	write_pattern((archk_handle_t)a, 1 << 20, 17 * 4096, 5);
	CHECK_TRUE(has_pattern((archk_handle_t)a, 1 << 20, 4096, 5));
	write_pattern((archk_handle_t)a, 1 << 20, 100, 3);
	CHECK_EQ(io(ARCHK_IO_SYNC, (archk_handle_t)a, NULL, 0, 0), 0);
	CHECK_TRUE(has_pattern((archk_handle_t)a, 1 << 20, 100, 3));
	CHECK_TRUE(has_pattern((archk_handle_t)a, (1 << 20) + 100, 17 * 4096 - 100, 5));
	CHECK_EQ(set_size((archk_handle_t)a, (1 << 20) + 100), 0);
	CHECK_EQ(io(ARCHK_IO_SYNC, (archk_handle_t)a, NULL, 0, 0), 0);
	CHECK_EQ(path_op(ARCHK_IO_DESTROY, r.home, "a"), 0);
	write_pattern((archk_handle_t)b, 0, 2 << 20, 4);	     /* into a's old blocks */
	CHECK_TRUE(has_pattern((archk_handle_t)a, 1 << 20, 100, 3)); /* a stays readable */
	CHECK_TRUE(has_pattern((archk_handle_t)b, 0, 2 << 20, 4));
	CHECK_EQ(io(ARCHK_IO_SYNC, (archk_handle_t)b, NULL, 0, 0), 0);
	CHECK_TRUE(has_pattern((archk_handle_t)b, 0, 2 << 20, 4));
	archk_handle_close((archk_handle_t)a);
	archk_handle_close((archk_handle_t)b);
	stop(r.home, r.homefs, 0);
	check_on_disk(&r);
}

/* A blank disk is refused without -f (or formatted with -i); garbage is CORRUPT. */
static void refusals(void)
{
	const char *bad_cache[] = {"/bin/homefs", "-c", "1x", NULL};
	const char *both[] = {"/bin/homefs", "-f", "-i", NULL};
	static char garbage[8192];
	archk_handle_t rd, p;
	archk_handle_t disk = start_ramdisk("1M", 0, &rd);
	long home;

	CHECK_EQ(start_homefs(disk, NULL, &p), ARCHK_ERR_CORRUPT);
	CHECK_EQ(wait_exit(p), 1);
	home = start_homefs(disk, "-i", &p);
	CHECK_TRUE(home > 0);
	put_file((archk_handle_t)home, "kept", "formatted once");
	stop((archk_handle_t)home, p, 0);
	home = start_homefs(disk, "-i", &p); /* not blank now: mounted, not formatted */
	CHECK_TRUE(holds((archk_handle_t)home, "kept", "formatted once"));
	stop((archk_handle_t)home, p, 0);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7 + 3);
	CHECK_EQ(io(ARCHK_IO_WRITE, disk, garbage, sizeof(garbage), 0), (long)sizeof(garbage));
	CHECK_EQ(start_homefs(disk, "-i", &p), ARCHK_ERR_CORRUPT);
	CHECK_EQ(wait_exit(p), 1);
	CHECK_EQ(start_homefs(disk, "-x", &p), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(wait_exit(p), 2);
	CHECK_EQ(start_homefs_argv(disk, bad_cache, &p), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(wait_exit(p), 2);
	CHECK_EQ(start_homefs_argv(disk, both, &p), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(wait_exit(p), 2);
	stop(disk, rd, 0);
}

int main(void)
{
	archk_handle_t rd, fs;
	archk_handle_t disk;
	long home;

	out = archk_handle_named("out");
	disk = start_ramdisk("8M", 0, &rd);
	home = start_homefs(disk, "-f", &fs);
	CHECK_TRUE(home > 0);
	if (home > 0) {
		files_and_positions((archk_handle_t)home);
		names_and_errors((archk_handle_t)home);
		rights((archk_handle_t)home);
		listing((archk_handle_t)home);
		renames_and_removes((archk_handle_t)home);
		hostile((archk_handle_t)home);
		queue((archk_handle_t)home);
		stop((archk_handle_t)home, fs, 0);
	}
	stop(disk, rd, 0);
	ramdisk_protocol();
	restart();
	full_disk();
	cache("1");
	cache("8");
	refusals();
	return check_done("conf_home");
}
