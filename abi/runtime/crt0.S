/*
 * Process entry. archk starts a guest here with rsp pointing at argc (see
 * archk/startup.h); the stack is 16-byte aligned. archk_start_c does the
 * rest in C and never returns.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip		/* debuggers: the outermost frame */
	xor	%ebp, %ebp
	mov	%rsp, %rdi
	and	$-16, %rsp
	call	archk_start_c
		ud2
	.cfi_endproc
	.size	_start, .-_start

	.section .note.GNU-stack,"",@progbits
