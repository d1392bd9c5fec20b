/*
 * Word expansion: a word as written (parse.c keeps quotes) becomes fields.
 * In order, as POSIX does it for what this shell supports: a leading ~ is
 * $HOME; $NAME, ${NAME}, $?, $$, $!, $#, $0..$9, ${N}, $@ and $* are
 * replaced; the results of expansions outside double quotes are split at
 * $IFS characters (space, tab and newline when IFS is unset); quotes and
 * backslashes are removed. A word that yields nothing is no field at all,
 * while "" is an empty one. "$@" alone in a word is one field per
 * positional parameter. There are no patterns: values never glob.
 */
#include <archk/runtime.h>
#include "sh.h"

struct expander {
	const struct expand_context *ctx;
	bool split; /* split unquoted expansions into fields */
	struct fields *out;
	char *cur; /* the field being built */
	size_t len, cap;
	bool has_field; /* cur is a field even if empty (quotes, text) */
	char *error;
	size_t error_len;
	bool failed;
};

void fields_add(struct fields *f, const char *s)
{
	char **v = realloc(f->v, (size_t)(f->n + 2) * sizeof(*v));
	char *copy = strdup(s);

	if (!v || !copy) {
		free(copy);
		if (v)
			f->v = v;
		return;
	}
	f->v = v;
	v[f->n++] = copy;
	v[f->n] = NULL;
}

