/*
 * Running commands. An and-or list runs its pipelines left to right, each
 * one only if the status so far says so. A pipeline of one builtin (or of
 * assignments alone) runs in the shell; anything else is processes: one per
 * command, spawned with pipes between them (kernel pipes, docs/abi.md 8.10)
 * and the files of their redirections as their in, out and err, then waited
 * for as a job. The shell's own copies of pipe ends are closed at once, so
 * that a reader sees the end of its input when its writer ends.
 *
 * Programs are found in each directory of $PATH (/bin if unset) unless the
 * name holds a /, which is resolved against the current directory. A file
 * that is not an executable but starts with #! runs as the interpreter it
 * names, with the file as its argument (#!/bin/sh scripts). A builtin in a
 * longer pipeline, and an and-or list run in the background, run in a child
 * shell (sh -c), as in other shells.
 *
 * Files are opened through the "root" handle: OPEN to read, CREATE (with
 * ARCHK_CREATE_TRUNCATE for >) to write, SEEK to the end for >>.
 */
#include <stdarg.h>
#include <archk/runtime.h>
#include "sh.h"

#define PIPELINE_MAX JOB_PROCS_MAX
#define SCRIPT_HEAD  256 /* bytes of a file looked at for #! */

struct builtin {
	const char *name;
	int (*fn)(int argc, char **argv, struct io_set *io);
};

static int builtin_cd(int argc, char **argv, struct io_set *io);
static int builtin_pwd(int argc, char **argv, struct io_set *io);
static int builtin_exit(int argc, char **argv, struct io_set *io);
static int builtin_export(int argc, char **argv, struct io_set *io);
static int builtin_unset(int argc, char **argv, struct io_set *io);
static int builtin_colon(int argc, char **argv, struct io_set *io);
static int builtin_help(int argc, char **argv, struct io_set *io);

static const struct builtin builtins[] = {
    {"cd", builtin_cd},		{"pwd", builtin_pwd},	  {"exit", builtin_exit},
    {"export", builtin_export}, {"unset", builtin_unset}, {"jobs", builtin_jobs},
    {"fg", builtin_fg},		{"wait", builtin_wait},	  {"kill", builtin_kill},
    {":", builtin_colon},	{"help", builtin_help},
};

const char *const sh_builtin_names[] = {"cd", "pwd",  "exit", "export", "unset", "jobs",
					"fg", "wait", "kill", ":",	"help",	 NULL};

void sh_error(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n] = '\n';
	archk_dprintf(sh.messages ? sh.messages : sh.err, "sh: %.*s", n + 1, line);
}

static const struct builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

/* ---- files ---- */

/* path resolved against the current directory, relative to root (no leading /). */
static char *root_path(const char *path)
{
	char *abs = archk_path_resolve(sh.cwd, path);

	if (abs)
		memmove(abs, abs + 1, strlen(abs));
	return abs;
}

static void io_keep(struct io_set *io, archk_handle_t h)
{
	if (io->nopened < (int)(sizeof(io->opened) / sizeof(io->opened[0])))
		io->opened[io->nopened++] = h;
	else
		archk_handle_close(h); /* cannot happen: a command has few redirections */
}

static void io_close(struct io_set *io)
{
	while (io->nopened > 0)
		archk_handle_close(io->opened[--io->nopened]);
}

/* Opens path to read: a handle, or an error code after a message. */
static long open_read(const char *path)
{
	char *rel = root_path(path);
	struct archk_meta meta;
	long h;

	if (!rel)
		return ARCHK_ERR_NO_MEMORY;
	h = archk_open(sh.root, rel,
		       ARCHK_RIGHT_READ | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_GET_PROPERTY);
	free(rel);
	if (h >= 0 && archk_get_meta((archk_handle_t)h, &meta) == 0 &&
	    meta.kind == ARCHK_KIND_DIR) {
		archk_handle_close((archk_handle_t)h);
		h = ARCHK_ERR_IS_DIR;
	}
	if (h < 0)
		sh_error("%s: cannot read: %s", path, archk_strerror(h));
	return h;
}

