/*
 * The shell's syntax: text into a tree of and-or lists, pipelines and
 * simple commands (sh.h). Words are kept as written, quotes included;
 * expand.c takes them apart when the command runs.
 *
 * The language is a small part of POSIX sh: words with '...', "..." and \
 * escapes, $NAME and ${NAME}, assignments, | && || ; & and newlines,
 * redirections < > >> N> N>> N>&M N<&M (N and M 0, 1 or 2), comments. What
 * it leaves out (subshells, command substitution, here-documents, globbing,
 * control flow...) is refused with a message that names it, so that nothing
 * is ever run with a meaning other than the one written.
 */
#include <archk/runtime.h>
#include "sh.h"

enum token_type {
	T_WORD,
	T_SEMI,	    /* ; or a newline */
	T_AMP,	    /* & */
	T_AND,	    /* && */
	T_OR,	    /* || */
	T_PIPE,	    /* | */
	T_LESS,	    /* < */
	T_GREAT,    /* > */
	T_DGREAT,   /* >> */
	T_GREATAND, /* >& */
	T_LESSAND,  /* <& */
	T_END,
};

struct token {
	enum token_type type;
	char *word;    /* T_WORD: the raw text (malloc'd) */
	int io_number; /* redirection operators: the fd written before them, or -1 */
	size_t start, end;
};

struct lexer {
	const char *text;
	size_t pos;
	struct token *tokens;
	int n, cap;
	char *error;
	size_t error_len;
	bool more; /* the text ended where more must follow */
};

struct buffer {
	char *s;
	size_t len, cap;
};

static bool buf_put(struct buffer *b, char c)
{
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 32;
		char *s = realloc(b->s, cap);

		if (!s)
			return false;
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
	return true;
}

