/*
 * The console: three kernel-served objects behind the in, out and err
 * handles, backed by the host terminal's file descriptors. Reads and writes
 * are requests that stay pending while the host works in the vCPU's
 * io_uring, so they block only their caller (or, from a ring, nobody) and
 * never a vCPU, whatever the terminal or pipe behind them does.
 *
 * Output keeps its order: each console has one host write in flight at a
 * time, from a buffer of its own; WRITEs that come meanwhile wait in line
 * with their bytes staged in the request. A WRITE takes at most
 * CONSOLE_WRITE_MAX bytes (the result says how many).
 */
#include <string.h>
#include "arena.h"
#include "console.h"
#include "syscall.h"

#define CONSOLE_READ_MAX  4096
#define MAX_PENDING_READS 64
#define LEFTOVER_MAX	  (4 * CONSOLE_READ_MAX)
#define CONSOLE_WRITE_MAX ARCHK_TABLE_DATA_MAX

/* The host write in flight for a console (at most one). */
struct console_output {
	struct io_token token;
	struct io_req *req; /* the WRITE it serves; NULL once cancelled */
	struct vcpu *vcpu;  /* whose ring it is on */
	uint32_t len, done; /* bytes of buf to write, and written so far */
	bool busy;
	uint8_t buf[CONSOLE_WRITE_MAX];
};

struct console {
	struct object obj;
	int fd;
	struct console_output out;
	struct io_req_list out_queue; /* WRITEs waiting for the one in flight, oldest first */
	/* A host read still in flight for a cancelled request: the next read adopts it. */
	struct console_read *orphan;
	/* Input that arrived for nobody (or more than its reader wanted): read first. */
	uint32_t leftover_len;
	uint8_t leftover[LEFTOVER_MAX];
};

/* A read in flight: the host fills buf, then the request gets the bytes. */
struct console_read {
	struct io_token token;
	struct io_req *req; /* NULL once cancelled: the bytes become leftover */
	struct console *console;
	struct vcpu *vcpu; /* whose ring the host read is on */
	uint8_t buf[CONSOLE_READ_MAX];
};

static struct console consoles[3];
static struct arena read_arena;

struct object *console_object(int which)
{
	return &consoles[which].obj;
}

static struct console *console_of_output(struct console_output *out)
{
	return (struct console *)((char *)out - offsetof(struct console, out));
}

/* Writes what is left of the output buffer from the calling vCPU's ring. */
static void output_submit(struct console *c, bool when_writable)
{
	struct console_output *out = &c->out;

	out->vcpu = sched_host_io_begin();
	out->vcpu->output_in_flight++;
	hook_console_write(c->fd, out->buf + out->done, out->len - out->done, when_writable,
			   &out->token);
}

/* Starts writing r's len bytes, already in the output buffer. */
static void output_start(struct console *c, struct io_req *r)
{
	c->out.req = r;
	c->out.len = (uint32_t)r->len;
	c->out.done = 0;
	c->out.busy = true;
	output_submit(c, false);
}

/*
 * A host write completed: it goes on until the buffer is out (or an error
 * ends it), then completes its WRITE with the bytes written and starts the
 * next WRITE in line.
 */
static void output_done(struct io_token *token, long result)
{
	struct console_output *out = (struct console_output *)token;
	struct console *c = console_of_output(out);
	struct io_req *r;

	out->vcpu->output_in_flight--;
	sched_host_io_end(out->vcpu);
	if (result == ARCHK_ERR_SHOULD_WAIT || (result > 0 && out->done + result < out->len)) {
		out->done += result > 0 ? (uint32_t)result : 0;
		output_submit(c, result == ARCHK_ERR_SHOULD_WAIT);
		return;
	}
	if (result > 0)
		out->done += (uint32_t)result;
	out->busy = false;
	if ((r = out->req)) {
		out->req = NULL;
		io_req_complete(r, out->done ? (long)out->done : result);
	}
	if ((r = TAILQ_FIRST(&c->out_queue))) {
		TAILQ_REMOVE(&c->out_queue, r, server_link);
		memcpy(out->buf, r->data, r->data_len);
		io_req_stage(r, NULL, 0); /* the staged copy is not needed any more */
		output_start(c, r);
	}
}

/* A cancelled WRITE in flight leaves its bytes to go out; one in line leaves the line. */
static void console_write_cancel(struct io_req *r)
{
	struct console *c = r->pending_on;

	if (c->out.req == r)
		c->out.req = NULL;
	else
		TAILQ_REMOVE(&c->out_queue, r, server_link);
}

