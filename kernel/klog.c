/*
 * Kernel log lines: "archk: message", written by the host to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include "kernel.h"

struct kernel_config kconfig;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "archk: %s", prefix);

	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	hook_log_write(line, (size_t)n);
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > kconfig.log_level)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void kpanic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("panic: ", fmt, ap);
	va_end(ap);
	hook_panic();
}
