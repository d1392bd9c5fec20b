/* What tests/unit/sched_fakes.c records of the scheduler's hook calls. */
#ifndef TESTS_UNIT_SCHED_STUBS_H
#define TESTS_UNIT_SCHED_STUBS_H

#include <stdint.h>

struct vcpu;

extern struct vcpu *fake_last_kick, *fake_last_interrupt;
extern int fake_kicks, fake_interrupts;
/* The last slice armed (-1: none yet); what hook_slice_left answers. */
extern int64_t fake_slice_armed, fake_slice_left;
extern bool fake_slice_pending; /* what hook_slice_pending answers */

#endif