/* Creates (or truncates) path to write, or opens it to append: a handle, or an error. */
static long open_write(const char *path, bool append)
{
	char *rel = root_path(path);
	uint64_t how =
	    ARCHK_RIGHT_WRITE | ARCHK_RIGHT_TRANSFER | (append ? 0 : ARCHK_CREATE_TRUNCATE);
	long h;

	if (!rel)
		return ARCHK_ERR_NO_MEMORY;
	h = archk_do_io(ARCHK_IO_CREATE, sh.root, (long)rel, (long)strlen(rel), (long)how, 0);
	free(rel);
	if (h >= 0 && append) {
		long pos = archk_seek((archk_handle_t)h, 0, ARCHK_SEEK_END);

		if (pos < 0) {
			archk_handle_close((archk_handle_t)h);
			h = pos;
		}
	}
	if (h == ARCHK_ERR_ACCESS_DENIED || h == ARCHK_ERR_READ_ONLY)
		sh_error("%s: cannot write: %s (the store is read-only)", path, archk_strerror(h));
	else if (h < 0)
		sh_error("%s: cannot write: %s", path, archk_strerror(h));
	return h;
}

/* Applies c's redirections, in order, to io; 0, or -1 after a message. */
static int redirect(const struct command *c, struct io_set *io)
{
	char error[160];

	for (const struct redir *r = c->redirs; r; r = r->next) {
		char *target;
		long h;

		if (r->kind == REDIR_DUP) {
			io->h[r->fd] = io->h[r->dup_fd];
			continue;
		}
		if (!(target = expand_single(&sh.ctx, r->target, error, sizeof(error)))) {
			sh_error("%s", error);
			return -1;
		}
		h = r->kind == REDIR_IN ? open_read(target)
					: open_write(target, r->kind == REDIR_APPEND);
		free(target);
		if (h < 0)
			return -1;
		io_keep(io, (archk_handle_t)h);
		io->h[r->fd] = (archk_handle_t)h;
	}
	return 0;
}

/* ---- builtins ---- */

static int builtin_colon(int argc, char **argv, struct io_set *io)
{
	return 0;
}

static int builtin_pwd(int argc, char **argv, struct io_set *io)
{
	archk_dprintf(io->h[1], "%s\n", sh.cwd);
	return 0;
}

/* Is path (absolute) a directory one can open? 0, or an error code. */
static long check_directory(const char *path)
{
	struct archk_meta meta;
	long h = archk_open(sh.root, path + 1, ARCHK_RIGHT_GET_PROPERTY);
	long err = h;

	if (h >= 0) {
		err = archk_get_meta((archk_handle_t)h, &meta);
		if (err == 0 && meta.kind != ARCHK_KIND_DIR)
			err = ARCHK_ERR_NOT_DIR;
		archk_handle_close((archk_handle_t)h);
	}
	return err;
}

static int builtin_cd(int argc, char **argv, struct io_set *io)
{
	const char *to = argc > 1 ? argv[1] : var_get("HOME") ? var_get("HOME") : "/";
	char *path;
	long err;

	if (argc > 2) {
		archk_dprintf(io->h[2], "usage: cd [DIRECTORY | -]\n");
		return 2;
	}
	if (strcmp(to, "-") == 0 && !(to = var_get("OLDPWD"))) {
		sh_error("cd: OLDPWD is not set");
		return 1;
	}
	if (!(path = archk_path_resolve(sh.cwd, to)))
		return 1;
	if ((err = check_directory(path)) < 0) {
		sh_error("cd: %s: %s", to, archk_strerror(err));
		free(path);
		return 1;
	}
	var_set("OLDPWD", sh.cwd, true);
	free(sh.cwd);
	sh.cwd = path;
	var_set("PWD", path, true);
	if (argc > 1 && strcmp(argv[1], "-") == 0)
		archk_dprintf(io->h[1], "%s\n", path);
	return 0;
}

