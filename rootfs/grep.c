/*
 * grep [-cFHhilnqvx] [-e PATTERN]... [PATTERN] [FILE...]: prints the lines
 * that match. Patterns are fixed strings (-F) or a small regular expression
 * language: c, \c, ., [set], [^set], ranges a-z in sets, each optionally
 * followed by *, + or ?, and the anchors ^ and $. There are no groups or
 * alternation, so a pattern is a chain of tokens and matching runs it as a
 * set of positions over each line (linear in line length times pattern length,
 * never backtracking).
 */
#include "util.h"

#define PATTERNS_MAX 16

static const struct util_program program = {
    "grep", "[-cFHhilnqvx] [-e PATTERN]... [PATTERN] [FILE...]",
    "Prints the lines of each FILE (or of the input) that match a PATTERN. A pattern\n"
    "is a regular expression: c matches itself, \\c the character c, . any character,\n"
    "[abc] [a-z] [^0-9] one of a set (or not); *, + and ? after one of these repeat\n"
    "it 0 or more times, 1 or more, 0 or 1; ^ and $ anchor at the start and the end.\n"
    "Exit status: 0 if a line was selected, 1 if none, 2 if an error occurred.\n",
    "  -e PATTERN  a pattern (repeatable; a line matching any is selected)\n"
    "  -F          patterns are fixed strings, not regular expressions\n"
    "  -i          ignore the case of letters\n"
    "  -v          select the lines that do not match\n"
    "  -x          a pattern must match the whole line\n"
    "  -c          print only the number of selected lines\n"
    "  -l          print only the names of files with a selected line\n"
    "  -n          put the line number before each line\n"
    "  -q          print nothing; exit 0 at the first selected line\n"
    "  -H, -h      always, never put the file name before each line\n"};

enum repeat { ONCE, STAR, OPTIONAL };

/* One token: a set of bytes it matches, and how often. */
struct token {
	uint32_t set[8];
	uint8_t repeat;
};

struct pattern {
	struct token *tokens;
	int count;
	bool anchored_start, anchored_end;
	bool *positions; /* matches' scratch: two sets of count + 1 */
};

static struct {
	bool fixed, icase, invert, whole, count, names_only, numbers, quiet;
	int show_names; /* -1 never, 1 always, 0 with more than one file */
} opt;
static struct pattern patterns[PATTERNS_MAX];
static const char *texts[PATTERNS_MAX];
static int pattern_count;
static bool selected_any;

static void set_add(struct token *t, unsigned char c)
{
	t->set[c / 32] |= 1u << (c % 32);
	if (opt.icase && isalpha(c))
		t->set[(unsigned char)(c ^ 0x20) / 32] |= 1u << ((c ^ 0x20) % 32);
}

static bool set_has(const struct token *t, unsigned char c)
{
	return t->set[c / 32] >> (c % 32) & 1;
}

/* Parses the set after '[' at *re into t; false if it is not terminated. */
static bool parse_set(const char **re, struct token *t)
{
	const char *s = *re;
	bool negate = *s == '^';
	struct token members = {0};

	s += negate;
	/* A ']' first in the set is a member. */
	for (bool first = true; *s && (*s != ']' || first); first = false) {
		unsigned char lo = (unsigned char)*s++, hi = lo;

		if (*s == '-' && s[1] && s[1] != ']') {
			hi = (unsigned char)s[1];
			s += 2;
		}
		for (unsigned c = lo; c <= hi; c++)
			set_add(&members, (unsigned char)c);
	}
	if (*s != ']')
		return false;
	*re = s + 1;
	for (int i = 0; i < 8; i++)
		t->set[i] = negate ? ~members.set[i] : members.set[i];
	if (negate) /* a line's newline is never matched */
		t->set['\n' / 32] &= ~(1u << ('\n' % 32));
	return true;
}

