/*
 * Formatted output: a printf-style formatter with C99 semantics for the
 * conversions runtime.h lists, writing into either a caller's buffer
 * (vsnprintf) or a stack buffer flushed to a handle (archk_vdprintf).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <archk/runtime.h>

#define INT_MAX	    __INT_MAX__
#define DPRINTF_BUF 512

/*
 * Where formatted characters go. Characters fill buf[0..cap); when it is
 * full, flush (if any) empties it, otherwise the rest is counted but dropped.
 */
struct sink {
	char *buf;
	size_t cap;
	size_t len;			  /* characters now in buf */
	size_t total;			  /* characters produced so far */
	void (*flush)(struct sink *sink); /* NULL: drop what does not fit */
	archk_handle_t handle;		  /* for flush_to_handle */
	long error;			  /* first error flush ran into, or 0 */
};

/* One parsed conversion specification. */
struct spec {
	bool left;     /* '-': pad on the right */
	bool zero;     /* '0': pad numbers with zeros */
	bool plus;     /* '+': always print a sign */
	bool space;    /* ' ': a space where a '+' would go */
	bool alt;      /* '#': 0x prefix for hex, leading 0 for octal */
	int width;     /* minimum field width */
	int precision; /* -1 when not given */
	int length;    /* see enum length */
	char conv;     /* the conversion character */
};

/* Length modifiers. */
enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

/* Appends one character, flushing or dropping it when buf is full. */
static void put_char(struct sink *sink, char c)
{
	if (sink->len == sink->cap && sink->flush != NULL)
		sink->flush(sink);
	if (sink->len < sink->cap)
		sink->buf[sink->len++] = c;
	sink->total++;
}

/* Appends n bytes of s. */
static void put_bytes(struct sink *sink, const char *s, size_t n)
{
	while (n-- > 0)
		put_char(sink, *s++);
}

/* Appends c n times (n <= 0 appends nothing). */
static void put_repeat(struct sink *sink, char c, long n)
{
	for (; n > 0; n--)
		put_char(sink, c);
}

/* Reads a decimal number at *fmt, leaving *fmt after it. */
static int parse_decimal(const char **fmt)
{
	int n = 0;

	for (; **fmt >= '0' && **fmt <= '9'; (*fmt)++) {
		if (n <= (INT_MAX - 9) / 10)
			n = n * 10 + (**fmt - '0');
	}
	return n;
}

/* Parses flags at *fmt into sp, leaving *fmt after them. */
static void parse_flags(const char **fmt, struct spec *sp)
{
	for (;; (*fmt)++) {
		switch (**fmt) {
		case '-':
			sp->left = true;
			break;
		case '0':
			sp->zero = true;
			break;
		case '+':
			sp->plus = true;
			break;
		case ' ':
			sp->space = true;
			break;
		case '#':
			sp->alt = true;
			break;
		default:
			return;
		}
	}
}

/* Parses a length modifier at *fmt, leaving *fmt after it. */
static int parse_length(const char **fmt)
{
	const char *s = *fmt;
	int len;

	switch (s[0]) {
	case 'h':
		len = s[1] == 'h' ? LEN_HH : LEN_H;
		break;
	case 'l':
		len = s[1] == 'l' ? LEN_LL : LEN_L;
		break;
	case 'z':
		len = LEN_Z;
		break;
	case 'j':
		len = LEN_J;
		break;
	case 't':
		len = LEN_T;
		break;
	default:
		return LEN_NONE;
	}
	*fmt += len == LEN_HH || len == LEN_LL ? 2 : 1;
	return len;
}

/*
 * Parses the specification after a '%' (flags, width, precision, length and
 * conversion), taking '*' arguments from ap. Leaves *fmt after it.
 */
