/*
 * Conformance: pipes (docs/abi.md, "Pipes"). pipe_create and its errors;
 * the rights and signals of the two ends; READ and WRITE through do_io and
 * through an I/O queue, with the exact error codes; a READ that waits while
 * the pipe is empty and a WRITE that waits while it is full (back-pressure,
 * bytes kept in order); CANCEL; the end of the stream and PEER_CLOSED;
 * closing an end while requests wait on it; blocking do_io in a thread and
 * between processes (a child killed while its WRITE waits); hostile
 * arguments; the pipe limit. The kernel arenas end where they started.
 *   conf_pipe                  the checks (exit 0 if all pass)
 *   conf_pipe writer N         (child) writes N pattern bytes to its handle "w"
 *   conf_pipe reader N         (child) reads "r" to its end: exit 0 if it got N pattern bytes
 *   conf_pipe block-write      (child) writes more than a pipe holds to "w"
 */
#include "check.h"
#include "ringtest.h"

#define ARENA_BASE 0x100000000000UL /* docs/architecture.md: the guest arena */
#define MS	   1000000LL
#define PAGE	   4096UL
#define BYTES	   ARCHK_PIPE_BUFFER_BYTES
#define SHORT_MS   50 /* how long a request that must stay pending is given */

static archk_handle_t out;
static uint8_t big[BYTES], back[BYTES];

struct pipe {
	archk_handle_t r, w;
};

static struct pipe pipe_new(void)
{
	archk_handle_t h[2] = {0, 0};

	CHECK_EQ(archk_pipe_create(h), 0);
	return (struct pipe){h[0], h[1]};
}