static int fail(struct lexer *lx, const char *message)
{
	snprintf(lx->error, lx->error_len, "%s", message);
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Characters that end a word when not quoted. */
static bool is_operator_char(char c)
{
	return c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')' ||
	       c == '\n';
}

static int push(struct lexer *lx, enum token_type type, char *word, int io_number, size_t start)
{
	if (lx->n + 1 >= lx->cap) {
		int cap = lx->cap ? 2 * lx->cap : 16;
		struct token *t = realloc(lx->tokens, (size_t)cap * sizeof(*t));

		if (!t)
			return fail(lx, "out of memory");
		lx->tokens = t;
		lx->cap = cap;
	}
	lx->tokens[lx->n++] = (struct token){type, word, io_number, start, lx->pos};
	return 0;
}

/* A $ inside or outside double quotes: what follows must be a form expand.c knows. */
static int scan_dollar(struct lexer *lx, struct buffer *b)
{
	const char *t = lx->text;

	buf_put(b, t[lx->pos++]);
	if (t[lx->pos] == '(')
		return fail(lx, "command substitution $( ) is not supported");
	if (t[lx->pos] && strchr("?$!#@*", t[lx->pos])) { /* special parameters, not patterns */
		buf_put(b, t[lx->pos++]);
		return 0;
	}
	if (t[lx->pos] != '{')
		return 0;
	while (t[lx->pos] && t[lx->pos] != '}' && t[lx->pos] != '\n')
		buf_put(b, t[lx->pos++]);
	if (t[lx->pos] != '}')
		return fail(lx, "${ without its }");
	buf_put(b, t[lx->pos++]);
	return 0;
}

/* The body of "..." (the opening quote already taken), escapes and $ kept as written. */
static int scan_double_quoted(struct lexer *lx, struct buffer *b)
{
	const char *t = lx->text;

	for (;;) {
		char c = t[lx->pos];

		if (!c) {
			lx->more = true;
			return 0;
		}
		if (c == '"') {
			buf_put(b, t[lx->pos++]);
			return 0;
		}
		if (c == '`')
			return fail(lx, "command substitution ` ` is not supported");
		if (c == '$') {
			if (scan_dollar(lx, b) < 0)
				return -1;
			continue;
		}
		if (c == '\\' && t[lx->pos + 1]) {
			if (t[lx->pos + 1] == '\n') { /* a line continuation */
				lx->pos += 2;
				continue;
			}
			buf_put(b, t[lx->pos++]);
		} else if (c == '\\') {
			lx->more = true;
			return 0;
		}
		buf_put(b, t[lx->pos++]);
	}
}

/* Characters that would be patterns or other syntax the shell does not have. */
static const char *unsupported_char(char c)
{
	switch (c) {
	case '*':
	case '?':
	case '[':
		return "file name patterns (* ? [) are not supported; quote them to mean "
		       "themselves";
	case '`':
		return "command substitution ` ` is not supported";
	case '(':
	case ')':
		return "( ) is not supported: no subshells or functions";
	default:
		return NULL;
	}
}

/* One word, quotes and escapes kept as written; line continuations dropped. */
static int scan_word(struct lexer *lx)
{
	const char *t = lx->text;
	size_t start = lx->pos;
	struct buffer b = {0};
	const char *why;

	while (t[lx->pos] && !is_blank(t[lx->pos]) && !is_operator_char(t[lx->pos])) {
		char c = t[lx->pos];

		if (c == '\'') {
			buf_put(&b, t[lx->pos++]);
			while (t[lx->pos] && t[lx->pos] != '\'')
				buf_put(&b, t[lx->pos++]);
			if (!t[lx->pos]) {
				lx->more = true;
				break;
			}
			buf_put(&b, t[lx->pos++]);
		} else if (c == '"') {
			buf_put(&b, t[lx->pos++]);
			if (scan_double_quoted(lx, &b) < 0 || lx->more)
				break;
		} else if (c == '\\') {
			if (!t[lx->pos + 1]) {
				lx->more = true;
				break;
			}
			if (t[lx->pos + 1] == '\n') {
				lx->pos += 2;
				continue;
			}
			buf_put(&b, t[lx->pos++]);
			buf_put(&b, t[lx->pos++]);
		} else if (c == '$') {
			if (scan_dollar(lx, &b) < 0)
				break;
		} else if ((why = unsupported_char(c))) {
			fail(lx, why);
			break;
		} else {
			buf_put(&b, t[lx->pos++]);
		}
	}
	if (lx->error[0] || lx->more || !b.s) {
		free(b.s);
		if (lx->error[0])
			return -1;
		return lx->more ? 0 : fail(lx, "out of memory");
	}
	return push(lx, T_WORD, b.s, -1, start);
}

/* An operator at lx->pos; io_number is a fd written just before it, or -1. */
static int scan_operator(struct lexer *lx, int io_number)
{
	const char *t = lx->text + lx->pos;
	size_t start = lx->pos;
	static const struct {
		const char *text;
		enum token_type type;
		const char *refused;
	} ops[] = {
	    {"&&", T_AND, NULL},
	    {"||", T_OR, NULL},
	    {";;", T_END, "';;' is not supported: there is no case statement"},
	    {"|&", T_END, "'|&' is not supported; write 2>&1 |"},
	    {"&>", T_END, "'&>' is not supported; write > FILE 2>&1"},
	    {"<<", T_END, "here-documents (<<) are not supported"},
	    {"<>", T_END, "'<>' is not supported"},
	    {">|", T_END, "'>|' is not supported"},
	    {">>", T_DGREAT, NULL},
	    {">&", T_GREATAND, NULL},
	    {"<&", T_LESSAND, NULL},
	    {"|", T_PIPE, NULL},
	    {"&", T_AMP, NULL},
	    {";", T_SEMI, NULL},
	    {"\n", T_SEMI, NULL},
	    {"<", T_LESS, NULL},
	    {">", T_GREAT, NULL},
	    {"(", T_END, "( ) is not supported: no subshells or functions"},
	    {")", T_END, "( ) is not supported: no subshells or functions"},
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (strncmp(t, ops[i].text, n) != 0)
			continue;
		if (ops[i].refused)
			return fail(lx, ops[i].refused);
		lx->pos += n;
		return push(lx, ops[i].type, NULL, io_number, start);
	}
	return fail(lx, "unexpected character");
}

/* A run of digits right before < or > is the fd it redirects. */
static int io_number_at(const char *t, size_t pos, size_t *len)
{
	size_t n = 0;

	while (t[pos + n] >= '0' && t[pos + n] <= '9')
		n++;
	if (n == 0 || (t[pos + n] != '<' && t[pos + n] != '>'))
		return -1;
	*len = n;
	return n > 3 ? 1000 : atoi(t + pos); /* large numbers are refused later */
}

static int lex(struct lexer *lx)
{
	const char *t = lx->text;

	for (;;) {
		size_t len;
		int fd;

		while (is_blank(t[lx->pos]) || (t[lx->pos] == '\\' && t[lx->pos + 1] == '\n'))
			lx->pos += t[lx->pos] == '\\' ? 2 : 1;
		if (!t[lx->pos])
			return push(lx, T_END, NULL, -1, lx->pos);
		if (t[lx->pos] == '#') {
			while (t[lx->pos] && t[lx->pos] != '\n')
				lx->pos++;
			continue;
		}
		if ((fd = io_number_at(t, lx->pos, &len)) >= 0) {
			lx->pos += len;
			if (scan_operator(lx, fd) < 0)
				return -1;
		} else if (is_operator_char(t[lx->pos])) {
			if (scan_operator(lx, -1) < 0)
				return -1;
		} else if (scan_word(lx) < 0) {
			return -1;
		}
		if (lx->more)
			return 0;
	}
}

/* ---- the parser ---- */

struct parser {
	struct lexer *lx;
	int i; /* the next token */
	const char *text;
};

static struct token *peek(struct parser *p)
{
	return &p->lx->tokens[p->i];
}

static char *span(const char *text, size_t start, size_t end)
{
	char *s = malloc(end - start + 1);

	if (s) {
		memcpy(s, text + start, end - start);
		s[end - start] = '\0';
	}
	return s;
}

static const char *token_name(enum token_type type)
{
	static const char *const names[] = {"a word", ";", "&",	 "&&", "||", "|",
					    "<",      ">", ">>", ">&", "<&", "end of line"};

	return names[type];
}

static int unexpected(struct parser *p)
{
	char message[64];

	snprintf(message, sizeof(message), "syntax error: unexpected %s",
		 peek(p)->type == T_END ||
			 (peek(p)->type == T_SEMI && p->text[peek(p)->start] == '\n')
		     ? "end of line"
		     : token_name(peek(p)->type));
	return fail(p->lx, message);
}

static bool is_redirection(enum token_type type)
{
	return type == T_LESS || type == T_GREAT || type == T_DGREAT || type == T_GREATAND ||
	       type == T_LESSAND;
}

/* Is word NAME=... with a plain name? */
static bool is_assignment(const char *word)
{
	const char *eq = strchr(word, '=');

	return eq && eq > word && var_valid_name(word, (size_t)(eq - word));
}

static bool push_word(char ***v, int *n, char *word)
{
	char **grown = realloc(*v, (size_t)(*n + 2) * sizeof(**v));

	if (!grown)
		return false;
	*v = grown;
	grown[(*n)++] = word;
	grown[*n] = NULL;
	return true;
}

static int parse_redirection(struct parser *p, struct command *c)
{
	struct token *op = &p->lx->tokens[p->i++];
	struct token *target = peek(p);
	struct redir *r, **tail;

	if (target->type != T_WORD)
		return unexpected(p);
	p->i++;
	if (!(r = calloc(1, sizeof(*r))))
		return fail(p->lx, "out of memory");
	for (tail = &c->redirs; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	r->fd = op->io_number >= 0 ? op->io_number
				   : (op->type == T_LESS || op->type == T_LESSAND ? 0 : 1);
	if (r->fd > 2)
		return fail(p->lx, "only 0, 1 and 2 can be redirected");
	if (op->type == T_GREATAND || op->type == T_LESSAND) {
		if (strlen(target->word) != 1 || target->word[0] < '0' || target->word[0] > '2')
			return fail(p->lx,
				    ">& and <& take 0, 1 or 2 (closing with - and >& FILE are "
				    "not supported)");
		r->kind = REDIR_DUP;
		r->dup_fd = target->word[0] - '0';
		return 0;
	}
	r->kind = op->type == T_LESS ? REDIR_IN : op->type == T_GREAT ? REDIR_OUT : REDIR_APPEND;
	r->target = target->word;
	target->word = NULL; /* the command owns it now */
	return 0;
}

/* Words that would start syntax the shell does not have, in command position. */
static const char *refused_keyword(const char *word)
{
	static const char *const keywords[] = {
	    "if",   "then", "else",	"elif",	  "fi", "while", "until", "for", "do", "done",
	    "case", "esac", "function", "select", "{",	"}",	 "!",	  "[[",	 "]]"};

	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(word, keywords[i]) == 0)
			return keywords[i];
	return NULL;
}

static int parse_command(struct parser *p, struct command **out)
{
	struct command *c = calloc(1, sizeof(*c));
	size_t start = peek(p)->start, end = start;
	const char *kw;

	*out = c;
	if (!c)
		return fail(p->lx, "out of memory");
	for (;;) {
		struct token *t = peek(p);

		if (is_redirection(t->type)) {
			if (parse_redirection(p, c) < 0)
				return -1;
		} else if (t->type == T_WORD) {
			if (c->nwords == 0 && is_assignment(t->word)) {
				if (!push_word(&c->assigns, &c->nassigns, t->word))
					return fail(p->lx, "out of memory");
			} else {
				if (c->nwords == 0 && (kw = refused_keyword(t->word))) {
					char message[96];

					snprintf(message, sizeof(message),
						 "'%s' is not supported: there is no control flow "
						 "(use && and ||)",
						 kw);
					return fail(p->lx, message);
				}
				if (!push_word(&c->words, &c->nwords, t->word))
					return fail(p->lx, "out of memory");
			}
			t->word = NULL;
			p->i++;
		} else {
			break;
		}
		end = p->lx->tokens[p->i - 1].end;
	}
	if (!c->nwords && !c->nassigns && !c->redirs)
		return unexpected(p);
	c->text = span(p->text, start, end);
	return 0;
}

/* After |, && or ||: newlines may follow; the end of the text means "read on". */
static int skip_newlines_after_operator(struct parser *p)
{
	while (peek(p)->type == T_SEMI && p->text[peek(p)->start] == '\n')
		p->i++;
	if (peek(p)->type == T_END) {
		p->lx->more = true;
		return -1;
	}
	return 0;
}

static int parse_pipeline(struct parser *p, struct pipeline **out)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));
	size_t start = peek(p)->start;

	*out = pl;
	if (!pl)
		return fail(p->lx, "out of memory");
	for (;;) {
		struct command *c = NULL;
		struct command **grown = realloc(pl->cmds, (size_t)(pl->ncmds + 1) * sizeof(c));

		if (!grown)
			return fail(p->lx, "out of memory");
		pl->cmds = grown;
		int err = parse_command(p, &c);
		pl->cmds[pl->ncmds++] = c;
		if (err < 0)
			return -1;
		if (peek(p)->type != T_PIPE)
			break;
		p->i++;
		if (skip_newlines_after_operator(p) < 0)
			return -1;
	}
	pl->text = span(p->text, start, p->lx->tokens[p->i - 1].end);
	return 0;
}

