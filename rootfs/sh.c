/*
 * A small interactive shell: reads lines from "in", runs each as a program
 * from the store (a bare name means /bin/NAME) and waits for it, or, when
 * the line ends with "&", lets it run in the background. Builtins:
 * exit [STATUS], wait (for the background programs), help. At end of input
 * it exits with the last status.
 */
#include <archk/runtime.h>

#define LINE_MAX_BYTES 1024
#define MAX_ARGS       32
#define MAX_BACKGROUND 16

/* Buffered line input from a handle; lines longer than the buffer are split. */
struct line_reader {
	archk_handle_t h;
	char buf[LINE_MAX_BYTES];
	size_t len;
};

/* The next line without its newline, or NULL at end of input. */
static char *read_line(struct line_reader *r, char *line)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		size_t take = nl ? (size_t)(nl - r->buf) : r->len;

		if (nl || r->len == sizeof(r->buf)) {
			memcpy(line, r->buf, take);
			line[take] = '\0';
			take += nl != NULL;
			memmove(r->buf, r->buf + take, r->len - take);
			r->len -= take;
			return line;
		}
		long n = archk_read(r->h, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0) {
			if (r->len == 0)
				return NULL;
			memcpy(line, r->buf, r->len);
			line[r->len] = '\0';
			r->len = 0;
			return line;
		}
		r->len += (size_t)n;
	}
}

static int split(char *line, const char **words)
{
	int n = 0;

	for (char *p = line; *p && n < MAX_ARGS - 1;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p)
			words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	words[n] = NULL;
	return n;
}

/* Programs started with "&" that nobody has waited for yet. */
static archk_handle_t background[MAX_BACKGROUND];
static int background_count;

/* Waits for a program; returns its status as a shell would. */
static int finish(const char *name, archk_handle_t p)
{
	struct archk_exit_status st;

	archk_process_wait(p, &st);
	archk_handle_close(p);
	if (st.reason == ARCHK_EXIT_NORMAL)
		return st.code;
	printf("sh: %s ended by signal %u\n", name, st.signal);
	return 128 + (int)st.signal;
}

/* The wait builtin: waits for every background program; the last one's status. */
static int wait_background(void)
{
	int status = 0;

	for (int i = 0; i < background_count; i++)
		status = finish("background program", background[i]);
	background_count = 0;
	return status;
}

/*
 * Runs words[0] with its arguments; returns its status as a shell would, or
 * 0 at once for a background program.
 */
static int run(const char **words, int in_background)
{
	char path[ARCHK_PATH_MAX];
	long p;

	if (words[0][0] == '/')
		strlcpy(path, words[0], sizeof(path));
	else
		snprintf(path, sizeof(path), "/bin/%s", words[0]);
	p = archk_spawn(path, words, NULL, 0);
	if (p < 0) {
		printf("sh: %s: %s\n", words[0], archk_strerror(p));
		return 127;
	}
	if (!in_background)
		return finish(words[0], (archk_handle_t)p);
	if (background_count == MAX_BACKGROUND) {
		printf("sh: %d programs run in the background already; waiting for this one\n",
		       MAX_BACKGROUND);
		return finish(words[0], (archk_handle_t)p);
	}
	background[background_count++] = (archk_handle_t)p;
	return 0;
}

int main(void)
{
	static struct line_reader in;
	char line[LINE_MAX_BYTES + 1];
	const char *words[MAX_ARGS];
	int status = 0, n;

	in.h = archk_handle_named("in");
	printf("archk shell: type a program name (help lists them), exit or Ctrl-D to leave\n");
	for (;;) {
		printf("archk$ ");
		if (!read_line(&in, line))
			break;
		n = split(line, words);
		int in_background = n > 0 && strcmp(words[n - 1], "&") == 0;
		if (in_background)
			words[--n] = NULL;
		if (n == 0)
			continue;
		if (strcmp(words[0], "exit") == 0)
			return words[1] ? atoi(words[1]) : status;
		if (strcmp(words[0], "help") == 0) {
			printf(
			    "run a program from the store: a bare name means /bin/NAME,\n"
			    "e.g. hello a b, echo hi, cat /etc/init.conf; add & to run it in the\n"
			    "background; wait; exit [STATUS]\n");
			continue;
		}
		if (strcmp(words[0], "wait") == 0) {
			status = wait_background();
			continue;
		}
		status = run(words, in_background);
	}
	printf("\n");
	return status;
}
