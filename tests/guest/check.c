/* The check framework of check.h. */
#include "check.h"

int check_passed, check_failed;

/* Values in the error range are shown with their names to make failures readable. */
static const char *name_of(long v)
{
	return v < 0 && v >= ARCHK_ERR_LAST ? archk_strerror(v) : "";
}

void check_report(const char *file, int line, const char *expr, long actual, long expected)
{
	if (actual == expected) {
		check_passed++;
		return;
	}
	check_failed++;
	printf("FAIL %s:%d: %s is %ld %s, expected %ld %s\n", file, line, expr, actual,
	       name_of(actual), expected, name_of(expected));
}

/* A run that checked nothing proves nothing: it fails too. */
int check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed || !check_passed ? 1 : 0;
}

int64_t now(void)
{
	return archk_clock_get(ARCHK_CLOCK_MONOTONIC);
}

uint32_t type_of(archk_handle_t h)
{
	struct archk_handle_info info;

	return archk_handle_info(h, &info) < 0 ? 0 : info.type;
}

uint32_t rights_of(archk_handle_t h)
{
	struct archk_handle_info info;

	return archk_handle_info(h, &info) < 0 ? 0 : info.rights;
}

archk_koid_t koid_of(archk_handle_t h)
{
	struct archk_handle_info info;

	return archk_handle_info(h, &info) < 0 ? 0 : info.koid;
}

uint32_t signals_of(archk_handle_t h)
{
	uint32_t observed = 0xdeadbeef;

	archk_object_wait_one(h, 0, 0, &observed);
	return observed;
}

long io(int op, archk_handle_t h, const void *buf, uint64_t len, uint64_t offset)
{
	return archk_do_io(op, h, (long)buf, (long)len, (long)offset, 0);
}

long rename_at(archk_handle_t dir, const char *from, const char *to)
{
	char data[512];
	size_t a = strlen(from), b = strlen(to);

	memcpy(data, from, a + 1);
	memcpy(data + a + 1, to, b);
	return io(ARCHK_IO_RENAME, dir, data, a + 1 + b, 0);
}

long write_file(archk_handle_t dir, const char *path, const char *text)
{
	long f = archk_do_io(ARCHK_IO_CREATE, dir, (long)path, (long)strlen(path),
			     (long)(ARCHK_RIGHTS_SAME | ARCHK_CREATE_TRUNCATE), 0);
	long n;

	if (f < 0)
		return f;
	n = io(ARCHK_IO_WRITE, (archk_handle_t)f, text, strlen(text), 0);
	archk_handle_close((archk_handle_t)f);
	return n < 0 ? n : 0;
}

long wait_exit(long process)
{
	struct archk_exit_status st;
	long err;

	if (process <= 0)
		return process;
	err = archk_process_wait((archk_handle_t)process, &st);
	archk_handle_close((archk_handle_t)process);
	if (err < 0)
		return err;
	return st.reason == ARCHK_EXIT_NORMAL ? (long)st.code : 1000 + (long)st.reason;
}

archk_handle_t start_ramdisk(const char *size, int ro, archk_handle_t *process)
{
	const char *argv[] = {"/bin/ramdisk", "-s", size, ro ? "-r" : NULL, NULL};
	long disk = archk_spawn_server(argv, NULL, 0, process);

	CHECK_TRUE(disk > 0);
	return disk > 0 ? (archk_handle_t)disk : 0;
}

long start_homefs_argv(archk_handle_t disk, const char *const *argv, archk_handle_t *process)
{
	struct archk_spawn_handle h = {.name = "disk", .handle = disk, .rights = ARCHK_RIGHTS_SAME};

	return archk_spawn_server(argv, &h, 1, process);
}

long start_homefs(archk_handle_t disk, const char *flag, archk_handle_t *process)
{
	const char *argv[] = {"/bin/homefs", flag, NULL};

	return start_homefs_argv(disk, argv, process);
}

struct archk_exit_status run_to_exit(const char *const *argv)
{
	struct archk_exit_status st = {0};
	long p = archk_spawn(argv[0], argv, NULL, 0);

	CHECK_TRUE(p > 0);
	if (p > 0) {
		CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
		archk_handle_close((archk_handle_t)p);
	}
	return st;
}

#define MAX_ARENAS 64
static struct archk_arena_stat arenas_at_start[MAX_ARENAS];
static long arena_count;

void arenas_snapshot(void)
{
	arena_count = archk_arena_stats(arenas_at_start, MAX_ARENAS);
	CHECK_TRUE(arena_count > 0 && arena_count <= MAX_ARENAS);
}

int not_deadline(const char *name)
{
	return strcmp(name, "deadline") != 0;
}

/* How many checked arenas differ from the snapshot in now_[0..n). */
static int arenas_differing(const struct archk_arena_stat *now_, long n,
			    int (*checked)(const char *name))
{
	int differ = 0;

	for (long i = 0; i < n && i < MAX_ARENAS; i++)
		differ += checked(now_[i].name) && now_[i].live != arenas_at_start[i].live;
	return differ;
}

int check_arenas_returned(int (*checked)(const char *name))
{
	struct archk_arena_stat now_[MAX_ARENAS];
	long n = 0;
	int count = 0;

	for (int tries = 0; tries < 100; tries++) {
		n = archk_arena_stats(now_, MAX_ARENAS);
		if (!arenas_differing(now_, n, checked))
			break;
		archk_sleep_until(now() + 10000000);
	}
	CHECK_EQ(n, arena_count);
	for (long i = 0; i < n && i < MAX_ARENAS; i++) {
		if (!checked(now_[i].name))
			continue;
		count++;
		if (now_[i].live != arenas_at_start[i].live)
			printf("arena %s: %u live, %u at start\n", now_[i].name, now_[i].live,
			       arenas_at_start[i].live);
		CHECK_EQ(now_[i].live, arenas_at_start[i].live);
	}
	CHECK_TRUE(count > 0);
	return count;
}
