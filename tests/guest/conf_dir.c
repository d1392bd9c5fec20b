/*
 * Conformance: directory listings (docs/abi.md 8.4 and 9.3a). READ on a
 * store directory gives struct archk_dirent records of its immediate
 * children; the offset is the listing position and each record's next
 * continues after it. The tree tests/dirtest of tests.img is known exactly:
 *   a.txt (6 bytes), b-x (3), b.y (0), b/c.txt, b/d/e.txt, z (4, executable)
 * in store order, so dirtest lists a.txt b-x b.y b z with positions 1 2 3 5 6.
 * Checked: records, sizes and padding; buffers too small (TOO_LONG), bad
 * (BAD_ADDRESS) and read-only; positions in the middle of a subdirectory, past
 * the end and from OFFSET_CURRENT (shared by the handles of one OPEN); rights;
 * the same results through an I/O queue. The kernel arenas end where they started.
 *   conf_dir                              the checks (exit 0 if all pass)
 *   conf_dir on-home CMD [ARG...] [+ CMD [ARG...]]...
 *       runs each command in turn, its "root" a fresh home (homefs on a
 *       ramdisk) holding notes.txt ("hello\n") and docs/a, and exits with the
 *       last one's status (or the first that failed): the utilities on a
 *       directory that is not the store's
 */
#include "check.h"
#include "ringtest.h"

static archk_handle_t root;

struct expected {
	const char *name;
	uint8_t kind;
	uint64_t size;
	uint32_t mode;
	uint64_t next;
};

static const struct expected dirtest[] = {
    {"a.txt", ARCHK_KIND_FILE, 6, 0, 1},
    {"b-x", ARCHK_KIND_FILE, 3, 0, 2},
    {"b.y", ARCHK_KIND_FILE, 0, 0, 3},
    {"b", ARCHK_KIND_DIR, 0, 0, 5},
    {"z", ARCHK_KIND_FILE, 4, ARCHK_MODE_EXEC, 6},
};
#define DIRTEST_COUNT 5

/* Bytes the record of a name of len bytes takes. */
static size_t reclen_of(size_t len)
{
	return (sizeof(struct archk_dirent) + len + 1 + 7) & ~(size_t)7;
}

static archk_handle_t open_dir(const char *path, uint32_t rights)
{
	long h = archk_open(root, path, rights);

	CHECK_TRUE(h > 0);
	return h > 0 ? (archk_handle_t)h : 0;
}

/* Checks the record at d against e, including its padding. */
static void check_record(const struct archk_dirent *d, const struct expected *e)
{
	size_t len = strlen(e->name);

	CHECK_EQ(d->name_len, len);
	CHECK_EQ(memcmp(d->name, e->name, len), 0);
	CHECK_EQ(d->name[len], '\0');
	CHECK_EQ(d->reclen, reclen_of(len));
	CHECK_EQ(d->kind, e->kind);
	CHECK_EQ(d->size, e->size);
	CHECK_EQ(d->mode, e->mode);
	CHECK_EQ(d->next, e->next);
	for (size_t i = sizeof(*d) + len + 1; i < d->reclen; i++)
		CHECK_EQ(((const char *)d)[i], 0);
}

/* Checks that buf[0..n) holds exactly the records of want[0..count). */
static void check_records(const void *buf, long n, const struct expected *want, int count)
{
	long at = 0;
	int i = 0;

	while (at < n && i < count) {
		const struct archk_dirent *d = (const void *)((const char *)buf + at);

		check_record(d, &want[i++]);
		at += d->reclen;
	}
	CHECK_EQ(at, n);
	CHECK_EQ(i, count);
}

