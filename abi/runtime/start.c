/*
 * C startup: finds argv, the environment and archk's startup block in the
 * initial stack, sets up the heap and runs main.
 */
#include <archk/runtime.h>

#define AT_NULL 0

int main(int argc, char **argv);

const struct archk_startup *archk_startup_info;
char **archk_environ;

archk_handle_t archk_handle_named(const char *name)
{
	const struct archk_startup *s = archk_startup_info;

	for (uint32_t i = 0; s && i < s->handle_count; i++)
		if (strncmp(s->handles[i].name, name, sizeof(s->handles[i].name)) == 0)
			return s->handles[i].handle;
	return ARCHK_HANDLE_INVALID;
}

/* Called by malloc when it finds its bookkeeping overwritten. */
void archk_heap_corrupted(const char *what, void *ptr)
{
	archk_dprintf(archk_handle_named("err"), "%s: heap corrupted: %s at %p\n",
		      archk_startup_info ? archk_startup_info->name : "?", what, ptr);
	archk_process_exit(134);
}

__attribute__((noreturn, used)) void archk_start_c(uint64_t *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	uint64_t *auxv;

	archk_environ = envp;
	while (*envp)
		envp++;
	for (auxv = (uint64_t *)(envp + 1); auxv[0] != AT_NULL; auxv += 2)
		if (auxv[0] == ARCHK_AT_STARTUP)
			archk_startup_info = (const struct archk_startup *)auxv[1];
	if (archk_startup_info)
		archk_heap_init(archk_startup_info->heap_base, archk_startup_info->heap_size);
	archk_process_exit(main(argc, argv));
}

static const char *const error_names[] = ARCHK_ERROR_NAMES;

_Static_assert(sizeof(error_names) / sizeof(error_names[0]) == 1 - ARCHK_ERR_LAST, "errors");

const char *archk_strerror(long err)
{
	if (err <= 0 && err >= ARCHK_ERR_LAST)
		return error_names[-err];
	return "UNKNOWN";
}

/* Handles every child gets unless the caller names its own. */
static const char *const inherited[] = {"in", "out", "err", "root", "process"};

long archk_spawn(const char *path, const char *const *argv,
		 const struct archk_spawn_handle *handles, uint32_t handle_count)
{
	struct archk_spawn_handle all[ARCHK_SPAWN_HANDLES_MAX];
	struct archk_spawn_args args = {0};
	uint32_t n = 0;
	long exe, err;

	if (handle_count > ARCHK_SPAWN_HANDLES_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	for (uint32_t i = 0; i < handle_count; i++)
		all[n++] = handles[i];
	for (size_t i = 0; i < sizeof(inherited) / sizeof(inherited[0]); i++) {
		archk_handle_t h = archk_handle_named(inherited[i]);
		uint32_t j;

		for (j = 0; j < handle_count && strcmp(handles[j].name, inherited[i]); j++)
			;
		if (j < handle_count || h == ARCHK_HANDLE_INVALID || n == ARCHK_SPAWN_HANDLES_MAX)
			continue;
		memset(&all[n], 0, sizeof(all[n]));
		strlcpy(all[n].name, inherited[i], sizeof(all[n].name));
		all[n].handle = h;
		all[n++].rights = ARCHK_RIGHTS_SAME;
	}
	exe = archk_open(archk_handle_named("root"), path, ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ);
	if (exe < 0)
		return exe;
	while (argv[args.argc])
		args.argc++;
	args.executable = (archk_handle_t)exe;
	args.argv = argv;
	args.handle_count = n;
	args.handles = all;
	err = archk_process_spawn(archk_handle_named("process"), &args);
	archk_handle_close((archk_handle_t)exe);
	return err;
}
