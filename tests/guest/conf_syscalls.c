/*
 * Conformance: every system call of the boot-and-trap ABI, with its success
 * cases and each documented error. Run as a batch job; exits 0 if all pass.
 */
#include "check.h"

#define ARENA_BASE 0x100000000000UL /* docs/architecture.md: the guest arena */

static archk_handle_t out, in, root, spawner;

static void test_process_self_and_bad_numbers(void)
{
	CHECK_TRUE(archk_process_self() > 0);
	CHECK_EQ(archk_process_self(), archk_startup_info->koid);
	CHECK_EQ(archk_syscall0(ARCHK_SYS_COUNT), ARCHK_ERR_BAD_SYSCALL);
	CHECK_EQ(archk_syscall0(9999), ARCHK_ERR_BAD_SYSCALL);
	CHECK_EQ(archk_syscall0(-1), ARCHK_ERR_BAD_SYSCALL);
	CHECK_EQ(archk_syscall0(0x40000000 | ARCHK_SYS_PROCESS_SELF), ARCHK_ERR_BAD_SYSCALL);
	CHECK_EQ(archk_yield(), 0);
}

/*
 * The rights of new handles are ABI: each value is the one docs/abi.md
 * section 5 gives, so a changed header fails here, not just in the kernel.
 */
static void test_default_rights(void)
{
	CHECK_EQ(ARCHK_RIGHTS_PROCESS, 0x1a43);
	CHECK_EQ(ARCHK_RIGHTS_THREAD, 0x3803);
	CHECK_EQ(ARCHK_RIGHTS_FILE, 0x77);
	CHECK_EQ(ARCHK_RIGHTS_DIR, 0x177);
	CHECK_EQ(ARCHK_RIGHTS_VMO, 0x6f);
	CHECK_EQ(ARCHK_RIGHTS_EVENT, 0x1c03);
	CHECK_EQ(ARCHK_RIGHTS_CHANNEL, 0x180e);
	CHECK_EQ(ARCHK_RIGHTS_PORT, 0x180f);
	CHECK_EQ(ARCHK_RIGHTS_IOQ, 0x84d);
	CHECK_EQ(ARCHK_RIGHTS_TABLE, 0x284f);
	CHECK_EQ(ARCHK_RIGHTS_SERVED, 0x2bef);
	CHECK_EQ(ARCHK_RIGHTS_DEVICE, 0xc6f);
	CHECK_EQ(ARCHK_RIGHTS_BUS, 0x147);
}

static void test_clock(void)
{
	int64_t a = archk_clock_get(ARCHK_CLOCK_MONOTONIC);
	int64_t b = archk_clock_get(ARCHK_CLOCK_MONOTONIC);

	CHECK_TRUE(a > 0 && b >= a);
	CHECK_TRUE(archk_clock_get(ARCHK_CLOCK_REALTIME) > 1600000000LL * 1000000000LL);
	CHECK_EQ(archk_clock_get(7), ARCHK_ERR_INVALID_ARGS);
}

