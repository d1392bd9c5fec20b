/*
 * Paths, directory listings, the process table and running programs
 * (util.h): the object interface as the utilities use it.
 */
#include "util.h"

#define LISTING_BYTES 4096

long util_open(const char *path, uint32_t rights)
{
	return archk_open_path(path, rights);
}

long util_list_dir(archk_handle_t dir, long (*fn)(const struct archk_dirent *d, void *arg),
		   void *arg)
{
	static uint64_t records[LISTING_BYTES / 8];
	uint64_t position = 0;
	long n;

	while ((n = archk_pread(dir, records, sizeof(records), position)) > 0) {
		for (long at = 0; at < n;) {
			const struct archk_dirent *d = (const void *)((const char *)records + at);
			long stop = fn(d, arg);

			if (stop)
				return stop;
			position = d->next;
			at += d->reclen;
		}
	}
	return n;
}

long util_each_process(long (*fn)(const struct archk_process_record *r, void *arg), void *arg)
{
	static struct archk_process_record records[64];
	archk_handle_t table = archk_handle_named("process");
	uint64_t next = 0;
	long n;

	while ((n = archk_pread(table, records, sizeof(records), next)) > 0) {
		for (long i = 0; i < n / (long)sizeof(records[0]); i++) {
			long stop = fn(&records[i], arg);

			if (stop)
				return stop;
			next = records[i].koid + 1;
		}
	}
	return n;
}

long util_process_record(archk_koid_t koid, struct archk_process_record *out)
{
	long n = archk_pread(archk_handle_named("process"), out, sizeof(*out), koid);

	if (n < 0)
		return n;
	return n == sizeof(*out) && out->koid == koid ? 0 : ARCHK_ERR_NOT_FOUND;
}

const char *util_program_path(const char *name, char *buf, size_t size)
{
	const char *dirs = archk_getenv("PATH") ? archk_getenv("PATH") : "/bin";

	if (strchr(name, '/'))
		return name;
	while (*dirs) {
		const char *colon = strchr(dirs, ':');
		size_t len = colon ? (size_t)(colon - dirs) : strlen(dirs);
		long h;

		snprintf(buf, size, "%.*s/%s", (int)len, dirs, name);
		if ((h = util_open(buf, 0)) >= 0) {
			archk_handle_close((archk_handle_t)h);
			return buf;
		}
		dirs += len + (dirs[len] == ':');
	}
	/* Not found anywhere: the path in /bin says so when it is opened. */
	snprintf(buf, size, "/bin/%s", name);
	return buf;
}

long util_spawn(char *const *argv)
{
	char path[ARCHK_PATH_MAX + 1];

	return archk_spawn(util_program_path(argv[0], path, sizeof(path)),
			   (const char *const *)argv, NULL, 0);
}

int util_wait(archk_handle_t process)
{
	struct archk_exit_status st;
	long err = archk_process_wait(process, &st);

	if (err < 0)
		return 1;
	if (st.reason == ARCHK_EXIT_NORMAL)
		return st.code & 0xff;
	return 128 + (st.reason == ARCHK_EXIT_FAULT ? (int)st.signal : 9);
}
