/*
 * Tests of the guest runtime's formatted output (abi/runtime/fmt.c): the
 * formatter against the host's snprintf, and archk_dprintf through a fake
 * archk_write that captures what is written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>

#include "rt_rename.h"
#include <archk/runtime.h>
#define RT_RENAME_UNDO
#include "rt_rename.h"

#define NELEM(a)    (sizeof(a) / sizeof((a)[0]))
#define FAKE_HANDLE ((archk_handle_t)0x1234)
#define OUT_HANDLE  ((archk_handle_t)0x777)

/* What the fake archk_write has been given, and how it should behave. */
static struct {
	char data[65536];
	size_t len;
	archk_handle_t handle; /* the handle of the last write */
	int writes;	       /* calls so far */
	size_t max_chunk;      /* accept at most this much per call (0: all) */
	int fail_at;	       /* fail the call with this number (1-based; 0: never) */
} cap;

/* Resets the capture and sets how the fake behaves. */
static void capture_reset(size_t max_chunk, int fail_at)
{
	memset(&cap, 0, sizeof(cap));
	cap.max_chunk = max_chunk;
	cap.fail_at = fail_at;
}

/* Stub: appends to cap.data, possibly short or failing as configured. */
long archk_write(archk_handle_t h, const void *buf, size_t len)
{
	cap.handle = h;
	if (++cap.writes == cap.fail_at)
		return ARCHK_ERR_PEER_CLOSED;
	if (cap.max_chunk != 0 && len > cap.max_chunk)
		len = cap.max_chunk;
	cr_assert_leq(cap.len + len, sizeof(cap.data));
	memcpy(cap.data + cap.len, buf, len);
	cap.len += len;
	return (long)len;
}

/* Stub: "out" is OUT_HANDLE, nothing else exists. */
archk_handle_t archk_handle_named(const char *name)
{
	return strcmp(name, "out") == 0 ? OUT_HANDLE : ARCHK_HANDLE_INVALID;
}

/* The heap is linked in through string.c but never used here. */
void archk_heap_corrupted(const char *what, void *ptr)
{
	cr_assert_fail("heap corrupted: %s at %p", what, ptr);
}

/*
 * Formats fmt with both the host's vsnprintf and ours into buffers of several
 * sizes (to cover truncation) and asserts the results are identical.
 */
static void check_va(const char *fmt, va_list ap)
{
	static const size_t sizes[] = {0, 1, 2, 7, 64, 300};
	char want[300], got[300];

	for (size_t i = 0; i < NELEM(sizes); i++) {
		va_list a, b;

		memset(want, 'Q', sizeof(want));
		memset(got, 'Q', sizeof(got));
		va_copy(a, ap);
		va_copy(b, ap);
		int w = vsnprintf(want, sizes[i], fmt, a);
		int g = rt_vsnprintf(got, sizes[i], fmt, b);
		va_end(a);
		va_end(b);
		cr_assert_eq(g, w, "\"%s\" size %zu: returned %d, host %d", fmt, sizes[i], g, w);
		cr_assert_arr_eq(got, want, sizeof(got), "\"%s\" size %zu: \"%s\", host \"%s\"",
				 fmt, sizes[i], got, want);
	}
}

/* check_va with the arguments inline. */
__attribute__((format(printf, 1, 2))) static void check(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_va(fmt, ap);
	va_end(ap);
}

/* check for one value, passed as the type the length modifier calls for. */
static void check_int(const char *fmt, const char *length, long long v)
{
	if (strcmp(length, "l") == 0)
		check(fmt, (long)v);
	else if (strcmp(length, "ll") == 0)
		check(fmt, v);
	else if (strcmp(length, "z") == 0 || strcmp(length, "t") == 0)
		check(fmt, (ptrdiff_t)v);
	else if (strcmp(length, "j") == 0)
		check(fmt, (intmax_t)v);
	else
		check(fmt, (int)v);
}

