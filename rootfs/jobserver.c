/*
 * jobserver [-j N] PROGRAM [ARG...]: runs PROGRAM with a "process" handle
 * that this program serves from a table instead of the kernel's process
 * table. archk_spawn is a CREATE on "process", and children inherit the
 * handle, so every spawn of PROGRAM and of its descendants arrives here as a
 * table request. The job server logs each one on err, forwards the spawn blob
 * and its handles to its own "process" handle and moves the new process
 * handle to the client, which cannot tell the difference.
 *
 * Placement policy: with -j N at most N jobs spawned through the server run
 * at once (PROGRAM itself is job 1 and does not count); a further CREATE is
 * answered only when a running job ends, so its client simply waits in
 * archk_spawn. The job server exits with PROGRAM's status when it ends.
 *
 * The table also answers READ and OPEN as the kernel's does (docs/abi.md
 * 8.5a), for its own jobs only: READ lists the kernel's records of the jobs
 * (the last MAX_KNOWN started, while the kernel lists them), each with the
 * client that asked for it as its parent; OPEN of a job's koid gives a copy
 * of the job server's handle to it, so ps and kill below a job server see
 * and reach its jobs and nothing else.
 *
 * err lines:
 *   jobserver: job 1 (process 12): /bin/sh
 *   jobserver: job 2 (process 14): hello a
 *   jobserver: job 3 waits: 1 running, limit 1
 *   jobserver: job 2 ended: status 0
 */
#include "util.h"

#define MAX_RUNNING 64	/* jobs watched at once */
#define MAX_WAITING 256 /* CREATEs held back by -j (ARCHK_TABLE_PENDING_MAX) */
#define WHAT_MAX    96	/* bytes of the command line kept for the log */
#define MAX_KNOWN   256 /* jobs the table lists: the most recently started */
#define RECORD	    sizeof(struct archk_process_record)

/* Port keys: the table, job 1, then running[slot] as KEY_JOB + slot. */
#define KEY_TABLE 0
#define KEY_FIRST 1
#define KEY_JOB	  2

/*
 * Rights of the served "process" handle: CREATE needs MANAGE, READ lists
 * the jobs, OPEN (ENUMERATE) finds one. The rights of an opened process
 * handle are the job server's to decide (a subset of its own handle's).
 */
#define SERVED_RIGHTS                                                                              \
	(ARCHK_RIGHT_MANAGE | ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE |                           \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER)

struct job {
	int id;			/* 0: the slot is free */
	archk_handle_t process; /* our own copy, to see it end */
	archk_koid_t koid;
};

/* A job the table lists, and the client that asked for it (its parent there). */
struct known_job {
	archk_koid_t koid, client;
};

/* A CREATE held back by the -j limit, with what table_receive gave us. */
struct held {
	uint64_t req_id;
	archk_koid_t client;
	int job;
	uint64_t rights;
	void *data;
	size_t len;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	uint32_t handle_count;
	char what[WHAT_MAX];
};

static archk_handle_t err_h, real_process, table, port, first;
static struct job running[MAX_RUNNING];
static struct known_job known[MAX_KNOWN];
static unsigned known_next; /* the slot the next job takes (the oldest is replaced) */
static int running_count, limit, next_job = 1;
static int stopping; /* job 1 ended: start nothing more */
static struct held *waiting[MAX_WAITING];
static int waiting_head, waiting_count;

static void usage(void)
{
	archk_dprintf(err_h, "usage: jobserver [-j N] PROGRAM [ARG...]\n");
	archk_process_exit(2);
}

/* The status a shell would report for an ended process. */
static int status_of(const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		return st->code;
	if (st->reason == ARCHK_EXIT_FAULT)
		return 128 + (int)st->signal;
	return 128 + 9;
}

static void describe_end(int job, const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		archk_dprintf(err_h, "jobserver: job %d ended: status %d\n", job, st->code);
	else if (st->reason == ARCHK_EXIT_FAULT)
		archk_dprintf(err_h, "jobserver: job %d ended by a fault (signal %u)\n", job,
			      st->signal);
	else
		archk_dprintf(err_h, "jobserver: job %d was killed\n", job);
}

static archk_koid_t koid_of(archk_handle_t h)
{
	struct archk_handle_info info;

	return archk_handle_info(h, &info) < 0 ? 0 : info.koid;
}

