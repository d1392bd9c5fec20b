/*
 * read_direct [-t] [-n PASSES] [PATH]: level 4 of docs/io-levels.md. The
 * reader holds the store file itself and reads it with one do_io READ per
 * 4 KiB, straight from archk: no server process in the path. This is what a
 * server hands out when it moves a real handle to its client (fproxy's OPEN
 * does exactly that).
 */
#include "levels.h"

static archk_handle_t file;
static char *buf;
static long size;

static long pass(const void **data)
{
	*data = buf;
	return levels_pread_all(file, buf, size);
}

int main(int argc, char **argv)
{
	struct levels l = {.name = "read_direct", .pass = pass};
	long h;

	levels_args(&l, argc, argv);
	h = archk_open(archk_handle_named("root"), l.path,
		       ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
	if (h < 0)
		return levels_fail(&l, l.path, h);
	file = (archk_handle_t)h;
	if ((size = levels_size(file)) < 0)
		return levels_fail(&l, "GET_META", size);
	if (!(buf = malloc((size_t)size + 1)))
		return levels_fail(&l, "malloc", ARCHK_ERR_NO_MEMORY);
	return levels_run(&l);
}
