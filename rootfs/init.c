/*
 * init: the first process. It prints a banner (with the key that ends archk
 * when the console is a terminal), then does what /etc/init.conf says, line
 * by line (the file's own comment lists the commands): it starts drivers for
 * the devices archk was given and the servers that stand on them, and runs
 * programs one after another. Objects
 * drivers and servers answer with become named handles of init's, which the
 * programs it runs inherit ("in", "out", "err" from the console driver
 * replace archk's own console from then on, for init too).
 *
 * init exits with the status of the last program it ran, or with a summary
 * of all of them if the configuration asks for that ("exit-status
 * summary"); archk exits with init's status. Run as `init -- PROGRAM
 * [ARG...]` (archk's batch mode), it starts the drivers and servers, skips
 * the configuration's programs, runs PROGRAM with all of its own handles
 * and exits with PROGRAM's status.
 */
#include <archk/runtime.h>

#define MAX_ARGS    32
#define MAX_DEVICES 32
#define MAX_SERVED  ARCHK_SPAWN_HANDLES_MAX

enum exit_rule { EXIT_LAST, EXIT_SUMMARY };

static struct {
	int failures, commands, last;
	enum exit_rule rule;
	bool batch;
	/* The root with SET_PROPERTY, the right to mount, which what init runs does not get. */
	archk_handle_t mount_root;
	/* The names drivers and servers answered with (what "mount" patterns match). */
	char served[MAX_SERVED][ARCHK_NAME_MAX + 1];
	int served_count;
	/* What init mounted: synced (committed) before init ends. */
	archk_handle_t mounted[MAX_SERVED];
	int mounted_count;
} init;

/* Reads a whole store file into a NUL-terminated heap buffer. */
static char *read_file(const char *path)
{
	struct archk_meta meta;
	long h = archk_open(archk_handle_named("root"), path,
			    ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
	char *buf;

	if (h < 0)
		return NULL;
	if (archk_get_meta((archk_handle_t)h, &meta) < 0 || !(buf = malloc(meta.size + 1))) {
		archk_handle_close((archk_handle_t)h);
		return NULL;
	}
	long n = archk_pread((archk_handle_t)h, buf, meta.size, 0);
	archk_handle_close((archk_handle_t)h);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Splits line into words in place; returns the word count. */
static int split(char *line, const char **words, int max)
{
	int n = 0;

	while (*line && n < max - 1) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (!*line)
			break;
		words[n++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
	}
	words[n] = NULL;
	return n;
}

/* The status a shell would give: the code, 128 + the signal of a fault, 137 if killed. */
static int status_of(const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		return st->code & 0xff;
	return st->reason == ARCHK_EXIT_FAULT ? 128 + (int)st->signal : 128 + 9;
}

static void describe(const char *prog, const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		printf("init: %s exited with status %d\n", prog, st->code);
	else if (st->reason == ARCHK_EXIT_FAULT)
		printf("init: %s was stopped by a fault (signal %u)\n", prog, st->signal);
	else
		printf("init: %s was killed\n", prog);
}

/*
 * Spawns a program with init's handles (and handles, count more). init
 * keeps the executable open until the program ends, so that while it runs
 * init holds the same objects (tests compare the kernel's object counts).
 */
static long spawn(const char **argv, const struct archk_spawn_handle *handles, uint32_t count,
		  long *exe)
{
	char path[ARCHK_PATH_MAX + 1];

	/* A bare NAME is /bin/NAME, as archk's command line and the shell take it. */
	snprintf(path, sizeof(path), "%s%s", strchr(argv[0], '/') ? "" : "/bin/", argv[0]);
	*exe = archk_open(archk_handle_named("root"), path,
			  ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_READ | ARCHK_RIGHT_TRANSFER);
	if (*exe < 0)
		return *exe;
	return archk_spawn_exe((archk_handle_t)*exe, argv, (const char *const *)archk_environ,
			       handles, count);
}

/*
 * Runs a program with init's handles (and handles, count more) and waits
 * for it; its status (127: not found, 126: not started).
 */
static int run(const char **argv, const struct archk_spawn_handle *handles, uint32_t count)
{
	struct archk_exit_status st;
	long exe, p = spawn(argv, handles, count, &exe), err = p;

	if (p >= 0) {
		err = archk_process_wait((archk_handle_t)p, &st);
		archk_handle_close((archk_handle_t)p);
	}
	if (exe >= 0)
		archk_handle_close((archk_handle_t)exe);
	if (p < 0 && init.batch)
		return 1; /* archk could not start what it was asked to: it said why */
	if (p < 0) {
		printf("init: cannot run %s: %s\n", argv[0], archk_strerror(p));
		return p == ARCHK_ERR_NOT_FOUND ? 127 : 126;
	}
	if (err < 0) {
		printf("init: waiting for %s failed: %s\n", argv[0], archk_strerror(err));
		return 126;
	}
	if (status_of(&st) != 0 && !init.batch)
		describe(argv[0], &st);
	return status_of(&st);
}

/*
 * Starts a driver or server and names the objects it answers with after
 * what they say (an unnamed one gets fallback); false if it did not start.
 */
static bool start_server(const char **argv, const struct archk_spawn_handle *handles,
			 uint32_t count, const char *fallback)
{
	struct archk_served served[ARCHK_SPAWN_HANDLES_MAX];
	long n =
	    archk_spawn_server_named(argv, handles, count, NULL, served, ARCHK_SPAWN_HANDLES_MAX);

	if (n < 0) {
		/*
		 * A server that answers with a failure has said why on err (the
		 * start protocol); init speaks for one that could not be run or
		 * ended without answering.
		 */
		if (n == ARCHK_ERR_PEER_CLOSED || n == ARCHK_ERR_NOT_FOUND ||
		    n == ARCHK_ERR_BAD_ELF)
			printf("init: %s did not start: %s\n", argv[0], archk_strerror(n));
		return false;
	}
	for (long i = 0; i < n; i++) {
		const char *name = served[i].name[0] ? served[i].name : fallback;

		archk_handle_set(name, served[i].handle);
		if (init.served_count < MAX_SERVED)
			strlcpy(init.served[init.served_count++], name, ARCHK_NAME_MAX + 1);
	}
	return true;
}

/* Does device name match pattern (a trailing * matches any rest)? */
static bool matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '*')
		return strncmp(pattern, name, n - 1) == 0;
	return strcmp(pattern, name) == 0;
}

