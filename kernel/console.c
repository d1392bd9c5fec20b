/*
 * The console: three kernel-served objects behind the in, out and err
 * handles, backed by the host terminal's file descriptors. Writes go straight
 * to the host; a read is a request that stays pending while the host waits
 * for input in the vCPU's io_uring, so it blocks only its caller (or, from
 * a ring, nobody).
 */
#include <string.h>
#include "arena.h"
#include "io.h"
#include "syscall.h"

#define CONSOLE_READ_MAX  4096
#define MAX_PENDING_READS 64
#define LEFTOVER_MAX	  (4 * CONSOLE_READ_MAX)

struct console {
	struct object obj;
	int fd;
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
	uint8_t buf[CONSOLE_READ_MAX];
};

static struct console consoles[3];
static struct arena read_arena;

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
