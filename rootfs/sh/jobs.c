/*
 * Jobs: the processes of one pipeline, run in the foreground (the shell
 * waits, and Ctrl-C ends them) or in the background (numbered in the job
 * table until they are reported done or waited for).
 *
 * Waiting is object_wait_many on the processes' TERMINATED signal and the
 * console's interrupt event at once: Ctrl-C raises USER0 on the event
 * (docs/abi.md 8.2), and the shell kills the foreground job's processes
 * with process_kill. archk itself, the shell and the background jobs go on.
 */
#include <archk/runtime.h>
#include "sh.h"

#define MAX_JOBS	   32
#define INTERRUPTED_STATUS 130 /* 128 + SIGINT, as other shells say it */

static struct job *table[MAX_JOBS]; /* job id - 1 */
static int current;		    /* the id of the newest background job, 0 if none */

int exit_status_code(const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		return st->code & 0xff;
	return st->reason == ARCHK_EXIT_FAULT ? 128 + (int)st->signal : 128 + 9;
}

static const char *signal_name(unsigned sig)
{
	static char other[24];

	switch (sig) {
	case 4:
		return "SIGILL";
	case 5:
		return "SIGTRAP";
	case 7:
		return "SIGBUS";
	case 8:
		return "SIGFPE";
	case 11:
		return "SIGSEGV";
	default:
		snprintf(other, sizeof(other), "signal %u", sig);
		return other;
	}
}

struct job *job_new(const char *text, bool background)
{
	struct job *j = calloc(1, sizeof(*j));
	int slot = 0;

	if (!j || !(j->text = strdup(text))) {
		free(j);
		sh_error("out of memory");
		return NULL;
	}
	j->failed_status = -1;
	j->id = -1;
	if (!background)
		return j;
	while (slot < MAX_JOBS && table[slot])
		slot++;
	if (slot == MAX_JOBS) {
		sh_error("%d jobs run in the background already", MAX_JOBS);
		free(j->text);
		free(j);
		return NULL;
	}
	table[slot] = j;
	j->id = slot + 1;
	return j;
}

void job_add(struct job *j, archk_handle_t process, const char *name)
{
	j->procs[j->nprocs] = process;
	j->names[j->nprocs] = strdup(name);
	j->nprocs++;
}

static void job_free(struct job *j)
{
	for (int i = 0; i < j->nprocs; i++) {
		archk_handle_close(j->procs[i]);
		free(j->names[i]);
	}
	if (j->id > 0)
		table[j->id - 1] = NULL;
	if (j->id == current)
		current = 0;
	free(j->text);
	free(j);
}

/* Process i of j has ended: its status. */
static void collect(struct job *j, int i)
{
	if (archk_process_wait(j->procs[i], &j->exit[i]) < 0)
		j->exit[i] = (struct archk_exit_status){.reason = ARCHK_EXIT_KILLED};
	j->done[i] = true;
}

static bool all_done(const struct job *j)
{
	for (int i = 0; i < j->nprocs; i++)
		if (!j->done[i])
			return false;
	return true;
}

/* Collects the processes of j that have ended, without waiting. */
static void poll_job(struct job *j)
{
	uint32_t observed;

	for (int i = 0; i < j->nprocs; i++)
		if (!j->done[i] &&
		    archk_object_wait_one(j->procs[i], ARCHK_SIGNAL_TERMINATED, 0, &observed) == 0)
			collect(j, i);
}

static void kill_all(struct job *j)
{
	for (int i = 0; i < j->nprocs; i++)
		if (!j->done[i])
			archk_process_kill(j->procs[i]);
}

/*
 * Waits until every process of j has ended or Ctrl-C is typed. On Ctrl-C
 * the processes are killed (and waited for) if kill is set, else the wait
 * just ends. True if Ctrl-C came.
 */
