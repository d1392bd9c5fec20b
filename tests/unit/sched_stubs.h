/* What tests/unit/sched_stubs.c records of the scheduler's hook calls. */
#ifndef TESTS_UNIT_SCHED_STUBS_H
#define TESTS_UNIT_SCHED_STUBS_H

#include <stdint.h>

struct vcpu;

extern struct vcpu *stub_last_kick, *stub_last_interrupt;
extern int stub_kicks, stub_interrupts;
/* The last slice armed (-1: none yet); what hook_slice_left answers. */
extern int64_t stub_slice_armed, stub_slice_left;

#endif
