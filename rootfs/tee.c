/* tee [-a] [FILE...]: copies the input to out and to each FILE. */
#include "util.h"

#define FILES_MAX 16

static const struct util_program program = {
    "tee", "[-a] [FILE...]",
    "Copies the input to out and to each FILE, created (or emptied) first. A FILE that\n"
    "cannot be written is reported and left out; the copy goes on (exit status 1).\n"
    "The store is read-only: FILEs need a writable directory such as a home.\n",
    "  -a   append to the FILEs instead of emptying them\n"};

/*
 * Creates path for writing, emptied unless appending: CREATE of its last
 * component on its directory (opened as util_open does, so against $PWD).
 * A handle or an error.
 */
static long create(const char *path, bool append)
{
	uint64_t how = ARCHK_RIGHT_WRITE | ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER;
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	char dir[ARCHK_PATH_MAX + 1];
	long d, h;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	if ((d = util_open(dir, ARCHK_RIGHTS_SAME)) < 0)
		return d;
	if (!append)
		how |= ARCHK_CREATE_TRUNCATE;
	h = archk_do_io(ARCHK_IO_CREATE, (archk_handle_t)d, (long)name, (long)strlen(name),
			(long)how, 0);
	archk_handle_close((archk_handle_t)d);
	if (h >= 0 && append) {
		long end = archk_seek((archk_handle_t)h, 0, ARCHK_SEEK_END);

		if (end < 0) {
			archk_handle_close((archk_handle_t)h);
			return end;
		}
	}
	return h;
}

int main(int argc, char **argv)
{
	archk_handle_t files[FILES_MAX];
	const char *names[FILES_MAX];
	int c, count = 0, status = 0;
	bool append = false;
	char buf[4096];
	long n;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "a")) != -1)
		append = true;
	if (argc - util_optind > FILES_MAX)
		util_usage_error("at most %d FILEs", FILES_MAX);
	for (int i = util_optind; i < argc; i++) {
		long h = create(argv[i], append);

		if (h < 0) {
			util_warn("%s: %s", argv[i], archk_strerror(h));
			status = 1;
			continue;
		}
		names[count] = argv[i];
		files[count++] = (archk_handle_t)h;
	}
	while ((n = archk_read(util_in, buf, sizeof(buf))) > 0) {
		util_write(buf, (size_t)n);
		util_flush();
		for (int i = 0; i < count; i++) {
			long err = files[i] ? util_write_all(files[i], buf, (size_t)n) : 0;

			if (err < 0) {
				util_warn("%s: %s", names[i], archk_strerror(err));
				archk_handle_close(files[i]);
				files[i] = 0;
				status = 1;
			}
		}
	}
	if (n < 0) {
		util_warn("reading the input: %s", archk_strerror(n));
		status = 1;
	}
	for (int i = 0; i < count; i++)
		if (files[i])
			archk_handle_close(files[i]);
	util_exit(status);
}