static void parse_spec(const char **fmt, va_list *ap, struct spec *sp)
{
	*sp = (struct spec){.precision = -1};
	parse_flags(fmt, sp);
	if (**fmt == '*') {
		(*fmt)++;
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = sp->width == -INT_MAX - 1 ? INT_MAX : -sp->width;
		}
	} else {
		sp->width = parse_decimal(fmt);
	}
	if (**fmt == '.') {
		(*fmt)++;
		if (**fmt == '*') {
			(*fmt)++;
			sp->precision = va_arg(*ap, int);
			if (sp->precision < 0)
				sp->precision = -1;
		} else {
			sp->precision = parse_decimal(fmt);
		}
	}
	sp->length = parse_length(fmt);
	sp->conv = **fmt;
	if (**fmt != '\0')
		(*fmt)++;
}

/* Fetches a signed integer argument of the size the length modifier says. */
static intmax_t fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

/* Fetches an unsigned integer argument of the size the length modifier says. */
static uintmax_t fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
	case LEN_T:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/*
 * Writes the digits of v in base (8, 10 or 16) at the end of the buffer that
 * ends at end; returns where they start. Zero gives no digits at all.
 */
static char *to_digits(uintmax_t v, unsigned base, bool upper, char *end)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (; v != 0; v /= base)
		*--end = set[v % base];
	return end;
}

/*
 * Lays out a number: padding, sign or prefix, zeros up to the precision,
 * then the digits, following C99's rules for how the flags interact.
 */
static void put_number(struct sink *sink, const struct spec *sp, const char *prefix,
		       const char *digits, int ndigits)
{
	int plen = (int)strlen(prefix);
	int precision = sp->precision < 0 ? 1 : sp->precision;
	int zeros = precision > ndigits ? precision - ndigits : 0;
	long pad = (long)sp->width - plen - zeros - ndigits;

	if (sp->zero && !sp->left && sp->precision < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!sp->left)
		put_repeat(sink, ' ', pad);
	put_bytes(sink, prefix, plen);
	put_repeat(sink, '0', zeros);
	put_bytes(sink, digits, ndigits);
	if (sp->left)
		put_repeat(sink, ' ', pad);
}

/* The number base of an integer conversion. */
static unsigned conv_base(char conv)
{
	switch (conv) {
	case 'o':
		return 8;
	case 'x':
	case 'X':
	case 'p':
		return 16;
	default:
		return 10;
	}
}

/* The sign or base prefix to print before the digits of an integer. */
static const char *int_prefix(const struct spec *sp, bool negative, uintmax_t v)
{
	switch (sp->conv) {
	case 'd':
	case 'i':
		return negative ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	case 'x':
		return sp->alt && v != 0 ? "0x" : "";
	case 'X':
		return sp->alt && v != 0 ? "0X" : "";
	case 'p':
		return "0x";
	default:
		return "";
	}
}

/* Formats one integer conversion (d i u o x X p). */
static void put_integer(struct sink *sink, struct spec *sp, va_list *ap)
{
	char buf[24], *end = buf + sizeof(buf), *digits;
	bool negative = false;
	uintmax_t v;

	if (sp->conv == 'p') {
		v = (uintptr_t)va_arg(*ap, void *);
		sp->precision = -1;
	} else if (sp->conv == 'd' || sp->conv == 'i') {
		intmax_t s = fetch_signed(sp, ap);

		negative = s < 0;
		v = negative ? 0 - (uintmax_t)s : (uintmax_t)s;
	} else {
		v = fetch_unsigned(sp, ap);
	}
	digits = to_digits(v, conv_base(sp->conv), sp->conv == 'X', end);
	/* %p shows 0 as 0x0; %#o needs a leading 0 unless the precision gives one. */
	if ((sp->conv == 'p' && v == 0) ||
	    (sp->conv == 'o' && sp->alt && sp->precision <= end - digits))
		*--digits = '0';
	put_number(sink, sp, int_prefix(sp, negative, v), digits, (int)(end - digits));
}

/* Writes n bytes of s padded with spaces to the field width. */
static void put_padded(struct sink *sink, const struct spec *sp, const char *s, size_t n)
{
	long pad = (long)sp->width - (long)n;

	if (!sp->left)
		put_repeat(sink, ' ', pad);
	put_bytes(sink, s, n);
	if (sp->left)
		put_repeat(sink, ' ', pad);
}

