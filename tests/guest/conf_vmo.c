/*
 * Conformance: memory objects (VMOs) and mappings. Every call with its
 * success cases and each documented error, the lifetime of VMOs behind
 * handles and mappings, the per-process and system limits, and memory
 * shared between two processes: a value changed by a child, and a ring of
 * messages between a producer and a consumer polling with yield (futexes are
 * private to a process, so they cannot wake the other side).
 *
 * Run as "conf_vmo [isolated|open]": with isolated (strict isolation, or
 * process isolation on one vCPU) a child's plain load from the parent's
 * mapping must fault, with open (isolation off) it must see the data; with
 * neither that check is skipped. "conf_vmo child MODE" are the children.
 */
#include "check.h"

#define ARENA_BASE    0x100000000000UL /* docs/architecture.md: the guest arena */
#define PAGE	      4096UL
#define RW	      (ARCHK_PROT_READ | ARCHK_PROT_WRITE)
#define RING_SLOTS    16
#define RING_COUNT    1000
#define VMO_SYS_MAX   512	  /* kernel/vmo.h: VMOs in the whole system */
#define VMO_SYS_BYTES (4ul << 30) /* kernel/vmo.h: bytes of all VMOs */
#define CHILD_MARKER  0x42

/* The shared-memory ring: free-running indices, one producer, one consumer. */
struct ring {
	uint32_t head; /* next slot the producer fills */
	uint32_t tail; /* next slot the consumer empties */
	uint32_t consumed;
	uint32_t in_order;
	uint64_t sum;
	uint32_t slots[RING_SLOTS];
};

static archk_handle_t out;

/* A fresh VMO handle; the test cannot go on without one. */
static archk_handle_t new_vmo(uint64_t size)
{
	long h = archk_vmo_create(size);

	if (h < 0) {
		printf("conf_vmo: vmo_create(%lu): %s\n", (unsigned long)size, archk_strerror(h));
		archk_process_exit(2);
	}
	return (archk_handle_t)h;
}

/* Spawns this program as child mode (with arg) and a copy of vmo named "vmo"; waits for it. */
static struct archk_exit_status run_child_arg(const char *self, const char *mode, const char *arg,
					      archk_handle_t vmo, uint32_t rights)
{
	const char *argv[] = {self, "child", mode, arg, NULL};
	struct archk_spawn_handle handle = {"vmo", vmo, rights};
	struct archk_exit_status st = {0};
	long p = archk_spawn(self, argv, &handle, vmo ? 1 : 0);

	CHECK_TRUE(p > 0);
	if (p > 0) {
		CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
		archk_handle_close((archk_handle_t)p);
	}
	return st;
}

/* run_child_arg without an argument. */
static struct archk_exit_status run_child(const char *self, const char *mode, archk_handle_t vmo,
					  uint32_t rights)
{
	return run_child_arg(self, mode, NULL, vmo, rights);
}

