/*
 * homefs library tests on a memory disk (testdisk.c): the calls and their
 * exact errors, sparse files and truncation, a file removed while open,
 * what a remount keeps, thousands of files in a directory, a full disk,
 * corrupt images, read-only mounts, failing writes, and the discarding of
 * a commit a crash cut short.
 */
#include <archk/errors.h>
#include <archk/syscall.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "testdisk.h"

static struct testdisk *td;
static struct hfs *fs;

static void mount_fresh(uint64_t bytes)
{
	char why[200];

	td = td_new(bytes);
	cr_assert_eq(hfs_format(&td->disk), 0);
	cr_assert_eq(hfs_mount(&td->disk, 0, &fs, why, sizeof(why)), 0, "%s", why);
}

static void remount(void)
{
	char why[200];

	hfs_unmount(fs);
	cr_assert_eq(hfs_mount(&td->disk, 0, &fs, why, sizeof(why)), 0, "%s", why);
}

static void teardown(void)
{
	hfs_unmount(fs);
	fs = NULL;
	if (td)
		td_free(td);
	td = NULL;
}

static long open_path(const char *path, unsigned flags, struct hfs_node **n)
{
	return hfs_open(fs, NULL, path, strlen(path), flags, n);
}

/* Creates path with contents, syncs it and closes it. */
static void put(const char *path, const void *data, size_t len)
{
	struct hfs_node *n;

	cr_assert_eq(open_path(path, HFS_CREATE | HFS_TRUNCATE, &n), 0, "create %s", path);
	cr_assert_eq(hfs_write(n, data, len, 0), (long)len);
	cr_assert_eq(hfs_sync(n), 0);
	hfs_close(n);
}

/* Reads all of path into a malloc'd buffer; its size in *len. */
static uint8_t *get(const char *path, size_t *len)
{
	struct hfs_node *n;
	struct hfs_stat st;
	uint8_t *buf;

	cr_assert_eq(open_path(path, 0, &n), 0, "open %s", path);
	hfs_stat(n, &st);
	buf = malloc(st.size + 1);
	cr_assert_eq(hfs_read(n, buf, st.size, 0), (long)st.size);
	hfs_close(n);
	*len = st.size;
	return buf;
}

static void report_quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static long check(void)
{
	return hfs_check(&td->disk, report_quiet, NULL);
}

TestSuite(homefs, .fini = teardown);

Test(homefs, files_directories_and_listing)
{
	struct hfs_node *d, *f;
	struct hfs_stat st;
	char buf[256], data[10];
	long got;

	mount_fresh(4 << 20);
	cr_assert_eq(open_path("docs", HFS_CREATE | HFS_DIR, &d), 0);
	cr_assert_eq(hfs_open(fs, d, "note.txt", 8, HFS_CREATE, &f), 0);
	cr_assert_eq(hfs_write(f, "0123456789", 10, 0), 10);
	cr_assert_eq(hfs_write(f, "ab", 2, 4), 2);
	cr_assert_eq(hfs_read(f, data, 10, 0), 10);
	cr_assert_arr_eq(data, "0123ab6789", 10);
	cr_assert_eq(hfs_read(f, data, 10, 10), 0, "at the end");
	hfs_stat(f, &st);
	cr_assert_eq(st.kind, HFS_KIND_FILE);
	cr_assert_eq(st.size, 10);
	cr_assert(st.mtime > 0 && st.ctime >= st.mtime);
	hfs_close(f);

	/* One record: next, size, reclen (a multiple of 8), kind, the name and a NUL. */
	got = hfs_list(d, 0, buf, sizeof(buf));
	cr_assert_eq(got, 40);
	const struct archk_dirent *e = (const void *)buf;
	cr_assert_eq(e->reclen, 40);
	cr_assert_eq(e->kind, ARCHK_KIND_FILE);
	cr_assert_eq(e->size, 10);
	cr_assert_eq(e->name_len, 8);
	cr_assert_str_eq(e->name, "note.txt");
	cr_assert_eq(hfs_list(d, e->next, buf, sizeof(buf)), 0, "the end");
	cr_assert_eq(hfs_list(d, 0, buf, 39), ARCHK_ERR_TOO_LONG, "no room for one record");
	hfs_stat(d, &st);
	cr_assert_eq(st.kind, HFS_KIND_DIR);
	cr_assert_eq(st.size, 1, "a directory's size is its entries");
	/* "" and "." name the directory itself; empty components are skipped. */
	cr_assert_eq(hfs_open(fs, d, "", 0, 0, &f), 0);
	hfs_close(f);
	cr_assert_eq(open_path("/docs//./note.txt/", 0, &f), 0);
	hfs_close(f);
	hfs_close(d);
	cr_assert_eq(check(), 0);
}

