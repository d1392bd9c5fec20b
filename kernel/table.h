/*
 * Tables (table.c): objects served by a user process.
 */
#ifndef KERNEL_TABLE_H
#define KERNEL_TABLE_H

#include "io.h"

int table_init(void);

#endif
