/* head [-n N | -N] [-c N] [FILE...]: the first lines or bytes of each input. */
#include "util.h"

static const struct util_program program = {
    "head", "[-n N | -N] [-c N] [FILE...]",
    "Prints the first 10 lines (or N lines, or N bytes) of each FILE, or of the input.\n"
    "With more than one FILE, each is headed by \"==> FILE <==\". - names the input.\n",
    "  -n N, -N   print the first N lines\n"
    "  -c N       print the first N bytes\n"};

static long limit = 10;
static bool bytes;

static long copy_head(struct util_input *in, void *arg)
{
	int *files = arg;
	long left = limit, n = 0;
	char buf[4096], *line;

	if (*files > 1)
		util_printf("%s==> %s <==\n", files[1]++ ? "\n" : "", in->name);
	while (left > 0) {
		if (bytes) {
			n = util_read(in, buf,
				      left < (long)sizeof(buf) ? (size_t)left : sizeof(buf));
			if (n > 0)
				util_write(buf, (size_t)n);
			left -= n;
		} else {
			n = util_getline(in, &line);
			if (n > 0)
				util_write(line, (size_t)n);
			left--;
		}
		if (n <= 0)
			break;
	}
	return n < 0 ? n : 0;
}

int main(int argc, char **argv)
{
	int c, files[2] = {0, 0}; /* operands, inputs done */

	util_start(&program);
	while ((c = util_getopt(argc, argv, "n:c:#")) != -1) {
		bytes = c == 'c';
		limit = util_number_arg(c == 'c' ? "-c" : "-n", util_optarg, 0, LONG_MAX);
	}
	files[0] = argc - util_optind;
	util_exit(util_each_input(files[0], argv + util_optind, copy_head, files));
}