static void test_handle_info_and_duplicate(void)
{
	struct archk_handle_info info;
	long dup, weak;

	CHECK_EQ(archk_handle_info(out, &info), 0);
	CHECK_EQ(info.type, ARCHK_OBJ_CONSOLE);
	CHECK_TRUE(info.rights & ARCHK_RIGHT_WRITE);
	CHECK_EQ(archk_handle_info(out, (void *)0x10), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_handle_info(out, (void *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_handle_info(out, (void *)&test_clock), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_handle_info(0, &info), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_handle_info(0x12345678, &info), ARCHK_ERR_HND_INVALID);

	dup = archk_handle_duplicate(out, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(dup > 0 && dup != out);
	struct archk_handle_info dinfo;
	CHECK_EQ(archk_handle_info((archk_handle_t)dup, &dinfo), 0);
	CHECK_EQ(dinfo.rights, info.rights);
	CHECK_EQ(dinfo.koid, info.koid);
	/* Fewer rights are fine; more never are. */
	weak = archk_handle_duplicate(out, ARCHK_RIGHT_WRITE);
	CHECK_TRUE(weak > 0);
	CHECK_EQ(archk_handle_duplicate(out, info.rights | ARCHK_RIGHT_READ),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_duplicate((archk_handle_t)weak, ARCHK_RIGHT_WRITE),
		 ARCHK_ERR_ACCESS_DENIED); /* no DUPLICATE right left */
	CHECK_EQ(archk_write((archk_handle_t)weak, "", 0), 0);

	CHECK_EQ(archk_handle_close((archk_handle_t)dup), 0);
	CHECK_EQ(archk_handle_close((archk_handle_t)dup), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_write((archk_handle_t)dup, "x", 1), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_handle_close((archk_handle_t)weak), 0);
	/* A new handle in the freed slot does not revive the old value. */
	long again = archk_handle_duplicate(out, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(again > 0 && again != dup);
	CHECK_EQ(archk_handle_info((archk_handle_t)dup, &dinfo), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(archk_handle_close((archk_handle_t)again), 0);
}

static void test_console_io(void)
{
	static const char msg[] = "conf_syscalls: console write\n";

	CHECK_EQ(archk_write(out, msg, sizeof(msg) - 1), sizeof(msg) - 1);
	CHECK_EQ(archk_write(out, msg, 0), 0);
	CHECK_EQ(archk_write(in, msg, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_read(out, (void *)msg, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_write(out, (void *)ARENA_BASE, 1), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_write(out, msg, (size_t)-1), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_write(out, (void *)-16L, 32), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_do_io(99, out, 0, 0, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_do_io(99, 0x1234, 0, 0, 0, 0), ARCHK_ERR_HND_INVALID);
	struct archk_meta meta;
	CHECK_EQ(archk_get_meta(out, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_CONSOLE);
	CHECK_EQ(archk_do_io(ARCHK_IO_SEEK, out, 0, 0, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(archk_do_io(ARCHK_IO_CREATE, out, 0, 0, 0, 0), ARCHK_ERR_ACCESS_DENIED);
	char buf[8];
	CHECK_EQ(archk_read(in, (void *)&test_clock, sizeof(buf)), ARCHK_ERR_BAD_ADDRESS);
}

static void test_store(void)
{
	static const char expect[] = "# init's configuration";
	char buf[64] = {0};
	struct archk_meta meta;
	long f, d, hello;

	f = archk_open(root, "etc/init.conf", ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
	CHECK_TRUE(f > 0);
	CHECK_EQ(archk_pread((archk_handle_t)f, buf, sizeof(expect) - 1, 0), sizeof(expect) - 1);
	CHECK_EQ(memcmp(buf, expect, sizeof(expect) - 1), 0);
	CHECK_EQ(archk_get_meta((archk_handle_t)f, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_FILE);
	CHECK_EQ(meta.mode & ARCHK_MODE_EXEC, 0);
	CHECK_EQ(archk_pread((archk_handle_t)f, buf, 8, meta.size), 0);
	CHECK_EQ(archk_pread((archk_handle_t)f, buf, 8, meta.size + 100), 0);
	/* Sequential reads advance the object's position. */
	CHECK_EQ(archk_read((archk_handle_t)f, buf, 2), 2);
	CHECK_EQ(archk_read((archk_handle_t)f, buf, 5), 5);
	CHECK_EQ(memcmp(buf, "init'", 5), 0);
	CHECK_EQ(archk_write((archk_handle_t)f, buf, 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_open((archk_handle_t)f, "x", ARCHK_RIGHTS_SAME), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_pread((archk_handle_t)f, (void *)ARENA_BASE, 4, 0), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_handle_close((archk_handle_t)f), 0);

	hello = archk_open(root, "/bin/hello", ARCHK_RIGHTS_SAME);
	CHECK_TRUE(hello > 0);
	CHECK_EQ(archk_get_meta((archk_handle_t)hello, &meta), 0);
	CHECK_EQ(meta.mode & ARCHK_MODE_EXEC, ARCHK_MODE_EXEC);
	CHECK_TRUE(meta.size > 4096);
	CHECK_EQ(archk_handle_close((archk_handle_t)hello), 0);

	d = archk_open(root, "./bin/", ARCHK_RIGHTS_SAME);
	CHECK_TRUE(d > 0);
	CHECK_EQ(archk_get_meta((archk_handle_t)d, &meta), 0);
	CHECK_EQ(meta.type, ARCHK_OBJ_DIR);
	CHECK_TRUE(meta.size >= 5);
	f = archk_open((archk_handle_t)d, "echo", ARCHK_RIGHT_READ);
	CHECK_TRUE(f > 0);
	CHECK_EQ(archk_handle_close((archk_handle_t)f), 0);
	CHECK_EQ(archk_open((archk_handle_t)d, "../etc/init.conf", ARCHK_RIGHT_READ),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_handle_close((archk_handle_t)d), 0);

	CHECK_EQ(archk_open(root, "nope", ARCHK_RIGHT_READ), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_open(root, "bi", ARCHK_RIGHT_READ), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(archk_open(root, "bin/hello", ARCHK_RIGHT_WRITE), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_open(root, "etc/init.conf", ARCHK_RIGHT_EXECUTE), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, root, (long)"bin", ARCHK_PATH_MAX + 1, 0, 0),
		 ARCHK_ERR_TOO_LONG);
	CHECK_EQ(archk_do_io(ARCHK_IO_OPEN, root, ARENA_BASE, 4, ARCHK_RIGHT_READ, 0),
		 ARCHK_ERR_BAD_ADDRESS);
}

/* Spawns path with argv and waits; returns the status (reason 0 if spawn failed). */
static struct archk_exit_status run(const char *const *argv, long *spawn_result)
{
	struct archk_exit_status st = {0};
	long p = archk_spawn(argv[0], argv, NULL, 0);

	*spawn_result = p;
	if (p > 0) {
		CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
		CHECK_EQ(archk_handle_close((archk_handle_t)p), 0);
	}
	return st;
}

/*
 * The 32-bit entry (int $0x80), in a child: archk refuses it with
 * BAD_SYSCALL where the host kernel delivers it as a system call; where the
 * host has 32-bit entry switched off the instruction faults, and the fault
 * ends only the child. The test's argument says which the host does
 * (tests/guest/int80_probe.c).
 */
static void test_foreign_entry(int host_traps)
{
	static const char *const argv[] = {"/tests/conf_child", "int80", NULL};
	long p;
	struct archk_exit_status st = run(argv, &p);

	CHECK_TRUE(p > 0);
	if (host_traps) {
		CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
		CHECK_EQ(st.code, 0);
	} else {
		CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
		CHECK_EQ(st.signal, 11); /* SIGSEGV */
	}
}

static void test_spawn_and_wait(void)
{
	static const char *const t[] = {"/bin/true", NULL};
	static const char *const f[] = {"/bin/false", NULL};
	static const char *const child[] = {"/tests/conf_child", "exit-with", "42", NULL};
	static const char *const not_elf[] = {"/tests/not-an-elf", NULL};
	struct archk_exit_status st;
	long r;

	st = run(t, &r);
	CHECK_TRUE(r > 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 0);
	st = run(f, &r);
	CHECK_EQ(st.code, 1);
	st = run(child, &r);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 42);
	run(not_elf, &r);
	CHECK_EQ(r, ARCHK_ERR_BAD_ELF);

	/* A finished child can be waited for again; its handle has the rights spawn gives. */
	long p = archk_spawn("/bin/true", t, NULL, 0);
	struct archk_handle_info info;
	CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
	CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(archk_handle_info((archk_handle_t)p, &info), 0);
	CHECK_EQ(info.type, ARCHK_OBJ_PROCESS);
	CHECK_TRUE(info.rights & ARCHK_RIGHT_WAIT);
	CHECK_EQ(archk_process_wait((archk_handle_t)p, (void *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	CHECK_EQ(archk_process_wait(out, &st), ARCHK_ERR_WRONG_TYPE);
	long nowait = archk_handle_duplicate((archk_handle_t)p, ARCHK_RIGHT_INSPECT);
	CHECK_EQ(archk_process_wait((archk_handle_t)nowait, &st), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(archk_handle_close((archk_handle_t)nowait), 0);
	CHECK_EQ(archk_handle_close((archk_handle_t)p), 0);
}

/* Arguments filling the whole ARCHK_SPAWN_ARGS_MAX, and one byte more, are refused. */
static void test_spawn_argv_limit(struct archk_spawn_args *a)
{
	char *big = malloc(ARCHK_SPAWN_ARGS_MAX + 1);
	const char *argv[3] = {big, "x", NULL};
	const char *const *saved = a->argv;

	memset(big, 'a', ARCHK_SPAWN_ARGS_MAX - 1);
	big[ARCHK_SPAWN_ARGS_MAX - 1] = '\0';
	a->argv = argv;
	a->argc = 2; /* the first string alone fills the limit */
	CHECK_EQ(archk_process_spawn(spawner, a), ARCHK_ERR_TOO_LONG);
	memset(big, 'a', ARCHK_SPAWN_ARGS_MAX);
	big[ARCHK_SPAWN_ARGS_MAX] = '\0';
	a->argc = 1;
	CHECK_EQ(archk_process_spawn(spawner, a), ARCHK_ERR_TOO_LONG);
	a->argv = saved;
	free(big);
}

/* Spawn's own argument checks, each with a handcrafted archk_spawn_args. */
static void test_spawn_errors(void)
{
	static const char *const argv[] = {"true", NULL};
	long exe = archk_open(root, "bin/true", ARCHK_RIGHT_EXECUTE);
	long conf = archk_open(root, "etc/init.conf", ARCHK_RIGHT_READ);
	long weak_out = archk_handle_duplicate(out, ARCHK_RIGHT_WRITE);
	struct archk_spawn_handle h = {.name = "out", .handle = out, .rights = ARCHK_RIGHTS_SAME};
	struct archk_spawn_args a = {.executable = (archk_handle_t)exe, .argc = 1, .argv = argv};
	struct archk_exit_status st;
	long p;

	CHECK_EQ(archk_process_spawn(root, &a), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(archk_process_spawn(spawner, (void *)ARENA_BASE), ARCHK_ERR_BAD_ADDRESS);
	a.executable = (archk_handle_t)conf;
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_ACCESS_DENIED);
	a.executable = out;
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_WRONG_TYPE);
	a.executable = (archk_handle_t)exe;
	a.argc = 0;
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_INVALID_ARGS);
	a.argc = ARCHK_SPAWN_ARGC_MAX + 1;
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_INVALID_ARGS);
	a.argc = 1;
	a.argv = (const char *const *)ARENA_BASE;
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_BAD_ADDRESS);
	a.argv = argv;
	a.handle_count = 1;
	a.handles = &h;
	h.handle = (archk_handle_t)weak_out; /* no TRANSFER right */
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_ACCESS_DENIED);
	h.handle = out;
	h.rights = ARCHK_RIGHTS_ALL; /* more than out has */
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_ACCESS_DENIED);
	h.rights = ARCHK_RIGHTS_SAME;
	h.name[0] = '\0';
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_INVALID_ARGS);
	memset(h.name, 'x', sizeof(h.name)); /* not NUL-terminated */
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_INVALID_ARGS);
	strlcpy(h.name, "out", sizeof(h.name));
	a.handle_count = ARCHK_SPAWN_HANDLES_MAX + 1;
	CHECK_EQ(archk_process_spawn(spawner, &a), ARCHK_ERR_INVALID_ARGS);
	a.handle_count = 1;
	test_spawn_argv_limit(&a);
	p = archk_process_spawn(spawner, &a);
	CHECK_TRUE(p > 0);
	CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
	CHECK_EQ(st.code, 0);
	archk_handle_close((archk_handle_t)p);
	archk_handle_close((archk_handle_t)exe);
	archk_handle_close((archk_handle_t)conf);
	archk_handle_close((archk_handle_t)weak_out);
}

/* The child checks what it received: names, rights and arguments. */
static void test_child_handles(void)
{
	static const char *const argv[] = {"/tests/conf_child", "check-handles", "a b", "", NULL};
	long weak = archk_handle_duplicate(out, ARCHK_RIGHT_WRITE | ARCHK_RIGHT_TRANSFER);
	struct archk_spawn_handle h[] = {
	    {.name = "extra", .handle = (archk_handle_t)weak, .rights = ARCHK_RIGHT_WRITE},
	};
	struct archk_exit_status st;
	long p = archk_spawn(argv[0], argv, h, 1);

	CHECK_TRUE(p > 0);
	CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	CHECK_EQ(st.code, 0);
	archk_handle_close((archk_handle_t)p);
	archk_handle_close((archk_handle_t)weak);
}

/*
 * A process spawned where another just ended sees only zeros: archk keeps
 * the huge pages of a freed partition's .data/heap and stack tops for the
 * next one, zeroed, and frees the rest.
 */
static void test_reused_partition_is_zero(void)
{
	static const char *const dirty[] = {"/tests/conf_child", "dirty", NULL};
	static const char *const clean[] = {"/tests/conf_child", "clean", NULL};
	struct archk_exit_status st;
	long r;

	for (int i = 0; i < 3; i++) {
		st = run(dirty, &r);
		CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
		CHECK_EQ(st.code, 0);
		st = run(clean, &r);
		CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
		CHECK_EQ(st.code, 0);
	}
}

int main(int argc, char **argv)
{
	out = archk_handle_named("out");
	in = archk_handle_named("in");
	root = archk_handle_named("root");
	spawner = archk_handle_named("process");
	CHECK_TRUE(out && in && root && spawner && archk_handle_named("err"));
	CHECK_EQ(archk_handle_named("nonexistent"), ARCHK_HANDLE_INVALID);
	test_process_self_and_bad_numbers();
	test_default_rights();
	test_clock();
	test_handle_info_and_duplicate();
	test_console_io();
	test_store();
	test_spawn_and_wait();
	test_spawn_errors();
	test_child_handles();
	test_reused_partition_is_zero();
	CHECK_TRUE(argc == 2 &&
		   (strcmp(argv[1], "int80=trap") == 0 || strcmp(argv[1], "int80=fault") == 0));
	if (argc == 2)
		test_foreign_entry(strcmp(argv[1], "int80=trap") == 0);
	return check_done("conf_syscalls");
}
