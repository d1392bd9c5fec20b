/*
 * The call gate (docs/abi.md, "The call gate"; docs/architecture.md, "The
 * call gate"): a function in archk's code that a guest calls, with the
 * registers of a syscall instruction (rax the number, rdi, rsi, rdx, r10,
 * r8, r9 the arguments), to make a system call without trapping.
 *
 * It finds its vCPU's entry block through the GS base, saves the caller's
 * state in the thread's guest context exactly as a trapped syscall leaves
 * it there (rip the return address, rcx = rip, r11 = rflags), plus what the
 * SysV ABI makes a callee keep (MXCSR and the x87 control word go into the
 * FPU image), switches to the vCPU's stack, a clean rflags, MXCSR and x87
 * control word and archk's FS base, and calls host_gate_call (host/gate.c),
 * which serves the call with the kernel's dispatcher. (The few calls that
 * need neither the kernel lock nor archk's thread-local storage are served
 * first, by host_gate_lockless, without switching the FS base.) If the
 * caller goes on at once, host_gate_call returns and the gate restores the
 * caller's state and jumps to its return address; otherwise it leaves
 * through the run loop, which later enters the thread at the same return
 * address with only what the ABI requires restored.
 *
 * Nothing the caller leaves in its registers, flags or stack reaches archk's
 * code: only the saved context is read, and the dispatcher checks every
 * argument as for a trapped call. gate.c's gate_signal handles the signals
 * that interrupt the gate: a GS base the guest changed (repaired, and the
 * call started again), a single step into the gate, and a preemption between
 * the gate's last look at the note and its jump back.
 */
#include "../kernel/context.h"
#include "entry.h"

#define FPU_MXCSR	24	/* offsets in the FPU image (FXSAVE layout) */
#define FPU_XSTATE_BV	512
#define XSTATE_X87_SSE	3
#define GATE_STACK_GAP	128	/* below the run loop's resume point nothing is live */

/*
 * Where the CPU has protection keys, archk's own memory would be opened here
 * (wrpkru with its key allowed) for the code that serves the call, and closed
 * again before the caller resumes; the trap path would do the same around
 * host_signal_from_guest and the entries. These CPUs have none, so the hooks
 * are empty: docs/architecture.md, "The call gate".
 */
.macro ARCHK_MEMORY_OPEN
.endm
.macro ARCHK_MEMORY_CLOSE
.endm

/* Sets the FS base to the value at \src (a memory operand); clobbers rax,
 * and rcx, rdi, rsi, r11 without FSGSBASE (arch_prctl). */
.macro SET_FS src
	cmpb	$0, host_have_fsgsbase(%rip)
	je	91f
	mov	\src, %rax
	wrfsbase %rax
	jmp	92f
91:	mov	\src, %rsi
	mov	$NR_ARCH_PRCTL, %eax
	mov	$ARCH_SET_FS, %edi
	syscall
92:
.endm

/* SET_FS, unless archk's FS base stayed loaded while the guest ran
 * (signal_block.host_fs_kept, found through the entry block at %r12). */
.macro SWITCH_FS src
	mov	ENTRY_SIGNAL(%r12), %rax
	cmpq	$0, BLOCK_HOST_FS_KEPT(%rax)
	jne	93f
	SET_FS	\src
93:
.endm

/* Switches to the gate's stack, below the resume point of the entry block
 * at %r12. */
.macro GATE_STACK
	mov	ENTRY_RESUME_RSP(%r12), %rsp
	sub	$GATE_STACK_GAP, %rsp
	and	$-16, %rsp
.endm

/* Clean flags and archk's MXCSR and x87 control word; archk's memory open. */
.macro ARCHK_STATE
	pushq	$RFLAGS_INITIAL
	popfq
	ldmxcsr	host_gate_mxcsr(%rip)
	fldcw	host_gate_fcw(%rip)
	ARCHK_MEMORY_OPEN
.endm

	.text
	.globl	host_gate_entry
	.type	host_gate_entry, @function
host_gate_entry:
	/* rcx and r11 are free, as after a syscall. A fault or the ud2 before
	 * host_gate_found means the GS base is not archk's: gate_signal. */
	mov	%gs:ENTRY_SELF, %r11
	cmp	ENTRY_SELF(%r11), %r11
	jne	1f
	movabs	$ENTRY_MAGIC_VALUE, %rcx
	cmp	ENTRY_MAGIC(%r11), %rcx
	jne	1f
	mov	ENTRY_CTX(%r11), %rcx
	test	%rcx, %rcx
	jnz	host_gate_found
1:	ud2
	.globl	host_gate_found
