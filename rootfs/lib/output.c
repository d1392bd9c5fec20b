/*
 * Buffered output on "out" (util.h). Output waits in a buffer until it is
 * full, except on a terminal, where each line goes out when it is complete,
 * so an interactive user sees lines as they come. A WRITE that fails ends
 * the program with status 1: silently when the reader went away
 * (PEER_CLOSED, as a closed pipe ends a Unix program), with a message
 * otherwise.
 */
#include "util.h"

#define OUT_BYTES 8192

static struct {
	char buf[OUT_BYTES];
	size_t len;
	int terminal; /* 0 not asked yet, 1 yes, -1 no */
	bool failed;  /* a WRITE failed: the rest is dropped */
} out;

bool util_out_is_terminal(void)
{
	if (out.terminal == 0) {
		struct archk_meta meta;

		out.terminal =
		    archk_get_meta(util_out, &meta) == 0 && (meta.flags & ARCHK_META_TERMINAL) ? 1
											       : -1;
	}
	return out.terminal > 0;
}

long util_write_all(archk_handle_t h, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		long n = archk_write(h, p, len);

		if (n <= 0)
			return n < 0 ? n : ARCHK_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long util_flush(void)
{
	long err;

	if (out.failed)
		return ARCHK_ERR_IO;
	err = util_write_all(util_out, out.buf, out.len);
	out.len = 0;
	if (err < 0) {
		out.failed = true;
		if (err != ARCHK_ERR_PEER_CLOSED)
			util_warn("write error: %s", archk_strerror(err));
		archk_process_exit(1);
	}
	return 0;
}

void util_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		size_t take = len < OUT_BYTES - out.len ? len : OUT_BYTES - out.len;

		memcpy(out.buf + out.len, p, take);
		out.len += take;
		p += take;
		len -= take;
		if (out.len == OUT_BYTES)
			util_flush();
	}
	if (out.len > 0 && out.buf[out.len - 1] == '\n' && util_out_is_terminal())
		util_flush();
}

void util_puts(const char *s)
{
	util_write(s, strlen(s));
}

void util_putc(char c)
{
	util_write(&c, 1);
}

void util_printf(const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		util_write(small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);

	if (!big)
		util_die(1, "out of memory");
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	util_write(big, (size_t)n);
	free(big);
}

void util_print_columns(char *const *names, size_t count)
{
	size_t width = 1, columns, rows;

	for (size_t i = 0; i < count; i++)
		if (strlen(names[i]) + 2 > width)
			width = strlen(names[i]) + 2;
	columns = width < 80 ? 80 / width : 1;
	rows = (count + columns - 1) / columns;
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < columns && r + c * rows < count; c++) {
			const char *name = names[r + c * rows];

			if (c + 1 == columns || r + (c + 1) * rows >= count)
				util_puts(name); /* the last of the row: no padding after it */
			else
				util_printf("%-*s", (int)width, name);
		}
		util_putc('\n');
	}
}