/* Appends " " (unless out is empty) and n bytes of s to out, clipped to size. */
static void append_word(char *out, size_t size, const char *s, size_t n)
{
	size_t used = strlen(out);

	if (used > 0 && used + 1 < size)
		out[used++] = ' ';
	if (n > size - 1 - used)
		n = size - 1 - used;
	memcpy(out + used, s, n);
	out[used + n] = '\0';
}

/* The argument strings of a spawn blob, joined by spaces, for the log. */
static void blob_describe(const void *data, size_t len, char *out, size_t size)
{
	const struct archk_spawn_blob *blob = data;
	const char *s = (const char *)(blob + 1), *end = (const char *)data + len;

	out[0] = '\0';
	if (len < sizeof(*blob)) {
		strlcpy(out, "(bad spawn request)", size);
		return;
	}
	for (uint32_t i = 0; i < blob->argc && s < end; i++) {
		size_t n = strnlen(s, (size_t)(end - s));

		append_word(out, size, s, n);
		s += n + 1;
	}
}

static void remember(archk_koid_t koid, archk_koid_t client)
{
	known[known_next++ % MAX_KNOWN] = (struct known_job){koid, client};
}

static const struct known_job *known_job(archk_koid_t koid)
{
	for (int i = 0; i < MAX_KNOWN; i++)
		if (known[i].koid == koid)
			return &known[i];
	return NULL;
}

static int watch(int job, archk_handle_t process)
{
	for (int slot = 0; slot < MAX_RUNNING; slot++) {
		if (running[slot].id)
			continue;
		running[slot].id = job;
		running[slot].process = process;
		running[slot].koid = koid_of(process);
		archk_port_wait_async(port, process, KEY_JOB + (uint64_t)slot,
				      ARCHK_SIGNAL_TERMINATED);
		running_count++;
		return 0;
	}
	return -1;
}

/*
 * Spawns through our own process table what a client asked for, answers the
 * client with the new process handle and closes the handles the request
 * brought (the kernel gave us copies).
 */
static void start(struct held *h)
{
	long p = archk_do_io_handles(ARCHK_IO_CREATE, real_process, h->data, h->len, h->rights,
				     h->handles, h->handle_count);

	for (uint32_t i = 0; i < h->handle_count; i++)
		archk_handle_close(h->handles[i]);
	if (p < 0) {
		archk_dprintf(err_h, "jobserver: job %d failed: %s: %s\n", h->job,
			      archk_strerror(p), h->what);
		archk_table_reply(table, h->req_id, p, NULL, 0, 0);
		return;
	}
	archk_dprintf(err_h, "jobserver: job %d (process %lu): %s\n", h->job,
		      (unsigned long)koid_of((archk_handle_t)p), h->what);
	remember(koid_of((archk_handle_t)p), h->client);
	long mine = archk_handle_duplicate((archk_handle_t)p, ARCHK_RIGHTS_SAME);
	if (mine < 0 || watch(h->job, (archk_handle_t)mine) < 0) {
		/* Unwatched: it runs, but no longer counts against -j. */
		if (mine >= 0)
			archk_handle_close((archk_handle_t)mine);
	}
	if (archk_table_reply(table, h->req_id, 0, NULL, 0, (archk_handle_t)p) < 0) {
		/* The client went away while the job waited: nobody wants it now. */
		archk_process_kill((archk_handle_t)p);
		archk_handle_close((archk_handle_t)p);
	}
}

static void free_held(struct held *h)
{
	free(h->data);
	free(h);
}

/* Starts held CREATEs while the limit allows. */
static void start_waiting(void)
{
	while (!stopping && waiting_count > 0 && (limit == 0 || running_count < limit)) {
		struct held *h = waiting[waiting_head];

		waiting_head = (waiting_head + 1) % MAX_WAITING;
		waiting_count--;
		start(h);
		free_held(h);
	}
}

static void create(const struct archk_table_request *req, const void *data,
		   const archk_handle_t *handles)
{
	struct held *h = calloc(1, sizeof(*h));

	if (!h || !(h->data = malloc(req->len ? req->len : 1))) {
		free(h);
		for (uint32_t i = 0; i < req->handle_count; i++)
			archk_handle_close(handles[i]);
		archk_table_reply(table, req->id, ARCHK_ERR_NO_MEMORY, NULL, 0, 0);
		return;
	}
	h->req_id = req->id;
	h->client = req->client;
	h->job = ++next_job;
	h->rights = req->offset;
	memcpy(h->data, data, req->len);
	h->len = req->len;
	memcpy(h->handles, handles, req->handle_count * sizeof(handles[0]));
	h->handle_count = req->handle_count;
	blob_describe(data, req->len, h->what, sizeof(h->what));
	if (limit == 0 || (running_count < limit && waiting_count == 0)) {
		start(h);
		free_held(h);
		return;
	}
	archk_dprintf(err_h, "jobserver: job %d waits: %d running, limit %d\n", h->job,
		      running_count, limit);
	waiting[(waiting_head + waiting_count) % MAX_WAITING] = h;
	waiting_count++;
}