static void test_create_and_size(void)
{
	struct archk_handle_info info;
	archk_handle_t h = new_vmo(10000);

	CHECK_EQ(archk_handle_info(h, &info), 0);
	CHECK_EQ(info.type, ARCHK_OBJ_VMO);
	CHECK_EQ(info.rights, ARCHK_RIGHTS_VMO);
	CHECK_EQ(archk_vmo_get_size(h), 3 * PAGE);
	CHECK_EQ(archk_pread(h, &info, 1, 0), 1); /* do_io READ works on VMOs too */
	CHECK_EQ(archk_handle_close(h), 0);

	CHECK_EQ(archk_vmo_create(0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_create(ARCHK_VMO_SIZE_MAX + 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_create(UINT64_MAX), ARCHK_ERR_INVALID_ARGS);
	h = new_vmo(ARCHK_VMO_SIZE_MAX);
	CHECK_EQ(archk_vmo_get_size(h), ARCHK_VMO_SIZE_MAX);
	CHECK_EQ(archk_handle_close(h), 0);
}

static void test_read_write(void)
{
	archk_handle_t h = new_vmo(2 * PAGE);
	char buf[64] = "x", zeros[64] = {0};

	/* Fresh memory is zero, across the whole object. */
	CHECK_EQ(archk_vmo_read(h, buf, sizeof(buf), 2 * PAGE - sizeof(buf)), sizeof(buf));
	CHECK_EQ(memcmp(buf, zeros, sizeof(buf)), 0);
	/* A round trip across a page boundary. */
	CHECK_EQ(archk_vmo_write(h, "hello, vmo", 11, PAGE - 5), 11);
	CHECK_EQ(archk_vmo_read(h, buf, 11, PAGE - 5), 11);
	CHECK_EQ(strcmp(buf, "hello, vmo"), 0);
	CHECK_EQ(archk_vmo_read(h, buf, 0, 2 * PAGE), 0);
	CHECK_EQ(archk_vmo_write(h, buf, 0, 2 * PAGE), 0);

	/* Ranges past the end, and lengths and offsets that overflow. */
	CHECK_EQ(archk_vmo_read(h, buf, 3, 2 * PAGE - 2), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_write(h, buf, 3, 2 * PAGE - 2), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_read(h, buf, 0, 2 * PAGE + 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_read(h, buf, SIZE_MAX, 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_write(h, buf, 2, UINT64_MAX), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_write(h, buf, SIZE_MAX - 8, 16), ARCHK_ERR_INVALID_ARGS);

	/* Guest buffers outside the caller's memory, or not writable for a read. */
	CHECK_EQ(archk_vmo_read(h, NULL, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_vmo_write(h, (void *)0x10, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_vmo_write(h, (void *)ARENA_BASE, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_vmo_read(h, (void *)&test_read_write, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_vmo_write(h, (void *)&test_read_write, 4, 0), 4); /* code is readable */
	CHECK_EQ(archk_vmo_read(h, (void *)(UINTPTR_MAX - 2), 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_handle_close(h), 0);
}

static void test_handle_checks(void)
{
	archk_handle_t h = new_vmo(PAGE);
	char buf[8];
	long ro, nomap;

	CHECK_EQ(archk_vmo_read(0, buf, 1, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_vmo_write(0x12345678, buf, 1, 0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_vmo_get_size(0), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_vmo_map(0x12345678, 0, PAGE, RW), ARCHK_ERR_HND_INVALID);
	/* Another object type. */
	CHECK_EQ(archk_vmo_read(out, buf, 1, 0), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_vmo_write(out, buf, 1, 0), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_vmo_get_size(out), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_vmo_map(out, 0, PAGE, ARCHK_PROT_READ), ARCHK_ERR_WRONG_TYPE);

	/* Each call's right; mapping needs MAP plus a right per protection. */
	ro = archk_handle_duplicate(h, ARCHK_RIGHT_READ | ARCHK_RIGHT_MAP);
	CHECK_TRUE(ro > 0);
	CHECK_EQ(archk_vmo_read((archk_handle_t)ro, buf, 1, 0), 1);
	CHECK_EQ(archk_vmo_write((archk_handle_t)ro, buf, 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_vmo_get_size((archk_handle_t)ro), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_vmo_map((archk_handle_t)ro, 0, PAGE, RW), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_vmo_map((archk_handle_t)ro, 0, PAGE, ARCHK_PROT_READ | ARCHK_PROT_EXEC),
		 ARCHK_ERR_ACCESS_DENIED);
	long addr = archk_vmo_map((archk_handle_t)ro, 0, PAGE, ARCHK_PROT_READ);
	CHECK_TRUE(addr > 0);
	CHECK_EQ(archk_vmo_unmap((void *)addr, PAGE), 0);
	nomap = archk_handle_duplicate(h, ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE);
	CHECK_EQ(archk_vmo_map((archk_handle_t)nomap, 0, PAGE, ARCHK_PROT_READ),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_vmo_get_size((archk_handle_t)nomap), ARCHK_ERR_ACCESS_DENIED);
	/* vmo_create gives no EXECUTE right, and duplicate cannot add it. */
	CHECK_EQ(archk_vmo_map(h, 0, PAGE, ARCHK_PROT_EXEC), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_duplicate(h, ARCHK_RIGHTS_VMO | ARCHK_RIGHT_EXECUTE),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close((archk_handle_t)ro), 0);
	CHECK_EQ(archk_handle_close((archk_handle_t)nomap), 0);
	CHECK_EQ(archk_handle_close(h), 0);
	CHECK_EQ(archk_vmo_get_size(h), ARCHK_ERR_HND_INVALID);
}

static void test_map(void)
{
	archk_handle_t h = new_vmo(4 * PAGE), other = new_vmo(2 * PAGE);
	char buf[16];
	long a, b, ro;

	/* Bad protections, offsets and lengths. */
	CHECK_EQ(archk_vmo_map(h, 0, PAGE, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_map(h, 0, PAGE, 8), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_map(h, 0, 0, RW), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_map(h, 100, PAGE, RW), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_map(h, 4 * PAGE, PAGE, RW), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_map(h, PAGE, 3 * PAGE + 1, RW), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_map(h, PAGE, SIZE_MAX, RW), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_map(h, UINT64_MAX & ~(PAGE - 1), PAGE, RW), ARCHK_ERR_INVALID_ARGS);

	/* A mapping and the VMO show the same bytes, both ways. */
	a = archk_vmo_map(h, 0, 4 * PAGE, RW);
	CHECK_TRUE(a > 0 && a % PAGE == 0);
	char *m = (char *)a;
	CHECK_EQ(m[0] | m[4 * PAGE - 1], 0);
	strcpy(m + PAGE + 7, "mapped");
	CHECK_EQ(archk_vmo_read(h, buf, 7, PAGE + 7), 7);
	CHECK_EQ(strcmp(buf, "mapped"), 0);
	CHECK_EQ(archk_vmo_write(h, "written", 8, 3 * PAGE), 8);
	CHECK_EQ(strcmp(m + 3 * PAGE, "written"), 0);
	/* A second mapping of part of it aliases the same pages; length rounds up. */
	b = archk_vmo_map(h, PAGE, 10, ARCHK_PROT_READ);
	CHECK_TRUE(b > 0 && b != a);
	CHECK_EQ(strcmp((char *)b + 7, "mapped"), 0);
	m[PAGE + 7] = 'M';
	CHECK_EQ(((char *)b)[7], 'M');
	CHECK_EQ(((char *)b)[PAGE - 1], 0);

	/* The kernel accepts mappings as buffers, with their protection. */
	CHECK_EQ(archk_vmo_write(other, m + PAGE + 7, 7, 0), 7);
	CHECK_EQ(archk_vmo_read(other, m + 2 * PAGE, 7, 0), 7);
	CHECK_EQ(strcmp(m + 2 * PAGE, "Mapped"), 0);
	CHECK_EQ(archk_vmo_read(other, (void *)b, 1, 0), ARCHK_ERR_BAD_ADDRESS); /* read-only */
	CHECK_EQ(archk_vmo_write(other, (void *)b, PAGE, 0), PAGE);
	CHECK_EQ(archk_vmo_write(other, (void *)b, PAGE + 1, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_write(out, (void *)b, 0), 0);

	/* Unmapping: only whole mappings of the right kind, once. */
	CHECK_EQ(archk_vmo_unmap((void *)b, PAGE + 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_unmap((void *)b, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_unmap((void *)b, SIZE_MAX), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_vmo_unmap((void *)(a + PAGE), PAGE), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_mem_unmap((void *)b, PAGE), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_vmo_unmap(buf, sizeof(buf)), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_vmo_unmap(NULL, PAGE), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_vmo_unmap((void *)UINTPTR_MAX, PAGE), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_vmo_unmap((void *)b, 1), 0);
	CHECK_EQ(archk_vmo_unmap((void *)b, PAGE), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_vmo_write(other, (void *)b, 1, 0), ARCHK_ERR_BAD_ADDRESS);

	/* A read-only handle can map read-only only. */
	ro = archk_handle_duplicate(h, ARCHK_RIGHT_READ | ARCHK_RIGHT_MAP);
	b = archk_vmo_map((archk_handle_t)ro, 3 * PAGE, PAGE, ARCHK_PROT_READ);
	CHECK_TRUE(b > 0);
	CHECK_EQ(strcmp((char *)b, "written"), 0);
	CHECK_EQ(archk_handle_close((archk_handle_t)ro), 0);

	/* The mappings keep the memory after the last handle is closed. */
	CHECK_EQ(archk_handle_close(h), 0);
	CHECK_EQ(strcmp((char *)b, "written"), 0);
	m[3 * PAGE] = 'W';
	CHECK_EQ(((char *)b)[0], 'W');
	CHECK_EQ(archk_vmo_unmap((void *)a, 4 * PAGE), 0);
	CHECK_EQ(archk_vmo_unmap((void *)b, PAGE), 0);
	CHECK_EQ(archk_handle_close(other), 0);
}

static void test_anon(void)
{
	long a = archk_mem_map_anon(10000, RW), b;
	char buf[4];

	CHECK_TRUE(a > 0 && a % PAGE == 0);
	char *m = (char *)a;
	CHECK_EQ(m[0] | m[3 * PAGE - 1], 0);
	memset(m, 'a', 3 * PAGE);
	archk_handle_t h = new_vmo(PAGE);
	CHECK_EQ(archk_vmo_write(h, m + 3 * PAGE - 4, 4, 0), 4);
	CHECK_EQ(archk_vmo_write(h, m + 3 * PAGE - 4, 5, 0), ARCHK_ERR_BAD_ADDRESS);
	b = archk_mem_map_anon(PAGE, ARCHK_PROT_READ);
	CHECK_TRUE(b > 0);
	CHECK_EQ(archk_vmo_read(h, (void *)b, 1, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_vmo_read(h, buf, 4, 0), 4);
	CHECK_EQ(memcmp(buf, "aaaa", 4), 0);

	CHECK_EQ(archk_mem_map_anon(0, RW), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_mem_map_anon(PAGE, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_mem_map_anon(PAGE, 16), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_mem_map_anon(ARCHK_MAP_BYTES_MAX + 1, RW), ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(archk_mem_map_anon(SIZE_MAX, RW), ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(archk_vmo_unmap((void *)a, 3 * PAGE), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_mem_unmap((void *)a, 2 * PAGE), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_mem_unmap((void *)a, 10000), 0);
	CHECK_EQ(archk_mem_unmap((void *)a, 10000), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_vmo_write(h, m, 1, 0), ARCHK_ERR_BAD_ADDRESS);
	/* Memory mapped again at the same place starts from zeros. */
	a = archk_mem_map_anon(PAGE, RW);
	CHECK_EQ(a, (long)m);
	CHECK_EQ(m[0], 0);
	CHECK_EQ(archk_mem_unmap((void *)a, PAGE), 0);
	CHECK_EQ(archk_mem_unmap((void *)b, PAGE), 0);
	CHECK_EQ(archk_handle_close(h), 0);
}

/* The per-process limits: ARCHK_MAPPINGS_MAX mappings, ARCHK_MAP_BYTES_MAX bytes. */
static void test_limits(void)
{
	long maps[ARCHK_MAPPINGS_MAX];
	int n = 0;

	while (n < ARCHK_MAPPINGS_MAX && (maps[n] = archk_mem_map_anon(PAGE, RW)) > 0)
		n++;
	CHECK_EQ(n, ARCHK_MAPPINGS_MAX);
	CHECK_EQ(archk_mem_map_anon(PAGE, RW), ARCHK_ERR_NO_MEMORY);
	archk_handle_t h = new_vmo(PAGE);
	CHECK_EQ(archk_vmo_map(h, 0, PAGE, RW), ARCHK_ERR_NO_MEMORY);
	while (n > 0)
		CHECK_EQ(archk_mem_unmap((void *)maps[--n], PAGE), 0);

	for (n = 0; (maps[n] = archk_mem_map_anon(1 << 20, RW)) > 0; n++)
		((char *)maps[n])[(1 << 20) - 1] = 1;
	CHECK_EQ(maps[n], ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(n, ARCHK_MAP_BYTES_MAX >> 20);
	/* First fit: a page goes into the hole, which is then too small for a MiB. */
	CHECK_EQ(archk_mem_unmap((void *)maps[3], 1 << 20), 0);
	long hole = archk_vmo_map(h, 0, PAGE, RW);
	CHECK_EQ(hole, maps[3]);
	CHECK_EQ(archk_mem_map_anon(1 << 20, RW), ARCHK_ERR_NO_MEMORY);
	CHECK_EQ(archk_vmo_unmap((void *)hole, PAGE), 0);
	for (int i = 0; i < n; i++)
		CHECK_EQ(i == 3 ? 0 : archk_mem_unmap((void *)maps[i], 1 << 20), 0);
	long all = archk_mem_map_anon(ARCHK_MAP_BYTES_MAX, RW);
	CHECK_TRUE(all > 0);
	CHECK_EQ(archk_mem_unmap((void *)all, ARCHK_MAP_BYTES_MAX), 0);
	CHECK_EQ(archk_handle_close(h), 0);
}

/*
 * Far more VMOs and mappings than the system holds at once: a leaked
 * object, reference or mapping would make creation fail before the end.
 */
static void test_no_leaks(void)
{
	int failed = 0;

	for (int i = 0; i < 4 * VMO_SYS_MAX; i++) {
		long h = archk_vmo_create(ARCHK_VMO_SIZE_MAX);
		long a = h < 0 ? h : archk_vmo_map((archk_handle_t)h, 0, PAGE, RW);

		if (a < 0 || archk_handle_close((archk_handle_t)h) < 0 ||
		    archk_vmo_unmap((void *)a, PAGE) < 0)
			failed++;
	}
	CHECK_EQ(failed, 0);
}

/* A child that takes VMOs until the system limit; its exit frees all of them. */
static void test_system_limit(const char *self)
{
	struct archk_exit_status st = run_child(self, "hoard", 0, 0);

	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 0);
	archk_handle_t h = new_vmo(ARCHK_VMO_SIZE_MAX);
	CHECK_EQ(archk_handle_close(h), 0);
}

/* Touching a read-only mapping, or memory after unmap, faults the process. */
static void test_faults(const char *self)
{
	archk_handle_t h = new_vmo(PAGE);
	struct archk_exit_status st = run_child(self, "write-read-only", h, ARCHK_RIGHTS_SAME);

	CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
	CHECK_EQ(st.signal, 11);
	st = run_child(self, "touch-unmapped", h, ARCHK_RIGHTS_SAME);
	CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
	CHECK_EQ(st.signal, 11);
	CHECK_EQ(archk_handle_close(h), 0);
}

/* The child changes a value the parent wrote; the parent sees it in its own mapping. */
static void test_shared_value(const char *self)
{
	archk_handle_t h = new_vmo(2 * PAGE);
	long a = archk_vmo_map(h, 0, 2 * PAGE, RW);
	volatile uint32_t *word = (volatile uint32_t *)(a + PAGE);

	CHECK_TRUE(a > 0);
	*word = 41;
	struct archk_exit_status st = run_child(self, "increment", h, ARCHK_RIGHTS_SAME);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 0);
	CHECK_EQ(*word, 42);
	CHECK_EQ(((volatile char *)a)[0], CHILD_MARKER);
	/* A read-only copy lets the child map it read-only only. */
	st = run_child(self, "read-only", h, ARCHK_RIGHT_READ | ARCHK_RIGHT_MAP);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 0);
	CHECK_EQ(*word, 42);
	CHECK_EQ(archk_vmo_unmap((void *)a, 2 * PAGE), 0);
	CHECK_EQ(archk_handle_close(h), 0);
}

/* Producer side of the ring: the child consumes RING_COUNT messages. */
static void test_ring(const char *self)
{
	archk_handle_t h = new_vmo(sizeof(struct ring));
	long a = archk_vmo_map(h, 0, sizeof(struct ring), RW);
	struct ring *r = (struct ring *)a;
	const char *argv[] = {self, "child", "consumer", NULL};
	struct archk_spawn_handle handle = {"vmo", h, ARCHK_RIGHTS_SAME};
	struct archk_exit_status st = {0};
	uint64_t sum = 0;

	CHECK_TRUE(a > 0);
	long p = archk_spawn(self, argv, &handle, 1);
	CHECK_TRUE(p > 0);
	for (uint32_t i = 1; p > 0 && i <= RING_COUNT; i++) {
		while (i - 1 - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >= RING_SLOTS)
			archk_yield();
		r->slots[(i - 1) % RING_SLOTS] = i * 7;
		sum += i * 7;
		__atomic_store_n(&r->head, i, __ATOMIC_RELEASE);
	}
	if (p > 0) {
		CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
		archk_handle_close((archk_handle_t)p);
	}
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 0);
	CHECK_EQ(r->consumed, RING_COUNT);
	CHECK_EQ(r->in_order, RING_COUNT);
	CHECK_EQ(r->sum, sum);
	CHECK_EQ(archk_vmo_unmap(r, sizeof(struct ring)), 0);
	CHECK_EQ(archk_handle_close(h), 0);
}

/*
 * Mappings are private memory of the process that made them: while the
 * parent waits (held by no vCPU), another process cannot load from them in
 * isolated modes, and can with isolation off.
 */
static void test_isolation(const char *self, int isolated)
{
	archk_handle_t h = new_vmo(PAGE);
	long a = archk_vmo_map(h, 0, PAGE, RW);
	char where[32];

	CHECK_TRUE(a > 0);
	*(volatile uint32_t *)a = 0x5eed;
	snprintf(where, sizeof(where), "%lx", a);
	struct archk_exit_status st = run_child_arg(self, "peek", where, 0, 0);
	CHECK_EQ(st.reason, isolated ? ARCHK_EXIT_FAULT : ARCHK_EXIT_NORMAL);
	CHECK_EQ(isolated ? st.signal : (uint32_t)st.code, isolated ? 11 : 0);
	CHECK_EQ(archk_vmo_unmap((void *)a, PAGE), 0);
	CHECK_EQ(archk_handle_close(h), 0);
}

/* ---- the children ---- */

/* Maps the "vmo" handle, or ends the child with status 3. */
static char *child_map(uint32_t prot)
{
	long a = archk_vmo_map(archk_handle_named("vmo"), 0, PAGE, prot);

	if (a < 0)
		archk_process_exit(3);
	return (char *)a;
}

/* Consumer side of the ring: checks order and sum, reports in the ring itself. */
static int consume(void)
{
	long h = archk_handle_named("vmo");
	long a = archk_vmo_map((archk_handle_t)h, 0, sizeof(struct ring), RW);
	struct ring *r = (struct ring *)a;

	if (a < 0)
		return 3;
	for (uint32_t i = 1; i <= RING_COUNT; i++) {
		while (__atomic_load_n(&r->head, __ATOMIC_ACQUIRE) < i)
			archk_yield();
		uint32_t v = r->slots[(i - 1) % RING_SLOTS];

		r->in_order += v == i * 7;
		r->sum += v;
		r->consumed++;
		__atomic_store_n(&r->tail, i, __ATOMIC_RELEASE);
	}
	return 0;
}

/*
 * Creates the largest VMOs until the system's byte limit says NO_MEMORY,
 * gives one back, then creates one-page VMOs until the count limit says
 * NO_MEMORY; archk must still answer.
 */
static int hoard(void)
{
	long h, last = 0;
	int big = 0, small = 0;

	while ((h = archk_vmo_create(ARCHK_VMO_SIZE_MAX)) > 0) {
		last = h;
		big++;
	}
	if (h != ARCHK_ERR_NO_MEMORY || big != VMO_SYS_BYTES / ARCHK_VMO_SIZE_MAX ||
	    archk_handle_close((archk_handle_t)last) < 0)
		return 4;
	while ((h = archk_vmo_create(PAGE)) > 0)
		small++;
	if (h != ARCHK_ERR_NO_MEMORY || big - 1 + small != VMO_SYS_MAX)
		return 5;
	return archk_process_self() > 0 && archk_yield() == 0 ? 0 : 6;
}

static int child(const char *mode, const char *arg)
{
	if (strcmp(mode, "peek") == 0)
		return *(volatile uint32_t *)strtoul(arg, NULL, 16) == 0x5eed ? 0 : 10;
	if (strcmp(mode, "increment") == 0) {
		volatile char *first = child_map(RW);
		long a = archk_vmo_map(archk_handle_named("vmo"), PAGE, PAGE, RW);

		if (a < 0 || *(volatile uint32_t *)a != 41)
			return 6;
		*(volatile uint32_t *)a = 42;
		*first = CHILD_MARKER;
		return 0;
	}
	if (strcmp(mode, "read-only") == 0) {
		archk_handle_t h = archk_handle_named("vmo");
		volatile uint32_t *word = (volatile uint32_t *)child_map(ARCHK_PROT_READ);

		if (archk_vmo_map(h, 0, PAGE, RW) != ARCHK_ERR_ACCESS_DENIED ||
		    archk_vmo_write(h, "x", 1, 0) != ARCHK_ERR_ACCESS_DENIED)
			return 7;
		return word[0] == (uint32_t)CHILD_MARKER ? 0 : 8;
	}
	if (strcmp(mode, "write-read-only") == 0)
		*(volatile char *)child_map(ARCHK_PROT_READ) = 1;
	if (strcmp(mode, "touch-unmapped") == 0) {
		volatile char *m = child_map(RW);

		*m = 1;
		archk_vmo_unmap((void *)m, PAGE);
		*m = 2;
	}
	if (strcmp(mode, "consumer") == 0)
		return consume();
	if (strcmp(mode, "hoard") == 0)
		return hoard();
	return 9;
}

int main(int argc, char **argv)
{
	const char *expect = argc > 1 ? argv[1] : "";

	out = archk_handle_named("out");
	if (argc > 2 && strcmp(argv[1], "child") == 0)
		return child(argv[2], argc > 3 ? argv[3] : "");
	test_create_and_size();
	test_read_write();
	test_handle_checks();
	test_map();
	test_anon();
	test_limits();
	test_no_leaks();
	test_system_limit(argv[0]);
	test_faults(argv[0]);
	test_shared_value(argv[0]);
	test_ring(argv[0]);
	if (strcmp(expect, "isolated") == 0 || strcmp(expect, "open") == 0)
		test_isolation(argv[0], strcmp(expect, "isolated") == 0);
	return check_done("conf_vmo");
}