/* The whole of dirtest in one READ; the end gives 0. */
static void test_list_all(void)
{
	archk_handle_t d = open_dir("tests/dirtest", ARCHK_RIGHTS_SAME);
	uint64_t buf[128];
	long n = io(ARCHK_IO_READ, d, buf, sizeof(buf), 0);

	CHECK_EQ(n, DIRTEST_COUNT * 32); /* every name needs 32 bytes */
	CHECK_EQ(ARCHK_DIRENT_BYTES_MAX, reclen_of(ARCHK_NAME_BYTES_MAX));
	check_records(buf, n, dirtest, DIRTEST_COUNT);
	CHECK_EQ(io(ARCHK_IO_READ, d, buf, sizeof(buf), 6), 0);
	/* Any length: at most 4096 bytes are filled, here all five records. */
	CHECK_EQ(io(ARCHK_IO_READ, d, buf, UINT64_MAX, 0), n);
	CHECK_EQ(io(ARCHK_IO_READ, d, buf, (1ull << 32) + 100, 0), n);
	CHECK_EQ(io(ARCHK_IO_READ, d, buf, sizeof(buf), 1000), 0);
	CHECK_EQ(io(ARCHK_IO_READ, d, buf, sizeof(buf), UINT64_MAX - 1), 0);
	archk_handle_close(d);
}

/* Subdirectories list their own children; a file under them counts once. */
static void test_subdirectories(void)
{
	static const struct expected b[] = {{"c.txt", ARCHK_KIND_FILE, 2, 0, 1},
					    {"d", ARCHK_KIND_DIR, 0, 0, 2}};
	static const struct expected bd[] = {{"e.txt", ARCHK_KIND_FILE, 2, 0, 1}};
	uint64_t buf[64];
	archk_handle_t d = open_dir("/tests/dirtest/b/", ARCHK_RIGHTS_SAME);
	long n = io(ARCHK_IO_READ, d, buf, sizeof(buf), 0);

	check_records(buf, n, b, 2);
	archk_handle_close(d);
	d = open_dir("tests/dirtest/b/d", ARCHK_RIGHTS_SAME);
	n = io(ARCHK_IO_READ, d, buf, sizeof(buf), 0);
	check_records(buf, n, bd, 1);
	archk_handle_close(d);
}