/* The flags selected by the bits of mask, as a subset of "-0 +#". */
static void flag_string(int mask, char out[6])
{
	for (int bit = 0; bit < 5; bit++) {
		if (mask & (1 << bit))
			*out++ = "-0 +#"[bit];
	}
	*out = '\0';
}

/* check_int for fmt on a table of values that hit every size's edges. */
static void check_int_values(const char *fmt, const char *length)
{
	static const long long values[] = {
	    0,	       1,	  -1,	     7,		 8,
	    42,	       -128,	  255,	     256,	 32767,
	    -32769,    INT32_MAX, INT32_MIN, UINT32_MAX, 0x123456789abcdefll,
	    INT64_MAX, INT64_MIN};

	for (size_t v = 0; v < NELEM(values); v++)
		check_int(fmt, length, values[v]);
}

/* Every combination of flags, width, precision, length and integer conversion. */
Test(runtime_fmt, integers_match_host)
{
	static const char *const widths[] = {"", "1", "6", "25"};
	static const char *const precisions[] = {"", ".", ".0", ".1", ".4", ".23"};
	static const char *const lengths[] = {"", "hh", "h", "l", "ll", "z", "j", "t"};
	static const char convs[] = "diouxX";
	char flags[6], fmt[32];

	for (int i = 0; i < 32 * 4 * 6 * 8 * 6; i++) {
		int mask = i % 32, w = i / 32 % 4, pr = i / 128 % 6, l = i / 768 % 8;
		char conv = convs[i / 6144];

		if ((mask & 16) && strchr("diu", conv))
			continue; /* '#' is undefined there */
		flag_string(mask, flags);
		snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flags, widths[w], precisions[pr],
			 lengths[l], conv);
		check_int_values(fmt, lengths[l]);
	}
}

/* Strings and characters with flags, width and precision. */
Test(runtime_fmt, strings_and_chars_match_host)
{
	const char *volatile null_string = NULL; /* hidden from gcc's warnings */
	static const char *const specs[] = {"%s",      "%10s", "%-10s", "%.3s", "%10.3s",
					    "%-10.3s", "%.0s", "%.30s", "%1s",	"%c",
					    "%5c",     "%-5c", "%%",	"x%%y"};

	for (size_t i = 0; i < NELEM(specs); i++) {
		if (strchr(specs[i], 'c'))
			check(specs[i], 'A');
		else
			check(specs[i], "hello, world");
	}
	check("%s", "");
	check("%5s|%-5s|", "", "");
	check("[%c%c%c]", 'a', 0, 'b');
	check("%s%s", "", "");
	check("%s", null_string);
	check("%10s", null_string);
	check("%d %s %c %x %% %lu %5.2d|%-8s|", -5, "mid", '!', 255u, 123456789ul, 3, "left");
	check("no conversions at all");
}

/* A precision stops %s from reading past it (no NUL needed). */
Test(runtime_fmt, string_precision_stops_reading)
{
	char unterminated[3] = {'a', 'b', 'c'};
	char buf[16];

	cr_assert_eq(rt_snprintf(buf, sizeof(buf), "%.3s", unterminated), 3);
	cr_assert_str_eq(buf, "abc");
}

/* '*' width and precision, including the negative cases. */
Test(runtime_fmt, star_width_and_precision)
{
	/* Not a literal: gcc would warn that '0' is ignored, but with a
	 * negative precision it is not. */
	const char *zero_flag_star_precision = "%0.*d|";

	check("%*d|", 6, 42);
	check("%*d|", -6, 42);
	check("%-*d|", -6, 42);
	check("%.*d|", 4, 42);
	check("%.*d|", -4, 42);
	check(zero_flag_star_precision, -4, 42);
	check("%*.*x|", 8, 3, 0xabu);
	check("%*.*s|", -8, 2, "hello");
	check("%0*d|", 7, -42);
}

