/*
 * Tests of the guest runtime's string functions (abi/runtime/string.c),
 * mostly by comparing them with the host C library on many inputs.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "rt_rename.h"
#include <archk/runtime.h>
#define RT_RENAME_UNDO
#include "rt_rename.h"
#include <ctype.h>

#define AREA	 256
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* strdup pulls in the heap, which reports corruption here; none is expected. */
void archk_heap_corrupted(const char *what, void *ptr)
{
	cr_assert_fail("heap corrupted: %s at %p", what, ptr);
}

/* Fills n bytes at p with pseudo-random bytes that never repeat soon. */
static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(rand() >> 7);
}

/* The sign of x: -1, 0 or 1, since only the sign of comparisons is defined. */
static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* memcpy of every small length between every pair of alignments. */
Test(runtime_string, memcpy_matches_host)
{
	unsigned char src[AREA], want[AREA], got[AREA];

	fill_random(src, sizeof(src));
	for (size_t d = 0; d < 16; d++) {
		for (size_t s = 0; s < 16; s++) {
			for (size_t n = 0; n < AREA - 16; n += 1 + n / 8) {
				memset(want, 0x5a, sizeof(want));
				memset(got, 0x5a, sizeof(got));
				memcpy(want + d, src + s, n);
				cr_assert_eq(rt_memcpy(got + d, src + s, n), got + d);
				cr_assert_arr_eq(got, want, sizeof(got), "d=%zu s=%zu n=%zu", d, s,
						 n);
			}
		}
	}
}

/* memmove with source and destination overlapping in both directions. */
Test(runtime_string, memmove_overlapping)
{
	unsigned char want[AREA], got[AREA];

	for (size_t d = 0; d < 40; d++) {
		for (size_t s = 0; s < 40; s++) {
			for (size_t n = 0; n < AREA - 40; n += 1 + n / 4) {
				fill_random(want, sizeof(want));
				memcpy(got, want, sizeof(got));
				memmove(want + d, want + s, n);
				cr_assert_eq(rt_memmove(got + d, got + s, n), got + d);
				cr_assert_arr_eq(got, want, sizeof(got), "d=%zu s=%zu n=%zu", d, s,
						 n);
			}
		}
	}
}

/* memset at every alignment and length, with c outside 0..255 too. */
Test(runtime_string, memset_matches_host)
{
	static const int values[] = {0, 0x5a, 0xff, -1, 0x1a5};
	unsigned char want[AREA], got[AREA];

	for (size_t v = 0; v < NELEM(values); v++) {
		for (size_t d = 0; d < 16; d++) {
			for (size_t n = 0; n < AREA - 16; n++) {
				memset(want, 0x33, sizeof(want));
				memset(got, 0x33, sizeof(got));
				memset(want + d, values[v], n);
				cr_assert_eq(rt_memset(got + d, values[v], n), got + d);
				cr_assert_arr_eq(got, want, sizeof(got));
			}
		}
	}
}

/* memcmp, strcmp and strncmp agree in sign with the host, high bytes too. */
Test(runtime_string, comparisons_match_host)
{
	char a[16], b[16];

	for (int i = 0; i < 100000; i++) {
		size_t n = (size_t)rand() % sizeof(a);

		/* Few distinct bytes, so equal prefixes and NULs are common. */
		for (size_t j = 0; j < sizeof(a); j++) {
			static const char pool[] = {'\0', 'a', 'b', (char)0x80, (char)0xff};

			a[j] = pool[rand() % 5];
			b[j] = rand() % 3 == 0 ? pool[rand() % 5] : a[j];
		}
		a[sizeof(a) - 1] = b[sizeof(b) - 1] = '\0';
		cr_assert_eq(sign(rt_memcmp(a, b, n)), sign(memcmp(a, b, n)));
		cr_assert_eq(sign(rt_strcmp(a, b)), sign(strcmp(a, b)));
		cr_assert_eq(sign(rt_strncmp(a, b, n)), sign(strncmp(a, b, n)));
	}
}

