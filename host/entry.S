/*
 * The guest entry and exit paths (see docs/architecture.md, "The trap path").
 *
 * Leaving a guest: every signal (SIGSYS from the seccomp trap, faults, the
 * preemption timer) arrives at host_signal_entry on the vCPU's alternate
 * signal stack. If the interrupted pc is in the guest arena, the FS base is
 * still the guest's, so the stub saves it and installs archk's own before any
 * C code (which uses FS for thread-local storage) runs; then it tail-calls
 * host_signal_from_guest, which saves the registers and jumps straight back
 * to the vCPU loop with host_resume_loop, without sigreturn.
 *
 * Entering a guest: host_enter_fast restores everything but rcx and r11 with
 * plain moves and jumps to the guest (the syscall instruction clobbers those
 * two anyway; like Linux, rcx gets the return address and r11 the flags).
 * host_enter_full restores every register through rt_sigreturn, for threads
 * stopped at an arbitrary instruction (preemption, faults, debuggers).
 */
#include "../kernel/context.h"
#include "entry.h"

	.text

/* void host_signal_entry(int sig, siginfo_t *info, ucontext_t *uc) */
	.globl	host_signal_entry
	.type	host_signal_entry, @function
host_signal_entry:
	/*
	 * Guest flags must not reach archk's code: with AC set every unaligned
	 * access in C would fault (SIGBUS, again and again), with DF set string
	 * instructions would run backwards. Linux clears DF and TF on signal
	 * delivery but not AC; clear both here, before any memory access but
	 * the aligned push.
	 */
	pushfq
	andq	$~(RFLAGS_ALIGN | RFLAGS_DIRECTION), (%rsp)
	popfq
	mov	UC_RIP(%rdx), %rax
	sub	host_arena_base(%rip), %rax
	cmp	host_arena_size(%rip), %rax
	jae	host_signal_in_host
	/* From the guest: find this thread's signal block at the altstack bottom. */
	mov	%rsp, %rcx
	and	$-ALTSTACK_SIZE, %rcx
	cmpb	$0, host_have_fsgsbase(%rip)
	je	1f
	rdfsbase %rax
	mov	%rax, BLOCK_GUEST_FS(%rcx)
	mov	BLOCK_HOST_FS(%rcx), %rax
	wrfsbase %rax
	jmp	host_signal_from_guest
1:	/* No FSGSBASE: arch_prctl, preserving the handler's arguments, unless
	 * archk's FS base stayed loaded. The guest's base needs no ARCH_GET_FS:
	 * without FSGSBASE only archk sets it, and the context keeps it
	 * (host_signal_from_guest). */
	cmpq	$0, BLOCK_HOST_FS_KEPT(%rcx)
	jne	host_signal_from_guest
	push	%rdi
	push	%rsi
	push	%rdx
	push	%rcx
	mov	$NR_ARCH_PRCTL, %eax
	mov	$ARCH_SET_FS, %edi
	mov	BLOCK_HOST_FS(%rcx), %rsi
	syscall
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
	jmp	host_signal_from_guest
	.size	host_signal_entry, .-host_signal_entry

/* Saves the callee-saved registers and the stack pointer in *rdi (a resume point). */
.macro SAVE_RESUME_POINT
	mov	%rbx, RP_RBX(%rdi)
	mov	%rbp, RP_RBP(%rdi)
	mov	%r12, RP_R12(%rdi)
	mov	%r13, RP_R13(%rdi)
	mov	%r14, RP_R14(%rdi)
	mov	%r15, RP_R15(%rdi)
	mov	%rsp, RP_RSP(%rdi)
.endm

/* Sets the FS base to %rax; clobbers rax, rcx, rdi, rsi, r11 on the slow path. */
.macro SET_FS_BASE
	cmpb	$0, host_have_fsgsbase(%rip)
	je	2f
	wrfsbase %rax
	jmp	3f
2:	mov	%rax, %rsi
	mov	$NR_ARCH_PRCTL, %eax
	mov	$ARCH_SET_FS, %edi
	syscall
3:
.endm

/* void host_enter_fast(struct resume_point *rp, struct guest_context *ctx, int keep_fs) */
	.globl	host_enter_fast
	.type	host_enter_fast, @function
host_enter_fast:
	SAVE_RESUME_POINT
	mov	%rdx, %r8
	mov	%rsi, %rdx
	test	%r8d, %r8d
	jnz	6f
	mov	CTX_FSBASE(%rdx), %rax
	SET_FS_BASE
6:	mov	%rdx, %rcx
	mov	$-1, %eax
	mov	$-1, %edx
	cmpb	$0, host_have_xsave(%rip)
	je	4f
	xrstor64 CTX_FPU(%rcx)
	jmp	5f
4:	fxrstor64 CTX_FPU(%rcx)
5:	pushq	CTX_RFLAGS(%rcx)
	popfq
	mov	CTX_RAX(%rcx), %rax
	mov	CTX_RBX(%rcx), %rbx
	mov	CTX_RDX(%rcx), %rdx
	mov	CTX_RSI(%rcx), %rsi
	mov	CTX_RDI(%rcx), %rdi
	mov	CTX_RBP(%rcx), %rbp
	mov	CTX_R8(%rcx), %r8
	mov	CTX_R9(%rcx), %r9
	mov	CTX_R10(%rcx), %r10
	mov	CTX_R12(%rcx), %r12
	mov	CTX_R13(%rcx), %r13
	mov	CTX_R14(%rcx), %r14
	mov	CTX_R15(%rcx), %r15
	mov	CTX_RFLAGS(%rcx), %r11
	mov	CTX_RSP(%rcx), %rsp
	mov	CTX_RIP(%rcx), %rcx
	jmp	*%rcx
	.size	host_enter_fast, .-host_enter_fast

/* void host_enter_full(struct resume_point *rp, void *frame_uc, uint64_t fs_base,
 *                      int keep_fs)
 * frame_uc points at the ucontext of a signal frame built by trap.c. */
	.globl	host_enter_full
	.type	host_enter_full, @function
host_enter_full:
	SAVE_RESUME_POINT
	mov	%rsi, %r8
	mov	%rdx, %rax
	test	%ecx, %ecx
	jnz	7f
	SET_FS_BASE
7:	mov	%r8, %rsp
	mov	$NR_RT_SIGRETURN, %eax
	syscall
	ud2
	.size	host_enter_full, .-host_enter_full

/* void host_resume_loop(struct resume_point *rp): returns from the host_enter_*
 * call that saved rp, on the vCPU's own stack. */
	.globl	host_resume_loop
	.type	host_resume_loop, @function
host_resume_loop:
	mov	RP_RBX(%rdi), %rbx
	mov	RP_RBP(%rdi), %rbp
	mov	RP_R12(%rdi), %r12
	mov	RP_R13(%rdi), %r13
	mov	RP_R14(%rdi), %r14
	mov	RP_R15(%rdi), %r15
	mov	RP_RSP(%rdi), %rsp
	ret
	.size	host_resume_loop, .-host_resume_loop

	.section .note.GNU-stack,"",@progbits
