/*
 * Conformance: the console contract (docs/abi.md 8.2). GET_META on in, out
 * and err (kind STREAM, TERMINAL exactly when archk's fd is a terminal);
 * OPEN "interrupt" on in and its errors; the interrupt events' rights,
 * signals and limit; READs that wait are served in order and can be
 * cancelled without losing input. The kernel arenas end where they started.
 *   conf_console [terminal]   the checks; "terminal": archk's stdin and stdout are a terminal
 *   conf_console keys         reads keys from a terminal for tests/integration/pty_test.py:
 *                             prints "interrupted" when a Ctrl-C raises USER0, then
 *                             "key XX" for each byte read, until it reads "q"
 */
#include "check.h"
#include "ringtest.h"

#define ARENA_BASE 0x100000000000UL
#define MS	   1000000LL
static archk_handle_t in, out, err;

static long open_interrupt(archk_handle_t h, uint32_t rights)
{
	return io(ARCHK_IO_OPEN, h, "interrupt", 9, rights);
}

static void check_stream(archk_handle_t h, int terminal)
{
	struct archk_meta meta;

	memset(&meta, 0xa5, sizeof(meta));
	CHECK_EQ(archk_get_meta(h, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_CONSOLE);
	CHECK_EQ(meta.kind, ARCHK_KIND_STREAM);
	CHECK_EQ(meta.flags, terminal ? ARCHK_META_TERMINAL : 0);
	CHECK_EQ(meta.koid, koid_of(h));
	CHECK_EQ(meta.size, 0);
	CHECK_EQ(meta.mode, 0);
}

static void test_meta(int terminal)
{
	check_stream(in, terminal);
	check_stream(out, terminal);
	check_stream(err, 0); /* the tests keep stderr in a file */
	CHECK_EQ(rights_of(in), ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY |
				    ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_DUPLICATE |
				    ARCHK_RIGHT_TRANSFER);
}

static void test_open_interrupt(void)
{
	long ev, weak, more[64];
	int n = 0;

	ev = open_interrupt(in, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(ev > 0);
	CHECK_EQ(type_of(ev), ARCHK_OBJ_EVENT);
	CHECK_EQ(ARCHK_RIGHTS_INTERRUPT, 0xc03);
	CHECK_EQ(rights_of(ev), ARCHK_RIGHTS_INTERRUPT);
	CHECK_EQ(signals_of(ev), 0);
	/* The holder raises and clears its signals as on any event. */
	CHECK_EQ(archk_object_signal(ev, 0, ARCHK_SIGNAL_USER0), 0);
	CHECK_EQ(signals_of(ev), ARCHK_SIGNAL_USER0);
	CHECK_EQ(archk_object_signal(ev, ARCHK_SIGNAL_USER0, 0), 0);
	CHECK_EQ(signals_of(ev), 0);
	/* Fewer rights on request, never more. */
	weak = open_interrupt(in, ARCHK_RIGHT_WAIT);
	CHECK_TRUE(weak > 0);
	CHECK_EQ(rights_of(weak), ARCHK_RIGHT_WAIT);
	CHECK_EQ(archk_object_signal(weak, 0, ARCHK_SIGNAL_USER0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(open_interrupt(in, ARCHK_RIGHTS_INTERRUPT | ARCHK_RIGHT_READ),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close(weak), 0);
	/* No other name; out and err lack ENUMERATE. */
	CHECK_EQ(io(ARCHK_IO_OPEN, in, "interrupts", 10, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(io(ARCHK_IO_OPEN, in, "interrup", 8, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(io(ARCHK_IO_OPEN, in, "", 0, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(io(ARCHK_IO_OPEN, in, "/interrupt", 10, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_interrupt(out, ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(open_interrupt(err, ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_OPEN, in, (void *)ARENA_BASE, 9, ARCHK_RIGHTS_SAME),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(io(ARCHK_IO_OPEN, in, "interrupt", ARCHK_PATH_MAX + 1, ARCHK_RIGHTS_SAME),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(io(ARCHK_IO_OPEN, in, "interrupt", UINT64_MAX, ARCHK_RIGHTS_SAME),
		 ARCHK_ERR_TOO_LONG);
	/* 64 events at most; a closed one frees its slot. */
	CHECK_EQ(archk_handle_close(ev), 0);
	while (n < 64 && (more[n] = open_interrupt(in, ARCHK_RIGHTS_SAME)) > 0)
		n++;
	CHECK_EQ(n, 64);
	CHECK_EQ(open_interrupt(in, ARCHK_RIGHTS_SAME), ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(archk_handle_close(more[--n]), 0);
	ev = open_interrupt(in, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(ev > 0);
	more[n++] = ev;
	/* A duplicate keeps an event (and its slot) alive. */
	long dup = archk_handle_duplicate(more[0], ARCHK_RIGHTS_SAME);
	CHECK_EQ(archk_handle_close(more[0]), 0);
	CHECK_EQ(open_interrupt(in, ARCHK_RIGHTS_SAME), ARCHK_ERR_NO_MEMORY);
	more[0] = dup;
	while (n > 0)
		CHECK_EQ(archk_handle_close(more[--n]), 0);
}

/* Input is at its end under ctest (stdin is empty): READs that wait end with 0, in order. */
static void test_reads_at_end(void)
{
	struct ring *q = ring_new(4, 0, 0);
	static char a[8], b[8];

	put(q, ARCHK_IO_READ, in, a, sizeof(a), 0, 1);
	put(q, ARCHK_IO_READ, in, b, sizeof(b), 0, 2);
	CHECK_TAKEN(q, 0, 2);
	CHECK_EQ(await(q, 1), 0);
	CHECK_EQ(await(q, 2), 0);
	CHECK_EQ(archk_read(in, a, sizeof(a)), 0);
	CHECK_EQ(archk_read(in, a, 0), 0);
	CHECK_EQ(archk_read(in, (void *)ARENA_BASE, 4), ARCHK_ERR_BAD_ADDRESS);
	CHECK_TRUE(quiet(q));
	ring_free(q);
}

/*
 * The pty tests' helper: proves that Ctrl-C raises USER0 while nobody reads,
 * and then that every key (Ctrl-C too) is in the input, as typed.
 */
static int keys(void)
{
	long ev = open_interrupt(in, ARCHK_RIGHTS_SAME);
	uint32_t observed = 0;
	char c;

	if (ev < 0)
		return 2;
	printf("ready\n");
	if (archk_object_wait_one(ev, ARCHK_SIGNAL_USER0, now() + 10000 * MS, &observed) == 0)
		printf("interrupted\n");
	archk_object_signal(ev, ARCHK_SIGNAL_USER0, 0);
	while (archk_read(in, &c, 1) == 1 && c != 'q')
		printf("key %02x\n", (unsigned char)c);
	return 0;
}

int main(int argc, char **argv)
{
	in = archk_handle_named("in");
	out = archk_handle_named("out");
	err = archk_handle_named("err");
	if (argc == 2 && strcmp(argv[1], "keys") == 0)
		return keys();
	arenas_snapshot();
	test_meta(argc == 2 && strcmp(argv[1], "terminal") == 0);
	test_open_interrupt();
	if (argc == 1)
		test_reads_at_end();
	check_arenas_returned(not_deadline);
	return check_done("conf_console");
}
