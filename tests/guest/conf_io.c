/*
 * Conformance: the object interface (io-spec, docs/abi.md "The object
 * interface" and "I/O queues") on kernel-served objects, and I/O queues.
 * Each op on each kernel object type gives its documented result or named
 * error; SEEK; handles passed with an op; rights; then rings: creation and
 * layout, the per-process limit, batches whose results equal do_io's, errors
 * as completions, owned buffers (BUSY), CANCEL, back-pressure, corrupted
 * indices, the READABLE signal, ioq_enter's deadline, polled queues and
 * closing a queue with requests in flight. In-flight requests are READs on a
 * served object of a table this program holds and answers only when it
 * chooses. The kernel arenas end where they started.
 *   conf_io                the checks (exit 0 if all pass)
 *   conf_io exit-with N    (child) exits with status N
 *   conf_io sleep          (child) sleeps until killed
 *   conf_io check-ev R     (child) exits 0 if its handle "ev" is an event with rights R
 */
#include "check.h"
#include "ringtest.h"

#define ARENA_BASE  0x100000000000UL /* docs/architecture.md: the guest arena */
#define MS	    1000000LL
#define PAGE	    4096UL
#define STACK_BYTES (64 * 1024)

static archk_handle_t in, out, root, proc;

/* ---- the spawn blob of CREATE on a process table ---- */

struct blob {
	struct archk_spawn_blob h;
	char strings[512];
};

/* Fills b for argv and the named handles; returns its length. */
static size_t blob_make(struct blob *b, const char *const *argv, const char *const *names,
			uint32_t count)
{
	size_t used = 0;

	memset(b, 0, sizeof(*b));
	for (b->h.argc = 0; argv[b->h.argc]; b->h.argc++) {
		size_t len = strlen(argv[b->h.argc]) + 1;

		memcpy(b->strings + used, argv[b->h.argc], len);
		used += len;
	}
	for (uint32_t i = 0; i < count; i++) {
		strlcpy(b->h.names[i].name, names[i], sizeof(b->h.names[i].name));
		b->h.names[i].rights = ARCHK_RIGHTS_SAME;
	}
	b->h.handle_count = count;
	return sizeof(b->h) + used;
}

static archk_handle_t open_exe(uint32_t rights)
{
	long exe = archk_open(root, "tests/conf_io", rights);

	CHECK_TRUE(exe > 0);
	return exe > 0 ? (archk_handle_t)exe : 0;
}

/* ---- ops on kernel-served objects ---- */