/* The root lists top-level directories once each, with kind DIR. */
static void test_root(void)
{
	archk_handle_t d = open_dir("", ARCHK_RIGHTS_SAME);
	int bin = 0, tests = 0, other = 0;
	uint64_t position = 0;
	uint64_t buf[64];
	long n;

	while ((n = io(ARCHK_IO_READ, d, buf, sizeof(buf), position)) > 0) {
		for (long at = 0; at < n;) {
			const struct archk_dirent *e = (const void *)((const char *)buf + at);

			if (strcmp(e->name, "bin") == 0)
				bin += e->kind == ARCHK_KIND_DIR;
			else if (strcmp(e->name, "tests") == 0)
				tests += e->kind == ARCHK_KIND_DIR;
			else
				other++;
			position = e->next;
			at += e->reclen;
		}
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(bin, 1);
	CHECK_EQ(tests, 1);
	CHECK_TRUE(other >= 1); /* etc */
	archk_handle_close(d);
}

/* Record by record with a buffer that holds exactly one; smaller is TOO_LONG. */
static void test_small_buffers(void)
{
	archk_handle_t d = open_dir("tests/dirtest", ARCHK_RIGHTS_SAME);
	uint64_t buf[8], position = 0;

	for (int i = 0; i < DIRTEST_COUNT; i++) {
		size_t need = reclen_of(strlen(dirtest[i].name));

		CHECK_EQ(io(ARCHK_IO_READ, d, buf, need - 1, position), ARCHK_ERR_TOO_LONG);
		CHECK_EQ(io(ARCHK_IO_READ, d, buf, 0, position), ARCHK_ERR_TOO_LONG);
		CHECK_EQ(io(ARCHK_IO_READ, d, buf, need, position), (long)need);
		check_record((const void *)buf, &dirtest[i]);
		/* Room for one and a half: still one record. */
		CHECK_EQ(io(ARCHK_IO_READ, d, buf, need + 16, position), (long)need);
		position = dirtest[i].next;
	}
	CHECK_EQ(io(ARCHK_IO_READ, d, buf, 0, position), 0);
	archk_handle_close(d);
}

/* A position inside b's files continues after b; others start at their entry. */
static void test_positions(void)
{
	archk_handle_t d = open_dir("tests/dirtest", ARCHK_RIGHTS_SAME);
	uint64_t buf[64];
	long n;

	n = io(ARCHK_IO_READ, d, buf, sizeof(buf), 3);
	check_records(buf, n, &dirtest[3], 2);
	n = io(ARCHK_IO_READ, d, buf, sizeof(buf), 4); /* b/d/e.txt, inside b */
	check_records(buf, n, &dirtest[4], 1);
	n = io(ARCHK_IO_READ, d, buf, sizeof(buf), 5);
	check_records(buf, n, &dirtest[4], 1);
	archk_handle_close(d);
	/* In b, position 1 is d's first file, not inside an earlier entry. */
	d = open_dir("tests/dirtest/b", ARCHK_RIGHTS_SAME);
	n = io(ARCHK_IO_READ, d, buf, sizeof(buf), 1);
	CHECK_EQ(n, 32);
	CHECK_EQ(((struct archk_dirent *)buf)->name[0], 'd');
	archk_handle_close(d);
}

/* OFFSET_CURRENT reads on from the position shared by the handles of one OPEN. */
static void test_current_position(void)
{
	archk_handle_t d = open_dir("tests/dirtest", ARCHK_RIGHTS_SAME);
	archk_handle_t other = open_dir("tests/dirtest", ARCHK_RIGHTS_SAME);
	long dup = archk_handle_duplicate(d, ARCHK_RIGHTS_SAME);
	uint64_t buf[64];
	long n;

	CHECK_TRUE(dup > 0);
	CHECK_EQ(archk_read(d, buf, 40), 32);
	check_record((const void *)buf, &dirtest[0]);
	n = archk_read((archk_handle_t)dup, buf, 70);
	check_records(buf, n, &dirtest[1], 2);
	/* A READ at an offset leaves the position alone. */
	CHECK_EQ(io(ARCHK_IO_READ, d, buf, sizeof(buf), 0), 160);
	n = archk_read(d, buf, sizeof(buf));
	check_records(buf, n, &dirtest[3], 2);
	CHECK_EQ(archk_read(d, buf, sizeof(buf)), 0);
	CHECK_EQ(archk_read((archk_handle_t)dup, buf, sizeof(buf)), 0);
	/* Another OPEN has its own position. */
	n = archk_read(other, buf, sizeof(buf));
	check_records(buf, n, dirtest, DIRTEST_COUNT);
	/* TOO_LONG does not move it. */
	archk_handle_close(other);
	other = open_dir("tests/dirtest", ARCHK_RIGHTS_SAME);
	CHECK_EQ(archk_read(other, buf, 8), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(archk_read(other, buf, 32), 32);
	check_record((const void *)buf, &dirtest[0]);
	archk_handle_close(other);
	archk_handle_close((archk_handle_t)dup);
	archk_handle_close(d);
}

/* Buffers the records cannot be written to. */
static void test_bad_buffers(void)
{
	archk_handle_t d = open_dir("tests/dirtest", ARCHK_RIGHTS_SAME);
	long map = archk_mem_map_anon(4096, ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	char *page = (char *)map;

	CHECK_EQ(io(ARCHK_IO_READ, d, NULL, 4096, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(io(ARCHK_IO_READ, d, (void *)(uintptr_t)test_bad_buffers, 64, 0),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_TRUE(map > 0);
	/* Room for two records, then the end of the mapping: the second does not fit in memory. */
	CHECK_EQ(io(ARCHK_IO_READ, d, page + 4096 - 40, 64, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(io(ARCHK_IO_READ, d, page + 4096 - 32, 64, 0), ARCHK_ERR_BAD_ADDRESS);
	/* Exactly one record fits in the memory and in len. */
	CHECK_EQ(io(ARCHK_IO_READ, d, page + 4096 - 32, 32, 0), 32);
	/* At the end of the listing nothing is written, so nothing is checked. */
	CHECK_EQ(io(ARCHK_IO_READ, d, NULL, 4096, 6), 0);
	/* A failed READ leaves the position alone. */
	CHECK_EQ(archk_read(d, NULL, 4096), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_read(d, page, 32), 32);
	check_record((const void *)page, &dirtest[0]);
	CHECK_EQ(archk_mem_unmap(page, 4096), 0);
	archk_handle_close(d);
}

/* Listing needs READ; files still read bytes; no SEEK on a directory. */
static void test_rights_and_files(void)
{
	archk_handle_t d =
	    open_dir("tests/dirtest", ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_GET_PROPERTY);
	archk_handle_t f = open_dir("tests/dirtest/a.txt", ARCHK_RIGHTS_SAME);
	struct archk_meta meta;
	char buf[64];

	CHECK_EQ(io(ARCHK_IO_READ, d, buf, sizeof(buf), 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_get_meta(d, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_DIR);
	CHECK_EQ(meta.size, 6); /* files at any depth */
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, sizeof(buf), 0), 6);
	CHECK_EQ(memcmp(buf, "alpha\n", 6), 0);
	CHECK_EQ(io(ARCHK_IO_SEEK, d, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	archk_handle_close(f);
	archk_handle_close(d);
}

/* The same results through an I/O queue. */
static void test_ring(void)
{
	archk_handle_t d = open_dir("tests/dirtest", ARCHK_RIGHTS_SAME);
	struct ring *r = ring_new(8, 0, 0);
	uint64_t buf[64];
	long n = ring_do(r, ARCHK_IO_READ, d, buf, sizeof(buf), 1);

	check_records(buf, n, &dirtest[1], 4);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, d, buf, 4, 1), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, d, NULL, 64, 1), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, d, buf, sizeof(buf), 6), 0);
	ring_free(r);
	archk_handle_close(d);
}

/* Creates path on dir with flags and writes text into it (unless it is a directory). */
static void make(archk_handle_t dir, const char *path, uint64_t flags, const char *text)
{
	long h = archk_do_io(ARCHK_IO_CREATE, dir, (long)path, (long)strlen(path),
			     (long)(flags | ARCHK_RIGHTS_SAME), 0);

	CHECK_TRUE(h > 0);
	if (text)
		CHECK_EQ(archk_write((archk_handle_t)h, text, strlen(text)), (long)strlen(text));
	archk_handle_close((archk_handle_t)h);
}

/* Runs argv[0..] (split at "+") with root = a fresh home; the status of the last command. */
static int on_home(int argc, char **argv)
{
	archk_handle_t rd, fs, disk = start_ramdisk("4M", 0, &rd);
	long home = start_homefs(disk, "-f", &fs);
	int status = 0;

	if (home < 0)
		return 100;
	make((archk_handle_t)home, "notes.txt", 0, "hello\n");
	make((archk_handle_t)home, "docs", ARCHK_CREATE_DIR, NULL);
	make((archk_handle_t)home, "docs/a", 0, "");
	for (int i = 0; i < argc && status == 0;) {
		struct archk_spawn_handle h = {"root", (archk_handle_t)home, ARCHK_RIGHTS_SAME};
		int end = i;
		long p;

		while (end < argc && strcmp(argv[end], "+") != 0)
			end++;
		argv[end < argc ? end : argc] = NULL;
		p = archk_spawn(argv[i], (const char *const *)argv + i, &h, 1);
		status = p < 0 ? 101 : (int)wait_exit(p);
		i = end + 1;
	}
	archk_handle_close((archk_handle_t)home);
	archk_handle_close(disk);
	return check_failed ? 102 : status;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "on-home") == 0)
		return on_home(argc - 2, argv + 2);
	root = archk_handle_named("root");
	arenas_snapshot();
	test_list_all();
	test_subdirectories();
	test_root();
	test_small_buffers();
	test_positions();
	test_current_position();
	test_bad_buffers();
	test_rights_and_files();
	test_ring();
	check_arenas_returned(not_deadline);
	return check_done("conf_dir");
}