static int builtin_exit(int argc, char **argv, struct io_set *io)
{
	char *end;
	long code = argc > 1 ? strtol(argv[1], &end, 10) : sh.ctx.status;

	if (argc > 2 || (argc > 1 && (*end || !argv[1][0]))) {
		sh_error("exit: usage: exit [STATUS]");
		return 2;
	}
	sh.exiting = true;
	sh.exit_status = (int)(code & 0xff);
	return sh.exit_status;
}

static void print_export(const char *name, const char *value, bool exported, void *arg)
{
	if (exported)
		archk_dprintf(*(archk_handle_t *)arg, "export %s='%s'\n", name, value);
}

static int builtin_export(int argc, char **argv, struct io_set *io)
{
	int status = 0;

	if (argc == 1)
		vars_each(print_export, &io->h[1]);
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *why = NULL;

		if (eq) {
			*eq = '\0';
			why = var_set(argv[i], eq + 1, true);
		} else if (!var_valid_name(argv[i], strlen(argv[i]))) {
			why = "not a valid name";
		} else if (!var_get(argv[i])) {
			why = var_set(argv[i], "", true);
		} else {
			var_export(argv[i]);
		}
		if (why) {
			sh_error("export: %s: %s", argv[i], why);
			status = 1;
		}
	}
	return status;
}

static int builtin_unset(int argc, char **argv, struct io_set *io)
{
	for (int i = 1; i < argc; i++)
		var_unset(argv[i]);
	return 0;
}

/* Is there a program name in the directories of $PATH? */
static bool in_path(const char *name)
{
	const char *dirs = var_get("PATH") ? var_get("PATH") : "/bin";
	char dir[ARCHK_PATH_MAX + 1], *path;
	bool found = false;
	long h;

	while (!found && (dirs = path_next_dir(dirs, sh.cwd, dir, sizeof(dir)))) {
		if (!(path = archk_path_resolve(dir, name)))
			break;
		if ((found = (h = archk_open(sh.root, path + 1, ARCHK_RIGHT_READ)) >= 0))
			archk_handle_close((archk_handle_t)h);
		free(path);
	}
	return found;
}

/* help: a help program in $PATH (which knows the programs) runs; without one, the shell's. */
static int builtin_help(int argc, char **argv, struct io_set *io)
{
	if (in_path("help"))
		return BUILTIN_NOT_MINE;
	archk_dprintf(
	    io->h[1],
	    "archk shell. Builtins: cd pwd exit export unset jobs fg wait kill :\n"
	    "Run programs by name (found in $PATH, /bin by default); a | b pipes,\n"
	    "< > >> 2> 2>&1 redirect, ; && || sequence, & runs in the background.\n"
	    "Ctrl-C ends the program in the foreground, Ctrl-D on an empty line leaves.\n");
	return 0;
}

/* ---- words ---- */

/* Expands c's words into argv and its assignments into assign; 0, or -1 after a message. */
static int expand_command(const struct command *c, struct fields *argv, struct fields *assign)
{
	char error[160];

	memset(argv, 0, sizeof(*argv));
	memset(assign, 0, sizeof(*assign));
	for (int i = 0; i < c->nassigns; i++) {
		char *eq = strchr(c->assigns[i], '=');
		char *value = expand_single(&sh.ctx, eq + 1, error, sizeof(error));
		size_t n = (size_t)(eq - c->assigns[i]) + 1;
		char *entry;

		if (!value || !(entry = malloc(n + strlen(value) + 1))) {
			sh_error("%s", value ? "out of memory" : error);
			free(value);
			return -1;
		}
		memcpy(entry, c->assigns[i], n);
		strcpy(entry + n, value);
		fields_add(assign, entry);
		free(entry);
		free(value);
	}
	for (int i = 0; i < c->nwords; i++) {
		struct fields f;

		if (expand_word(&sh.ctx, c->words[i], &f, error, sizeof(error)) < 0) {
			sh_error("%s", error);
			return -1;
		}
		for (int k = 0; k < f.n; k++)
			fields_add(argv, f.v[k]);
		fields_free(&f);
	}
	if (!argv->v && !(argv->v = calloc(1, sizeof(*argv->v)))) {
		sh_error("out of memory");
		return -1;
	}
	return 0;
}

