/* time PROGRAM [ARG...]: runs a program and reports the time it took. */
#include "util.h"

static const struct util_program program = {
    "time", "PROGRAM [ARG...]",
    "Runs PROGRAM (a bare name means /bin/PROGRAM), waits for it and prints on err\n"
    "the real time it took and the CPU time its threads used (from the process\n"
    "table, which lists an ended process while time still holds it; \"?\" when the\n"
    "table does not list it). Exits with PROGRAM's status: 127 if it was not found,\n"
    "126 if it could not be run.\n",
    NULL};

int main(int argc, char **argv)
{
	struct archk_process_record record;
	char real[32], cpu[32] = "?";
	int64_t start;
	int status;
	long p;

	util_start(&program);
	if (util_getopt(argc, argv, "") != -1 || util_optind == argc)
		util_usage_error("no PROGRAM given");
	start = archk_clock_get(ARCHK_CLOCK_MONOTONIC);
	p = util_spawn(argv + util_optind);
	if (p < 0)
		util_die(p == ARCHK_ERR_NOT_FOUND ? 127 : 126, "%s: %s", argv[util_optind],
			 archk_strerror(p));
	status = util_wait((archk_handle_t)p);
	util_format_seconds(real, sizeof(real), archk_clock_get(ARCHK_CLOCK_MONOTONIC) - start);
	struct archk_handle_info info;
	if (archk_handle_info((archk_handle_t)p, &info) == 0 &&
	    util_process_record(info.koid, &record) == 0) {
		util_format_seconds(cpu, sizeof(cpu), (int64_t)record.cpu_ns);
	}
	archk_handle_close((archk_handle_t)p);
	util_flush();
	archk_dprintf(util_err, "real %ss\ncpu  %ss\n", real, cpu);
	util_exit(status);
}
