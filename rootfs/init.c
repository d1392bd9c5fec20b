/*
 * init: the first process. It prints a banner (with the key that ends archk
 * when the console is a terminal), runs the commands of /etc/init.conf one
 * after another and exits with the status of the last command it ran, or
 * with a summary of all of them if the configuration asks for that
 * ("exit-status summary"); archk exits with init's status.
 */
#include <archk/runtime.h>

#define MAX_ARGS 32

enum exit_rule { EXIT_LAST, EXIT_SUMMARY };

/* Reads a whole store file into a NUL-terminated heap buffer. */
static char *read_file(const char *path)
{
	struct archk_meta meta;
	long h = archk_open(archk_handle_named("root"), path,
			    ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
	char *buf;

	if (h < 0)
		return NULL;
	if (archk_get_meta((archk_handle_t)h, &meta) < 0 || !(buf = malloc(meta.size + 1))) {
		archk_handle_close((archk_handle_t)h);
		return NULL;
	}
	long n = archk_pread((archk_handle_t)h, buf, meta.size, 0);
	archk_handle_close((archk_handle_t)h);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Splits line into words in place; returns the word count. */
static int split(char *line, const char **words, int max)
{
	int n = 0;

	while (*line && n < max - 1) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (!*line)
			break;
		words[n++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
	}
	words[n] = NULL;
	return n;
}

/* The status a shell would give: the code, 128 + the signal of a fault, 137 if killed. */
static int status_of(const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		return st->code & 0xff;
	return st->reason == ARCHK_EXIT_FAULT ? 128 + (int)st->signal : 128 + 9;
}

static void describe(const char *prog, const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		printf("init: %s exited with status %d\n", prog, st->code);
	else if (st->reason == ARCHK_EXIT_FAULT)
		printf("init: %s was stopped by a fault (signal %u)\n", prog, st->signal);
	else
		printf("init: %s was killed\n", prog);
}

/* Runs one "run PROGRAM ARGS" line; its status (127: not found, 126: not started). */
static int run(const char **argv)
{
	struct archk_exit_status st;
	long p = archk_spawn(argv[0], argv, NULL, 0);

	if (p < 0) {
		printf("init: cannot run %s: %s\n", argv[0], archk_strerror(p));
		return p == ARCHK_ERR_NOT_FOUND ? 127 : 126;
	}
	long err = archk_process_wait((archk_handle_t)p, &st);
	archk_handle_close((archk_handle_t)p);
	if (err < 0) {
		printf("init: waiting for %s failed: %s\n", argv[0], archk_strerror(err));
		return 126;
	}
	if (status_of(&st) != 0)
		describe(argv[0], &st);
	return status_of(&st);
}

/* Is the console a terminal? Then the keys that end archk are worth a line. */
static int on_terminal(void)
{
	struct archk_meta meta;

	return archk_get_meta(archk_handle_named("in"), &meta) == 0 &&
	       (meta.flags & ARCHK_META_TERMINAL);
}

int main(void)
{
	const char *words[MAX_ARGS];
	char *conf = read_file("etc/init.conf");
	int failures = 0, commands = 0, last = 0;
	enum exit_rule rule = EXIT_LAST;

	printf("archk: init started (process %lu)%s\n", (unsigned long)archk_process_self(),
	       on_terminal() ? "; type Ctrl-a x to end archk" : "");
	if (!conf) {
		printf("init: cannot read /etc/init.conf\n");
		return 1;
	}
	for (char *line = conf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || split(line, words, MAX_ARGS) == 0)
			continue;
		if (strcmp(words[0], "exit-status") == 0) {
			if (words[1] && !words[2] && strcmp(words[1], "last") == 0)
				rule = EXIT_LAST;
			else if (words[1] && !words[2] && strcmp(words[1], "summary") == 0)
				rule = EXIT_SUMMARY;
			else {
				printf("init: /etc/init.conf: exit-status wants 'last' or "
				       "'summary'\n");
				failures++;
			}
			continue;
		}
		if (strcmp(words[0], "run") != 0 || !words[1]) {
			printf("init: /etc/init.conf: unknown command '%s'\n", words[0]);
			failures++;
			continue;
		}
		commands++;
		last = run(words + 1);
		failures += last != 0;
	}
	printf("init: %d command%s run, %d failed\n", commands, commands == 1 ? "" : "s", failures);
	free(conf);
	return rule == EXIT_SUMMARY ? failures != 0 : last;
}
