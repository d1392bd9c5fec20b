/*
 * The console: three kernel-served objects behind the in, out and err
 * handles, backed by the host terminal's file descriptors. Writes go straight
 * to the host. A read takes the input archk already has (each console keeps
 * a queue) or waits for the console's one host read in flight, which the
 * vCPU's io_uring completes; waiting READs are served in the order they came
 * and block only their callers (or, from a ring, nobody).
 *
 * When the host fd is a terminal (raw, ISIG off: host/terminal.c) archk reads
 * it all the time, not only when a program asks, and looks at each key on
 * its way into the queue (the keyboard_* functions, which know nothing of
 * requests, so that they can move to a console driver): Ctrl-a x ends archk,
 * Ctrl-a Ctrl-a is one Ctrl-a, and Ctrl-C raises ARCHK_SIGNAL_USER0 on every
 * interrupt event handed out by OPEN "interrupt" on in, and stays in the
 * input as byte 3.
 */
#include <stddef.h>
#include <string.h>
#include "io.h"
#include "syscall.h"
#include "wait.h"

#define CONSOLE_READ_MAX  4096
#define MAX_PENDING_READS 64
#define INPUT_MAX	  (4 * CONSOLE_READ_MAX)
#define MAX_INTERRUPTS	  64
#define KEY_ESCAPE	  0x01 /* Ctrl-a: the next key is for archk */
#define KEY_QUIT	  'x'  /* after Ctrl-a: archk ends */
#define KEY_INTERRUPT	  0x03 /* Ctrl-C */
#define QUIT_STATUS	  130  /* archk's status after Ctrl-a x, as for a program ended by Ctrl-C */
#define INTERRUPT_RIGHTS                                                                           \
	(ARCHK_RIGHT_WAIT | ARCHK_RIGHT_SIGNAL | ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER)

struct console {
	struct object obj;
	int fd;
	bool terminal;		    /* the host fd is a terminal */
	bool reading;		    /* the host read into read_buf is in flight */
	bool escape;		    /* a terminal's Ctrl-a came: the next key is archk's */
	struct io_token token;	    /* of the host read */
	struct io_req_list readers; /* READs waiting for input, oldest first */
	uint32_t input_len;	    /* input nobody has taken yet */
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
static uint32_t waiting_reads; /* READs waiting on any console */

struct object *console_object(int which)
{
	return &consoles[which].obj;
}

static long console_write(struct io_req *r)
{
	struct console *c = (struct console *)r->obj;
	long n;

	if (vm_check(r->proc, r->buf, r->len, HOOK_PROT_READ) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (c->fd < 0)
		return ARCHK_ERR_NOT_SUPPORTED;
	/*
	 * A slow terminal or a full pipe must stall only this vCPU, so the lock
	 * is dropped. The buffer stays valid: the caller's partition is held by
	 * this vCPU (its thread, or a ring intake), so its process cannot be
	 * reclaimed meanwhile.
	 */
	hook_unlock();
	n = hook_console_write(c->fd, (const void *)r->buf, r->len);
	hook_lock();
	return n;
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
		rights = INTERRUPT_RIGHTS;
	if (rights & ~INTERRUPT_RIGHTS)
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

static struct console *console_of_token(struct io_token *token)
{
	return (struct console *)((char *)token - offsetof(struct console, token));
}

/* Starts the console's host read unless one is in flight already. */
static void start_read(struct console *c)
{
	if (c->reading)
		return;
	c->reading = true;
	hook_console_read(c->fd, c->read_buf, sizeof(c->read_buf), &c->token);
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
	struct console *c = console_of_token(token);
	struct io_req *r;

	c->reading = false;
	if (result > 0 && c->terminal)
		keep_input(c, keys, keyboard_filter(&c->escape, c->read_buf, (size_t)result, keys));
	else if (result > 0)
		keep_input(c, c->read_buf, (size_t)result);
	while ((r = TAILQ_FIRST(&c->readers)) && (c->input_len || result <= 0)) {
		remove_reader(c, r);
		io_req_complete(r, c->input_len ? take_input(c, r) : result);
	}
	if (result > 0 && (c->terminal || !TAILQ_EMPTY(&c->readers)))
		start_read(c);
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
		consoles[i].token.complete = console_read_done;
		TAILQ_INIT(&consoles[i].readers);
	}
	for (uint32_t i = 0; i < boot->device_count; i++) {
		if (boot->devices[i].kind != ARCHK_DEVICE_CONSOLE)
			continue;
		for (int j = 0; j < 3; j++) {
			consoles[j].fd = (int)boot->devices[i].host_fd[j];
			consoles[j].terminal = (boot->devices[i].terminal >> j) & 1;
		}
	}
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_READ, console_read);
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_WRITE, console_write);
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_OPEN, console_open);
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_GET_META, console_get_meta);
	/* A terminal is read from the start, so that its keys work before anyone reads. */
	if (consoles[0].terminal && consoles[0].fd >= 0)
		start_read(&consoles[0]);
	return 0;
}