static bool wait_job(struct job *j, bool kill)
{
	struct archk_wait_item items[ARCHK_WAIT_MANY_MAX];
	int index[ARCHK_WAIT_MANY_MAX];
	bool interrupted = false;

	if (sh.interrupt) /* a Ctrl-C typed before the job started is not for it */
		archk_object_signal(sh.interrupt, ARCHK_SIGNAL_USER0, 0);
	for (;;) {
		int n = 0, first = 0;

		if (sh.interrupt && !interrupted) {
			items[n] = (struct archk_wait_item){sh.interrupt, ARCHK_SIGNAL_USER0, 0, 0};
			index[n++] = -1;
			first = 1;
		}
		for (int i = 0; i < j->nprocs && n < ARCHK_WAIT_MANY_MAX; i++) {
			if (j->done[i])
				continue;
			items[n] =
			    (struct archk_wait_item){j->procs[i], ARCHK_SIGNAL_TERMINATED, 0, 0};
			index[n++] = i;
		}
		if (n == first)
			return interrupted;
		if (archk_object_wait_many(items, (uint32_t)n, ARCHK_DEADLINE_INFINITE) < 0) {
			for (int k = first; k < n; k++) /* cannot happen; wait the plain way */
				collect(j, index[k]);
			continue;
		}
		for (int k = first; k < n; k++)
			if (items[k].pending & ARCHK_SIGNAL_TERMINATED)
				collect(j, index[k]);
		if (first && (items[0].pending & ARCHK_SIGNAL_USER0)) {
			archk_object_signal(sh.interrupt, ARCHK_SIGNAL_USER0, 0);
			interrupted = true;
			if (!kill)
				return true;
			kill_all(j);
		}
	}
}

/* j's status: its last command's (130 if Ctrl-C ended it). */
static int job_status(const struct job *j, bool interrupted)
{
	const struct archk_exit_status *last;

	if (j->failed_status >= 0)
		return j->failed_status;
	if (j->nprocs == 0)
		return 0;
	last = &j->exit[j->nprocs - 1];
	if (interrupted && last->reason == ARCHK_EXIT_KILLED)
		return INTERRUPTED_STATUS;
	return exit_status_code(last);
}

/* Says how process i of a foreground job ended, if that is worth saying. */
static void report(const struct job *j, int i, bool tested, bool interrupted)
{
	const struct archk_exit_status *st = &j->exit[i];
	bool last = i == j->nprocs - 1 && j->failed_status < 0;

	if (st->reason == ARCHK_EXIT_FAULT)
		sh_error("%s: %s (status %d)", j->names[i], signal_name(st->signal),
			 exit_status_code(st));
	else if (st->reason == ARCHK_EXIT_KILLED && last)
		sh_error("%s: %s (status %d)", j->names[i], interrupted ? "interrupted" : "killed",
			 interrupted ? INTERRUPTED_STATUS : exit_status_code(st));
	else if (st->reason == ARCHK_EXIT_NORMAL && st->code && last && !tested)
		sh_error("%s: exit status %d", j->names[i], exit_status_code(st));
}

int job_run_foreground(struct job *j, bool tested)
{
	bool interrupted = wait_job(j, true);
	int status = job_status(j, interrupted);

	for (int i = 0; i < j->nprocs; i++)
		report(j, i, tested, interrupted);
	job_free(j);
	if (interrupted && sh.interactive)
		input_drop_interrupts();
	return status;
}

void job_started(struct job *j)
{
	struct archk_handle_info info;

	if (!j->nprocs) { /* nothing could start: no job */
		job_free(j);
		return;
	}
	current = j->id;
	if (j->nprocs && archk_handle_info(j->procs[j->nprocs - 1], &info) == 0)
		sh.ctx.last_bg = (unsigned long)info.koid;
	archk_dprintf(sh.err, "[%d] %lu\n", j->id, sh.ctx.last_bg);
}

/* "Running", "Done", "Exit 3", "Killed", "SIGSEGV": what a job list says of j. */
static void describe(const struct job *j, char *out, size_t size)
{
	const struct archk_exit_status *last = j->nprocs ? &j->exit[j->nprocs - 1] : NULL;

	if (!all_done(j))
		snprintf(out, size, "Running");
	else if (j->failed_status > 0)
		snprintf(out, size, "Exit %d", j->failed_status);
	else if (!last || (last->reason == ARCHK_EXIT_NORMAL && last->code == 0))
		snprintf(out, size, "Done");
	else if (last->reason == ARCHK_EXIT_NORMAL)
		snprintf(out, size, "Exit %d", exit_status_code(last));
	else if (last->reason == ARCHK_EXIT_FAULT)
		snprintf(out, size, "%s", signal_name(last->signal));
	else
		snprintf(out, size, "Killed");
}

