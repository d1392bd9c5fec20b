/*
 * init: the first process. It prints a banner, runs the commands of
 * /etc/init.conf one after another and exits with 0 if all succeeded.
 */
#include <archk/runtime.h>

#define MAX_ARGS 32

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

static void describe(const char *prog, const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		printf("init: %s exited with status %d\n", prog, st->code);
	else if (st->reason == ARCHK_EXIT_FAULT)
		printf("init: %s was stopped by a fault (signal %u)\n", prog, st->signal);
	else
		printf("init: %s was killed\n", prog);
}

/* Runs one "run PROGRAM ARGS" line; 0 if it exited with status 0. */
static int run(const char **argv)
{
	struct archk_exit_status st;
	long p = archk_spawn(argv[0], argv, NULL, 0);

	if (p < 0) {
		printf("init: cannot run %s: %s\n", argv[0], archk_strerror(p));
		return -1;
	}
	long err = archk_process_wait((archk_handle_t)p, &st);
	archk_handle_close((archk_handle_t)p);
	if (err < 0) {
		printf("init: waiting for %s failed: %s\n", argv[0], archk_strerror(err));
		return -1;
	}
	if (st.reason != ARCHK_EXIT_NORMAL || st.code != 0) {
		describe(argv[0], &st);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *words[MAX_ARGS];
	char *conf = read_file("etc/init.conf");
	int failures = 0, commands = 0;

	printf("archk: init started (process %lu)\n", (unsigned long)archk_process_self());
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
		if (strcmp(words[0], "run") != 0 || !words[1]) {
			printf("init: /etc/init.conf: unknown command '%s'\n", words[0]);
			failures++;
			continue;
		}
		commands++;
		failures += run(words + 1) < 0;
	}
	printf("init: %d command%s run, %d failed\n", commands, commands == 1 ? "" : "s", failures);
	free(conf);
	return failures ? 1 : 0;
}
