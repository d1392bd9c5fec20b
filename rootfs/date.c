/* date [-u] [-d @SECONDS] [+FORMAT]: prints the date and time, in UTC. */
#include "util.h"

static const struct util_program program = {
    "date", "[-u] [-d @SECONDS] [+FORMAT]",
    "Prints the current date and time (the host's realtime clock), or the time\n"
    "given with -d, in UTC, by default as \"%a %b %e %H:%M:%S %Z %Y\". FORMAT takes\n"
    "%Y %y %m %d %e %H %M %S %j %a %A %b %B %s (seconds since 1970) %N (nanoseconds)\n"
    "%T %F %D %R %Z %n %t %%.\n",
    "  -d @SECONDS   show that time (seconds since 1970-01-01 00:00:00 UTC)\n"
    "  -u            UTC (always the case: archk has no time zones)\n"};

int main(int argc, char **argv)
{
	int64_t ns = archk_clock_get(ARCHK_CLOCK_REALTIME);
	const char *format = "%a %b %e %H:%M:%S %Z %Y";
	char text[1024];
	long seconds;
	int c;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "ud:")) != -1) {
		if (c != 'd')
			continue;
		if (util_optarg[0] != '@' || util_parse_long(util_optarg + 1, &seconds) < 0 ||
		    seconds > INT64_MAX / 1000000000 || seconds < INT64_MIN / 1000000000)
			util_usage_error("-d takes @SECONDS, not '%s'", util_optarg);
		ns = (int64_t)seconds * 1000000000;
	}
	if (util_optind < argc) {
		if (argv[util_optind][0] != '+' || util_optind + 1 < argc)
			util_usage_error("'%s': give the format as one +FORMAT", argv[util_optind]);
		format = argv[util_optind] + 1;
	}
	util_strftime(text, sizeof(text), format, ns);
	util_printf("%s\n", text);
	util_exit(0);
}