static void list_job(archk_handle_t h, const struct job *j)
{
	char state[32];

	describe(j, state, sizeof(state));
	archk_dprintf(h, "[%d]%c %-10s %s\n", j->id, j->id == current ? '+' : ' ', state, j->text);
}

void jobs_report_done(void)
{
	for (int i = 0; i < MAX_JOBS; i++) {
		struct job *j = table[i];

		if (!j)
			continue;
		poll_job(j);
		if (all_done(j)) {
			list_job(sh.err, j);
			job_free(j);
		}
	}
}

/* The job a %N (%%, %+, % : the newest) names, or NULL after a message. */
static struct job *find_job(const char *spec, const char *builtin)
{
	int id = current;

	if (spec && strcmp(spec, "%") && strcmp(spec, "%%") && strcmp(spec, "%+")) {
		char *end;

		id = spec[0] == '%' ? (int)strtol(spec + 1, &end, 10) : 0;
		if (spec[0] != '%' || *end || id < 1 || id > MAX_JOBS)
			id = 0;
	}
	if (id < 1 || !table[id - 1]) {
		sh_error("%s: %s: no such job", builtin, spec ? spec : "current");
		return NULL;
	}
	return table[id - 1];
}

int builtin_jobs(int argc, char **argv, struct io_set *io)
{
	for (int i = 0; i < MAX_JOBS; i++) {
		struct job *j = table[i];

		if (!j)
			continue;
		poll_job(j);
		list_job(io->h[1], j);
		if (all_done(j))
			job_free(j);
	}
	return 0;
}

int builtin_fg(int argc, char **argv, struct io_set *io)
{
	struct job *j = find_job(argc > 1 ? argv[1] : NULL, "fg");

	if (!j)
		return 1;
	archk_dprintf(io->h[1], "%s\n", j->text);
	table[j->id - 1] = NULL;
	if (j->id == current)
		current = 0;
	j->id = -1;
	return job_run_foreground(j, true);
}

/* Waits for j (Ctrl-C stops waiting, not the job); its status, and forgets it. */
static int wait_for(struct job *j)
{
	int status;

	if (wait_job(j, false))
		return INTERRUPTED_STATUS;
	status = job_status(j, false);
	job_free(j);
	return status;
}

int builtin_wait(int argc, char **argv, struct io_set *io)
{
	int status = 0;

	if (argc == 1) {
		for (int i = 0; i < MAX_JOBS && status != INTERRUPTED_STATUS; i++)
			if (table[i])
				status = wait_for(table[i]);
		return status;
	}
	for (int i = 1; i < argc && status != INTERRUPTED_STATUS; i++) {
		struct job *j = find_job(argv[i], "wait");

		status = j ? wait_for(j) : 127;
	}
	return status;
}

/* The job and process index of the process with koid, or NULL. */
static struct job *find_process(archk_koid_t koid, int *index)
{
	struct archk_handle_info info;

	for (int i = 0; i < MAX_JOBS; i++)
		for (int k = 0; table[i] && k < table[i]->nprocs; k++)
			if (archk_handle_info(table[i]->procs[k], &info) == 0 &&
			    info.koid == koid) {
				*index = k;
				return table[i];
			}
	return NULL;
}

int builtin_kill(int argc, char **argv, struct io_set *io)
{
	int status = 0, index;

	if (argc < 2) {
		archk_dprintf(io->h[2], "usage: kill %%JOB|PROCESS...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) /* anything but our own jobs: the kill program's */
		if (argv[i][0] != '%' && !find_process(strtoul(argv[i], NULL, 10), &index))
			return BUILTIN_NOT_MINE;
	for (int i = 1; i < argc; i++) {
		struct job *j = argv[i][0] == '%' ? find_job(argv[i], "kill") : NULL;

		if (j)
			kill_all(j);
		else if (argv[i][0] != '%' &&
			 (j = find_process(strtoul(argv[i], NULL, 10), &index)))
			archk_process_kill(j->procs[index]);
		else
			status = 1;
	}
	return status;
}
