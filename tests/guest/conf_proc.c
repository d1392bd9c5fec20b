/*
 * Conformance: the process table as a listing (docs/abi.md 8.5a). READ on
 * the "process" handle gives struct archk_process_record in koid order from
 * the koid in the offset; OPEN of a decimal koid gives a process handle.
 * Checked: the record layout and the caller's own record; order; a child's
 * parent, name, state and thread count; CPU time that grows while a child
 * computes; exact errors (buffers, offsets, rights, forged and malformed
 * koids, an ended process); killing through an opened handle; an ended
 * process listed while a handle to it exists.
 *   conf_proc          against the kernel's table (run as the batch program)
 *   conf_proc served   against a job server's table (jobserver /tests/conf_proc served)
 *   conf_proc kill-tool   the kill utility: /bin/kill PID ends a child, then fails
 *   conf_proc sleep    (child) blocks until killed
 *   conf_proc spin     (child) computes until killed
 * The kernel arenas end where they started (checked against the kernel's table
 * only: a job server's own objects come and go meanwhile).
 */
#include <stddef.h>
#include "check.h"

#define MS	   1000000LL
#define RECORD	   ((long)sizeof(struct archk_process_record))
#define ARENA_BASE 0x100000000000UL
#define PROCESS_RIGHTS                                                                             \
	(ARCHK_RIGHT_WAIT | ARCHK_RIGHT_INSPECT | ARCHK_RIGHT_DESTROY | ARCHK_RIGHT_DUPLICATE |    \
	 ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_GET_PROPERTY)

static archk_handle_t table;
static archk_koid_t self;
static int served;

/* The record of koid from the table; 0 if it is listed. */
static int find_record(archk_koid_t koid, struct archk_process_record *out)
{
	long n = io(ARCHK_IO_READ, table, out, RECORD, koid);

	return n == RECORD && out->koid == koid ? 0 : -1;
}

/* Waits up to 5 s for koid's record to have state; 0 when it has. */
static int await_state(archk_koid_t koid, uint32_t state, struct archk_process_record *out)
{
	for (int64_t end = now() + 5000 * MS; now() < end; archk_sleep_until(now() + MS))
		if (find_record(koid, out) == 0 && out->state == state)
			return 0;
	return -1;
}

/* Waits up to 5 s for koid to leave the listing; 0 when it has. */
static int await_unlisted(archk_koid_t koid)
{
	struct archk_process_record rec;

	for (int64_t end = now() + 5000 * MS; now() < end; archk_sleep_until(now() + MS))
		if (find_record(koid, &rec) < 0)
			return 0;
	return -1;
}

static long spawn_child(const char *mode)
{
	const char *const argv[] = {"/tests/conf_proc", mode, NULL};
	long p = archk_spawn(argv[0], argv, NULL, 0);

	CHECK_TRUE(p > 0);
	return p;
}

/* OPEN of text (its strlen bytes) on the table with rights. */
static long open_koid_text(const char *text, uint32_t rights)
{
	return archk_do_io(ARCHK_IO_OPEN, table, (long)text, (long)strlen(text), rights, 0);
}

static long open_koid(archk_koid_t koid, uint32_t rights)
{
	char text[24];

	snprintf(text, sizeof(text), "%lu", (unsigned long)koid);
	return open_koid_text(text, rights);
}

static void test_layout(void)
{
	CHECK_EQ(sizeof(struct archk_process_record), 72);
	CHECK_EQ(offsetof(struct archk_process_record, parent), 8);
	CHECK_EQ(offsetof(struct archk_process_record, start_ns), 16);
	CHECK_EQ(offsetof(struct archk_process_record, cpu_ns), 24);
	CHECK_EQ(offsetof(struct archk_process_record, state), 32);
	CHECK_EQ(offsetof(struct archk_process_record, threads), 36);
	CHECK_EQ(offsetof(struct archk_process_record, name), 40);
}

