/* sleep DURATION...: waits for the sum of the DURATIONs. */
#include "util.h"

static const struct util_program program = {
    "sleep", "DURATION...",
    "Waits for the sum of the DURATIONs: a number of seconds, which may have a fraction\n"
    "(0.25), and a unit: s (seconds, the default), m (minutes), h (hours) or d (days).\n",
    NULL};

int main(int argc, char **argv)
{
	int64_t total = 0, ns;

	util_start(&program);
	while (util_getopt(argc, argv, "") != -1)
		;
	if (util_optind == argc)
		util_usage_error("no duration given");
	for (int i = util_optind; i < argc; i++) {
		if (util_parse_duration(argv[i], &ns) < 0)
			util_usage_error("'%s' is not a duration", argv[i]);
		total += ns;
	}
	archk_sleep_until(archk_clock_get(ARCHK_CLOCK_MONOTONIC) + total);
	return 0;
}
