/*
 * report: an example batch job for host folders (README, "Host folders").
 * It reads every file of the share "in" (the named handle share/in) and
 * writes share/out/report.txt, one line per file: its name, its size in
 * bytes and its number of lines, sorted by name; then it prints how many
 * files it looked at. Exits 1 if a share is missing or a file cannot be
 * read or written.
 *
 *   ./archk --share in:in,ro --share out:out rootfs.img -- /bin/report
 */
#include <archk/runtime.h>

#define FILES_MAX 256

struct entry {
	char name[ARCHK_NAME_BYTES_MAX + 1];
	uint64_t bytes, lines;
};

static archk_handle_t err_h;
static struct entry entries[FILES_MAX];
static int count;

static int fail(const char *what, long err)
{
	archk_dprintf(err_h, "report: %s: %s\n", what, archk_strerror(err));
	return 1;
}

/* Counts the bytes and lines of the file name in dir into e; 0 or an error. */
static long measure(archk_handle_t dir, struct entry *e)
{
	static char buf[65536];
	long f = archk_open(dir, e->name, ARCHK_RIGHT_READ), n;

	if (f < 0)
		return f;
	while ((n = archk_do_io(ARCHK_IO_READ, (archk_handle_t)f, (long)buf, sizeof(buf),
				(long)e->bytes, 0)) > 0) {
		e->bytes += (uint64_t)n;
		for (long i = 0; i < n; i++)
			e->lines += buf[i] == '\n';
	}
	archk_handle_close((archk_handle_t)f);
	return n;
}

/* The files of dir into entries, sorted by name; 0 or an error. */
static long list(archk_handle_t dir)
{
	static uint8_t buf[8192];
	long n;

	while ((n = archk_do_io(ARCHK_IO_READ, dir, (long)buf, sizeof(buf),
				(long)ARCHK_IO_OFFSET_CURRENT, 0)) > 0)
		for (long off = 0; off < n;
		     off += ((const struct archk_dirent *)(buf + off))->reclen) {
			const struct archk_dirent *d = (const void *)(buf + off);
			int at = count;

			if (d->kind != ARCHK_KIND_FILE || count == FILES_MAX)
				continue;
			while (at > 0 && strncmp(entries[at - 1].name, d->name,
						 sizeof(entries[0].name)) > 0) {
				entries[at] = entries[at - 1];
				at--;
			}
			memset(&entries[at], 0, sizeof(entries[at]));
			memcpy(entries[at].name, d->name, d->name_len);
			count++;
		}
	return n;
}

/* Writes the report as share/out/report.txt and syncs it; 0 or an error. */
static long write_report(archk_handle_t out)
{
	static char text[FILES_MAX * (ARCHK_NAME_BYTES_MAX + 48)];
	size_t used = 0;
	long f, err;

	for (int i = 0; i < count; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %lu %lu\n",
					 entries[i].name, (unsigned long)entries[i].bytes,
					 (unsigned long)entries[i].lines);
	f = archk_do_io(ARCHK_IO_CREATE, out, (long)"report.txt", 10,
			(long)(ARCHK_RIGHTS_SAME | ARCHK_CREATE_TRUNCATE), 0);
	if (f < 0)
		return f;
	err = archk_do_io(ARCHK_IO_WRITE, (archk_handle_t)f, (long)text, (long)used, 0, 0);
	if (err >= 0)
		err = archk_do_io(ARCHK_IO_SYNC, (archk_handle_t)f, 0, 0, 0, 0);
	archk_handle_close((archk_handle_t)f);
	return err;
}

int main(void)
{
	archk_handle_t in = archk_handle_named("share/in"), out = archk_handle_named("share/out");
	long err;

	err_h = archk_handle_named("err");
	if (in == ARCHK_HANDLE_INVALID || out == ARCHK_HANDLE_INVALID)
		return fail("needs the shares in and out (archk --share DIR:in --share DIR:out)",
			    ARCHK_ERR_NOT_FOUND);
	if ((err = list(in)) < 0)
		return fail("cannot list share/in", err);
	for (int i = 0; i < count; i++)
		if ((err = measure(in, &entries[i])) < 0)
			return fail(entries[i].name, err);
	if ((err = write_report(out)) < 0)
		return fail("cannot write share/out/report.txt", err);
	printf("report: %d files of share/in, written to share/out/report.txt\n", count);
	return 0;
}
