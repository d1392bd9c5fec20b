/* mkdir [-p] DIR...: makes directories. */
#include "util.h"

static const struct util_program program = {
    "mkdir", "[-p] DIR...",
    "Makes each DIR (relative to $PWD) in a writable part of the namespace: the\n"
    "home (/home) or a share (/share/NAME). The store is read-only (READ_ONLY).\n",
    "  -p   make missing parents too; a DIR that exists is no error\n"};

/*
 * CREATE of path as a directory: 0 or the error. With parents a directory
 * that exists is no error, whatever CREATE answered (the store says EXISTS
 * for its own directories, a mount's own path is not a server's to create).
 */
static long make(const char *path, bool parents)
{
	uint64_t how = ARCHK_CREATE_DIR | ARCHK_RIGHT_GET_PROPERTY;
	long h = util_at_path(ARCHK_IO_CREATE, path, parents ? how : how | ARCHK_CREATE_EXCL);

	if (h < 0 && parents && util_is_dir(path) == 1)
		return 0;
	if (h >= 0)
		archk_handle_close((archk_handle_t)h);
	return h < 0 ? h : 0;
}

/* make for each prefix of path ending at a '/', then path itself. */
static long make_parents(const char *path)
{
	char *full = util_absolute(path);
	long err = full ? 0 : ARCHK_ERR_NO_MEMORY;

	for (char *slash = full ? strchr(full + 1, '/') : NULL; slash && err == 0;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		err = make(full, true);
		*slash = '/';
	}
	free(full);
	return err < 0 ? err : make(path, true);
}

static long make_one(const char *path)
{
	return make(path, false);
}

int main(int argc, char **argv)
{
	bool parents = false;

	util_start(&program);
	while (util_getopt(argc, argv, "p") != -1)
		parents = true;
	util_exit(util_each_path(argc - util_optind, argv + util_optind, "DIR",
				 parents ? make_parents : make_one));
}
