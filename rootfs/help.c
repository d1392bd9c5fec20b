/* help [PROGRAM]: lists the programs in /bin, or shows one's --help. */
#include "util.h"

static const struct util_program program = {
    "help", "[PROGRAM]",
    "Lists the programs in /bin, which the shell runs by their names, and the commands\n"
    "built into the shell. With PROGRAM, runs PROGRAM --help instead.\n",
    NULL};

/*
 * The shell's builtins, as its own help names them (rootfs/sh/exec.c; the
 * shell runs this program for "help" when $PATH has it).
 * tests/integration/help_builtins.sh checks that the two lists agree.
 */
static const char builtins[] = "cd pwd exit export unset jobs fg wait kill :";

/* The programs: executable files. */
static bool program_file(const struct archk_dirent *d)
{
	return d->kind == ARCHK_KIND_FILE && (d->mode & ARCHK_MODE_EXEC);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	struct util_names n = {0};
	long bin, err;

	util_start(&program);
	if (util_getopt(argc, argv, "") != -1 || argc - util_optind > 1)
		util_usage_error("at most one PROGRAM");
	if (util_optind < argc) {
		char *args[] = {argv[util_optind], "--help", NULL};
		long p = util_spawn(args);

		if (p < 0)
			util_die(1, "%s: %s", argv[util_optind], archk_strerror(p));
		util_exit(util_wait((archk_handle_t)p));
	}
	bin = util_open("/bin", ARCHK_RIGHT_READ);
	err = bin < 0 ? bin : util_dir_names((archk_handle_t)bin, &n, program_file);
	if (err < 0)
		util_die(1, "cannot list /bin: %s", archk_strerror(err));
	qsort(n.names, n.count, sizeof(char *), by_name);
	util_printf("Programs in /bin (help PROGRAM, or PROGRAM --help, tells more):\n");
	util_print_columns(n.names, n.count);
	util_printf("Built into the shell (sh): %s\n", builtins);
	util_exit(0);
}