Test(homefs, exact_errors)
{
	char name[300], path[1100];
	struct hfs_node *n, *f;
	char buf[16];

	mount_fresh(4 << 20);
	put("file", "x", 1);
	cr_assert_eq(open_path("dir", HFS_CREATE | HFS_DIR, &n), 0);
	hfs_close(n);
	put("dir/inner", "y", 1);

	cr_assert_eq(open_path("missing", 0, &n), ARCHK_ERR_NOT_FOUND);
	cr_assert_eq(open_path("missing/x", HFS_CREATE, &n), ARCHK_ERR_NOT_FOUND);
	cr_assert_eq(open_path("file/x", 0, &n), ARCHK_ERR_NOT_DIR);
	cr_assert_eq(open_path("../file", 0, &n), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(hfs_open(fs, NULL, "fi\0le", 5, 0, &n), ARCHK_ERR_INVALID_ARGS);
	memset(name, 'n', 256);
	name[256] = 0;
	cr_assert_eq(open_path(name, HFS_CREATE, &n), ARCHK_ERR_TOO_LONG, "256-byte name");
	name[255] = 0;
	cr_assert_eq(open_path(name, HFS_CREATE, &n), 0, "255 bytes is allowed");
	hfs_close(n);
	memset(path, 'a', sizeof(path) - 1);
	for (int i = 100; i < 1099; i += 100)
		path[i] = '/';
	path[1025] = 0;
	cr_assert_eq(open_path(path, 0, &n), ARCHK_ERR_TOO_LONG, "a path over 1024 bytes");
	cr_assert_eq(open_path("file", HFS_CREATE | HFS_EXCL, &n), ARCHK_ERR_EXISTS);
	cr_assert_eq(open_path("file", HFS_CREATE | HFS_DIR, &n), ARCHK_ERR_NOT_DIR);
	cr_assert_eq(open_path("dir", HFS_CREATE, &n), ARCHK_ERR_IS_DIR);
	cr_assert_eq(open_path("", HFS_CREATE, &n), ARCHK_ERR_IS_DIR, "the root is a directory");
	cr_assert_eq(hfs_remove(fs, NULL, "dir", 3), ARCHK_ERR_NOT_EMPTY);
	cr_assert_eq(hfs_remove(fs, NULL, "", 0), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(hfs_remove(fs, NULL, "nope", 4), ARCHK_ERR_NOT_FOUND);
	cr_assert_eq(hfs_rename(fs, NULL, "nope", 4, "x", 1), ARCHK_ERR_NOT_FOUND);
	cr_assert_eq(hfs_rename(fs, NULL, "dir", 3, "dir/sub", 7), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(hfs_rename(fs, NULL, "file", 4, "dir", 3), ARCHK_ERR_IS_DIR);
	cr_assert_eq(hfs_rename(fs, NULL, "dir", 3, "file", 4), ARCHK_ERR_NOT_DIR);
	cr_assert_eq(open_path("empty", HFS_CREATE | HFS_DIR, &n), 0);
	hfs_close(n);
	cr_assert_eq(hfs_rename(fs, NULL, "empty", 5, "dir", 3), ARCHK_ERR_NOT_EMPTY);
	cr_assert_eq(hfs_rename(fs, NULL, "file", 4, "file", 4), 0, "onto itself: nothing");

	cr_assert_eq(open_path("dir", 0, &n), 0);
	cr_assert_eq(hfs_read(n, buf, sizeof(buf), 0), ARCHK_ERR_IS_DIR);
	cr_assert_eq(hfs_write(n, buf, 1, 0), ARCHK_ERR_IS_DIR);
	cr_assert_eq(hfs_truncate(n, 0), ARCHK_ERR_IS_DIR);
	cr_assert_eq(open_path("file", 0, &f), 0);
	cr_assert_eq(hfs_list(f, 0, buf, sizeof(buf)), ARCHK_ERR_NOT_DIR);
	cr_assert_eq(hfs_open(fs, f, "x", 1, 0, &n), ARCHK_ERR_NOT_DIR, "OPEN below a file");
	cr_assert_eq(hfs_write(f, buf, 1, HFS_FILE_MAX), ARCHK_ERR_TOO_LONG);
	cr_assert_eq(hfs_truncate(f, HFS_FILE_MAX + 1), ARCHK_ERR_TOO_LONG);
	hfs_close(f);
	hfs_close(n);
	cr_assert_eq(check(), 0);
}

Test(homefs, sparse_files_and_truncation)
{
	static uint8_t block[8192], back[8192], zero[8192];
	struct hfs_node *f;

	mount_fresh(4 << 20);
	memset(block, 0xab, sizeof(block));
	cr_assert_eq(open_path("sparse", HFS_CREATE, &f), 0);
	cr_assert_eq(hfs_write(f, block, 100, 1 << 20), 100, "far past the end");
	cr_assert_eq(hfs_read(f, back, sizeof(back), 4096), (long)sizeof(back));
	cr_assert_arr_eq(back, zero, sizeof(back), "a hole reads as zeros");
	/* Cut in the middle of a block and grow again: the cut bytes read as zeros. */
	cr_assert_eq(hfs_write(f, block, sizeof(block), 0), (long)sizeof(block));
	cr_assert_eq(hfs_sync(f), 0);
	cr_assert_eq(hfs_truncate(f, 5000), 0);
	cr_assert_eq(hfs_truncate(f, 8192), 0);
	cr_assert_eq(hfs_read(f, back, sizeof(back), 0), 8192);
	cr_assert_arr_eq(back, block, 5000);
	cr_assert_arr_eq(back + 5000, zero, 8192 - 5000);
	cr_assert_eq(hfs_sync(f), 0);
	hfs_close(f);
	remount();
	cr_assert_eq(open_path("sparse", 0, &f), 0);
	cr_assert_eq(hfs_read(f, back, sizeof(back), 0), 8192);
	cr_assert_arr_eq(back, block, 5000);
	cr_assert_arr_eq(back + 5000, zero, 8192 - 5000);
	hfs_close(f);
	cr_assert_eq(check(), 0);
}

Test(homefs, removed_while_open)
{
	struct hfs_usage before, after;
	struct hfs_node *f, *g;
	static uint8_t data[40000], back[40000];

	mount_fresh(4 << 20);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	put("victim", data, sizeof(data));
	hfs_usage(fs, &before);
	cr_assert_eq(open_path("victim", 0, &f), 0);
	cr_assert_eq(hfs_remove(fs, NULL, "victim", 6), 0);
	cr_assert_eq(open_path("victim", 0, &g), ARCHK_ERR_NOT_FOUND);
	cr_assert_eq(hfs_read(f, back, sizeof(back), 0), (long)sizeof(back));
	cr_assert_arr_eq(back, data, sizeof(data), "still readable through its node");
	cr_assert_eq(hfs_write(f, "z", 1, 0), 1);
	cr_assert_eq(hfs_sync(f), 0, "syncing a removed file commits the removal");
	hfs_close(f);
	cr_assert_eq(hfs_commit(fs), 0);
	hfs_usage(fs, &after);
	cr_assert_eq(after.free_blocks, before.free_blocks + 10, "its 10 blocks are free again");
	remount();
	cr_assert_eq(open_path("victim", 0, &f), ARCHK_ERR_NOT_FOUND);
	cr_assert_eq(check(), 0);
}

Test(homefs, a_remount_keeps_what_was_committed)
{
	struct hfs_node *f, *g;
	uint8_t *back;
	size_t len;

	mount_fresh(4 << 20);
	put("kept", "synced", 6);
	cr_assert_eq(open_path("kept", 0, &f), 0);
	cr_assert_eq(hfs_write(f, "CHANGED", 7, 0), 7, "written, not synced");
	cr_assert_eq(open_path("other", HFS_CREATE, &g), 0);
	cr_assert_eq(hfs_write(g, "new", 3, 0), 3);
	cr_assert_eq(hfs_sync(g), 0, "a sync of another file does not publish this one");
	hfs_close(g);
	cr_assert_eq(hfs_rename(fs, NULL, "kept", 4, "moved", 5), 0, "not committed");
	remount(); /* like a crash: nothing after the last commit */
	back = get("kept", &len);
	cr_assert_eq(len, 6);
	cr_assert_arr_eq(back, "synced", 6, "the last synced contents");
	free(back);
	back = get("other", &len);
	cr_assert_eq(len, 3);
	free(back);
	cr_assert_eq(open_path("moved", 0, &f), ARCHK_ERR_NOT_FOUND);
	cr_assert_eq(check(), 0);
}

Test(homefs, thousands_of_files_in_one_directory)
{
	enum { FILES = 5000 };
	static char seen[FILES];
	struct hfs_node *d, *f;
	struct hfs_usage u;
	char name[32], buf[4096];
	uint64_t pos = 0;
	long got;
	int listed = 0;

	mount_fresh(32 << 20);
	cr_assert_eq(open_path("many", HFS_CREATE | HFS_DIR, &d), 0);
	for (int i = 0; i < FILES; i++) {
		int len = snprintf(name, sizeof(name), "file-%05d", i);

		cr_assert_eq(hfs_open(fs, d, name, len, HFS_CREATE | HFS_EXCL, &f), 0);
		cr_assert_eq(hfs_write(f, name, len, 0), len);
		hfs_close(f);
		if (i % 500 == 499)
			cr_assert_eq(hfs_sync(d), 0);
	}
	/* Remove every third, then look each name up. */
	for (int i = 0; i < FILES; i += 3) {
		int len = snprintf(name, sizeof(name), "file-%05d", i);

		cr_assert_eq(hfs_remove(fs, d, name, len), 0);
	}
	cr_assert_eq(hfs_sync(d), 0);
	hfs_close(d);
	remount();
	hfs_usage(fs, &u);
	cr_assert_eq(u.files, FILES - (FILES + 2) / 3);
	cr_assert_eq(open_path("many", 0, &d), 0);
	for (int i = 0; i < FILES; i++) {
		int len = snprintf(name, sizeof(name), "many/file-%05d", i);

		cr_assert_eq(hfs_open(fs, NULL, name, len, 0, &f), i % 3 ? 0 : ARCHK_ERR_NOT_FOUND);
		if (i % 3) {
			cr_assert_eq(hfs_read(f, buf, sizeof(buf), 0), len - 5);
			cr_assert_arr_eq(buf, name + 5, len - 5);
			hfs_close(f);
		}
	}
	while ((got = hfs_list(d, pos, buf, sizeof(buf))) > 0)
		for (long at = 0; at < got; listed++) {
			const struct archk_dirent *e = (const void *)(buf + at);
			int i = atoi(e->name + 5);

			cr_assert(i % 3 && !seen[i], "%s listed once", e->name);
			seen[i] = 1;
			pos = e->next;
			at += e->reclen;
		}
	cr_assert_eq(listed, u.files);
	hfs_close(d);
	cr_assert_eq(check(), 0);
}

/*
 * Fills the disk with one file, syncing whenever a write finds no space
 * (a sync turns the reserve kept for unpublished blocks into free space),
 * until a write right after a sync finds none. Returns the bytes written.
 */
static size_t fill(const char *path)
{
	static uint8_t chunk[65536];
	struct hfs_node *f;
	size_t done = 0, synced = 1;
	long got;

	memset(chunk, 0x5a, sizeof(chunk));
	cr_assert_eq(open_path(path, HFS_CREATE, &f), 0);
	for (;;) {
		while ((got = hfs_write(f, chunk, sizeof(chunk), done)) > 0)
			done += (size_t)got;
		while ((got = hfs_write(f, chunk, 4096, done)) > 0)
			done += (size_t)got;
		cr_assert_eq(got, ARCHK_ERR_NO_SPACE);
		if (synced == done)
			break;
		cr_assert_eq(hfs_sync(f), 0, "a full disk still commits");
		synced = done;
	}
	hfs_close(f);
	return done;
}

Test(homefs, a_full_disk_is_no_space_and_stays_consistent)
{
	struct hfs_node *f;
	struct hfs_usage u;
	char name[16];
	size_t big, len;
	uint8_t *back;
	long got;
	int files;

	mount_fresh(1 << 20);
	/* Names until the space kept for the next checkpoint would be short. */
	for (files = 0;; files++) {
		snprintf(name, sizeof(name), "n%d", files);
		if ((got = open_path(name, HFS_CREATE, &f)) < 0)
			break;
		hfs_close(f);
	}
	cr_assert_eq(got, ARCHK_ERR_NO_SPACE);
	cr_assert(files > 1000, "%d names", files);
	cr_assert_eq(hfs_commit(fs), 0, "the checkpoint has its space");
	cr_assert_eq(hfs_rename(fs, NULL, "n10", 3, "r", 1), 0, "a shorter name fits");
	cr_assert_eq(hfs_commit(fs), 0);
	remount();
	hfs_usage(fs, &u);
	cr_assert_eq(u.files, files);
	cr_assert_eq(check(), 0);
	for (int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), i == 10 ? "r" : "n%d", i);
		cr_assert_eq(hfs_remove(fs, NULL, name, strlen(name)), 0);
	}
	cr_assert_eq(hfs_commit(fs), 0);

	/* Data until the disk is full. */
	big = fill("big");
	cr_assert(big >= 800 << 10, "most of 1 MiB holds data (%zu)", big);
	/* Overwriting needs copies: refused, the file unchanged. */
	cr_assert_eq(open_path("big", 0, &f), 0);
	cr_assert_eq(hfs_write(f, "over", 4, 0), ARCHK_ERR_NO_SPACE);
	/* Cutting and growing a file needs no data blocks. */
	cr_assert_eq(hfs_truncate(f, big + 100000), 0);
	cr_assert_eq(hfs_truncate(f, big), 0);
	cr_assert_eq(hfs_sync(f), 0);
	hfs_close(f);
	remount();
	back = get("big", &len);
	cr_assert_eq(len, big);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(back[i], 0x5a, "byte %zu", i);
	free(back);
	cr_assert_eq(check(), 0);
	/* Removing gives the space back. */
	cr_assert_eq(hfs_remove(fs, NULL, "big", 3), 0);
	cr_assert_eq(hfs_commit(fs), 0);
	hfs_usage(fs, &u);
	cr_assert(u.free_blocks > 200, "%llu free", (unsigned long long)u.free_blocks);
	cr_assert(fill("again") >= big - 64 * 1024);
	remount();
	cr_assert_eq(check(), 0);
}

Test(homefs, many_commits_through_segments_and_checkpoints)
{
	struct state want = {0}, got;
	char name[16], data[600];

	mount_fresh(4 << 20);
	hfs_tune(fs, 1, 2);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "f%d", i % 37);
		memset(data, 'a' + i % 26, sizeof(data));
		put(name, data, (size_t)(i % 600));
		int k = state_find(&want, name);
		if (k >= 0)
			state_remove(&want, k);
		state_add(&want, name, HFS_KIND_FILE, (const uint8_t *)data, (size_t)(i % 600));
		if (i % 50 == 49) {
			remount();
			hfs_tune(fs, 1, 2);
		}
	}
	remount();
	cr_assert_eq(state_read(fs, &got), 0);
	cr_assert(state_equal(&got, &want));
	state_free(&got);
	state_free(&want);
	cr_assert_eq(check(), 0);
}

