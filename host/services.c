/*
 * Small host services for the kernel: clocks, randomness, log lines, panics
 * and debugger announcements.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>
#include "host.h"

int64_t hook_clock(int clock)
{
	struct timespec ts;

	clock_gettime(clock == ARCHK_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void hook_random(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) != (ssize_t)len)
		kpanic("getrandom failed");
}

/*
 * archk's own lines go to stderr at once, by the thread that has something
 * to say (under the kernel lock or not): a diagnostic must not wait behind
 * guest output, and a panic's last words must get out before archk exits.
 */
void hook_log_write(const char *line, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(STDERR_FILENO, line + done, len - done);

		if (n < 0 && errno != EINTR)
			return;
		done += n > 0 ? (size_t)n : 0;
	}
}

void hook_panic(void)
{
	terminal_restore();
	_exit(70);
}

/*
 * Debuggers: scripts/archk-gdb sets a breakpoint on these (they are never
 * inlined, and their arguments stay in rdi, rsi, rdx, rcx, r8) to add and
 * remove a guest's symbols at its load bias.
 */
__attribute__((noinline, used)) void archk_debug_image_loaded(const char *path, uintptr_t bias,
							      uint64_t koid, const uint8_t *file,
							      size_t size)
{
	__asm__ volatile("" ::"r"(path), "r"(bias), "r"(koid), "r"(file), "r"(size) : "memory");
}

__attribute__((noinline, used)) void archk_debug_image_unloaded(const char *path, uintptr_t bias,
								uint64_t koid)
{
	__asm__ volatile("" ::"r"(path), "r"(bias), "r"(koid) : "memory");
}

void hook_image_loaded(const char *path, uintptr_t bias, uint64_t koid, const uint8_t *file,
		       size_t size)
{
	klog(LOG_INFO, "loaded /%s at %#lx for process %lu", path, (unsigned long)bias,
	     (unsigned long)koid);
	archk_debug_image_loaded(path, bias, koid, file, size);
}

void hook_image_unloaded(const char *path, uintptr_t bias, uint64_t koid)
{
	archk_debug_image_unloaded(path, bias, koid);
}
