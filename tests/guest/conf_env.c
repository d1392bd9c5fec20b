/*
 * Conformance: the environment (docs/abi.md 10.1, 8.5, 13.2). A child finds
 * envp after argv on its stack and its strings above the arguments';
 * archk_spawn passes the caller's environment (as changed by archk_setenv),
 * archk_spawn_env an explicit one, process_spawn none; CREATE on the process
 * table refuses a blob whose strings do not match argc and envc, too many
 * entries and too many bytes, with exact codes.
 *   conf_env                 the checks (exit 0 if all pass)
 *   conf_env print           prints the environment, one entry a line
 *   conf_env expect E...     (child) exits 0 if its environment is exactly E..., in order
 */
#include "check.h"

#define SELF "/tests/conf_env"

static archk_handle_t root, proc;

/* The child's side: the layout of envp, then the entries. */
static int expect(int argc, char **argv)
{
	int n = 0;

	if (archk_environ != argv + argc + 1)
		return 10;
	while (archk_environ[n])
		n++;
	if (n != argc - 2)
		return 11;
	for (int i = 0; i < n; i++)
		if (strcmp(archk_environ[i], argv[2 + i]) != 0)
			return 12;
	/* The environment strings lie above the argument strings. */
	if (n > 0 && archk_environ[0] <= argv[argc - 1])
		return 13;
	return 0;
}

static long spawn_expect(const char *const *envp, const char *const *expected)
{
	const char *argv[16] = {SELF, "expect"};
	int n = 2;

	for (int i = 0; expected[i] && n < 15; i++)
		argv[n++] = expected[i];
	argv[n] = NULL;
	return wait_exit(archk_spawn_env(SELF, argv, envp, NULL, 0));
}

static void test_spawn_env(void)
{
	static const char *const none[] = {NULL};
	static const char *const two[] = {"A=1", "EMPTY=", NULL};
	static const char *const odd[] = {"no equals sign", "=x", NULL};
	const char *argv[8] = {SELF, "expect", NULL};

	CHECK_EQ(spawn_expect(two, two), 0);
	CHECK_EQ(spawn_expect(none, none), 0);
	CHECK_EQ(spawn_expect(NULL, none), 0);
	/* The kernel carries strings as they are: their form is the programs' business. */
	CHECK_EQ(spawn_expect(odd, odd), 0);
	CHECK_EQ(spawn_expect(two, none), 11);

	/* archk_spawn passes the caller's environment, with its changes. */
	CHECK_EQ(archk_setenv("CONF_ENV", "yes", 1), 0);
	CHECK_EQ(archk_setenv("SECOND", "2", 1), 0);
	CHECK_EQ(archk_unsetenv("SECOND"), 0);
	int n = 2;
	for (int i = 0; archk_environ[i] && n < 7; i++)
		argv[n++] = archk_environ[i];
	argv[n] = NULL;
	CHECK_EQ(wait_exit(archk_spawn(SELF, argv, NULL, 0)), 0);
	CHECK_EQ(strcmp(archk_getenv("CONF_ENV"), "yes"), 0);
	CHECK_EQ(archk_unsetenv("CONF_ENV"), 0);
}

/* process_spawn has no environment argument: the child's is empty. */
static void test_process_spawn(void)
{
	static const char *const argv[] = {SELF, "expect"};
	long exe = archk_open(root, SELF + 1, ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ);
	struct archk_spawn_args args = {.argc = 2, .argv = argv};

	CHECK_TRUE(exe > 0);
	args.executable = (archk_handle_t)exe;
	CHECK_EQ(wait_exit(archk_process_spawn(archk_handle_named("process"), &args)), 0);
	archk_handle_close((archk_handle_t)exe);
}

/* A blob with strings of its own making, for CREATE's checks. */
static struct {
	struct archk_spawn_blob h;
	char strings[ARCHK_SPAWN_ARGS_MAX + 64];
} b;