/* The names of the devices on the bus, into names (at most MAX_DEVICES); their count. */
static int device_names(char names[][ARCHK_NAME_MAX + 1])
{
	uint8_t buf[1024];
	uint64_t pos = 0;
	int count = 0;
	long n;

	while ((n = archk_do_io(ARCHK_IO_READ, archk_handle_named("devices"), (long)buf,
				sizeof(buf), (long)pos, 0)) > 0) {
		for (long off = 0; off < n && count < MAX_DEVICES;) {
			const struct archk_dirent *d = (const void *)(buf + off);

			snprintf(names[count++], ARCHK_NAME_MAX + 1, "%.*s", d->name_len, d->name);
			pos = d->next;
			off += d->reclen;
		}
	}
	return count;
}

/* "driver PATTERN PROGRAM [ARG...]": a driver for every device on the bus the pattern names. */
static void start_drivers(const char *pattern, const char **argv)
{
	char names[MAX_DEVICES][ARCHK_NAME_MAX + 1];
	int count = device_names(names);

	for (int i = 0; i < count; i++) {
		long dev;

		if (!matches(pattern, names[i]))
			continue;
		dev = archk_open(archk_handle_named("devices"), names[i], ARCHK_RIGHTS_SAME);
		if (dev < 0) {
			printf("init: cannot open device %s: %s\n", names[i], archk_strerror(dev));
			init.failures++;
			continue;
		}
		struct archk_spawn_handle h = {"device", (archk_handle_t)dev, ARCHK_RIGHTS_SAME};
		init.failures += !start_server(argv, &h, 1, names[i]);
		archk_handle_close((archk_handle_t)dev);
	}
}

/*
 * Takes the words "+NAME=HANDLE" out of argv (a server's handles: init's
 * HANDLE given as NAME); false if one names a handle init does not have.
 */
