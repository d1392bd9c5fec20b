/*
 * Pipes: byte streams from a write end to a read end through a bounded
 * buffer in the kernel (pipe.c; docs/abi.md, "Pipes").
 */
#ifndef KERNEL_PIPE_H
#define KERNEL_PIPE_H

#include "syscall.h"

/* Registers the pipe type and its handlers and prepares its arenas at boot. */
int pipe_init(void);
/* pipe_create(out[2]): out[0] the read end, out[1] the write end. */
long sys_pipe_create(struct thread *t, struct syscall_args *args);

#endif
