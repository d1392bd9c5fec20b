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

int check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
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
