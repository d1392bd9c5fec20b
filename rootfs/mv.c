/* mv SRC... DEST: renames, or moves across mounts by copying. */
#include "util.h"

static const struct util_program program = {
    "mv", "SRC... DEST",
    "Renames SRC to DEST, or moves each SRC into the directory DEST under its own\n"
    "name (relative paths against $PWD). Within one part of the namespace (the\n"
    "home, one share) it is one atomic RENAME; across parts (the home and a share)\n"
    "SRC is copied, synced and then removed, as mv does across filesystems.\n",
    NULL};

/* The directory holding path ("." for a bare name): malloc'd, or NULL. */
static char *parent(const char *path)
{
	char *full = util_absolute(path), *slash = full ? strrchr(full, '/') : NULL;

	if (slash)
		slash[slash == full] = '\0';
	return full;
}

/* Syncs the directory holding path, so that the rename there is durable. */
static long sync_parent(const char *path)
{
	char *dir = parent(path);
	long err = dir ? util_sync_path(dir) : ARCHK_ERR_NO_MEMORY;

	free(dir);
	return err == ARCHK_ERR_NOT_SUPPORTED ? 0 : err; /* the store: nothing to sync */
}

static long move(const char *from, const char *to)
{
	long err = util_rename_path(from, to);

	if (err == ARCHK_ERR_NOT_SUPPORTED) {
		/* Across mounts: a copy, durable before the original goes. */
		if ((err = util_copy_tree(from, to, true)) < 0)
			return err;
		if ((err = util_remove_tree(from, true)) < 0)
			return err;
		err = sync_parent(from);
	} else if (err == 0 && (err = sync_parent(to)) == 0) {
		err = sync_parent(from); /* a share's host directories are two */
	}
	if (err < 0)
		util_warn("%s: %s", from, archk_strerror(err));
	return err;
}

int main(int argc, char **argv)
{
	util_start(&program);
	util_getopt(argc, argv, "");
	util_exit(util_each_target(argc - util_optind, argv + util_optind, move));
}
