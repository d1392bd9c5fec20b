/*
 * Guest faults (fault.c): one line, and the process ends.
 */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H

#include "proc.h"

void fault_report(struct thread *t, const struct guest_exit *exit);

#endif