/* The caller's own record: running, one thread, its name, time used. */
static void test_self(void)
{
	struct archk_process_record rec, again;

	memset(&rec, 0xa5, sizeof(rec));
	CHECK_EQ(find_record(self, &rec), 0);
	/* A served table's snapshot is taken while the caller waits for the answer. */
	CHECK_EQ(rec.state, served ? ARCHK_PROCESS_BLOCKED : ARCHK_PROCESS_RUNNING);
	CHECK_EQ(rec.threads, 1);
	CHECK_EQ(strcmp(rec.name, "conf_proc"), 0);
	CHECK_TRUE(rec.start_ns > 0 && rec.start_ns <= now());
	CHECK_TRUE(rec.cpu_ns > 0);
	if (!served) { /* the batch program is init's child; init has no parent */
		struct archk_process_record parent;

		CHECK_EQ(find_record(rec.parent, &parent), 0);
		CHECK_EQ(strcmp(parent.name, "init"), 0);
		CHECK_EQ(parent.parent, 0);
	}
	/* Computing for a while adds to the CPU time. */
	for (int64_t end = now() + 2 * MS; now() < end;)
		;
	CHECK_EQ(find_record(self, &again), 0);
	CHECK_TRUE(again.cpu_ns > rec.cpu_ns);
	CHECK_EQ(again.start_ns, rec.start_ns);
}

/* Records come in koid order from the offset on. */
static void test_order(void)
{
	static struct archk_process_record recs[1000];
	long n = io(ARCHK_IO_READ, table, recs, sizeof(recs), 0), count = n / RECORD;

	CHECK_TRUE(n >= RECORD && n % RECORD == 0);
	for (long i = 1; i < count; i++)
		CHECK_TRUE(recs[i].koid > recs[i - 1].koid);
	if (served)
		CHECK_EQ(count, 1); /* only the job server's jobs: this one */
	n = io(ARCHK_IO_READ, table, recs, sizeof(recs), self + 1);
	for (long i = 0; i < n / RECORD; i++)
		CHECK_TRUE(recs[i].koid > self);
	/* A buffer for one and a half records gets one. */
	CHECK_EQ(io(ARCHK_IO_READ, table, recs, RECORD + RECORD / 2, 0), RECORD);
	/* A length past any count of records: as many as there are (a served table's
	 * client buffer must be writable for 65536 bytes, so recs is that big). */
	n = io(ARCHK_IO_READ, table, recs, (1ull << 32) * RECORD, 0);
	CHECK_TRUE(n >= RECORD && n % RECORD == 0);
	n = io(ARCHK_IO_READ, table, recs, UINT64_MAX, 0);
	CHECK_TRUE(n >= RECORD && n % RECORD == 0);
}