host_gate_found:
	mov	%rax, CTX_RAX(%rcx)
	mov	%rbx, CTX_RBX(%rcx)
	mov	%rdx, CTX_RDX(%rcx)
	mov	%rsi, CTX_RSI(%rcx)
	mov	%rdi, CTX_RDI(%rcx)
	mov	%rbp, CTX_RBP(%rcx)
	mov	%r8, CTX_R8(%rcx)
	mov	%r9, CTX_R9(%rcx)
	mov	%r10, CTX_R10(%rcx)
	mov	%r12, CTX_R12(%rcx)
	mov	%r13, CTX_R13(%rcx)
	mov	%r14, CTX_R14(%rcx)
	mov	%r15, CTX_R15(%rcx)
	mov	%rcx, %rbx		/* rbx: the context, r12: the entry block */
	mov	%r11, %r12
	/* The return address (a bad stack faults here: the guest's fault). */
	mov	(%rsp), %rax
	mov	%rax, CTX_RIP(%rbx)
	mov	%rax, CTX_RCX(%rbx)
	lea	8(%rsp), %rax
	mov	%rax, CTX_RSP(%rbx)
	GATE_STACK
	pushfq
	pop	%rax
	mov	%rax, CTX_RFLAGS(%rbx)
	mov	%rax, CTX_R11(%rbx)
	stmxcsr	CTX_FPU+FPU_MXCSR(%rbx)
	fnstcw	CTX_FPU(%rbx)
	orq	$XSTATE_X87_SSE, CTX_FPU+FPU_XSTATE_BV(%rbx)
	cmpb	$0, host_have_fsgsbase(%rip)
	je	2f
	rdfsbase %rax			/* without FSGSBASE it is ctx->fs_base already */
	mov	%rax, CTX_FSBASE(%rbx)
2:	movq	$0, ENTRY_CTX(%r12)	/* from here on a fault is archk's */
	ARCHK_STATE
	/* Calls that need neither the lock nor archk's FS base (the guest's is
	 * still loaded): host_gate_lockless serves them, or declines. */
	mov	%r12, %rdi
	mov	%rbx, %rsi
	call	host_gate_lockless
	test	%al, %al
	jnz	4f
	SWITCH_FS ENTRY_HOST_FS(%r12)
	mov	%r12, %rdi
	mov	%rbx, %rsi
	call	host_gate_call		/* returns only if the caller goes on at once */
	SWITCH_FS CTX_FSBASE(%rbx)

	/* Back to the caller with what the ABI makes a callee keep. */
4:	ARCHK_MEMORY_CLOSE
	ldmxcsr	CTX_FPU+FPU_MXCSR(%rbx)
	fldcw	CTX_FPU(%rbx)
	mov	%rbx, ENTRY_CTX(%r12)	/* a fault is the guest's again */
	testl	$(RFLAGS_ALIGN | RFLAGS_DIRECTION), CTX_RFLAGS(%rbx)
	jz	3f
	pushq	CTX_RFLAGS(%rbx)	/* its AC and DF as they were (never TF here) */
	popfq
3:	mov	%r12, %rdx
	mov	%rbx, %rsi
	mov	CTX_RAX(%rsi), %rax
	mov	CTX_RBX(%rsi), %rbx
	mov	CTX_RBP(%rsi), %rbp
	mov	CTX_R12(%rsi), %r12
	mov	CTX_R13(%rsi), %r13
	mov	CTX_R14(%rsi), %r14
	mov	CTX_R15(%rsi), %r15
	mov	CTX_RIP(%rsi), %rcx
	mov	CTX_RSP(%rsi), %rsp
	/* A preemption noted after this look is rewound to it (gate_signal). */
	.globl	host_gate_exit_check
host_gate_exit_check:
	cmpl	$0, ENTRY_PREEMPT(%rdx)
	jne	host_gate_preempted
	jmp	*%rcx
	.globl	host_gate_exit_end
host_gate_exit_end:

	/* The slice ended on the way out: the call is done, and the thread is
	 * preempted at its return address (rdx: the entry block). */
host_gate_preempted:
	mov	%rdx, %r12
	GATE_STACK
	ARCHK_STATE
	SWITCH_FS ENTRY_HOST_FS(%r12)
	mov	%r12, %rdi
	call	host_gate_preempt
	ud2
	.size	host_gate_entry, .-host_gate_entry

	.section .rodata
	.align	4
host_gate_mxcsr:
	.long	0x1f80			/* the defaults archk's code runs with */
host_gate_fcw:
	.short	0x37f

	.section .note.GNU-stack,"",@progbits
