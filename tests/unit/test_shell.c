/*
 * Tests of the shell's pure parts on the host (rootfs/sh): the parser (what
 * it accepts, how it groups, what it refuses and when it asks for more),
 * word expansion, the runtime's path resolution, the line editor (driven by
 * key strings, its output played on a small terminal emulator that wraps
 * lines the way xterm does) and completion (against a fake directory tree).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "rt_rename.h"
#include <archk/runtime.h>
#include "../../rootfs/sh/sh.h"
#define RT_RENAME_UNDO
#include "rt_rename.h"

#define REGION_SIZE (8 << 20)

char **archk_environ;
const char *const sh_builtin_names[] = {"cd", "exit", "export", "jobs", NULL};
static void *region;

void archk_heap_corrupted(const char *what, void *ptr)
{
	cr_assert_fail("heap corrupted: %s at %p", what, ptr);
}

/* The runtime's formatting pulls these in; the shell's pure parts never write. */
long archk_write(archk_handle_t h, const void *buf, size_t len)
{
	cr_assert_fail("a pure part of the shell wrote");
	return 0;
}

archk_handle_t archk_handle_named(const char *name)
{
	return ARCHK_HANDLE_INVALID;
}

static void setup(void)
{
	static char *env[] = {"HOME=/home/me", "X=1 2", "EMPTY=", "PATH=/bin", NULL};

	region = aligned_alloc(4096, REGION_SIZE);
	archk_heap_init(region, REGION_SIZE);
	vars_init(env);
}

static void teardown(void)
{
	free(region);
}

/* ---- parsing ---- */

static struct program parse_ok(const char *text)
{
	struct program p;
	char error[200];

	cr_assert_eq(parse_program(text, &p, error, sizeof(error)), PARSE_OK, "%s: %s", text,
		     error);
	return p;
}

static void parse_fails(const char *text, const char *message)
{
	struct program p;
	char error[200];

	cr_assert_eq(parse_program(text, &p, error, sizeof(error)), PARSE_ERROR, "%s", text);
	cr_assert(strstr(error, message), "%s: '%s' lacks '%s'", text, error, message);
}

static void parse_more(const char *text)
{
	struct program p;
	char error[200];

	cr_assert_eq(parse_program(text, &p, error, sizeof(error)), PARSE_MORE, "%s", text);
}

TestSuite(shell_parse, .init = setup, .fini = teardown);

Test(shell_parse, commands_pipelines_and_lists)
{
	struct program p = parse_ok("a b 'c d' | e && f || g & h; i\n j");

	cr_assert_eq(p.nitems, 4);
	cr_assert_eq(p.items[0]->npipes, 3);
	cr_assert(p.items[0]->background);
	cr_assert_str_eq(p.items[0]->text, "a b 'c d' | e && f || g");
	cr_assert_eq(p.items[0]->ops[1], OP_AND);
	cr_assert_eq(p.items[0]->ops[2], OP_OR);
	cr_assert_eq(p.items[0]->pipes[0]->ncmds, 2);
	cr_assert_eq(p.items[0]->pipes[0]->cmds[0]->nwords, 3);
	cr_assert_str_eq(p.items[0]->pipes[0]->cmds[0]->words[2], "'c d'");
	cr_assert_str_eq(p.items[0]->pipes[0]->cmds[1]->text, "e");
	cr_assert_str_eq(p.items[1]->pipes[0]->cmds[0]->words[0], "h");
	cr_assert(!p.items[1]->background);
	cr_assert_str_eq(p.items[3]->pipes[0]->cmds[0]->words[0], "j");
	program_free(&p);
}

Test(shell_parse, assignments_only_before_the_command)
{
	struct program p = parse_ok("A=1 B='x y' cmd C=2");
	struct command *c = p.items[0]->pipes[0]->cmds[0];

	cr_assert_eq(c->nassigns, 2);
	cr_assert_str_eq(c->assigns[1], "B='x y'");
	cr_assert_eq(c->nwords, 2);
	cr_assert_str_eq(c->words[1], "C=2");
	program_free(&p);
	p = parse_ok("1A=x");
	cr_assert_eq(p.items[0]->pipes[0]->cmds[0]->nwords, 1);
	program_free(&p);
}