static bool take_handles(const char **argv, struct archk_spawn_handle *handles, uint32_t *count)
{
	int out = 0;

	*count = 0;
	for (int i = 0; argv[i]; i++) {
		const char *eq = argv[i][0] == '+' ? strchr(argv[i], '=') : NULL;
		struct archk_spawn_handle *h = &handles[*count];

		if (!eq || *count == ARCHK_SPAWN_HANDLES_MAX - 1) {
			argv[out++] = argv[i];
			continue;
		}
		snprintf(h->name, sizeof(h->name), "%.*s", (int)(eq - argv[i] - 1), argv[i] + 1);
		h->handle = archk_handle_named(eq + 1);
		h->rights = ARCHK_RIGHTS_SAME;
		if (h->handle == ARCHK_HANDLE_INVALID)
			return false;
		(*count)++;
	}
	argv[out] = NULL;
	return true;
}

/* "server NAME PROGRAM [ARG...] [+NAME=HANDLE...]": skipped if a handle is not there. */
static void start_named_server(const char *name, const char **argv)
{
	struct archk_spawn_handle handles[ARCHK_SPAWN_HANDLES_MAX];
	uint32_t count;

	if (take_handles(argv, handles, &count))
		init.failures += !start_server(argv, handles, count, name);
}

/* Mounts init's handle name at path (absolute) in the namespace every root handle sees. */
static void mount_one(const char *path, const char *name)
{
	archk_handle_t h = archk_handle_named(name);
	long err;

	while (*path == '/')
		path++;
	err = archk_do_io_handles(ARCHK_IO_SHARE, init.mount_root, (void *)path, strlen(path), 0,
				  &h, 1);
	if (err < 0) {
		printf("init: cannot mount %s at /%s: %s\n", name, path, archk_strerror(err));
		init.failures++;
	} else if (init.mounted_count < MAX_SERVED) {
		init.mounted[init.mounted_count++] = h;
	}
}

/*
 * "mount PATH NAME": init's handle NAME at PATH; nothing if init does not
 * have it. With a pattern, "mount DIR/ PREFIX" and a * after each, it mounts
 * each object a driver or server
 * answered with under a name that starts with PREFIX, at DIR/ and the rest
 * of its name (share/in at /share/in).
 */
static void mount(const char *path, const char *name)
{
	size_t path_len = strlen(path), name_len = strlen(name);
	char at[ARCHK_PATH_MAX + 1];

	if ((path[path_len - 1] == '*') != (name[name_len - 1] == '*')) {
		printf("init: /etc/init.conf: mount %s %s: both end in * or neither does\n", path,
		       name);
		init.failures++;
		return;
	}
	if (name[name_len - 1] != '*') {
		if (archk_handle_named(name) != ARCHK_HANDLE_INVALID)
			mount_one(path, name);
		return;
	}
	for (int i = 0; i < init.served_count; i++) {
		if (!matches(name, init.served[i]))
			continue;
		snprintf(at, sizeof(at), "%.*s%s", (int)path_len - 1, path,
			 init.served[i] + name_len - 1);
		mount_one(at, init.served[i]);
	}
}

/*
 * init keeps the right to mount to itself: the programs it runs get a root
 * without SET_PROPERTY (and so cannot change everyone's namespace).
 */
static void keep_mount_right(void)
{
	struct archk_handle_info info;
	long reduced;

	init.mount_root = archk_handle_named("root");
	if (archk_handle_info(init.mount_root, &info) < 0 ||
	    (reduced = archk_handle_duplicate(init.mount_root,
					      info.rights & ~ARCHK_RIGHT_SET_PROPERTY)) < 0)
		return;
	archk_handle_set("root", (archk_handle_t)reduced);
}

/* Is the console a terminal? Then the keys that end archk are worth a line. */
static int on_terminal(void)
{
	struct archk_meta meta;

	return archk_get_meta(archk_handle_named("in"), &meta) == 0 &&
	       (meta.flags & ARCHK_META_TERMINAL);
}

