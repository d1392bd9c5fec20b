/*
 * Reading the terminal. An interactive shell reads its input one byte at a
 * time through an I/O queue, so that it can wait with a deadline (for the
 * terminal's answer to a width query) and take its READ back before it runs
 * a program (input_release): a READ left waiting on the console would take
 * the first key meant for the program. Bytes read but not used yet (typed
 * ahead while the shell asked the terminal something) wait in a small
 * buffer in front of the input.
 */
#include <archk/runtime.h>
#include "sh.h"

#define READ_TAG   1
#define CANCEL_TAG 2
#define AHEAD_MAX  256
#define ASK_MS	   300 /* how long the terminal may take to say its width */

static struct {
	struct archk_ioq q;
	bool ready;	/* the queue exists */
	bool in_flight; /* a READ of one byte into byte is out */
	char byte;
	char ahead[AHEAD_MAX];
	size_t nahead;
} input;

void input_init(void)
{
	input.ready = archk_ioq_init(&input.q, 4, 0) == 0;
}

void input_unread(const char *s, size_t n)
{
	if (n > AHEAD_MAX - input.nahead)
		n = AHEAD_MAX - input.nahead;
	memmove(input.ahead + n, input.ahead, input.nahead);
	memcpy(input.ahead, s, n);
	input.nahead += n;
}

/* The next completion of the queue, waiting until deadline: its tag, or 0 if none came. */
static uint64_t next_completion(int64_t deadline, long *result)
{
	struct archk_io_completion *c;

	for (;;) {
		if ((c = archk_ioq_peek(&input.q))) {
			uint64_t tag = c->user_data;

			*result = c->result;
			archk_ioq_seen(&input.q);
			return tag;
		}
		if (archk_clock_read(ARCHK_CLOCK_MONOTONIC) >= deadline ||
		    archk_ioq_enter(&input.q, 1, deadline) < 0)
			return 0;
	}
}

static bool submit(int op, uint64_t offset, uint64_t tag)
{
	struct archk_io_request *r = archk_ioq_request(&input.q);

	if (!r)
		return false;
	r->op = (uint8_t)op;
	r->handle = sh.in;
	r->buf = (uint64_t)(uintptr_t)&input.byte;
	r->len = op == ARCHK_IO_READ ? 1 : 0;
	r->offset = offset;
	r->user_data = tag;
	return archk_ioq_enter(&input.q, 0, 0) >= 0;
}

long input_byte(char *c, int64_t deadline)
{
	long result = 0;

	if (input.nahead) {
		*c = input.ahead[0];
		memmove(input.ahead, input.ahead + 1, --input.nahead);
		return 1;
	}
	if (!input.ready)
		return archk_read(sh.in, c, 1);
	if (!input.in_flight && !(input.in_flight = submit(ARCHK_IO_READ, 0, READ_TAG)))
		return ARCHK_ERR_NO_MEMORY;
	if (next_completion(deadline, &result) != READ_TAG)
		return ARCHK_ERR_TIMED_OUT;
	input.in_flight = false;
	if (result == 1)
		*c = input.byte;
	return result;
}

void input_release(void)
{
	long result;
	uint64_t tag;
	bool cancel_done = false;
	int64_t deadline = archk_clock_read(ARCHK_CLOCK_MONOTONIC) + 1000000000LL;

	if (!input.in_flight || !submit(ARCHK_IO_CANCEL, READ_TAG, CANCEL_TAG))
		return;
	while (input.in_flight || !cancel_done) {
		if (!(tag = next_completion(deadline, &result)))
			return; /* cannot happen: CANCEL always completes */
		if (tag == CANCEL_TAG) {
			cancel_done = true;
		} else {
			input.in_flight = false;
			if (result == 1) /* the byte came before the CANCEL */
				input_unread(&input.byte, 1);
		}
	}
}

void input_drop_interrupts(void)
{
	char kept[AHEAD_MAX], c;
	size_t n = 0;

	/* Whatever the console has queued is taken at once; the first wait means "nothing more". */
	while (n < sizeof(kept) && input_byte(&c, 0) == 1)
		if (c != 0x03)
			kept[n++] = c;
	input_unread(kept, n);
}

int input_columns(void)
{
	const char *columns = var_get("COLUMNS");
	static const char ask[] = "\x1b"
				  "7\x1b[999C\x1b[6n\x1b"
				  "8";
	int64_t deadline = archk_clock_read(ARCHK_CLOCK_MONOTONIC) + ASK_MS * 1000000LL;
	char reply[32], before[AHEAD_MAX];
	size_t n = 0, nbefore = 0;
	int width = 0;
	char c;

	if (columns && atoi(columns) > 0)
		return atoi(columns);
	if (!input.ready)
		return 80; /* no deadline to wait for an answer with */
	archk_write(sh.out, ask, sizeof(ask) - 1);
	while (!width && input_byte(&c, deadline) == 1) {
		if (c == 0x1b || n > 0) {
			if (n < sizeof(reply))
				reply[n++] = c;
			if (n > 2 && c >= 0x40 && c <= 0x7e) { /* an escape sequence ended */
				if (!(width = editor_parse_position(reply, n)) &&
				    nbefore + n <= sizeof(before)) {
					memcpy(before + nbefore, reply,
					       n); /* a key, not the answer */
					nbefore += n;
				}
				n = 0;
			}
		} else if (nbefore < sizeof(before)) {
			before[nbefore++] = c; /* typed before the answer came */
		}
	}
	input_unread(before, nbefore);
	return width ? width : 80;
}