static long create(size_t strings_len, uint32_t argc, uint32_t envc)
{
	archk_handle_t exe[1];
	long h = archk_open(root, SELF + 1,
			    ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ | ARCHK_RIGHT_TRANSFER);
	long result;

	if (h < 0)
		return h;
	exe[0] = (archk_handle_t)h;
	b.h.argc = argc;
	b.h.envc = envc;
	result =
	    archk_do_io_handles(ARCHK_IO_CREATE, proc, &b, sizeof(b.h) + strings_len, 0, exe, 1);
	archk_handle_close(exe[0]);
	return result <= 0 ? result : wait_exit(result);
}

static void test_blob(void)
{
	static const char good[] = SELF "\0expect\0X=1";

	CHECK_EQ(sizeof(struct archk_spawn_blob), 368);
	memcpy(b.strings, good, sizeof(good));
	/* The same strings, split differently by argc and envc. */
	CHECK_EQ(create(sizeof(good) - sizeof("X=1"), 2, 0), 0);
	CHECK_EQ(create(sizeof(good), 2, 1), 11); /* it expects nothing, finds X=1 */
	CHECK_EQ(create(sizeof(good), 3, 0), 11); /* X=1 is an argument it expects, not there */
	/* The strings must be exactly argc + envc of them. */
	CHECK_EQ(create(sizeof(good), 2, 2), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(create(sizeof(good), 1, 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(create(sizeof(good) - 1, 2, 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(create(sizeof(good), 2, ARCHK_SPAWN_ENVC_MAX + 1), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(create(sizeof(good), 2, UINT32_MAX), ARCHK_ERR_INVALID_ARGS);
	/* Arguments and environment share the 65536 bytes. */
	CHECK_EQ(create(ARCHK_SPAWN_ARGS_MAX + 1, 2, 1), ARCHK_ERR_TOO_LONG);
	memset(b.strings, 'v', ARCHK_SPAWN_ARGS_MAX);
	memcpy(b.strings, good, sizeof(good) - 1);
	b.strings[ARCHK_SPAWN_ARGS_MAX - 1] = '\0';
	CHECK_EQ(create(ARCHK_SPAWN_ARGS_MAX, 2, 1), 11);
	/* 1024 entries are allowed, 1025 are not. */
	size_t used = sizeof(SELF "\0expect");
	memcpy(b.strings, good, used);
	for (int i = 0; i < ARCHK_SPAWN_ENVC_MAX + 1; i++) {
		memcpy(b.strings + used, "E=", 3);
		used += 3;
	}
	CHECK_EQ(create(used - 3, 2, ARCHK_SPAWN_ENVC_MAX), 11);
	CHECK_EQ(create(used, 2, ARCHK_SPAWN_ENVC_MAX + 1), ARCHK_ERR_INVALID_ARGS);
}

/* The runtime refuses what the kernel would. */
static void test_runtime_limits(void)
{
	static const char *const argv[] = {SELF, "expect", NULL};
	static const char *envp[ARCHK_SPAWN_ENVC_MAX + 2];
	static char big[40000];

	for (int i = 0; i <= ARCHK_SPAWN_ENVC_MAX; i++)
		envp[i] = "E=";
	envp[ARCHK_SPAWN_ENVC_MAX + 1] = NULL;
	CHECK_EQ(archk_spawn_env(SELF, argv, envp, NULL, 0), ARCHK_ERR_TOO_LONG);
	memset(big, 'x', sizeof(big) - 1);
	big[0] = 'B';
	big[1] = '=';
	envp[0] = big;
	envp[1] = big;
	envp[2] = NULL;
	CHECK_EQ(archk_spawn_env(SELF, argv, envp, NULL, 0), ARCHK_ERR_TOO_LONG);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "expect") == 0)
		return expect(argc, argv);
	if (argc == 2 && strcmp(argv[1], "print") == 0) {
		for (char **e = archk_environ; *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	root = archk_handle_named("root");
	proc = archk_handle_named("process");
	arenas_snapshot();
	test_spawn_env();
	test_process_spawn();
	test_blob();
	test_runtime_limits();
	check_arenas_returned(not_deadline);
	return check_done("conf_env");
}
