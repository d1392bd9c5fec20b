/*
 * The devices of the boot info (devices.h). Host files are opened here, in
 * stage 1, because the sandbox forbids opening files once guests run; the
 * device models in host/ receive the descriptors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archk/device.h>
#include "../host/host.h"
#include "devices.h"

#define DISKS_MAX	 8
#define SHARES_MAX	 8
#define FIXED_DEVICES	 4 /* the console, entropy, the clock and room for the socket device */
#define SHARE_PREFIX	 "share:"
#define SHARE_NAME_BYTES (sizeof(((struct archk_boot_device *)0)->name) - sizeof(SHARE_PREFIX))

static struct archk_boot_device disks[DISKS_MAX], shares[SHARES_MAX];
static unsigned disk_count, share_count;

/* A device with name, kind and no host file yet. */
static struct archk_boot_device device(uint32_t kind, const char *name)
{
	struct archk_boot_device d = {.kind = kind, .host_fd = {-1, -1, -1}};

	snprintf(d.name, sizeof(d.name), "%s", name);
	return d;
}

/*
 * The options after the file name (",ro", ",direct"); 0, or -1 with err set.
 * A file name with a comma in it cannot be given.
 */
static int disk_options(const char *opts, bool *ro, bool *direct, char *err, size_t errlen)
{
	*ro = *direct = false;
	while (*opts == ',') {
		size_t n = strcspn(opts + 1, ",");

		if (n == 2 && strncmp(opts + 1, "ro", 2) == 0)
			*ro = true;
		else if (n == 6 && strncmp(opts + 1, "direct", 6) == 0)
			*direct = true;
		else {
			snprintf(err, errlen, "--disk: unknown option '%.*s' (ro or direct)",
				 (int)n, opts + 1);
			return -1;
		}
		opts += n + 1;
	}
	return 0;
}

