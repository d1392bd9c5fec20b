/* wc [-clw] [FILE...]: counts lines, words and bytes. */
#include "util.h"

static const struct util_program program = {
    "wc", "[-clw] [FILE...]",
    "Counts the newlines, words (runs of characters between white space) and bytes\n"
    "of each FILE, or of the input, and prints them with the FILE's name; with more\n"
    "than one FILE, a total line follows. - names the input.\n",
    "  -l   print the line count\n"
    "  -w   print the word count\n"
    "  -c   print the byte count\n"
    "       (with none of them: all three, in this order)\n"};

struct counts {
	uint64_t lines, words, bytes;
};

static bool show_lines, show_words, show_bytes;
static struct counts total;

/* One line: the counts asked for, each 7 wide, then the name if there is one. */
static void print_counts(const struct counts *c, const char *name)
{
	const uint64_t values[] = {c->lines, c->words, c->bytes};
	const bool shown[] = {show_lines, show_words, show_bytes};
	const char *separator = "";

	for (int i = 0; i < 3; i++) {
		if (!shown[i])
			continue;
		util_printf("%s%7lu", separator, (unsigned long)values[i]);
		separator = " ";
	}
	util_printf("%s%s\n", name ? " " : "", name ? name : "");
}

static long count(struct util_input *in, void *named)
{
	struct counts c = {0};
	bool in_word = false;
	char buf[4096];
	long n;

	while ((n = util_read(in, buf, sizeof(buf))) > 0) {
		c.bytes += (uint64_t)n;
		for (long i = 0; i < n; i++) {
			bool space = isspace((unsigned char)buf[i]);

			c.lines += buf[i] == '\n';
			c.words += !space && !in_word;
			in_word = !space;
		}
	}
	if (n < 0)
		return n;
	total.lines += c.lines;
	total.words += c.words;
	total.bytes += c.bytes;
	print_counts(&c, named ? in->name : NULL);
	return 0;
}

int main(int argc, char **argv)
{
	int c, status, files;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "clw")) != -1) {
		show_lines |= c == 'l';
		show_words |= c == 'w';
		show_bytes |= c == 'c';
	}
	if (!show_lines && !show_words && !show_bytes)
		show_lines = show_words = show_bytes = true;
	files = argc - util_optind;
	status = util_each_input(files, argv + util_optind, count, files ? "named" : NULL);
	if (files > 1)
		print_counts(&total, "total");
	util_exit(status);
}