Test(shell_parse, redirections)
{
	struct program p = parse_ok("cmd <in >out 2>>log 2>&1 1>&2 > \"a b\"");
	struct redir *r = p.items[0]->pipes[0]->cmds[0]->redirs;

	cr_assert(r->kind == REDIR_IN && r->fd == 0 && strcmp(r->target, "in") == 0);
	r = r->next;
	cr_assert(r->kind == REDIR_OUT && r->fd == 1 && strcmp(r->target, "out") == 0);
	r = r->next;
	cr_assert(r->kind == REDIR_APPEND && r->fd == 2 && strcmp(r->target, "log") == 0);
	r = r->next;
	cr_assert(r->kind == REDIR_DUP && r->fd == 2 && r->dup_fd == 1);
	r = r->next;
	cr_assert(r->kind == REDIR_DUP && r->fd == 1 && r->dup_fd == 2);
	r = r->next;
	cr_assert(r->kind == REDIR_OUT && strcmp(r->target, "\"a b\"") == 0 && !r->next);
	cr_assert_eq(p.items[0]->pipes[0]->cmds[0]->nwords, 1);
	program_free(&p);
	/* A number alone is a word, not a fd. */
	p = parse_ok("echo 2 > f");
	cr_assert_eq(p.items[0]->pipes[0]->cmds[0]->nwords, 2);
	program_free(&p);
}

Test(shell_parse, comments_escapes_and_continuations)
{
	struct program p = parse_ok("echo a\\ b # a comment | not a pipe\necho c\\\nd \"e\\\nf\"");

	cr_assert_eq(p.nitems, 2);
	cr_assert_eq(p.items[0]->pipes[0]->cmds[0]->nwords, 2);
	cr_assert_str_eq(p.items[0]->pipes[0]->cmds[0]->words[1], "a\\ b");
	cr_assert_str_eq(p.items[1]->pipes[0]->cmds[0]->words[1], "cd");
	cr_assert_str_eq(p.items[1]->pipes[0]->cmds[0]->words[2], "\"ef\"");
	program_free(&p);
	p = parse_ok("echo a#b '#' $?");
	cr_assert_eq(p.items[0]->pipes[0]->cmds[0]->nwords, 4);
	program_free(&p);
	p = parse_ok("");
	cr_assert_eq(p.nitems, 0);
	program_free(&p);
	p = parse_ok("  ;\n# only a comment\n");
	cr_assert_eq(p.nitems, 0);
	program_free(&p);
}

Test(shell_parse, asks_for_more)
{
	parse_more("echo 'abc");
	parse_more("echo \"abc");
	parse_more("echo abc\\");
	parse_more("a |");
	parse_more("a &&\n");
	parse_more("a ||");
}

Test(shell_parse, refuses_what_it_does_not_support)
{
	parse_fails("ls *.c", "patterns");
	parse_fails("echo a?", "patterns");
	parse_fails("echo [ab]", "patterns");
	parse_fails("echo $(date)", "command substitution");
	parse_fails("echo \"`date`\"", "command substitution");
	parse_fails("echo `date`", "command substitution");
	parse_fails("(cd /)", "subshells");
	parse_fails("f() { x; }", "subshells");
	parse_fails("cat <<EOF", "here-documents");
	parse_fails("echo ${X", "${ without its }");
	parse_fails("a |& b", "2>&1 |");
	parse_fails("a &> f", "> FILE 2>&1");
	parse_fails("a >| f", "not supported");
	parse_fails("a <> f", "not supported");
	parse_fails("a ;; b", "case");
	parse_fails("if true; then x; fi", "'if' is not supported");
	parse_fails("while x", "'while'");
	parse_fails("for i in a", "'for'");
	parse_fails("{ a; }", "'{'");
	parse_fails("! a", "'!'");
	parse_fails("a 3> f", "only 0, 1 and 2");
	parse_fails("a >& f", ">& and <& take 0, 1 or 2");
	parse_fails("a 2>&-", ">& and <& take");
	parse_fails("| a", "unexpected |");
	parse_fails("a && && b", "unexpected &&");
	parse_fails("a > ", "unexpected end of line");
	parse_fails("a & & b", "unexpected &");
	parse_fails("a ; ; b; && c", "unexpected &&");
}

/* ---- expansion ---- */

static char *argv0[] = {"sh", "one", "two words", NULL};
static const struct expand_context ctx = {
    .status = 3, .pid = 42, .last_bg = 0, .argc = 3, .argv = argv0};