/* %p is 0x-prefixed hex; NULL prints as 0x0 (the host would say "(nil)"). */
Test(runtime_fmt, pointers)
{
	int x;
	void *ptrs[] = {&x, (void *)0x1, (void *)UINTPTR_MAX, (void *)0xdeadbeef};
	char buf[64];

	for (size_t i = 0; i < NELEM(ptrs); i++) {
		check("%p", ptrs[i]);
		check("%25p|", ptrs[i]);
		check("%-25p|", ptrs[i]);
	}
	cr_assert_eq(rt_snprintf(buf, sizeof(buf), "%p|%5p|%-5p|", NULL, NULL, NULL), 16);
	cr_assert_str_eq(buf, "0x0|  0x0|0x0  |");
}

/* Return value and termination for sizes around the output length. */
Test(runtime_fmt, truncation)
{
	char buf[8];

	memset(buf, 'Q', sizeof(buf));
	cr_assert_eq(rt_snprintf(buf, 0, "%d", 12345), 5);
	cr_assert_eq(buf[0], 'Q');
	cr_assert_eq(rt_snprintf(NULL, 0, "%s%s", "abc", "def"), 6);
	cr_assert_eq(rt_snprintf(buf, 1, "%d", 12345), 5);
	cr_assert_str_eq(buf, "");
	cr_assert_eq(rt_snprintf(buf, 5, "%d", 12345), 5);
	cr_assert_str_eq(buf, "1234");
	cr_assert_eq(rt_snprintf(buf, 6, "%d", 12345), 5);
	cr_assert_str_eq(buf, "12345");
	cr_assert_eq(rt_snprintf(buf, sizeof(buf), "%100d", 1), 100);
	cr_assert_str_eq(buf, "       ");
}

/* Output far longer than dprintf's buffer arrives whole and in order. */
Test(runtime_fmt, dprintf_long_output)
{
	static char big[5001];
	char want[5100];

	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	capture_reset(0, 0);
	cr_assert_eq(archk_dprintf(FAKE_HANDLE, "<%s>", big), 5002);
	cr_assert_eq(cap.handle, FAKE_HANDLE);
	cr_assert_gt(cap.writes, 1);
	snprintf(want, sizeof(want), "<%s>", big);
	cr_assert_eq(cap.len, 5002);
	cr_assert_arr_eq(cap.data, want, 5002);

	capture_reset(0, 0);
	cr_assert_eq(archk_dprintf(FAKE_HANDLE, "%5000d|", -7), 5001);
	snprintf(want, sizeof(want), "%5000d|", -7);
	cr_assert_arr_eq(cap.data, want, 5001);
}

/* Short writes are retried until everything is written. */
Test(runtime_fmt, dprintf_short_writes)
{
	capture_reset(3, 0);
	cr_assert_eq(archk_dprintf(FAKE_HANDLE, "%s-%d", "short writes", 12345), 18);
	cr_assert_eq(cap.len, 18);
	cr_assert_arr_eq(cap.data, "short writes-12345", 18);
	cr_assert_eq(cap.writes, 6);
}

/* The first error from archk_write is returned and nothing more is written. */
Test(runtime_fmt, dprintf_error_propagates)
{
	capture_reset(0, 1);
	cr_assert_eq(archk_dprintf(FAKE_HANDLE, "hello"), ARCHK_ERR_PEER_CLOSED);
	cr_assert_eq(cap.len, 0);

	capture_reset(0, 2);
	cr_assert_eq(archk_dprintf(FAKE_HANDLE, "%2000s", "x"), ARCHK_ERR_PEER_CLOSED);
	cr_assert_eq(cap.writes, 2);
	cr_assert_lt(cap.len, 2000);
}

/* printf and puts write to the "out" handle. */
Test(runtime_fmt, printf_and_puts_use_out)
{
	capture_reset(0, 0);
	cr_assert_eq(rt_printf("%s=%d\n", "x", 42), 5);
	cr_assert_eq(cap.handle, OUT_HANDLE);
	cr_assert_eq(rt_puts("line"), 5);
	cr_assert_eq(cap.len, 10);
	cr_assert_arr_eq(cap.data, "x=42\nline\n", 10);
}
