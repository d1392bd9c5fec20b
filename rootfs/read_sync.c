/*
 * read_sync [-t] [-n PASSES] [PATH]: level 1 of docs/io-levels.md. Reads a
 * file served by fileserver with one synchronous do_io READ per 4 KiB: each
 * READ traps into archk, waits while the server receives and answers it,
 * and returns with the data copied into our buffer.
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
	struct levels l = {.name = "read_sync", .pass = pass};
	long h;

	levels_args(&l, argc, argv);
	if ((h = levels_connect(l.path)) < 0)
		return levels_fail(&l, "fileserver", h);
	file = (archk_handle_t)h;
	if ((size = levels_size(file)) < 0)
		return levels_fail(&l, "GET_META", size);
	if (!(buf = malloc((size_t)size + 1)))
		return levels_fail(&l, "malloc", ARCHK_ERR_NO_MEMORY);
	return levels_run(&l);
}
