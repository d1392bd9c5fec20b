/* hexdump [-Cv] [FILE...]: the bytes of the inputs in hexadecimal and as text. */
#include "util.h"

static const struct util_program program = {
    "hexdump", "[-Cv] [FILE...]",
    "Shows the bytes of the FILEs (or of the input), one after another, 16 a line:\n"
    "the offset, the bytes in hexadecimal and, between | |, the printable ones as\n"
    "text (the canonical format of hexdump -C, which is the only one). A run of\n"
    "lines equal to the one before is shown as one \"*\". The last line is the\n"
    "total length.\n",
    "  -C   the canonical format (the default, accepted for habit's sake)\n"
    "  -v   show every line, also repeated ones\n"};

static struct {
	unsigned char line[16], previous[16];
	size_t fill;	 /* bytes in line */
	uint64_t offset; /* of line[0] */
	bool have_previous, squeezing, verbose;
} dump;

static void print_line(void)
{
	util_printf("%08lx ", (unsigned long)dump.offset);
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			util_putc(' ');
		if (i < dump.fill)
			util_printf(" %02x", dump.line[i]);
		else
			util_puts("   ");
	}
	util_puts("  |");
	for (size_t i = 0; i < dump.fill; i++)
		util_putc(isprint(dump.line[i]) ? (char)dump.line[i] : '.');
	util_puts("|\n");
}

/* A full line: printed, or folded into a "*" when it repeats the one before. */
static void finish_line(void)
{
	bool repeat = dump.have_previous && memcmp(dump.line, dump.previous, 16) == 0;

	if (repeat && !dump.verbose) {
		if (!dump.squeezing)
			util_puts("*\n");
		dump.squeezing = true;
	} else {
		print_line();
		dump.squeezing = false;
	}
	memcpy(dump.previous, dump.line, 16);
	dump.have_previous = true;
	dump.offset += 16;
	dump.fill = 0;
}

static long take(struct util_input *in, void *arg)
{
	unsigned char buf[4096];
	long n;

	while ((n = util_read(in, buf, sizeof(buf))) > 0)
		for (long i = 0; i < n; i++) {
			dump.line[dump.fill++] = buf[i];
			if (dump.fill == 16)
				finish_line();
		}
	return n;
}

int main(int argc, char **argv)
{
	int c, status;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "Cv")) != -1)
		dump.verbose |= c == 'v';
	status = util_each_input(argc - util_optind, argv + util_optind, take, NULL);
	if (dump.fill > 0)
		print_line();
	if (dump.offset + dump.fill > 0)
		util_printf("%08lx\n", (unsigned long)(dump.offset + dump.fill));
	util_exit(status);
}