static void pipe_close(struct pipe *p)
{
	if (p->r)
		CHECK_EQ(archk_handle_close(p->r), 0);
	if (p->w)
		CHECK_EQ(archk_handle_close(p->w), 0);
	p->r = p->w = 0;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static long rd(archk_handle_t h, void *buf, uint64_t len)
{
	return io(ARCHK_IO_READ, h, buf, len, ARCHK_IO_OFFSET_CURRENT);
}

static long wr(archk_handle_t h, const void *buf, uint64_t len)
{
	return io(ARCHK_IO_WRITE, h, buf, len, ARCHK_IO_OFFSET_CURRENT);
}

/* ---- creation, rights, signals, metadata ---- */

static void test_create(void)
{
	archk_handle_t h[3] = {0, 0, 0};
	struct pipe p;
	long page;

	CHECK_EQ(archk_pipe_create(NULL), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_pipe_create((archk_handle_t *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	/* out[] in read-only memory (code) */
	CHECK_EQ(archk_pipe_create((archk_handle_t *)(uintptr_t)&test_create),
		 ARCHK_ERR_BAD_ADDRESS);
	/* out[1] past the end of a mapping */
	page = archk_mem_map_anon(PAGE, ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	CHECK_TRUE(page > 0);
	CHECK_EQ(archk_pipe_create((archk_handle_t *)(page + PAGE - 4)), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_mem_unmap((void *)page, PAGE), 0);
	/* A failed call installs nothing. */
	CHECK_EQ(archk_pipe_create(h + 1), 0);
	CHECK_EQ(h[0], 0);
	CHECK_TRUE(h[1] && h[2] && h[1] != h[2]);
	CHECK_EQ(archk_handle_close(h[1]), 0);
	CHECK_EQ(archk_handle_close(h[2]), 0);

	p = pipe_new();
	CHECK_EQ(type_of(p.r), ARCHK_OBJ_PIPE);
	CHECK_EQ(type_of(p.w), ARCHK_OBJ_PIPE);
	CHECK_EQ(ARCHK_RIGHTS_PIPE_READ, 0x847);
	CHECK_EQ(ARCHK_RIGHTS_PIPE_WRITE, 0x84b);
	CHECK_EQ(rights_of(p.r), ARCHK_RIGHTS_PIPE_READ);
	CHECK_EQ(rights_of(p.w), ARCHK_RIGHTS_PIPE_WRITE);
	CHECK_TRUE(koid_of(p.r) != koid_of(p.w));
	CHECK_EQ(signals_of(p.r), 0);
	CHECK_EQ(signals_of(p.w), ARCHK_SIGNAL_WRITABLE);
	pipe_close(&p);
}

static void check_meta(archk_handle_t h, uint64_t size)
{
	struct archk_meta meta;

	memset(&meta, 0xa5, sizeof(meta));
	CHECK_EQ(archk_get_meta(h, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_PIPE);
	CHECK_EQ(meta.kind, ARCHK_KIND_STREAM);
	CHECK_EQ(meta.koid, koid_of(h));
	CHECK_EQ(meta.size, size);
	CHECK_EQ(meta.flags, 0);
	CHECK_EQ(meta.mode, 0);
	CHECK_EQ(meta.mtime, 0);
}

static void test_basic(void)
{
	struct pipe p = pipe_new();
	char buf[16] = {0};

	CHECK_EQ(wr(p.w, "hello", 5), 5);
	CHECK_EQ(signals_of(p.r), ARCHK_SIGNAL_READABLE);
	CHECK_EQ(signals_of(p.w), ARCHK_SIGNAL_WRITABLE);
	check_meta(p.r, 5);
	check_meta(p.w, 5);
	CHECK_EQ(archk_get_meta(p.r, (void *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	/* The offset means nothing to a stream. */
	CHECK_EQ(io(ARCHK_IO_READ, p.r, buf, 3, 12345), 3);
	CHECK_EQ(memcmp(buf, "hel", 3), 0);
	CHECK_EQ(rd(p.r, buf, sizeof(buf)), 2);
	CHECK_EQ(memcmp(buf, "lo", 2), 0);
	CHECK_EQ(signals_of(p.r), 0);
	/* Length 0: nothing moves, nothing waits. */
	CHECK_EQ(rd(p.r, buf, 0), 0);
	CHECK_EQ(wr(p.w, buf, 0), 0);
	CHECK_EQ(rd(p.r, NULL, 0), 0);
	CHECK_EQ(signals_of(p.r), 0);
	/* The runtime wrappers. */
	CHECK_EQ(archk_write(p.w, "ab", 2), 2);
	CHECK_EQ(archk_read(p.r, buf, 8), 2);
	pipe_close(&p);
}

static void test_rights(void)
{
	struct pipe p = pipe_new();
	char buf[4];
	long bare;

	CHECK_EQ(wr(p.r, "x", 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(rd(p.w, buf, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_OPEN, p.r, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_CREATE, p.w, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_DESTROY, p.w, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_SET_META, p.w, buf, 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_CANCEL, p.r, NULL, 0, 1), ARCHK_ERR_ACCESS_DENIED);
	/* Ops a pipe does not implement, once the right is there (or none is needed). */
	CHECK_EQ(io(ARCHK_IO_SEEK, p.r, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_CANCEL, p.w, NULL, 0, 1), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_SHARE, p.w, NULL, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_SYNC, p.w, NULL, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_NOP, p.r, NULL, 0, 0), 0);
	/* A copy without the rights can do nothing but wait. */
	bare = archk_handle_duplicate(p.w, ARCHK_RIGHT_WAIT);
	CHECK_TRUE(bare > 0);
	CHECK_EQ(wr(bare, "x", 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_get_meta(bare, (void *)buf), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(signals_of(bare), ARCHK_SIGNAL_WRITABLE);
	CHECK_EQ(archk_handle_close(bare), 0);
	/* Forged and stale handles. */
	CHECK_EQ(rd(0x5eed, buf, 1), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(wr(0, "x", 1), ARCHK_ERR_HND_INVALID);
	archk_handle_t stale = p.r;
	pipe_close(&p);
	CHECK_EQ(rd(stale, buf, 1), ARCHK_ERR_HND_INVALID);
}

/* Bad buffers are refused before anything moves; huge lengths are clipped. */
static void test_hostile(void)
{
	struct pipe p = pipe_new();
	long page = archk_mem_map_anon(PAGE, ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	char *pg = (char *)page;

	CHECK_TRUE(page > 0);
	CHECK_EQ(wr(p.w, (void *)ARENA_BASE, 4), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(wr(p.w, pg + PAGE - 2, 4), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(wr(p.w, (void *)-8L, 16), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(signals_of(p.r), 0); /* nothing was written */
	CHECK_EQ(wr(p.w, "abcd", 4), 4);
	CHECK_EQ(rd(p.r, (void *)ARENA_BASE, 4), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(rd(p.r, (void *)(uintptr_t)&test_hostile, 4), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(rd(p.r, pg + PAGE - 2, 4), ARCHK_ERR_BAD_ADDRESS);
	/* A length past the buffer is checked only up to what one READ moves. */
	CHECK_EQ(rd(p.r, pg + PAGE - BYTES / 2, UINT64_MAX), ARCHK_ERR_BAD_ADDRESS);
	check_meta(p.r, 4); /* refused reads took nothing */
	CHECK_EQ(rd(p.r, big, UINT64_MAX), 4);
	CHECK_EQ(memcmp(big, "abcd", 4), 0);
	/* A huge WRITE moves one buffer's worth and says so. */
	for (size_t i = 0; i < BYTES; i++)
		big[i] = pattern(i);
	CHECK_EQ(wr(p.w, big, UINT64_MAX), BYTES);
	CHECK_EQ(signals_of(p.w), 0);
	CHECK_EQ(rd(p.r, back, UINT64_MAX), BYTES);
	CHECK_EQ(memcmp(back, big, BYTES), 0);
	CHECK_EQ(archk_mem_unmap(pg, PAGE), 0);
	pipe_close(&p);
}

/* ---- waiting: READ on an empty pipe, WRITE on a full one ---- */

static void test_ring_read_waits(void)
{
	struct ring *q = ring_new(8, 0, 0);
	struct pipe p = pipe_new();
	static char a[8], b[8];

	put(q, ARCHK_IO_READ, p.r, a, sizeof(a), 0, 1);
	put(q, ARCHK_IO_READ, p.r, b, sizeof(b), 0, 2);
	CHECK_TAKEN(q, 0, 2);
	CHECK_EQ(await_ms(q, 1, SHORT_MS), NO_RESULT);
	/* The oldest waiting READ gets the bytes; the next waits for more. */
	CHECK_EQ(wr(p.w, "xyz", 3), 3);
	CHECK_EQ(await(q, 1), 3);
	CHECK_EQ(memcmp(a, "xyz", 3), 0);
	CHECK_EQ(await_ms(q, 2, SHORT_MS), NO_RESULT);
	CHECK_EQ(signals_of(p.r), 0);
	CHECK_EQ(wr(p.w, "12", 2), 2);
	CHECK_EQ(await(q, 2), 2);
	CHECK_EQ(memcmp(b, "12", 2), 0);
	/* CANCEL ends a waiting READ; a later write stays for the next reader. */
	put(q, ARCHK_IO_READ, p.r, a, sizeof(a), 0, 3);
	CHECK_TAKEN(q, 0, 1);
	CHECK_EQ(ring_do(q, ARCHK_IO_CANCEL, 0, NULL, 0, 3), 0);
	CHECK_EQ(await(q, 3), ARCHK_ERR_CANCELLED);
	CHECK_EQ(ring_do(q, ARCHK_IO_CANCEL, 0, NULL, 0, 3), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(wr(p.w, "q", 1), 1);
	CHECK_EQ(ring_do(q, ARCHK_IO_READ, p.r, b, sizeof(b), 0), 1);
	CHECK_EQ(b[0], 'q');
	/* Ring results equal do_io's. */
	CHECK_EQ(ring_do(q, ARCHK_IO_WRITE, p.w, "rs", 2, 0), 2);
	CHECK_EQ(ring_do(q, ARCHK_IO_READ, p.r, a, 1, 0), 1);
	CHECK_EQ(ring_do(q, ARCHK_IO_READ, p.r, (void *)ARENA_BASE, 1, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(ring_do(q, ARCHK_IO_WRITE, p.r, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(rd(p.r, a, 8), 1);
	CHECK_EQ(a[0], 's');
	CHECK_TRUE(quiet(q));
	pipe_close(&p);
	ring_free(q);
}

/* Fills p with BYTES pattern bytes starting at index start. */
static void fill(struct pipe *p, size_t start)
{
	for (size_t i = 0; i < BYTES; i++)
		big[i] = pattern(start + i);
	CHECK_EQ(wr(p->w, big, BYTES), BYTES);
	CHECK_EQ(signals_of(p->w), 0);
}

/* Reads n bytes and checks they continue the pattern at index start. */
static void drain(struct pipe *p, size_t start, size_t n)
{
	size_t got = 0;
	int good = 1;

	while (got < n) {
		long k = rd(p->r, back, n - got);

		if (k <= 0) {
			CHECK_TRUE(k > 0);
			return;
		}
		for (long i = 0; i < k; i++) {
			if (good && back[i] != pattern(start + got + (size_t)i))
				printf("drain: byte %zu is %u, expected %u\n",
				       start + got + (size_t)i, back[i],
				       pattern(start + got + (size_t)i));
			good &= back[i] == pattern(start + got + (size_t)i);
		}
		got += (size_t)k;
	}
	CHECK_TRUE(good);
}

static void test_backpressure(void)
{
	struct ring *q = ring_new(8, 0, 0);
	struct pipe p = pipe_new();
	static uint8_t w1[100], w2[10];

	fill(&p, 0);
	/* A full pipe: the WRITE waits, staged, while later ones queue behind it. */
	for (size_t i = 0; i < sizeof(w1); i++)
		w1[i] = pattern(BYTES + i);
	for (size_t i = 0; i < sizeof(w2); i++)
		w2[i] = pattern(BYTES + sizeof(w1) + i);
	put(q, ARCHK_IO_WRITE, p.w, w1, sizeof(w1), 0, 1);
	put(q, ARCHK_IO_WRITE, p.w, w2, sizeof(w2), 0, 2);
	CHECK_TAKEN(q, 0, 2);
	/* The staged bytes are the kernel's: the client may reuse its buffer at once. */
	memset(w1, 0, sizeof(w1));
	memset(w2, 0, sizeof(w2));
	CHECK_EQ(await_ms(q, 1, SHORT_MS), NO_RESULT);
	/* Room for 60 of w1's 100 bytes: it still waits. */
	drain(&p, 0, 60);
	CHECK_EQ(await_ms(q, 1, SHORT_MS), NO_RESULT);
	check_meta(p.r, BYTES);
	CHECK_EQ(signals_of(p.w), 0);
	/* 50 more: w1 completes with all its bytes, w2 gets its room too. */
	drain(&p, 60, 50);
	CHECK_EQ(await(q, 1), sizeof(w1));
	CHECK_EQ(await(q, 2), sizeof(w2));
	CHECK_EQ(signals_of(p.w), 0);
	/* Everything arrives, in order. */
	drain(&p, 110, BYTES - 110 + sizeof(w1) + sizeof(w2));
	CHECK_EQ(signals_of(p.r), 0);
	CHECK_EQ(signals_of(p.w), ARCHK_SIGNAL_WRITABLE);

	/* A WRITE that fits in part puts that part at once and waits with the rest. */
	for (size_t i = 0; i < BYTES - 6; i++)
		big[i] = pattern(i);
	CHECK_EQ(wr(p.w, big, BYTES - 6), BYTES - 6);
	for (size_t i = 0; i < 20; i++)
		w1[i] = pattern(BYTES - 6 + i);
	put(q, ARCHK_IO_WRITE, p.w, w1, 20, 0, 3);
	CHECK_TAKEN(q, 0, 1);
	CHECK_EQ(await_ms(q, 3, SHORT_MS), NO_RESULT);
	check_meta(p.r, BYTES);
	drain(&p, 0, 10);
	CHECK_EQ(await_ms(q, 3, SHORT_MS), NO_RESULT);
	drain(&p, 10, 10);
	CHECK_EQ(await(q, 3), 20);
	drain(&p, 20, BYTES - 6);

	/* CANCEL ends a waiting WRITE; what it had put already stays. */
	fill(&p, 0);
	put(q, ARCHK_IO_WRITE, p.w, w1, 8, 0, 4);
	CHECK_TAKEN(q, 0, 1);
	CHECK_EQ(ring_do(q, ARCHK_IO_CANCEL, 0, NULL, 0, 4), 0);
	CHECK_EQ(await(q, 4), ARCHK_ERR_CANCELLED);
	check_meta(p.r, BYTES);
	CHECK_EQ(signals_of(p.w), 0);
	drain(&p, 0, BYTES);
	CHECK_EQ(signals_of(p.r), 0);
	CHECK_EQ(signals_of(p.w), ARCHK_SIGNAL_WRITABLE);
	CHECK_TRUE(quiet(q));
	pipe_close(&p);
	ring_free(q);
}

/* A waiting READ whose buffer is unmapped fails alone; the bytes wait for the next reader. */
static void test_buffer_gone(void)
{
	struct ring *q = ring_new(4, 0, 0);
	struct pipe p = pipe_new();
	long page = archk_mem_map_anon(PAGE, ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	char buf[8];

	CHECK_TRUE(page > 0);
	put(q, ARCHK_IO_READ, p.r, (void *)page, 8, 0, 1);
	CHECK_TAKEN(q, 0, 1);
	CHECK_EQ(archk_mem_unmap((void *)page, PAGE), 0);
	CHECK_EQ(wr(p.w, "kept", 4), 4);
	CHECK_EQ(await(q, 1), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(rd(p.r, buf, sizeof(buf)), 4);
	CHECK_EQ(memcmp(buf, "kept", 4), 0);
	pipe_close(&p);
	ring_free(q);
}

/* ---- the ends going away ---- */

static void test_end_of_stream(void)
{
	struct ring *q = ring_new(4, 0, 0);
	struct pipe p = pipe_new();
	static char buf[8];

	/* Bytes written before the write end went are still read, then 0. */
	CHECK_EQ(wr(p.w, "bye", 3), 3);
	CHECK_EQ(archk_handle_close(p.w), 0);
	p.w = 0;
	CHECK_EQ(signals_of(p.r), ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED);
	CHECK_EQ(rd(p.r, buf, sizeof(buf)), 3);
	CHECK_EQ(signals_of(p.r), ARCHK_SIGNAL_PEER_CLOSED);
	CHECK_EQ(rd(p.r, buf, sizeof(buf)), 0);
	CHECK_EQ(ring_do(q, ARCHK_IO_READ, p.r, buf, sizeof(buf), 0), 0);
	pipe_close(&p);

	/* A READ waiting when the write end goes gets the end of the stream. */
	p = pipe_new();
	put(q, ARCHK_IO_READ, p.r, buf, sizeof(buf), 0, 1);
	CHECK_TAKEN(q, 0, 1);
	CHECK_EQ(await_ms(q, 1, SHORT_MS), NO_RESULT);
	CHECK_EQ(archk_handle_close(p.w), 0);
	p.w = 0;
	CHECK_EQ(await(q, 1), 0);
	/* A duplicate keeps an end open: only the last handle closes it. */
	pipe_close(&p);
	p = pipe_new();
	long dup = archk_handle_duplicate(p.w, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(dup > 0);
	CHECK_EQ(archk_handle_close(p.w), 0);
	CHECK_EQ(signals_of(p.r), 0);
	CHECK_EQ(wr(dup, "d", 1), 1);
	CHECK_EQ(archk_handle_close(dup), 0);
	CHECK_EQ(signals_of(p.r), ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED);
	p.w = 0;
	pipe_close(&p);
	ring_free(q);
}

static void test_peer_closed(void)
{
	struct ring *q = ring_new(4, 0, 0);
	struct pipe p = pipe_new();
	static char w1[16], w2[1];

	/* The read end gone: writes fail, buffered bytes are dropped. */
	CHECK_EQ(wr(p.w, "lost", 4), 4);
	CHECK_EQ(archk_handle_close(p.r), 0);
	p.r = 0;
	CHECK_EQ(signals_of(p.w), ARCHK_SIGNAL_PEER_CLOSED);
	CHECK_EQ(wr(p.w, "x", 1), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(wr(p.w, "x", 0), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(ring_do(q, ARCHK_IO_WRITE, p.w, "x", 1, 0), ARCHK_ERR_PEER_CLOSED);
	/* A bad buffer is still reported first. */
	CHECK_EQ(wr(p.w, (void *)ARENA_BASE, 1), ARCHK_ERR_BAD_ADDRESS);
	check_meta(p.w, 0);
	pipe_close(&p);

	/* WRITEs waiting when the read end goes complete with PEER_CLOSED. */
	p = pipe_new();
	fill(&p, 0);
	put(q, ARCHK_IO_WRITE, p.w, w1, sizeof(w1), 0, 1);
	put(q, ARCHK_IO_WRITE, p.w, w2, 1, 0, 2);
	CHECK_TAKEN(q, 0, 2);
	CHECK_EQ(await_ms(q, 1, SHORT_MS), NO_RESULT);
	CHECK_EQ(archk_handle_close(p.r), 0);
	p.r = 0;
	CHECK_EQ(await(q, 1), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(await(q, 2), ARCHK_ERR_PEER_CLOSED);
	CHECK_EQ(signals_of(p.w), ARCHK_SIGNAL_PEER_CLOSED);
	pipe_close(&p);
	ring_free(q);
}

/* Closing an end's last handle completes the requests waiting on that end. */
static void test_close_in_flight(void)
{
	struct ring *q = ring_new(4, 0, 0);
	struct pipe p = pipe_new();
	static char buf[8], w1[8];

	put(q, ARCHK_IO_READ, p.r, buf, sizeof(buf), 0, 1);
	CHECK_TAKEN(q, 0, 1);
	CHECK_EQ(archk_handle_close(p.r), 0);
	p.r = 0;
	CHECK_EQ(await(q, 1), ARCHK_ERR_CANCELLED);
	CHECK_EQ(signals_of(p.w), ARCHK_SIGNAL_PEER_CLOSED);
	pipe_close(&p);

	p = pipe_new();
	fill(&p, 0);
	put(q, ARCHK_IO_WRITE, p.w, w1, sizeof(w1), 0, 2);
	CHECK_TAKEN(q, 0, 1);
	CHECK_EQ(archk_handle_close(p.w), 0);
	p.w = 0;
	CHECK_EQ(await(q, 2), ARCHK_ERR_CANCELLED);
	CHECK_EQ(signals_of(p.r), ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED);
	drain(&p, 0, BYTES);
	CHECK_EQ(rd(p.r, buf, sizeof(buf)), 0);
	pipe_close(&p);

	/* A queue closed with requests waiting on a pipe: they go without completions. */
	p = pipe_new();
	put(q, ARCHK_IO_READ, p.r, buf, sizeof(buf), 0, 3);
	CHECK_TAKEN(q, 0, 1);
	ring_free(q);
	CHECK_EQ(wr(p.w, "after", 5), 5);
	CHECK_EQ(rd(p.r, buf, sizeof(buf)), 5);
	CHECK_EQ(memcmp(buf, "after", 5), 0);
	pipe_close(&p);
}

/* ---- blocking do_io: threads and processes ---- */

struct blocked_read {
	archk_handle_t h;
	char buf[16];
};

static int thread_read(void *arg)
{
	struct blocked_read *b = arg;

	return (int)rd(b->h, b->buf, sizeof(b->buf));
}

/* Waits (up to 5 s) until a thread blocked on a waiting request has left the run queue. */
static void settle(void)
{
	archk_sleep_until(now() + 20 * MS);
}

static void test_blocking_threads(void)
{
	struct pipe p = pipe_new();
	struct archk_thread t;
	struct blocked_read b = {.h = p.r};

	/* A blocked READ gets the bytes written later. */
	CHECK_EQ(archk_thread_spawn(&t, thread_read, &b, 16384, "reader"), 0);
	settle();
	CHECK_EQ(wr(p.w, "wake", 4), 4);
	CHECK_EQ(archk_thread_wait(&t), 4);
	CHECK_EQ(memcmp(b.buf, "wake", 4), 0);
	/* Closing the read end under a blocked READ cancels it. */
	CHECK_EQ(archk_thread_spawn(&t, thread_read, &b, 16384, "reader"), 0);
	settle();
	CHECK_EQ(archk_handle_close(p.r), 0);
	p.r = 0;
	CHECK_EQ(archk_thread_wait(&t), ARCHK_ERR_CANCELLED);
	pipe_close(&p);
}

/* Writes n pattern bytes to w in do_io WRITEs of 5000 bytes: 0, or 1 if one fell short. */
static int write_pattern(archk_handle_t w, size_t n)
{
	for (size_t done = 0; done < n;) {
		size_t k = n - done < 5000 ? n - done : 5000;

		for (size_t i = 0; i < k; i++)
			big[i] = pattern(done + i);
		if (wr(w, big, k) != (long)k)
			return 1;
		done += k;
	}
	return 0;
}

static long spawn_with(const char *mode, const char *count, const char *name, archk_handle_t h)
{
	const char *argv[] = {"/tests/conf_pipe", mode, count, NULL};
	struct archk_spawn_handle handles[1] = {{.handle = h, .rights = ARCHK_RIGHTS_SAME}};

	strlcpy(handles[0].name, name, sizeof(handles[0].name));
	return archk_spawn(argv[0], argv, handles, 1);
}

static void test_processes(void)
{
	struct pipe p = pipe_new();
	size_t n = 3 * BYTES + 1234;
	char count[16];
	long child;

	/* A child writes more than the pipe holds; blocking on both sides, in order. */
	snprintf(count, sizeof(count), "%zu", n);
	child = spawn_with("writer", count, "w", p.w);
	CHECK_TRUE(child > 0);
	CHECK_EQ(archk_handle_close(p.w), 0);
	p.w = 0;
	drain(&p, 0, n);
	/* The child's end went with it: the end of the stream. */
	CHECK_EQ(rd(p.r, back, 16), 0);
	CHECK_EQ(wait_exit(child), 0);
	pipe_close(&p);

	/* The other way round: the child reads to the end of the stream. */
	p = pipe_new();
	child = spawn_with("reader", count, "r", p.r);
	CHECK_TRUE(child > 0);
	CHECK_EQ(archk_handle_close(p.r), 0);
	p.r = 0;
	CHECK_EQ(write_pattern(p.w, n), 0);
	CHECK_EQ(archk_handle_close(p.w), 0);
	p.w = 0;
	CHECK_EQ(wait_exit(child), 0);

	/* A child killed while its WRITE waits: its end closes, the stream ends. */
	p = pipe_new();
	child = spawn_with("block-write", "0", "w", p.w);
	CHECK_TRUE(child > 0);
	CHECK_EQ(archk_handle_close(p.w), 0);
	p.w = 0;
	CHECK_EQ(archk_object_wait_one(p.r, ARCHK_SIGNAL_READABLE, now() + 5000 * MS, NULL), 0);
	archk_sleep_until(now() + 20 * MS);
	CHECK_EQ(archk_process_kill(child), 0);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
	CHECK_EQ(signals_of(p.r), ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED);
	drain(&p, 0, BYTES);
	CHECK_EQ(rd(p.r, back, 16), 0);
	pipe_close(&p);
}

/* ---- waiting on signals, the limit ---- */

static void test_waits(void)
{
	struct pipe p = pipe_new();
	long port = archk_port_create();
	struct archk_port_packet packet;
	uint32_t observed = 0;
	struct archk_wait_item items[2];

	CHECK_TRUE(port > 0);
	CHECK_EQ(archk_object_wait_one(p.r, ARCHK_SIGNAL_READABLE, now() + 10 * MS, &observed),
		 ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(archk_port_wait_async(port, p.r, 7, ARCHK_SIGNAL_READABLE), 0);
	CHECK_EQ(wr(p.w, "s", 1), 1);
	CHECK_EQ(archk_port_wait(port, now() + 5000 * MS, &packet), 0);
	CHECK_EQ(packet.key, 7);
	CHECK_EQ(packet.observed, ARCHK_SIGNAL_READABLE);
	CHECK_EQ(archk_object_wait_one(p.r, ARCHK_SIGNAL_READABLE, now() + 10 * MS, &observed), 0);
	CHECK_EQ(observed, ARCHK_SIGNAL_READABLE);
	items[0] = (struct archk_wait_item){.handle = p.w, .waitfor = ARCHK_SIGNAL_PEER_CLOSED};
	items[1] = (struct archk_wait_item){.handle = p.r, .waitfor = ARCHK_SIGNAL_READABLE};
	CHECK_EQ(archk_object_wait_many(items, 2, now() + 10 * MS), 0);
	CHECK_EQ(items[0].pending, ARCHK_SIGNAL_WRITABLE);
	CHECK_EQ(items[1].pending, ARCHK_SIGNAL_READABLE);
	CHECK_EQ(archk_handle_close((archk_handle_t)port), 0);
	pipe_close(&p);
}

static void test_limit(void)
{
	static struct pipe many[300];
	int n = 0;
	long err = 0;
	archk_handle_t h[2];

	while (n < 300 && (err = archk_pipe_create(h)) == 0)
		many[n++] = (struct pipe){h[0], h[1]};
	CHECK_EQ(err, ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(n, 256);
	while (n > 0)
		pipe_close(&many[--n]);
	struct pipe p = pipe_new();
	pipe_close(&p);
}

/* ---- children ---- */

static int child_writer(size_t n)
{
	return write_pattern(archk_handle_named("w"), n);
}

static int child_reader(size_t n)
{
	archk_handle_t r = archk_handle_named("r");
	size_t got = 0;
	long k;

	while ((k = rd(r, back, 3000)) > 0) {
		for (long i = 0; i < k; i++)
			if (back[i] != pattern(got + (size_t)i))
				return 2;
		got += (size_t)k;
	}
	return k == 0 && got == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "writer") == 0)
		return child_writer(strtoul(argv[2], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "reader") == 0)
		return child_reader(strtoul(argv[2], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "block-write") == 0)
		return child_writer(BYTES + 1) ? 4 : 3;
	out = archk_handle_named("out");
	arenas_snapshot();

	test_create();
	test_basic();
	test_rights();
	test_hostile();
	test_ring_read_waits();
	test_backpressure();
	test_buffer_gone();
	test_end_of_stream();
	test_peer_closed();
	test_close_in_flight();
	test_blocking_threads();
	test_processes();
	test_waits();
	test_limit();
	check_arenas_returned(not_deadline);
	return check_done("conf_pipe");
}