/* The fields of word, joined with | for easy comparison. */
static char *fields(const char *word)
{
	static char joined[512];
	char error[200];
	struct fields f;

	if (expand_word(&ctx, word, &f, error, sizeof(error)) < 0) {
		snprintf(joined, sizeof(joined), "ERROR %s", error);
		return joined;
	}
	joined[0] = '\0';
	for (int i = 0; i < f.n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s%s",
			 i ? "|" : "[", f.v[i], i == f.n - 1 ? "]" : "");
	fields_free(&f);
	return joined;
}

TestSuite(shell_expand, .init = setup, .fini = teardown);

Test(shell_expand, quotes_and_escapes)
{
	cr_assert_str_eq(fields("plain"), "[plain]");
	cr_assert_str_eq(fields("'a b'\"c d\"e\\ f"), "[a bc de f]");
	cr_assert_str_eq(fields("'$X \\n'"), "[$X \\n]");
	cr_assert_str_eq(fields("\"\\$X \\\" \\\\ \\n\""), "[$X \" \\ \\n]");
	cr_assert_str_eq(fields("\"\""), "[]");
	cr_assert_str_eq(fields("''"), "[]");
	cr_assert_str_eq(fields("a''"), "[a]");
}

Test(shell_expand, parameters)
{
	cr_assert_str_eq(fields("$?"), "[3]");
	cr_assert_str_eq(fields("$$"), "[42]");
	cr_assert_str_eq(fields("$!"), "");
	cr_assert_str_eq(fields("$#"), "[2]");
	cr_assert_str_eq(fields("$0:$1"), "[sh:one]");
	cr_assert_str_eq(fields("${HOME}x$HOME-y"), "[/home/mex/home/me-y]");
	cr_assert_str_eq(fields("$NOPE"), "");
	cr_assert_str_eq(fields("\"$NOPE\""), "[]");
	cr_assert_str_eq(fields("a$EMPTY"), "[a]");
	cr_assert_str_eq(fields("$"), "[$]");
	cr_assert_str_eq(fields("a$-b"), "[a$-b]");
	cr_assert_str_eq(fields("$9"), "");
	cr_assert_str_eq(fields("${2}"), "[two|words]");
	cr_assert_str_eq(fields("$1abc"), "[oneabc]");
}

Test(shell_expand, splitting)
{
	cr_assert_str_eq(fields("$X"), "[1|2]");
	cr_assert_str_eq(fields("\"$X\""), "[1 2]");
	cr_assert_str_eq(fields("a${X}b"), "[a1|2b]");
	cr_assert_str_eq(fields("$*"), "[one|two|words]");
	cr_assert_str_eq(fields("\"$*\""), "[one two words]");
	cr_assert_str_eq(fields("\"$@\""), "[one|two words]");
	var_set("IFS", ":", false);
	cr_assert_str_eq(fields("$X"), "[1 2]");
	var_set("P", "a:b::c", false);
	cr_assert_str_eq(fields("$P"), "[a|b|c]");
	var_unset("IFS");
}

Test(shell_expand, tilde)
{
	cr_assert_str_eq(fields("~"), "[/home/me]");
	cr_assert_str_eq(fields("~/x"), "[/home/me/x]");
	cr_assert_str_eq(fields("a~"), "[a~]");
	cr_assert_str_eq(fields("'~'"), "[~]");
	cr_assert(strstr(fields("~root"), "~user is not supported"));
	var_set("HOME", "/with space", false);
	cr_assert_str_eq(fields("~/x"), "[/with space/x]");
}

Test(shell_expand, refused_forms)
{
	cr_assert(strstr(fields("${X:-y}"), "only ${NAME} is supported"));
	cr_assert(strstr(fields("${#X}"), "only ${NAME}"));
	cr_assert(strstr(fields("${}"), "only ${NAME}"));
}

Test(shell_expand, single)
{
	char error[200], *s = expand_single(&ctx, "$X'$X'~", error, sizeof(error));

	cr_assert_str_eq(s, "1 2$X~");
	rt_free(s);
	s = expand_single(&ctx, "", error, sizeof(error));
	cr_assert_str_eq(s, "");
	rt_free(s);
	cr_assert_null(expand_single(&ctx, "${X%y}", error, sizeof(error)));
	cr_assert(strstr(error, "only ${NAME}"));
}

