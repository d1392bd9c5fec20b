/*
 * read_ring [-t] [-n PASSES] [PATH]: level 2 of docs/io-levels.md. Reads
 * the file served by fileserver through an I/O queue: it writes up to
 * DEPTH READ requests of 4 KiB into the request ring, one ioq_enter submits
 * them all and waits for a completion, and the server finds a batch of
 * requests waiting instead of one at a time.
 */
#include "levels.h"

#define DEPTH 32 /* requests in flight */

static struct archk_ioq q;
static archk_handle_t file;
static char *buf;
static long size;

static long pass(const void **data)
{
	long chunks = (size + LEVELS_CHUNK - 1) / LEVELS_CHUNK;
	long submitted = 0, completed = 0;

	while (completed < chunks) {
		struct archk_io_completion *c;
		struct archk_io_request *r;
		long err;

		while (submitted < chunks && submitted - completed < DEPTH &&
		       (r = archk_ioq_request(&q))) {
			long off = submitted * LEVELS_CHUNK;

			r->op = ARCHK_IO_READ;
			r->handle = file;
			r->buf = (uint64_t)(buf + off);
			r->len = (uint64_t)(size - off < LEVELS_CHUNK ? size - off : LEVELS_CHUNK);
			r->offset = (uint64_t)off;
			r->user_data = (uint64_t)submitted++;
		}
		err =
		    archk_ioq_enter(&q, (uint32_t)(submitted - completed), ARCHK_DEADLINE_INFINITE);
		if (err < 0 && err != ARCHK_ERR_SHOULD_WAIT)
			return err;
		while ((c = archk_ioq_peek(&q))) {
			long off = (long)c->user_data * LEVELS_CHUNK;
			long want = size - off < LEVELS_CHUNK ? size - off : LEVELS_CHUNK;

			err = c->result;
			archk_ioq_seen(&q);
			if (err != want)
				return err < 0 ? err : ARCHK_ERR_IO;
			completed++;
		}
	}
	*data = buf;
	return size;
}

int main(int argc, char **argv)
{
	struct levels l = {.name = "read_ring", .pass = pass};
	long h;

	levels_args(&l, argc, argv);
	if ((h = levels_connect(l.path)) < 0)
		return levels_fail(&l, "fileserver", h);
	file = (archk_handle_t)h;
	if ((size = levels_size(file)) < 0)
		return levels_fail(&l, "GET_META", size);
	/*
	 * Page-aligned, so no two requests in flight share a page (archk
	 * --strict-buffers closes the pages of a buffer while it is in flight).
	 */
	if ((h = archk_mem_map_anon((size_t)size + 1, ARCHK_PROT_READ | ARCHK_PROT_WRITE)) < 0)
		return levels_fail(&l, "mem_map_anon", h);
	buf = (char *)h;
	if ((h = archk_ioq_init(&q, DEPTH, 0)) < 0)
		return levels_fail(&l, "ioq_create", h);
	return levels_run(&l);
}