/* One line of the configuration; words[0] is its command. */
static void command(const char **words)
{
	const char *cmd = words[0];

	if (strcmp(cmd, "exit-status") == 0) {
		if (words[1] && !words[2] && strcmp(words[1], "last") == 0)
			init.rule = EXIT_LAST;
		else if (words[1] && !words[2] && strcmp(words[1], "summary") == 0)
			init.rule = EXIT_SUMMARY;
		else {
			printf("init: /etc/init.conf: exit-status wants 'last' or 'summary'\n");
			init.failures++;
		}
	} else if (strcmp(cmd, "driver") == 0 && words[1] && words[2]) {
		start_drivers(words[1], words + 2);
	} else if (strcmp(cmd, "server") == 0 && words[1] && words[2]) {
		start_named_server(words[1], words + 2);
	} else if (strcmp(cmd, "mount") == 0 && words[1] && words[2] && !words[3]) {
		mount(words[1], words[2]);
	} else if (strcmp(cmd, "run") == 0 && words[1]) {
		if (init.batch)
			return;
		init.commands++;
		init.last = run(words + 1, NULL, 0);
		init.failures += init.last != 0;
	} else {
		printf("init: /etc/init.conf: unknown or incomplete command '%s'\n", cmd);
		init.failures++;
	}
}

/* The batch program gets every handle init has, those it would not pass on by default too. */
static int run_batch(const char **argv)
{
	static const char *const privileged[] = {"resource", "devices"};
	struct archk_spawn_handle handles[2];
	uint32_t count = 0;

	for (size_t i = 0; i < sizeof(privileged) / sizeof(privileged[0]); i++) {
		archk_handle_t h = archk_handle_named(privileged[i]);

		if (h == ARCHK_HANDLE_INVALID)
			continue;
		handles[count] =
		    (struct archk_spawn_handle){.handle = h, .rights = ARCHK_RIGHTS_SAME};
		strlcpy(handles[count++].name, privileged[i], sizeof(handles[0].name));
	}
	return run(argv, handles, count);
}

/* Prints what the configuration's programs did; init's status by the configured rule. */
static int summarize(void)
{
	printf("init: %d command%s run, %d failed\n", init.commands, init.commands == 1 ? "" : "s",
	       init.failures);
	return init.rule == EXIT_SUMMARY ? init.failures != 0 : init.last;
}

/*
 * Commits what was written to the mounted filesystems (SYNC on each one's
 * root: the home's closed files, creates and renames), so that a clean end
 * of archk keeps them; only a kill loses what was never synced.
 */
static void sync_mounts(void)
{
	for (int i = 0; i < init.mounted_count; i++)
		archk_do_io(ARCHK_IO_SYNC, init.mounted[i], 0, 0, 0, 0);
}

/*
 * Waits until the console has written what every program wrote: the console
 * driver writes behind, and archk ends with init. (archk's own console, used
 * when no driver runs, is drained by archk itself and refuses SYNC.)
 */
static void sync_console(void)
{
	archk_do_io(ARCHK_IO_SYNC, archk_handle_named("out"), 0, 0, 0, 0);
	archk_do_io(ARCHK_IO_SYNC, archk_handle_named("err"), 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	const char *words[MAX_ARGS];
	char *conf = read_file("etc/init.conf");

	init.batch = argc > 2 && strcmp(argv[1], "--") == 0;
	keep_mount_right();
	if (!init.batch)
		printf("archk: init started (process %lu)%s\n", (unsigned long)archk_process_self(),
		       on_terminal() ? "; type Ctrl-a x to end archk" : "");
	if (!conf) {
		printf("init: cannot read /etc/init.conf\n");
		return 1;
	}
	for (char *line = conf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] != '#' && split(line, words, MAX_ARGS) > 0)
			command(words);
	}
	free(conf);
	/*
	 * A batch job does not run without what archk was asked for (a home
	 * that does not mount, a share whose driver failed): the failure's line
	 * is on err, and archk ends with 1.
	 */
	int status = !init.batch     ? summarize()
		     : init.failures ? 1
				     : run_batch((const char **)argv + 2);
	sync_mounts();
	sync_console();
	return status;
}
