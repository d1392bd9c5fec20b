/*
 * Conformance: host folders shared with --share (docs/abi.md 18.12), through
 * the share driver with the errors of the home filesystem (8.11), and the
 * device itself. tests/integration/share.sh prepares the host directories
 * (the escape tree among them), runs each part in its own archk run and
 * checks on the host what the guest changed.
 *
 *   conf_share ops        every operation and its errors on an empty
 *                         writable share:rw
 *   conf_share escape     share:esc holds links that lead out, loops, a
 *                         FIFO, next to the directory outside: nothing
 *                         there is reached or changed
 *   conf_share moved      share:mv/walk is moved out of the share by the
 *                         host while this program holds it (a handshake
 *                         through files: walk/ready, then go)
 *   conf_share race       share:mv/a/b moves in and out of the share while
 *                         this program opens a/b/up (a link to ../../target):
 *                         it reads INSIDE or finds nothing, never OUTSIDE
 *   conf_share ro         share:ro is read-only: every change is READ_ONLY
 *   conf_share proc       share:proc is /proc/self: magic links are refused
 *   conf_share mounts M.. share:dev is /dev: the mount points M.. are refused
 *   conf_share device     the device's own checks, driving share:rw and
 *                         share:ro directly
 */
#include "lib/virtio.h"
#include "ringtest.h"

#define MS  1000000LL
#define SEC (1000 * MS)

#define FILE_RIGHTS 0x08cfu
#define DIR_RIGHTS  0x2bcfu

static archk_handle_t bus;

/* ---- helpers ---- */

/* The share driver for device (a bus name); its root, and its process in *driver. */
static archk_handle_t start_share(const char *device, long *driver)
{
	static const char *const argv[] = {"/drivers/share", NULL};
	long dev = archk_do_io(ARCHK_IO_OPEN, bus, (long)device, (long)strlen(device),
			       ARCHK_RIGHTS_SAME, 0);
	struct archk_spawn_handle hs[] = {{"device", (archk_handle_t)dev, ARCHK_RIGHTS_SAME}};
	archk_handle_t process = 0;
	long root = archk_spawn_server(argv, hs, 1, &process);

	CHECK_TRUE(dev > 0);
	CHECK_TRUE(root > 0);
	archk_handle_close((archk_handle_t)dev);
	*driver = process;
	return root > 0 ? (archk_handle_t)root : ARCHK_HANDLE_INVALID;
}

/* Closes root, the driver's last object: it exits with 0 (else it is ended). */
static void stop_share(archk_handle_t root, long driver)
{
	archk_handle_close(root);
	if (archk_object_wait_one((archk_handle_t)driver, ARCHK_SIGNAL_TERMINATED, now() + 5 * SEC,
				  NULL) < 0) {
		CHECK_EQ(archk_process_kill((archk_handle_t)driver), 0); /* a handle still open */
		CHECK_TRUE(false);
	}
	CHECK_EQ(wait_exit(driver), 0);
}

static long create(archk_handle_t dir, const char *path, uint64_t how)
{
	return io(ARCHK_IO_CREATE, dir, path, strlen(path), how);
}

static long open_at(archk_handle_t dir, const char *path, uint32_t rights)
{
	return io(ARCHK_IO_OPEN, dir, path, strlen(path), rights);
}

static long destroy(archk_handle_t dir, const char *path)
{
	return io(ARCHK_IO_DESTROY, dir, path, strlen(path), 0);
}

/* The file at path as a string in buf (size bytes); its length or an error. */
static long read_file(archk_handle_t dir, const char *path, char *buf, size_t size)
{
	long f = open_at(dir, path, ARCHK_RIGHT_READ), n;

	if (f < 0)
		return f;
	n = io(ARCHK_IO_READ, (archk_handle_t)f, buf, size - 1, 0);
	archk_handle_close((archk_handle_t)f);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* Does the file at path hold exactly text? */
static bool holds(archk_handle_t dir, const char *path, const char *text)
{
	char buf[256];

	return read_file(dir, path, buf, sizeof(buf)) == (long)strlen(text) &&
	       strcmp(buf, text) == 0;
}

static uint32_t kind_of(archk_handle_t h)
{
	struct archk_meta meta = {0};

	return archk_get_meta(h, &meta) < 0 ? 99 : meta.kind;
}

/* The kind of the entry at path, or the error opening it. */
static long kind_at(archk_handle_t dir, const char *path)
{
	long h = open_at(dir, path, ARCHK_RIGHT_GET_PROPERTY);
	long kind;

	if (h < 0)
		return h;
	kind = kind_of((archk_handle_t)h);
	archk_handle_close((archk_handle_t)h);
	return kind;
}

/* A directory listing seen through READ at ARCHK_IO_OFFSET_CURRENT in buffers of room bytes. */
struct listing {
	int count;
	char names[400][32];
	uint8_t kinds[400];
	uint64_t sizes[400];
};

static long list_all(archk_handle_t dir, size_t room, struct listing *l)
{
	static uint8_t buf[8192];
	long n;

	l->count = 0;
	while ((n = io(ARCHK_IO_READ, dir, buf, room, ARCHK_IO_OFFSET_CURRENT)) > 0)
		for (long off = 0; off < n;) {
			const struct archk_dirent *d = (const void *)(buf + off);

			if (l->count < 400) {
				memcpy(l->names[l->count], d->name,
				       d->name_len < 31 ? d->name_len : 31);
				l->names[l->count][d->name_len < 31 ? d->name_len : 31] = '\0';
				l->kinds[l->count] = d->kind;
				l->sizes[l->count] = d->size;
			}
			l->count++;
			off += d->reclen;
		}
	return n;
}

/* The index of name in l, or -1. */
static int listed(const struct listing *l, const char *name)
{
	for (int i = 0; i < l->count && i < 400; i++)
		if (strcmp(l->names[i], name) == 0)
			return i;
	return -1;
}

/* A path and what OPEN with ARCHK_RIGHTS_SAME of it gives. */
struct opening {
	const char *path;
	long result;
};

/* Checks each OPEN of the table below dir (naming a path whose result is wrong). */
static void check_opens(archk_handle_t dir, const struct opening *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		long h = open_at(dir, t[i].path, ARCHK_RIGHTS_SAME);

		if (h != t[i].result)
			printf("conf_share: OPEN of %s\n", t[i].path);
		CHECK_EQ(h, t[i].result);
		if (h > 0)
			archk_handle_close((archk_handle_t)h);
	}
}

