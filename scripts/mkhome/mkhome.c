/*
 * archk-mkhome: the home file from the host (docs/homefs.md).
 *
 *   archk-mkhome create FILE [--size BYTES] [--force]   a new, empty home
 *   archk-mkhome check FILE          verify offline: exit 0 if clean, 1 if not
 *   archk-mkhome ls FILE [PATH]      list a directory (or one file)
 *   archk-mkhome get FILE PATH       a file's contents to stdout
 *   archk-mkhome put FILE PATH [SRC] a file from SRC (or stdin), synced
 *   archk-mkhome mkdir FILE PATH     a directory, synced
 *   archk-mkhome rm FILE PATH        remove a file or an empty directory, synced
 *
 * BYTES may end in K, M or G. Exit status 0, 1 on failure (one line on
 * stderr), 2 for usage errors.
 */
#define _GNU_SOURCE
#include <archk/errors.h>
#include <archk/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hfs.h"

#define DEFAULT_SIZE (64ull << 20)
#define CHUNK	     (1u << 20)

static const char *file_name;

static int usage(void)
{
	fprintf(stderr, "usage: archk-mkhome create FILE [--size BYTES] [--force]\n"
			"       archk-mkhome check FILE\n"
			"       archk-mkhome ls FILE [PATH]\n"
			"       archk-mkhome get FILE PATH\n"
			"       archk-mkhome put FILE PATH [SRC]\n"
			"       archk-mkhome mkdir FILE PATH\n"
			"       archk-mkhome rm FILE PATH\n");
	return 2;
}

static const char *err_name(long err)
{
	static const char *names[] = ARCHK_ERROR_NAMES;

	return err <= 0 && -err <= -ARCHK_ERR_LAST ? names[-err] : "UNKNOWN";
}

/* One line on stderr: "archk-mkhome: FILE[: what]: message". */
static int fail(const char *what, const char *msg)
{
	fprintf(stderr, "archk-mkhome: %s%s%s: %s\n", file_name, what ? ": " : "", what ? what : "",
		msg);
	return 1;
}

/* ---- the disk: a host file ---- */

static long disk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	size_t len = (size_t)count * HFS_SECTOR_BYTES;
	ssize_t n = pread(*(int *)ctx, buf, len, (off_t)(sector * HFS_SECTOR_BYTES));

	if (n < 0)
		return ARCHK_ERR_IO;
	memset((char *)buf + n, 0, len - (size_t)n); /* a short file reads as zeros */
	return 0;
}

static long disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	size_t len = (size_t)count * HFS_SECTOR_BYTES;

	if (pwrite(*(int *)ctx, buf, len, (off_t)(sector * HFS_SECTOR_BYTES)) != (ssize_t)len)
		return errno == ENOSPC ? ARCHK_ERR_NO_SPACE : ARCHK_ERR_IO;
	return 0;
}

static long disk_flush(void *ctx)
{
	return fdatasync(*(int *)ctx) < 0 ? ARCHK_ERR_IO : 0;
}

static int64_t disk_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fd = -1;

