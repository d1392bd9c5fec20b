/* kill [-9 | -KILL | -s SIGNAL] PID...: ends processes. */
#include "util.h"

static const struct util_program program = {
    "kill", "[-s SIGNAL | -SIGNAL] PID...",
    "Ends each process PID (an id as ps shows it), found through the process table\n"
    "(the \"process\" handle, which needs ENUMERATE and DESTROY). archk ends a process\n"
    "in one way only, so the signals KILL (9), TERM (15) and INT (2) all do that and\n"
    "no other is known. Job numbers (%N) belong to the shell's own kill.\n",
    "  -s SIGNAL, -SIGNAL   KILL, TERM or INT, by name or number; all end the process\n"};

static void check_signal(const char *name)
{
	static const char *const known[] = {"KILL", "9", "TERM", "15", "INT", "2"};

	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i]) == 0)
			return;
	util_usage_error("unknown signal '%s' (archk knows KILL, TERM and INT)", name);
}

/* Ends process text; 0, or 1 after a message. */
static int end_process(const char *text)
{
	uint64_t koid;
	long h;

	if (util_parse_u64(text, strlen(text), &koid) < 0 || koid == 0) {
		util_warn("%s: not a process id", text);
		return 1;
	}
	h = archk_do_io(ARCHK_IO_OPEN, archk_handle_named("process"), (long)text,
			(long)strlen(text), ARCHK_RIGHT_DESTROY, 0);
	if (h >= 0) {
		long err = archk_process_kill((archk_handle_t)h);

		archk_handle_close((archk_handle_t)h);
		h = err;
	}
	if (h == ARCHK_ERR_NOT_FOUND)
		util_warn("%s: no such process", text);
	else if (h < 0)
		util_warn("%s: %s", text, archk_strerror(h));
	return h < 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	util_start(&program);
	/* -KILL and -9 are options named by their argument: look at them first. */
	if (argc > 1 && argv[1][0] == '-' &&
	    (isupper((unsigned char)argv[1][1]) || (isdigit((unsigned char)argv[1][1])))) {
		check_signal(argv[1] + 1);
		util_optind = 2;
	} else if (util_getopt(argc, argv, "s:") == 's') {
		check_signal(util_optarg);
	}
	if (util_optind == argc)
		util_usage_error("no process id given");
	for (int i = util_optind; i < argc; i++)
		status |= end_process(argv[i]);
	util_exit(status);
}