/* NAME=VALUE assignments made in the shell itself (no command word). */
static void assign_all(const struct fields *assign)
{
	for (int i = 0; i < assign->n; i++) {
		char *eq = strchr(assign->v[i], '=');

		*eq = '\0';
		var_set(assign->v[i], eq + 1, false);
		*eq = '=';
	}
}

/* ---- spawning ---- */

/* Spawns path with argv, envp and io: a process handle or an error code. */
static long spawn(const char *path, char **argv, char **envp, const struct io_set *io)
{
	static const char *const names[3] = {"in", "out", "err"};
	struct archk_spawn_handle handles[3];

	for (int i = 0; i < 3; i++) {
		strlcpy(handles[i].name, names[i], sizeof(handles[i].name));
		handles[i].handle = io->h[i];
		handles[i].rights = ARCHK_RIGHTS_SAME;
	}
	return archk_spawn_env(path, (const char *const *)argv, (const char *const *)envp, handles,
			       3);
}

/*
 * A file that is not a program: if it starts with #!INTERPRETER [ARG], runs
 * INTERPRETER [ARG] path argv[1..]. NOT_FOUND if it does not.
 */
static long spawn_script(const char *path, char **argv, char **envp, const struct io_set *io)
{
	char head[SCRIPT_HEAD + 1], *interp, *arg, *end, *args[ARCHK_SPAWN_ARGC_MAX];
	long h = archk_open(sh.root, path + 1, ARCHK_RIGHT_READ), n;
	int k = 0;

	if (h < 0)
		return h;
	n = archk_pread((archk_handle_t)h, head, SCRIPT_HEAD, 0);
	archk_handle_close((archk_handle_t)h);
	if (n < 3 || head[0] != '#' || head[1] != '!')
		return ARCHK_ERR_NOT_FOUND;
	head[n] = '\0';
	if ((end = strchr(head, '\n')))
		*end = '\0';
	for (interp = head + 2; *interp == ' ' || *interp == '\t'; interp++)
		;
	for (end = interp; *end && *end != ' ' && *end != '\t'; end++)
		;
	for (arg = end; *arg == ' ' || *arg == '\t'; arg++)
		*arg = '\0';
	if (interp[0] != '/')
		return ARCHK_ERR_NOT_FOUND;
	args[k++] = interp;
	if (*arg)
		args[k++] = arg;
	args[k++] = (char *)path;
	for (int i = 1; argv[i] && k < ARCHK_SPAWN_ARGC_MAX - 1; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	return spawn(interp, args, envp, io);
}

/* Spawns the file at path (absolute), or the interpreter its #! names. */
static long spawn_file(const char *path, char **argv, char **envp, const struct io_set *io)
{
	long p = spawn(path, argv, envp, io);
	long script;

	if (p != ARCHK_ERR_ACCESS_DENIED && p != ARCHK_ERR_BAD_ELF)
		return p;
	script = spawn_script(path, argv, envp, io);
	return script == ARCHK_ERR_NOT_FOUND ? p : script;
}

/* Finds argv[0] and spawns it; a process handle, or an error code after a message. */
static long spawn_program(char **argv, char **envp, const struct io_set *io)
{
	const char *dirs = var_get("PATH") ? var_get("PATH") : "/bin";
	char dir[ARCHK_PATH_MAX + 1], *path;
	long p = ARCHK_ERR_NOT_FOUND;

	if (strchr(argv[0], '/')) {
		if (!(path = archk_path_resolve(sh.cwd, argv[0])))
			return ARCHK_ERR_NO_MEMORY;
		p = spawn_file(path, argv, envp, io);
		free(path);
	}
	while (!strchr(argv[0], '/') && p == ARCHK_ERR_NOT_FOUND &&
	       (dirs = path_next_dir(dirs, sh.cwd, dir, sizeof(dir)))) {
		if (!(path = archk_path_resolve(dir, argv[0])))
			return ARCHK_ERR_NO_MEMORY;
		p = spawn_file(path, argv, envp, io);
		free(path);
	}
	if (p == ARCHK_ERR_NOT_FOUND)
		sh_error("%s: command not found", argv[0]);
	else if (p < 0)
		sh_error("%s: %s", argv[0], archk_strerror(p));
	return p;
}

/* ---- commands and pipelines ---- */

/*
 * Spawns one command of job j with io (its redirections applied): argv, or
 * "sh -c TEXT" for a builtin that must run in a process of its own. Adds it
 * to j; if it could not start and is the last, its status is j's.
 */
static void spawn_into(struct job *j, char **argv, char **envp, const struct io_set *io,
		       const char *name, bool last)
{
	long p = spawn_program(argv, envp, io);

	if (p > 0)
		job_add(j, (archk_handle_t)p, name);
	else if (last)
		j->failed_status = p == ARCHK_ERR_NOT_FOUND ? 127 : 126;
}

/*
 * Starts command c of a pipeline with in and out (err is the shell's). A
 * builtin runs in a child shell, unless it is the only command (then the
 * shell ran it already and it asked for the program of that name: kill).
 */
static void start_command(struct job *j, const struct command *c, archk_handle_t in,
			  archk_handle_t out, bool last, bool alone)
{
	struct io_set io = {{in, out, sh.err}, {0}, 0};
	struct fields argv, assign;
	char *shell_argv[] = {"/bin/sh", "-c", c->text, NULL}, **envp = NULL;

	if (expand_command(c, &argv, &assign) < 0 || redirect(c, &io) < 0) {
		if (last)
			j->failed_status = 1;
	} else if (argv.n == 0) {
		if (last) /* assignments or redirections alone: nothing runs */
			j->failed_status = 0;
	} else if (!(envp = vars_env(assign.v, assign.n))) {
		sh_error("out of memory");
		if (last)
			j->failed_status = 1;
	} else {
		bool child_shell = find_builtin(argv.v[0]) && !alone;

		sh.messages = io.h[2]; /* "command not found" goes where the command's errors go */
		spawn_into(j, child_shell ? shell_argv : argv.v, envp, &io, argv.v[0], last);
		sh.messages = 0;
	}
	vars_env_free(envp);
	fields_free(&argv);
	fields_free(&assign);
	io_close(&io);
}

/*
 * An empty input for a background job: the read end of a pipe whose write
 * end is closed, so that it never takes the shell's terminal input.
 */
static archk_handle_t empty_input(void)
{
	archk_handle_t ends[2];

	if (archk_pipe_create(ends) < 0)
		return sh.in;
	archk_handle_close(ends[1]);
	return ends[0];
}

/*
 * A pipeline as processes: pipe i joins command i's out to command i+1's
 * in. The shell closes its copy of each pipe end as soon as the command
 * that uses it has started (or failed to), so every reader sees the end.
 */
static struct job *start_pipeline(const struct pipeline *pl, bool background)
{
	struct job *j = job_new(pl->text, background);
	archk_handle_t prev, ends[2];

	if (!j)
		return NULL;
	if (pl->ncmds > PIPELINE_MAX) {
		sh_error("a pipeline may have at most %d commands", PIPELINE_MAX);
		j->failed_status = 2;
		return j;
	}
	prev = background ? empty_input() : sh.in;
	for (int i = 0; i < pl->ncmds; i++) {
		bool last = i == pl->ncmds - 1;
		long err = last ? 0 : archk_pipe_create(ends);

		if (err < 0) {
			sh_error("cannot make a pipe: %s", archk_strerror(err));
			j->failed_status = 1;
			break;
		}
		start_command(j, pl->cmds[i], prev, last ? sh.out : ends[1], last, pl->ncmds == 1);
		if (prev != sh.in)
			archk_handle_close(prev);
		prev = sh.in;
		if (!last) {
			archk_handle_close(ends[1]);
			prev = ends[0];
		}
	}
	if (prev != sh.in)
		archk_handle_close(prev); /* a pipe made for a command that never came */
	return j;
}

/*
 * Runs a pipeline of one builtin, or of assignments alone, in the shell
 * itself; true if it did (its status in *status).
 */
static bool runs_in_shell(const struct pipeline *pl, int *status)
{
	const struct command *c = pl->cmds[0];
	struct io_set io = {{sh.in, sh.out, sh.err}, {0}, 0};
	struct fields argv, assign;
	const struct builtin *b = NULL;
	bool done = true;

	if (pl->ncmds != 1)
		return false;
	if (expand_command(c, &argv, &assign) < 0) {
		*status = 1;
		return true;
	}
	if (argv.n == 0) { /* NAME=value... and redirections: the shell's own variables */
		assign_all(&assign);
		*status = redirect(c, &io) < 0 ? 1 : 0;
	} else if ((b = find_builtin(argv.v[0]))) {
		*status = 1;
		if (redirect(c, &io) == 0) {
			sh.messages = io.h[2];
			*status = b->fn(argv.n, argv.v, &io);
			sh.messages = 0;
		}
		done = *status != BUILTIN_NOT_MINE;
	} else {
		done = false;
	}
	io_close(&io);
	fields_free(&argv);
	fields_free(&assign);
	return done;
}

static int run_pipeline(const struct pipeline *pl, bool tested)
{
	int status;
	struct job *j;

	if (sh.interactive)
		input_release(); /* the programs (a job fg resumes too) read the terminal now */
	if (runs_in_shell(pl, &status))
		return status;
	if (!(j = start_pipeline(pl, false)))
		return 1;
	return job_run_foreground(j, tested);
}

/* An and-or list with & : one pipeline starts as a job; a longer list runs in sh -c. */
static void start_background(const struct andor *a)
{
	struct io_set io = {{0, sh.out, sh.err}, {0}, 0};
	char *argv[] = {"/bin/sh", "-c", a->text, NULL}, **envp;
	struct job *j;

	if (a->npipes == 1) {
		j = start_pipeline(a->pipes[0], true);
	} else if ((j = job_new(a->text, true))) {
		io.h[0] = empty_input();
		if ((envp = vars_env(NULL, 0)))
			spawn_into(j, argv, envp, &io, "sh", true);
		vars_env_free(envp);
		if (io.h[0] != sh.in)
			archk_handle_close(io.h[0]);
	}
	if (j)
		job_started(j);
	sh.ctx.status = 0;
}

static int run_andor(const struct andor *a)
{
	int status = sh.ctx.status;

	for (int i = 0; i < a->npipes && !sh.exiting; i++) {
		if ((a->ops[i] == OP_AND && status != 0) || (a->ops[i] == OP_OR && status == 0))
			continue;
		status = run_pipeline(a->pipes[i], i + 1 < a->npipes);
		sh.ctx.status = status;
	}
	return status;
}

void run_program(struct program *p)
{
	for (int i = 0; i < p->nitems && !sh.exiting; i++) {
		if (p->items[i]->background)
			start_background(p->items[i]);
		else
			sh.ctx.status = run_andor(p->items[i]);
	}
}