/* strlen, strnlen, memchr, strchr and strrchr on random strings. */
Test(runtime_string, searches_match_host)
{
	char s[64];
	static const int targets[] = {'a', 'b', 'z', '\0', 0x80, (char)0x80, 'a' + 256};

	for (int i = 0; i < 20000; i++) {
		for (size_t j = 0; j < sizeof(s); j++)
			s[j] = "abc\x80"[rand() % 4];
		s[rand() % sizeof(s)] = '\0';
		size_t max = (size_t)rand() % 80;

		cr_assert_eq(rt_strlen(s), strlen(s));
		cr_assert_eq(rt_strnlen(s, max), strnlen(s, max));
		for (size_t t = 0; t < NELEM(targets); t++) {
			cr_assert_eq(rt_memchr(s, targets[t], max % sizeof(s)),
				     memchr(s, targets[t], max % sizeof(s)));
			cr_assert_eq(rt_strchr(s, targets[t]), strchr(s, targets[t]));
			cr_assert_eq(rt_strrchr(s, targets[t]), strrchr(s, targets[t]));
		}
	}
}

/* strcpy and strdup copy the whole string with its terminator. */
Test(runtime_string, strcpy_and_strdup)
{
	static char heap_area[4096] __attribute__((aligned(16)));
	char buf[32];
	char *dup;

	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(rt_strcpy(buf, "hello"), buf);
	cr_assert_arr_eq(buf, "hello\0xx", 8);
	archk_heap_init(heap_area, sizeof(heap_area));
	dup = rt_strdup("a string");
	cr_assert_not_null(dup);
	cr_assert_str_eq(dup, "a string");
	rt_free(dup);
	cr_assert_eq(archk_heap_in_use(), 0);
}

/* strlcpy truncates, terminates when size > 0 and returns strlen(src). */
Test(runtime_string, strlcpy_truncates)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(rt_strlcpy(buf, "abc", sizeof(buf)), 3);
	cr_assert_str_eq(buf, "abc");
	cr_assert_eq(rt_strlcpy(buf, "abcdefghij", sizeof(buf)), 10);
	cr_assert_str_eq(buf, "abcdefg");
	cr_assert_eq(rt_strlcpy(buf, "zz", 1), 2);
	cr_assert_str_eq(buf, "");
	buf[0] = 'q';
	cr_assert_eq(rt_strlcpy(buf, "zz", 0), 2);
	cr_assert_eq(buf[0], 'q');
}

/* Compares strtol and strtoul with the host for s in one base. */
static void check_strto(const char *s, int base)
{
	char *want_end, *got_end;

	long l = strtol(s, &want_end, base);
	cr_assert_eq(rt_strtol(s, &got_end, base), l, "strtol(\"%s\", %d)", s, base);
	cr_assert_eq(got_end, want_end, "strtol(\"%s\", %d) end", s, base);

	unsigned long u = strtoul(s, &want_end, base);
	cr_assert_eq(rt_strtoul(s, &got_end, base), u, "strtoul(\"%s\", %d)", s, base);
	cr_assert_eq(got_end, want_end, "strtoul(\"%s\", %d) end", s, base);
}

/* Hand-picked numbers: prefixes, signs, white space and overflow edges. */
Test(runtime_string, strtol_edge_cases)
{
	static const char *const cases[] = {
	    "0",
	    "",
	    "   ",
	    "-",
	    "+",
	    "x",
	    "0x",
	    "0X",
	    "0xg",
	    "0x1f",
	    "0X1F",
	    "-0x10",
	    "+0x10",
	    "010",
	    "08",
	    "09",
	    "0b101",
	    " \t\n\v\f\r42",
	    "  -17xyz",
	    "+-5",
	    "- 5",
	    "  +",
	    "zz",
	    "Zz",
	    "101",
	    "777",
	    "ffffffff",
	    "9223372036854775807",
	    "9223372036854775808",
	    "-9223372036854775808",
	    "-9223372036854775809",
	    "18446744073709551615",
	    "18446744073709551616",
	    "-18446744073709551615",
	    "-18446744073709551616",
	    "99999999999999999999999999999",
	    "0x7fffffffffffffff",
	    "0x8000000000000000",
	    "0xffffffffffffffff",
	    "0x10000000000000000",
	    "-0x8000000000000000",
	    "1111111111111111111111111111111111111111111111111111111111111111",
	    "11111111111111111111111111111111111111111111111111111111111111111",
	    "3w5e11264sgsf",
	    "3w5e11264sgsg",
	    "1y2p0ij32e8e7",
	    "1y2p0ij32e8e8"};

	for (size_t i = 0; i < NELEM(cases); i++) {
		check_strto(cases[i], 0);
		for (int base = 2; base <= 36; base++)
			check_strto(cases[i], base);
	}
}

