/*
 * The process table's view of processes: READ lists them as struct
 * archk_process_record, OPEN of a decimal koid gives a handle to one, and
 * the vCPU time of each thread is accounted for it (docs/abi.md 8.5a).
 */
#ifndef KERNEL_PROCTABLE_H
#define KERNEL_PROCTABLE_H

#include "proc.h"

/* Registers READ and OPEN on the kernel's process table (the spawner). */
void proctable_init(void);

/*
 * CPU time: a vCPU times one thread at a time, from when it takes the vCPU
 * (cpu_account_switch, called as a thread is entered) until another takes it,
 * the vCPU idles (cpu_account_stop) or the thread is released
 * (cpu_account_release, which also adds it to its process's total).
 */
void cpu_account_switch(struct vcpu *v, struct thread *t);
void cpu_account_stop(struct vcpu *v);
void cpu_account_release(struct thread *t);

#endif
