/*
 * Conformance: the namespace's mounts (docs/abi.md 8.4b). SHARE on a store
 * directory with a served object mounts it at a path; OPEN, CREATE, DESTROY
 * and RENAME of paths below it go to its server, with the rights of both
 * handles; listings show it; DESTROY of its path removes it.
 *   conf_mount kernel   run as the first process of mount.img (no init), so
 *                       its root has SET_PROPERTY: mounts a home (homefs on a
 *                       ramdisk) and checks every path and error, then that
 *                       the kernel arenas end where they started
 *   conf_mount init     run by init with --home: init's mount at /home, and
 *                       a root without SET_PROPERTY
 */
#include "check.h"

#define FILE_RIGHTS                                                                                \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE | \
	 ARCHK_RIGHT_TRANSFER)

static archk_handle_t root;

/* SHARE of path on dir with the count handles at h: a mount. */
static long mount_at(archk_handle_t dir, const char *path, const archk_handle_t *h, uint32_t count)
{
	return archk_do_io_handles(ARCHK_IO_SHARE, dir, (void *)path, strlen(path), 0,
				   (archk_handle_t *)h, count);
}

static long destroy(archk_handle_t dir, const char *path)
{
	return archk_do_io(ARCHK_IO_DESTROY, dir, (long)path, (long)strlen(path), 0, 0);
}

static long create(archk_handle_t dir, const char *path, uint64_t flags_rights)
{
	return archk_do_io(ARCHK_IO_CREATE, dir, (long)path, (long)strlen(path), (long)flags_rights,
			   0);
}

/* RENAME with in-data of exactly len bytes at data (from, NUL, to). */
static long rename_raw(archk_handle_t dir, const char *data, size_t len)
{
	return archk_do_io(ARCHK_IO_RENAME, dir, (long)data, (long)len, 0, 0);
}

/* A copy of root with rights taken away. */
static archk_handle_t root_without(uint32_t rights)
{
	long h = archk_handle_duplicate(root, rights_of(root) & ~rights);

	CHECK_TRUE(h > 0);
	return (archk_handle_t)h;
}

/* A home on a ramdisk: homefs -f on ramdisk, and the two processes. */
struct ram_home {
	archk_handle_t disk, disk_proc, fs_proc;
	long root; /* homefs's root directory, or the error */
};

static void ram_home_start(struct ram_home *h, const char *size)
{
	h->disk = start_ramdisk(size, 0, &h->disk_proc);
	h->root = start_homefs(h->disk, "-f", &h->fs_proc);
	CHECK_TRUE(h->root > 0);
}

/* Ends the ramdisk (homefs has ended already: its last object closed, or killed). */
static void ram_home_stop(struct ram_home *h)
{
	archk_handle_close(h->disk);
	archk_process_kill(h->disk_proc);
	wait_exit(h->disk_proc);
}

