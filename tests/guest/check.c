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
