/* sort [-fnru] [FILE...]: sorts the lines of all inputs together. */
#include "util.h"

static const struct util_program program = {
    "sort", "[-fnru] [FILE...]",
    "Writes the lines of all FILEs (or of the input) together, sorted by their bytes.\n"
    "Lines that compare equal under -f or -n are ordered by their bytes. - names the\n"
    "input.\n",
    "  -f   fold lower case to upper case: ignore the case of letters\n"
    "  -n   compare the numbers at the start of the lines (after blanks; a line\n"
    "       without one counts as 0)\n"
    "  -r   reverse the order\n"
    "  -u   print only the first of lines that compare equal\n"};

static struct {
	bool fold, numeric, reverse, unique;
} opt;

static struct {
	char **lines;
	size_t count, cap;
} all;

static long collect(struct util_input *in, void *arg)
{
	char *line;
	long n;

	while ((n = util_getline(in, &line)) > 0) {
		if (all.count == all.cap) {
			size_t cap = all.cap ? all.cap * 2 : 256;
			char **grown = realloc(all.lines, cap * sizeof(char *));

			if (!grown)
				return ARCHK_ERR_NO_MEMORY;
			all.lines = grown;
			all.cap = cap;
		}
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (!(all.lines[all.count] = strdup(line)))
			return ARCHK_ERR_NO_MEMORY;
		all.count++;
	}
	return n;
}

/* The number at the start of s (after blanks), with its sign; 0 if there is none. */
static long leading_number(const char *s)
{
	long value = 0;
	bool negative;

	while (*s == ' ' || *s == '\t')
		s++;
	negative = *s == '-';
	s += negative;
	for (; isdigit((unsigned char)*s) && value < LONG_MAX / 10; s++)
		value = value * 10 + (*s - '0');
	return negative ? -value : value;
}

/* The order of the -f and -n keys alone: 0 when they do not decide. */
static int compare_keys(const char *a, const char *b)
{
	if (opt.numeric) {
		long x = leading_number(a), y = leading_number(b);

		return (x > y) - (x < y);
	}
	if (opt.fold)
		for (;; a++, b++) {
			int x = toupper((unsigned char)*a), y = toupper((unsigned char)*b);

			if (x != y || !x)
				return x - y;
		}
	return 0;
}

static int compare(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	int c = compare_keys(a, b);

	if (c == 0)
		c = strcmp(a, b);
	return opt.reverse ? -c : c;
}

int main(int argc, char **argv)
{
	int c, status;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "fnru")) != -1) {
		opt.fold |= c == 'f';
		opt.numeric |= c == 'n';
		opt.reverse |= c == 'r';
		opt.unique |= c == 'u';
	}
	status = util_each_input(argc - util_optind, argv + util_optind, collect, NULL);
	qsort(all.lines, all.count, sizeof(char *), compare);
	for (size_t i = 0; i < all.count; i++) {
		if (opt.unique && i > 0 &&
		    (opt.fold || opt.numeric ? compare_keys(all.lines[i - 1], all.lines[i])
					     : strcmp(all.lines[i - 1], all.lines[i])) == 0)
			continue;
		util_printf("%s\n", all.lines[i]);
	}
	util_exit(status ? 2 : 0);
}
