/*
 * Definitions shared by every kernel file: logging, panics, limits, and the
 * kernel-wide configuration taken from the boot-info structure.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <archk/bootinfo.h>
#include <archk/errors.h>
#include <archk/object.h>
#include <archk/rights.h>
#include <archk/syscall.h>
#include "hooks.h"

#define PAGE_SIZE	 4096UL
#define ALIGN_UP(x, a)	 (((x) + ((a)-1)) & ~((uintptr_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uintptr_t)(a)-1))
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* The configuration the kernel runs with, copied from boot info. */
struct kernel_config {
	const struct archk_bootinfo *boot;
	int isolation;
	int log_level;
	bool trace;
	bool strict_buffers; /* --strict-buffers (io.c) */
	int64_t slice_ns;    /* the timeslice */
};

extern struct kernel_config kconfig;

/* Prints one line prefixed with "archk: " if level is enabled. */
void klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a broken kernel invariant and stops archk. */
__attribute__((noreturn)) void kpanic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KASSERT(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			kpanic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);         \
	} while (0)

/*
 * The kernel lock (hooks.h): functions that read or change kernel state
 * assert that the calling host thread owns it.
 */
#define ASSERT_LOCKED() KASSERT(hook_lock_held())

/* Stage 2 of the boot: starts init and returns; vCPUs then run kernel_vcpu_run. */
int kernel_main(const struct archk_bootinfo *boot);

#endif
