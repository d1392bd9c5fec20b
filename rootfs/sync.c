/* sync [PATH...]: makes what was written durable. */
#include "util.h"

static const struct util_program program = {
    "sync", "[PATH...]",
    "Sends SYNC to what each PATH names (relative to $PWD): once sync exits, what\n"
    "was written there is durable (a file: its data; a directory of the home: the\n"
    "whole home). Without PATH: the home (/home) and every share (/share/NAME)\n"
    "there is. The store has nothing to sync (NOT_SUPPORTED).\n",
    NULL};

/* util_sync_path, reported: 0 or 1. */
static int sync_one(const char *path)
{
	char *paths[] = {(char *)path};

	return util_each_path(1, paths, "PATH", util_sync_path);
}

/* /home if it is there, and each /share/NAME. */
static int sync_all(void)
{
	struct util_names names = {0};
	long shares = util_open("/share", ARCHK_RIGHT_READ);
	int status = util_is_dir("/home") == 1 ? sync_one("/home") : 0;

	long err = shares < 0 ? 0 : util_dir_names((archk_handle_t)shares, &names, NULL);

	if (err < 0) {
		util_warn("/share: %s", archk_strerror(err));
		status = 1;
	}
	if (shares >= 0)
		archk_handle_close((archk_handle_t)shares);
	for (size_t i = 0; i < names.count; i++) {
		char *path = util_join("/share", names.names[i]);

		status |= path ? sync_one(path) : 1;
		free(path);
	}
	util_names_free(&names);
	return status;
}

int main(int argc, char **argv)
{
	util_start(&program);
	util_getopt(argc, argv, "");
	if (util_optind == argc)
		util_exit(sync_all());
	util_exit(util_each_path(argc - util_optind, argv + util_optind, "PATH", util_sync_path));
}
