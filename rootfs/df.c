/* df [PATH...]: the space of the home (or of the filesystem holding each PATH). */
#include "util.h"

static const struct util_program program = {
    "df", "[PATH...]",
    "Prints the space of the filesystem holding each PATH (default: the home,\n"
    "/home): its size, the space used and free in KiB, how full it is, and its\n"
    "files and directories. The filesystem's server must keep a count (homefs\n"
    "does; the store and shares do not: NOT_SUPPORTED).\n",
    NULL};

/* The usage of the filesystem holding directory path: 0, NOT_DIR for a file, or an error. */
static long usage_of(const char *path, struct archk_fs_usage *u)
{
	struct archk_meta meta;
	long h = util_open_meta(path, &meta), n;

	if (h < 0)
		return h;
	if (meta.kind != ARCHK_KIND_DIR) {
		archk_handle_close((archk_handle_t)h);
		return ARCHK_ERR_NOT_DIR;
	}
	n = archk_pread((archk_handle_t)h, u, sizeof(*u), ARCHK_IO_OFFSET_USAGE);
	archk_handle_close((archk_handle_t)h);
	if (n < 0 && n != ARCHK_ERR_INVALID_ARGS)
		return n;
	return n == sizeof(*u) && u->block_bytes ? 0 : ARCHK_ERR_NOT_SUPPORTED;
}

int main(int argc, char **argv)
{
	static char *home[] = {"/home"};
	char **paths;
	struct archk_fs_usage u;
	int count, status = 0;

	util_start(&program);
	util_getopt(argc, argv, "");
	count = argc - util_optind;
	paths = count ? argv + util_optind : home;
	count = count ? count : 1;
	util_printf("%10s %10s %10s %4s %8s %8s %s\n", "1K-blocks", "Used", "Available", "Use%",
		    "Files", "Dirs", "Path");
	for (int i = 0; i < count; i++) {
		long err = usage_of(paths[i], &u);
		uint64_t kib = u.block_bytes / 1024, used = u.blocks - u.free_blocks;

		if (err < 0) {
			util_warn("%s: %s", paths[i], archk_strerror(err));
			status = 1;
			continue;
		}
		util_printf("%10lu %10lu %10lu %3lu%% %8lu %8lu %s\n",
			    (unsigned long)(u.blocks * kib), (unsigned long)(used * kib),
			    (unsigned long)(u.free_blocks * kib),
			    (unsigned long)(u.blocks ? (used * 100 + u.blocks - 1) / u.blocks : 0),
			    (unsigned long)u.files, (unsigned long)u.dirs, paths[i]);
	}
	util_exit(status);
}
