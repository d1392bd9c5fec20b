/* sleep SECONDS: waits that long; SECONDS may have a fraction, e.g. 0.25. */
#include <archk/runtime.h>

int main(int argc, char **argv)
{
	const char *s = argc == 2 ? argv[1] : "";
	int64_t seconds = 0, ns = 0, unit = 1000000000;

	for (; *s >= '0' && *s <= '9' && seconds < 1000000; s++)
		seconds = seconds * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			if (unit > 1) {
				unit /= 10;
				ns += (*s - '0') * unit;
			}
	if (argc != 2 || *s || argv[1][0] == '.' || argv[1][0] == '\0') {
		archk_dprintf(archk_handle_named("err"), "usage: sleep SECONDS\n");
		return 2;
	}
	archk_sleep_until(archk_clock_get(ARCHK_CLOCK_MONOTONIC) + seconds * 1000000000 + ns);
	return 0;
}
