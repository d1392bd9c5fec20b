/* What the hostile guests share (hostile.h). */
#include "hostile.h"

static char program_path[64];

int scenario_main(const char *program, const struct scenario *list, int argc, char **argv)
{
	char label[64];

	snprintf(program_path, sizeof(program_path), "/tests/%s", program);
	for (; argc > 1 && list->name; list++) {
		if (strcmp(list->name, argv[1]) != 0)
			continue;
		if (list->run)
			return list->run();
		list->test();
		snprintf(label, sizeof(label), "%s %s", program, list->name);
		return check_done(label);
	}
	printf("%s: unknown scenario %s\n", program, argc > 1 ? argv[1] : "(none)");
	return 2;
}

long spawn_mode(const char *mode, const struct archk_spawn_handle *hs, uint32_t n)
{
	const char *argv[] = {program_path, mode, NULL};

	return archk_spawn(argv[0], argv, hs, n);
}

long spawn_with_channel(const char *mode, archk_handle_t *chan,
			const struct archk_spawn_handle *extra, uint32_t n)
{
	struct archk_spawn_handle hs[ARCHK_SPAWN_HANDLES_MAX] = {{"chan", 0, ARCHK_RIGHTS_SAME}};
	archk_handle_t ch[2] = {0, 0};
	long child;

	CHECK_TRUE(n < ARCHK_SPAWN_HANDLES_MAX);
	CHECK_EQ(archk_channel_create(ch), 0);
	hs[0].handle = ch[1];
	memcpy(hs + 1, extra, n * sizeof(*extra));
	child = spawn_mode(mode, hs, n + 1);
	CHECK_TRUE(child > 0);
	CHECK_EQ(archk_handle_close(ch[1]), 0);
	*chan = ch[0];
	return child;
}

void send_own_handle(archk_handle_t chan, long child, const void *msg, uint32_t len)
{
	long copy = archk_handle_duplicate((archk_handle_t)child, ARCHK_RIGHTS_SAME);

	CHECK_TRUE(copy > 0);
	CHECK_EQ(archk_channel_write(chan, msg, len, (archk_handle_t *)&copy, 1), 0);
}

long arena_live(const char *name)
{
	struct archk_arena_stat stats[64];
	long n = archk_arena_stats(stats, 64);

	for (long i = 0; i < n && i < 64; i++)
		if (strcmp(stats[i].name, name) == 0)
			return stats[i].live;
	return -1;
}

int vcpu_count(void)
{
	archk_handle_t self = (archk_handle_t)archk_thread_self();
	int n = 1;

	while (n < 64 && archk_thread_set_affinity(self, 1ULL << n) == 0)
		n++;
	archk_thread_set_affinity(self, UINT64_MAX);
	archk_handle_close(self);
	return n;
}

/* ---- keeping the other vCPUs busy ---- */

#define OCCUPY_MAX 8

static struct {
	struct archk_thread threads[OCCUPY_MAX];
	uint32_t started;
	int count;
	volatile int stop;
} occupy;

static int occupier(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&occupy.started, 1, __ATOMIC_RELEASE);
	while (!occupy.stop)
		;
	return 0;
}

void occupy_other_vcpus(void)
{
	archk_handle_t self = (archk_handle_t)archk_thread_self();
	int n = vcpu_count(), mine = (int)archk_vcpu_current();

	CHECK_EQ(archk_thread_set_affinity(self, 1ULL << mine), 0);
	archk_handle_close(self);
	occupy.stop = 0;
	occupy.started = 0;
	occupy.count = 0;
	for (int v = 0; v < n && occupy.count < OCCUPY_MAX; v++) {
		struct archk_thread *t = &occupy.threads[occupy.count];

		if (v == mine)
			continue;
		CHECK_EQ(archk_thread_spawn(t, occupier, NULL, STACK_BYTES, "occupier"), 0);
		CHECK_EQ(archk_thread_set_affinity(t->handle, 1ULL << v), 0);
		occupy.count++;
	}
	/* Each one runs once it has taken its vCPU for good. */
	while (__atomic_load_n(&occupy.started, __ATOMIC_ACQUIRE) < (uint32_t)occupy.count)
		archk_yield();
}

void occupy_end(void)
{
	archk_handle_t self = (archk_handle_t)archk_thread_self();

	occupy.stop = 1;
	for (int i = 0; i < occupy.count; i++)
		CHECK_EQ(archk_thread_wait(&occupy.threads[i]), 0);
	occupy.count = 0;
	archk_thread_set_affinity(self, UINT64_MAX);
	archk_handle_close(self);
}

void spin_for(int64_t ns)
{
	int64_t end = archk_clock_read(ARCHK_CLOCK_MONOTONIC) + ns;

	while (archk_clock_read(ARCHK_CLOCK_MONOTONIC) < end)
		;
}

long await_signal(archk_handle_t h, uint32_t signals)
{
	return archk_object_wait_one(h, signals, ARCHK_DEADLINE_INFINITE, NULL);
}

/* ---- a table that answers everything ---- */

static int answer_all(void *arg)
{
	struct answering *a = arg;
	struct archk_table_request req;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	static char data[ARCHK_TABLE_DATA_MAX];

	while (archk_table_receive(a->table, &req, data, sizeof(data), handles,
				   ARCHK_DEADLINE_INFINITE) == 0) {
		if (req.op == ARCHK_IO_CLOSE)
			continue;
		/* Noted before the reply: the client may look as soon as it has it. */
		a->last = req;
		memcpy(a->first_bytes, data, sizeof(a->first_bytes));
		__atomic_add_fetch(&a->received, 1, __ATOMIC_RELEASE);
		for (uint32_t i = 0; i < req.handle_count; i++)
			archk_handle_close(handles[i]);
		archk_table_reply(a->table, req.id, a->result, a->data, a->len, 0);
	}
	return 0;
}

void answering_start(struct answering *a, long result, const char *data, size_t len)
{
	long t = archk_table_create(),
	     o = t > 0 ? archk_table_object_create(t, 1, ARCHK_RIGHTS_SAME) : t;

	memset(a, 0, sizeof(*a));
	CHECK_TRUE(t > 0 && o > 0);
	a->table = (archk_handle_t)t;
	a->obj = (archk_handle_t)o;
	a->result = result;
	a->data = data;
	a->len = len;
	CHECK_EQ(archk_thread_spawn(&a->thread, answer_all, a, STACK_BYTES, "answering"), 0);
}

void answering_stop(struct answering *a)
{
	CHECK_EQ(archk_handle_close(a->table), 0);
	CHECK_EQ(archk_thread_wait(&a->thread), 0);
	CHECK_EQ(archk_handle_close(a->obj), 0);
}
