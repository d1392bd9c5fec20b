/* uniq [-cdiu] [FILE]: collapses runs of equal adjacent lines. */
#include "util.h"

static const struct util_program program = {
    "uniq", "[-cdiu] [FILE]",
    "Writes the lines of FILE (or of the input) with each run of equal adjacent lines\n"
    "written once. Sort first to collapse equal lines that are apart.\n",
    "  -c   put the number of times the line occurred before it\n"
    "  -d   print only lines that occurred more than once\n"
    "  -u   print only lines that occurred once\n"
    "  -i   ignore the case of letters when comparing\n"};

static struct {
	bool count, repeated, single, icase;
} opt;

static bool same(const char *a, const char *b)
{
	if (!opt.icase)
		return strcmp(a, b) == 0;
	for (; tolower((unsigned char)*a) == tolower((unsigned char)*b); a++, b++)
		if (!*a)
			return true;
	return false;
}

static void print_run(const char *line, unsigned long times)
{
	if ((opt.repeated && times < 2) || (opt.single && times > 1))
		return;
	if (opt.count)
		util_printf("%7lu ", times);
	util_printf("%s\n", line);
}

static long collapse(struct util_input *in, void *arg)
{
	char *line, *run = NULL;
	unsigned long times = 0;
	long n;

	while ((n = util_getline(in, &line)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (run && same(run, line)) {
			times++;
			continue;
		}
		if (run)
			print_run(run, times);
		free(run);
		if (!(run = strdup(line)))
			return ARCHK_ERR_NO_MEMORY;
		times = 1;
	}
	if (run)
		print_run(run, times);
	free(run);
	return n;
}

int main(int argc, char **argv)
{
	int c;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "cdiu")) != -1) {
		opt.count |= c == 'c';
		opt.repeated |= c == 'd';
		opt.icase |= c == 'i';
		opt.single |= c == 'u';
	}
	if (argc - util_optind > 1)
		util_usage_error("at most one FILE");
	util_exit(util_each_input(argc - util_optind, argv + util_optind, collapse, NULL));
}
