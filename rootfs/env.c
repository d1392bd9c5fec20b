/* env [-i] [-u NAME]... [NAME=VALUE]... [PROGRAM [ARG...]]: shows or sets the environment. */
#include "util.h"

#define VARS_MAX 256

static const struct util_program program = {
    "env", "[-i] [-u NAME]... [NAME=VALUE]... [PROGRAM [ARG...]]",
    "Without a PROGRAM, prints the environment, one NAME=VALUE a line, after the\n"
    "changes given. With one, runs PROGRAM (a bare name means /bin/PROGRAM) with\n"
    "that environment and exits with its status: 127 if it was not found, 126 if\n"
    "it could not be run.\n",
    "  -i        start from an empty environment\n"
    "  -u NAME   remove NAME\n"};

static char *vars[VARS_MAX + 1];
static int count;

/* Length of the NAME part of an entry (up to '=' or the end). */
static size_t name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* Removes the entry named like the NAME part of entry. */
static void unset(const char *entry)
{
	size_t n = name_len(entry);

	for (int i = 0; i < count; i++)
		if (name_len(vars[i]) == n && strncmp(vars[i], entry, n) == 0) {
			memmove(&vars[i], &vars[i + 1], (size_t)(count - i) * sizeof(vars[0]));
			count--;
			return;
		}
}

static void set(char *entry)
{
	unset(entry);
	if (count == VARS_MAX)
		util_die(1, "more than %d variables", VARS_MAX);
	vars[count++] = entry;
	vars[count] = NULL;
}

int main(int argc, char **argv)
{
	const char *removed[VARS_MAX];
	int c, removed_count = 0;
	bool empty = false;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "iu:")) != -1) {
		if (c == 'i')
			empty = true;
		else if (removed_count < VARS_MAX)
			removed[removed_count++] = util_optarg;
	}
	for (char **e = archk_environ; !empty && e && *e; e++)
		set(*e);
	for (int i = 0; i < removed_count; i++)
		unset(removed[i]);
	for (; util_optind < argc && strchr(argv[util_optind], '='); util_optind++) {
		if (argv[util_optind][0] == '=')
			util_usage_error("'%s' has no NAME", argv[util_optind]);
		set(argv[util_optind]);
	}
	if (util_optind == argc) {
		for (int i = 0; i < count; i++)
			util_printf("%s\n", vars[i]);
		util_exit(0);
	}
	archk_environ = vars;
	long p = util_spawn(argv + util_optind);
	if (p < 0)
		util_die(p == ARCHK_ERR_NOT_FOUND ? 127 : 126, "%s: %s", argv[util_optind],
			 archk_strerror(p));
	util_exit(util_wait((archk_handle_t)p));
}
