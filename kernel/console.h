/*
 * The console (console.c): the in, out and err objects on archk's stdio.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "io.h"

int console_init(const struct archk_bootinfo *boot);
/* The console objects behind in (0), out (1) and err (2). */
struct object *console_object(int which);
/*
 * A vCPU enters its run loop: a terminal is read from then on (its first
 * host read needs a vCPU's ring), so that Ctrl-C and Ctrl-a x work before
 * any program reads.
 */
void console_vcpu_started(void);

/*
 * Handing the terminal to the console device (host/dev_console.c). While a
 * driver runs that device, the input of `in` goes to it instead of to READs
 * of `in` (which then return BAD_STATE): ready(ctx) is called whenever input
 * is queued or the input has ended, and the device takes it with
 * console_input_take. NULL gives the input back to `in`.
 */
struct console_input_sink {
	void (*ready)(void *ctx);
	void *ctx;
};
void console_input_redirect(const struct console_input_sink *sink);
/*
 * Up to len bytes of queued input: their count, 0 if none is queued (and
 * *ended says whether the input has ended: none will come). A device with
 * room for input that finds none asks for more this way (the host read
 * starts if it is not running).
 */
size_t console_input_take(void *buf, size_t len, bool *ended);
/* Is stdin (0), stdout (1) or stderr (2) a terminal? */
bool console_is_terminal(int which);

#endif
