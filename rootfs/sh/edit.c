/*
 * The line editor: keys in, a line and terminal output out. It never reads
 * or writes anything itself (input.c and main.c do), which keeps it a plain
 * state machine that tests/unit drives with key strings and checks against
 * a small terminal emulator.
 *
 * Keys: printable bytes insert at the cursor (UTF-8 sequences move as one
 * character); Left/Right and Ctrl-B/F move, Alt-b/f and Ctrl- or
 * Alt-Left/Right by words; Home/End and Ctrl-A/E; Backspace and Delete; Ctrl-D deletes, or
 * ends the input on an empty line; Ctrl-K, Ctrl-U and Ctrl-W delete to the
 * end, to the start, the word before; Up/Down and Ctrl-P/N walk the history;
 * Tab completes; Ctrl-L clears the screen; Ctrl-C drops the line; Enter ends
 * it. Unknown keys and escape sequences do nothing.
 *
 * Drawing: a line longer than the terminal wraps onto several rows. The
 * editor remembers on which row (below the prompt's) it left the cursor and
 * redraws by going back to the prompt's row, clearing to the end of the
 * screen and writing prompt and line again, then placing the cursor by
 * relative moves. When the line ends exactly at the right margin it adds a
 * line break itself, so that no terminal's pending-wrap state confuses the
 * arithmetic. Typing at the end of a line just echoes the key.
 */
#include <archk/runtime.h>
#include "sh.h"

#define KEY_CTRL(c) ((c)&0x1f)
#define KEY_ESC	    0x1b
#define KEY_DEL	    0x7f

void history_add(struct history *h, const char *line)
{
	char *copy;

	if (!line[0] || (h->count && strcmp(h->lines[h->count - 1], line) == 0))
		return;
	if (!(copy = strdup(line)))
		return;
	if (h->count == h->max) {
		free(h->lines[0]);
		memmove(h->lines, h->lines + 1, (size_t)(h->count - 1) * sizeof(*h->lines));
		h->count--;
	}
	if (h->count == h->cap) {
		int cap = h->cap ? 2 * h->cap : 64;
		char **lines = realloc(h->lines, (size_t)cap * sizeof(*lines));

		if (!lines) {
			free(copy);
			return;
		}
		h->lines = lines;
		h->cap = cap;
	}
	h->lines[h->count++] = copy;
}

/* ---- output ---- */

static void out_add(struct editor *e, const char *s, size_t n)
{
	if (e->out_len + n + 1 > e->out_cap) {
		size_t cap = (e->out_len + n + 1) * 2;
		char *grown = realloc(e->out, cap);

		if (!grown)
			return;
		e->out = grown;
		e->out_cap = cap;
	}
	memcpy(e->out + e->out_len, s, n);
	e->out_len += n;
	e->out[e->out_len] = '\0';
}

static void out_str(struct editor *e, const char *s)
{
	out_add(e, s, strlen(s));
}

/* ESC [ n letter: a relative cursor move (nothing for 0). */
static void out_move(struct editor *e, int n, char letter)
{
	char seq[16];

	if (n > 0)
		out_add(e, seq, (size_t)snprintf(seq, sizeof(seq), "\x1b[%d%c", n, letter));
}

char *editor_take_output(struct editor *e, size_t *len)
{
	char *s = e->out;

	*len = e->out_len;
	e->out = NULL;
	e->out_len = e->out_cap = 0;
	return s;
}

/* ---- characters and columns ---- */

static bool continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Columns n bytes of s take: one per character (UTF-8 continuation bytes take none). */
static size_t width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += !continuation((unsigned char)s[i]);
	return w;
}

static size_t char_before(const struct editor *e, size_t pos)
{
	if (pos == 0)
		return 0;
	do
		pos--;
	while (pos > 0 && continuation((unsigned char)e->buf[pos]));
	return pos;
}

