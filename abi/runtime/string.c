/*
 * String and memory functions of the guest runtime: a small, freestanding
 * subset of <string.h> and <stdlib.h>.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <archk/runtime.h>

/*
 * gcc recognises byte-copy and byte-fill loops and replaces them with calls
 * to memcpy/memset. Inside memcpy/memset/memmove that would be infinite
 * recursion, so those functions are compiled without that transformation.
 */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

#define LONG_MAX  __LONG_MAX__
#define ULONG_MAX (LONG_MAX * 2ul + 1)

/* A 64-bit word that may alias any object, for the word-at-a-time loops. */
typedef uint64_t __attribute__((may_alias)) word_t;

/* How far p is past the previous word boundary. */
static uintptr_t misalignment(const void *p)
{
	return (uintptr_t)p & (sizeof(word_t) - 1);
}

/*
 * Copies n bytes upwards. When both pointers are equally misaligned, it
 * copies bytes up to a word boundary and then whole words.
 */
NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (misalignment(d) == misalignment(s)) {
		for (; n > 0 && misalignment(d) != 0; n--)
			*d++ = *s++;
		for (; n >= sizeof(word_t); n -= sizeof(word_t)) {
			*(word_t *)d = *(const word_t *)s;
			d += sizeof(word_t);
			s += sizeof(word_t);
		}
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

/*
 * Copies n bytes between possibly overlapping areas: forwards when the
 * destination is below the source, backwards (from the end) otherwise.
 */
NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

/* Fills n bytes with the byte c; whole words while the area allows it. */
NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	word_t pattern = (unsigned char)c * (word_t)0x0101010101010101ull;

	for (; n > 0 && misalignment(d) != 0; n--)
		*d++ = (unsigned char)c;
	for (; n >= sizeof(word_t); n -= sizeof(word_t)) {
		*(word_t *)d = pattern;
		d += sizeof(word_t);
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

/* Compares n bytes as unsigned chars; <0, 0 or >0 like the C library. */
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
	}
	return 0;
}

/* First byte equal to (unsigned char)c among the n bytes at s, or NULL. */
void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

/* Length of the NUL-terminated string s. */
size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

/* Length of s, but looks at no more than max bytes. */
size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Compares two strings as unsigned chars. */
int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

/* Compares at most n characters of two strings as unsigned chars. */
int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q || *p == '\0')
			return *p - *q;
	}
	return 0;
}

/* First occurrence of (char)c in s; c == 0 finds the terminator. */
char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

/* Last occurrence of (char)c in s; c == 0 finds the terminator. */
char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

/* Copies src including its terminator to dst. */
/* The first occurrence of needle in haystack; haystack itself when needle is empty. */
char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return (char *)haystack;
	for (; (haystack = strchr(haystack, *needle)) != NULL; haystack++)
		if (strncmp(haystack, needle, n) == 0)
			return (char *)haystack;
	return NULL;
}

char *strcpy(char *dst, const char *src)
{
	return memcpy(dst, src, strlen(src) + 1);
}

/*
 * Copies as much of src as fits in size bytes and NUL-terminates when
 * size > 0. Returns strlen(src), so truncation happened if that is >= size.
 */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* A copy of s in memory from malloc, or NULL if the heap is exhausted. */
char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* True for the characters isspace() accepts in the "C" locale. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Value of c as a digit in bases up to 36, or 36 if it is not a digit. */
static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

/*
 * Skips a "0x"/"0X" prefix at *s if it is followed by a hex digit, and works
 * out the base when base is 0 (hex after 0x, octal after a leading 0,
 * otherwise decimal). Returns the base to use.
 */
static int take_prefix(const char **s, int base)
{
	const char *p = *s;
	bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16;

	if (hex && (base == 0 || base == 16)) {
		*s = p + 2;
		return 16;
	}
	if (base == 0)
		return p[0] == '0' ? 8 : 10;
	return base;
}

/* The result of scanning a number: its magnitude and what strto* needs. */
struct scan {
	unsigned long value; /* magnitude, saturated at ULONG_MAX */
	bool negative;	     /* a '-' sign came before the digits */
	bool overflow;	     /* the magnitude did not fit in unsigned long */
};

/*
 * The part strtol and strtoul share: skips white space, a sign and a base
 * prefix, then accumulates digits. *end (if not NULL) is set past the last
 * digit, or to s itself when there were no digits or base is invalid.
 */
static struct scan scan_number(const char *s, char **end, int base)
{
	struct scan r = {0, false, false};
	const char *p = s, *digits;
	int d;

	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		r.negative = *p++ == '-';
	if (base < 0 || base == 1 || base > 36) {
		if (end != NULL)
			*end = (char *)s;
		return r;
	}
	base = take_prefix(&p, base);
	for (digits = p; (d = digit_value(*p)) < base; p++) {
		if (r.value > (ULONG_MAX - d) / base)
			r.overflow = true;
		r.value = r.overflow ? ULONG_MAX : r.value * base + d;
	}
	if (end != NULL)
		*end = (char *)(p == digits ? s : p);
	return r;
}

/*
 * Converts the start of s to a long in base 0 or 2..36. Out-of-range values
 * saturate at LONG_MAX or LONG_MIN (there is no errno). No "0b" prefix.
 */
long strtol(const char *s, char **end, int base)
{
	struct scan r = scan_number(s, end, base);
	unsigned long limit = r.negative ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;

	if (r.overflow || r.value > limit)
		r.value = limit;
	return r.negative ? (long)(0 - r.value) : (long)r.value;
}

/*
 * Converts the start of s to an unsigned long; a '-' sign negates the value
 * like the C library does. Out-of-range values saturate at ULONG_MAX.
 */
unsigned long strtoul(const char *s, char **end, int base)
{
	struct scan r = scan_number(s, end, base);

	if (r.overflow)
		return ULONG_MAX;
	return r.negative ? 0 - r.value : r.value;
}

/* The decimal number at the start of s, or 0 if there is none. */
int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}