Test(shell_expand, variables_and_environment)
{
	char *extra[] = {"PATH=/x", "NEW=1", NULL};
	char **env;
	int n = 0;

	cr_assert_str_eq(var_get("X"), "1 2");
	cr_assert_not_null(var_set("1X", "v", false));
	cr_assert_null(var_set("LOCAL", "v", false));
	env = vars_env(extra, 2);
	for (char **e = env; *e; e++, n++) {
		cr_assert(strncmp(*e, "LOCAL=", 6) != 0, "an unexported variable leaked");
		cr_assert(strcmp(*e, "PATH=/bin") != 0, "the command's assignment did not win");
	}
	cr_assert_eq(n, 5); /* HOME X EMPTY, PATH=/x, NEW=1 */
	vars_env_free(env);
	var_export("LOCAL");
	env = vars_env(NULL, 0);
	n = 0;
	for (char **e = env; *e; e++)
		n += strcmp(*e, "LOCAL=v") == 0;
	cr_assert_eq(n, 1);
	vars_env_free(env);
}

/* ---- paths ---- */

TestSuite(shell_path, .init = setup, .fini = teardown);

Test(shell_path, search_path_walk)
{
	const char *rest = "/bin::rel/../x:/y/", *expect[] = {"/bin", "/c/x", "/y"};
	char dir[64];

	for (int i = 0; i < 3; i++) {
		rest = path_next_dir(rest, "/c", dir, sizeof(dir));
		cr_assert_not_null(rest);
		cr_assert_str_eq(dir, expect[i]);
	}
	cr_assert_null(path_next_dir(rest, "/c", dir, sizeof(dir)));
	cr_assert_null(path_next_dir("", "/", dir, sizeof(dir)));
	cr_assert_null(path_next_dir(":::", "/", dir, sizeof(dir)));
}