static size_t char_after(const struct editor *e, size_t pos)
{
	if (pos >= e->len)
		return e->len;
	do
		pos++;
	while (pos < e->len && continuation((unsigned char)e->buf[pos]));
	return pos;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static size_t word_before(const struct editor *e, size_t pos)
{
	while (pos > 0 && is_space(e->buf[pos - 1]))
		pos--;
	while (pos > 0 && !is_space(e->buf[pos - 1]))
		pos--;
	return pos;
}

static size_t word_after(const struct editor *e, size_t pos)
{
	while (pos < e->len && is_space(e->buf[pos]))
		pos++;
	while (pos < e->len && !is_space(e->buf[pos]))
		pos++;
	return pos;
}

/* ---- drawing ---- */

/* Moves the terminal's cursor from its row (e->cursor_row) to pos, by relative moves. */
static void place_cursor(struct editor *e)
{
	size_t cols = (size_t)e->columns;
	size_t cursor = width(e->prompt, strlen(e->prompt)) + width(e->buf, e->pos);
	int row = (int)(cursor / cols);

	out_move(e, e->cursor_row - row, 'A');
	out_move(e, row - e->cursor_row, 'B');
	out_str(e, "\r");
	out_move(e, (int)(cursor % cols), 'C');
	e->cursor_row = row;
}

/* Redraws prompt and line from the prompt's first row and puts the cursor at pos. */
static void refresh(struct editor *e)
{
	size_t cols = (size_t)e->columns;
	size_t total = width(e->prompt, strlen(e->prompt)) + width(e->buf, e->len);

	out_move(e, e->cursor_row, 'A');
	out_str(e, "\r\x1b[J");
	out_str(e, e->prompt);
	out_add(e, e->buf, e->len);
	if (total % cols == 0 && total > 0)
		out_str(e, "\r\n"); /* past the margin, on the next row for sure */
	e->cursor_row = (int)(total / cols);
	place_cursor(e);
}

void editor_start(struct editor *e, const char *prompt, int columns, struct history *h,
		  complete_fn complete, void *arg)
{
	free(e->out);
	memset(e, 0, sizeof(*e));
	e->prompt = prompt;
	e->columns = columns > 0 ? columns : 80;
	e->history = h;
	e->hist_pos = h ? h->count : 0;
	e->complete = complete;
	e->complete_arg = arg;
	out_str(e, prompt);
	if (width(prompt, strlen(prompt)) % (size_t)e->columns == 0 && prompt[0])
		refresh(e);
}

const char *editor_line(struct editor *e)
{
	return e->buf;
}

/* ---- editing ---- */

static void insert(struct editor *e, const char *s, size_t n)
{
	bool at_end = e->pos == e->len;
	size_t plen = width(e->prompt, strlen(e->prompt));

	if (e->len + n >= sizeof(e->buf))
		return; /* the line is full */
	memmove(e->buf + e->pos + n, e->buf + e->pos, e->len - e->pos);
	memcpy(e->buf + e->pos, s, n);
	e->len += n;
	e->pos += n;
	e->buf[e->len] = '\0';
	if (at_end && (plen + width(e->buf, e->len)) % (size_t)e->columns != 0)
		out_add(e, s, n); /* the cursor moves on like the terminal's */
	else
		refresh(e);
}

static void delete_range(struct editor *e, size_t from, size_t to)
{
	if (from >= to)
		return;
	memmove(e->buf + from, e->buf + to, e->len - to);
	e->len -= to - from;
	e->buf[e->len] = '\0';
	e->pos = from;
	refresh(e);
}

static void move_to(struct editor *e, size_t pos)
{
	if (pos == e->pos)
		return;
	e->pos = pos;
	place_cursor(e);
}

static void set_line(struct editor *e, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof(e->buf))
		n = sizeof(e->buf) - 1;
	memcpy(e->buf, s, n);
	e->buf[n] = '\0';
	e->len = e->pos = n;
	refresh(e);
}

static void history_move(struct editor *e, int step)
{
	struct history *h = e->history;
	int to = e->hist_pos + step;

	if (!h || to < 0 || to > h->count)
		return;
	if (e->hist_pos == h->count)
		memcpy(e->saved, e->buf, e->len + 1);
	e->hist_pos = to;
	set_line(e, to == h->count ? e->saved : h->lines[to]);
}

/* Shows the candidates under the line, then the line again. */
static void list_candidates(struct editor *e, const struct completion *c)
{
	size_t widest = 0, used = 0;

	for (int i = 0; i < c->n; i++)
		widest = strlen(c->v[i]) > widest ? strlen(c->v[i]) : widest;
	e->pos = e->len;
	refresh(e);
	out_str(e, "\r\n");
	for (int i = 0; i < c->n; i++) {
		size_t n = strlen(c->v[i]);

		if (used && used + widest + 2 > (size_t)e->columns) {
			out_str(e, "\r\n");
			used = 0;
		}
		out_str(e, c->v[i]);
		for (size_t pad = n; i + 1 < c->n && pad < widest + 2; pad++)
			out_str(e, " ");
		used += widest + 2;
	}
	out_str(e, "\r\n");
	e->cursor_row = 0;
	refresh(e);
}

/* Inserts s with a backslash before each character the shell would take apart. */
static void insert_quoted(struct editor *e, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr(" \t'\"\\$|&;<>()*?[#~", s[i]))
			insert(e, "\\", 1);
		insert(e, s + i, 1);
	}
}

/*
 * Tab: the candidates' longest common prefix goes in; a single candidate is
 * finished with a space (or nothing after a directory's /); when nothing
 * could go in, the candidates are listed.
 */
static void complete(struct editor *e)
{
	struct completion c = {0};
	size_t typed, common;

	if (!e->complete)
		return;
	e->complete(e->buf, e->pos, &c, e->complete_arg);
	if (c.n == 0) {
		completion_free(&c);
		return;
	}
	typed = e->pos - c.name_start;
	common = strlen(c.v[0]);
	for (int i = 1; i < c.n; i++) {
		size_t k = 0;

		while (k < common && c.v[i][k] == c.v[0][k])
			k++;
		common = k;
	}
	if (common > typed)
		insert_quoted(e, c.v[0] + typed, common - typed);
	if (c.n == 1 && c.v[0][common - 1] != '/')
		insert(e, " ", 1);
	else if (c.n > 1 && common <= typed)
		list_candidates(e, &c);
	completion_free(&c);
}

