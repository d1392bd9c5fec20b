/*
 * Calendar time in UTC and durations (util.h). archk has no time zones:
 * every date is printed in UTC.
 */
#include "util.h"

#define NS_PER_S 1000000000LL

static const char *const weekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
				       "Thursday", "Friday", "Saturday"};
static const char *const months[] = {"January",	  "February", "March",	  "April",
				     "May",	  "June",     "July",	  "August",
				     "September", "October",  "November", "December"};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian, any year). */
static void civil_from_days(int64_t days, struct util_tm *tm)
{
	int64_t z = days + 719468, era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int leap;

	tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = (int)(yoe + era * 400 + (tm->month <= 2));
	leap = (tm->year % 4 == 0 && tm->year % 100 != 0) || tm->year % 400 == 0;
	/* doy counts from March 1. */
	tm->yearday = (int)(mp >= 10 ? doy - 306 : doy + 59 + leap);
	tm->weekday = (int)(days + 4 - 7 * floor_div(days + 4, 7)); /* 1970-01-01: a Thursday */
}

void util_gmtime(int64_t seconds, struct util_tm *tm)
{
	int64_t days = floor_div(seconds, 86400), rest = seconds - days * 86400;

	civil_from_days(days, tm);
	tm->hour = (int)(rest / 3600);
	tm->minute = (int)(rest / 60 % 60);
	tm->second = (int)(rest % 60);
}

/* Appends to buf what conversion c of ns and tm gives; false if c is not one. */
static bool convert(char c, int64_t ns, const struct util_tm *tm, char *out, size_t size)
{
	int64_t seconds = floor_div(ns, NS_PER_S);

	switch (c) {
	case 'Y':
		return snprintf(out, size, "%d", tm->year), true;
	case 'y':
		return snprintf(out, size, "%02d", (tm->year % 100 + 100) % 100), true;
	case 'm':
		return snprintf(out, size, "%02d", tm->month), true;
	case 'd':
		return snprintf(out, size, "%02d", tm->day), true;
	case 'e':
		return snprintf(out, size, "%2d", tm->day), true;
	case 'H':
		return snprintf(out, size, "%02d", tm->hour), true;
	case 'M':
		return snprintf(out, size, "%02d", tm->minute), true;
	case 'S':
		return snprintf(out, size, "%02d", tm->second), true;
	case 'j':
		return snprintf(out, size, "%03d", tm->yearday + 1), true;
	case 'a':
		return snprintf(out, size, "%.3s", weekdays[tm->weekday]), true;
	case 'A':
		return snprintf(out, size, "%s", weekdays[tm->weekday]), true;
	case 'b':
		return snprintf(out, size, "%.3s", months[tm->month - 1]), true;
	case 'B':
		return snprintf(out, size, "%s", months[tm->month - 1]), true;
	case 's':
		return snprintf(out, size, "%ld", (long)seconds), true;
	case 'N':
		return snprintf(out, size, "%09ld", (long)(ns - seconds * NS_PER_S)), true;
	case 'Z':
		return snprintf(out, size, "UTC"), true;
	case 'n':
		return snprintf(out, size, "\n"), true;
	case 't':
		return snprintf(out, size, "\t"), true;
	case '%':
		return snprintf(out, size, "%%"), true;
	default:
		return false;
	}
}

/* Composite conversions, expanded before the simple ones. */
static const char *composite(char c)
{
	switch (c) {
	case 'T':
		return "%H:%M:%S";
	case 'F':
		return "%Y-%m-%d";
	case 'D':
		return "%m/%d/%y";
	case 'R':
		return "%H:%M";
	default:
		return NULL;
	}
}

size_t util_strftime(char *buf, size_t size, const char *fmt, int64_t ns)
{
	struct util_tm tm;
	size_t used = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	util_gmtime(floor_div(ns, NS_PER_S), &tm);
	for (; *fmt && used + 1 < size; fmt++) {
		char piece[64];
		const char *expand = fmt[0] == '%' ? composite(fmt[1]) : NULL;

		if (expand) {
			used += util_strftime(buf + used, size - used, expand, ns);
			fmt++;
			continue;
		}
		if (fmt[0] == '%' && fmt[1] && convert(fmt[1], ns, &tm, piece, sizeof(piece))) {
			fmt++;
		} else {
			piece[0] = fmt[0];
			piece[1] = '\0';
		}
		used += strlcpy(buf + used, piece, size - used);
		if (used >= size)
			used = size - 1;
	}
	return used;
}

void util_format_seconds(char *buf, size_t size, int64_t ns)
{
	int64_t ms = ns / 1000000;

	snprintf(buf, size, "%ld.%03ld", (long)(ms / 1000), (long)(ms % 1000));
}

int util_parse_duration(const char *text, int64_t *ns)
{
	static const struct {
		char suffix;
		int64_t seconds;
	} units[] = {{'\0', 1}, {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	int64_t whole = 0, fraction = 0, scale = NS_PER_S;
	const char *s = text;

	if (!isdigit(*s) && !(*s == '.' && isdigit(s[1])))
		return -1;
	for (; isdigit(*s); s++)
		if ((whole = whole * 10 + (*s - '0')) > 100LL * 365 * 86400)
			return -1;
	if (*s == '.')
		for (s++; isdigit(*s); s++)
			if (scale >= 10) {
				scale /= 10;
				fraction += (*s - '0') * scale;
			}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (*s != units[i].suffix || (*s && s[1]))
			continue;
		if (whole * units[i].seconds > 100LL * 365 * 86400)
			return -1;
		*ns = whole * units[i].seconds * NS_PER_S + fraction * units[i].seconds;
		return 0;
	}
	return -1;
}
