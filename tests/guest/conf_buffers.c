/*
 * Owned buffers: the buffer of a ring request in flight belongs to archk.
 * Run as "conf_buffers strict" under --strict-buffers (touching such a
 * buffer faults, and the pages come back after the completion) or as
 * "conf_buffers loose" without it (the same touch is allowed, if unwise).
 *
 * The request that stays in flight is a READ on a served object whose
 * server (a thread here) answers only when told to.
 */
#include "check.h"

#define PAGE 4096

static archk_handle_t table;

/* Answers one READ with "answer", after the main thread raised `go`. */
static uint32_t go;

static int server(void *arg)
{
	struct archk_table_request req;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	char data[64];

	(void)arg;
	if (archk_table_receive(table, &req, data, sizeof(data), handles, ARCHK_DEADLINE_INFINITE) <
	    0)
		return 1;
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		archk_futex_wait(&go, 0, ARCHK_DEADLINE_INFINITE);
	return archk_table_reply(table, req.id, 0, "answer", 6, 0) < 0;
}

/*
 * Queues a READ of the served object into buf (a page of its own). An idle
 * vCPU may take the published request before ioq_enter does (abi.md 7.35:
 * the count is what this call took), so 0 is as good as 1: either way the
 * request is in flight when ioq_enter returns.
 */
static void submit_read(struct archk_ioq *q, archk_handle_t obj, char *buf, uint64_t tag)
{
	struct archk_io_request *r = archk_ioq_request(q);

	r->op = ARCHK_IO_READ;
	r->handle = obj;
	r->buf = (uint64_t)buf;
	r->len = PAGE;
	r->user_data = tag;
	/* An idle vCPU may take the published request before the call does. */
	CHECK_TRUE(archk_ioq_enter(q, 0, 0) >= 0);
	CHECK_EQ(__atomic_load_n(&q->ring->req_head, __ATOMIC_ACQUIRE), q->req_tail);
}

/* The child: touches a buffer it gave away; under --strict-buffers this faults. */
static int touch_owned(void)
{
	struct archk_ioq q;
	char *buf = (char *)archk_mem_map_anon(PAGE, ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	long obj;

	table = (archk_handle_t)archk_table_create();
	obj = archk_table_object_create(table, 1, ARCHK_RIGHTS_SAME);
	if (archk_ioq_init(&q, 4, 0) < 0 || obj < 0 || (long)buf < 0)
		return 2;
	submit_read(&q, (archk_handle_t)obj, buf, 1);
	buf[0] = 'x'; /* the buffer is archk's now */
	return 0;
}

/* Spawns the toucher and returns how it ended. */
static struct archk_exit_status run_toucher(void)
{
	const char *argv[] = {"/tests/conf_buffers", "touch", NULL};
	struct archk_exit_status st = {0};
	long p = archk_spawn(argv[0], argv, NULL, 0);

	CHECK_TRUE(p > 0);
	if (p > 0)
		CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
	return st;
}

/* After a completion or a cancel the buffer is the guest's again. */
static void check_returned(void)
{
	struct archk_ioq q;
	struct archk_io_completion c;
	struct archk_thread th;
	char *buf = (char *)archk_mem_map_anon(2 * PAGE, ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	long obj;

	table = (archk_handle_t)archk_table_create();
	obj = archk_table_object_create(table, 1, ARCHK_RIGHTS_SAME);
	CHECK_EQ(archk_ioq_init(&q, 4, 0), 0);
	CHECK_EQ(archk_thread_spawn(&th, server, NULL, 65536, "server"), 0);
	/* Completed: the answer is in the buffer, which can be written again. */
	submit_read(&q, (archk_handle_t)obj, buf, 1);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	archk_futex_wake(&go, 1);
	CHECK_EQ(archk_ioq_wait(&q, &c), 0);
	CHECK_EQ(c.result, 6);
	CHECK_EQ(memcmp(buf, "answer", 6), 0);
	buf[0] = 'y';
	CHECK_EQ(archk_thread_wait(&th), 0);
	/* Cancelled: nobody answers, the cancel returns the page. */
	submit_read(&q, (archk_handle_t)obj, buf + PAGE, 2);
	CHECK_EQ(archk_do_io(ARCHK_IO_CANCEL, q.handle, 0, 0, 2, 0), 0);
	CHECK_EQ(archk_ioq_wait(&q, &c), 0);
	CHECK_EQ(c.user_data, 2);
	CHECK_EQ(c.result, ARCHK_ERR_CANCELLED);
	buf[PAGE] = 'z';
	CHECK_EQ(buf[PAGE], 'z');
	CHECK_EQ(archk_handle_close(q.handle), 0);
	CHECK_EQ(archk_handle_close((archk_handle_t)obj), 0);
	CHECK_EQ(archk_handle_close(table), 0);
}

int main(int argc, char **argv)
{
	struct archk_exit_status st;

	if (argc > 1 && strcmp(argv[1], "touch") == 0)
		return touch_owned();
	CHECK_TRUE(argc > 1);
	st = run_toucher();
	if (argc > 1 && strcmp(argv[1], "strict") == 0) {
		CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
		CHECK_EQ(st.signal, 11);
	} else {
		CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
		CHECK_EQ(st.code, 0);
	}
	check_returned();
	return check_done("conf_buffers");
}
