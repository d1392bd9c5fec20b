/* false: does nothing, unsuccessfully. Arguments are ignored, except a lone --help. */
#include "util.h"

static const struct util_program program = {
    "false", "", "Does nothing and exits with status 1. Arguments are ignored.\n", NULL};

int main(int argc, char **argv)
{
	util_start(&program);
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		util_help(1);
	return 1;
}