/*
 * READ: the kernel's records of known jobs from koid req->offset on, as many
 * as the client's buffer takes, each with its client as the parent.
 */
static void list_jobs(const struct archk_table_request *req)
{
	static struct archk_process_record out[ARCHK_TABLE_DATA_MAX / RECORD];
	struct archk_process_record batch[32];
	size_t room = req->len / RECORD, count = 0;
	uint64_t from = req->offset;
	bool full = false;
	long n = 0;

	if (from == ARCHK_IO_OFFSET_CURRENT) {
		archk_table_reply(table, req->id, ARCHK_ERR_INVALID_ARGS, NULL, 0, 0);
		return;
	}
	while (!full && (n = archk_pread(real_process, batch, sizeof(batch), from)) > 0) {
		for (size_t i = 0; i < (size_t)n / RECORD && !full; i++) {
			const struct known_job *k = known_job(batch[i].koid);

			from = batch[i].koid + 1;
			if (!k)
				continue;
			full = count == room;
			if (full)
				break;
			out[count] = batch[i];
			out[count++].parent = k->client;
		}
	}
	if (!full && n < 0)
		count = 0;
	else
		n = full && count == 0 ? ARCHK_ERR_TOO_LONG : (long)(count * RECORD);
	archk_table_reply(table, req->id, n, out, count * RECORD, 0);
}

/* Our handle to the job with koid, if it still runs (0 if there is none). */
static archk_handle_t job_handle(archk_koid_t koid)
{
	struct archk_process_record rec;

	if (archk_pread(real_process, &rec, RECORD, koid) != RECORD || rec.koid != koid ||
	    rec.state == ARCHK_PROCESS_EXITED)
		return 0;
	if (koid == koid_of(first))
		return first;
	for (int slot = 0; slot < MAX_RUNNING; slot++)
		if (running[slot].id && running[slot].koid == koid)
			return running[slot].process;
	return 0;
}

/*
 * OPEN of a decimal koid: a copy of our handle to that job, with the rights
 * asked for plus TRANSFER, which a handle needs to go back in a reply.
 */
static void open_job(const struct archk_table_request *req, const char *data)
{
	uint32_t rights = (uint32_t)req->offset;
	archk_handle_t job;
	uint64_t koid;
	long h;

	if (req->len == 0 || req->len > ARCHK_KOID_DIGITS_MAX ||
	    util_parse_u64(data, req->len, &koid) < 0 || koid == 0) {
		archk_table_reply(table, req->id, ARCHK_ERR_INVALID_ARGS, NULL, 0, 0);
		return;
	}
	job = job_handle(koid);
	if (rights != ARCHK_RIGHTS_SAME)
		rights |= ARCHK_RIGHT_TRANSFER;
	h = job ? archk_handle_duplicate(job, rights) : ARCHK_ERR_NOT_FOUND;
	if (h < 0 || archk_table_reply(table, req->id, 0, NULL, 0, (archk_handle_t)h) < 0) {
		if (h >= 0)
			archk_handle_close((archk_handle_t)h);
		archk_table_reply(table, req->id, h < 0 ? h : ARCHK_ERR_NO_MEMORY, NULL, 0, 0);
	}
}

/*
 * Answers the oldest request of the table. One per port packet: the table's
 * next packet queues behind the ends of jobs that came first, so the log
 * shows events in the order they happened.
 */
