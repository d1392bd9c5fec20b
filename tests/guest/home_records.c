/*
 * home_records [DISK]: the guest of the kill -9 test (tests/integration/
 * home_kill.sh). Starts /drivers/blk on the device DISK (default disk0) and
 * homefs -i on it, then writes numbered records until it is killed:
 *
 *   records/N   N % 50 + 1 lines "record N", created, written, synced;
 *               then "synced N" on out
 *   latest      every fifth record: written as latest.tmp, synced, renamed
 *               over latest, the directory synced; then "latest N" on out
 *
 * A line on out is printed only after its sync returned, so every record
 * (and latest) the output names must be on the disk after any crash. It
 * continues from what the home holds (the next N after the records there).
 */
#include <archk/runtime.h>

#define FILE_RIGHTS                                                                                \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_TRANSFER)

static archk_handle_t home;
static char text[50 * 32];

static int fail(const char *what, long err)
{
	archk_dprintf(archk_handle_named("err"), "home_records: %s: %s\n", what,
		      archk_strerror(err));
	return 1;
}

static long io(int op, archk_handle_t h, const void *buf, size_t len, uint64_t offset)
{
	return archk_do_io(op, h, (long)buf, (long)len, (long)offset, 0);
}

static long create(const char *path, uint64_t flags)
{
	uint64_t rights = flags & ARCHK_CREATE_DIR ? ARCHK_RIGHTS_SAME : FILE_RIGHTS;

	return archk_do_io(ARCHK_IO_CREATE, home, (long)path, (long)strlen(path),
			   (long)(flags | rights), 0);
}

/* The home on device: the block driver, then homefs on its disk. */
static long start(const char *device)
{
	const char *blk_argv[] = {"/drivers/blk", NULL};
	const char *fs_argv[] = {"/bin/homefs", "-i", NULL};
	struct archk_spawn_handle h = {.name = "device", .rights = ARCHK_RIGHTS_SAME};
	long dev = archk_do_io(ARCHK_IO_OPEN, archk_handle_named("devices"), (long)device,
			       (long)strlen(device), ARCHK_RIGHTS_SAME, 0);
	long disk;

	if (dev < 0)
		return dev;
	h.handle = (archk_handle_t)dev;
	disk = archk_spawn_server(blk_argv, &h, 1, NULL);
	if (disk < 0)
		return disk;
	h = (struct archk_spawn_handle){
	    .name = "disk", .handle = (archk_handle_t)disk, .rights = ARCHK_RIGHTS_SAME};
	return archk_spawn_server(fs_argv, &h, 1, NULL);
}

/* Record n's contents into text: its length. */
static size_t contents(long n)
{
	size_t len = 0;

	for (long i = 0; i <= n % 50; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "record %ld\n", n);
	return len;
}

/* Creates path with record n's contents and syncs it (not closing it: the caller does). */
static long write_synced(const char *path, long n)
{
	size_t len = contents(n);
	long f = create(path, ARCHK_CREATE_TRUNCATE), err;

	if (f < 0)
		return f;
	if ((err = io(ARCHK_IO_WRITE, (archk_handle_t)f, text, len, 0)) == (long)len)
		err = io(ARCHK_IO_SYNC, (archk_handle_t)f, NULL, 0, 0);
	archk_handle_close((archk_handle_t)f);
	return err < 0 ? err : 0;
}

/* The first record number the home does not hold yet. */
static long first_missing(void)
{
	char path[32];
	long n = 0, f;

	for (;; n++) {
		snprintf(path, sizeof(path), "records/%ld", n);
		if ((f = archk_do_io(ARCHK_IO_OPEN, home, (long)path, (long)strlen(path),
				     ARCHK_RIGHT_READ, 0)) < 0)
			return n;
		archk_handle_close((archk_handle_t)f);
	}
}

int main(int argc, char **argv)
{
	char path[32];
	long err, dir;

	if ((err = start(argc > 1 ? argv[1] : "disk0")) < 0)
		return fail("start", err);
	home = (archk_handle_t)err;
	if ((dir = create("records", ARCHK_CREATE_DIR)) < 0)
		return fail("records", dir);
	archk_handle_close((archk_handle_t)dir);
	for (long n = first_missing();; n++) {
		snprintf(path, sizeof(path), "records/%ld", n);
		if ((err = write_synced(path, n)) < 0)
			return fail(path, err);
		printf("synced %ld\n", n);
		if (n % 5)
			continue;
		if ((err = write_synced("latest.tmp", n)) < 0 ||
		    (err = io(ARCHK_IO_RENAME, home, "latest.tmp\0latest", 17, 0)) < 0 ||
		    (err = io(ARCHK_IO_SYNC, home, NULL, 0, 0)) < 0)
			return fail("latest", err);
		printf("latest %ld\n", n);
	}
}
