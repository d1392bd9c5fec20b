/*
 * Running a program and waiting for it, as the launchers and servers in
 * front of a program do (netrun, netfw, httpd's tests): rootfs/lib/launch.c.
 */
#ifndef ROOTFS_LIB_LAUNCH_H
#define ROOTFS_LIB_LAUNCH_H

#include <archk/runtime.h>

/* The status a shell reports for an ended process: its code, 128 + a fault's signal, 137. */
int launch_status(const struct archk_exit_status *st);
/* Waits for process, closes its handle, and returns launch_status (or 1 if the wait fails). */
int launch_wait(archk_handle_t process);

#endif
