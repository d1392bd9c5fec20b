/* What tests/unit/sched_stubs.c records of the scheduler's hook calls. */
#ifndef TESTS_UNIT_SCHED_STUBS_H
#define TESTS_UNIT_SCHED_STUBS_H

struct vcpu;

extern struct vcpu *stub_last_kick, *stub_last_interrupt;
extern int stub_kicks, stub_interrupts;

#endif
