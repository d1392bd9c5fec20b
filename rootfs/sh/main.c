/*
 * sh: the shell's entry. Three ways to run:
 *   sh                      commands from "in": with line editing, prompts,
 *                           history and job notices when in and out are a
 *                           terminal, plain lines otherwise (a script on a pipe)
 *   sh FILE [ARG...]        the commands of FILE ($0 FILE, $1... ARG)
 *   sh -c TEXT [NAME [ARG...]]  the commands of TEXT
 * It exits with the status of the last command, or exit's. A syntax error
 * ends a script (status 2); at a terminal the next line is read.
 */
#include <archk/runtime.h>
#include "sh.h"

#define HISTORY_MAX  500
#define HISTORY_FILE "/home/.sh_history"
#define LIST_BUFFER  4096

struct shell sh;

enum next_result { LINE_END = 0, LINE_READ = 1, LINE_INTERRUPTED = 2 };

/*
 * A source of lines: next puts the next one (without its newline, malloc'd)
 * in *line; more says the text so far needs more lines.
 */
struct source {
	enum next_result (*next)(struct source *src, char **line, bool more);
	const char *name; /* for messages: a file, or NULL */
	const char *text; /* a file's or -c's text */
	size_t pos;
	int line;
};

/* ---- directories, for completion ---- */

/* Lists directory path (absolute) through READ of struct archk_dirent records. */
static long list_dir(const char *path, dir_entry_fn fn, void *arg)
{
	static uint8_t records[LIST_BUFFER];
	long h = archk_open(sh.root, path + 1, ARCHK_RIGHT_READ), n = 0;
	uint64_t offset = 0;

	if (h < 0)
		return h;
	while ((n = archk_pread((archk_handle_t)h, records, sizeof(records), offset)) > 0) {
		for (long used = 0; used + (long)sizeof(struct archk_dirent) <= n;) {
			const struct archk_dirent *d =
			    (const struct archk_dirent *)(records + used);

			if (d->reclen < sizeof(*d) || used + d->reclen > n)
				break;
			fn(d->name, d->kind == ARCHK_KIND_DIR, arg);
			offset = d->next;
			used += d->reclen;
		}
	}
	archk_handle_close((archk_handle_t)h);
	return n;
}

static bool exists(const char *path)
{
	long h = archk_open(sh.root, path + 1, ARCHK_RIGHT_READ);

	if (h >= 0)
		archk_handle_close((archk_handle_t)h);
	return h >= 0;
}

/* ---- history ---- */

static const char *history_file(void)
{
	return var_get("HISTFILE") ? var_get("HISTFILE") : HISTORY_FILE;
}

