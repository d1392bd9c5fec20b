/* tail [-n [+]N | -N] [-c [+]N] [FILE...]: the last lines or bytes of each input. */
#include "util.h"

static const struct util_program program = {
    "tail", "[-n [+]N | -N] [-c [+]N] [FILE...]",
    "Prints the last 10 lines (or N lines, or N bytes) of each FILE, or of the input;\n"
    "with +N, everything from line (or byte) N on. With more than one FILE, each is\n"
    "headed by \"==> FILE <==\". - names the input.\n",
    "  -n N, -N   print the last N lines; -n +N: from line N on\n"
    "  -c N       print the last N bytes; -c +N: from byte N on\n"};

static long count = 10;
static bool bytes, from_start;

/* Everything after the first skip lines or bytes. */
static long copy_from(struct util_input *in, long skip)
{
	char buf[4096], *line;
	long n;

	if (bytes) {
		while ((n = util_read(in, buf, sizeof(buf))) > 0) {
			long drop = skip < n ? skip : n;

			skip -= drop;
			util_write(buf + drop, (size_t)(n - drop));
		}
		return n;
	}
	while ((n = util_getline(in, &line)) > 0)
		if (skip > 0)
			skip--;
		else
			util_write(line, (size_t)n);
	return n;
}

/*
 * Room for slot i of a ring that holds the last count items of size bytes:
 * it grows by doubling until it holds count, then items wrap around.
 */
static void *ring_slot(void **ring, uint64_t *cap, uint64_t i, size_t size)
{
	if (i == *cap && *cap < (uint64_t)count) {
		uint64_t grown = *cap ? *cap * 2 : 64;
		void *p;

		if (grown > (uint64_t)count)
			grown = (uint64_t)count;
		if (!(p = realloc(*ring, grown * size)))
			return NULL;
		memset((char *)p + *cap * size, 0, (grown - *cap) * size);
		*ring = p;
		*cap = grown;
	}
	return (char *)*ring + (i % *cap) * size;
}

/* The last count bytes. */
static long last_bytes(struct util_input *in)
{
	void *ring = NULL;
	uint64_t cap = 0, seen = 0;
	char buf[4096], *slot;
	long n = 0;

	while (count > 0 && n >= 0 && (n = util_read(in, buf, sizeof(buf))) > 0)
		for (long i = 0; i < n; i++, seen++) {
			if (!(slot = ring_slot(&ring, &cap, seen, 1))) {
				n = ARCHK_ERR_NO_MEMORY;
				break;
			}
			*slot = buf[i];
		}
	for (uint64_t i = seen > cap ? seen - cap : 0; n == 0 && i < seen; i++)
		util_putc(((char *)ring)[i % cap]);
	free(ring);
	return n;
}

/* The last count lines, copied. */
static long last_lines(struct util_input *in)
{
	void *ring = NULL;
	uint64_t cap = 0, seen = 0;
	char **slot, *line;
	long n = 0;

	while (count > 0 && (n = util_getline(in, &line)) > 0) {
		if (!(slot = ring_slot(&ring, &cap, seen++, sizeof(char *)))) {
			n = ARCHK_ERR_NO_MEMORY;
			break;
		}
		free(*slot);
		if (!(*slot = strdup(line))) {
			n = ARCHK_ERR_NO_MEMORY;
			break;
		}
	}
	for (uint64_t i = seen > cap ? seen - cap : 0; n == 0 && i < seen; i++)
		util_puts(((char **)ring)[i % cap]);
	for (uint64_t i = 0; i < cap; i++)
		free(((char **)ring)[i]);
	free(ring);
	return n;
}

static long copy_tail(struct util_input *in, void *arg)
{
	int *files = arg;
	long n;

	if (files[0] > 1)
		util_printf("%s==> %s <==\n", files[1]++ ? "\n" : "", in->name);
	if (from_start)
		n = copy_from(in, count > 0 ? count - 1 : 0);
	else
		n = bytes ? last_bytes(in) : last_lines(in);
	return n < 0 ? n : 0;
}

int main(int argc, char **argv)
{
	int c, files[2] = {0, 0}; /* operands, inputs done */

	util_start(&program);
	while ((c = util_getopt(argc, argv, "n:c:#")) != -1) {
		const char *text = util_optarg;

		bytes = c == 'c';
		from_start = text[0] == '+';
		count = util_number_arg(bytes ? "-c" : "-n", text + from_start, 0, LONG_MAX);
	}
	files[0] = argc - util_optind;
	util_exit(util_each_input(files[0], argv + util_optind, copy_tail, files));
}
