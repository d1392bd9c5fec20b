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
 *
 * Input too: each console keeps a queue of what archk has read and nobody
 * has taken yet, and has at most one host read in flight; a READ takes
 * queued input or waits for that host read, and waiting READs are served in
 * the order they came. When the host fd is a terminal (raw, ISIG off:
 * host/terminal.c) archk reads it all the time, not only when a program
 * asks, and looks at each key on its way into the queue (the keyboard_*
 * functions, which know nothing of requests, so that they can move to a
 * console driver): Ctrl-a x ends archk, Ctrl-a Ctrl-a is one Ctrl-a, and
 * Ctrl-C raises ARCHK_SIGNAL_USER0 on every interrupt event handed out by
 * OPEN "interrupt" on in, and stays in the input as byte 3.
 */
#include <stddef.h>
#include <string.h>
#include "console.h"
#include "syscall.h"
#include "wait.h"

#define CONSOLE_READ_MAX  4096
#define MAX_PENDING_READS 64
#define INPUT_MAX	  (4 * CONSOLE_READ_MAX)
#define CONSOLE_WRITE_MAX ARCHK_TABLE_DATA_MAX
#define MAX_INTERRUPTS	  64
#define KEY_ESCAPE	  0x01 /* Ctrl-a: the next key is for archk */
#define KEY_QUIT	  'x'  /* after Ctrl-a: archk ends */
#define KEY_INTERRUPT	  0x03 /* Ctrl-C */
#define QUIT_STATUS	  130  /* archk's status after Ctrl-a x, as for a program ended by Ctrl-C */

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
	bool terminal;		      /* the host fd is a terminal */
	bool escape;		      /* a terminal's Ctrl-a came: the next key is archk's */
	struct vcpu *reading;	      /* whose ring the host read into read_buf is on, or NULL */
	struct io_token read_token;   /* of the host read */
	struct io_req_list readers;   /* READs waiting for input, oldest first */
	uint32_t input_len;	      /* input nobody has taken yet */
	uint8_t input[INPUT_MAX];
	uint8_t read_buf[CONSOLE_READ_MAX];
};

/* An event handed out by OPEN "interrupt"; its observer frees the slot when it dies. */
struct interrupt {
	struct observer gone;
	struct object *event; /* NULL: the slot is free */
};

static struct console consoles[3];
static struct interrupt interrupts[MAX_INTERRUPTS];
static uint32_t waiting_reads;			    /* READs waiting on any console */
static const struct console_input_sink *input_sink; /* the console device, while driven */
static bool input_ended;			    /* stdin's last read gave 0 or an error */

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

/* ---- the keyboard: what a terminal's keys mean to archk ---- */

/* Ctrl-C: every interrupt event alive gets USER0 (its holder clears it). */
static void keyboard_interrupt(void)
{
	for (int i = 0; i < MAX_INTERRUPTS; i++)
		if (interrupts[i].event)
			object_signal_update(interrupts[i].event, 0, ARCHK_SIGNAL_USER0);
}

/* Ctrl-a x: archk ends at once, whatever runs. */
static void keyboard_quit(void)
{
	klog(LOG_ERROR, "ended from the keyboard (Ctrl-a x)");
	kernel_shutdown(QUIT_STATUS);
}

/*
 * Passes n keys typed on a terminal through *escape (Ctrl-a seen) into out
 * (room for n + 1: a Ctrl-a held back from the previous call may come out);
 * returns how many came out.
 */
static size_t keyboard_filter(bool *escape, const uint8_t *keys, size_t n, uint8_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t key = keys[i];

		if (*escape) {
			*escape = false;
			if (key == KEY_QUIT) {
				keyboard_quit();
				continue;
			}
			if (key != KEY_ESCAPE)
				out[k++] = KEY_ESCAPE; /* not a command: both keys are input */
		} else if (key == KEY_ESCAPE) {
			*escape = true;
			continue;
		}
		if (key == KEY_INTERRUPT)
			keyboard_interrupt();
		out[k++] = key;
	}
	return k;
}

/* The event's last handle went: its slot is free again. */
static void interrupt_gone(struct observer *o, long status)
{
	((struct interrupt *)o)->event = NULL;
}

