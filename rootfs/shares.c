/*
 * shares PROGRAM [ARG...]: gives PROGRAM the host folders archk was started
 * with (--share DIR:NAME): for each device share:NAME on the bus (the
 * "devices" handle) it starts /drivers/share and hands the directory it
 * serves to PROGRAM as the named handle share/NAME. Exits with PROGRAM's
 * status (128+N if a fault with signal N ended it), after which the drivers
 * end with their last handle. A batch job's launcher until init gives
 * batch programs the shares itself:
 *
 *   ./archk --share in:in,ro --share out:out rootfs.img -- /bin/shares /bin/report
 */
#include <archk/runtime.h>

#define SHARES_MAX 8
#define PREFIX	   "share:"

static archk_handle_t err_h;

static int fail(const char *what, const char *name, long err)
{
	archk_dprintf(err_h, "shares: %s%s%s: %s\n", what, name ? " " : "", name ? name : "",
		      archk_strerror(err));
	return 1;
}

/*
 * Starts the share driver for the bus device named device; the root of the
 * share it serves, or an error (the driver said why on err).
 */
static long start_driver(archk_handle_t bus, const char *device)
{
	static const char *const argv[] = {"/drivers/share", NULL};
	long dev = archk_do_io(ARCHK_IO_OPEN, bus, (long)device, (long)strlen(device),
			       ARCHK_RIGHTS_SAME, 0);
	long root;

	if (dev < 0)
		return dev;
	struct archk_spawn_handle hs[] = {{"device", (archk_handle_t)dev, ARCHK_RIGHTS_SAME}};
	root = archk_spawn_server(argv, hs, 1, NULL);
	archk_handle_close((archk_handle_t)dev);
	return root;
}

/*
 * The shares on the bus: a named handle share/NAME for each; their count,
 * or an error (with the device whose driver failed in failed).
 */
static long start_all(struct archk_spawn_handle *hs, char *failed)
{
	archk_handle_t bus = archk_handle_named("devices");
	uint8_t buf[1024];
	uint64_t pos = 0;
	long n, count = 0;

	if (bus == ARCHK_HANDLE_INVALID)
		return ARCHK_ERR_NOT_FOUND;
	while ((n = archk_do_io(ARCHK_IO_READ, bus, (long)buf, sizeof(buf), (long)pos, 0)) > 0)
		for (long off = 0; off < n;) {
			const struct archk_dirent *d = (const void *)(buf + off);
			char device[ARCHK_NAME_MAX + 1];
			long root;

			off += d->reclen;
			pos = d->next;
			if (d->name_len <= strlen(PREFIX) || d->name_len > ARCHK_NAME_MAX ||
			    memcmp(d->name, PREFIX, strlen(PREFIX)) != 0 || count == SHARES_MAX)
				continue;
			memcpy(device, d->name, d->name_len);
			device[d->name_len] = '\0';
			if ((root = start_driver(bus, device)) < 0) {
				strcpy(failed, device);
				return root;
			}
			snprintf(hs[count].name, sizeof(hs[count].name), "share/%s",
				 device + strlen(PREFIX));
			hs[count].handle = (archk_handle_t)root;
			hs[count++].rights = ARCHK_RIGHTS_SAME;
		}
	return n < 0 ? n : count;
}

int main(int argc, char **argv)
{
	struct archk_spawn_handle hs[SHARES_MAX];
	char failed[ARCHK_NAME_MAX + 1] = "";
	struct archk_exit_status st;
	long count, p, err;

	err_h = archk_handle_named("err");
	if (argc < 2) {
		archk_dprintf(err_h, "usage: shares PROGRAM [ARG...]\n");
		return 2;
	}
	if ((count = start_all(hs, failed)) < 0)
		return fail(failed[0] ? "cannot start the driver of" : "cannot list the devices",
			    failed[0] ? failed : NULL, count);
	p = archk_spawn(argv[1], (const char *const *)argv + 1, hs, (uint32_t)count);
	for (long i = 0; i < count; i++)
		archk_handle_close(hs[i].handle);
	if (p < 0)
		return fail("cannot run", argv[1], p);
	if ((err = archk_process_wait((archk_handle_t)p, &st)) < 0)
		return fail("cannot wait for", argv[1], err);
	if (st.reason == ARCHK_EXIT_NORMAL)
		return st.code;
	return 128 + (st.reason == ARCHK_EXIT_FAULT ? (int)st.signal : 9);
}