/* Buffers, offsets and rights. */
static void test_read_errors(void)
{
	struct archk_process_record rec[2];
	long weak;

	CHECK_EQ(io(ARCHK_IO_READ, table, rec, RECORD - 1, self), ARCHK_ERR_TOO_LONG);
	CHECK_EQ(io(ARCHK_IO_READ, table, rec, 0, self), ARCHK_ERR_TOO_LONG);
	/* No process that far: the end, whatever the buffer. */
	CHECK_EQ(io(ARCHK_IO_READ, table, rec, 0, UINT64_MAX - 1), 0);
	/* A served table's client buffer is checked when the request is made. */
	CHECK_EQ(io(ARCHK_IO_READ, table, NULL, RECORD, UINT64_MAX - 1),
		 served ? ARCHK_ERR_BAD_ADDRESS : 0);
	CHECK_EQ(io(ARCHK_IO_READ, table, rec, RECORD, ARCHK_IO_OFFSET_CURRENT),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_read(table, rec, sizeof(rec)), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(io(ARCHK_IO_READ, table, NULL, RECORD, self), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(io(ARCHK_IO_READ, table, (void *)ARENA_BASE, RECORD, self),
		 ARCHK_ERR_BAD_ADDRESS); /* the read-only time page */
	/* Listing needs READ, opening ENUMERATE (checked by the kernel, served or not). */
	weak = archk_handle_duplicate(table, ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_GET_PROPERTY);
	CHECK_TRUE(weak > 0);
	CHECK_EQ(io(ARCHK_IO_READ, (archk_handle_t)weak, rec, RECORD, 0), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close((archk_handle_t)weak);
	weak = archk_handle_duplicate(table, ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
	CHECK_TRUE(weak > 0);
	CHECK_EQ(
	    archk_do_io(ARCHK_IO_OPEN, (archk_handle_t)weak, (long)"1", 1, ARCHK_RIGHTS_SAME, 0),
	    ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_READ, (archk_handle_t)weak, rec, RECORD, self), RECORD);
	archk_handle_close((archk_handle_t)weak);
}

/* Malformed and forged koids. */
static void test_open_errors(void)
{
	static const char *const malformed[] = {"",
						"12a",
						"0",
						"+5",
						"-1",
						" 5",
						"5 ",
						"0x10",
						"1e3",
						"١",
						"000000000000000000001",
						"18446744073709551616",
						"99999999999999999999"};
	long h;

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		h = open_koid_text(malformed[i], ARCHK_RIGHTS_SAME);
		if (h != ARCHK_ERR_INVALID_ARGS)
			printf("OPEN \"%s\"\n", malformed[i]);
		CHECK_EQ(h, ARCHK_ERR_INVALID_ARGS);
	}
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, table, (long)"5\0", 2, ARCHK_RIGHTS_SAME, 0),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, table, 0, 5, ARCHK_RIGHTS_SAME, 0),
		 ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(open_koid_text("18446744073709551615", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_koid(self + 100000, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	/* Koids of objects that are not processes. */
	CHECK_EQ(open_koid(koid_of(archk_handle_named("out")), ARCHK_RIGHTS_SAME),
		 ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_koid(koid_of(archk_handle_named("root")), ARCHK_RIGHTS_SAME),
		 ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_koid(koid_of(table), ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
}

/* A child: its record, a handle through OPEN, killed with it, then listed as ended. */
static void test_child(void)
{
	struct archk_process_record rec;
	long child = spawn_child("sleep"), h, w;
	archk_koid_t koid = koid_of((archk_handle_t)child);
	struct archk_exit_status st;

	CHECK_EQ(await_state(koid, ARCHK_PROCESS_BLOCKED, &rec), 0);
	CHECK_EQ(rec.parent, self);
	CHECK_EQ(rec.threads, 1);
	CHECK_EQ(strcmp(rec.name, "conf_proc"), 0);
	CHECK_TRUE(rec.start_ns > 0 && rec.start_ns <= now());

	h = open_koid(koid, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(h > 0);
	CHECK_EQ(type_of((archk_handle_t)h), ARCHK_OBJ_PROCESS);
	CHECK_EQ(koid_of((archk_handle_t)h), koid);
	CHECK_EQ(rights_of((archk_handle_t)h), PROCESS_RIGHTS);
	/* A served table's answer must carry TRANSFER (docs/abi.md 17.5). */
	w = open_koid(koid, ARCHK_RIGHT_WAIT);
	CHECK_EQ(rights_of((archk_handle_t)w),
		 ARCHK_RIGHT_WAIT | (served ? ARCHK_RIGHT_TRANSFER : 0));
	CHECK_EQ(archk_process_kill((archk_handle_t)w), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(open_koid(koid, ARCHK_RIGHT_WAIT | ARCHK_RIGHT_MANAGE), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(open_koid(koid, ARCHK_RIGHT_READ), ARCHK_ERR_ACCESS_DENIED);

	/* Kill it through the opened handle; wait through the spawner's. */
	CHECK_EQ(archk_process_kill((archk_handle_t)h), 0);
	CHECK_EQ(archk_process_wait((archk_handle_t)child, &st), 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_KILLED);
	/* Ended: still listed while handles exist, but not opened. */
	CHECK_EQ(find_record(koid, &rec), 0);
	CHECK_EQ(rec.state, ARCHK_PROCESS_EXITED);
	CHECK_EQ(rec.threads, 0);
	CHECK_EQ(open_koid(koid, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(open_koid(koid, ARCHK_RIGHT_WAIT), ARCHK_ERR_NOT_FOUND);
	archk_handle_close((archk_handle_t)w);
	archk_handle_close((archk_handle_t)h);
	archk_handle_close((archk_handle_t)child);
	CHECK_EQ(await_unlisted(koid), 0);
	CHECK_EQ(open_koid(koid, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
}

/* A computing child's CPU time grows, and its total stays when it has ended. */
static void test_cpu_time(void)
{
	struct archk_process_record rec, ended;
	long child = spawn_child("spin");
	archk_koid_t koid = koid_of((archk_handle_t)child);
	int64_t end = now() + 5000 * MS;

	rec.cpu_ns = 0;
	while (now() < end && (find_record(koid, &rec) < 0 || rec.cpu_ns < 1 * MS))
		archk_sleep_until(now() + MS);
	CHECK_TRUE(rec.cpu_ns >= 1 * MS);
	CHECK_EQ(rec.threads, 1);
	CHECK_EQ(archk_process_kill((archk_handle_t)child), 0);
	CHECK_EQ(await_state(koid, ARCHK_PROCESS_EXITED, &ended), 0);
	CHECK_TRUE(ended.cpu_ns >= rec.cpu_ns);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
}

/* A table handle without DESTROY opens handles without it (kernel table only). */
static void test_rights_follow_table(void)
{
	long weak = archk_handle_duplicate(table, ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_WAIT |
						      ARCHK_RIGHT_INSPECT);
	long child = spawn_child("sleep");
	archk_koid_t koid = koid_of((archk_handle_t)child);
	long h =
	    archk_do_io(ARCHK_IO_OPEN, (archk_handle_t)weak, (long)"1", 1, ARCHK_RIGHTS_SAME, 0);
	char text[24];

	CHECK_EQ(h, ARCHK_ERR_NOT_FOUND); /* koid 1 is the console */
	snprintf(text, sizeof(text), "%lu", (unsigned long)koid);
	h = archk_do_io(ARCHK_IO_OPEN, (archk_handle_t)weak, (long)text, (long)strlen(text),
			ARCHK_RIGHTS_SAME, 0);
	CHECK_EQ(rights_of((archk_handle_t)h), ARCHK_RIGHT_WAIT | ARCHK_RIGHT_INSPECT);
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, (archk_handle_t)weak, (long)text, (long)strlen(text),
			     ARCHK_RIGHT_DESTROY, 0),
		 ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close((archk_handle_t)h);
	archk_handle_close((archk_handle_t)weak);
	CHECK_EQ(archk_process_kill((archk_handle_t)child), 0);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
}

/* Runs /bin/kill with arguments; its exit status. */
static long run_kill(const char *option, archk_koid_t koid)
{
	char text[24];
	const char *argv[] = {"/bin/kill", option ? option : text, text, NULL};
	long p;

	snprintf(text, sizeof(text), "%lu", (unsigned long)koid);
	if (!option)
		argv[2] = NULL;
	p = archk_spawn(argv[0], argv, NULL, 0);
	CHECK_TRUE(p > 0);
	return wait_exit(p);
}

/* The kill utility ends a child by its id, then finds no such process. */
static int test_kill_tool(void)
{
	long child = spawn_child("sleep");
	archk_koid_t koid = koid_of((archk_handle_t)child);
	struct archk_exit_status st;

	CHECK_EQ(run_kill(NULL, koid), 0);
	CHECK_EQ(archk_process_wait((archk_handle_t)child, &st), 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_KILLED);
	archk_handle_close((archk_handle_t)child);
	CHECK_EQ(run_kill("-9", koid), 1);
	child = spawn_child("sleep");
	CHECK_EQ(run_kill("-KILL", koid_of((archk_handle_t)child)), 0);
	CHECK_EQ(wait_exit(child), 1000 + ARCHK_EXIT_KILLED);
	return check_done("conf_proc kill-tool");
}

/* A process may open itself; waiting on itself is BAD_STATE as always. */
static void test_open_self(void)
{
	long h = open_koid(self, ARCHK_RIGHTS_SAME);
	struct archk_exit_status st;

	CHECK_TRUE(h > 0);
	CHECK_EQ(koid_of((archk_handle_t)h), self);
	CHECK_EQ(archk_process_wait((archk_handle_t)h, &st), ARCHK_ERR_BAD_STATE);
	archk_handle_close((archk_handle_t)h);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "sleep") == 0) {
		uint32_t word = 0;

		return (int)archk_futex_wait(&word, 0, ARCHK_DEADLINE_INFINITE);
	}
	if (argc == 2 && strcmp(argv[1], "spin") == 0)
		for (;;)
			;
	served = argc == 2 && strcmp(argv[1], "served") == 0;
	table = archk_handle_named("process");
	self = archk_process_self();
	if (argc == 2 && strcmp(argv[1], "kill-tool") == 0)
		return test_kill_tool();
	CHECK_EQ(type_of(table), served ? ARCHK_OBJ_SERVED : ARCHK_OBJ_SPAWNER);
	if (!served) /* docs/abi.md 10.3: MANAGE READ ENUMERATE and the process rights */
		CHECK_EQ(rights_of(table), 0x3b47);
	if (!served)
		arenas_snapshot();
	test_layout();
	test_self();
	test_order();
	test_read_errors();
	test_open_errors();
	test_child();
	test_cpu_time();
	if (!served)
		test_rights_follow_table();
	test_open_self();
	if (!served)
		check_arenas_returned(not_deadline);
	return check_done(served ? "conf_proc served" : "conf_proc");
}