Test(shell_path, resolves_textually)
{
	static const char *const cases[][3] = {
	    {"/", "etc", "/etc"},
	    {"/etc", "init.conf", "/etc/init.conf"},
	    {"/a/b", "..", "/a"},
	    {"/a/b", "../../..", "/"},
	    {"/a", "/x//y/./z/", "/x/y/z"},
	    {"/a/b", "./c/../d", "/a/b/d"},
	    {"/", "", "/"},
	    {"/a", ".", "/a"},
	    {"/a", "..x", "/a/..x"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = archk_path_resolve(cases[i][0], cases[i][1]);

		cr_assert_str_eq(s, cases[i][2], "%s + %s", cases[i][0], cases[i][1]);
		rt_free(s);
	}
}

/* ---- the line editor, on an emulated terminal ---- */

#define ROWS 12
#define COLS 20

/*
 * A terminal as xterm behaves: a character written in the last column
 * leaves the cursor there with a wrap pending, and the next character goes
 * to the next row's first column; moves clear the pending wrap.
 */
struct screen {
	char cell[ROWS][COLS];
	int row, col;
	bool wrap;
};

static void scroll(struct screen *s)
{
	memmove(s->cell[0], s->cell[1], sizeof(s->cell[0]) * (ROWS - 1));
	memset(s->cell[ROWS - 1], ' ', COLS);
	s->row = ROWS - 1;
}

static void screen_clear(struct screen *s)
{
	memset(s->cell, ' ', sizeof(s->cell));
	s->row = s->col = 0;
	s->wrap = false;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void play(struct screen *s, const char *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = out[i];

		if (c == '\x1b' && i + 1 < len && out[i + 1] == '[') {
			int n = 0;

			for (i += 2; i < len && out[i] >= '0' && out[i] <= '9'; i++)
				n = n * 10 + (out[i] - '0');
			n = n ? n : 1;
			s->wrap = false;
			switch (out[i]) {
			case 'A':
				s->row = clamp(s->row - n, 0, ROWS - 1);
				break;
			case 'B':
				s->row = clamp(s->row + n, 0, ROWS - 1);
				break;
			case 'C':
				s->col = clamp(s->col + n, 0, COLS - 1);
				break;
			case 'D':
				s->col = clamp(s->col - n, 0, COLS - 1);
				break;
			case 'J':
				memset(&s->cell[s->row][s->col], ' ', COLS - (size_t)s->col);
				for (int r = s->row + 1; r < ROWS; r++)
					memset(s->cell[r], ' ', COLS);
				break;
			case 'H':
				s->row = s->col = 0;
				break;
			default:
				break;
			}
		} else if (c == '\r') {
			s->col = 0;
			s->wrap = false;
		} else if (c == '\n') {
			s->wrap = false;
			if (++s->row == ROWS)
				scroll(s);
		} else if ((unsigned char)c >= 0x20) {
			if (s->wrap) {
				s->wrap = false;
				s->col = 0;
				if (++s->row == ROWS)
					scroll(s);
			}
			if (((unsigned char)c & 0xc0) == 0x80)
				continue; /* UTF-8 continuation: the character has its cell */
			s->cell[s->row][s->col] = c;
			if (s->col == COLS - 1)
				s->wrap = true;
			else
				s->col++;
		}
	}
}

/* The screen's rows from row first on, trailing blanks dropped, joined by |. */
static char *rows(const struct screen *s, int first, int count)
{
	static char text[ROWS * (COLS + 1) + 1];
	size_t n = 0;

	for (int r = first; r < first + count; r++) {
		int end = COLS;

		while (end > 0 && s->cell[r][end - 1] == ' ')
			end--;
		if (r > first)
			text[n++] = '|';
		memcpy(text + n, s->cell[r], (size_t)end);
		n += (size_t)end;
	}
	text[n] = '\0';
	return text;
}

static struct editor ed;
static struct screen scr;
static struct history hist = {.max = 3};

static enum edit_result keys(const char *k)
{
	enum edit_result r = EDIT_MORE;
	size_t len;
	char *out;

	for (; *k; k++)
		r = editor_key(&ed, (unsigned char)*k);
	out = editor_take_output(&ed, &len);
	play(&scr, out, len);
	rt_free(out);
	return r;
}

static void start(const char *prompt)
{
	size_t len;
	char *out;

	screen_clear(&scr);
	editor_start(&ed, prompt, COLS, &hist, NULL, NULL);
	out = editor_take_output(&ed, &len);
	play(&scr, out, len);
	rt_free(out);
}

/* The cursor is where the editor says its position is. */
static void check_cursor(int row, int col)
{
	cr_assert_eq(scr.row, row, "cursor row %d, expected %d", scr.row, row);
	cr_assert_eq(scr.col, col, "cursor column %d, expected %d", scr.col, col);
}

TestSuite(shell_edit, .init = setup, .fini = teardown);

Test(shell_edit, typing_moving_and_deleting)
{
	start("$ ");
	cr_assert_eq(keys("echo wrld"), EDIT_MORE);
	keys("\x1b[D\x1b[D\x1b[D"
	     "o");
	cr_assert_str_eq(editor_line(&ed), "echo world");
	cr_assert_str_eq(rows(&scr, 0, 1), "$ echo world");
	check_cursor(0, 9);
	keys("\x01"
	     "X\x05Y"); /* Ctrl-A, Ctrl-E */
	cr_assert_str_eq(editor_line(&ed), "Xecho worldY");
	keys("\x1b[H\x1b[3~\x1b[F\x7f"); /* Home, Delete, End, Backspace */
	cr_assert_str_eq(editor_line(&ed), "echo world");
	keys("\x1b"
	     "b\x0b"); /* Alt-b, Ctrl-K */
	cr_assert_str_eq(editor_line(&ed), "echo ");
	keys("a b c\x17"); /* Ctrl-W */
	cr_assert_str_eq(editor_line(&ed), "echo a b ");
	keys("\x02\x02\x15"); /* Ctrl-B twice, Ctrl-U */
	cr_assert_str_eq(editor_line(&ed), "b ");
	check_cursor(0, 2);
	keys("\x04"); /* Ctrl-D deletes under the cursor */
	cr_assert_str_eq(editor_line(&ed), " ");
	cr_assert_str_eq(rows(&scr, 0, 1), "$");
	cr_assert_eq(keys("z\r"), EDIT_DONE);
	cr_assert_str_eq(editor_line(&ed), "z ");
	check_cursor(1, 0);
}

Test(shell_edit, ctrl_d_and_ctrl_c)
{
	start("$ ");
	cr_assert_eq(keys("\x04"), EDIT_EOF);
	start("$ ");
	cr_assert_eq(keys("abc\x03"), EDIT_INTERRUPT);
	cr_assert_str_eq(rows(&scr, 0, 1), "$ abc^C");
	cr_assert_str_eq(editor_line(&ed), "");
}

Test(shell_edit, unknown_keys_and_reports_do_nothing)
{
	start("$ ");
	keys("ab\x1b[1;80R\x1b[99~\x1bOQ\x07\x1b[1;5D"
	     "c");
	cr_assert_str_eq(editor_line(&ed), "cab");
	cr_assert_eq(editor_parse_position("\x1b[12;80R", 8), 80);
	cr_assert_eq(editor_parse_position("\x1b[12R", 5), 0);
	cr_assert_eq(editor_parse_position("\x1b[1;2;3R", 8), 0);
}

Test(shell_edit, long_lines_wrap_and_redraw)
{
	const char *text = "0123456789abcdefghijklmnopqrstuvwxyz0123456789";

	start("$ ");
	keys(text);
	/* 2 + 46 = 48 columns: three rows of 20, the cursor after the last */
	cr_assert_str_eq(rows(&scr, 0, 3), "$ 0123456789abcdefgh|ijklmnopqrstuvwxyz01|23456789");
	check_cursor(2, 8);
	/* Back to the first row and insert: everything after moves on, over the margins. */
	for (int i = 0; i < 40; i++)
		keys("\x1b[D");
	check_cursor(0, 8);
	keys("__");
	cr_assert_str_eq(rows(&scr, 0, 3), "$ 012345__6789abcdef|ghijklmnopqrstuvwxyz|0123456789");
	check_cursor(0, 10);
	/* Delete back to exactly two full rows: the cursor still finds its place. */
	keys("\x05\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f");
	cr_assert_str_eq(editor_line(&ed), "012345__6789abcdefghijklmnopqrstuvwxyz");
	cr_assert_str_eq(rows(&scr, 0, 3), "$ 012345__6789abcdef|ghijklmnopqrstuvwxyz|");
	check_cursor(2, 0);
	keys("\x01");
	check_cursor(0, 2);
	keys("\x05"
	     "!");
	check_cursor(2, 1);
	cr_assert_eq(keys("\r"), EDIT_DONE);
	check_cursor(3, 0);
}

Test(shell_edit, typing_at_the_margin)
{
	start("$ ");
	keys("123456789012345678"); /* exactly one row */
	check_cursor(1, 0);
	keys("x");
	cr_assert_str_eq(rows(&scr, 0, 2), "$ 123456789012345678|x");
	check_cursor(1, 1);
	keys("\x7f");
	check_cursor(1, 0);
	keys("\x1b[D");
	check_cursor(0, 19);
}

Test(shell_edit, a_prompt_that_fills_the_row)
{
	start("0123456789abcdefghi$");
	check_cursor(1, 0);
	keys("ab");
	cr_assert_str_eq(rows(&scr, 0, 2), "0123456789abcdefghi$|ab");
}

Test(shell_edit, utf8_characters_move_as_one)
{
	start("$ ");
	keys("a\xc3\xa9z");
	check_cursor(0, 5);
	keys("\x1b[D\x1b[D");
	check_cursor(0, 3);
	keys("\x7f");
	cr_assert_str_eq(editor_line(&ed), "\xc3\xa9z");
	keys("\x1b[C\x7f");
	cr_assert_str_eq(editor_line(&ed), "z");
}

Test(shell_edit, history)
{
	history_add(&hist, "one");
	history_add(&hist, "two");
	history_add(&hist, "two"); /* a repeat is not kept twice */
	history_add(&hist, "");
	cr_assert_eq(hist.count, 2);
	start("$ ");
	keys("new");
	keys("\x1b[A");
	cr_assert_str_eq(editor_line(&ed), "two");
	keys("\x1b[A\x1b[A");
	cr_assert_str_eq(editor_line(&ed), "one");
	keys("\x0e"); /* Ctrl-N */
	cr_assert_str_eq(editor_line(&ed), "two");
	keys("\x1b[B");
	cr_assert_str_eq(editor_line(&ed), "new");
	cr_assert_str_eq(rows(&scr, 0, 1), "$ new");
	keys("\x1b[B");
	cr_assert_str_eq(editor_line(&ed), "new");
	/* At most max entries: the oldest goes. */
	history_add(&hist, "three");
	history_add(&hist, "four");
	cr_assert_eq(hist.count, 3);
	cr_assert_str_eq(hist.lines[0], "two");
}

Test(shell_edit, a_full_line_takes_no_more)
{
	start("$ ");
	for (int i = 0; i < SH_LINE_MAX + 10; i++)
		editor_key(&ed, 'x');
	cr_assert_eq(strlen(editor_line(&ed)), SH_LINE_MAX - 1);
	rt_free(editor_take_output(&ed, &(size_t){0}));
}

/* ---- completion ---- */

/* A directory tree: /bin/{echo,exit2,hello}, /etc/{init.conf,inittab,x/}, /home/.hidden */
static long fake_list(const char *path, dir_entry_fn fn, void *arg)
{
	if (strcmp(path, "/bin") == 0) {
		fn("echo", false, arg);
		fn("exit2", false, arg);
		fn("hello", false, arg);
		fn("sub", true, arg);
	} else if (strcmp(path, "/etc") == 0) {
		fn("init.conf", false, arg);
		fn("inittab", false, arg);
		fn("x", true, arg);
		fn("with space", false, arg);
	} else if (strcmp(path, "/home") == 0) {
		fn(".hidden", false, arg);
		fn("me", true, arg);
	} else {
		return ARCHK_ERR_NOT_FOUND;
	}
	return 0;
}

static long unlistable(const char *path, dir_entry_fn fn, void *arg)
{
	return ARCHK_ERR_NOT_SUPPORTED;
}

static bool fake_exists(const char *path)
{
	return strcmp(path, "/bin/hello") == 0;
}

static struct completer completer = {"/etc", "/bin", fake_list, fake_exists};

static void start_completing(const char *prompt)
{
	start(prompt);
	editor_start(&ed, prompt, COLS, &hist, complete_word, &completer);
	rt_free(editor_take_output(&ed, &(size_t){0}));
}

TestSuite(shell_complete, .init = setup, .fini = teardown);

Test(shell_complete, program_names)
{
	start_completing("$ ");
	keys("hel\t");
	cr_assert_str_eq(editor_line(&ed), "hello ");
	keys("| ec\t");
	cr_assert_str_eq(editor_line(&ed), "hello | echo ");
	keys("&& ex\t"); /* exit (a builtin), exit2, export: "ex" stays, the names are listed */
	cr_assert_str_eq(editor_line(&ed), "hello | echo && ex");
	keys("p\t");
	cr_assert_str_eq(editor_line(&ed), "hello | echo && export ");
	keys("su\t"); /* an argument, not a program: a path in /etc */
	cr_assert_str_eq(editor_line(&ed), "hello | echo && export su");
}

Test(shell_complete, listing_candidates)
{
	start_completing("$ ");
	keys("ex\t");
	cr_assert_str_eq(editor_line(&ed), "ex");
	cr_assert_str_eq(rows(&scr, 0, 4), "$ ex|exit    exit2|export|$ ex");
	check_cursor(3, 4);
}

Test(shell_complete, file_names)
{
	start_completing("$ ");
	keys("cat ini\t");
	cr_assert_str_eq(editor_line(&ed), "cat init");
	keys(".\t");
	cr_assert_str_eq(editor_line(&ed), "cat init.conf ");
	keys("/home/\t");
	cr_assert_str_eq(editor_line(&ed), "cat init.conf /home/me/");
	keys(" x\t");
	cr_assert_str_eq(editor_line(&ed), "cat init.conf /home/me/ x/");
	keys(" /home/.h\t");
	cr_assert_str_eq(editor_line(&ed), "cat init.conf /home/me/ x/ /home/.hidden ");
	keys("w\t");
	cr_assert_str_eq(editor_line(&ed),
			 "cat init.conf /home/me/ x/ /home/.hidden with\\ space ");
	keys("/nowhere/a\t'q\t");
	cr_assert(strstr(editor_line(&ed), "/nowhere/a'q"));
}

Test(shell_complete, without_listings)
{
	completer.list_dir = unlistable;
	start_completing("$ ");
	keys("hello\t");
	cr_assert_str_eq(editor_line(&ed), "hello ");
	keys("; hel\t");
	cr_assert_str_eq(editor_line(&ed), "hello ; hel");
	keys("\x15"
	     "expo\t");
	cr_assert_str_eq(editor_line(&ed), "export ");
	completer.list_dir = fake_list;
}
