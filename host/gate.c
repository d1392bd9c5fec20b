/*
 * The C half of the call gate (host/gate.S has the assembly and the story;
 * docs/architecture.md, "The call gate"). A call through the gate is served
 * by kernel_gate_call with the kernel's own dispatcher, under the kernel lock
 * taken through hook_lock like every other kernel entry, and the lock is
 * never held across the return to the guest. Calls that block or switch
 * threads leave through the vCPU's run loop, like a trap.
 */
#include <stddef.h>
#include <sys/syscall.h>
#include "host.h"
#include "../kernel/syscall.h"

#ifndef ARCH_SET_GS
#define ARCH_SET_GS 0x1001
#endif

/* Labels in gate.S. */
extern const char host_gate_found[], host_gate_exit_check[], host_gate_exit_end[];

/* Sets the calling thread's GS base to e without touching thread-local
 * storage (gate_signal may run with the guest's FS base). */
static void set_gs_base(struct entry_block *e)
{
	if (host_have_fsgsbase) {
		__asm__ volatile("wrgsbase %0" ::"r"(e) : "memory");
		return;
	}
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(SYS_arch_prctl), "D"(ARCH_SET_GS), "S"(e)
			 : "rcx", "r11", "memory");
	(void)ret;
}

void gate_thread_init(struct host_vcpu *hv)
{
	struct entry_block *e = &hv->entry;

	e->self = e;
	e->magic = ENTRY_MAGIC_VALUE;
	e->host_fs = hv->block->host_fs;
	e->signal = hv->block;
	set_gs_base(e);
}

uint64_t gate_address(void)
{
	return (uint64_t)(uintptr_t)host_gate_entry;
}

/* The vCPU of an entry block. */
static struct host_vcpu *entry_vcpu(struct entry_block *e)
{
	return (struct host_vcpu *)((char *)e - offsetof(struct host_vcpu, entry));
}

/*
 * Called by gate.S on the vCPU's stack with archk's FS base, the caller's
 * state saved in ctx as after a trapped syscall. Returns if the caller goes
 * on at once; otherwise leaves through the run loop (EXIT_SERVED).
 */
void host_gate_call(struct entry_block *e, struct guest_context *ctx)
{
	struct host_vcpu *hv = entry_vcpu(e);
	struct guest_exit exit = {
	    .reason = EXIT_SYSCALL, .syscall_nr = (uint32_t)ctx->rax, .via_gate = 1};

	if (host_opts.gate_fault) {
		int *volatile bad = (int *)16; /* --debug-host-fault gate */

		*bad = 0;
	}
	ctx->full_restore = 0; /* as after a syscall: rcx and r11 are the caller's to lose */
	if (e->gate_step) {
		/* The step ends after the call, as a stepped syscall instruction's does. */
		e->gate_step = 0;
		ctx->rflags |= RFLAGS_TRAP;
	}
	hook_poll(&hv->k);
	if (kernel_gate_call(&hv->k, &exit))
		return;
	hv->exit->reason = EXIT_SERVED;
	host_resume_loop(&e->resume);
}

/*
 * Called by gate.S before archk's FS base is loaded (the guest's still is):
 * serves a lockless call (kernel/syscall.h) and returns true, or returns
 * false and the call goes to host_gate_call. Uses no thread-local storage.
 * Completions waiting on this vCPU's ring, a single step or a fault on
 * purpose send the call the locked way, which deals with them.
 */
__attribute__((no_stack_protector)) bool host_gate_lockless(struct entry_block *e,
							    struct guest_context *ctx)
{
	struct host_vcpu *hv = entry_vcpu(e);
	long result;

	if (e->gate_step || host_opts.gate_fault || ring_pending(&hv->ring) ||
	    !syscall_lockless(&hv->k, hv->k.current, (uint32_t)ctx->rax, &result))
		return false;
	ctx->rax = (uint64_t)result;
	return true;
}

/*
 * Called by gate.S when the slice ended between its last look at the note
 * and its jump back: the run loop sees the preemption as if it had come from
 * the guest at the return address, where the context already is.
 */
__attribute__((noreturn)) void host_gate_preempt(struct entry_block *e)
{
	struct host_vcpu *hv = entry_vcpu(e);

	e->ctx = NULL;
	e->preempt_pending = 0;
	hv->exit->reason = EXIT_PREEMPT;
	host_resume_loop(&e->resume);
}

bool gate_signal(int sig, ucontext_t *uc, struct signal_block *b)
{
	struct host_vcpu *hv = b->vcpu;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t pc = (uintptr_t)g[REG_RIP];

	if (!hv || !hv->entry.ctx)
		return false; /* not in a guest: the signal is archk's own business */
	if (sig == SIGTRAP && pc == (uintptr_t)host_gate_entry && (g[REG_EFL] & RFLAGS_TRAP)) {
		/* A single step jumped into the gate: the call is one step. */
		g[REG_EFL] &= ~(greg_t)RFLAGS_TRAP;
		hv->entry.gate_step = 1;
		return true;
	}
	if (sig != PREEMPT_SIGNAL && pc >= (uintptr_t)host_gate_entry &&
	    pc < (uintptr_t)host_gate_found) {
		/* The GS base did not lead to this vCPU: the guest changed it. */
		set_gs_base(&hv->entry);
		g[REG_RIP] = (greg_t)host_gate_entry;
		return true;
	}
	if (pc > (uintptr_t)host_gate_exit_check && pc < (uintptr_t)host_gate_exit_end)
		g[REG_RIP] = (greg_t)host_gate_exit_check; /* look at the note again */
	return false;
}
