/*
 * The shell (sh): a small POSIX-like command language for archk.
 *
 *   parse.c     lines into a syntax tree (commands, pipelines, and-or lists)
 *   expand.c    words into fields: quotes, $VAR, ${VAR}, $?, $$, ~, splitting
 *   vars.c      shell variables and the environment children get
 *   edit.c      the line editor for a terminal, and the history
 *   complete.c  Tab completion of program and file names
 *   exec.c      running commands: builtins, programs, pipes, redirections
 *   jobs.c      the job table, waiting, Ctrl-C, jobs/fg/wait/kill
 *   input.c     reading the terminal (with deadlines) and plain input
 *   main.c      startup, the interactive loop, scripts, -c
 *
 * Paths are resolved with the runtime's archk_path_resolve. parse.c,
 * expand.c, vars.c, edit.c and complete.c make no system
 * calls of their own (what they need from outside comes through function
 * pointers), so tests/unit runs them on the host.
 */
#ifndef ROOTFS_SH_H
#define ROOTFS_SH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <archk/object.h>

#define SH_LINE_MAX 4096 /* bytes of one line the editor takes */

/* ---- parse.c ---- */

enum redir_kind {
	REDIR_IN,     /* N< file (N default 0) */
	REDIR_OUT,    /* N> file (N default 1): truncated or created */
	REDIR_APPEND, /* N>> file */
	REDIR_DUP,    /* N>&M: N becomes a copy of M */
};

struct redir {
	enum redir_kind kind;
	int fd;	      /* 0 in, 1 out, 2 err */
	int dup_fd;   /* REDIR_DUP: the source */
	char *target; /* the file word, unexpanded */
	struct redir *next;
};

struct command {
	char **assigns; /* NAME=value words before the command, unexpanded */
	int nassigns;
	char **words; /* the command and its arguments, unexpanded */
	int nwords;
	struct redir *redirs; /* in the order written */
	char *text;	      /* the source text, for job lists and sh -c */
};

struct pipeline {
	struct command **cmds;
	int ncmds;
	char *text;
};

enum andor_op { OP_NONE, OP_AND, OP_OR };

/* a | b && c || d: pipelines joined by && and ||, run left to right. */
struct andor {
	struct pipeline **pipes;
	enum andor_op *ops; /* ops[i] joins pipes[i - 1] and pipes[i]; ops[0] is OP_NONE */
	int npipes;
	bool background; /* ended with & */
	char *text;	 /* the source text without the & */
};

struct program {
	struct andor **items;
	int nitems;
};

enum parse_status {
	PARSE_OK = 0,
	PARSE_MORE = 1,	  /* the text ends inside a quote or after |, && or ||: read on */
	PARSE_ERROR = -1, /* error holds a message */
};

/* Parses text (several lines allowed) into *out; on PARSE_ERROR, error says why. */
enum parse_status parse_program(const char *text, struct program *out, char *error,
				size_t error_len);
void program_free(struct program *p);

/* ---- vars.c ---- */

/* Loads the variables from env (NAME=VALUE strings, all exported). */
void vars_init(char **env);
const char *var_get(const char *name);
/* Sets name (keeps its export flag; export: also exports it); 0 or an error message. */
const char *var_set(const char *name, const char *value, bool export);
void var_unset(const char *name);
void var_export(const char *name);
bool var_valid_name(const char *name, size_t len);
/*
 * Walks a $PATH-style list: the next directory (resolved against cwd) in
 * dir; returns the rest of the list, or NULL at its end. Empty entries are
 * skipped.
 */
const char *path_next_dir(const char *list, const char *cwd, char *dir, size_t size);
/* The exported variables as NAME=VALUE strings (NULL-terminated, malloc'd), with extra
 * assignments (NAME=VALUE strings) laid over them; free with vars_env_free. */
char **vars_env(char *const *extra, int nextra);
void vars_env_free(char **env);
/* Calls fn for each variable in name order (for export with no arguments). */
void vars_each(void (*fn)(const char *name, const char *value, bool exported, void *arg),
	       void *arg);

/* ---- expand.c ---- */

/* What expansion needs besides the variables. */
struct expand_context {
	int status;	       /* $? */
	unsigned long pid;     /* $$ */
	unsigned long last_bg; /* $! (0: none yet) */
	int argc;	       /* $# + 1: the positional parameters are argv[1..argc-1] */
	char **argv;	       /* $0 $1 ... */
};

struct fields {
	char **v; /* NULL-terminated */
	int n;
};

/* Expands word into fields (split, quotes removed); 0, or -1 with error set. */
int expand_word(const struct expand_context *ctx, const char *word, struct fields *out, char *error,
		size_t error_len);
/* Expands word into exactly one string, without splitting (assignments, redirections). */
char *expand_single(const struct expand_context *ctx, const char *word, char *error,
		    size_t error_len);
void fields_add(struct fields *f, const char *s);
void fields_free(struct fields *f);

/* ---- edit.c ---- */

struct history {
	char **lines;
	int count, cap, max;
};

void history_add(struct history *h, const char *line);

/*
 * Completion: names that could complete the word before the cursor, the
 * part of it from name_start on (directories end with "/"), sorted.
 */
struct completion {
	char **v;
	int n;
	size_t name_start;
};

struct editor;
typedef void (*complete_fn)(const char *line, size_t pos, struct completion *out, void *arg);

enum edit_result {
	EDIT_MORE,	/* feed more keys */
	EDIT_DONE,	/* Enter: the line is in editor_line() */
	EDIT_EOF,	/* Ctrl-D on an empty line */
	EDIT_INTERRUPT, /* Ctrl-C: the line is dropped */
};