/* Whether file path below dir holds exactly text. */
static bool holds(archk_handle_t dir, const char *path, const char *text)
{
	char buf[256];
	long f = archk_open(dir, path, ARCHK_RIGHT_READ), n;

	if (f < 0)
		return false;
	n = io(ARCHK_IO_READ, (archk_handle_t)f, buf, sizeof(buf), 0);
	archk_handle_close((archk_handle_t)f);
	return n == (long)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

/*
 * How many times name appears in dir's listing (path below root), read one
 * record per READ so that every position is used; kind the last one's.
 */
static int listed(const char *path, const char *name, uint8_t *kind)
{
	uint8_t buf[sizeof(struct archk_dirent) + 16];
	long dir = archk_open(root, path, ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE), n;
	uint64_t pos = 0;
	int count = 0, records = 0;

	if (dir < 0)
		return -1;
	while ((n = io(ARCHK_IO_READ, (archk_handle_t)dir, buf, sizeof(buf), pos)) > 0 &&
	       records++ < 1000) {
		const struct archk_dirent *d = (const void *)buf;

		if (d->name_len == strlen(name) && memcmp(d->name, name, d->name_len) == 0) {
			count++;
			*kind = d->kind;
		}
		pos = d->next;
	}
	archk_handle_close((archk_handle_t)dir);
	return n == 0 || n == ARCHK_ERR_TOO_LONG ? count : -1;
}

/* SHARE's own errors, in the order docs/abi.md gives them. */
static void test_mount_errors(archk_handle_t home)
{
	archk_handle_t two[2] = {home, home}, no_set = root_without(ARCHK_RIGHT_SET_PROPERTY);
	archk_handle_t no_write = root_without(ARCHK_RIGHT_WRITE);
	char long_path[ARCHK_PATH_MAX + 2];

	CHECK_EQ(mount_at(no_write, "m", &home, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(mount_at(no_set, "m", &home, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(mount_at(root, "m", NULL, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(mount_at(root, "m", two, 2), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(mount_at(root, "m", &root, 1), ARCHK_ERR_WRONG_TYPE);
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	CHECK_EQ(mount_at(root, long_path, &home, 1), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(mount_at(root, "a/../b", &home, 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_SHARE, root, (void *)0x10, 4, 0, &home, 1),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(mount_at(root, "", &home, 1), ARCHK_ERR_EXISTS);
	CHECK_EQ(mount_at(root, "bin", &home, 1), ARCHK_ERR_EXISTS);
	CHECK_EQ(mount_at(root, "bin/homefs", &home, 1), ARCHK_ERR_EXISTS);
	archk_handle_close(no_set);
	archk_handle_close(no_write);
}

/* A mount at mnt/home: where it may not be doubled, how it is listed and opened. */
static void test_mount_place(archk_handle_t home)
{
	long dir, self;
	uint8_t kind = 0;

	CHECK_EQ(mount_at(root, "/mnt//home/", &home, 1), 0); /* joined as mnt/home */
	CHECK_EQ(mount_at(root, "mnt/home", &home, 1), ARCHK_ERR_EXISTS);
	CHECK_EQ(mount_at(root, "mnt", &home, 1), ARCHK_ERR_EXISTS);
	CHECK_EQ(mount_at(root, "mnt/home/x", &home, 1), ARCHK_ERR_EXISTS);
	CHECK_EQ(listed("", "mnt", &kind), 1);
	CHECK_EQ(kind, ARCHK_KIND_DIR);
	CHECK_EQ(listed("", "bin", &kind), 1);
	CHECK_EQ(listed("mnt", "home", &kind), 1);
	dir = archk_open(root, "mnt", ARCHK_RIGHTS_SAME);
	CHECK_TRUE(dir > 0);
	CHECK_EQ(type_of((archk_handle_t)dir), ARCHK_OBJ_DIR);
	CHECK_EQ(rights_of((archk_handle_t)dir), rights_of(root));
	self = archk_open((archk_handle_t)dir, "home", ARCHK_RIGHTS_SAME);
	CHECK_TRUE(self > 0);
	CHECK_EQ(koid_of((archk_handle_t)self), koid_of(home));
	CHECK_EQ(rights_of((archk_handle_t)self), rights_of(home) & rights_of(root));
	CHECK_EQ(archk_open((archk_handle_t)dir, "home", ARCHK_RIGHT_EXECUTE),
		 ARCHK_ERR_ACCESS_DENIED); /* the mounted handle lacks it */
	archk_handle_close((archk_handle_t)self);
	archk_handle_close((archk_handle_t)dir);
}

/* Paths below the mount reach its server; paths of the store stay read-only. */
static void test_paths(void)
{
	long dir = archk_open(root, "mnt", ARCHK_RIGHTS_SAME), sub;
	static const char cross[] = "mnt/home/g.txt\0bin/g", store[] = "bin/homefs\0bin/x";
	static const char nowhere[] = "nope\0x", two_nul[] = "a\0b\0c";

	CHECK_EQ(write_file(root, "mnt/home/f.txt", "hello\n"), 0);
	CHECK_TRUE(holds(root, "mnt/home/f.txt", "hello\n"));
	CHECK_TRUE(holds((archk_handle_t)dir, "home/f.txt", "hello\n"));
	sub = create(root, "mnt/home/sub", ARCHK_CREATE_DIR | ARCHK_RIGHTS_SAME);
	CHECK_TRUE(sub > 0);
	CHECK_EQ(type_of((archk_handle_t)sub), ARCHK_OBJ_SERVED);
	archk_handle_close((archk_handle_t)sub);
	CHECK_EQ(write_file(root, "/mnt/home/sub/./deep.txt", "deep"), 0);
	CHECK_TRUE(holds(root, "mnt/home/sub/deep.txt", "deep"));
	CHECK_EQ(archk_open(root, "mnt/home/missing", ARCHK_RIGHT_READ), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(rename_at(root, "mnt/home/f.txt", "mnt/home/g.txt"), 0);
	CHECK_EQ(archk_open(root, "mnt/home/f.txt", ARCHK_RIGHT_READ), ARCHK_ERR_NOT_FOUND);
	CHECK_TRUE(holds(root, "mnt/home/g.txt", "hello\n"));
	CHECK_EQ(rename_raw(root, cross, sizeof(cross) - 1), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(rename_at(root, "mnt/home/g.txt", "mnt/home"), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(rename_raw(root, store, sizeof(store) - 1), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(rename_raw(root, nowhere, sizeof(nowhere) - 1), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(rename_raw(root, "abc", 3), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(rename_raw(root, two_nul, sizeof(two_nul) - 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(rename_raw(root, (const char *)0x10, 8), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(destroy(root, "mnt/home/g.txt"), 0);
	CHECK_EQ(archk_open(root, "mnt/home/g.txt", ARCHK_RIGHT_READ), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(destroy(root, "bin/homefs"), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(destroy(root, "nope"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(create(root, "bin/homefs", FILE_RIGHTS), ARCHK_ERR_EXISTS);
	CHECK_EQ(create(root, "mnt", ARCHK_CREATE_DIR | FILE_RIGHTS), ARCHK_ERR_EXISTS);
	CHECK_EQ(create(root, "newfile", FILE_RIGHTS), ARCHK_ERR_READ_ONLY);
	CHECK_EQ(create(root, "mnt/../x", FILE_RIGHTS), ARCHK_ERR_INVALID_ARGS);
	archk_handle_close((archk_handle_t)dir);
}

/* What the client's root and the mounted handle lack, a path below the mount lacks too. */
static void test_rights(archk_handle_t home)
{
	archk_handle_t no_write = root_without(ARCHK_RIGHT_WRITE);
	archk_handle_t no_manage = root_without(ARCHK_RIGHT_MANAGE);
	archk_handle_t no_set = root_without(ARCHK_RIGHT_SET_PROPERTY);
	archk_handle_t no_destroy = root_without(ARCHK_RIGHT_DESTROY);
	long reader =
	    archk_handle_duplicate(home, ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE |
					     ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER);
	long f;

	CHECK_EQ(write_file(root, "mnt/home/r.txt", "r"), 0);
	CHECK_EQ(archk_open(no_write, "mnt/home/r.txt", FILE_RIGHTS), ARCHK_ERR_ACCESS_DENIED);
	f = archk_open(no_write, "mnt/home/r.txt", ARCHK_RIGHTS_SAME);
	CHECK_TRUE(f > 0);
	CHECK_EQ(rights_of((archk_handle_t)f) & ARCHK_RIGHT_WRITE, 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, (archk_handle_t)f, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(create(no_manage, "mnt/home/n.txt", FILE_RIGHTS), ARCHK_ERR_ACCESS_DENIED);
	/* A mount of a handle that may only read. */
	CHECK_TRUE(reader > 0);
	CHECK_EQ(mount_at(root, "ro", (archk_handle_t *)&reader, 1), 0);
	CHECK_EQ(create(root, "ro/n.txt", FILE_RIGHTS), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(destroy(root, "ro/r.txt"), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_open(root, "ro/r.txt", FILE_RIGHTS), ARCHK_ERR_ACCESS_DENIED);
	CHECK_TRUE(holds(root, "ro/r.txt", "r"));
	CHECK_EQ(destroy(no_destroy, "ro"), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(destroy(no_set, "ro"), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(destroy(root, "ro"), 0);
	CHECK_EQ(archk_open(root, "ro/r.txt", ARCHK_RIGHT_READ), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(destroy(root, "mnt/home/r.txt"), 0);
	archk_handle_close((archk_handle_t)reader);
	archk_handle_close(no_write);
	archk_handle_close(no_manage);
	archk_handle_close(no_set);
	archk_handle_close(no_destroy);
}

/* MOUNTS_MAX (32) mounts at most; removing them frees their places. */
static void test_table_full(archk_handle_t home)
{
	char path[16];
	int made = 0;
	long err = 0;

	for (int i = 0; i < 40 && err == 0; i++) {
		snprintf(path, sizeof(path), "many/%02d", i);
		if ((err = mount_at(root, path, &home, 1)) == 0)
			made++;
	}
	CHECK_EQ(err, ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(made, 32 - 1); /* mnt/home is one */
	CHECK_EQ(listed("many", "07", &(uint8_t){0}), 1);
	for (int i = 0; i < made; i++) {
		snprintf(path, sizeof(path), "many/%02d", i);
		CHECK_EQ(destroy(root, path), 0);
	}
	CHECK_EQ(destroy(root, "many/00"), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_open(root, "many", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
}

/* A mount whose server ended: what goes there is CANCELLED; it can still be removed. */
static void test_server_gone(void)
{
	struct ram_home gone;

	ram_home_start(&gone, "1M");
	CHECK_EQ(mount_at(root, "gone", (archk_handle_t *)&gone.root, 1), 0);
	CHECK_EQ(write_file(root, "gone/a", "a"), 0);
	CHECK_EQ(archk_process_kill(gone.fs_proc), 0);
	CHECK_EQ(wait_exit(gone.fs_proc), 1000 + ARCHK_EXIT_KILLED);
	CHECK_EQ(archk_open(root, "gone/a", ARCHK_RIGHT_READ), ARCHK_ERR_CANCELLED);
	CHECK_EQ(destroy(root, "gone"), 0);
	archk_handle_close((archk_handle_t)gone.root);
	ram_home_stop(&gone);
}

static int kernel_checks(void)
{
	struct ram_home home;

	arenas_snapshot();
	CHECK_TRUE(rights_of(root) & ARCHK_RIGHT_SET_PROPERTY);
	ram_home_start(&home, "4M");
	if (home.root <= 0)
		return check_done("conf_mount kernel");
	test_mount_errors((archk_handle_t)home.root);
	test_mount_place((archk_handle_t)home.root);
	test_paths();
	test_rights((archk_handle_t)home.root);
	test_table_full((archk_handle_t)home.root);
	test_server_gone();
	CHECK_EQ(destroy(root, "mnt/home"), 0);
	CHECK_EQ(archk_open(root, "mnt", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	archk_handle_close((archk_handle_t)home.root); /* homefs exits with its last object */
	CHECK_EQ(wait_exit(home.fs_proc), 0);
	ram_home_stop(&home);
	check_arenas_returned(not_deadline);
	return check_done("conf_mount kernel");
}

/* Under init: its mount of the home, and a root that may use it but not change it. */
static int init_checks(void)
{
	static const char cross[] = "home/x\0bin/x";
	uint8_t kind = 0;
	long f;

	CHECK_EQ(rights_of(root) & ARCHK_RIGHT_SET_PROPERTY, 0);
	CHECK_TRUE(rights_of(root) & ARCHK_RIGHT_WRITE);
	CHECK_EQ(mount_at(root, "x", &root, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(destroy(root, "home"), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(listed("", "home", &kind), 1);
	CHECK_EQ(kind, ARCHK_KIND_DIR);
	CHECK_EQ(write_file(root, "/home/conf_mount.txt", "in the home\n"), 0);
	CHECK_TRUE(holds(root, "home/conf_mount.txt", "in the home\n"));
	CHECK_TRUE(holds(archk_handle_named("home"), "conf_mount.txt", "in the home\n"));
	/* WRITE on the root gives SET_PROPERTY (truncating) below the mount. */
	f = archk_open(root, "home/conf_mount.txt", ARCHK_RIGHTS_SAME);
	CHECK_TRUE(f > 0);
	CHECK_TRUE(rights_of((archk_handle_t)f) & ARCHK_RIGHT_SET_PROPERTY);
	archk_handle_close((archk_handle_t)f);
	CHECK_EQ(rename_raw(root, cross, sizeof(cross) - 1), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(destroy(root, "home/conf_mount.txt"), 0);
	return check_done("conf_mount init");
}

int main(int argc, char **argv)
{
	root = archk_handle_named("root");
	if (argc == 2 && strcmp(argv[1], "kernel") == 0)
		return kernel_checks();
	if (argc == 2 && strcmp(argv[1], "init") == 0)
		return init_checks();
	archk_dprintf(archk_handle_named("err"), "usage: conf_mount kernel|init\n");
	return 2;
}
