/*
 * C startup: finds argv, the environment and archk's startup block in the
 * initial stack, sets up the heap and runs main.
 */
#include <stdbool.h>
#include <archk/runtime.h>

#define AT_NULL 0

int main(int argc, char **argv);

const struct archk_startup *archk_startup_info;
char **archk_environ;
/* The call gate (ARCHK_AT_GATE), 0 if archk gave none: syscall_entry.S. */
__attribute__((visibility("hidden"))) uintptr_t archk_gate;

uintptr_t archk_call_gate(void)
{
	return archk_gate;
}

/* Names given with archk_handle_set, which take precedence over the startup ones. */
static struct archk_named_handle named_set[ARCHK_SPAWN_HANDLES_MAX];
static uint32_t named_set_count;

/* The entry for name in the set, or NULL. */
static struct archk_named_handle *set_entry(const char *name)
{
	for (uint32_t i = 0; i < named_set_count; i++)
		if (strncmp(named_set[i].name, name, sizeof(named_set[i].name)) == 0)
			return &named_set[i];
	return NULL;
}

archk_handle_t archk_handle_named(const char *name)
{
	const struct archk_startup *s = archk_startup_info;
	const struct archk_named_handle *e = set_entry(name);

	if (e)
		return e->handle;
	for (uint32_t i = 0; s && i < s->handle_count; i++)
		if (strncmp(s->handles[i].name, name, sizeof(s->handles[i].name)) == 0)
			return s->handles[i].handle;
	return ARCHK_HANDLE_INVALID;
}

long archk_handle_set(const char *name, archk_handle_t h)
{
	struct archk_named_handle *e = set_entry(name);

	if (strlen(name) > ARCHK_NAME_MAX)
		return ARCHK_ERR_TOO_LONG;
	if (!e) {
		if (named_set_count == ARCHK_SPAWN_HANDLES_MAX)
			return ARCHK_ERR_NO_MEMORY;
		e = &named_set[named_set_count++];
		strlcpy(e->name, name, sizeof(e->name));
	}
	e->handle = h;
	return 0;
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
		else if (auxv[0] == ARCHK_AT_GATE)
			archk_gate = auxv[1];
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

/* Named handles a child does not get unless the caller names them: privileges and one-shots. */
static const char *const not_inherited[] = {"resource", "devices", "device", "reply"};

/* Does a child get the caller's handle called name by default? */
static bool inherited(const char *name)
{
	for (size_t i = 0; i < sizeof(not_inherited) / sizeof(not_inherited[0]); i++)
		if (strcmp(name, not_inherited[i]) == 0)
			return false;
	return true;
}

/* Has the caller named a handle name for the child, or was it added already? */
static bool in_blob(const struct archk_spawn_blob *blob, const char *name)
{
	for (uint32_t i = 0; i < blob->handle_count; i++)
		if (strcmp(blob->names[i].name, name) == 0)
			return true;
	return false;
}

/* Adds the named handle to the blob and its value to values (after the executable). */
static void blob_add(struct archk_spawn_blob *blob, archk_handle_t *values, const char *name,
		     archk_handle_t h, uint32_t rights)
{
	struct archk_spawn_name *n = &blob->names[blob->handle_count];

	strlcpy(n->name, name, sizeof(n->name));
	n->rights = rights;
	values[++blob->handle_count] = h;
}

/* Adds the named handle the child inherits unless it is there already or the blob is full. */
static void inherit(struct archk_spawn_blob *blob, archk_handle_t *values, const char *name,
		    archk_handle_t h)
{
	if (h != ARCHK_HANDLE_INVALID && inherited(name) && !in_blob(blob, name) &&
	    blob->handle_count < ARCHK_SPAWN_HANDLES_MAX)
		blob_add(blob, values, name, h, ARCHK_RIGHTS_SAME);
}

/* The caller's named handles (those set first), for those the caller did not name. */
static void inherit_all(struct archk_spawn_blob *blob, archk_handle_t *values)
{
	const struct archk_startup *s = archk_startup_info;

	for (uint32_t i = 0; i < named_set_count; i++)
		inherit(blob, values, named_set[i].name, named_set[i].handle);
	for (uint32_t i = 0; s && i < s->handle_count; i++)
		inherit(blob, values, s->handles[i].name, s->handles[i].handle);
}

/*
 * Appends the NULL-terminated strings list (at most max of them) after the
 * *used bytes of strings already in the blob; their count, or TOO_LONG.
 */
static long blob_pack(struct archk_spawn_blob *blob, size_t *used, const char *const *list,
		      uint32_t max)
{
	char *strings = (char *)(blob + 1);
	uint32_t n;

	for (n = 0; list && list[n]; n++) {
		size_t len = strlen(list[n]) + 1;

		if (*used + len > ARCHK_SPAWN_ARGS_MAX || n == max)
			return ARCHK_ERR_TOO_LONG;
		memcpy(strings + *used, list[n], len);
		*used += len;
	}
	return n;
}

/* Packs argv, then envp, after the header; the blob's total length or TOO_LONG. */
static long blob_pack_strings(struct archk_spawn_blob *blob, const char *const *argv,
			      const char *const *envp)
{
	size_t used = 0;
	long argc = blob_pack(blob, &used, argv, ARCHK_SPAWN_ARGC_MAX);
	long envc = argc < 0 ? argc : blob_pack(blob, &used, envp, ARCHK_SPAWN_ENVC_MAX);

	if (envc < 0)
		return envc;
	blob->argc = (uint32_t)argc;
	blob->envc = (uint32_t)envc;
	return (long)(sizeof(*blob) + used);
}

long archk_spawn(const char *path, const char *const *argv,
		 const struct archk_spawn_handle *handles, uint32_t handle_count)
{
	return archk_spawn_env(path, argv, (const char *const *)archk_environ, handles,
			       handle_count);
}

long archk_spawn_exe(archk_handle_t exe, const char *const *argv, const char *const *envp,
		     const struct archk_spawn_handle *handles, uint32_t handle_count)
{
	archk_handle_t values[ARCHK_IO_HANDLES_MAX];
	struct archk_spawn_blob *blob;
	long len;

	if (handle_count > ARCHK_SPAWN_HANDLES_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	blob = calloc(1, sizeof(*blob) + ARCHK_SPAWN_ARGS_MAX);
	if (!blob)
		return ARCHK_ERR_NO_MEMORY;
	for (uint32_t i = 0; i < handle_count; i++)
		blob_add(blob, values, handles[i].name, handles[i].handle, handles[i].rights);
	inherit_all(blob, values);
	len = blob_pack_strings(blob, argv, envp);
	values[0] = exe;
	if (len >= 0)
		len = archk_do_io_handles(ARCHK_IO_CREATE, archk_handle_named("process"), blob,
					  (size_t)len, 0, values, blob->handle_count + 1);
	free(blob);
	return len;
}

long archk_spawn_env(const char *path, const char *const *argv, const char *const *envp,
		     const struct archk_spawn_handle *handles, uint32_t handle_count)
{
	long exe = archk_open(archk_handle_named("root"), path,
			      ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ | ARCHK_RIGHT_TRANSFER);
	long result;

	if (exe < 0)
		return exe;
	result = archk_spawn_exe((archk_handle_t)exe, argv, envp, handles, handle_count);
	archk_handle_close((archk_handle_t)exe);
	return result;
}
