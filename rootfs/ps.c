/* ps: the processes of the process table. */
#include "util.h"

static const struct util_program program = {
    "ps", "",
    "Lists the processes of the process table (the \"process\" handle, which needs\n"
    "READ): id, the id of the process that spawned it, state, threads, CPU time used,\n"
    "time since it started and name. A state is run (on a vCPU), ready (waiting for\n"
    "one), wait (waiting for something else), stop (held by a debugger) or exit\n"
    "(ended; listed while someone holds a handle to it).\n",
    NULL};

static const char *const states[] = {"?", "run", "ready", "wait", "stop", "exit"};

/* h:mm:ss for ns. */
static void format_elapsed(char *buf, size_t size, int64_t ns)
{
	int64_t s = ns / 1000000000;

	snprintf(buf, size, "%ld:%02ld:%02ld", (long)(s / 3600), (long)(s / 60 % 60),
		 (long)(s % 60));
}

static long print(const struct archk_process_record *r, void *now)
{
	char cpu[32], elapsed[32];

	util_format_seconds(cpu, sizeof(cpu), (int64_t)r->cpu_ns);
	format_elapsed(elapsed, sizeof(elapsed), *(int64_t *)now - r->start_ns);
	util_printf("%5lu %5lu %-5s %3u %9s %9s %s\n", (unsigned long)r->koid,
		    (unsigned long)r->parent, r->state < 6 ? states[r->state] : "?", r->threads,
		    cpu, elapsed, r->name);
	return 0;
}

int main(int argc, char **argv)
{
	int64_t now = archk_clock_get(ARCHK_CLOCK_MONOTONIC);
	long err;

	util_start(&program);
	if (util_getopt(argc, argv, "") != -1 || util_optind < argc)
		util_usage_error("no arguments expected");
	util_printf("%5s %5s %-5s %3s %9s %9s %s\n", "PID", "PPID", "STATE", "THR", "CPU",
		    "ELAPSED", "NAME");
	if ((err = util_each_process(print, &now)) < 0)
		util_die(1, "cannot read the process table: %s", archk_strerror(err));
	util_exit(0);
}