void fields_free(struct fields *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

static void put(struct expander *x, char c)
{
	if (x->len + 2 > x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;
		char *s = realloc(x->cur, cap);

		if (!s) {
			x->failed = true;
			return;
		}
		x->cur = s;
		x->cap = cap;
	}
	x->cur[x->len++] = c;
	x->cur[x->len] = '\0';
	x->has_field = true;
}

static void end_field(struct expander *x)
{
	if (!x->has_field)
		return;
	fields_add(x->out, x->cur ? x->cur : "");
	x->len = 0;
	if (x->cur)
		x->cur[0] = '\0';
	x->has_field = false;
}

static bool is_ifs(char c)
{
	const char *ifs = var_get("IFS");

	return c && strchr(ifs ? ifs : " \t\n", c);
}

/* An expansion's value: as it is inside quotes, split outside (when splitting). */
static void put_value(struct expander *x, const char *value, bool quoted)
{
	if (quoted)
		x->has_field = true;
	for (; *value; value++) {
		if (!quoted && x->split && is_ifs(*value))
			end_field(x);
		else
			put(x, *value);
	}
}

static void fail(struct expander *x, const char *fmt, const char *what)
{
	if (!x->failed)
		snprintf(x->error, x->error_len, fmt, what);
	x->failed = true;
}

/* The positional parameters from $1 on, joined by spaces ($* and $@ outside "$@"). */
static void put_params(struct expander *x, bool quoted)
{
	for (int i = 1; i < x->ctx->argc; i++) {
		if (i > 1)
			put_value(x, " ", quoted);
		put_value(x, x->ctx->argv[i], quoted);
	}
	if (quoted)
		x->has_field = true;
}

/* The value of a parameter named name (len bytes): a variable or a special one. */
static void put_parameter(struct expander *x, const char *name, size_t len, bool quoted)
{
	char number[24], var[256];

	if (len == 1 && strchr("?$!#", name[0])) {
		unsigned long v = name[0] == '?'   ? (unsigned long)x->ctx->status
				  : name[0] == '$' ? x->ctx->pid
				  : name[0] == '!' ? x->ctx->last_bg
						   : (unsigned long)(x->ctx->argc - 1);

		snprintf(number, sizeof(number), "%lu", v);
		put_value(x, name[0] == '!' && !v ? "" : number, quoted);
	} else if (len == 1 && (name[0] == '@' || name[0] == '*')) {
		put_params(x, quoted);
	} else if (name[0] >= '0' && name[0] <= '9') {
		int n = 0;

		for (size_t i = 0; i < len; i++) {
			if (name[i] < '0' || name[i] > '9' || n > 1000) {
				fail(x, "%s: a bad parameter", "$");
				return;
			}
			n = n * 10 + (name[i] - '0');
		}
		put_value(x, n < x->ctx->argc ? x->ctx->argv[n] : "", quoted);
	} else if (len < sizeof(var) && var_valid_name(name, len)) {
		memcpy(var, name, len);
		var[len] = '\0';
		put_value(x, var_get(var) ? var_get(var) : "", quoted);
	} else {
		char shown[64];

		snprintf(shown, sizeof(shown), "${%.*s}", (int)(len < 40 ? len : 40), name);
		fail(x, "%s: only ${NAME} is supported (no operators)", shown);
	}
}

/* A $ at w: the expansion it starts (or a plain $); returns the characters used. */
static size_t dollar(struct expander *x, const char *w, bool quoted)
{
	size_t n = 1;

	if (w[1] == '{') {
		const char *close = strchr(w + 2, '}');

		if (!close) {
			fail(x, "%s without its }", "${");
			return strlen(w);
		}
		put_parameter(x, w + 2, (size_t)(close - w - 2), quoted);
		return (size_t)(close - w) + 1;
	}
	if (w[1] && strchr("?$!#@*0123456789", w[1])) {
		put_parameter(x, w + 1, 1, quoted);
		return 2;
	}
	while (w[n] && var_valid_name(w + 1, n))
		n++;
	if (n == 1) { /* not an expansion: a $ by itself */
		put(x, '$');
		return 1;
	}
	put_parameter(x, w + 1, n - 1, quoted);
	return n;
}

/* The body of "..." from w (after the quote): returns the characters used, quote included. */
static size_t double_quoted(struct expander *x, const char *w)
{
	size_t i = 0;

	x->has_field = true;
	while (w[i] && w[i] != '"') {
		if (w[i] == '$') {
			i += dollar(x, w + i, true);
		} else if (w[i] == '\\' && w[i + 1] && strchr("$`\"\\", w[i + 1])) {
			put(x, w[i + 1]);
			i += 2;
		} else {
			put(x, w[i++]);
		}
	}
	return i + (w[i] == '"');
}

/* A leading ~ or ~/ is $HOME; ~user is refused. Returns the characters used. */
static size_t tilde(struct expander *x, const char *w)
{
	const char *home = var_get("HOME");

	if (w[0] != '~')
		return 0;
	if (w[1] && w[1] != '/') {
		fail(x, "%s: ~user is not supported", w);
		return strlen(w);
	}
	if (!home) {
		put(x, '~');
		return 1;
	}
	put_value(x, home, true);
	return 1;
}

static void expand(struct expander *x, const char *w)
{
	size_t i = tilde(x, w);

	while (w[i] && !x->failed) {
		char c = w[i];

		if (c == '\'') {
			const char *close = strchr(w + i + 1, '\'');
			size_t end = close ? (size_t)(close - w) : strlen(w);

			x->has_field = true;
			for (i++; i < end; i++)
				put(x, w[i]);
			i += close != NULL;
		} else if (c == '"') {
			i += 1 + double_quoted(x, w + i + 1);
		} else if (c == '\\' && w[i + 1]) {
			put(x, w[i + 1]);
			i += 2;
		} else if (c == '$') {
			i += dollar(x, w + i, false);
		} else {
			put(x, c);
			i++;
		}
	}
	end_field(x);
}

int expand_word(const struct expand_context *ctx, const char *word, struct fields *out, char *error,
		size_t error_len)
{
	struct expander x = {ctx, true, out, NULL, 0, 0, false, error, error_len, false};

	error[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (strcmp(word, "\"$@\"") == 0) {
		for (int i = 1; i < ctx->argc; i++)
			fields_add(out, ctx->argv[i]);
		return 0;
	}
	expand(&x, word);
	free(x.cur);
	if (x.failed) {
		if (!error[0])
			snprintf(error, error_len, "out of memory");
		fields_free(out);
		return -1;
	}
	return 0;
}

char *expand_single(const struct expand_context *ctx, const char *word, char *error,
		    size_t error_len)
{
	struct fields out = {0};
	struct expander x = {ctx, false, &out, NULL, 0, 0, false, error, error_len, false};
	char *s;

	error[0] = '\0';
	expand(&x, word);
	free(x.cur);
	if (x.failed) {
		if (!error[0])
			snprintf(error, error_len, "out of memory");
		fields_free(&out);
		return NULL;
	}
	s = strdup(out.n ? out.v[0] : "");
	fields_free(&out);
	return s;
}
