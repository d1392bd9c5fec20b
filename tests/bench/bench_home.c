/*
 * Guest side of the home benchmarks (scripts/bench):
 *   bench_home write-sync [DISK]  home_write_sync: create a file, WRITE
 *                                 4 KiB, SYNC, close; FILES times
 *   bench_home read-seq [DISK]    home_read_seq: write a 64 MiB file (and
 *                                 SYNC), then READ it from start to end in
 *                                 64 KiB pieces
 * The home is the "home" handle if the program has one; else a fresh
 * homefs (formatting the disk) on the device DISK (e.g. disk0, from
 * archk --disk FILE) through /drivers/blk; else on a ramdisk started here. Both print "ns_per_op=N"
 * (best of ROUNDS rounds; an op is one file, or one 64 KiB READ). Every READ is checked (each
 * 8-byte word holds its offset); a failure prints a message on "err" and exits 1.
 * tests/bench/native_home.c is the Linux baseline.
 */
#include <archk/runtime.h>

#define ROUNDS 3
#define FILES  500
#define SMALL  4096
#define BIG    (64ul << 20)
#define PIECE  65536
#define FILE_RIGHTS                                                                                \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_TRANSFER)

static uint64_t piece[PIECE / 8];

static int fail(const char *what, long err)
{
	archk_dprintf(archk_handle_named("err"), "bench_home: %s: %ld (%s)\n", what, err,
		      archk_strerror(err));
	return 1;
}

static int64_t now(void)
{
	return archk_clock_get(ARCHK_CLOCK_MONOTONIC);
}

/* A block object: device (the bus's name) through /drivers/blk, or a ramdisk of size. */
static long start_disk(const char *device, const char *size)
{
	const char *rd_argv[] = {"/bin/ramdisk", "-s", size, NULL};
	const char *blk_argv[] = {"/drivers/blk", NULL};
	struct archk_spawn_handle dev = {.name = "device", .rights = ARCHK_RIGHTS_SAME};
	long h, disk;

	if (!device)
		return archk_spawn_server(rd_argv, NULL, 0, NULL);
	if ((h = archk_do_io(ARCHK_IO_OPEN, archk_handle_named("devices"), (long)device,
			     (long)strlen(device), ARCHK_RIGHTS_SAME, 0)) < 0)
		return h;
	dev.handle = (archk_handle_t)h;
	disk = archk_spawn_server(blk_argv, &dev, 1, NULL);
	archk_handle_close(dev.handle);
	return disk;
}

/* The home to use: "home", or homefs on device, or on a ramdisk of ramdisk_size. */
static long home_handle(const char *device, const char *ramdisk_size)
{
	const char *fs_argv[] = {"/bin/homefs", "-f", NULL};
	struct archk_spawn_handle disk = {.name = "disk", .rights = ARCHK_RIGHTS_SAME};
	archk_handle_t home = archk_handle_named("home");
	long h;

	if (home != ARCHK_HANDLE_INVALID)
		return home;
	if ((h = start_disk(device, ramdisk_size)) < 0)
		return h;
	disk.handle = (archk_handle_t)h;
	h = archk_spawn_server(fs_argv, &disk, 1, NULL);
	archk_handle_close(disk.handle);
	return h;
}

static long create(archk_handle_t dir, const char *name)
{
	return archk_do_io(ARCHK_IO_CREATE, dir, (long)name, (long)strlen(name),
			   (long)(ARCHK_CREATE_TRUNCATE | FILE_RIGHTS), 0);
}

static long io(int op, archk_handle_t h, const void *buf, uint64_t len, uint64_t offset)
{
	return archk_do_io(op, h, (long)buf, (long)len, (long)offset, 0);
}

/* One round of FILES create-write-sync-close: its nanoseconds, or an error. */
static int64_t write_sync_round(archk_handle_t home, int round)
{
	int64_t start = now();
	char name[32];

	for (int i = 0; i < FILES; i++) {
		long f, err;

		snprintf(name, sizeof(name), "r%d-f%d", round, i);
		if ((f = create(home, name)) < 0)
			return f;
		if ((err = io(ARCHK_IO_WRITE, (archk_handle_t)f, piece, SMALL, 0)) != SMALL ||
		    (err = io(ARCHK_IO_SYNC, (archk_handle_t)f, NULL, 0, 0)) < 0)
			return err < 0 ? err : ARCHK_ERR_IO;
		archk_handle_close((archk_handle_t)f);
	}
	return now() - start;
}

static int write_sync(const char *device)
{
	long home = home_handle(device, "64M");
	int64_t best = INT64_MAX;

	if (home < 0)
		return fail("home", home);
	for (int r = 0; r < ROUNDS; r++) {
		int64_t t = write_sync_round((archk_handle_t)home, r);

		if (t < 0)
			return fail("create-write-sync", t);
		if (t < best)
			best = t;
	}
	printf("ns_per_op=%ld\n", (long)(best / FILES));
	return 0;
}

/* Writes the 64 MiB file: each 8-byte word holds its offset. */
static long write_big(archk_handle_t f)
{
	for (uint64_t off = 0; off < BIG; off += PIECE) {
		long n;

		for (uint64_t w = 0; w < PIECE / 8; w++)
			piece[w] = off + w * 8;
		if ((n = io(ARCHK_IO_WRITE, f, piece, PIECE, off)) != PIECE)
			return n < 0 ? n : ARCHK_ERR_IO;
	}
	return io(ARCHK_IO_SYNC, f, NULL, 0, 0);
}

static int read_seq(const char *device)
{
	long home = home_handle(device, "80M"), f, err;
	int64_t best = INT64_MAX;

	if (home < 0)
		return fail("home", home);
	if ((f = create((archk_handle_t)home, "big")) < 0)
		return fail("create", f);
	if ((err = write_big((archk_handle_t)f)) < 0)
		return fail("write", err);
	for (int r = 0; r < ROUNDS; r++) {
		int64_t start = now(), t;

		for (uint64_t off = 0; off < BIG; off += PIECE) {
			long n = io(ARCHK_IO_READ, (archk_handle_t)f, piece, PIECE, off);

			if (n != PIECE || piece[0] != off ||
			    piece[PIECE / 8 - 1] != off + PIECE - 8)
				return fail("read", n < 0 ? n : ARCHK_ERR_IO);
		}
		if ((t = now() - start) < best)
			best = t;
	}
	printf("ns_per_op=%ld\n", (long)(best / (BIG / PIECE)));
	return 0;
}

int main(int argc, char **argv)
{
	const char *device = argc == 3 ? argv[2] : NULL;

	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "write-sync"))
		return write_sync(device);
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "read-seq"))
		return read_seq(device);
	archk_dprintf(archk_handle_named("err"),
		      "usage: bench_home write-sync | read-seq [DISK]\n");
	return 2;
}
