/*
 * Buffered input from a handle (util.h): raw reads and lines, for files of
 * the store and for "in", whatever object stands behind it.
 */
#include "util.h"

long util_input_open(struct util_input *in, const char *path)
{
	memset(in, 0, sizeof(*in));
	in->name = path;
	if (strcmp(path, "-") == 0) {
		in->h = util_in;
		return 0;
	}
	long h = util_open(path, ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
	struct archk_meta meta;

	if (h < 0)
		return h;
	in->h = (archk_handle_t)h;
	in->owned = true;
	if (archk_get_meta(in->h, &meta) == 0 && meta.kind == ARCHK_KIND_DIR) {
		util_input_close(in);
		return ARCHK_ERR_IS_DIR;
	}
	return 0;
}

void util_input_close(struct util_input *in)
{
	if (in->owned)
		archk_handle_close(in->h);
	in->owned = false;
	free(in->line);
	in->line = NULL;
	in->line_cap = 0;
}

/* Refills the buffer when it is empty: bytes available, 0 at the end, or an error. */
static long fill(struct util_input *in)
{
	long n;

	if (in->start < in->end)
		return (long)(in->end - in->start);
	if (in->at_end)
		return 0;
	n = archk_read(in->h, in->buf, sizeof(in->buf));
	if (n <= 0) {
		in->at_end = n == 0;
		return n;
	}
	in->start = 0;
	in->end = (size_t)n;
	return n;
}

long util_read(struct util_input *in, void *buf, size_t len)
{
	long n = fill(in);

	if (n <= 0)
		return n;
	if ((size_t)n > len)
		n = (long)len;
	memcpy(buf, in->buf + in->start, (size_t)n);
	in->start += (size_t)n;
	return n;
}

/* Appends len bytes to the line being built (used bytes so far); 0 or NO_MEMORY. */
static long line_append(struct util_input *in, size_t used, const char *src, size_t len)
{
	if (used + len + 1 > in->line_cap) {
		size_t cap = in->line_cap ? in->line_cap : 128;
		char *grown;

		while (cap < used + len + 1)
			cap *= 2;
		grown = realloc(in->line, cap);
		if (!grown)
			return ARCHK_ERR_NO_MEMORY;
		in->line = grown;
		in->line_cap = cap;
	}
	memcpy(in->line + used, src, len);
	in->line[used + len] = '\0';
	return 0;
}

long util_getline(struct util_input *in, char **line)
{
	size_t used = 0;

	for (;;) {
		long n = fill(in), err;
		const char *start = in->buf + in->start, *nl;
		size_t take;

		if (n < 0)
			return n;
		if (n == 0)
			break;
		nl = memchr(start, '\n', (size_t)n);
		take = nl ? (size_t)(nl - start) + 1 : (size_t)n;
		if ((err = line_append(in, used, start, take)) < 0)
			return err;
		used += take;
		in->start += take;
		if (nl)
			break;
	}
	*line = in->line;
	return (long)used;
}

int util_each_input(int count, char **paths, long (*fn)(struct util_input *in, void *arg),
		    void *arg)
{
	static char *const standard_input[] = {"-"};
	int status = 0;

	if (count == 0) {
		count = 1;
		paths = (char **)standard_input;
	}
	for (int i = 0; i < count; i++) {
		struct util_input in;
		long err = util_input_open(&in, paths[i]);

		if (err == 0)
			err = fn(&in, arg);
		util_input_close(&in);
		if (err < 0) {
			util_warn("%s: %s", paths[i], archk_strerror(err));
			status = 1;
		}
	}
	return status;
}