/* Formats %s: NULL prints as "(null)"; a precision limits the bytes read. */
static void put_string(struct sink *sink, const struct spec *sp, va_list *ap)
{
	const char *s = va_arg(*ap, const char *);

	if (s == NULL)
		s = "(null)";
	put_padded(sink, sp, s, sp->precision < 0 ? strlen(s) : strnlen(s, sp->precision));
}

/*
 * Formats one conversion that is not an integer: c, s, % or an unknown one,
 * which is printed back (without its flags) so the mistake is visible.
 */
static void put_other(struct sink *sink, const struct spec *sp, va_list *ap)
{
	char c;

	switch (sp->conv) {
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(sink, sp, &c, 1);
		break;
	case 's':
		put_string(sink, sp, ap);
		break;
	case '%':
		put_char(sink, '%');
		break;
	default:
		put_char(sink, '%');
		if (sp->conv != '\0')
			put_char(sink, sp->conv);
		break;
	}
}

/* True for the conversions put_integer handles. */
static bool is_integer_conv(char conv)
{
	return conv != '\0' && strchr("diouxXp", conv) != NULL;
}

/* Formats fmt with the arguments in ap into sink. */
static void vformat(struct sink *sink, const char *fmt, va_list ap)
{
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt != '\0') {
		if (*fmt != '%') {
			put_char(sink, *fmt++);
			continue;
		}
		fmt++;
		parse_spec(&fmt, &args, &sp);
		if (is_integer_conv(sp.conv))
			put_integer(sink, &sp, &args);
		else
			put_other(sink, &sp, &args);
	}
	va_end(args);
}

/* The int a formatter returns for total characters, or err if it is too many. */
static int result(size_t total, int err)
{
	return total > INT_MAX ? err : (int)total;
}

/*
 * Formats into buf, writing at most size bytes including the terminating NUL
 * (always written when size > 0). Returns the length the whole output would
 * have had, or -1 if that does not fit in an int.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink sink = {.buf = buf, .cap = size > 0 ? size - 1 : 0};

	vformat(&sink, fmt, ap);
	if (size > 0)
		buf[sink.len] = '\0';
	return result(sink.total, -1);
}

/* snprintf: vsnprintf with the arguments inline. */
int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Writes the buffered characters to the sink's handle, retrying short writes.
 * After the first error (or a write that makes no progress) it drops output
 * and remembers the error.
 */
static void flush_to_handle(struct sink *sink)
{
	size_t done = 0;

	while (sink->error == 0 && done < sink->len) {
		long n = archk_write(sink->handle, sink->buf + done, sink->len - done);

		if (n <= 0)
			sink->error = n < 0 ? n : ARCHK_ERR_IO;
		else
			done += (size_t)n;
	}
	sink->len = 0;
}

/*
 * Formats to handle h through a stack buffer flushed as often as needed.
 * Returns the bytes written, or the first error archk_write returned
 * (ARCHK_ERR_IO if a write made no progress).
 */
int archk_vdprintf(archk_handle_t h, const char *fmt, va_list ap)
{
	char buf[DPRINTF_BUF];
	struct sink sink = {.buf = buf, .cap = sizeof(buf), .flush = flush_to_handle, .handle = h};

	vformat(&sink, fmt, ap);
	flush_to_handle(&sink);
	if (sink.error != 0)
		return (int)sink.error;
	return result(sink.total, ARCHK_ERR_TOO_LONG);
}

/* archk_vdprintf with the arguments inline. */
int archk_dprintf(archk_handle_t h, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = archk_vdprintf(h, fmt, ap);
	va_end(ap);
	return n;
}

/* Formats to the "out" handle the spawner passed. */
int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = archk_vdprintf(archk_handle_named("out"), fmt, ap);
	va_end(ap);
	return n;
}

/* Writes s and a newline to "out"; returns bytes written or an error code. */
int puts(const char *s)
{
	return archk_dprintf(archk_handle_named("out"), "%s\n", s);
}