/* Mounting td's image: the error, with the reason in why. */
static long try_mount(char *why, size_t len)
{
	struct hfs *m;
	long err = hfs_mount(&td->disk, 0, &m, why, len);

	hfs_unmount(m);
	return err;
}

Test(homefs, corrupt_images_are_refused)
{
	char why[200];
	uint64_t rng = 42;

	td = td_new(1 << 20);
	cr_assert_eq(try_mount(why, sizeof(why)), ARCHK_ERR_CORRUPT, "all zeros");
	cr_assert_str_eq(why, "no homefs superblock (bad magic)");
	cr_assert_eq(check(), 1);
	for (uint64_t i = 0; i < td->bytes; i += 8)
		*(uint64_t *)(td->view + i) = td_rand(&rng);
	td->used = td->bytes;
	cr_assert_eq(try_mount(why, sizeof(why)), ARCHK_ERR_CORRUPT, "random bytes");
	cr_assert_str_eq(why, "no homefs superblock (bad magic)");

	/* A good home whose superblocks fail their CRC. */
	cr_assert_eq(hfs_format(&td->disk), 0);
	td->view[100] ^= 1;
	cr_assert_eq(try_mount(why, sizeof(why)), ARCHK_ERR_CORRUPT);
	cr_assert_str_eq(why, "no superblock passes its check");
	cr_assert_eq(check(), 1);

	/* CRC errors everywhere: one bit of every block but the superblocks. */
	td_free(td);
	mount_fresh(1 << 20);
	put("a", "data", 4);
	hfs_unmount(fs);
	fs = NULL;
	for (uint64_t b = 2; b < td->bytes / 4096; b++)
		td->view[b * 4096 + 77] ^= 0x10;
	cr_assert_eq(try_mount(why, sizeof(why)), ARCHK_ERR_CORRUPT);
	cr_assert_str_eq(why, "no complete checkpoint (snapshot blocks fail their check)");
	cr_assert_eq(check(), 1);
}

