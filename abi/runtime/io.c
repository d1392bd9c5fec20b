/*
 * The object interface from the guest side: do_io with handles, I/O queue
 * rings (docs/abi.md, "I/O queues") and tables of served objects
 * ("Tables").
 */
#include <archk/runtime.h>

long archk_do_io_handles(int op, archk_handle_t h, void *buf, size_t len, uint64_t offset,
			 const archk_handle_t *handles, uint32_t handle_count)
{
	return archk_syscall6(ARCHK_SYS_DO_IO, ARCHK_IO_WITH_HANDLES(op, (long)handle_count), h,
			      (long)buf, (long)len, (long)offset, (long)handles);
}

long archk_seek(archk_handle_t h, int64_t offset, int whence)
{
	return archk_do_io(ARCHK_IO_SEEK, h, 0, whence, offset, 0);
}

long archk_ioq_init(struct archk_ioq *q, uint32_t entries, uint32_t flags)
{
	struct archk_ioq_params params = {.request_entries = entries, .flags = flags};
	long h = archk_syscall1(ARCHK_SYS_IOQ_CREATE, (long)&params);

	if (h < 0)
		return h;
	q->handle = (archk_handle_t)h;
	q->ring = (struct archk_ioq_ring *)params.ring;
	q->requests = (struct archk_io_request *)(params.ring + q->ring->requests);
	q->completions = (struct archk_io_completion *)(params.ring + q->ring->completions);
	q->req_tail = q->ring->req_tail;
	return 0;
}

struct archk_io_request *archk_ioq_request(struct archk_ioq *q)
{
	uint32_t head = __atomic_load_n(&q->ring->req_head, __ATOMIC_ACQUIRE);
	struct archk_io_request *r;

	if (q->req_tail - head > q->ring->req_mask)
		return NULL;
	r = &q->requests[q->req_tail & q->ring->req_mask];
	memset(r, 0, sizeof(*r));
	q->req_tail++;
	return r;
}

void archk_ioq_publish(struct archk_ioq *q)
{
	__atomic_store_n(&q->ring->req_tail, q->req_tail, __ATOMIC_RELEASE);
}

long archk_ioq_enter(struct archk_ioq *q, uint32_t min_complete, int64_t deadline)
{
	archk_ioq_publish(q);
	return archk_syscall3(ARCHK_SYS_IOQ_ENTER, q->handle, min_complete, deadline);
}

struct archk_io_completion *archk_ioq_peek(struct archk_ioq *q)
{
	uint32_t head = q->ring->cmp_head;

	if (head == __atomic_load_n(&q->ring->cmp_tail, __ATOMIC_ACQUIRE))
		return NULL;
	return &q->completions[head & q->ring->cmp_mask];
}

void archk_ioq_seen(struct archk_ioq *q)
{
	__atomic_store_n(&q->ring->cmp_head, q->ring->cmp_head + 1, __ATOMIC_RELEASE);
}

long archk_ioq_wait(struct archk_ioq *q, struct archk_io_completion *out)
{
	struct archk_io_completion *c;

	while (!(c = archk_ioq_peek(q))) {
		long err = archk_ioq_enter(q, 1, ARCHK_DEADLINE_INFINITE);

		if (err < 0 && err != ARCHK_ERR_SHOULD_WAIT)
			return err;
	}
	*out = *c;
	archk_ioq_seen(q);
	return 0;
}

long archk_table_create(void)
{
	return archk_syscall0(ARCHK_SYS_TABLE_CREATE);
}

long archk_table_object_create(archk_handle_t table, uint64_t cookie, uint32_t rights)
{
	return archk_syscall3(ARCHK_SYS_TABLE_OBJECT_CREATE, table, (long)cookie, rights);
}

long archk_table_receive(archk_handle_t table, struct archk_table_request *req, void *data,
			 size_t len, archk_handle_t *handles, int64_t deadline)
{
	return archk_syscall6(ARCHK_SYS_TABLE_RECEIVE, table, (long)req, (long)data, (long)len,
			      (long)handles, deadline);
}

long archk_table_reply(archk_handle_t table, uint64_t id, long result, const void *data, size_t len,
		       archk_handle_t handle)
{
	return archk_syscall6(ARCHK_SYS_TABLE_REPLY, table, (long)id, result, (long)data, (long)len,
			      handle);
}
