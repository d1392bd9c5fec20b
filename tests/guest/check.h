/*
 * A minimal check framework for guest conformance programs: each CHECK prints
 * a line only when it fails, check_done() prints "NAME: N passed, M failed"
 * and returns the exit status (0 only if nothing failed).
 */
#ifndef TESTS_GUEST_CHECK_H
#define TESTS_GUEST_CHECK_H

#include <archk/runtime.h>

extern int check_passed, check_failed;

void check_report(const char *file, int line, const char *expr, long actual, long expected);
int check_done(const char *name);

/* Passes when actual == expected; errors print by name. */
#define CHECK_EQ(actual, expected)                                                                 \
	check_report(__FILE__, __LINE__, #actual, (long)(actual), (long)(expected))
#define CHECK_TRUE(cond) CHECK_EQ(!!(cond), 1)

#endif
