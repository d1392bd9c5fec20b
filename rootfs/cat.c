/*
 * Copies each named file (relative names against $PWD), or the "in" handle
 * when none is named, to "out". Exits 1 if a file cannot be opened or read.
 */
#include <archk/runtime.h>
#include "util.h"

/*
 * Copies everything readable from h to out; 0, or the first error. 64 KiB
 * at a time, the most one READ or WRITE of a served object carries: every
 * piece is a round trip to the file's server and to the console driver.
 */
static long copy(archk_handle_t h, archk_handle_t out)
{
	static char buf[ARCHK_TABLE_DATA_MAX];
	long n;

	while ((n = archk_read(h, buf, sizeof(buf))) > 0) {
		long w = util_write_all(out, buf, (size_t)n);

		if (w < 0)
			return w;
	}
	return n;
}

int main(int argc, char **argv)
{
	archk_handle_t out = archk_handle_named("out");
	int status = 0;

	if (argc == 1)
		return copy(archk_handle_named("in"), out) < 0;
	for (int i = 1; i < argc; i++) {
		long h = archk_open_path(argv[i], ARCHK_RIGHT_READ);
		long err = h < 0 ? h : copy((archk_handle_t)h, out);

		if (err < 0) {
			archk_dprintf(archk_handle_named("err"), "cat: %s: %s\n", argv[i],
				      archk_strerror(err));
			status = 1;
		}
		if (h > 0)
			archk_handle_close((archk_handle_t)h);
	}
	return status;
}