/* Opens the home file as a disk; 0 or 1 with a message. */
static int open_disk(struct hfs_disk *disk, int writable)
{
	struct stat st;

	if ((fd = open(file_name, writable ? O_RDWR : O_RDONLY)) < 0 || fstat(fd, &st) < 0)
		return fail(NULL, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(NULL, "not a regular file");
	*disk = (struct hfs_disk){.ctx = &fd,
				  .sectors = (uint64_t)st.st_size / HFS_SECTOR_BYTES,
				  .read_only = !writable,
				  .read = disk_read,
				  .write = disk_write,
				  .flush = disk_flush,
				  .now = disk_now};
	return 0;
}

/* Mounts the home file; 0 or 1 with a message. */
static int mount(struct hfs_disk *disk, int writable, struct hfs **fs)
{
	char why[256], msg[300];
	long err;

	if (open_disk(disk, writable))
		return 1;
	if ((err = hfs_mount(disk, 0, fs, why, sizeof(why))) < 0) {
		snprintf(msg, sizeof(msg), "cannot mount: %s%s%s", err_name(err),
			 why[0] ? ": " : "", why);
		return fail(NULL, msg);
	}
	return 0;
}

/* Parses BYTES with an optional K, M or G; 0 if it is not one. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;

	if (end == s || (shift && end[1]) || (!shift && *end) || v > (1ull << 44) >> shift)
		return 0;
	return (uint64_t)v << shift;
}

static int cmd_create(int argc, char **argv)
{
	uint64_t size = DEFAULT_SIZE;
	struct hfs_disk disk;
	int force = 0;
	long err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (!strcmp(argv[i], "--size") && i + 1 < argc &&
			 (size = parse_size(argv[++i])))
			continue;
		else
			return usage();
	}
	if (size < 64 * HFS_BLOCK_BYTES)
		return fail(NULL, "--size must be at least 256K");
	if ((fd = open(file_name, O_RDWR | O_CREAT | (force ? O_TRUNC : O_EXCL), 0644)) < 0)
		return fail(NULL, errno == EEXIST ? "already exists (use --force to overwrite)"
						  : strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0)
		return fail(NULL, strerror(errno));
	close(fd);
	if (open_disk(&disk, 1))
		return 1;
	if ((err = hfs_format(&disk)) < 0)
		return fail("format", err_name(err));
	printf("%s: a home of %llu bytes\n", file_name, (unsigned long long)size);
	return 0;
}

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s: %s\n", file_name, line);
}

static int cmd_check(void)
{
	struct hfs_disk disk;

	if (open_disk(&disk, 0))
		return 1;
	return hfs_check(&disk, print_line, NULL) ? 1 : 0;
}

static void print_entry(char kind, uint64_t size, const char *name, size_t len)
{
	printf("%c\t%llu\t%.*s%s\n", kind, (unsigned long long)size, (int)len, name,
	       kind == 'd' ? "/" : "");
}

static int cmd_ls(struct hfs *fs, const char *path)
{
	struct hfs_node *n;
	struct hfs_stat st;
	char buf[8192];
	uint64_t pos = 0;
	long got;

	if ((got = hfs_open(fs, NULL, path, strlen(path), 0, &n)) < 0)
		return fail(path, err_name(got));
	hfs_stat(n, &st);
	if (st.kind == HFS_KIND_FILE) {
		print_entry('-', st.size, path, strlen(path));
		hfs_close(n);
		return 0;
	}
	while ((got = hfs_list(n, pos, buf, sizeof(buf))) > 0)
		for (long at = 0; at < got;) {
			const struct archk_dirent *d = (const void *)(buf + at);

			print_entry(d->kind == ARCHK_KIND_DIR ? 'd' : '-', d->size, d->name,
				    d->name_len);
			pos = d->next;
			at += d->reclen;
		}
	hfs_close(n);
	return got < 0 ? fail(path, err_name(got)) : 0;
}

static int cmd_get(struct hfs *fs, const char *path)
{
	struct hfs_node *n;
	char *buf = malloc(CHUNK);
	uint64_t off = 0;
	long got;

	if ((got = hfs_open(fs, NULL, path, strlen(path), 0, &n)) < 0)
		return fail(path, err_name(got));
	while ((got = hfs_read(n, buf, CHUNK, off)) > 0) {
		if (fwrite(buf, 1, (size_t)got, stdout) != (size_t)got)
			break;
		off += (uint64_t)got;
	}
	hfs_close(n);
	free(buf);
	if (got < 0)
		return fail(path, err_name(got));
	return fflush(stdout) ? fail(path, strerror(errno)) : 0;
}

static int cmd_put(struct hfs *fs, const char *path, const char *src)
{
	FILE *in = src ? fopen(src, "rb") : stdin;
	char *buf = malloc(CHUNK);
	struct hfs_node *n;
	uint64_t off = 0;
	size_t got;
	long err;

	if (!in)
		return fail(src, strerror(errno));
	if ((err = hfs_open(fs, NULL, path, strlen(path), HFS_CREATE | HFS_TRUNCATE, &n)) < 0)
		return fail(path, err_name(err));
	while ((got = fread(buf, 1, CHUNK, in)) > 0 && err >= 0) {
		err = hfs_write(n, buf, got, off);
		off += got;
	}
	if (err >= 0)
		err = hfs_sync(n);
	hfs_close(n);
	free(buf);
	return err < 0 ? fail(path, err_name(err)) : 0;
}

static int cmd_mkdir(struct hfs *fs, const char *path)
{
	struct hfs_node *n;
	long err = hfs_open(fs, NULL, path, strlen(path), HFS_CREATE | HFS_DIR | HFS_EXCL, &n);

	if (err < 0)
		return fail(path, err_name(err));
	err = hfs_sync(n);
	hfs_close(n);
	return err < 0 ? fail(path, err_name(err)) : 0;
}

static int cmd_rm(struct hfs *fs, const char *path)
{
	long err = hfs_remove(fs, NULL, path, strlen(path));

	if (err >= 0)
		err = hfs_commit(fs);
	return err < 0 ? fail(path, err_name(err)) : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int writes = !strcmp(cmd, "put") || !strcmp(cmd, "mkdir") || !strcmp(cmd, "rm");
	struct hfs_disk disk;
	struct hfs *fs;
	int status;

	if (argc < 3)
		return usage();
	file_name = argv[2];
	if (!strcmp(cmd, "create"))
		return cmd_create(argc - 3, argv + 3);
	if (!strcmp(cmd, "check"))
		return argc == 3 ? cmd_check() : usage();
	if (!(!strcmp(cmd, "ls") && argc <= 4) && !(!strcmp(cmd, "get") && argc == 4) &&
	    !(!strcmp(cmd, "put") && (argc == 4 || argc == 5)) && !(writes && argc == 4))
		return usage();
	if (mount(&disk, writes, &fs))
		return 1;
	if (!strcmp(cmd, "ls"))
		status = cmd_ls(fs, argc == 4 ? argv[3] : "");
	else if (!strcmp(cmd, "get"))
		status = cmd_get(fs, argv[3]);
	else if (!strcmp(cmd, "put"))
		status = cmd_put(fs, argv[3], argc == 5 ? argv[4] : NULL);
	else if (!strcmp(cmd, "mkdir"))
		status = cmd_mkdir(fs, argv[3]);
	else
		status = cmd_rm(fs, argv[3]);
	hfs_unmount(fs);
	return status;
}