static enum edit_result finish(struct editor *e, const char *with, enum edit_result result)
{
	move_to(e, e->len);
	out_str(e, with);
	return result;
}

/* ---- keys ---- */

static enum edit_result control_key(struct editor *e, unsigned char key)
{
	switch (key) {
	case '\r':
	case '\n':
		return finish(e, "\r\n", EDIT_DONE);
	case KEY_CTRL('C'):
		finish(e, "^C\r\n", EDIT_INTERRUPT);
		e->len = e->pos = 0;
		e->buf[0] = '\0';
		return EDIT_INTERRUPT;
	case KEY_CTRL('D'):
		if (e->len == 0)
			return finish(e, "\r\n", EDIT_EOF);
		delete_range(e, e->pos, char_after(e, e->pos));
		break;
	case KEY_CTRL('A'):
		move_to(e, 0);
		break;
	case KEY_CTRL('E'):
		move_to(e, e->len);
		break;
	case KEY_CTRL('B'):
		move_to(e, char_before(e, e->pos));
		break;
	case KEY_CTRL('F'):
		move_to(e, char_after(e, e->pos));
		break;
	case KEY_CTRL('H'):
	case KEY_DEL:
		delete_range(e, char_before(e, e->pos), e->pos);
		break;
	case KEY_CTRL('K'):
		delete_range(e, e->pos, e->len);
		break;
	case KEY_CTRL('U'):
		delete_range(e, 0, e->pos);
		break;
	case KEY_CTRL('W'):
		delete_range(e, word_before(e, e->pos), e->pos);
		break;
	case KEY_CTRL('P'):
		history_move(e, -1);
		break;
	case KEY_CTRL('N'):
		history_move(e, 1);
		break;
	case KEY_CTRL('L'):
		out_str(e, "\x1b[H\x1b[2J");
		e->cursor_row = 0;
		refresh(e);
		break;
	case '\t':
		complete(e);
		break;
	default:
		break; /* other control keys do nothing */
	}
	return EDIT_MORE;
}

/* A complete escape sequence in e->esc (without the ESC). */
static void escape_sequence(struct editor *e)
{
	const char *semicolon = strchr(e->esc, ';');
	char final = e->esc_len ? e->esc[e->esc_len - 1] : 0;
	bool csi = e->esc[0] == '[';
	bool word = csi && semicolon && (semicolon[1] == '5' || semicolon[1] == '3');
	int param = csi ? atoi(e->esc + 1) : 0;

	if (e->esc_len == 1) { /* Alt and a key */
		if (final == 'b')
			move_to(e, word_before(e, e->pos));
		else if (final == 'f')
			move_to(e, word_after(e, e->pos));
		return;
	}
	switch (final) {
	case 'A':
		history_move(e, -1);
		break;
	case 'B':
		history_move(e, 1);
		break;
	case 'C':
		move_to(e, word ? word_after(e, e->pos) : char_after(e, e->pos));
		break;
	case 'D':
		move_to(e, word ? word_before(e, e->pos) : char_before(e, e->pos));
		break;
	case 'H':
		move_to(e, 0);
		break;
	case 'F':
		move_to(e, e->len);
		break;
	case '~':
		if (param == 1 || param == 7)
			move_to(e, 0);
		else if (param == 4 || param == 8)
			move_to(e, e->len);
		else if (param == 3)
			delete_range(e, e->pos, char_after(e, e->pos));
		break;
	default:
		break; /* a cursor position report (R) or a key the editor has no use for */
	}
}

/* One byte of an escape sequence: ESC [ params final, ESC O final, or ESC key. */
static void escape_key(struct editor *e, unsigned char key)
{
	e->esc[e->esc_len++] = (char)key;
	e->esc[e->esc_len] = '\0';
	if (e->esc_len == 1 && (key == '[' || key == 'O'))
		return;
	if (e->esc[0] == '[' && e->esc_len > 1 && (key < 0x40 || key > 0x7e) &&
	    e->esc_len < sizeof(e->esc) - 1)
		return; /* parameters */
	e->in_escape = false;
	escape_sequence(e);
}

enum edit_result editor_key(struct editor *e, unsigned char key)
{
	if (e->in_escape) {
		escape_key(e, key);
		return EDIT_MORE;
	}
	if (key == KEY_ESC) {
		e->in_escape = true;
		e->esc_len = 0;
		return EDIT_MORE;
	}
	if (key < 0x20 || key == KEY_DEL)
		return control_key(e, key);
	insert(e, (const char *)&key, 1);
	return EDIT_MORE;
}

int editor_parse_position(const char *s, size_t len)
{
	int row = 0, col = 0;
	size_t i = 2;

	if (len < 6 || s[0] != KEY_ESC || s[1] != '[' || s[len - 1] != 'R')
		return 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		row = row * 10 + (s[i++] - '0');
	if (i >= len || s[i++] != ';')
		return 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		col = col * 10 + (s[i++] - '0');
	return i == len - 1 && row > 0 && col > 0 ? col : 0;
}
