/* cp [-r] SRC... DEST: copies files and trees. */
#include "util.h"

static const struct util_program program = {
    "cp", "[-r] SRC... DEST",
    "Copies the file SRC to DEST, or each SRC into the directory DEST under its own\n"
    "name (relative paths against $PWD). Anything readable is a SRC: the store, the\n"
    "home (/home), a share (/share/NAME); DEST must be writable. Each file copied is\n"
    "synced, so a copy into the home is durable once cp has exited.\n",
    "  -r   copy directories and everything below them\n"};

static bool recursive;

static long copy(const char *from, const char *to)
{
	return util_copy_tree(from, to, recursive);
}

int main(int argc, char **argv)
{
	int c;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "rR")) != -1)
		recursive = true;
	util_exit(util_each_target(argc - util_optind, argv + util_optind, copy));
}
