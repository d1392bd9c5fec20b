/* uptime: how long the system has been up, and how many processes it runs. */
#include "util.h"

static const struct util_program program = {
    "uptime", "",
    "Prints the time (UTC), how long the system has been up (since the first\n"
    "process of the process table started: init, started at boot) and\n"
    "how many processes the table lists.\n",
    NULL};

struct census {
	int64_t first_start;
	int processes;
};

static long count(const struct archk_process_record *r, void *arg)
{
	struct census *c = arg;

	if (c->processes++ == 0 || r->start_ns < c->first_start)
		c->first_start = r->start_ns;
	return 0;
}

int main(int argc, char **argv)
{
	struct census c = {0};
	char clock[16];
	int64_t up;
	long err;

	util_start(&program);
	if (util_getopt(argc, argv, "") != -1 || util_optind < argc)
		util_usage_error("no arguments expected");
	if ((err = util_each_process(count, &c)) < 0)
		util_die(1, "cannot read the process table: %s", archk_strerror(err));
	up = (archk_clock_get(ARCHK_CLOCK_MONOTONIC) - c.first_start) / 1000000000;
	util_strftime(clock, sizeof(clock), "%T", archk_clock_get(ARCHK_CLOCK_REALTIME));
	util_printf("%s up ", clock);
	if (up >= 86400)
		util_printf("%ld day%s, ", (long)(up / 86400), up >= 2 * 86400 ? "s" : "");
	util_printf("%ld:%02ld:%02ld, %d process%s\n", (long)(up % 86400 / 3600),
		    (long)(up % 3600 / 60), (long)(up % 60), c.processes,
		    c.processes == 1 ? "" : "es");
	util_exit(0);
}
