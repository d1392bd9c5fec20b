/*
 * The console: three kernel-served objects behind the in, out and err
 * handles, backed by the host terminal's file descriptors. Writes go straight
 * to the host; a read blocks only the calling thread while the host waits
 * for input in the vCPU's io_uring.
 */
#include <string.h>
#include "arena.h"
#include "io.h"
#include "syscall.h"

#define CONSOLE_READ_MAX  4096
#define MAX_PENDING_READS 64

struct console {
	struct object obj;
	int fd;
};

/* A read in flight: the host fills buf; the thread copies it out on resume. */
struct console_read {
	struct io_token token;
	struct thread *thread; /* referenced until the read completes */
	size_t len;
	uint8_t buf[CONSOLE_READ_MAX];
};

static struct console consoles[3];
static struct arena read_arena;

struct object *console_object(int which)
{
	return &consoles[which].obj;
}

static long console_write(struct thread *t, struct handle_entry *h, const uint64_t *args)
{
	struct console *c = (struct console *)h->obj;
	uintptr_t buf = args[0];
	size_t len = args[1];

	long n;

	if (vm_check(t->proc, buf, len, HOOK_PROT_READ) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (c->fd < 0)
		return ARCHK_ERR_NOT_SUPPORTED;
	/*
	 * A slow terminal or a full pipe must stall only this vCPU, so the lock
	 * is dropped. The buffer stays valid: the thread is running here, so its
	 * partition stays held and its process cannot be reclaimed meanwhile.
	 */
	hook_unlock();
	n = hook_console_write(c->fd, (const void *)buf, len);
	hook_lock();
	return n;
}

/* Copies what the host read into the guest buffer, now that it is accessible. */
static void console_read_resume(struct thread *t)
{
	struct console_read *r = t->wait_io;
	long result = t->wake_result;

	t->wait_io = NULL;
	if (result > 0 && copy_to_guest(t->proc, t->wait_arg, r->buf, (size_t)result) < 0)
		result = ARCHK_ERR_BAD_ADDRESS;
	arena_free(&read_arena, r);
	syscall_finish(t, result);
}

static void console_read_done(struct io_token *token, long result)
{
	struct console_read *r = (struct console_read *)token;
	struct thread *t = r->thread;

	if (t->state == THREAD_BLOCKED && t->wait_io == r) {
		thread_wake(t, result, console_read_resume);
	} else {
		arena_free(&read_arena, r); /* the reader's process ended meanwhile */
	}
	object_unref(&t->obj);
}

static long console_read(struct thread *t, struct handle_entry *h, const uint64_t *args)
{
	struct console *c = (struct console *)h->obj;
	uintptr_t buf = args[0];
	size_t len = args[1] < CONSOLE_READ_MAX ? args[1] : CONSOLE_READ_MAX;
	struct console_read *r;

	if (vm_check(t->proc, buf, len, HOOK_PROT_WRITE) < 0)
		return ARCHK_ERR_BAD_ADDRESS;
	if (c->fd < 0)
		return ARCHK_ERR_NOT_SUPPORTED;
	if (len == 0)
		return 0;
	r = arena_alloc(&read_arena);
	if (!r)
		return ARCHK_ERR_NO_MEMORY;
	r->token.complete = console_read_done;
	r->thread = t;
	r->len = len;
	object_ref(&t->obj);
	t->wait_io = r;
	t->wait_arg = buf;
	thread_block(t, NULL);
	hook_console_read(t->vcpu, c->fd, r->buf, len, &r->token);
	return 0;
}

static long console_get_meta(struct thread *t, struct handle_entry *h, const uint64_t *args)
{
	struct archk_meta meta = {.type = ARCHK_OBJ_CONSOLE};

	return copy_to_guest(t->proc, args[0], &meta, sizeof(meta));
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
	io_register(ARCHK_OBJ_CONSOLE, ARCHK_IO_GET_META, console_get_meta);
	return arena_init(&read_arena, "console_read", sizeof(struct console_read),
			  MAX_PENDING_READS);
}
