/*
 * The devices stage 1 hands to the kernel (loader/devices.c): the console,
 * entropy and the clock always, the disks and shares of the command line,
 * their host files and directories opened before the sandbox closes, and
 * the socket device with --net (its policy goes to the host layer's options).
 */
#ifndef LOADER_DEVICES_H
#define LOADER_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <archk/bootinfo.h>

/*
 * --disk FILE[,ro][,direct]: opens FILE (which must exist) as the next disk,
 * disk0, disk1, ...; read-only, and with O_DIRECT (the host's page cache
 * bypassed). 0, or -1 with one line in err saying why.
 */
int devices_add_disk(const char *spec, char *err, size_t errlen);
/*
 * --share DIR[:NAME][,ro]: opens the directory DIR (O_PATH) as the share
 * "share:NAME". 0, or -1 with one line in err saying why.
 */
int devices_add_share(const char *spec, char *err, size_t errlen);
/*
 * --home FILE[,size=N[K|M|G]]: opens FILE as the block device "home-disk",
 * creating it sparse (size= bytes, 256 MiB by default) if it is missing;
 * an existing file keeps its size (and must have size= if one is given).
 * 0, or -1 with one line in err saying why.
 */
int devices_set_home(const char *spec, char *err, size_t errlen);
/* How many shares the command line attached. */
unsigned devices_share_count(void);
/*
 * --net-listen SPEC (listen true) or --net-connect SPEC: one more rule of the
 * socket device's policy (archk/net.h patterns); either enables the device.
 * 0, or -1 with one line in err saying why.
 */
int devices_net_rule(bool listen, const char *spec, char *err, size_t errlen);
/* Lists every device in boot (the socket device with --net). */
void devices_fill(struct archk_bootinfo *boot);

#endif
