/*
 * I/O queues (ioq.c): request and completion rings shared with a guest,
 * taken on ioq_enter or by idle vCPUs.
 */
#ifndef KERNEL_IOQ_H
#define KERNEL_IOQ_H

#include "io.h"

int ioq_init(void);
/* A ring request finished: its completion is written now or when the client opens. */
void ioq_request_done(struct io_req *r);
/* Takes requests from polled queues on an idle vCPU; true if it did any work. */
bool ioq_poll_idle(struct vcpu *v);
/* Nanoseconds an idle vCPU may sleep before polling queues again; 0: no limit. */
int64_t ioq_poll_interval(void);
/* --strict-buffers: gives r's buffer back to its guest (before archk writes into it). */
void ioq_unguard(struct io_req *r);
/* --strict-buffers: does [addr, addr+len) touch a page an in-flight request owns? */
bool ioq_range_guarded(const struct process *p, uintptr_t addr, size_t len);
/* --strict-buffers: p's partition was opened again; its owned buffers stay closed. */
void ioq_guard_owned(struct process *p);

#endif
