/*
 * archk_syscall0..6(nr, args...): a system call through archk's call gate
 * when archk gave one (ARCHK_AT_GATE, kept in archk_gate by start.c), else
 * through the syscall instruction, which archk traps. Both take the number
 * in rax and the arguments in rdi, rsi, rdx, r10, r8, r9 and return the
 * result in rax; these functions move their C arguments there. The gate is
 * entered with a tail jump, so it returns straight to their caller; it keeps
 * what the SysV ABI makes a callee keep (docs/abi.md, "The call gate").
 */
	.text
	.hidden	archk_gate

	.globl	archk_syscall6
	.type	archk_syscall6, @function
archk_syscall6:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %r10
	mov	%r9, %r8
	mov	8(%rsp), %r9
	jmp	enter
	.size	archk_syscall6, .-archk_syscall6

	.globl	archk_syscall3
	.type	archk_syscall3, @function
archk_syscall3:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	jmp	enter
	.size	archk_syscall3, .-archk_syscall3

	.globl	archk_syscall2
	.type	archk_syscall2, @function
archk_syscall2:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	jmp	enter
	.size	archk_syscall2, .-archk_syscall2

	.globl	archk_syscall1
	.type	archk_syscall1, @function
archk_syscall1:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	jmp	enter
	.size	archk_syscall1, .-archk_syscall1

	.globl	archk_syscall0
	.type	archk_syscall0, @function
archk_syscall0:
	mov	%rdi, %rax
enter:
	mov	archk_gate(%rip), %r11
	test	%r11, %r11
	jz	1f
	jmp	*%r11
1:	syscall
	ret
	.size	archk_syscall0, .-archk_syscall0

	.section .note.GNU-stack,"",@progbits
