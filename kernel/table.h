/*
 * Tables (table.c): objects served by a user process.
 */
#ifndef KERNEL_TABLE_H
#define KERNEL_TABLE_H

#include "io.h"

int table_init(void);
/*
 * Queues r, an operation with in-data on a served object whose in-data the
 * caller has staged already (a path below a mount, mount.c), for the server.
 */
long served_forward_staged(struct io_req *r);

#endif
