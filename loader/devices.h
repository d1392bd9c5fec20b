/*
 * The devices stage 1 hands to the kernel (loader/devices.c): the console,
 * entropy and the clock always, and the disks of the command line, their
 * host files opened before the sandbox closes.
 */
#ifndef LOADER_DEVICES_H
#define LOADER_DEVICES_H

#include <archk/bootinfo.h>

/*
 * --disk FILE[,ro][,direct]: opens FILE (which must exist) as the next disk,
 * disk0, disk1, ...; read-only, and with O_DIRECT (the host's page cache
 * bypassed). 0, or -1 with one line in err saying why.
 */
int devices_add_disk(const char *spec, char *err, size_t errlen);
/* Lists every device in boot. */
void devices_fill(struct archk_bootinfo *boot);

#endif