static void test_unknown_op(void)
{
	CHECK_EQ(io(ARCHK_IO_OP_COUNT, out, NULL, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(0xff, out, NULL, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_OP_COUNT, root, NULL, 0, 0), ARCHK_ERR_INVALID_ARGS);
	/* A bad handle is reported before the op. */
	CHECK_EQ(io(ARCHK_IO_OP_COUNT, 0x5eed, NULL, 0, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(io(ARCHK_IO_NOP, 0x5eed, NULL, 0, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(io(ARCHK_IO_NOP, 0, NULL, 0, 0), ARCHK_ERR_HND_INVALID);
}

/* GET_META on h: 0 with the object's type and koid when h has GET_PROPERTY, else ACCESS_DENIED. */
static void check_meta(archk_handle_t h, uint32_t type)
{
	struct archk_meta meta;

	memset(&meta, 0xa5, sizeof(meta));
	if (rights_of(h) & ARCHK_RIGHT_GET_PROPERTY) {
		CHECK_EQ(archk_get_meta(h, &meta), 0);
		CHECK_EQ(meta.type, type);
		CHECK_EQ(meta.koid, koid_of(h));
		CHECK_EQ(archk_get_meta(h, (void *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	} else {
		CHECK_EQ(archk_get_meta(h, &meta), ARCHK_ERR_ACCESS_DENIED);
	}
}

/* NOP is 0; CLOSE closes the handle (a duplicate of h) and returns 0. */
static void check_nop_close(archk_handle_t h)
{
	long dup = archk_handle_duplicate(h, ARCHK_RIGHTS_SAME);

	CHECK_EQ(io(ARCHK_IO_NOP, h, NULL, 0, 0), 0);
	CHECK_TRUE(dup > 0);
	CHECK_EQ(io(ARCHK_IO_CLOSE, (archk_handle_t)dup, NULL, 0, 0), 0);
	CHECK_EQ(type_of((archk_handle_t)dup), 0);
	CHECK_EQ(io(ARCHK_IO_CLOSE, (archk_handle_t)dup, NULL, 0, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(io(ARCHK_IO_NOP, h, NULL, 0, 0), 0); /* the original is untouched */
}

static void test_console(void)
{
	static const char msg[] = "conf_io: console write\n";
	char buf[8];

	check_meta(in, ARCHK_OBJ_CONSOLE);
	check_meta(out, ARCHK_OBJ_CONSOLE);
	check_nop_close(out);
	check_nop_close(in);
	CHECK_EQ(io(ARCHK_IO_WRITE, out, msg, sizeof(msg) - 1, 0), sizeof(msg) - 1);
	CHECK_EQ(io(ARCHK_IO_WRITE, out, msg, 0, 0), 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, out, (void *)ARENA_BASE, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	/* Rights decide before the object: in has READ, out has WRITE. */
	CHECK_EQ(io(ARCHK_IO_WRITE, in, msg, 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_READ, out, buf, 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_OPEN, out, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_DESTROY, out, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_SET_META, out, buf, 1, 0), ARCHK_ERR_ACCESS_DENIED);
	/* CREATE needs MANAGE, which a console handle never has. */
	CHECK_EQ(io(ARCHK_IO_CREATE, out, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	/* Ops the console does not implement. */
	CHECK_EQ(io(ARCHK_IO_SEEK, out, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_SEEK, in, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_SHARE, out, NULL, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_CANCEL, out, NULL, 0, 1), ARCHK_ERR_NOT_SUPPORTED);
	/* stdin is empty under ctest: READ is at its end. */
	CHECK_EQ(io(ARCHK_IO_READ, in, buf, sizeof(buf), 0), 0);
	CHECK_EQ(io(ARCHK_IO_READ, in, (void *)&test_console, sizeof(buf), 0),
		 ARCHK_ERR_BAD_ADDRESS);
}

static void test_store_file(void)
{
	struct archk_meta meta;
	char buf[16] = {0}, first[16] = {0};
	long f = archk_open(root, "etc/init.conf",
			    ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE);
	int64_t size;

	CHECK_TRUE(f > 0);
	check_meta(f, ARCHK_OBJ_FILE);
	CHECK_EQ(archk_get_meta(f, &meta), 0);
	CHECK_EQ(meta.mode, 0);
	size = (int64_t)meta.size;
	CHECK_TRUE(size > 24);
	check_nop_close(f);
	CHECK_EQ(io(ARCHK_IO_READ, f, first, 8, 0), 8);
	CHECK_EQ(memcmp(first, "# init's", 8), 0);

	/* SEEK: len is whence, the offset is signed, the result the new position. */
	CHECK_EQ(archk_seek(f, 2, ARCHK_SEEK_SET), 2);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, 5, ARCHK_IO_OFFSET_CURRENT), 5);
	CHECK_EQ(memcmp(buf, "init'", 5), 0);
	CHECK_EQ(archk_seek(f, 0, ARCHK_SEEK_CUR), 7);
	CHECK_EQ(archk_seek(f, -7, ARCHK_SEEK_CUR), 0);
	CHECK_EQ(archk_seek(f, 3, ARCHK_SEEK_CUR), 3);
	CHECK_EQ(archk_seek(f, -4, ARCHK_SEEK_CUR), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek(f, 0, ARCHK_SEEK_CUR), 3); /* a refused SEEK moves nothing */
	CHECK_EQ(archk_seek(f, -1, ARCHK_SEEK_SET), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek(f, INT64_MIN, ARCHK_SEEK_SET), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek(f, 0, ARCHK_SEEK_END), size);
	CHECK_EQ(archk_seek(f, -size, ARCHK_SEEK_END), 0);
	CHECK_EQ(archk_seek(f, -size - 1, ARCHK_SEEK_END), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_seek(f, -3, ARCHK_SEEK_END), size - 3);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, 16, ARCHK_IO_OFFSET_CURRENT), 3);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, 16, ARCHK_IO_OFFSET_CURRENT), 0);
	CHECK_EQ(archk_seek(f, size + 10, ARCHK_SEEK_SET), size + 10);
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, 16, ARCHK_IO_OFFSET_CURRENT), 0);
	/* A READ at an explicit offset neither uses nor moves the position. */
	CHECK_EQ(archk_seek(f, 1, ARCHK_SEEK_SET), 1);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(io(ARCHK_IO_READ, f, buf, 8, 0), 8);
	CHECK_EQ(memcmp(buf, first, 8), 0);
	CHECK_EQ(archk_seek(f, 0, ARCHK_SEEK_CUR), 1);
	/* SEEK needs no right. */
	long bare = archk_handle_duplicate(f, 0);
	CHECK_TRUE(bare > 0);
	CHECK_EQ(archk_seek(bare, 4, ARCHK_SEEK_SET), 4);
	CHECK_EQ(archk_seek(f, 0, ARCHK_SEEK_CUR), 4); /* one position per OPEN */
	CHECK_EQ(io(ARCHK_IO_READ, bare, buf, 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_get_meta(bare, &meta), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close(bare), 0);

	/* Store handles never carry WRITE, ENUMERATE or DESTROY. */
	CHECK_EQ(io(ARCHK_IO_WRITE, f, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_OPEN, f, "x", 1, ARCHK_RIGHT_READ), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_DESTROY, f, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_CREATE, f, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	/* CANCEL and SHARE need WRITE (kernel/io.c's table, which the contract defers to). */
	CHECK_EQ(io(ARCHK_IO_CANCEL, f, NULL, 0, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_SHARE, f, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_READ, f, (void *)ARENA_BASE, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_handle_close(f), 0);
	CHECK_EQ(archk_seek(f, 0, ARCHK_SEEK_SET), ARCHK_ERR_HND_INVALID);
}

static uint64_t dir_size(const char *path)
{
	struct archk_meta meta = {0};
	long d = archk_open(root, path, ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_ENUMERATE);

	CHECK_TRUE(d > 0);
	CHECK_EQ(archk_get_meta(d, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_DIR);
	archk_handle_close(d);
	return meta.size;
}

/* Files at any depth below the root, counted from the root's listing. */
static uint64_t files_below_root(void)
{
	uint64_t records[512], total = 0;
	long d = archk_open(root, "", ARCHK_RIGHT_READ), n = 0;

	CHECK_TRUE(d > 0);
	for (uint64_t position = 0;
	     (n = io(ARCHK_IO_READ, d, records, sizeof(records), position)) > 0;)
		for (long at = 0; at < n;) {
			const struct archk_dirent *e = (const void *)((const char *)records + at);

			total += e->kind == ARCHK_KIND_DIR ? dir_size(e->name) : 1;
			position = e->next;
			at += e->reclen;
		}
	CHECK_EQ(n, 0);
	archk_handle_close(d);
	return total;
}

static void test_store_dir(void)
{
	struct archk_meta meta = {0};
	char buf[8];
	long f;

	check_meta(root, ARCHK_OBJ_DIR);
	check_nop_close(root);
	/* size = the files at any depth below. */
	CHECK_EQ(dir_size("etc"), 1);
	CHECK_EQ(archk_get_meta(root, &meta), 0);
	CHECK_EQ(meta.size, files_below_root());
	CHECK_TRUE(dir_size("tests") >= 3);
	/* OPEN: path, path length, rights in the offset. */
	f = io(ARCHK_IO_OPEN, root, "etc/init.conf", 13, ARCHK_RIGHT_READ);
	CHECK_TRUE(f > 0);
	CHECK_EQ(type_of(f), ARCHK_OBJ_FILE);
	CHECK_EQ(rights_of(f), ARCHK_RIGHT_READ);
	archk_handle_close(f);
	CHECK_EQ(io(ARCHK_IO_OPEN, root, "etc/nope", 8, ARCHK_RIGHT_READ), ARCHK_ERR_NOT_FOUND);
	/* A directory is listed (no record fits in 8 bytes, conf_dir has the rest), not
	 * positioned; the store is read-only. */
	CHECK_EQ(io(ARCHK_IO_READ, root, buf, sizeof(buf), 0), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(io(ARCHK_IO_SEEK, root, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_WRITE, root, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_CREATE, root, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_DESTROY, root, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_SET_META, root, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_SHARE, root, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED); /* needs WRITE */
	long weak = archk_handle_duplicate(root, ARCHK_RIGHT_READ);
	CHECK_EQ(io(ARCHK_IO_OPEN, weak, "etc", 3, ARCHK_RIGHT_READ), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(weak);
}

static void test_vmo(void)
{
	long v = archk_vmo_create(PAGE), ro;
	char buf[16] = {0};
	struct archk_meta meta;

	CHECK_TRUE(v > 0);
	check_meta(v, ARCHK_OBJ_VMO);
	CHECK_EQ(archk_get_meta(v, &meta), 0);
	CHECK_EQ(meta.size, PAGE);
	check_nop_close(v);
	CHECK_EQ(io(ARCHK_IO_WRITE, v, "object", 6, 100), 6);
	CHECK_EQ(archk_vmo_read(v, buf, 6, 100), 6);
	CHECK_EQ(memcmp(buf, "object", 6), 0);
	CHECK_EQ(archk_vmo_write(v, "vmo", 3, PAGE - 3), 3);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(io(ARCHK_IO_READ, v, buf, 3, PAGE - 3), 3);
	CHECK_EQ(memcmp(buf, "vmo", 3), 0);
	CHECK_EQ(io(ARCHK_IO_READ, v, buf, 6, 100), 6);
	CHECK_EQ(memcmp(buf, "object", 6), 0);
	CHECK_EQ(io(ARCHK_IO_READ, v, (void *)ARENA_BASE, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(io(ARCHK_IO_SEEK, v, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_CREATE, v, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED); /* needs MANAGE */
	CHECK_EQ(io(ARCHK_IO_OPEN, v, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	ro = archk_handle_duplicate(v, ARCHK_RIGHT_READ);
	CHECK_EQ(io(ARCHK_IO_WRITE, ro, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_READ, ro, buf, 1, 100), 1);
	CHECK_EQ(archk_get_meta(ro, &meta), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(ro);
	archk_handle_close(v);
}

static void test_event_channel(void)
{
	archk_handle_t ch[2];
	long ev = archk_event_create();
	char buf[8];

	CHECK_TRUE(ev > 0);
	check_meta(ev, ARCHK_OBJ_EVENT);
	check_nop_close(ev);
	CHECK_EQ(io(ARCHK_IO_SEEK, ev, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_CLOSE, ev, NULL, 0, 0), 0);
	CHECK_EQ(type_of(ev), 0);

	CHECK_EQ(archk_channel_create(ch), 0);
	check_meta(ch[0], ARCHK_OBJ_CHANNEL);
	CHECK_EQ(io(ARCHK_IO_NOP, ch[0], NULL, 0, 0), 0);
	/* Channels have READ and WRITE rights but their own calls, not do_io's. */
	CHECK_EQ(io(ARCHK_IO_READ, ch[0], buf, sizeof(buf), 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_WRITE, ch[0], buf, sizeof(buf), 0), ARCHK_ERR_NOT_SUPPORTED);
	/* CLOSE on the last handle of an end closes that end. */
	CHECK_EQ(io(ARCHK_IO_CLOSE, ch[1], NULL, 0, 0), 0);
	CHECK_EQ(signals_of(ch[0]) & ARCHK_SIGNAL_PEER_CLOSED, ARCHK_SIGNAL_PEER_CLOSED);
	CHECK_EQ(io(ARCHK_IO_CLOSE, ch[0], NULL, 0, 0), 0);
	CHECK_EQ(type_of(ch[0]), 0);
}

/* The process table: CREATE spawns from a blob plus handles; a process: DESTROY, GET_META. */
static void test_process_table(void)
{
	static const char *const exit5[] = {"/tests/conf_io", "exit-with", "5", NULL};
	static const char *const sleeper[] = {"/tests/conf_io", "sleep", NULL};
	archk_handle_t hs[ARCHK_IO_HANDLES_MAX + 1];
	struct blob b;
	size_t len = blob_make(&b, exit5, NULL, 0);
	archk_handle_t exe = open_exe(ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ |
				      ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_DUPLICATE);
	struct archk_exit_status st;
	long p, weak;

	check_meta(proc, ARCHK_OBJ_SPAWNER);
	CHECK_EQ(io(ARCHK_IO_NOP, proc, NULL, 0, 0), 0);
	hs[0] = exe;
	p = archk_do_io_handles(ARCHK_IO_CREATE, proc, &b, len, 0, hs, 1);
	CHECK_TRUE(p > 0);
	CHECK_EQ(type_of(p), ARCHK_OBJ_PROCESS);
	CHECK_EQ(wait_exit(p), 5);
	CHECK_EQ(type_of(exe), ARCHK_OBJ_FILE); /* the caller keeps what it passed */

	/* Handles passed with an op need TRANSFER; a bad one is HND_INVALID. */
	long notx = archk_handle_duplicate(exe, ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ);
	CHECK_TRUE(notx > 0);
	hs[0] = notx;
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_CREATE, proc, &b, len, 0, hs, 1),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(type_of(notx), ARCHK_OBJ_FILE);
	archk_handle_close(notx);
	hs[0] = 0x5eed;
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_CREATE, proc, &b, len, 0, hs, 1),
		 ARCHK_ERR_HND_INVALID);
	hs[0] = exe;
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_CREATE, proc, &b, len, 0, (void *)ARENA_BASE, 1),
		 ARCHK_ERR_BAD_ADDRESS);
	for (int i = 0; i <= ARCHK_IO_HANDLES_MAX; i++)
		hs[i] = exe;
	CHECK_TRUE(archk_do_io_handles(ARCHK_IO_CREATE, proc, &b, len, 0, hs,
				       ARCHK_IO_HANDLES_MAX + 1) < 0);
	CHECK_EQ(type_of(exe), ARCHK_OBJ_FILE);
	/* CREATE on the process table needs MANAGE. */
	weak = archk_handle_duplicate(proc, ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER);
	CHECK_TRUE(weak > 0);
	hs[0] = exe;
	CHECK_EQ(archk_do_io_handles(ARCHK_IO_CREATE, weak, &b, len, 0, hs, 1),
		 ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(weak);

	/* The receiver gets copies with the same rights. */
	static const char *const checkev[] = {"/tests/conf_io", "check-ev", "0x802", NULL};
	static const char *const evname[] = {"ev"};
	long ev = archk_event_create();
	long evcopy = archk_handle_duplicate(ev, ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT);
	len = blob_make(&b, checkev, evname, 1);
	hs[0] = exe;
	hs[1] = evcopy;
	CHECK_EQ(wait_exit(archk_do_io_handles(ARCHK_IO_CREATE, proc, &b, len, 0, hs, 2)), 0);
	CHECK_EQ(rights_of(evcopy), ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT);
	archk_handle_close(evcopy);
	archk_handle_close(ev);

	/* A process: DESTROY ends it like process_kill. */
	p = archk_spawn(sleeper[0], sleeper, NULL, 0);
	CHECK_TRUE(p > 0);
	check_meta(p, ARCHK_OBJ_PROCESS);
	CHECK_EQ(io(ARCHK_IO_NOP, p, NULL, 0, 0), 0);
	CHECK_EQ(io(ARCHK_IO_SEEK, p, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	weak = archk_handle_duplicate(p, ARCHK_RIGHT_WAIT);
	CHECK_EQ(io(ARCHK_IO_DESTROY, weak, NULL, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(weak);
	CHECK_EQ(io(ARCHK_IO_DESTROY, p, NULL, 0, 0), 0);
	CHECK_EQ(archk_process_wait(p, &st), 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_KILLED);
	archk_handle_close(p);
	archk_handle_close(exe);
}

/* ---- I/O queues ---- */

static void test_ioq_create(void)
{
	struct archk_ioq_params p;
	struct archk_handle_info info;
	static const uint32_t bad[][2] = {{0, 0},	    {3, 0}, {4097, 0},	  {8192, 0},
					  {4, 2},	    {4, 6}, {4, 12},	  {4, 16384},
					  {4096, 4096 * 4}, {8, 4}, {1u << 31, 0}};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.request_entries = bad[i][0];
		p.completion_entries = bad[i][1];
		long h = ioq_create(&p);
		if (h != ARCHK_ERR_INVALID_ARGS)
			printf("ioq_create(%u, %u)\n", bad[i][0], bad[i][1]);
		CHECK_EQ(h, ARCHK_ERR_INVALID_ARGS);
	}
	CHECK_EQ(ioq_create((void *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	/* Valid parameters in read-only memory: the results cannot be written. */
	long v = archk_vmo_create(PAGE), ro = 0;
	memset(&p, 0, sizeof(p));
	p.request_entries = 4;
	CHECK_EQ(archk_vmo_write(v, &p, sizeof(p), 0), sizeof(p));
	ro = archk_vmo_map(v, 0, PAGE, ARCHK_PROT_READ);
	CHECK_TRUE(ro > 0);
	CHECK_EQ(ioq_create((void *)ro), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_vmo_unmap((void *)ro, PAGE), 0);
	archk_handle_close(v);

	/* Good sizes: the layout archk writes. */
	static const uint32_t good[][2] = {{1, 0},   {1, 1},	{4, 4},	      {8, 0},
					   {16, 64}, {4096, 0}, {4096, 8192}, {2, 8192}};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint32_t req = good[i][0], cmp = good[i][1] ? good[i][1] : 2 * good[i][0];
		struct archk_ioq_ring *ring;

		memset(&p, 0, sizeof(p));
		p.request_entries = req;
		p.completion_entries = good[i][1];
		long h = ioq_create(&p);
		CHECK_TRUE(h > 0);
		if (h <= 0) {
			printf("ioq_create(%u, %u): %s\n", good[i][0], good[i][1],
			       archk_strerror(h));
			continue;
		}
		ring = (struct archk_ioq_ring *)p.ring;
		CHECK_EQ(archk_handle_info(h, &info), 0);
		CHECK_EQ(info.type, ARCHK_OBJ_IOQ);
		if (i == 0)
			CHECK_EQ(info.rights, ARCHK_RIGHTS_IOQ);
		CHECK_TRUE(p.ring != 0 && p.ring % 8 == 0);
		CHECK_TRUE(p.ring_size >= sizeof(*ring) + req * sizeof(struct archk_io_request) +
					      cmp * sizeof(struct archk_io_completion));
		CHECK_EQ(ring->req_mask, req - 1);
		CHECK_EQ(ring->cmp_mask, cmp - 1);
		CHECK_EQ(ring->req_head | ring->req_tail | ring->cmp_head | ring->cmp_tail, 0);
		CHECK_EQ(ring->flags, 0);
		CHECK_TRUE(ring->requests >= sizeof(*ring) && ring->requests % 8 == 0);
		CHECK_TRUE(ring->completions % 8 == 0);
		/* The arrays do not overlap each other or the header and fit the mapping. */
		CHECK_TRUE(
		    ring->completions >= ring->requests + req * sizeof(struct archk_io_request) ||
		    ring->requests >= ring->completions + cmp * sizeof(struct archk_io_completion));
		CHECK_TRUE(ring->completions >= sizeof(*ring));
		CHECK_TRUE(ring->requests + req * sizeof(struct archk_io_request) <= p.ring_size);
		CHECK_TRUE(ring->completions + cmp * sizeof(struct archk_io_completion) <=
			   p.ring_size);
		/* The ring is writable by the guest: touch the last byte. */
		((volatile char *)p.ring)[p.ring_size - 1] = 0;
		/* It is not an anonymous mapping. */
		CHECK_EQ(archk_mem_unmap((void *)p.ring, p.ring_size), ARCHK_ERR_NOT_FOUND);
		CHECK_EQ(archk_handle_close(h), 0);
	}
	/* ioq_enter on what is not a queue. */
	CHECK_EQ(ioq_enter(0x5eed, 0, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(ioq_enter(out, 0, 0), ARCHK_ERR_WRONG_TYPE);
}

static void test_ioq_limit(void)
{
	struct archk_ioq_params p;
	long hs[ARCHK_IOQ_PER_PROCESS];
	int made = 0;

	for (int i = 0; i < ARCHK_IOQ_PER_PROCESS; i++) {
		memset(&p, 0, sizeof(p));
		p.request_entries = 2;
		hs[i] = ioq_create(&p);
		made += hs[i] > 0;
	}
	CHECK_EQ(made, ARCHK_IOQ_PER_PROCESS);
	memset(&p, 0, sizeof(p));
	p.request_entries = 2;
	CHECK_EQ(ioq_create(&p), ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(archk_handle_close(hs[3]), 0);
	hs[3] = ioq_create(&p);
	CHECK_TRUE(hs[3] > 0);
	CHECK_EQ(ioq_create(&p), ARCHK_ERR_NO_MEMORY);
	for (int i = 0; i < ARCHK_IOQ_PER_PROCESS; i++)
		if (hs[i] > 0)
			archk_handle_close(hs[i]);
	/* The queue object is what counts, not the handle: a duplicate keeps it. */
	long h = ioq_create(&p);
	long dup = archk_handle_duplicate(h, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(dup > 0);
	CHECK_EQ(archk_handle_close(h), 0);
	memset(&p, 0, sizeof(p));
	p.request_entries = 2;
	made = 0;
	for (int i = 0; i < ARCHK_IOQ_PER_PROCESS; i++) {
		hs[i] = ioq_create(&p);
		made += hs[i] > 0;
	}
	CHECK_EQ(made, ARCHK_IOQ_PER_PROCESS - 1);
	for (int i = 0; i < ARCHK_IOQ_PER_PROCESS; i++)
		if (hs[i] > 0)
			archk_handle_close(hs[i]);
	archk_handle_close(dup);
}

/* Batches of NOPs and READs; each result is do_io's. */
static void test_ioq_batches(void)
{
	struct ring *r = ring_new(8, 0, 0);
	char bufs[4][8], expect[4][8];
	int seen[8] = {0}, bad = 0;
	long f = archk_open(root, "etc/init.conf", ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);

	/* Eight NOPs in one enter. */
	for (int i = 0; i < 8; i++)
		put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 100 + i);
	CHECK_EQ(archk_ioq_request(&r->q), NULL); /* the ring is full */
	CHECK_TAKEN(r, 0, 8);
	CHECK_EQ(r->q.ring->req_head, 8);
	CHECK_EQ(r->q.ring->cmp_tail, 8);
	harvest(r);
	CHECK_EQ(r->ngot, 8);
	for (int i = 0; i < r->ngot; i++) {
		uint64_t ud = r->got[i].user_data;
		if (ud < 100 || ud >= 108 || r->got[i].result != 0)
			bad++;
		else
			seen[ud - 100]++;
	}
	r->ngot = 0;
	CHECK_EQ(bad, 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(seen[i], 1);
	CHECK_EQ(enter(r, 0), 0); /* nothing new */

	/* Four READs at four offsets. */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(io(ARCHK_IO_READ, f, expect[i], 8, 8 * i), 8);
	memset(bufs, 0, sizeof(bufs));
	for (int i = 0; i < 4; i++)
		put(r, ARCHK_IO_READ, f, bufs[i], 8, 8 * i, 200 + i);
	CHECK_TAKEN(r, 4, 4);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(await(r, 200 + i), 8);
	CHECK_EQ(memcmp(bufs, expect, sizeof(bufs)), 0);

	/* Results identical to do_io, op by op. */
	struct archk_meta m1, m2;
	char b1[16], b2[16];
	memset(&m1, 0, sizeof(m1));
	memset(&m2, 0x55, sizeof(m2));
	CHECK_EQ(ring_do(r, ARCHK_IO_GET_META, f, &m1, sizeof(m1), 0), archk_get_meta(f, &m2));
	CHECK_EQ(memcmp(&m1, &m2, sizeof(m1)), 0);
	CHECK_EQ(ring_do(r, ARCHK_IO_SEEK, f, NULL, ARCHK_SEEK_SET, 3), 3);
	CHECK_EQ(archk_seek(f, 0, ARCHK_SEEK_CUR), 3);
	CHECK_EQ(ring_do(r, ARCHK_IO_SEEK, f, NULL, ARCHK_SEEK_CUR, (uint64_t)-4),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, b1, 4, ARCHK_IO_OFFSET_CURRENT), 4);
	CHECK_EQ(archk_seek(f, 0, ARCHK_SEEK_CUR), 7);
	CHECK_EQ(io(ARCHK_IO_READ, f, b2, 4, 3), 4);
	CHECK_EQ(memcmp(b1, b2, 4), 0);
	long h = ring_do(r, ARCHK_IO_OPEN, root, "etc/init.conf", 13, ARCHK_RIGHT_READ);
	CHECK_TRUE(h > 0);
	CHECK_EQ(type_of(h), ARCHK_OBJ_FILE);
	archk_handle_close(h);
	CHECK_EQ(ring_do(r, ARCHK_IO_OPEN, root, "etc/nope", 8, ARCHK_RIGHT_READ),
		 ARCHK_ERR_NOT_FOUND);
	static const char msg[] = "conf_io: ring write\n";
	CHECK_EQ(ring_do(r, ARCHK_IO_WRITE, out, msg, sizeof(msg) - 1, 0), sizeof(msg) - 1);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, in, b1, sizeof(b1), 0), 0); /* empty stdin */
	CHECK_EQ(ring_do(r, ARCHK_IO_WRITE, in, msg, 1, 0), io(ARCHK_IO_WRITE, in, msg, 1, 0));
	CHECK_EQ(ring_do(r, ARCHK_IO_WRITE, in, msg, 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, root, b1, 4, 0), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(ring_do(r, ARCHK_IO_NOP, root, NULL, 0, 0), 0);
	long v = archk_vmo_create(PAGE);
	CHECK_EQ(ring_do(r, ARCHK_IO_WRITE, v, "ring", 4, 10), 4);
	memset(b1, 0, sizeof(b1));
	CHECK_EQ(archk_vmo_read(v, b1, 4, 10), 4);
	CHECK_EQ(memcmp(b1, "ring", 4), 0);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, v, b2, 4, 10), 4);
	CHECK_EQ(memcmp(b2, "ring", 4), 0);
	/* CLOSE through the ring closes the handle. */
	CHECK_EQ(ring_do(r, ARCHK_IO_CLOSE, v, NULL, 0, 0), 0);
	CHECK_EQ(type_of(v), 0);

	/* CREATE with handles through the ring spawns. */
	static const char *const exit6[] = {"/tests/conf_io", "exit-with", "6", NULL};
	struct blob b;
	size_t len = blob_make(&b, exit6, NULL, 0);
	archk_handle_t exe = open_exe(ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ |
				      ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_DUPLICATE);
	struct archk_io_request *req = put(r, ARCHK_IO_CREATE, proc, &b, len, 0, 300);
	req->handle_count = 1;
	req->handles = (uint64_t)(uintptr_t)&exe;
	enter(r, 0);
	long p = await(r, 300);
	CHECK_TRUE(p > 0);
	CHECK_EQ(type_of(p), ARCHK_OBJ_PROCESS);
	CHECK_EQ(wait_exit(p), 6);
	CHECK_EQ(type_of(exe), ARCHK_OBJ_FILE);
	archk_handle_t notx = archk_handle_duplicate(exe, ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ);
	req = put(r, ARCHK_IO_CREATE, proc, &b, len, 0, 301);
	req->handle_count = 1;
	req->handles = (uint64_t)(uintptr_t)&notx;
	enter(r, 0);
	CHECK_EQ(await(r, 301), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close(notx);
	archk_handle_close(exe);

	CHECK_TRUE(quiet(r));
	archk_handle_close(f);
	ring_free(r);
}

/* Malformed requests complete with do_io's error; the queue goes on. */
static void test_ioq_errors(void)
{
	struct ring *r = ring_new(16, 0, 0);
	long f = archk_open(root, "etc/init.conf", ARCHK_RIGHT_READ);
	char buf[16];
	struct archk_io_request *req;

	CHECK_EQ(ring_do(r, ARCHK_IO_READ, 0x5eed, buf, 4, 0), ARCHK_ERR_HND_INVALID);
	/* A ring NOP names no object: its handle field is ignored (do_io NOP needs one). */
	CHECK_EQ(ring_do(r, ARCHK_IO_NOP, 0x5eed, NULL, 0, 0), 0);
	CHECK_EQ(io(ARCHK_IO_NOP, 0, NULL, 0, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, (void *)ARENA_BASE, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, (void *)&test_ioq_errors, 4, 0),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, buf, UINT64_MAX - (uintptr_t)buf + 16, 0),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, buf, UINT64_MAX, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(ring_do(r, ARCHK_IO_OP_COUNT, f, NULL, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(ring_do(r, 0xff, f, NULL, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(ring_do(r, ARCHK_IO_OP_COUNT, 0x5eed, NULL, 0, 0), ARCHK_ERR_HND_INVALID);
	/* Reserved fields and flags must be zero. */
	for (int which = 0; which < 3; which++) {
		req = put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 400 + which);
		if (which == 0)
			req->flags = 1;
		else
			req->reserved[which - 1] = 1;
		enter(r, 0);
		CHECK_EQ(await(r, 400 + which), ARCHK_ERR_INVALID_ARGS);
	}
	req = put(r, ARCHK_IO_READ, f, buf, 4, 0, 410);
	req->reserved[1] = 0x8000000000000000ull;
	enter(r, 0);
	CHECK_EQ(await(r, 410), ARCHK_ERR_INVALID_ARGS);
	/* Handles named by a request: the array must be readable. */
	req = put(r, ARCHK_IO_CREATE, proc, buf, 4, 0, 411);
	req->handle_count = 1;
	req->handles = ARENA_BASE;
	enter(r, 0);
	CHECK_EQ(await(r, 411), ARCHK_ERR_BAD_ADDRESS);
	/* A mix in one batch: each gets its own result. */
	put(r, ARCHK_IO_READ, f, buf, 4, 0, 420);
	put(r, ARCHK_IO_READ, 0x5eed, buf, 4, 0, 421);
	put(r, ARCHK_IO_READ, f, buf + 4, 4, 4, 422);
	put(r, 77, f, NULL, 0, 0, 423);
	CHECK_TAKEN(r, 4, 4);
	CHECK_EQ(await(r, 420), 4);
	CHECK_EQ(await(r, 421), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(await(r, 422), 4);
	CHECK_EQ(await(r, 423), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(memcmp(buf, "# init's", 8), 0);
	CHECK_TRUE(quiet(r));
	archk_handle_close(f);
	ring_free(r);
}

/* ---- an object served by this program, answered only when a test chooses ---- */

struct served {
	archk_handle_t table, obj;
};

static void served_new(struct served *s)
{
	long t = archk_table_create();
	long o = t > 0 ? archk_table_object_create(t, 77, ARCHK_RIGHTS_SAME) : t;

	CHECK_TRUE(t > 0 && o > 0);
	s->table = (archk_handle_t)t;
	s->obj = (archk_handle_t)o;
}

static void served_free(struct served *s)
{
	archk_handle_close(s->obj);
	archk_handle_close(s->table);
}

/* Receives the next request without waiting; its id, or the error. */
static long served_take(struct served *s, struct archk_table_request *req)
{
	char data[64];
	archk_handle_t hs[ARCHK_IO_HANDLES_MAX];
	long err = archk_table_receive(s->table, req, data, sizeof(data), hs, now() + 200 * MS);

	return err < 0 ? err : (long)req->id;
}

static void test_ioq_busy_cancel(void)
{
	struct ring *r = ring_new(16, 0, 0);
	struct served s;
	long f = archk_open(root, "etc/init.conf", ARCHK_RIGHT_READ);
	static char big[256];

	served_new(&s);
	/* A READ on the served object stays in flight and owns big[64, 128). */
	put(r, ARCHK_IO_READ, s.obj, big + 64, 64, 0, 1);
	CHECK_TAKEN(r, 0, 1);
	CHECK_TRUE(quiet(r));
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, big + 120, 16, 0), ARCHK_ERR_BUSY);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, big + 60, 8, 0), ARCHK_ERR_BUSY);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, big + 64, 64, 0), ARCHK_ERR_BUSY);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, big, 256, 0), ARCHK_ERR_BUSY);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, big + 128, 8, 0), 8); /* adjacent: free */
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, big + 56, 8, 0), 8);
	/* Another queue's requests are not held back by this one's buffers. */
	struct ring *other = ring_new(2, 0, 0);
	CHECK_EQ(ring_do(other, ARCHK_IO_READ, f, big + 64, 8, 0), 8);
	ring_free(other);
	/* Nor is do_io. */
	CHECK_EQ(io(ARCHK_IO_READ, f, big + 64, 8, 0), 8);

	/* CANCEL through the ring: the target completes CANCELLED, the CANCEL 0. */
	put(r, ARCHK_IO_CANCEL, 0, NULL, 0, 1, 2);
	CHECK_TAKEN(r, 2, 1);
	CHECK_EQ(await(r, 1), ARCHK_ERR_CANCELLED);
	CHECK_EQ(await(r, 2), 0);
	CHECK_EQ(ring_do(r, ARCHK_IO_READ, f, big + 64, 8, 0), 8); /* released */
	/* Unknown or finished user_data: NOT_FOUND, and exactly one completion. */
	CHECK_EQ(ring_do(r, ARCHK_IO_CANCEL, 0, NULL, 0, 1), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(ring_do(r, ARCHK_IO_CANCEL, 0, NULL, 0, 999999), ARCHK_ERR_NOT_FOUND);
	put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 3);
	enter(r, 1);
	CHECK_EQ(await(r, 3), 0);
	CHECK_EQ(ring_do(r, ARCHK_IO_CANCEL, 0, NULL, 0, 3), ARCHK_ERR_NOT_FOUND);
	CHECK_TRUE(quiet(r));

	/* do_io CANCEL on the queue's handle (s2 sees only request 10). */
	struct served s2;
	served_new(&s2);
	put(r, ARCHK_IO_READ, s2.obj, big, 8, 0, 10);
	put(r, ARCHK_IO_READ, s.obj, big + 8, 8, 0, 11);
	CHECK_TAKEN(r, 0, 2);
	CHECK_EQ(io(ARCHK_IO_CANCEL, r->q.handle, NULL, 0, 11), 0);
	CHECK_EQ(await(r, 11), ARCHK_ERR_CANCELLED);
	CHECK_TRUE(quiet(r));
	CHECK_EQ(io(ARCHK_IO_CANCEL, r->q.handle, NULL, 0, 11), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(io(ARCHK_IO_CANCEL, r->q.handle, NULL, 0, 424242), ARCHK_ERR_NOT_FOUND);
	/* A request the server already received: cancelled, and the late reply finds nobody. */
	struct archk_table_request treq;
	long id = served_take(&s2, &treq);
	CHECK_TRUE(id > 0);
	CHECK_EQ(treq.op, ARCHK_IO_READ);
	CHECK_EQ(treq.len, 8);
	CHECK_EQ(io(ARCHK_IO_CANCEL, r->q.handle, NULL, 0, 10), 0);
	CHECK_EQ(await(r, 10), ARCHK_ERR_CANCELLED);
	CHECK_EQ(archk_table_reply(s2.table, id, 8, "too late", 8, 0), ARCHK_ERR_PEER_CLOSED);
	served_free(&s2);
	CHECK_TRUE(quiet(r));
	/* CANCEL needs the queue's handle in do_io, and it is not an op of other objects. */
	CHECK_EQ(io(ARCHK_IO_CANCEL, s.obj, NULL, 0, 10), ARCHK_ERR_NOT_SUPPORTED);

	/* CANCEL looks in its own queue only. */
	struct ring *other2 = ring_new(2, 0, 0);
	put(r, ARCHK_IO_READ, s.obj, big, 8, 0, 30);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(ring_do(other2, ARCHK_IO_CANCEL, 0, NULL, 0, 30), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(io(ARCHK_IO_CANCEL, other2->q.handle, NULL, 0, 30), ARCHK_ERR_NOT_FOUND);
	CHECK_TRUE(quiet(r));
	CHECK_EQ(io(ARCHK_IO_CANCEL, r->q.handle, NULL, 0, 30), 0);
	CHECK_EQ(await(r, 30), ARCHK_ERR_CANCELLED);
	ring_free(other2);

	/* The queue as an object: the generic ops; its data goes through the ring only. */
	check_meta(r->q.handle, ARCHK_OBJ_IOQ);
	check_nop_close(r->q.handle);
	CHECK_EQ(io(ARCHK_IO_READ, r->q.handle, big, 8, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_WRITE, r->q.handle, big, 8, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_SEEK, r->q.handle, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_TRUE(quiet(r));

	served_free(&s);
	archk_handle_close(f);
	ring_free(r);
}

/* A completion ring as small as allowed fills; nothing is dropped. */
static void test_ioq_backpressure(void)
{
	struct ring *r = ring_new(4, 4, 0);
	struct served s;
	int count[16] = {0}, wrong = 0;

	for (int i = 0; i < 4; i++)
		put(r, ARCHK_IO_NOP, out, NULL, 0, 0, i);
	CHECK_TAKEN(r, 0, 4);
	CHECK_EQ(r->q.ring->cmp_tail, 4);
	for (int i = 4; i < 8; i++)
		put(r, ARCHK_IO_NOP, out, NULL, 0, 0, i);
	CHECK_EQ(enter(r, 0), ARCHK_ERR_SHOULD_WAIT);
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_BACKPRESSURE, ARCHK_IOQ_RING_BACKPRESSURE);
	CHECK_EQ(r->q.ring->req_head, 4);
	CHECK_EQ(r->q.ring->cmp_tail, 4);
	/* Consuming two lets two through. */
	for (int i = 0; i < 2; i++) {
		struct archk_io_completion *c = archk_ioq_peek(&r->q);
		if (c) {
			count[c->user_data & 15]++;
			wrong += c->result != 0;
			archk_ioq_seen(&r->q);
		}
	}
	CHECK_TAKEN(r, 0, 2);
	CHECK_EQ(r->q.ring->req_head, 6);
	/* Consuming the rest lets the rest through and clears the flag. */
	harvest(r);
	CHECK_TAKEN(r, 0, 2);
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_BACKPRESSURE, 0);
	harvest(r);
	for (int i = 0; i < r->ngot; i++) {
		count[r->got[i].user_data & 15]++;
		wrong += r->got[i].result != 0 || r->got[i].user_data >= 8;
	}
	r->ngot = 0;
	CHECK_EQ(wrong, 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(count[i], 1);

	/* Requests in flight hold their completion's room. */
	static char rbuf[8];
	served_new(&s);
	put(r, ARCHK_IO_READ, s.obj, rbuf, 8, 0, 20);
	for (int i = 21; i < 24; i++)
		put(r, ARCHK_IO_NOP, out, NULL, 0, 0, i);
	CHECK_TAKEN(r, 0, 4);
	put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 24);
	CHECK_EQ(enter(r, 0), ARCHK_ERR_SHOULD_WAIT); /* 3 unread + 1 in flight */
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_BACKPRESSURE, ARCHK_IOQ_RING_BACKPRESSURE);
	/* A cancelled request's completion takes the room it held. */
	CHECK_EQ(io(ARCHK_IO_CANCEL, r->q.handle, NULL, 0, 20), 0);
	CHECK_EQ(r->q.ring->cmp_tail - r->q.ring->cmp_head, 4);
	CHECK_EQ(enter(r, 0), ARCHK_ERR_SHOULD_WAIT);
	harvest(r);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(await(r, 20), ARCHK_ERR_CANCELLED);
	for (int i = 21; i < 25; i++)
		CHECK_EQ(await(r, i), 0);
	CHECK_TRUE(quiet(r));

	/* Over many rounds with the guest consuming late, every request completes once. */
	int done[64] = {0}, sent = 0, extra = 0, rounds = 0;
	while ((sent < 64 || r->q.ring->req_head != r->q.req_tail) && rounds++ < 10000) {
		struct archk_io_request *req;
		while (sent < 64 && (req = archk_ioq_request(&r->q))) {
			req->op = ARCHK_IO_NOP;
			req->handle = out;
			req->user_data = 5000 + sent++;
		}
		long e = enter(r, 0);
		if (e < 0 && e != ARCHK_ERR_SHOULD_WAIT)
			break;
		if (e == ARCHK_ERR_SHOULD_WAIT || (sent & 3) == 0)
			harvest(r);
	}
	harvest(r);
	for (int i = 0; i < r->ngot; i++) {
		uint64_t ud = r->got[i].user_data;
		if (ud >= 5000 && ud < 5064 && r->got[i].result == 0)
			done[ud - 5000]++;
		else
			extra++;
	}
	r->ngot = 0;
	CHECK_EQ(extra, 0);
	int once = 0;
	for (int i = 0; i < 64; i++)
		once += done[i] == 1;
	CHECK_EQ(once, 64);
	served_free(&s);
	ring_free(r);
}

/* A guest that scribbles over the indices breaks only its own queue. */
static void test_ioq_broken(void)
{
	struct ring *r = ring_new(4, 0, 0);
	struct served s;
	struct archk_table_request treq;

	/* req_tail too far ahead. */
	__atomic_store_n(&r->q.ring->req_tail, r->q.ring->req_head + 5, __ATOMIC_RELEASE);
	CHECK_EQ(ioq_enter(r->q.handle, 0, 0), ARCHK_ERR_BAD_STATE);
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_BROKEN, ARCHK_IOQ_RING_BROKEN);
	__atomic_store_n(&r->q.ring->req_tail, r->q.ring->req_head, __ATOMIC_RELEASE);
	CHECK_EQ(ioq_enter(r->q.handle, 0, 0), ARCHK_ERR_BAD_STATE); /* for good */
	CHECK_EQ(ioq_enter(r->q.handle, 1, now() + 10 * MS), ARCHK_ERR_BAD_STATE);
	ring_free(r);

	/* cmp_head past cmp_tail. */
	r = ring_new(4, 0, 0);
	CHECK_EQ(ring_do(r, ARCHK_IO_NOP, out, NULL, 0, 0), 0);
	__atomic_store_n(&r->q.ring->cmp_head, r->q.ring->cmp_tail + 5, __ATOMIC_RELEASE);
	CHECK_EQ(ioq_enter(r->q.handle, 0, 0), ARCHK_ERR_BAD_STATE);
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_BROKEN, ARCHK_IOQ_RING_BROKEN);
	ring_free(r);

	/* cmp_head moved backwards, with a served request in flight that is then cancelled. */
	served_new(&s);
	r = ring_new(4, 0, 0);
	CHECK_EQ(ring_do(r, ARCHK_IO_NOP, out, NULL, 0, 0), 0);
	static char rbuf[8];
	put(r, ARCHK_IO_READ, s.obj, rbuf, 8, 0, 50);
	CHECK_TAKEN(r, 0, 1); /* archk has now seen cmp_head == 1 */
	long id = served_take(&s, &treq);
	CHECK_TRUE(id > 0);
	__atomic_store_n(&r->q.ring->cmp_head, r->q.ring->cmp_head - 1, __ATOMIC_RELEASE);
	CHECK_EQ(ioq_enter(r->q.handle, 0, 0), ARCHK_ERR_BAD_STATE);
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_BROKEN, ARCHK_IOQ_RING_BROKEN);
	CHECK_EQ(archk_table_reply(s.table, id, 0, NULL, 0, 0), ARCHK_ERR_PEER_CLOSED);
	ring_free(r);
	served_free(&s);

	/* archk and other queues carry on. */
	r = ring_new(4, 0, 0);
	CHECK_EQ(ring_do(r, ARCHK_IO_NOP, out, NULL, 0, 0), 0);
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_BROKEN, 0);
	ring_free(r);
}

/* Answers the next request of the table after a short sleep (a thread). */
static int late_replier(void *arg)
{
	struct served *s = arg;
	struct archk_table_request req;
	char data[64];
	archk_handle_t hs[ARCHK_IO_HANDLES_MAX];
	long err = archk_table_receive(s->table, &req, data, sizeof(data), hs, now() + 5000 * MS);

	if (err < 0)
		return 1;
	archk_sleep_until(now() + 20 * MS);
	return archk_table_reply(s->table, req.id, 3, "abc", 3, 0) == 0 ? 0 : 2;
}

static void test_ioq_signal_deadline(void)
{
	struct ring *r = ring_new(4, 0, 0);
	struct served s;
	struct archk_thread th;
	uint32_t observed = 0;
	char buf[8] = {0};
	int64_t start;

	/* READABLE while completions are unread. */
	CHECK_EQ(archk_object_wait_one(r->q.handle, ARCHK_SIGNAL_READABLE, 0, &observed),
		 ARCHK_ERR_TIMED_OUT);
	CHECK_EQ(observed & ARCHK_SIGNAL_READABLE, 0);
	put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 1);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(archk_object_wait_one(r->q.handle, ARCHK_SIGNAL_READABLE, 0, &observed), 0);
	CHECK_EQ(observed & ARCHK_SIGNAL_READABLE, ARCHK_SIGNAL_READABLE);
	CHECK_EQ(await(r, 1), 0);
	CHECK_EQ(signals_of(r->q.handle) & ARCHK_SIGNAL_READABLE, 0);
	/* (ioq_enter with nothing new must leave it clear, whatever archk noticed before.) */
	CHECK_EQ(ioq_enter(r->q.handle, 0, 0), 0);
	CHECK_EQ(signals_of(r->q.handle) & ARCHK_SIGNAL_READABLE, 0);

	/* A wait is woken by a completion that arrives later; ports see it too. */
	served_new(&s);
	long port = archk_port_create();
	CHECK_EQ(archk_port_wait_async(port, r->q.handle, 9, ARCHK_SIGNAL_READABLE), 0);
	put(r, ARCHK_IO_READ, s.obj, buf, sizeof(buf), 0, 2);
	CHECK_TAKEN(r, 0, 1);
	CHECK_EQ(archk_thread_spawn(&th, late_replier, &s, STACK_BYTES, "replier"), 0);
	CHECK_EQ(
	    archk_object_wait_one(r->q.handle, ARCHK_SIGNAL_READABLE, now() + 5000 * MS, &observed),
	    0);
	CHECK_EQ(observed & ARCHK_SIGNAL_READABLE, ARCHK_SIGNAL_READABLE);
	struct archk_port_packet pk;
	CHECK_EQ(archk_port_wait(port, now() + 1000 * MS, &pk), 0);
	CHECK_EQ(pk.key, 9);
	CHECK_EQ(archk_thread_wait(&th), 0);
	CHECK_EQ(await(r, 2), 3);
	CHECK_EQ(memcmp(buf, "abc", 3), 0);
	archk_handle_close(port);

	/* ioq_enter's deadline: returns the requests taken, without the completion. */
	put(r, ARCHK_IO_READ, s.obj, buf, sizeof(buf), 0, 3);
	start = now();
	uint32_t head = r->q.ring->req_head;
	long got = archk_ioq_enter(&r->q, 1, start + 30 * MS);
	CHECK_TRUE(got == 0 || got == 1);
	CHECK_EQ(r->q.ring->req_head - head, 1);
	CHECK_TRUE(now() - start >= 30 * MS);
	CHECK_TRUE(quiet(r));
	start = now();
	CHECK_EQ(ioq_enter(r->q.handle, 1, start + 30 * MS), 0);
	CHECK_TRUE(now() - start >= 30 * MS);
	CHECK_EQ(ioq_enter(r->q.handle, 1, 0), 0); /* a past deadline: no wait */
	CHECK_EQ(ioq_enter(r->q.handle, 0, ARCHK_DEADLINE_INFINITE), 0);
	/* min_complete counts completions unread in the ring, old ones too. */
	put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 4);
	put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 5);
	CHECK_TAKEN(r, 2, 2);
	start = now();
	CHECK_EQ(ioq_enter(r->q.handle, 2, now() + 5000 * MS), 0);
	CHECK_TRUE(now() - start < 1000 * MS);
	CHECK_EQ(await(r, 4), 0);
	CHECK_EQ(await(r, 5), 0);
	CHECK_EQ(io(ARCHK_IO_CANCEL, r->q.handle, NULL, 0, 3), 0);
	CHECK_EQ(await(r, 3), ARCHK_ERR_CANCELLED);
	CHECK_TRUE(quiet(r));
	served_free(&s);
	ring_free(r);
}

/* Spins until the ring has want completions or about two seconds pass. */
static int spin_for(struct ring *r, uint32_t want)
{
	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n(&r->q.ring->cmp_tail, __ATOMIC_ACQUIRE) - r->q.ring->cmp_head >=
		    want)
			return 1;
		archk_sleep_until(now() + MS);
	}
	return 0;
}

static void test_ioq_poll(void)
{
	struct ring *r = ring_new(8, 0, ARCHK_IOQ_POLL);
	struct ring *plain;

	/* Published requests are taken without ioq_enter. */
	for (int i = 0; i < 4; i++)
		put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 10 + i);
	archk_ioq_publish(&r->q);
	CHECK_TRUE(spin_for(r, 4));
	if (r->q.ring->cmp_tail - r->q.ring->cmp_head < 4) {
		printf("conf_io: polled queue not drained without ioq_enter\n");
		enter(r, 0);
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(await(r, 10 + i), 0);
	/* At rest polling stops and asks for ioq_enter, which resumes it. */
	for (int i = 0; i < 100 && !(__atomic_load_n(&r->q.ring->flags, __ATOMIC_ACQUIRE) &
				     ARCHK_IOQ_RING_NEED_ENTER);
	     i++)
		archk_sleep_until(now() + 20 * MS);
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_NEED_ENTER, ARCHK_IOQ_RING_NEED_ENTER);
	put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 20);
	CHECK_TAKEN(r, 1, 1);
	CHECK_EQ(r->q.ring->flags & ARCHK_IOQ_RING_NEED_ENTER, 0);
	CHECK_EQ(await(r, 20), 0);
	put(r, ARCHK_IO_NOP, out, NULL, 0, 0, 21);
	archk_ioq_publish(&r->q);
	CHECK_TRUE(spin_for(r, 1));
	CHECK_EQ(await(r, 21), 0);
	CHECK_TRUE(quiet(r));
	ring_free(r);

	/* Without ARCHK_IOQ_POLL, ioq_enter takes what archk has not taken already. */
	plain = ring_new(4, 0, 0);
	put(plain, ARCHK_IO_NOP, out, NULL, 0, 0, 1);
	CHECK_TAKEN(plain, 1, 1);
	CHECK_EQ(await(plain, 1), 0);
	CHECK_EQ(plain->q.ring->flags & ARCHK_IOQ_RING_NEED_ENTER, 0);
	ring_free(plain);
}

/* Closing a queue with requests in flight cancels them. */
static void test_ioq_close_in_flight(void)
{
	struct ring *r = ring_new(4, 0, 0);
	struct served s;
	struct archk_table_request req;
	static char buf[32];
	long id, id2;

	served_new(&s);
	put(r, ARCHK_IO_READ, s.obj, buf, 8, 0, 1);
	put(r, ARCHK_IO_READ, s.obj, buf + 8, 8, 0, 2);
	CHECK_TAKEN(r, 0, 2);
	id = served_take(&s, &req);
	CHECK_TRUE(id > 0);
	ring_free(r);
	/* The received one: its reply finds no client. */
	CHECK_EQ(archk_table_reply(s.table, id, 8, "12345678", 8, 0), ARCHK_ERR_PEER_CLOSED);
	/* The queued one is gone, or its reply finds no client either. */
	id2 = served_take(&s, &req);
	if (id2 > 0)
		CHECK_EQ(archk_table_reply(s.table, id2, 8, "12345678", 8, 0),
			 ARCHK_ERR_PEER_CLOSED);
	else
		CHECK_EQ(id2, ARCHK_ERR_TIMED_OUT);
	/* The client's buffer was not written. */
	CHECK_EQ(buf[0], 0);
	served_free(&s);
}

/* ---- children ---- */

static int check_ev(const char *rights)
{
	archk_handle_t ev = archk_handle_named("ev");

	return type_of(ev) == ARCHK_OBJ_EVENT && rights_of(ev) == strtoul(rights, NULL, 0) ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit-with") == 0)
		return atoi(argv[2]);
	if (argc == 2 && strcmp(argv[1], "sleep") == 0)
		return (int)archk_sleep_until(ARCHK_DEADLINE_INFINITE);
	if (argc == 3 && strcmp(argv[1], "check-ev") == 0)
		return check_ev(argv[2]);
	in = archk_handle_named("in");
	out = archk_handle_named("out");
	root = archk_handle_named("root");
	proc = archk_handle_named("process");
	arenas_snapshot();

	test_unknown_op();
	test_console();
	test_store_file();
	test_store_dir();
	test_vmo();
	test_event_channel();
	test_process_table();
	test_ioq_create();
	test_ioq_limit();
	test_ioq_batches();
	test_ioq_errors();
	test_ioq_busy_cancel();
	test_ioq_backpressure();
	test_ioq_broken();
	test_ioq_signal_deadline();
	test_ioq_poll();
	test_ioq_close_in_flight();
	check_arenas_returned(not_deadline);
	return check_done("conf_io");
}