/* ---- ops: the operations of a served directory tree ---- */

static void test_files(archk_handle_t root)
{
	char buf[64];
	struct archk_meta meta;
	long f = create(root, "a.txt", ARCHK_RIGHTS_SAME);
	int64_t t0 = archk_clock_read(ARCHK_CLOCK_REALTIME);

	CHECK_TRUE(f > 0);
	CHECK_EQ(rights_of((archk_handle_t)f), FILE_RIGHTS);
	CHECK_EQ(type_of((archk_handle_t)f), ARCHK_OBJ_SERVED);
	CHECK_EQ(io(ARCHK_IO_WRITE, f, "hello", 5, 0), 5);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, sizeof(buf), 0), 5);
	CHECK_EQ(memcmp(buf, "hello", 5), 0);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, sizeof(buf), 5), 0);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, sizeof(buf), 1000), 0);
	CHECK_EQ(archk_get_meta((archk_handle_t)f, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_SERVED);
	CHECK_EQ(meta.kind, ARCHK_KIND_FILE);
	CHECK_EQ(meta.size, 5);
	CHECK_EQ(meta.flags, 0);
	CHECK_EQ(meta.koid, koid_of((archk_handle_t)f));
	CHECK_TRUE(meta.mtime > t0 - 5 * SEC && meta.mtime < t0 + 5 * SEC);
	CHECK_TRUE(meta.ctime > t0 - 5 * SEC && meta.ctime < t0 + 5 * SEC);

	/* The position: WRITE and READ at ARCHK_IO_OFFSET_CURRENT, SEEK. */
	CHECK_EQ(io(ARCHK_IO_WRITE, f, "HE", 2, ARCHK_IO_OFFSET_CURRENT), 2);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, 2, ARCHK_IO_OFFSET_CURRENT), 2);
	CHECK_EQ(memcmp(buf, "ll", 2), 0);
	CHECK_EQ(archk_seek((archk_handle_t)f, 1, ARCHK_SEEK_SET), 1);
	CHECK_EQ(archk_seek((archk_handle_t)f, 2, ARCHK_SEEK_CUR), 3);
	CHECK_EQ(archk_seek((archk_handle_t)f, -1, ARCHK_SEEK_END), 4);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, sizeof(buf), ARCHK_IO_OFFSET_CURRENT), 1);
	CHECK_EQ(buf[0], 'o');
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, sizeof(buf), ARCHK_IO_OFFSET_CURRENT), 0);
	CHECK_EQ(archk_seek((archk_handle_t)f, -6, ARCHK_SEEK_END), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek((archk_handle_t)f, 0, ARCHK_SEEK_CUR), 5);
	CHECK_EQ(archk_seek((archk_handle_t)f, 7, 3), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek((archk_handle_t)f, INT64_MAX, ARCHK_SEEK_SET), INT64_MAX);
	CHECK_EQ(archk_seek((archk_handle_t)f, 1, ARCHK_SEEK_CUR), ARCHK_ERR_INVALID_ARGS);
	/* A write past the end leaves zeros between. */
	CHECK_EQ(io(ARCHK_IO_WRITE, f, "!", 1, 9), 1);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, sizeof(buf), 0), 10);
	CHECK_EQ(memcmp(buf, "HEllo\0\0\0\0!", 10), 0);

	/* SET_META: the size. */
	uint64_t size = 2;
	CHECK_EQ(io(ARCHK_IO_SET_META, f, &size, sizeof(size), 0), 0);
	CHECK_EQ(archk_get_meta((archk_handle_t)f, &meta), 0);
	CHECK_EQ(meta.size, 2);
	size = 4096;
	CHECK_EQ(io(ARCHK_IO_SET_META, f, &size, sizeof(size), 0), 0);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, 4, 2), 4);
	CHECK_EQ(buf[0] | buf[1] | buf[2] | buf[3], 0);
	CHECK_EQ(io(ARCHK_IO_SET_META, f, &size, 7, 0), ARCHK_ERR_INVALID_ARGS);
	size = 1ull << 63;
	CHECK_EQ(io(ARCHK_IO_SET_META, f, &size, sizeof(size), 0), ARCHK_ERR_TOO_LONG);
	size = 5;
	CHECK_EQ(io(ARCHK_IO_SET_META, f, &size, sizeof(size), 0), 0);

	/* Operations a file does not have. */
	CHECK_EQ(io(ARCHK_IO_OPEN, f, "x", 1, ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(rename_at((archk_handle_t)f, "x", "y"), ARCHK_ERR_NOT_DIR);
	CHECK_EQ(io(ARCHK_IO_SHARE, f, NULL, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_SYNC, f, NULL, 0, 0), 0);
	archk_handle_close((archk_handle_t)f);

	/* A handle without WRITE is read-only. */
	f = open_at(root, "a.txt", ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
	CHECK_TRUE(f > 0);
	CHECK_EQ(rights_of((archk_handle_t)f),
		 ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_TRANSFER);
	CHECK_EQ(archk_get_meta((archk_handle_t)f, &meta), 0);
	CHECK_EQ(meta.flags, ARCHK_META_READ_ONLY);
	CHECK_EQ(io(ARCHK_IO_WRITE, f, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(write_file(root, "hello.txt", "written by the guest\n"), 0);
}

static void test_create(archk_handle_t root)
{
	char buf[16];
	long f, d;

	CHECK_EQ(create(root, "a.txt", ARCHK_RIGHTS_SAME | ARCHK_CREATE_EXCL), ARCHK_ERR_EXISTS);
	f = create(root, "a.txt", ARCHK_RIGHTS_SAME);
	CHECK_EQ(kind_of((archk_handle_t)f), ARCHK_KIND_FILE);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(read_file(root, "a.txt", buf, sizeof(buf)), 5);
	CHECK_EQ(memcmp(buf, "HE\0\0\0", 5), 0);
	f = create(root, "a.txt", ARCHK_RIGHTS_SAME | ARCHK_CREATE_TRUNCATE);
	CHECK_TRUE(f > 0);
	archk_handle_close((archk_handle_t)f);
	CHECK_TRUE(holds(root, "a.txt", ""));
	CHECK_EQ(create(root, "x", ARCHK_RIGHTS_SAME | (1ull << 35)), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(create(root, "x", ARCHK_RIGHT_EXECUTE), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(create(root, "x", ARCHK_RIGHT_ENUMERATE), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(open_at(root, "x", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);

	d = create(root, "d", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR);
	CHECK_TRUE(d > 0);
	CHECK_EQ(rights_of((archk_handle_t)d), DIR_RIGHTS);
	CHECK_EQ(kind_of((archk_handle_t)d), ARCHK_KIND_DIR);
	archk_handle_close((archk_handle_t)d);
	d = create(root, "d", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR);
	CHECK_EQ(kind_of((archk_handle_t)d), ARCHK_KIND_DIR);
	CHECK_EQ(create(root, "d", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR | ARCHK_CREATE_EXCL),
		 ARCHK_ERR_EXISTS);
	CHECK_EQ(create(root, "d", ARCHK_RIGHTS_SAME), ARCHK_ERR_IS_DIR);
	CHECK_EQ(create(root, "a.txt", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR), ARCHK_ERR_NOT_DIR);
	CHECK_EQ(create(root, "a.txt", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR | ARCHK_CREATE_EXCL),
		 ARCHK_ERR_EXISTS);
	CHECK_EQ(create(root, "", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR | ARCHK_CREATE_EXCL),
		 ARCHK_ERR_EXISTS);
	CHECK_EQ(create(root, "nope/x", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(create(root, "a.txt/x", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_DIR);
	/* Children of a directory get no more rights than it has. */
	long weak = open_at(root, "d",
			    ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_MANAGE | ARCHK_RIGHT_READ |
				ARCHK_RIGHT_GET_PROPERTY);
	CHECK_TRUE(weak > 0);
	f = create((archk_handle_t)weak, "w", ARCHK_RIGHTS_SAME);
	CHECK_EQ(rights_of((archk_handle_t)f),
		 ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_TRANSFER);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(create((archk_handle_t)weak, "w", ARCHK_RIGHT_WRITE), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close((archk_handle_t)weak);
	CHECK_EQ(destroy(root, "d/w"), 0);
	CHECK_EQ(write_file((archk_handle_t)d, "f1", "one"), 0);
	CHECK_EQ(write_file((archk_handle_t)d, "f2", "twotwo"), 0);
	f = create((archk_handle_t)d, "sub", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR);
	CHECK_EQ(kind_of((archk_handle_t)f), ARCHK_KIND_DIR);
	archk_handle_close((archk_handle_t)f);
	archk_handle_close((archk_handle_t)d);
}

static void test_paths(archk_handle_t root)
{
	char longpath[1100], longname[300];
	long h;

	CHECK_EQ(kind_at(root, "d"), ARCHK_KIND_DIR);
	CHECK_EQ(kind_at(root, "/d/f1"), ARCHK_KIND_FILE);
	CHECK_EQ(kind_at(root, "./d//f1/"), ARCHK_KIND_FILE);
	CHECK_EQ(kind_at(root, ""), ARCHK_KIND_DIR);
	CHECK_EQ(kind_at(root, "."), ARCHK_KIND_DIR);
	static const struct opening bad[] = {
	    {"nope", ARCHK_ERR_NOT_FOUND},    {"d/nope/x", ARCHK_ERR_NOT_FOUND},
	    {"d/f1/x", ARCHK_ERR_NOT_DIR},    {"..", ARCHK_ERR_INVALID_ARGS},
	    {"../x", ARCHK_ERR_INVALID_ARGS}, {"d/../d/f1", ARCHK_ERR_INVALID_ARGS},
	};
	check_opens(root, bad, sizeof(bad) / sizeof(bad[0]));
	CHECK_EQ(io(ARCHK_IO_OPEN, root, "d\0f1", 4, ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	memset(longpath, 'p', sizeof(longpath));
	CHECK_EQ(io(ARCHK_IO_OPEN, root, longpath, 1025, ARCHK_RIGHTS_SAME), ARCHK_ERR_TOO_LONG);
	memset(longname, 'n', sizeof(longname));
	CHECK_EQ(io(ARCHK_IO_OPEN, root, longname, 256, ARCHK_RIGHTS_SAME), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(io(ARCHK_IO_OPEN, root, longname, 255, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_at(root, "d", ARCHK_RIGHT_EXECUTE), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(open_at(root, "d/f1", ARCHK_RIGHT_ENUMERATE), ARCHK_ERR_ACCESS_DENIED);
	/* A 255-byte name can be made and found. */
	longname[255] = '\0';
	CHECK_EQ(write_file(root, longname, "long"), 0);
	CHECK_TRUE(holds(root, longname, "long"));
	CHECK_EQ(destroy(root, longname), 0);
	/* Paths relative to a directory handle. */
	h = open_at(root, "d", ARCHK_RIGHTS_SAME);
	CHECK_TRUE(holds((archk_handle_t)h, "f2", "twotwo"));
	CHECK_EQ(kind_at((archk_handle_t)h, "sub"), ARCHK_KIND_DIR);
	CHECK_EQ(open_at((archk_handle_t)h, "../a.txt", ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	archk_handle_close((archk_handle_t)h);
}

static void test_listing(archk_handle_t root)
{
	static struct listing l;
	uint8_t small[8];
	long d = open_at(root, "d", ARCHK_RIGHTS_SAME), n;
	struct archk_meta meta;

	CHECK_EQ(list_all((archk_handle_t)d, 4096, &l), 0);
	CHECK_EQ(l.count, 3);
	CHECK_TRUE(listed(&l, "f1") >= 0 && listed(&l, "f2") >= 0 && listed(&l, "sub") >= 0);
	CHECK_EQ(l.kinds[listed(&l, "f2")], ARCHK_KIND_FILE);
	CHECK_EQ(l.sizes[listed(&l, "f2")], 6);
	CHECK_EQ(l.kinds[listed(&l, "sub")], ARCHK_KIND_DIR);
	CHECK_EQ(l.sizes[listed(&l, "sub")], 0);
	CHECK_EQ(archk_get_meta((archk_handle_t)d, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_DIR);
	CHECK_EQ(meta.size, 3);
	/* The position is at the end; SEEK sets it back; only SET. */
	CHECK_EQ(list_all((archk_handle_t)d, 4096, &l), 0);
	CHECK_EQ(l.count, 0);
	CHECK_EQ(archk_seek((archk_handle_t)d, 0, ARCHK_SEEK_SET), 0);
	CHECK_EQ(archk_seek((archk_handle_t)d, 0, ARCHK_SEEK_CUR), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek((archk_handle_t)d, 0, ARCHK_SEEK_END), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek((archk_handle_t)d, -1, ARCHK_SEEK_SET), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_READ, d, small, sizeof(small), ARCHK_IO_OFFSET_CURRENT),
		 ARCHK_ERR_TOO_LONG);
	/* One record at a time, each continuing at the last one's next. */
	uint64_t pos = 0;
	int seen = 0;
	uint8_t one[40];
	while ((n = io(ARCHK_IO_READ, d, one, sizeof(one), pos)) > 0) {
		const struct archk_dirent *e = (const void *)one;

		CHECK_EQ(n, e->reclen);
		CHECK_EQ(e->reclen % 8, 0);
		pos = e->next;
		seen++;
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(seen, 3);
	CHECK_EQ(list_all((archk_handle_t)d, 4096, &l), 0);
	CHECK_EQ(l.count, 3);
	CHECK_EQ(io(ARCHK_IO_WRITE, d, "x", 1, 0), ARCHK_ERR_IS_DIR);
	uint64_t size = 0;
	CHECK_EQ(io(ARCHK_IO_SET_META, d, &size, sizeof(size), 0), ARCHK_ERR_IS_DIR);
	CHECK_EQ(io(ARCHK_IO_SYNC, d, NULL, 0, 0), 0);
	archk_handle_close((archk_handle_t)d);

	/* Many entries, listed in pieces. */
	d = create(root, "many", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR);
	for (int i = 0; i < 300; i++) {
		char name[16];

		snprintf(name, sizeof(name), "entry-%03d", i);
		long f = create((archk_handle_t)d, name, ARCHK_RIGHTS_SAME);
		CHECK_TRUE(f > 0);
		archk_handle_close((archk_handle_t)f);
	}
	CHECK_EQ(list_all((archk_handle_t)d, 512, &l), 0);
	CHECK_EQ(l.count, 300);
	int distinct = 0;
	for (int i = 0; i < 300; i++) {
		char name[16];

		snprintf(name, sizeof(name), "entry-%03d", i);
		distinct += listed(&l, name) >= 0;
	}
	CHECK_EQ(distinct, 300);
	CHECK_EQ(archk_get_meta((archk_handle_t)d, &meta), 0);
	CHECK_EQ(meta.size, 300);
	archk_handle_close((archk_handle_t)d);
}

static void test_destroy_rename(archk_handle_t root)
{
	long f, inner;

	CHECK_EQ(destroy(root, "d"), ARCHK_ERR_NOT_EMPTY);
	CHECK_EQ(destroy(root, "nope"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(destroy(root, ""), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(destroy(root, "."), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(destroy(root, "../x"), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(destroy(root, "d/sub"), 0);
	CHECK_EQ(kind_at(root, "d/sub"), ARCHK_ERR_NOT_FOUND);
	/* A file removed while open keeps working for its holder. */
	CHECK_EQ(write_file(root, "gone", "still here"), 0);
	f = open_at(root, "gone", ARCHK_RIGHTS_SAME);
	CHECK_EQ(destroy(root, "gone"), 0);
	CHECK_EQ(open_at(root, "gone", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	char buf[32];
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, sizeof(buf), 0), 10);
	archk_handle_close((archk_handle_t)f);

	CHECK_EQ(rename_at(root, "a.txt", "b.txt"), 0);
	CHECK_EQ(kind_at(root, "a.txt"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(kind_at(root, "b.txt"), ARCHK_KIND_FILE);
	CHECK_EQ(rename_at(root, "b.txt", "b.txt"), 0);
	CHECK_EQ(io(ARCHK_IO_RENAME, root, "b.txt", 5, 0), ARCHK_ERR_INVALID_ARGS); /* no NUL */
	CHECK_EQ(rename_at(root, "nope", "x"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(rename_at(root, "", "x"), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(rename_at(root, "b.txt", ""), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(rename_at(root, "b.txt", "../x"), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(rename_at(root, "d", "d/inside"), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(rename_at(root, "b.txt", "d"), ARCHK_ERR_IS_DIR);
	CHECK_EQ(rename_at(root, "many", "b.txt"), ARCHK_ERR_NOT_DIR);
	CHECK_EQ(rename_at(root, "many", "d"), ARCHK_ERR_NOT_EMPTY);
	CHECK_EQ(write_file(root, "c.txt", "cc"), 0);
	CHECK_EQ(rename_at(root, "c.txt", "b.txt"), 0); /* replaces it */
	CHECK_TRUE(holds(root, "b.txt", "cc"));
	/* Open directories move along with a rename through the driver. */
	CHECK_TRUE(create(root, "r1/inner", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR) ==
		   ARCHK_ERR_NOT_FOUND);
	long r1 = create(root, "r1", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR);
	inner = create((archk_handle_t)r1, "inner", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR);
	CHECK_TRUE(inner > 0);
	CHECK_EQ(rename_at(root, "r1", "r2"), 0);
	CHECK_EQ(write_file((archk_handle_t)inner, "x", "moved along"), 0);
	CHECK_TRUE(holds(root, "r2/inner/x", "moved along"));
	CHECK_TRUE(holds((archk_handle_t)r1, "inner/x", "moved along"));
	archk_handle_close((archk_handle_t)inner);
	archk_handle_close((archk_handle_t)r1);
	/* Removing a directory someone holds: it is gone for them too. */
	long held = open_at(root, "r2/inner", ARCHK_RIGHTS_SAME);
	CHECK_EQ(destroy(root, "r2/inner/x"), 0);
	CHECK_EQ(destroy(root, "r2/inner"), 0);
	CHECK_EQ(kind_of((archk_handle_t)held), 99);
	CHECK_EQ(write_file((archk_handle_t)held, "y", "nowhere"), ARCHK_ERR_NOT_FOUND);
	archk_handle_close((archk_handle_t)held);
}

/* Many READs in flight through a ring, and a large WRITE: the bytes go where they should. */
static void test_ring(archk_handle_t root)
{
	static uint32_t block[16384], back[16384];
	static uint32_t parts[32][1024];
	struct ring *r = ring_new(32, 0, 0);
	long f = create(root, "big", ARCHK_RIGHTS_SAME);

	for (unsigned i = 0; i < 16384; i++)
		block[i] = 0x5a000000u + i;
	CHECK_EQ(io(ARCHK_IO_WRITE, f, block, sizeof(block), 0), sizeof(block));
	CHECK_EQ(io(ARCHK_IO_READ, f, back, sizeof(back), 0), sizeof(back));
	CHECK_EQ(memcmp(block, back, sizeof(back)), 0);
	/* Backwards, overlapping, each 4 KiB at a 1 KiB step. */
	for (unsigned i = 0; i < 32; i++)
		put(r, ARCHK_IO_READ, (archk_handle_t)f, parts[i], 4096, (31 - i) * 1024, i);
	CHECK_EQ(enter(r, 32), 32);
	for (unsigned i = 0; i < 32; i++) {
		CHECK_EQ(await(r, i), 4096);
		CHECK_EQ(memcmp(parts[i], block + (31 - i) * 256, 4096), 0);
	}
	ring_free(r);
	archk_handle_close((archk_handle_t)f);
}

static void test_ops(void)
{
	long driver;
	archk_handle_t root;
	struct archk_meta meta;

	arenas_snapshot();
	root = start_share("share:rw", &driver);
	CHECK_EQ(rights_of(root), DIR_RIGHTS);
	CHECK_EQ(archk_get_meta(root, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_SERVED);
	CHECK_EQ(meta.kind, ARCHK_KIND_DIR);
	CHECK_EQ(meta.size, 0);
	CHECK_EQ(meta.flags, 0);
	test_files(root);
	test_create(root);
	test_paths(root);
	test_listing(root);
	test_destroy_rename(root);
	test_ring(root);
	stop_share(root, driver);
	check_arenas_returned(not_deadline);
}

/* ---- escape: the host's hostile tree (share.sh makes it) ---- */

static void test_escape(void)
{
	static struct listing l;
	long driver;
	archk_handle_t root = start_share("share:esc", &driver);

	CHECK_TRUE(holds(root, "inside.txt", "INSIDE"));
	/* Links that stay inside are followed. */
	CHECK_TRUE(holds(root, "rel", "SUB"));
	CHECK_TRUE(holds(root, "reldir/file", "SUB"));
	CHECK_TRUE(holds(root, "sub/ok", "INSIDE"));
	CHECK_EQ(kind_at(root, "reldir"), ARCHK_KIND_DIR);
	/* Links that lead out, absolute ones, loops. */
	/* Links that lead out, absolute ones, loops; guest paths cannot go up, and absolute
	 * ones start at the share's root. */
	static const struct opening out[] = {
	    {"abs", ARCHK_ERR_ACCESS_DENIED},
	    {"absdir/secret", ARCHK_ERR_ACCESS_DENIED},
	    {"up", ARCHK_ERR_ACCESS_DENIED},
	    {"updir", ARCHK_ERR_ACCESS_DENIED},
	    {"updir/outside/secret", ARCHK_ERR_ACCESS_DENIED},
	    {"sub/deep", ARCHK_ERR_ACCESS_DENIED},
	    {"outdir/secret", ARCHK_ERR_ACCESS_DENIED},
	    {"loop", ARCHK_ERR_ACCESS_DENIED},
	    {"../outside/secret", ARCHK_ERR_INVALID_ARGS},
	    {"sub/../../outside/secret", ARCHK_ERR_INVALID_ARGS},
	    {"/etc/passwd", ARCHK_ERR_NOT_FOUND},
	    {"fifo", ARCHK_ERR_NOT_SUPPORTED}, /* neither a file nor a directory */
	};
	check_opens(root, out, sizeof(out) / sizeof(out[0]));
	/* Creating through a dangling link that leads out creates nothing. */
	CHECK_EQ(create(root, "dangling_abs", ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(create(root, "dangling_rel", ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	/* Changes below a directory link that leads out are refused. */
	CHECK_EQ(create(root, "outdir/newfile", ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(create(root, "outdir/newdir", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(destroy(root, "outdir/secret"), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(rename_at(root, "inside.txt", "outdir/stolen"), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(rename_at(root, "outdir/secret", "gotcha"), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(rename_at(root, "updir/outside/secret", "gotcha"), ARCHK_ERR_ACCESS_DENIED);
	/* The listing shows links and the FIFO as OTHER, without following them. */
	CHECK_EQ(list_all(root, 4096, &l), 0);
	CHECK_EQ(l.kinds[listed(&l, "abs")], ARCHK_KIND_OTHER);
	CHECK_EQ(l.kinds[listed(&l, "fifo")], ARCHK_KIND_OTHER);
	CHECK_EQ(l.kinds[listed(&l, "sub")], ARCHK_KIND_DIR);
	CHECK_EQ(l.kinds[listed(&l, "inside.txt")], ARCHK_KIND_FILE);
	CHECK_EQ(l.sizes[listed(&l, "inside.txt")], 6);
	/* A link itself is an entry of the share: removing or renaming it touches no target. */
	CHECK_EQ(destroy(root, "abs"), 0);
	CHECK_EQ(rename_at(root, "up", "up2"), 0);
	stop_share(root, driver);
}

/* ---- moved: a directory the program holds leaves the share ---- */

/* Waits (up to 10 s) until the file at path exists. */
static bool await_file(archk_handle_t root, const char *path)
{
	int64_t end = now() + 10 * SEC;

	while (kind_at(root, path) == ARCHK_ERR_NOT_FOUND && now() < end)
		archk_sleep_until(now() + 10 * MS);
	return kind_at(root, path) == ARCHK_KIND_FILE;
}

static void test_moved(void)
{
	static struct listing l;
	struct archk_meta meta;
	char buf[32];
	long driver;
	archk_handle_t root = start_share("share:mv", &driver);
	long walk = open_at(root, "walk", ARCHK_RIGHTS_SAME);
	long file = open_at(root, "walk/f", ARCHK_RIGHTS_SAME);

	CHECK_TRUE(walk > 0 && file > 0);
	CHECK_TRUE(holds((archk_handle_t)walk, "f", "inside"));
	CHECK_EQ(write_file((archk_handle_t)walk, "ready", ""), 0);
	CHECK_TRUE(await_file(root, "go")); /* the host moved walk out of the share */
	CHECK_EQ(open_at((archk_handle_t)walk, "f", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_at((archk_handle_t)walk, "secret", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_at(root, "walk/secret", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_get_meta((archk_handle_t)walk, &meta), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(list_all((archk_handle_t)walk, 4096, &l), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(create((archk_handle_t)walk, "planted", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(create((archk_handle_t)walk, "pdir", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR),
		 ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(destroy((archk_handle_t)walk, "secret"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(rename_at((archk_handle_t)walk, "secret", "s2"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(io(ARCHK_IO_SYNC, walk, NULL, 0, 0), ARCHK_ERR_NOT_FOUND);
	/* A file opened before keeps its bytes: it is the same open file. */
	CHECK_EQ(io(ARCHK_IO_READ, file, buf, sizeof(buf), 0), 6);
	archk_handle_close((archk_handle_t)file);
	archk_handle_close((archk_handle_t)walk);
	stop_share(root, driver);
}

/* ---- race: a directory moves in and out while lookups go through it ---- */

static void test_race(void)
{
	long driver, inside = 0, gone = 0, other = 0;
	archk_handle_t root = start_share("share:mv", &driver);
	long b = open_at(root, "a/b", ARCHK_RIGHTS_SAME);
	char buf[32];

	CHECK_TRUE(b > 0);
	CHECK_EQ(write_file(root, "racing", ""), 0);
	for (int i = 0; i < 1000; i++) {
		long n = read_file((archk_handle_t)b, "up", buf, sizeof(buf));

		if (n == 6 && strcmp(buf, "INSIDE") == 0)
			inside++;
		else if (n == ARCHK_ERR_NOT_FOUND || n == ARCHK_ERR_SHOULD_WAIT ||
			 n == ARCHK_ERR_ACCESS_DENIED)
			gone++;
		else
			other++;
	}
	CHECK_EQ(write_file(root, "done", ""), 0);
	printf("conf_share race: %ld inside, %ld gone, %ld other\n", inside, gone, other);
	CHECK_EQ(other, 0); /* never OUTSIDE, the file reached through the moved directory */
	CHECK_TRUE(inside > 0);
	archk_handle_close((archk_handle_t)b);
	stop_share(root, driver);
}

/* ---- ro: a read-only share ---- */

static void test_read_only(void)
{
	struct archk_meta meta;
	long driver;
	archk_handle_t root = start_share("share:ro", &driver);
	long f = open_at(root, "data.txt", ARCHK_RIGHTS_SAME), d;
	uint64_t size = 0;

	CHECK_EQ(archk_get_meta(root, &meta), 0);
	CHECK_EQ(meta.flags, ARCHK_META_READ_ONLY);
	CHECK_TRUE(holds(root, "data.txt", "DATA"));
	CHECK_EQ(rights_of((archk_handle_t)f), FILE_RIGHTS);
	CHECK_EQ(archk_get_meta((archk_handle_t)f, &meta), 0);
	CHECK_EQ(meta.flags, ARCHK_META_READ_ONLY);
	CHECK_EQ(io(ARCHK_IO_WRITE, f, "x", 1, 0), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(io(ARCHK_IO_SET_META, f, &size, sizeof(size), 0), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(io(ARCHK_IO_SYNC, f, NULL, 0, 0), 0);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(create(root, "new", ARCHK_RIGHTS_SAME), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(create(root, "data.txt", ARCHK_RIGHTS_SAME | ARCHK_CREATE_TRUNCATE),
		 ARCHK_ERR_READ_ONLY);
	CHECK_EQ(create(root, "data.txt", ARCHK_RIGHTS_SAME | ARCHK_CREATE_EXCL), ARCHK_ERR_EXISTS);
	f = create(root, "data.txt", ARCHK_RIGHTS_SAME); /* changes nothing: it opens */
	CHECK_EQ(kind_of((archk_handle_t)f), ARCHK_KIND_FILE);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(create(root, "newdir", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR), ARCHK_ERR_READ_ONLY);
	d = create(root, "sub", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR);
	CHECK_EQ(kind_of((archk_handle_t)d), ARCHK_KIND_DIR);
	archk_handle_close((archk_handle_t)d);
	CHECK_EQ(create(root, "sub", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR | ARCHK_CREATE_EXCL),
		 ARCHK_ERR_EXISTS);
	CHECK_EQ(create(root, "data.txt", ARCHK_RIGHTS_SAME | ARCHK_CREATE_DIR), ARCHK_ERR_NOT_DIR);
	CHECK_EQ(destroy(root, "data.txt"), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(destroy(root, "sub"), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(rename_at(root, "data.txt", "moved.txt"), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(io(ARCHK_IO_SYNC, root, NULL, 0, 0), 0);
	CHECK_TRUE(holds(root, "data.txt", "DATA"));
	stop_share(root, driver);
}

/* ---- proc and mounts: magic links and other file systems ---- */

static void test_proc(void)
{
	char buf[128];
	long driver;
	archk_handle_t root = start_share("share:proc", &driver);

	static const struct opening magic[] = {
	    {"cwd", ARCHK_ERR_ACCESS_DENIED},  {"cwd/etc", ARCHK_ERR_ACCESS_DENIED},
	    {"root", ARCHK_ERR_ACCESS_DENIED}, {"exe", ARCHK_ERR_ACCESS_DENIED},
	    {"fd/0", ARCHK_ERR_ACCESS_DENIED},
	};
	check_opens(root, magic, sizeof(magic) / sizeof(magic[0]));
	CHECK_TRUE(read_file(root, "status", buf, sizeof(buf)) > 0 &&
		   strncmp(buf, "Name:", 5) == 0);
	stop_share(root, driver);
}

static void test_mounts(int argc, char **argv)
{
	long driver;
	archk_handle_t root = start_share("share:dev", &driver);

	CHECK_EQ(open_at(root, "null", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_SUPPORTED);
	for (int i = 2; i < argc; i++) {
		char path[64];

		CHECK_EQ(open_at(root, argv[i], ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
		snprintf(path, sizeof(path), "%s/x", argv[i]);
		CHECK_EQ(open_at(root, path, ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	}
	stop_share(root, driver);
}

/* ---- device: the model's own checks, whatever a driver sends ---- */

struct raw {
	struct vdev dev;
	struct vq q;
	struct dma_area dma;
	struct archk_share_req *req;
	char *payload;
	struct archk_share_reply *reply;
	uint8_t *data;
};

static void raw_open(struct raw *r, const char *device)
{
	long h = archk_do_io(ARCHK_IO_OPEN, bus, (long)device, (long)strlen(device),
			     ARCHK_RIGHTS_SAME, 0);

	CHECK_EQ(vdev_open(&r->dev, (archk_handle_t)h, ARCHK_DEVICE_ID_SHARE, ~0ull >> 1), 0);
	CHECK_EQ(dma_area_init(&r->dma, 65536), 0);
	CHECK_EQ(vq_init(&r->dev, &r->q, 0, 16, &r->dma), 0);
	r->req = dma_alloc(&r->dma, sizeof(*r->req), 8);
	r->payload = dma_alloc(&r->dma, 8192, 8);
	r->reply = dma_alloc(&r->dma, sizeof(*r->reply), 8);
	r->data = dma_alloc(&r->dma, 4096, 8);
}

/*
 * One request: header h, payload (plen bytes), reply and room bytes of
 * data; the used length in *used. Returns reply.result.
 */
static long raw_call(struct raw *r, struct archk_share_req h, const void *payload, uint32_t plen,
		     uint32_t room, uint32_t *used)
{
	struct vbuf bufs[4];
	unsigned n = 0;
	uint32_t len = 0;

	*r->req = h;
	memcpy(r->payload, payload, plen);
	memset(r->reply, 0x77, sizeof(*r->reply));
	bufs[n++] = (struct vbuf){r->req, sizeof(*r->req), false};
	if (plen)
		bufs[n++] = (struct vbuf){r->payload, plen, false};
	bufs[n++] = (struct vbuf){r->reply, sizeof(*r->reply), true};
	if (room)
		bufs[n++] = (struct vbuf){r->data, room, true};
	CHECK_EQ(vq_add(&r->q, bufs, n, r), 0);
	CHECK_EQ(vq_kick(&r->dev, &r->q), 0);
	while (!vq_get(&r->q, &len))
		CHECK_TRUE(vdev_wait(&r->dev, now() + 5 * SEC) > 0);
	if (used)
		*used = len;
	return r->reply->result;
}

static long raw_path(struct raw *r, uint32_t op, uint32_t flags, const char *path)
{
	return raw_call(r, (struct archk_share_req){.op = op, .flags = flags}, path, strlen(path),
			0, NULL);
}

static long raw_fid(struct raw *r, uint32_t op, uint32_t fid, uint64_t offset, uint32_t room)
{
	return raw_call(r, (struct archk_share_req){.op = op, .fid = fid, .offset = offset}, NULL,
			0, room, NULL);
}

static void test_device_rw(void)
{
	static struct raw r;
	struct archk_share_config config;
	char longpath[5000];
	uint32_t used, fids[300];
	int opened = 0;

	raw_open(&r, "share:rw");
	CHECK_EQ(r.dev.info.device_id, ARCHK_DEVICE_ID_SHARE);
	CHECK_EQ(r.dev.info.config_size, sizeof(config));
	CHECK_EQ(r.dev.features, 0);
	CHECK_EQ(io(ARCHK_IO_READ, r.dev.handle, &config, sizeof(config), 0), sizeof(config));
	CHECK_EQ(config.fids_max, 256);
	CHECK_EQ(config.path_max, 4095);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, 0, ""), 0);
	CHECK_EQ(r.reply->attr.kind, ARCHK_KIND_DIR);
	CHECK_EQ(r.reply->fid, ARCHK_SHARE_FID_NONE);
	/* Paths the device refuses, whatever the driver checked. */
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, 0, ".."), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, 0, "d/../../x"), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_STAT, 0, "/etc"), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(
	    raw_call(&r, (struct archk_share_req){.op = ARCHK_SHARE_OP_OPEN}, "d\0x", 3, 0, NULL),
	    ARCHK_ERR_INVALID_ARGS);
	memset(longpath, 'a', sizeof(longpath));
	CHECK_EQ(raw_call(&r, (struct archk_share_req){.op = ARCHK_SHARE_OP_OPEN}, longpath, 4096,
			  0, NULL),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(raw_call(&r, (struct archk_share_req){.op = ARCHK_SHARE_OP_OPEN}, longpath, 4095,
			  0, NULL),
		 ARCHK_ERR_TOO_LONG); /* the host: a name over 255 bytes */
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_MKDIR, 0, ""), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_MKDIR, 0, "a/"), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_UNLINK, 0, "a/."), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_RENAME, 0, "nonul"), ARCHK_ERR_INVALID_ARGS);
	/* Headers. */
	CHECK_EQ(raw_path(&r, 0, 0, ""), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(raw_path(&r, 99, 0, ""), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(raw_call(&r, (struct archk_share_req){.op = ARCHK_SHARE_OP_STAT, .reserved = 1},
			  "", 0, 0, NULL),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, 1u << 7, ""), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_LIST, ARCHK_SHARE_STAT_COUNT, ""),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_call(&r,
			  (struct archk_share_req){.op = ARCHK_SHARE_OP_LIST, .offset = 1ull << 63},
			  "", 0, 64, NULL),
		 ARCHK_ERR_INVALID_ARGS);
	/* A chain with no room for the reply comes back untouched. */
	struct vbuf only = {r.req, sizeof(*r.req), false};
	*r.req = (struct archk_share_req){.op = ARCHK_SHARE_OP_STAT};
	CHECK_EQ(vq_add(&r.q, &only, 1, &r), 0);
	CHECK_EQ(vq_kick(&r.dev, &r.q), 0);
	while (!vq_get(&r.q, &used))
		CHECK_TRUE(vdev_wait(&r.dev, now() + 5 * SEC) > 0);
	CHECK_EQ(used, 0);
	/* Fids: unknown ones, closed ones, and their limit. */
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_READ, 9999, 0, 16), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_CLOSE, 0, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, ARCHK_SHARE_OPEN_CREATE | ARCHK_SHARE_OPEN_WRITE,
			  "raw"),
		 0);
	uint32_t fid = r.reply->fid;
	CHECK_EQ(r.reply->attr.kind, ARCHK_KIND_FILE);
	CHECK_EQ(raw_call(&r, (struct archk_share_req){.op = ARCHK_SHARE_OP_WRITE, .fid = fid},
			  "0123456789", 10, 0, NULL),
		 10);
	CHECK_EQ(raw_call(&r, (struct archk_share_req){.op = ARCHK_SHARE_OP_READ, .fid = fid}, NULL,
			  0, 4, &used),
		 4);
	CHECK_EQ(used, sizeof(*r.reply) + 4);
	CHECK_EQ(memcmp(r.data, "0123", 4), 0);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_READ, fid, 1ull << 63, 16), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_TRUNCATE, fid, 3, 0), 0);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_FSTAT, fid, 0, 0), 0);
	CHECK_EQ(r.reply->attr.size, 3);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_FSYNC, fid, 0, 0), 0);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_CLOSE, fid, 0, 0), 0);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_CLOSE, fid, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_READ, fid, 0, 16), ARCHK_ERR_INVALID_ARGS);
	while (opened < 300 && raw_path(&r, ARCHK_SHARE_OP_OPEN, 0, "raw") == 0)
		fids[opened++] = r.reply->fid;
	CHECK_EQ(opened, 256);
	CHECK_EQ(r.reply->result, ARCHK_ERR_NO_MEMORY);
	for (int i = 0; i < opened; i++)
		CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_CLOSE, fids[i], 0, 0), 0);
	/* A reset gives every fid back. */
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, 0, "raw"), 0);
	fid = r.reply->fid;
	CHECK_EQ(archk_syscall2(ARCHK_SYS_DEVICE_START, r.dev.handle, 0), 0);
	dma_area_destroy(&r.dma);
	CHECK_EQ(dma_area_init(&r.dma, 65536), 0);
	CHECK_EQ(vq_init(&r.dev, &r.q, 0, 16, &r.dma), 0);
	r.req = dma_alloc(&r.dma, sizeof(*r.req), 8);
	r.payload = dma_alloc(&r.dma, 8192, 8);
	r.reply = dma_alloc(&r.dma, sizeof(*r.reply), 8);
	r.data = dma_alloc(&r.dma, 4096, 8);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_FSTAT, fid, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_UNLINK, 0, "raw"), 0);
	dma_area_destroy(&r.dma);
	archk_handle_close(r.dev.handle);
}

/* The read-only share's device refuses every change, whatever its driver asks. */
static void test_device_ro(void)
{
	static struct raw r;

	raw_open(&r, "share:ro");
	CHECK_EQ(r.dev.features, ARCHK_SHARE_F_RO);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, 0, "data.txt"), 0);
	uint32_t fid = r.reply->fid;
	CHECK_EQ(raw_call(&r, (struct archk_share_req){.op = ARCHK_SHARE_OP_WRITE, .fid = fid}, "x",
			  1, 0, NULL),
		 ARCHK_ERR_READ_ONLY);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_TRUNCATE, fid, 0, 0), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, ARCHK_SHARE_OPEN_WRITE, "data.txt"),
		 ARCHK_ERR_READ_ONLY);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, ARCHK_SHARE_OPEN_TRUNCATE, "data.txt"),
		 ARCHK_ERR_READ_ONLY);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_OPEN, ARCHK_SHARE_OPEN_CREATE, "new"),
		 ARCHK_ERR_READ_ONLY);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_MKDIR, 0, "newdir"), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(raw_path(&r, ARCHK_SHARE_OP_UNLINK, 0, "data.txt"), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(raw_call(&r, (struct archk_share_req){.op = ARCHK_SHARE_OP_RENAME}, "data.txt\0x",
			  10, 0, NULL),
		 ARCHK_ERR_READ_ONLY);
	CHECK_EQ(raw_fid(&r, ARCHK_SHARE_OP_CLOSE, fid, 0, 0), 0);
	dma_area_destroy(&r.dma);
	archk_handle_close(r.dev.handle);
}

int main(int argc, char **argv)
{
	const char *part = argc > 1 ? argv[1] : "";

	bus = archk_handle_named("devices");
	CHECK_TRUE(bus != ARCHK_HANDLE_INVALID);
	if (strcmp(part, "ops") == 0) {
		test_ops();
	} else if (strcmp(part, "escape") == 0) {
		test_escape();
	} else if (strcmp(part, "moved") == 0) {
		test_moved();
	} else if (strcmp(part, "race") == 0) {
		test_race();
	} else if (strcmp(part, "ro") == 0) {
		test_read_only();
	} else if (strcmp(part, "proc") == 0) {
		test_proc();
	} else if (strcmp(part, "mounts") == 0) {
		test_mounts(argc, argv);
	} else if (strcmp(part, "device") == 0) {
		test_device_rw();
		test_device_ro();
	} else {
		printf(
		    "usage: conf_share ops | escape | moved | race | ro | proc | mounts NAME... | "
		    "device\n");
		return 2;
	}
	return check_done("conf_share");
}
