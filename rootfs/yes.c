/* yes [STRING...]: prints STRING (or "y") on a line of its own until the reader goes away. */
#include "util.h"

#define LINE_MAX_BYTES 4096

static const struct util_program program = {
    "yes", "[STRING...]",
    "Writes the STRINGs, separated by spaces (or \"y\"), as a line, again and again,\n"
    "until out can no longer be written (a closed pipe ends it with status 1).\n",
    NULL};

/* The line to repeat, newline included, in line (LINE_MAX_BYTES): its length. */
static size_t make_line(int count, char **words, char *line)
{
	size_t len = 0;

	if (count == 0)
		return strlcpy(line, "y\n", LINE_MAX_BYTES);
	for (int i = 0; i < count; i++) {
		size_t n = strlen(words[i]);

		if (len + n + 2 > LINE_MAX_BYTES)
			util_die(1, "the line is longer than %d bytes", LINE_MAX_BYTES - 2);
		memcpy(line + len, words[i], n);
		len += n;
		line[len++] = i + 1 < count ? ' ' : '\n';
	}
	return len;
}

int main(int argc, char **argv)
{
	static char block[8192];
	char line[LINE_MAX_BYTES];
	size_t len, used = 0;

	util_start(&program);
	while (util_getopt(argc, argv, "") != -1)
		;
	len = make_line(argc - util_optind, argv + util_optind, line);
	/* As many whole lines as fit in a block, so each WRITE carries thousands of them. */
	while (used + len <= sizeof(block)) {
		memcpy(block + used, line, len);
		used += len;
	}
	for (;;)
		util_write(block, used);
}
