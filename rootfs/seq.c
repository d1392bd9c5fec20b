/* seq [-s SEP] [-w] [FIRST [INCREMENT]] LAST: prints a sequence of integers. */
#include "util.h"

static const struct util_program program = {
    "seq", "[-s SEP] [-w] [FIRST [INCREMENT]] LAST",
    "Prints the integers from FIRST (default 1) to LAST, INCREMENT (default 1) apart,\n"
    "one per line. A negative INCREMENT counts down.\n",
    "  -s SEP   separate the numbers with SEP instead of a newline\n"
    "  -w       pad the numbers with leading zeros to equal width\n"};

/* The operand at text as a number; a usage error if it is not one. */
static long operand(const char *text)
{
	long value;

	if (util_parse_long(text, &value) < 0)
		util_usage_error("'%s' is not an integer", text);
	return value;
}

/* Characters %ld needs for value. */
static int width_of(long value)
{
	char text[24];

	return snprintf(text, sizeof(text), "%ld", value);
}

int main(int argc, char **argv)
{
	const char *separator = "\n";
	long first = 1, step = 1, last;
	int c, width = 0, count;
	bool pad = false;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "s:w#")) != -1) {
		if (c == '#') { /* a negative number: the operands begin */
			util_optind--;
			break;
		}
		if (c == 's')
			separator = util_optarg;
		else
			pad = true;
	}
	count = argc - util_optind;
	if (count < 1 || count > 3)
		util_usage_error(count ? "too many operands" : "no LAST given");
	last = operand(argv[argc - 1]);
	if (count >= 2)
		first = operand(argv[util_optind]);
	if (count == 3)
		step = operand(argv[util_optind + 1]);
	if (step == 0)
		util_usage_error("the INCREMENT must not be 0");
	if (pad)
		width = width_of(first) > width_of(last) ? width_of(first) : width_of(last);
	for (long n = first; step > 0 ? n <= last : n >= last; n += step) {
		if (n != first)
			util_puts(separator);
		if (n < 0)
			util_printf("-%0*ld", width ? width - 1 : 0, -n);
		else
			util_printf("%0*ld", width, n);
		if ((step > 0 && n > LONG_MAX - step) || (step < 0 && n < LONG_MIN - step))
			break;
	}
	if (step > 0 ? first <= last : first >= last)
		util_putc('\n');
	util_exit(0);
}