int devices_add_disk(const char *spec, char *err, size_t errlen)
{
	char path[4096];
	bool ro, direct;
	size_t len = strcspn(spec, ",");
	struct archk_boot_device *d;
	struct stat st;
	char name[16];
	int fd;

	if (disk_count == DISKS_MAX ||
	    FIXED_DEVICES + disk_count + share_count == ARCHK_BOOT_DEVICES_MAX) {
		snprintf(err, errlen, "--disk %s: at most %d disks", spec, DISKS_MAX);
		return -1;
	}
	if (len == 0 || len >= sizeof(path)) {
		snprintf(err, errlen, "--disk wants FILE[,ro][,direct], not '%s'", spec);
		return -1;
	}
	if (disk_options(spec + len, &ro, &direct, err, errlen) < 0)
		return -1;
	memcpy(path, spec, len);
	path[len] = '\0';
	fd = open(path, (ro ? O_RDONLY : O_RDWR) | (direct ? O_DIRECT : 0) | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--disk %s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(name, sizeof(name), "disk%u", disk_count);
	d = &disks[disk_count++];
	*d = device(ARCHK_DEVICE_BLOCK, name);
	d->host_fd[0] = fd;
	d->size = (uint64_t)st.st_size / ARCHK_BLK_SECTOR * ARCHK_BLK_SECTOR;
	d->flags = ro ? ARCHK_BOOT_DEVICE_RO : 0;
	return 0;
}

/* Is name a share's NAME: 1 to SHARE_NAME_BYTES of letters, digits, '.', '_', '-', not only dots?
 */
static bool share_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > SHARE_NAME_BYTES || strspn(name, ".") == len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

/*
 * Splits "DIR[:NAME][,ro]" into path (which it writes) and the name: what
 * follows the last ':' if that holds no '/', else DIR's last component.
 * NULL if the spec has no DIR.
 */
static const char *share_spec(const char *spec, char *path, size_t path_size, bool *ro)
{
	const char *comma = strrchr(spec, ',');
	size_t len;
	char *colon;

	*ro = comma && strcmp(comma, ",ro") == 0;
	len = *ro ? (size_t)(comma - spec) : strlen(spec);
	if (len >= path_size)
		return NULL;
	memcpy(path, spec, len);
	path[len] = '\0';
	colon = strrchr(path, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		return path[0] ? colon + 1 : NULL;
	}
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	return path[0] ? (strrchr(path, '/') ? strrchr(path, '/') + 1 : path) : NULL;
}

/* Why the share named name (the bus name bus_name) cannot be added, in err; 0 if it can. */
static int share_refused(const char *spec, const char *name, const char *bus_name, char *err,
			 size_t errlen)
{
	if (!share_name_ok(name, strlen(name)))
		snprintf(err, errlen,
			 "--share %s: the share's NAME ('%s') must be 1 to %zu letters, digits, "
			 "'.', '_' or '-' (give one with DIR:NAME)",
			 spec, name, SHARE_NAME_BYTES);
	else if (share_count == SHARES_MAX ||
		 FIXED_DEVICES + disk_count + share_count == ARCHK_BOOT_DEVICES_MAX)
		snprintf(err, errlen, "--share %s: at most %d shares, and %d devices in all", spec,
			 SHARES_MAX, ARCHK_BOOT_DEVICES_MAX - FIXED_DEVICES);
	else
		for (unsigned i = 0; i < share_count; i++)
			if (strcmp(shares[i].name, bus_name) == 0) {
				snprintf(err, errlen, "--share %s: another share is named '%s'",
					 spec, name);
				return -1;
			}
	return err[0] ? -1 : 0;
}

int devices_add_share(const char *spec, char *err, size_t errlen)
{
	char path[4096], bus_name[sizeof(disks[0].name)];
	struct archk_boot_device *d;
	const char *name;
	bool ro;
	int fd;

	if (!(name = share_spec(spec, path, sizeof(path), &ro))) {
		snprintf(err, errlen, "--share wants DIR[:NAME][,ro], not '%s'", spec);
		return -1;
	}
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "--share %s: %s", path, strerror(errno));
		return -1;
	}
	err[0] = '\0';
	snprintf(bus_name, sizeof(bus_name), SHARE_PREFIX "%.*s", (int)SHARE_NAME_BYTES, name);
	if (share_refused(spec, name, bus_name, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	d = &shares[share_count++];
	*d = device(ARCHK_DEVICE_SHARE, bus_name);
	d->host_fd[0] = fd;
	d->flags = ro ? ARCHK_BOOT_DEVICE_RO : 0;
	return 0;
}

unsigned devices_share_count(void)
{
	return share_count;
}

int devices_net_rule(bool listen, const char *spec, char *err, size_t errlen)
{
	struct net_rules *rules = listen ? &host_opts.net_listen : &host_opts.net_connect;
	const char *option = listen ? "--net-listen" : "--net-connect";

	if (rules->count == NET_RULES_MAX) {
		snprintf(err, errlen, "%s %s: at most %d rules", option, spec, NET_RULES_MAX);
		return -1;
	}
	if (archk_net_parse_pattern(spec, strlen(spec), &rules->rule[rules->count]) < 0) {
		snprintf(
		    err, errlen,
		    "%s wants ADDR:PORT or ADDR:PORT-PORT (ADDR: an IPv4 address, [IPv6] or *, "
		    "with an optional /BITS; PORT may be *), not '%s'",
		    option, spec);
		return -1;
	}
	rules->count++;
	host_opts.net = true;
	return 0;
}

/*
 * The socket device's sockets are host descriptors: let archk have as many
 * as the hard limit allows, up to what the device may open and a margin.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = 4096;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

void devices_fill(struct archk_bootinfo *boot)
{
	struct archk_boot_device *d = boot->devices;
	int urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	d[0] = device(ARCHK_DEVICE_CONSOLE, "console");
	d[0].host_fd[0] = STDIN_FILENO;
	d[0].host_fd[1] = STDOUT_FILENO;
	d[0].host_fd[2] = STDERR_FILENO;
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd) == 1)
			d[0].flags |= ARCHK_BOOT_DEVICE_TERMINAL << fd;
	d[1] = device(ARCHK_DEVICE_ENTROPY, "rng");
	d[1].host_fd[0] = urandom;
	d[2] = device(ARCHK_DEVICE_CLOCK, "clock");
	boot->device_count = 3;
	for (unsigned i = 0; i < disk_count; i++)
		d[boot->device_count++] = disks[i];
	for (unsigned i = 0; i < share_count; i++)
		d[boot->device_count++] = shares[i];
	if (host_opts.net) {
		raise_fd_limit();
		d[boot->device_count++] = device(ARCHK_DEVICE_SOCKET, "net");
	}
}
