/*
 * Guest faults end the faulting process, never archk: one line says which
 * process, which signal, the data address and the symbolized program counter,
 * and the parent's process_wait reports ARCHK_EXIT_FAULT.
 */
#include <stdio.h>
#include <string.h>
#include "fault.h"
#include "vm.h"

#define HOST_SIGTRAP 5

/* "hello+0x1234 (main)" when pc is inside the executable, else the bare address. */
static void symbolize(const struct process *p, uint64_t pc, char *out, size_t size)
{
	const char *image = strrchr(p->image_path, '/');
	char function[128];

	image = image ? image + 1 : p->image_path;
	if (!p->image || pc < p->bias || pc >= p->image_end) {
		snprintf(out, size, "%#lx", (unsigned long)pc);
		return;
	}
	if (hook_symbolize(p->image->data, p->image->size, pc - p->bias, function,
			   sizeof(function)) == 0)
		snprintf(out, size, "%s+%#lx (%s)", image, (unsigned long)(pc - p->bias), function);
	else
		snprintf(out, size, "%s+%#lx", image, (unsigned long)(pc - p->bias));
}

void fault_report(struct thread *t, const struct guest_exit *exit)
{
	struct process *p = t->proc;
	struct archk_exit_status status = {
	    .reason = ARCHK_EXIT_FAULT,
	    .signal = (uint32_t)exit->signal,
	    .fault_addr = exit->fault_addr,
	    .fault_pc = t->ctx->rip,
	};
	char where[ARCHK_PATH_MAX + 192];

	/* int3 reports the address after the breakpoint instruction. */
	if (exit->signal == HOST_SIGTRAP && status.fault_pc > 0)
		status.fault_pc--;
	symbolize(p, status.fault_pc, where, sizeof(where));
	klog(LOG_ERROR, "%s[%lu]: %s at address %#lx, pc %s", p->name, (unsigned long)p->obj.koid,
	     exit->signal_name, (unsigned long)exit->fault_addr, where);
	process_exit(p, &status);
}