/*
 * OPEN (path, len, rights) on a console: "interrupt" gives a new event on
 * which each Ctrl-C raises USER0. Nothing else has a name.
 */
static long console_open(struct io_req *r)
{
	static const char name[] = "interrupt";
	char path[sizeof(name) - 1];
	uint32_t rights = (uint32_t)r->offset;
	struct interrupt *slot = NULL;
	struct object *ev;
	long value;

	if (r->len > ARCHK_PATH_MAX)
		return ARCHK_ERR_TOO_LONG;
	if (vm_check(r->proc, r->buf, r->len, HOOK_PROT_READ) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (r->len != sizeof(path) || copy_from_guest(r->proc, path, r->buf, sizeof(path)) < 0 ||
	    memcmp(path, name, sizeof(path)) != 0)
		return ARCHK_ERR_NOT_FOUND;
	if (rights == ARCHK_RIGHTS_SAME)
		rights = ARCHK_RIGHTS_INTERRUPT;
	if (rights & ~ARCHK_RIGHTS_INTERRUPT)
		return ARCHK_ERR_ACCESS_DENIED;
	for (int i = 0; i < MAX_INTERRUPTS && !slot; i++)
		slot = interrupts[i].event ? NULL : &interrupts[i];
	if (!slot || !(ev = event_new()))
		return ARCHK_ERR_NO_MEMORY;
	value = handle_install(&r->proc->handles, ev, rights);
	if (value >= 0) {
		slot->event = ev;
		observer_add(&slot->gone, ev, 0, interrupt_gone); /* fires only when ev dies */
	}
	object_unref(ev); /* the handle holds it, or nobody does */
	return value;
}

/* ---- reading ---- */

static struct console *console_of_read(struct io_token *token)
{
	return (struct console *)((char *)token - offsetof(struct console, read_token));
}

/* Starts the console's host read, on the calling vCPU's ring, unless one is in flight. */
static void start_read(struct console *c)
{
	if (c->reading)
		return;
	c->reading = sched_host_io_begin();
	hook_console_read(c->fd, c->read_buf, sizeof(c->read_buf), &c->read_token);
}

/* Queues input for the next READs; what does not fit is dropped, with a warning. */
static void keep_input(struct console *c, const uint8_t *bytes, size_t len)
{
	if (len > INPUT_MAX - c->input_len) {
		klog(LOG_WARN, "console: %zu bytes of input dropped",
		     len - (INPUT_MAX - c->input_len));
		len = INPUT_MAX - c->input_len;
	}
	memcpy(c->input + c->input_len, bytes, len);
	c->input_len += (uint32_t)len;
}

/* Gives READ r the oldest input: the byte count, or an error with nothing taken. */
static long take_input(struct console *c, struct io_req *r)
{
	size_t len = r->len < c->input_len ? r->len : c->input_len;
	long given = io_req_give(r, c->input, len < CONSOLE_READ_MAX ? len : CONSOLE_READ_MAX);

	if (given > 0) {
		c->input_len -= (uint32_t)given;
		memmove(c->input, c->input + given, c->input_len);
	}
	return given;
}

static void remove_reader(struct console *c, struct io_req *r)
{
	TAILQ_REMOVE(&c->readers, r, server_link);
	waiting_reads--;
}

/*
 * The host read finished: a terminal's keys go through the keyboard, the
 * input to the waiting READs in order; at the end of input (0) or on an
 * error every waiting READ gets that. A terminal is read again at once;
 * other input only while READs wait.
 */
static void console_read_done(struct io_token *token, long result)
{
	static uint8_t keys[CONSOLE_READ_MAX + 1]; /* one user at a time: the lock is held */
	struct console *c = console_of_read(token);
	struct io_req *r;

	ASSERT_LOCKED();
	sched_host_io_end(c->reading);
	c->reading = NULL;
	if (result > 0 && c->terminal)
		keep_input(c, keys, keyboard_filter(&c->escape, c->read_buf, (size_t)result, keys));
	else if (result > 0)
		keep_input(c, c->read_buf, (size_t)result);
	if (c == &consoles[0])
		input_ended = result <= 0;
	while ((r = TAILQ_FIRST(&c->readers)) && (c->input_len || result <= 0)) {
		remove_reader(c, r);
		io_req_complete(r, c->input_len ? take_input(c, r) : result);
	}
	if (result > 0 && (c->terminal || !TAILQ_EMPTY(&c->readers)))
		start_read(c);
	if (input_sink && c == &consoles[0])
		input_sink->ready(input_sink->ctx);
}

void console_input_redirect(const struct console_input_sink *sink)
{
	struct console *c = &consoles[0];
	struct io_req *r;

	ASSERT_LOCKED();
	input_sink = sink;
	while (sink && (r = TAILQ_FIRST(&c->readers))) { /* the terminal is the device's now */
		remove_reader(c, r);
		io_req_complete(r, ARCHK_ERR_BAD_STATE);
	}
}

size_t console_input_take(void *buf, size_t len, bool *ended)
{
	struct console *c = &consoles[0];
	size_t n = len < c->input_len ? len : c->input_len;

	ASSERT_LOCKED();
	memcpy(buf, c->input, n);
	c->input_len -= (uint32_t)n;
	memmove(c->input, c->input + n, c->input_len);
	*ended = !c->input_len && input_ended;
	if (!n && !input_ended && c->fd >= 0)
		start_read(c);
	return n;
}

bool console_is_terminal(int which)
{
	return consoles[which].terminal;
}

/* CANCEL, or the end of the client: the host read goes on, its bytes stay queued. */
static void console_read_cancel(struct io_req *r)
{
	remove_reader(r->pending_on, r);
}

/* READ (buf, len, -): queued input at once, or waits for the host read. */
static long console_read(struct io_req *r)
{
	struct console *c = (struct console *)r->obj;
	size_t len = r->len < CONSOLE_READ_MAX ? r->len : CONSOLE_READ_MAX;

	if (vm_check(r->proc, r->buf, len, HOOK_PROT_WRITE) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (c->fd < 0)
		return ARCHK_ERR_NOT_SUPPORTED;
	if (input_sink && c == &consoles[0])
		return ARCHK_ERR_BAD_STATE; /* the console device has the terminal */
	if (len == 0)
		return 0;
	if (c->input_len) /* then no READ waits: input goes to waiting READs first */
		return take_input(c, r);
	if (waiting_reads == MAX_PENDING_READS)
		return ARCHK_ERR_NO_MEMORY;
	waiting_reads++;
	TAILQ_INSERT_TAIL(&c->readers, r, server_link);
	r->pending_on = c;
	r->cancel = console_read_cancel;
	start_read(c);
	return IO_PENDING;
}

/* GET_META: a stream; TERMINAL when the host fd is a terminal. */
static long console_get_meta(struct io_req *r)
{
	struct console *c = (struct console *)r->obj;
	struct archk_meta meta = {.type = ARCHK_OBJ_CONSOLE,
				  .koid = c->obj.koid,
				  .kind = ARCHK_KIND_STREAM,
				  .flags = c->terminal ? ARCHK_META_TERMINAL : 0};

	return copy_to_guest(r->proc, r->buf, &meta, sizeof(meta));
}

int console_init(const struct archk_bootinfo *boot)
{
	object_type_register_permanent(ARCHK_OBJ_CONSOLE, "console");
	for (int i = 0; i < 3; i++) {
		object_init(&consoles[i].obj, ARCHK_OBJ_CONSOLE);
		consoles[i].fd = -1;
		consoles[i].out.token.complete = output_done;
		TAILQ_INIT(&consoles[i].out_queue);
		consoles[i].read_token.complete = console_read_done;
		TAILQ_INIT(&consoles[i].readers);
	}
	for (uint32_t i = 0; i < boot->device_count; i++) {
		if (boot->devices[i].kind != ARCHK_DEVICE_CONSOLE)
			continue;
		for (int j = 0; j < 3; j++) {
			consoles[j].fd = (int)boot->devices[i].host_fd[j];
			consoles[j].terminal =
			    boot->devices[i].flags & (ARCHK_BOOT_DEVICE_TERMINAL << j);
		}
	}
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_READ, console_read);
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_WRITE, console_write);
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_OPEN, console_open);
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_GET_META, console_get_meta);
	return 0;
}

void console_vcpu_started(void)
{
	ASSERT_LOCKED();
	if (consoles[0].terminal && consoles[0].fd >= 0)
		start_read(&consoles[0]);
}
