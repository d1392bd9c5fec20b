/* rm [-rf] PATH...: removes files and directories. */
#include "util.h"

static const struct util_program program = {
    "rm", "[-rf] PATH...",
    "Removes each file or empty directory PATH (relative to $PWD) from a writable\n"
    "part of the namespace: the home (/home) or a share (/share/NAME). The store\n"
    "is read-only (READ_ONLY); a directory with entries is NOT_EMPTY without -r.\n",
    "  -r   remove directories and everything below them, depth-first\n"
    "  -f   no error for a PATH that does not exist\n"};

int main(int argc, char **argv)
{
	bool recursive = false, force = false;
	int c, status = 0;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "rfR")) != -1) {
		recursive |= c == 'r' || c == 'R';
		force |= c == 'f';
	}
	if (util_optind == argc && !force)
		util_usage_error("no PATH given");
	for (int i = util_optind; i < argc; i++) {
		char *full = util_absolute(argv[i]);
		struct archk_meta meta;
		long h = 0;

		if (full && strcmp(full, "/") == 0) {
			util_warn("%s: refusing to remove the root", argv[i]);
			status = 1;
		} else if (force && (h = util_open_meta(argv[i], &meta)) == ARCHK_ERR_NOT_FOUND) {
			/* nothing to remove */
		} else {
			if (force && h >= 0)
				archk_handle_close((archk_handle_t)h);
			status |= util_remove_tree(argv[i], recursive) < 0;
		}
		free(full);
	}
	util_exit(status);
}