static long console_write(struct io_req *r)
{
	struct console *c = (struct console *)r->obj;
	size_t len = r->len < CONSOLE_WRITE_MAX ? r->len : CONSOLE_WRITE_MAX;
	long err;

	/* The whole buffer must be the caller's, though one WRITE takes only the start. */
	if (vm_check(r->proc, r->buf, r->len, HOOK_PROT_READ) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (c->fd < 0)
		return ARCHK_ERR_NOT_SUPPORTED;
	if (len == 0)
		return 0;
	r->len = len;
	if (!c->out.busy) {
		copy_from_guest(r->proc, c->out.buf, r->buf, len);
		output_start(c, r);
	} else {
		if ((err = io_req_stage_from_guest(r, r->proc, r->buf, len)) < 0)
			return err;
		TAILQ_INSERT_TAIL(&c->out_queue, r, server_link);
	}
	r->pending_on = c;
	r->cancel = console_write_cancel;
	return IO_PENDING;
}

/* Keeps input nobody waits for any more, so that no typed byte is lost. */
static void keep_leftover(struct console *c, const uint8_t *bytes, size_t len)
{
	if (len > LEFTOVER_MAX - c->leftover_len) {
		klog(LOG_WARN, "console: %zu bytes of input dropped", len);
		len = LEFTOVER_MAX - c->leftover_len;
	}
	memcpy(c->leftover + c->leftover_len, bytes, len);
	c->leftover_len += (uint32_t)len;
}

static void console_read_done(struct io_token *token, long result)
{
	struct console_read *cr = (struct console_read *)token;
	struct console *c = cr->console;
	struct io_req *r = cr->req;
	size_t given = 0;

	sched_host_io_end(cr->vcpu);
	if (c->orphan == cr)
		c->orphan = NULL;
	if (r) {
		long n = result > 0 ? io_req_give(r, cr->buf, (size_t)result) : result;

		given = n > 0 ? (size_t)n : 0;
		io_req_complete(r, n);
	}
	if (result > 0 && (size_t)result > given)
		keep_leftover(c, cr->buf + given, (size_t)result - given);
	arena_free(&read_arena, cr);
}

static void console_read_cancel(struct io_req *r)
{
	struct console_read *cr = r->pending_on;

	cr->req = NULL;
	if (!cr->console->orphan)
		cr->console->orphan = cr;
}

/* Hands out leftover input first; otherwise the host reads into a kernel buffer. */
static long console_read(struct io_req *r)
{
	struct console *c = (struct console *)r->obj;
	size_t len = r->len < CONSOLE_READ_MAX ? r->len : CONSOLE_READ_MAX;
	struct console_read *cr;

	if (vm_check(r->proc, r->buf, len, HOOK_PROT_WRITE) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (c->fd < 0)
		return ARCHK_ERR_NOT_SUPPORTED;
	if (len == 0)
		return 0;
	if (c->leftover_len) {
		len = len < c->leftover_len ? len : c->leftover_len;
		copy_to_guest(r->proc, r->buf, c->leftover, len);
		c->leftover_len -= (uint32_t)len;
		memmove(c->leftover, c->leftover + len, c->leftover_len);
		return (long)len;
	}
	if ((cr = c->orphan)) {
		c->orphan = NULL; /* its bytes are older than any new read's: keep the order */
	} else {
		if (!(cr = arena_alloc(&read_arena)))
			return ARCHK_ERR_NO_MEMORY;
		cr->token.complete = console_read_done;
		cr->console = c;
		cr->vcpu = sched_host_io_begin();
		hook_console_read(c->fd, cr->buf, len, &cr->token);
	}
	cr->req = r;
	r->pending_on = cr;
	r->cancel = console_read_cancel;
	return IO_PENDING;
}

int console_init(const struct archk_bootinfo *boot)
{
	object_type_register_permanent(ARCHK_OBJ_CONSOLE, "console");
	for (int i = 0; i < 3; i++) {
		object_init(&consoles[i].obj, ARCHK_OBJ_CONSOLE);
		consoles[i].fd = -1;
		consoles[i].out.token.complete = output_done;
		TAILQ_INIT(&consoles[i].out_queue);
	}
	for (uint32_t i = 0; i < boot->device_count; i++) {
		if (boot->devices[i].kind != ARCHK_DEVICE_CONSOLE)
			continue;
		for (int j = 0; j < 3; j++)
			consoles[j].fd = (int)boot->devices[i].host_fd[j];
	}
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_READ, console_read);
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_WRITE, console_write);
	return arena_init(&read_arena, "console_read", sizeof(struct console_read),
			  MAX_PENDING_READS);
}