static void serve(void)
{
	static char data[ARCHK_TABLE_DATA_MAX];
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	struct archk_table_request req;

	if (archk_table_receive(table, &req, data, sizeof(data), handles, 0) < 0)
		return;
	if (req.op == ARCHK_IO_CREATE && waiting_count < MAX_WAITING) {
		create(&req, data, handles);
		return;
	}
	for (uint32_t i = 0; i < req.handle_count; i++)
		archk_handle_close(handles[i]);
	if (req.op == ARCHK_IO_CLOSE)
		return; /* the last handle to our object is gone; no reply */
	if (req.op == ARCHK_IO_CREATE) {
		archk_table_reply(table, req.id, ARCHK_ERR_NO_MEMORY, NULL, 0, 0);
	} else if (req.op == ARCHK_IO_GET_META) {
		struct archk_meta meta = {.type = ARCHK_OBJ_SPAWNER, .koid = koid_of(real_process)};

		archk_table_reply(table, req.id, 0, &meta, sizeof(meta), 0);
	} else if (req.op == ARCHK_IO_READ) {
		list_jobs(&req);
	} else if (req.op == ARCHK_IO_OPEN) {
		open_job(&req, data);
	} else if (req.op == ARCHK_IO_NOP) {
		archk_table_reply(table, req.id, 0, NULL, 0, 0);
	} else {
		archk_table_reply(table, req.id, ARCHK_ERR_NOT_SUPPORTED, NULL, 0, 0);
	}
}

static void job_ended(int slot)
{
	struct archk_exit_status st;

	archk_process_wait(running[slot].process, &st);
	describe_end(running[slot].id, &st);
	archk_handle_close(running[slot].process);
	running[slot].id = 0;
	running_count--;
	start_waiting();
}

int main(int argc, char **argv)
{
	struct archk_spawn_handle named = {.name = "process", .rights = ARCHK_RIGHTS_SAME};
	struct archk_exit_status st;
	struct archk_port_packet pkt;
	char what[WHAT_MAX];
	long h;
	int i = 1;

	err_h = archk_handle_named("err");
	real_process = archk_handle_named("process");
	if (i + 1 < argc && strcmp(argv[i], "-j") == 0) {
		limit = atoi(argv[i + 1]);
		if (limit <= 0 || limit > MAX_RUNNING)
			usage();
		i += 2;
	}
	if (i >= argc || argv[i][0] == '-')
		usage();
	h = archk_table_create();
	if (h >= 0) {
		table = (archk_handle_t)h;
		h = archk_table_object_create(table, 0, SERVED_RIGHTS);
	}
	if (h >= 0) {
		named.handle = (archk_handle_t)h;
		h = archk_port_create();
	}
	if (h < 0) {
		archk_dprintf(err_h, "jobserver: cannot serve a process table: %s\n",
			      archk_strerror(h));
		return 1;
	}
	port = (archk_handle_t)h;
	h = archk_spawn(argv[i], (const char *const *)argv + i, &named, 1);
	if (h < 0) {
		archk_dprintf(err_h, "jobserver: %s: %s\n", argv[i], archk_strerror(h));
		return 1;
	}
	first = (archk_handle_t)h;
	remember(koid_of(first), archk_process_self());
	what[0] = '\0';
	for (int j = i; j < argc; j++)
		append_word(what, sizeof(what), argv[j], strlen(argv[j]));
	archk_dprintf(err_h, "jobserver: job 1 (process %lu): %s\n", (unsigned long)koid_of(first),
		      what);
	archk_handle_close(named.handle); /* the child holds the served object now */
	archk_port_wait_async(port, table, KEY_TABLE, ARCHK_SIGNAL_READABLE);
	archk_port_wait_async(port, first, KEY_FIRST, ARCHK_SIGNAL_TERMINATED);
	for (;;) {
		long err = archk_port_wait(port, ARCHK_DEADLINE_INFINITE, &pkt);

		if (err < 0) {
			archk_dprintf(err_h, "jobserver: port_wait: %s\n", archk_strerror(err));
			return 1;
		}
		if (pkt.key == KEY_TABLE) {
			serve();
			archk_port_wait_async(port, table, KEY_TABLE, ARCHK_SIGNAL_READABLE);
		} else if (pkt.key == KEY_FIRST) {
			break;
		} else if (pkt.key >= KEY_JOB && pkt.key - KEY_JOB < MAX_RUNNING &&
			   running[pkt.key - KEY_JOB].id) {
			job_ended((int)(pkt.key - KEY_JOB));
		}
	}
	/* Jobs that ended just before job 1 (its own children, say) are reported first. */
	stopping = 1;
	while (archk_port_wait(port, 0, &pkt) == 0)
		if (pkt.key >= KEY_JOB && pkt.key - KEY_JOB < MAX_RUNNING &&
		    running[pkt.key - KEY_JOB].id)
			job_ended((int)(pkt.key - KEY_JOB));
	archk_process_wait(first, &st);
	describe_end(1, &st);
	return status_of(&st);
}