static int parse_andor(struct parser *p, struct andor **out)
{
	struct andor *a = calloc(1, sizeof(*a));
	size_t start = peek(p)->start;
	enum andor_op op = OP_NONE;

	*out = a;
	if (!a)
		return fail(p->lx, "out of memory");
	for (;;) {
		struct pipeline *pl = NULL;
		struct pipeline **pipes = realloc(a->pipes, (size_t)(a->npipes + 1) * sizeof(pl));
		enum andor_op *ops =
		    pipes ? realloc(a->ops, (size_t)(a->npipes + 1) * sizeof(op)) : NULL;

		if (pipes)
			a->pipes = pipes;
		if (!ops)
			return fail(p->lx, "out of memory");
		a->ops = ops;
		int err = parse_pipeline(p, &pl);
		a->pipes[a->npipes] = pl;
		a->ops[a->npipes++] = op;
		if (err < 0)
			return -1;
		if (peek(p)->type != T_AND && peek(p)->type != T_OR)
			break;
		op = peek(p)->type == T_AND ? OP_AND : OP_OR;
		p->i++;
		if (skip_newlines_after_operator(p) < 0)
			return -1;
	}
	a->text = span(p->text, start, p->lx->tokens[p->i - 1].end);
	if (peek(p)->type == T_AMP) {
		a->background = true;
		p->i++;
	}
	return 0;
}

