/*
 * The devices of the boot info (devices.h). Host files are opened here, in
 * stage 1, because the sandbox forbids opening files once guests run; the
 * device models in host/ receive the descriptors.
 */
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

#define DISKS_MAX 8

static struct archk_boot_device disks[DISKS_MAX];
static unsigned disk_count;

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

	if (disk_count == DISKS_MAX) {
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
	if (host_opts.net) {
		raise_fd_limit();
		d[boot->device_count++] = device(ARCHK_DEVICE_SOCKET, "net");
	}
}
