/*
 * read_shm [-t] [-n PASSES] [PATH]: level 3 of docs/io-levels.md. Asks the
 * file server for the memory that holds the file (OPEN "vmo" on its object
 * answers with a read-only VMO handle) and maps it: the data is read in
 * place, never copied. Each pass asks, maps, reads and unmaps, so it pays
 * one request and one mapping per file, not per 4 KiB. With -k it keeps
 * the first mapping: later passes only read memory (what a reader that
 * stays attached to a server's shared memory pays).
 */
#include "levels.h"

static archk_handle_t file;
static long size, map_len;
static void *map;
static int keep;

static long pass(const void **data)
{
	if (keep && map) {
		*data = map;
		return size;
	}
	long vmo = archk_open(file, "vmo", ARCHK_RIGHT_READ | ARCHK_RIGHT_MAP);
	long addr;

	if (vmo < 0)
		return vmo;
	addr = archk_vmo_map((archk_handle_t)vmo, 0, (size_t)map_len, ARCHK_PROT_READ);
	archk_handle_close((archk_handle_t)vmo); /* the mapping keeps the memory */
	if (addr < 0)
		return addr;
	map = (void *)addr;
	*data = map;
	return size;
}

static void done(void)
{
	if (!keep) {
		archk_vmo_unmap(map, (size_t)map_len);
		map = NULL;
	}
}

int main(int argc, char **argv)
{
	struct levels l = {.name = "read_shm", .pass = pass, .done = done, .flag = "-k"};
	long h;

	levels_args(&l, argc, argv);
	keep = l.flag_set;
	if ((h = levels_connect(l.path)) < 0)
		return levels_fail(&l, "fileserver", h);
	file = (archk_handle_t)h;
	if ((size = levels_size(file)) < 0)
		return levels_fail(&l, "GET_META", size);
	map_len = (size + 4095) & ~4095l;
	if (map_len == 0)
		map_len = 4096;
	return levels_run(&l);
}
