/*
 * The console (console.c): the in, out and err objects on archk's stdio.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "io.h"

int console_init(const struct archk_bootinfo *boot);
/* The console objects behind in (0), out (1) and err (2). */
struct object *console_object(int which);
/*
 * A vCPU enters its run loop: a terminal is read from then on (its first
 * host read needs a vCPU's ring), so that Ctrl-C and Ctrl-a x work before
 * any program reads.
 */
void console_vcpu_started(void);

#endif