Test(homefs, a_damaged_record_is_not_applied)
{
	char why[200];
	struct hfs_node *f;

	mount_fresh(1 << 20);
	put("a", "one", 3);
	hfs_unmount(fs);
	fs = NULL;
	/* A second commit in a log record, then damage to it: a bit in a name. */
	cr_assert_eq(hfs_mount(&td->disk, 0, &fs, why, sizeof(why)), 0);
	put("b", "two", 3);
	hfs_unmount(fs);
	fs = NULL;
	for (uint64_t s = 0; s < td->bytes / 512; s++)
		if (!memcmp(td->view + s * 512, "HFLG", 4) && td->view[s * 512 + 16] == 3)
			td->view[s * 512 + 60] ^= 1;
	cr_assert_eq(hfs_mount(&td->disk, 0, &fs, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(open_path("a", 0, &f), 0);
	hfs_close(f);
	cr_assert_eq(open_path("b", 0, &f), ARCHK_ERR_NOT_FOUND);
}

Test(homefs, read_only_mounts_refuse_changes)
{
	char why[200];
	struct hfs_node *f;
	char buf[4];

	mount_fresh(1 << 20);
	put("a", "data", 4);
	hfs_unmount(fs);
	cr_assert_eq(hfs_mount(&td->disk, HFS_MOUNT_READ_ONLY, &fs, why, sizeof(why)), 0);
	cr_assert_eq(open_path("a", 0, &f), 0);
	cr_assert_eq(hfs_read(f, buf, 4, 0), 4);
	cr_assert_eq(hfs_write(f, buf, 4, 0), ARCHK_ERR_READ_ONLY);
	cr_assert_eq(hfs_truncate(f, 0), ARCHK_ERR_READ_ONLY);
	cr_assert_eq(hfs_sync(f), ARCHK_ERR_READ_ONLY);
	hfs_close(f);
	cr_assert_eq(open_path("b", HFS_CREATE, &f), ARCHK_ERR_READ_ONLY);
	cr_assert_eq(hfs_remove(fs, NULL, "a", 1), ARCHK_ERR_READ_ONLY);
	cr_assert_eq(hfs_rename(fs, NULL, "a", 1, "c", 1), ARCHK_ERR_READ_ONLY);
	td->disk.read_only = 1;
	cr_assert_eq(hfs_format(&td->disk), ARCHK_ERR_READ_ONLY);
}

/*
 * File data waits in the write-back batch: a failed disk write shows in the
 * call that sends the batch out, a SYNC, or a WRITE far from the batch.
 */
Test(homefs, a_failed_write_stops_changes)
{
	struct hfs_node *f;

	mount_fresh(1 << 20);
	put("a", "data", 4);
	cr_assert_eq(open_path("a", 0, &f), 0);
	td->crash_at = td->ops + 1; /* the next write fails */
	cr_assert_eq(hfs_write(f, "more", 4, 4), 4, "the block waits in the batch");
	cr_assert_eq(td->ops, td->crash_at - 1, "nothing was written");
	cr_assert_eq(hfs_sync(f), ARCHK_ERR_IO);
	cr_assert_eq(hfs_write(f, "more", 4, 4), ARCHK_ERR_IO);
	cr_assert_eq(hfs_remove(fs, NULL, "a", 1), ARCHK_ERR_IO);
	hfs_close(f);
}

Test(homefs, a_failed_batch_write_fails_the_write_that_sends_it)
{
	static uint8_t full[16 * 4096];
	struct hfs_node *f;

	mount_fresh(1 << 20);
	cr_assert_eq(open_path("a", HFS_CREATE, &f), 0);
	cr_assert_eq(hfs_write(f, full, sizeof(full), 0), sizeof(full), "a full batch");
	td->crash_at = td->ops + 1;
	cr_assert_eq(hfs_write(f, "two", 3, sizeof(full)), ARCHK_ERR_IO, "sends the batch out");
	cr_assert_eq(hfs_sync(f), ARCHK_ERR_IO);
	hfs_close(f);
}

/*
 * A commit cut short is overwritten when it is found, so that it cannot
 * complete later by accident: here its missing data block reaches the disk
 * afterwards (the same bytes written again), and the commit stays dead.
 */
Test(homefs, an_incomplete_commit_stays_discarded)
{
	char why[200];
	struct hfs_node *f;
	static uint8_t data[4096];
	uint64_t sector;
	uint8_t *saved;

	mount_fresh(1 << 20);
	put("a", "one", 3);
	memset(data, 7, sizeof(data));
	cr_assert_eq(open_path("b", HFS_CREATE, &f), 0);
	cr_assert_eq(hfs_write(f, data, sizeof(data), 0), 4096);
	td->crash_at = td->ops + 3; /* the data block and the record go out; the flush fails */
	cr_assert_eq(hfs_sync(f), ARCHK_ERR_IO);
	hfs_close(f);
	hfs_unmount(fs);
	fs = NULL;
	/* The disk kept the record but not the data block. */
	cr_assert_eq(td->npending, 2);
	cr_assert_eq(td->pending[0].count, 8, "the data block");
	sector = td->pending[0].sector;
	saved = td->pending[0].data;
	td->pending[0] = td->pending[--td->npending];
	td_settle(td);
	cr_assert_eq(hfs_mount(&td->disk, 0, &fs, why, sizeof(why)), 0);
	cr_assert_eq(open_path("b", 0, &f), ARCHK_ERR_NOT_FOUND, "b's commit is incomplete");
	hfs_unmount(fs);
	fs = NULL;
	/* Now the block arrives after all; the commit must not come back. */
	memcpy(td->view + sector * 512, saved, 4096);
	free(saved);
	cr_assert_eq(hfs_mount(&td->disk, 0, &fs, why, sizeof(why)), 0);
	cr_assert_eq(open_path("b", 0, &f), ARCHK_ERR_NOT_FOUND, "still gone");
	cr_assert_eq(check(), 0);
}

/*
 * A file published, opened again and removed while open: the commit that
 * records the removal must not list its blocks for checking, or reusing
 * them after a remount would make that commit look incomplete at the next
 * mount (and bring the file back).
 */
Test(homefs, a_removed_open_file_is_not_checked_by_the_commit)
{
	static uint8_t data[16384];
	struct hfs_node *f, *g;

	mount_fresh(1 << 20);
	memset(data, 1, sizeof(data));
	put("x", data, 8192); /* committed */
	cr_assert_eq(open_path("x", 0, &f), 0);
	cr_assert_eq(hfs_write(f, data, 8192, 0), 8192);
	hfs_close(f); /* its new blocks published, not committed */
	cr_assert_eq(open_path("x", 0, &f), 0);
	cr_assert_eq(hfs_remove(fs, NULL, "x", 1), 0);
	cr_assert_eq(hfs_commit(fs), 0);
	remount(); /* all of x's blocks are free now */
	memset(data, 2, sizeof(data));
	cr_assert_eq(open_path("y", HFS_CREATE, &g), 0);
	cr_assert_eq(hfs_write(g, data, sizeof(data), 0), (long)sizeof(data));
	remount(); /* y was never committed, but its blocks were written */
	cr_assert_eq(open_path("x", 0, &f), ARCHK_ERR_NOT_FOUND, "the removal stays");
	cr_assert_eq(check(), 0);
}

/* Two nodes on one file share its changes; only a sync or the last close publishes them. */
Test(homefs, two_nodes_on_one_file)
{
	struct hfs_node *a, *b, *c;
	char buf[8];
	size_t len;
	uint8_t *back;

	mount_fresh(1 << 20);
	put("f", "old", 3);
	cr_assert_eq(open_path("f", 0, &a), 0);
	b = hfs_dup(a);
	cr_assert_eq(hfs_write(a, "new", 3, 0), 3);
	cr_assert_eq(hfs_read(b, buf, sizeof(buf), 0), 3);
	cr_assert_arr_eq(buf, "new", 3, "the other node sees the write");
	hfs_close(a);
	cr_assert_eq(hfs_commit(fs), 0);
	cr_assert_eq(open_path("f", 0, &c), 0); /* a third node: the same file */
	cr_assert_eq(hfs_read(c, buf, sizeof(buf), 0), 3);
	cr_assert_arr_eq(buf, "new", 3);
	hfs_close(c);
	remount(); /* b was still open: nothing of the write was published */
	back = get("f", &len);
	cr_assert_eq(len, 3);
	cr_assert_arr_eq(back, "old", 3);
	free(back);
	cr_assert_eq(open_path("f", 0, &a), 0);
	b = hfs_dup(a);
	cr_assert_eq(hfs_write(a, "NEW", 3, 0), 3);
	cr_assert_eq(hfs_sync(b), 0, "a sync through either node publishes");
	remount();
	back = get("f", &len);
	cr_assert_arr_eq(back, "NEW", 3);
	free(back);
}

/* Offsets past 4 GiB: a sparse file of 5 GiB on a 1 MiB disk, one data block. */
Test(homefs, a_sparse_file_past_4_gib)
{
	const uint64_t far = 5ull << 30;
	struct hfs_node *f;
	struct hfs_stat st;
	struct hfs_usage before, after;
	char buf[8] = {0};

	mount_fresh(1 << 20);
	hfs_usage(fs, &before);
	cr_assert_eq(open_path("big", HFS_CREATE, &f), 0);
	cr_assert_eq(hfs_write(f, "tail", 4, far), 4);
	cr_assert_eq(hfs_sync(f), 0);
	hfs_close(f);
	remount();
	cr_assert_eq(open_path("big", 0, &f), 0);
	hfs_stat(f, &st);
	cr_assert_eq(st.size, far + 4);
	cr_assert_eq(hfs_read(f, buf, sizeof(buf), far), 4);
	cr_assert_str_eq(buf, "tail");
	cr_assert_eq(hfs_read(f, buf, 4, far / 2), 4);
	cr_assert_eq(buf[0], 0);
	hfs_close(f);
	hfs_usage(fs, &after);
	cr_assert(before.free_blocks - after.free_blocks < 20, "one data block, and the log");
	cr_assert_eq(check(), 0);
}