/* Compiles text into p; a usage-style error (exit 2) if it is malformed. */
static void compile(const char *text, struct pattern *p)
{
	const char *re = text;

	p->tokens = calloc(2 * strlen(text) + 1, sizeof(struct token));
	if (!p->tokens)
		util_die(2, "out of memory");
	if (!opt.fixed && *re == '^') {
		p->anchored_start = true;
		re++;
	}
	while (*re) {
		struct token *t = &p->tokens[p->count];

		if (!opt.fixed && *re == '$' && re[1] == '\0') {
			p->anchored_end = true;
			break;
		}
		if (opt.fixed || (*re != '.' && *re != '[' && *re != '\\')) {
			set_add(t, (unsigned char)*re++);
		} else if (*re == '.') {
			memset(t->set, 0xff, sizeof(t->set));
			t->set['\n' / 32] &= ~(1u << ('\n' % 32));
			re++;
		} else if (*re == '[') {
			re++;
			if (!parse_set(&re, t))
				util_die(2, "'%s': a [ without its ]", text);
		} else {
			if (!re[1])
				util_die(2, "'%s': a \\ at the end", text);
			set_add(t, (unsigned char)re[1]);
			re += 2;
		}
		p->count++;
		if (opt.fixed || (*re != '*' && *re != '+' && *re != '?'))
			continue;
		/* x+ is x x*. */
		if (*re == '+')
			p->tokens[p->count++] = *t;
		p->tokens[p->count - 1].repeat = *re == '?' ? OPTIONAL : STAR;
		re++;
	}
	p->anchored_start |= opt.whole;
	p->anchored_end |= opt.whole;
	if (!(p->positions = calloc((size_t)p->count + 1, 2 * sizeof(bool))))
		util_die(2, "out of memory");
}

/* Follows the tokens a position may skip (STAR, OPTIONAL) from low to high. */
static void close_over(const struct pattern *p, bool *at)
{
	for (int i = 0; i < p->count; i++)
		if (at[i] && p->tokens[i].repeat != ONCE)
			at[i + 1] = true;
}

static bool matches(const struct pattern *p, const char *s, size_t len)
{
	bool *at = p->positions, *next = at + p->count + 1, found = false;

	memset(at, 0, (size_t)p->count + 1);
	at[0] = true;
	close_over(p, at);
	for (size_t k = 0;; k++) {
		if (at[p->count] && (!p->anchored_end || k == len)) {
			found = true;
			break;
		}
		if (k == len)
			break;
		memset(next, 0, (size_t)p->count + 1);
		for (int i = 0; i < p->count; i++)
			if (at[i] && set_has(&p->tokens[i], (unsigned char)s[k]))
				next[p->tokens[i].repeat == STAR ? i : i + 1] = true;
		next[0] |= !p->anchored_start;
		close_over(p, next);
		memcpy(at, next, (size_t)p->count + 1);
	}
	return found;
}

static bool selected(const char *line, size_t len)
{
	bool any = false;

	for (int i = 0; i < pattern_count && !any; i++)
		any = matches(&patterns[i], line, len);
	return any != opt.invert;
}

static long search(struct util_input *in, void *arg)
{
	const char *name = strcmp(in->name, "-") == 0 ? "(standard input)" : in->name;
	bool show_name = opt.show_names > 0 || (opt.show_names == 0 && *(int *)arg > 1);
	unsigned long number = 0, count = 0;
	char *line;
	long n;

	while ((n = util_getline(in, &line)) > 0) {
		size_t len = (size_t)n - (line[n - 1] == '\n');

		number++;
		if (!selected(line, len))
			continue;
		count++;
		selected_any = true;
		if (opt.quiet)
			util_exit(0);
		if (opt.names_only) {
			util_printf("%s\n", name);
			break;
		}
		if (opt.count)
			continue;
		if (show_name)
			util_printf("%s:", name);
		if (opt.numbers)
			util_printf("%lu:", number);
		util_write(line, len);
		util_putc('\n');
	}
	if (opt.count)
		util_printf("%s%s%lu\n", show_name ? name : "", show_name ? ":" : "", count);
	return n < 0 ? n : 0;
}

int main(int argc, char **argv)
{
	int c, files, status;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "cFHhilnqvxe:")) != -1) {
		switch (c) {
		case 'e':
			if (pattern_count == PATTERNS_MAX)
				util_usage_error("more than %d patterns", PATTERNS_MAX);
			texts[pattern_count++] = util_optarg;
			break;
		case 'H':
		case 'h':
			opt.show_names = c == 'H' ? 1 : -1;
			break;
		default:
			opt.count |= c == 'c';
			opt.fixed |= c == 'F';
			opt.icase |= c == 'i';
			opt.names_only |= c == 'l';
			opt.numbers |= c == 'n';
			opt.quiet |= c == 'q';
			opt.invert |= c == 'v';
			opt.whole |= c == 'x';
		}
	}
	if (pattern_count == 0) {
		if (util_optind == argc)
			util_usage_error("no pattern given");
		texts[pattern_count++] = argv[util_optind++];
	}
	for (int i = 0; i < pattern_count; i++)
		compile(texts[i], &patterns[i]);
	files = argc - util_optind;
	status = util_each_input(files, argv + util_optind, search, &files);
	util_exit(status ? 2 : selected_any ? 0 : 1);
}
