/* touch FILE...: makes files, or marks existing ones changed. */
#include "util.h"

static const struct util_program program = {
    "touch", "FILE...",
    "Makes each FILE (relative to $PWD) that does not exist, empty. For one that\n"
    "exists, sets its time of last change to now where its server keeps one (a\n"
    "SET_META that keeps its size: the home, shares); elsewhere (the store, a\n"
    "directory) it is left as it is.\n",
    NULL};

/* Marks the existing h changed, if its server takes SET_META on it. */
static long mark(archk_handle_t h, const struct archk_meta *meta)
{
	struct archk_handle_info info;
	long err = archk_handle_info(h, &info);

	if (err < 0 || meta->kind != ARCHK_KIND_FILE || !(info.rights & ARCHK_RIGHT_SET_PROPERTY))
		return 0;
	err = archk_do_io(ARCHK_IO_SET_META, h, (long)&meta->size, sizeof(meta->size), 0, 0);
	return err == ARCHK_ERR_NOT_SUPPORTED ? 0 : err;
}

static long touch(const char *path)
{
	struct archk_meta meta;
	long h = util_open_meta(path, &meta), err;

	if (h == ARCHK_ERR_NOT_FOUND) {
		h = util_at_path(ARCHK_IO_CREATE, path, ARCHK_RIGHT_GET_PROPERTY);
		err = 0;
	} else {
		err = h < 0 ? h : mark((archk_handle_t)h, &meta);
	}
	if (h >= 0)
		archk_handle_close((archk_handle_t)h);
	return h < 0 ? h : err;
}

int main(int argc, char **argv)
{
	util_start(&program);
	util_getopt(argc, argv, "");
	util_exit(util_each_path(argc - util_optind, argv + util_optind, "FILE", touch));
}