static int parse_items(struct parser *p, struct program *out)
{
	for (;;) {
		struct andor *a = NULL;
		struct andor **grown;

		while (peek(p)->type == T_SEMI)
			p->i++;
		if (peek(p)->type == T_END)
			return 0;
		if (!(grown = realloc(out->items, (size_t)(out->nitems + 1) * sizeof(a))))
			return fail(p->lx, "out of memory");
		out->items = grown;
		int err = parse_andor(p, &a);
		out->items[out->nitems++] = a;
		if (err < 0)
			return -1;
		if (peek(p)->type != T_SEMI && peek(p)->type != T_END && !a->background)
			return unexpected(p);
	}
}

enum parse_status parse_program(const char *text, struct program *out, char *error,
				size_t error_len)
{
	struct lexer lx = {.text = text, .error = error, .error_len = error_len};
	struct parser p = {.lx = &lx, .text = text};
	int err;

	error[0] = '\0';
	memset(out, 0, sizeof(*out));
	err = lex(&lx);
	if (err == 0 && !lx.more)
		err = parse_items(&p, out);
	for (int i = 0; i < lx.n; i++)
		free(lx.tokens[i].word);
	free(lx.tokens);
	if (lx.more) {
		program_free(out);
		return PARSE_MORE;
	}
	if (err < 0) {
		program_free(out);
		return PARSE_ERROR;
	}
	return PARSE_OK;
}

static void words_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void command_free(struct command *c)
{
	struct redir *r, *next;

	if (!c)
		return;
	words_free(c->assigns, c->nassigns);
	words_free(c->words, c->nwords);
	for (r = c->redirs; r; r = next) {
		next = r->next;
		free(r->target);
		free(r);
	}
	free(c->text);
	free(c);
}

void program_free(struct program *p)
{
	for (int i = 0; i < p->nitems; i++) {
		struct andor *a = p->items[i];

		for (int j = 0; a && j < a->npipes; j++) {
			struct pipeline *pl = a->pipes[j];

			for (int k = 0; pl && k < pl->ncmds; k++)
				command_free(pl->cmds[k]);
			if (pl) {
				free(pl->cmds);
				free(pl->text);
			}
			free(pl);
		}
		if (a) {
			free(a->pipes);
			free(a->ops);
			free(a->text);
		}
		free(a);
	}
	free(p->items);
	memset(p, 0, sizeof(*p));
}
