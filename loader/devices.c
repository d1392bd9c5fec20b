/*
 * The devices of the boot info (devices.h). Host files are opened here, in
 * stage 1, because the sandbox forbids opening files once guests run; the
 * device models in host/ receive the descriptors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archk/device.h>
#include "../host/host.h"
#include "devices.h"

#define DISKS_MAX	   8
#define SHARES_MAX	   8
#define FIXED_DEVICES	   5 /* the console, entropy, the clock; room for the home and the socket device */
#define HOME_DEFAULT_BYTES (256ull << 20)
#define SHARE_PREFIX	   "share:"
#define SHARE_NAME_BYTES   (sizeof(((struct archk_boot_device *)0)->name) - sizeof(SHARE_PREFIX))

static struct archk_boot_device disks[DISKS_MAX], shares[SHARES_MAX], home;
static unsigned disk_count, share_count;

/* A device with name, kind and no host file yet. */
static struct archk_boot_device device(uint32_t kind, const char *name)
{
	struct archk_boot_device d = {.kind = kind, .host_fd = {-1, -1, -1}};

	snprintf(d.name, sizeof(d.name), "%s", name);
	return d;
}

/* A disk file's size in whole sectors. */
static uint64_t size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint64_t)st.st_size / ARCHK_BLK_SECTOR * ARCHK_BLK_SECTOR : 0;
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
	d->size = size_of(fd);
	d->flags = ro ? ARCHK_BOOT_DEVICE_RO : 0;
	return 0;
}

/* "N", "NK", "NM" or "NG" in bytes; 0 if it is not one. */
static uint64_t parse_size(const char *text)
{
	char *end;
	unsigned long long n = strtoull(text, &end, 10);
	int shift = 0;

	if (end == text || text[0] == '-')
		return 0;
	if (*end && !end[1])
		shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : -1;
	else if (*end)
		shift = -1;
	if (shift < 0 || n > (UINT64_MAX >> shift))
		return 0;
	return (uint64_t)n << shift;
}

/*
 * Opens the home file path, creating it sparse with size bytes if it is
 * missing (given_size: the command line named a size, which an existing
 * file must then have). The descriptor, or -1 with err set.
 */
static int open_home(const char *path, uint64_t size, bool given_size, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0) {
		if (ftruncate(fd, (off_t)size) == 0)
			return fd;
		snprintf(err, errlen, "--home %s: cannot make it %llu bytes: %s", path,
			 (unsigned long long)size, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (errno == EEXIST)
		fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		snprintf(err, errlen, "--home %s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
	else if (given_size && (uint64_t)st.st_size != size)
		snprintf(err, errlen,
			 "--home %s: the file has %llu bytes, not %llu (size= makes a new home)",
			 path, (unsigned long long)st.st_size, (unsigned long long)size);
	else
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

int devices_set_home(const char *spec, char *err, size_t errlen)
{
	static const uint64_t min = 1 << 20, max = 1ull << 40;
	char path[4096];
	size_t len = strcspn(spec, ",");
	const char *opt = spec + len;
	uint64_t size = HOME_DEFAULT_BYTES;
	int fd;

	if (home.kind) {
		snprintf(err, errlen, "--home %s: one home only", spec);
		return -1;
	}
	if (len == 0 || len >= sizeof(path) || (*opt && strncmp(opt, ",size=", 6) != 0)) {
		snprintf(err, errlen, "--home wants FILE[,size=N[K|M|G]], not '%s'", spec);
		return -1;
	}
	if (*opt && ((size = parse_size(opt + 6)) < min || size > max || size % ARCHK_BLK_SECTOR)) {
		snprintf(err, errlen, "--home %s: size= wants 1M to 1024G in whole sectors", spec);
		return -1;
	}
	memcpy(path, spec, len);
	path[len] = '\0';
	if ((fd = open_home(path, size, *opt != '\0', err, errlen)) < 0)
		return -1;
	home = device(ARCHK_DEVICE_BLOCK, "home-disk");
	home.host_fd[0] = fd;
	home.size = size_of(fd);
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
	if (home.kind)
		d[boot->device_count++] = home;
	if (host_opts.net) {
		raise_fd_limit();
		d[boot->device_count++] = device(ARCHK_DEVICE_SOCKET, "net");
	}
}
