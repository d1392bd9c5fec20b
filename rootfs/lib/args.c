/*
 * The utilities' start, messages, --help, usage errors, option parsing and
 * number parsing (util.h).
 */
#include "util.h"

archk_handle_t util_in, util_out, util_err;
int util_optind = 1;
const char *util_optarg;

static const struct util_program *program;
static int next_char; /* within a bundle of options such as -lw */

void util_start(const struct util_program *prog)
{
	program = prog;
	util_in = archk_handle_named("in");
	util_out = archk_handle_named("out");
	util_err = archk_handle_named("err");
}

/* Formats "NAME: message\n" and writes it to err in one WRITE. */
static void vwarn(const char *fmt, va_list ap)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s: ", program->name);

	if (n >= 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	n = (int)strlen(line);
	if ((size_t)n + 1 < sizeof(line))
		line[n++] = '\n';
	archk_write(util_err, line, (size_t)n);
}

void util_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void util_die(int status, const char *fmt, ...)
{
	va_list ap;

	util_flush();
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	archk_process_exit(status);
}

void util_usage_error(const char *fmt, ...)
{
	va_list ap;

	util_flush();
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	archk_dprintf(util_err, "usage: %s %s\nTry '%s --help' for more.\n", program->name,
		      program->usage, program->name);
	archk_process_exit(UTIL_USAGE);
}

void util_exit(int status)
{
	if (util_flush() < 0 && status == 0)
		status = 1;
	archk_process_exit(status);
}

void util_help(int status)
{
	util_printf("usage: %s %s\n%s", program->name, program->usage, program->summary);
	if (program->options)
		util_printf("\n%s", program->options);
	util_exit(status);
}

/* Does spec take option c, and with an argument? 0 no, 1 yes, 2 with an argument. */
static int option_kind(const char *spec, char c)
{
	const char *at = c == ':' ? NULL : strchr(spec, c);

	if (!at)
		return 0;
	return at[1] == ':' ? 2 : 1;
}

int util_getopt(int argc, char **argv, const char *spec)
{
	const char *word;
	char c;

	if (next_char == 0) {
		if (util_optind >= argc)
			return -1;
		word = argv[util_optind];
		if (strcmp(word, "--help") == 0)
			util_help(0);
		if (strcmp(word, "--") == 0) {
			util_optind++;
			return -1;
		}
		if (word[0] != '-' || word[1] == '\0')
			return -1;
		if (word[1] == '-')
			util_usage_error("unknown option '%s'", word);
		if (isdigit(word[1]) && strchr(spec, '#')) {
			util_optarg = word + 1;
			util_optind++;
			return '#';
		}
		next_char = 1;
	}
	word = argv[util_optind];
	c = word[next_char++];
	switch (option_kind(spec, c)) {
	case 0:
		util_usage_error("unknown option '-%c'", c);
	case 1:
		util_optarg = NULL;
		break;
	default:
		if (word[next_char]) {
			util_optarg = word + next_char;
		} else if (util_optind + 1 < argc) {
			util_optarg = argv[++util_optind];
		} else {
			util_usage_error("option '-%c' needs an argument", c);
		}
		next_char = (int)strlen(word); /* the rest of the word is the argument */
	}
	if (word[next_char] == '\0') {
		next_char = 0;
		util_optind++;
	}
	return c;
}

int util_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t value = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit(s[i]) || value > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		value = value * 10 + (uint64_t)(s[i] - '0');
	}
	*out = value;
	return 0;
}

int util_parse_long(const char *s, long *out)
{
	bool negative = *s == '-';
	uint64_t magnitude;

	if (*s == '-' || *s == '+')
		s++;
	if (util_parse_u64(s, strlen(s), &magnitude) < 0 ||
	    magnitude > (uint64_t)INT64_MAX + negative)
		return -1;
	*out = negative ? (long)(0 - magnitude) : (long)magnitude;
	return 0;
}

long util_number_arg(const char *option, const char *text, long min, long max)
{
	long value;

	if (util_parse_long(text, &value) < 0 || value < min || value > max)
		util_usage_error("%s needs a number from %ld to %ld, not '%s'", option, min, max,
				 text);
	return value;
}