/* Random strings built from the characters number syntax cares about. */
Test(runtime_string, strtol_random)
{
	char s[24];

	for (int i = 0; i < 200000; i++) {
		size_t n = (size_t)rand() % (sizeof(s) - 1);
		int base = rand() % 36;

		for (size_t j = 0; j < n; j++)
			s[j] = " +-0x179afzAFZ"[rand() % 14];
		s[n] = '\0';
		check_strto(s, base == 1 ? 0 : base);
	}
}

/* Invalid bases convert nothing and leave end at the start. */
Test(runtime_string, strtol_invalid_base)
{
	static const int bases[] = {-1, 1, 37, INT_MAX};
	const char *s = "123";
	char *end = NULL;

	for (size_t i = 0; i < NELEM(bases); i++) {
		cr_assert_eq(rt_strtol(s, &end, bases[i]), 0);
		cr_assert_eq(end, s);
		cr_assert_eq(rt_strtoul(s, &end, bases[i]), 0);
		cr_assert_eq(end, s);
	}
}

/* atoi is strtol in base 10. */
Test(runtime_string, atoi_matches_host)
{
	static const char *const cases[] = {"0", "42", "  -42abc", "0x10", "010", "", "+7"};

	for (size_t i = 0; i < NELEM(cases); i++)
		cr_assert_eq(rt_atoi(cases[i]), atoi(cases[i]), "%s", cases[i]);
}

/* strstr agrees with the host on substrings at every place, absent ones and empty ones. */
Test(runtime_string, strstr_matches_host)
{
	static const char *const hay[] = {"", "a", "abc", "aaab", "abcabcabd", "hello world"};
	static const char *const needles[] = {"",    "a",     "b",   "ab",	     "abd",
					      "aab", "world", "xyz", "hello world!", "abcabcabd"};

	for (size_t i = 0; i < NELEM(hay); i++)
		for (size_t j = 0; j < NELEM(needles); j++)
			cr_assert_eq(rt_strstr(hay[i], needles[j]), strstr(hay[i], needles[j]),
				     "strstr(\"%s\", \"%s\")", hay[i], needles[j]);
}

/* Every character class and case mapping agrees with the host's C locale, EOF included. */
Test(runtime_string, ctype_matches_host)
{
	for (int c = -1; c < 256; c++) {
		cr_assert_eq(!!rt_isdigit(c), !!isdigit(c), "isdigit(%d)", c);
		cr_assert_eq(!!rt_isxdigit(c), !!isxdigit(c), "isxdigit(%d)", c);
		cr_assert_eq(!!rt_isalpha(c), !!isalpha(c), "isalpha(%d)", c);
		cr_assert_eq(!!rt_isalnum(c), !!isalnum(c), "isalnum(%d)", c);
		cr_assert_eq(!!rt_isupper(c), !!isupper(c), "isupper(%d)", c);
		cr_assert_eq(!!rt_islower(c), !!islower(c), "islower(%d)", c);
		cr_assert_eq(!!rt_isspace(c), !!isspace(c), "isspace(%d)", c);
		cr_assert_eq(!!rt_isprint(c), !!isprint(c), "isprint(%d)", c);
		cr_assert_eq(rt_tolower(c), tolower(c), "tolower(%d)", c);
		cr_assert_eq(rt_toupper(c), toupper(c), "toupper(%d)", c);
	}
}

static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* A 3-byte element compared by its bytes, to exercise odd sizes. */
static int compare_triples(const void *a, const void *b)
{
	return memcmp(a, b, 3);
}

/* qsort sorts arrays of every small length, with duplicates, like the host's. */
Test(runtime_string, qsort_sorts)
{
	int mine[300], host[300];
	unsigned char tmine[3 * 100], thost[3 * 100];

	for (size_t n = 0; n <= NELEM(mine); n += (n < 20 ? 1 : 37)) {
		for (size_t i = 0; i < n; i++)
			mine[i] = host[i] = rand() % 50 - 25;
		rt_qsort(mine, n, sizeof(int), compare_ints);
		qsort(host, n, sizeof(int), compare_ints);
		cr_assert_arr_eq(mine, host, n * sizeof(int), "%zu ints", n);
	}
	fill_random(tmine, sizeof(tmine));
	memcpy(thost, tmine, sizeof(tmine));
	rt_qsort(tmine, 100, 3, compare_triples);
	qsort(thost, 100, 3, compare_triples);
	cr_assert_arr_eq(tmine, thost, sizeof(tmine));
}