/* Reads the history file, if there is one. */
static void history_load(void)
{
	long h = archk_open(sh.root, history_file() + 1, ARCHK_RIGHT_READ);
	char buf[1024], line[SH_LINE_MAX];
	size_t len = 0;
	long n;

	if (h < 0)
		return;
	while ((n = archk_read((archk_handle_t)h, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++) {
			if (buf[i] == '\n' || len == sizeof(line) - 1) {
				line[len] = '\0';
				history_add(&sh.history, line);
				len = 0;
			} else {
				line[len++] = buf[i];
			}
		}
	}
	archk_handle_close((archk_handle_t)h);
}

/* Appends line to the history file; where it cannot be written, the history stays in memory. */
static void history_save(const char *line)
{
	const char *path = history_file();
	uint64_t how = ARCHK_RIGHT_WRITE;
	long h;

	if (strchr(line, '\n'))
		return; /* one line per entry in the file */
	h = archk_do_io(ARCHK_IO_CREATE, sh.root, (long)(path + 1), (long)strlen(path + 1),
			(long)how, 0);
	if (h < 0)
		return;
	if (archk_seek((archk_handle_t)h, 0, ARCHK_SEEK_END) >= 0) {
		archk_write((archk_handle_t)h, line, strlen(line));
		archk_write((archk_handle_t)h, "\n", 1);
	}
	archk_handle_close((archk_handle_t)h);
}

/* ---- sources of lines ---- */

static void flush(struct editor *e)
{
	size_t len;
	char *out = editor_take_output(e, &len);

	if (len)
		archk_write(sh.out, out, len);
	free(out);
}

/* A line from the terminal, edited; Ctrl-C gives an empty line and drops what was pending. */
static enum next_result next_edited(struct source *src, char **line, bool more)
{
	static struct editor editor;
	static struct completer completer;
	char prompt[ARCHK_PATH_MAX + 16], c;
	enum edit_result r = EDIT_MORE;

	if (!more)
		jobs_report_done();
	snprintf(prompt, sizeof(prompt), more ? "> " : "archk:%s$ ", sh.cwd);
	completer = (struct completer){sh.cwd, var_get("PATH") ? var_get("PATH") : "/bin", list_dir,
				       exists};
	editor_start(&editor, prompt, input_columns(), &sh.history, complete_word, &completer);
	flush(&editor);
	while (r == EDIT_MORE) {
		if (input_byte(&c, ARCHK_DEADLINE_INFINITE) != 1)
			r = EDIT_EOF;
		else
			r = editor_key(&editor, (unsigned char)c);
		flush(&editor);
	}
	if (r == EDIT_EOF)
		return LINE_END;
	if (r == EDIT_INTERRUPT) {
		sh.ctx.status = 130;
		return LINE_INTERRUPTED;
	}
	*line = strdup(editor_line(&editor));
	return *line ? LINE_READ : LINE_END;
}

/* A plain line from in, a byte at a time so that nothing after it is taken from the programs. */
static enum next_result next_plain(struct source *src, char **line, bool more)
{
	char buf[SH_LINE_MAX], c;
	size_t len = 0;
	long n;

	while ((n = archk_read(sh.in, &c, 1)) == 1 && c != '\n')
		if (len < sizeof(buf) - 1)
			buf[len++] = c;
	if (n != 1 && len == 0)
		return LINE_END;
	buf[len] = '\0';
	src->line++;
	*line = strdup(buf);
	return *line ? LINE_READ : LINE_END;
}

/* The next line of a file's or -c's text. */
static enum next_result next_text(struct source *src, char **line, bool more)
{
	const char *start = src->text + src->pos, *end = strchr(start, '\n');
	size_t n = end ? (size_t)(end - start) : strlen(start);

	if (!*start)
		return LINE_END;
	src->pos += n + (end != NULL);
	src->line++;
	if (!(*line = malloc(n + 1)))
		return LINE_END;
	memcpy(*line, start, n);
	(*line)[n] = '\0';
	return LINE_READ;
}

/* ---- running ---- */

static bool append(char **text, const char *line)
{
	size_t old = *text ? strlen(*text) : 0, n = strlen(line);
	char *grown = realloc(*text, old + n + 2);

	if (!grown)
		return false;
	memcpy(grown + old, line, n);
	grown[old + n] = '\n';
	grown[old + n + 1] = '\0';
	*text = grown;
	return true;
}

static void syntax_error(const struct source *src, const char *message)
{
	if (src->name)
		sh_error("%s: line %d: %s", src->name, src->line, message);
	else
		sh_error("%s", message);
	sh.ctx.status = 2;
}

/* Runs each command as soon as its lines are complete, until the source ends or exit. */
static void run_source(struct source *src)
{
	char *text = NULL, *line, error[200];
	enum next_result got;
	enum parse_status r;
	struct program p;

	while (!sh.exiting && (got = src->next(src, &line, text != NULL)) != LINE_END) {
		if (got == LINE_INTERRUPTED) { /* Ctrl-C: the command being typed is dropped */
			free(text);
			text = NULL;
			continue;
		}
		r = append(&text, line) ? parse_program(text, &p, error, sizeof(error))
					: PARSE_ERROR;
		if (sh.interactive && line[0]) {
			history_add(&sh.history, line);
			history_save(line);
		}
		free(line);
		if (r == PARSE_MORE)
			continue;
		if (r == PARSE_ERROR) {
			syntax_error(src, text ? error : "out of memory");
			if (!sh.interactive) {
				sh.exiting = true;
				sh.exit_status = 2;
			}
		} else {
			run_program(&p);
			program_free(&p);
		}
		free(text);
		text = NULL;
	}
	if (text && !sh.exiting) {
		syntax_error(src,
			     "unexpected end of input (an unclosed quote, or a trailing | && ||)");
		sh.exit_status = 2;
		sh.exiting = true;
	}
	free(text);
}

/* Reads a whole script file (resolved against the current directory). */
static char *read_script(const char *name)
{
	char *path = archk_path_resolve(sh.cwd, name), *text = NULL;
	struct archk_meta meta;
	long h = path ? archk_open(sh.root, path + 1, ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY)
		      : ARCHK_ERR_NO_MEMORY;
	long n = 0;

	free(path);
	if (h >= 0 && archk_get_meta((archk_handle_t)h, &meta) == 0 &&
	    meta.kind != ARCHK_KIND_DIR && (text = malloc(meta.size + 1)))
		n = archk_pread((archk_handle_t)h, text, meta.size, 0);
	if (h >= 0)
		archk_handle_close((archk_handle_t)h);
	if (h < 0 || !text || n < 0) {
		sh_error("%s: cannot read: %s", name,
			 archk_strerror(h < 0	? h
					: n < 0 ? n
						: ARCHK_ERR_IS_DIR));
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

static bool is_terminal(archk_handle_t h)
{
	struct archk_meta meta;

	return archk_get_meta(h, &meta) == 0 && (meta.flags & ARCHK_META_TERMINAL);
}

/* The current directory: $PWD if it is an absolute path, else /. */
static void init_cwd(void)
{
	const char *pwd = var_get("PWD");

	sh.cwd = archk_path_resolve("/", pwd && pwd[0] == '/' ? pwd : "/");
	var_set("PWD", sh.cwd, true);
}

static void interactive(void)
{
	long ev = archk_do_io(ARCHK_IO_OPEN, sh.in, (long)"interrupt", 9, ARCHK_RIGHTS_SAME, 0);
	struct source src = {.next = next_edited};

	sh.interactive = true;
	sh.interrupt = ev > 0 ? (archk_handle_t)ev : 0;
	input_init();
	history_load();
	printf("archk shell: type help; Tab completes, Up recalls, Ctrl-C ends the program "
	       "running, exit or Ctrl-D leaves\n");
	run_source(&src);
}

int main(int argc, char **argv)
{
	struct source src = {0};
	char *text;

	sh.in = archk_handle_named("in");
	sh.out = archk_handle_named("out");
	sh.err = archk_handle_named("err");
	sh.root = archk_handle_named("root");
	sh.history.max = HISTORY_MAX;
	vars_init(archk_environ);
	init_cwd();
	sh.ctx.pid = (unsigned long)archk_process_self();
	sh.ctx.argc = 1;
	sh.ctx.argv = argv;
	if (argc >= 2 && strcmp(argv[1], "-c") == 0) {
		if (argc < 3) {
			sh_error("-c needs the commands");
			return 2;
		}
		sh.ctx.argc = argc > 3 ? argc - 3 : 1;
		sh.ctx.argv = argc > 3 ? argv + 3 : argv;
		src = (struct source){.next = next_text, .text = argv[2]};
		run_source(&src);
	} else if (argc >= 2) {
		sh.ctx.argc = argc - 1;
		sh.ctx.argv = argv + 1;
		if (!(text = read_script(argv[1])))
			return 127;
		src = (struct source){.next = next_text, .name = argv[1], .text = text};
		run_source(&src);
		free(text);
	} else if (is_terminal(sh.in) && is_terminal(sh.out)) {
		interactive();
	} else {
		src = (struct source){.next = next_plain};
		run_source(&src);
	}
	return sh.exiting ? sh.exit_status : sh.ctx.status;
}
