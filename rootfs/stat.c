/* stat PATH...: what an object is: kind, size, mode, times, koid. */
#include "util.h"

static const struct util_program program = {
    "stat", "PATH...",
    "Prints what GET_META says of each PATH (relative to $PWD): its kind, size\n"
    "(bytes of a file; a directory's entries, or for the store's the files below\n"
    "it), mode (r, w unless read-only, x if executable), the times of its last\n"
    "change of data (modified) and of metadata (changed) in UTC where its server\n"
    "keeps them, and its koid.\n",
    NULL};

static const char *const kinds[] = {"other", "file", "directory", "stream", "block device"};

static void print_time(const char *label, int64_t ns)
{
	char when[64] = "-";

	if (ns)
		util_strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S.%N UTC", ns);
	util_printf("%-9s %s\n", label, when);
}

static void print(const char *path, const struct archk_meta *m)
{
	bool dir = m->kind == ARCHK_KIND_DIR;

	util_printf("path:     %s\n", path);
	util_printf("kind:     %s\n", m->kind < 5 ? kinds[m->kind] : kinds[0]);
	util_printf("size:     %lu\n", (unsigned long)m->size);
	util_printf("mode:     r%c%c\n", m->flags & ARCHK_META_READ_ONLY ? '-' : 'w',
		    dir || (m->mode & ARCHK_MODE_EXEC) ? 'x' : '-');
	print_time("modified:", m->mtime);
	print_time("changed:", m->ctime);
	util_printf("koid:     %lu\n", (unsigned long)m->koid);
}

static long stat_one(const char *path)
{
	struct archk_meta meta;
	long h = util_open_meta(path, &meta);

	if (h < 0)
		return h;
	archk_handle_close((archk_handle_t)h);
	print(path, &meta);
	return 0;
}

int main(int argc, char **argv)
{
	util_start(&program);
	util_getopt(argc, argv, "");
	util_exit(util_each_path(argc - util_optind, argv + util_optind, "PATH", stat_one));
}
