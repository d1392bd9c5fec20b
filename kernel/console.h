/*
 * The console (console.c): the in, out and err objects on archk's stdio.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "io.h"

int console_init(const struct archk_bootinfo *boot);
/* The console objects behind in (0), out (1) and err (2). */
struct object *console_object(int which);

#endif