struct editor {
	char buf[SH_LINE_MAX];
	size_t len, pos; /* bytes in buf, cursor (a byte offset) */
	const char *prompt;
	int columns;
	int cursor_row; /* rows the cursor is below the prompt's first row */
	struct history *history;
	int hist_pos;		 /* history->count while editing a new line */
	char saved[SH_LINE_MAX]; /* the new line, while browsing the history */
	char esc[16];		 /* an escape sequence being read */
	size_t esc_len;
	bool in_escape;
	complete_fn complete;
	void *complete_arg;
	char *out; /* bytes for the terminal, editor_take_output empties it */
	size_t out_len, out_cap;
};

void editor_start(struct editor *e, const char *prompt, int columns, struct history *h,
		  complete_fn complete, void *arg);
enum edit_result editor_key(struct editor *e, unsigned char key);
const char *editor_line(struct editor *e);
/* The output so far (NUL-terminated) and its length; the editor forgets it. */
char *editor_take_output(struct editor *e, size_t *len);
/* Columns the cursor position report "ESC [ row ; col R" gives, or 0 if s is not one. */
int editor_parse_position(const char *s, size_t len);

/* ---- complete.c ---- */

/* One directory entry, for completion. */
typedef void (*dir_entry_fn)(const char *name, bool is_dir, void *arg);
/* Lists the directory at path (absolute), calling fn for each entry; 0 or an error code. */
typedef long (*list_dir_fn)(const char *path, dir_entry_fn fn, void *arg);
/* Does the program path exist (for when directories cannot be listed)? */
typedef bool (*exists_fn)(const char *path);

struct completer {
	const char *cwd;
	const char *search_path; /* $PATH or "/bin" */
	list_dir_fn list_dir;
	exists_fn exists;
};

/* complete_fn for the editor: arg is a struct completer. */
void complete_word(const char *line, size_t pos, struct completion *out, void *arg);
void completion_free(struct completion *c);
/* The names of the builtins, NULL-terminated (exec.c). */
extern const char *const sh_builtin_names[];

/* ---- the running shell (main.c, exec.c, jobs.c, input.c): guest side only ---- */

struct shell {
	archk_handle_t in, out, err, root;
	archk_handle_t messages;  /* where sh_error writes: err, or the 2> of the command at hand */
	archk_handle_t interrupt; /* the console's interrupt event, or 0 */
	bool interactive;	  /* a person at a terminal: prompts, editing, job notices */
	bool exiting;		  /* the exit builtin ran */
	int exit_status;
	char *cwd; /* absolute */
	struct expand_context ctx;
	struct history history;
};

extern struct shell sh;

/* An in/out/err set for a command, and the handles opened for it (closed after). */
struct io_set {
	archk_handle_t h[3];
	archk_handle_t opened[8];
	int nopened;
};

/* exec.c */
/* Runs every item of p; $? is the last status. */
void run_program(struct program *p);
/* Prints "sh: " and a message on err. */
void sh_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* jobs.c */
#define JOB_PROCS_MAX 32

struct job {
	int id; /* 0 in the table: free; -1: a foreground job */
	archk_handle_t procs[JOB_PROCS_MAX];
	char *names[JOB_PROCS_MAX];		      /* each command's first word, for messages */
	struct archk_exit_status exit[JOB_PROCS_MAX]; /* when done */
	bool done[JOB_PROCS_MAX];
	int nprocs;
	int failed_status; /* of a last command that could not even start, or -1 */
	char *text;
};

/* A new job, in the table if background; NULL with a message if the table is full. */
struct job *job_new(const char *text, bool background);
/* Adds a started process (whose handle the job now owns) named name. */
void job_add(struct job *j, archk_handle_t process, const char *name);
/*
 * Waits for the foreground job j, ending it on Ctrl-C; reports what failed
 * or was signalled (exit statuses only if !tested); frees j. Its status.
 */
int job_run_foreground(struct job *j, bool tested);
/* A background job has started: prints "[N] KOID" and records $! (a job with no process goes). */
void job_started(struct job *j);
/* Prints "[N] Done ..." for background jobs that ended, and forgets them. */
void jobs_report_done(void);
/*
 * A builtin's result when the command is not for it (kill of another
 * process, help when a help program exists): the program of that name runs.
 */
#define BUILTIN_NOT_MINE (-1000)
/* The builtins. */
int builtin_jobs(int argc, char **argv, struct io_set *io);
int builtin_fg(int argc, char **argv, struct io_set *io);
int builtin_wait(int argc, char **argv, struct io_set *io);
int builtin_kill(int argc, char **argv, struct io_set *io);
/* The status a shell gives an ended process. */
int exit_status_code(const struct archk_exit_status *st);

/* input.c */
/* Prepares reading the terminal (a ring with one READ in flight at most). */
void input_init(void);
/* One byte of input: 1, 0 at the end, TIMED_OUT at deadline, or another error. */
long input_byte(char *c, int64_t deadline);
/* Puts bytes back in front of the input. */
void input_unread(const char *s, size_t n);
/* Withdraws the READ in flight, so that a program run now reads the terminal itself. */
void input_release(void);
/* After a Ctrl-C ended a job: drops the Ctrl-C bytes already typed, keeps the rest. */
void input_drop_interrupts(void);
/* The terminal's width: $COLUMNS, or asked of the terminal, or 80. */
int input_columns(void);

#endif
