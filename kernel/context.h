/*
 * The saved register state of a guest thread. The host fills it when a guest
 * traps and restores it when the thread is entered again; the kernel reads
 * system call arguments from it and writes results into it. The layout is
 * fixed because host/entry.S addresses the fields by offset (CTX_* below).
 */
#ifndef KERNEL_CONTEXT_H
#define KERNEL_CONTEXT_H

/* Byte offsets used by the assembly entry code. */
#define CTX_RAX	   0
#define CTX_RBX	   8
#define CTX_RCX	   16
#define CTX_RDX	   24
#define CTX_RSI	   32
#define CTX_RDI	   40
#define CTX_RBP	   48
#define CTX_RSP	   56
#define CTX_R8	   64
#define CTX_R9	   72
#define CTX_R10	   80
#define CTX_R11	   88
#define CTX_R12	   96
#define CTX_R13	   104
#define CTX_R14	   112
#define CTX_R15	   120
#define CTX_RIP	   128
#define CTX_RFLAGS 136
#define CTX_FSBASE 144
#define CTX_FPU	   192

/* RFLAGS bits the kernel sets or looks at. */
#define RFLAGS_TRAP	 0x100	 /* TF: single-step */
#define RFLAGS_INTERRUPT 0x200	 /* IF: always set in user mode */
#define RFLAGS_RESERVED	 0x2	 /* bit 1 reads as one */
#define RFLAGS_DIRECTION 0x400	 /* DF */
#define RFLAGS_ALIGN	 0x40000 /* AC: alignment checking in user mode */
/* A new thread's flags. */
#define RFLAGS_INITIAL (RFLAGS_INTERRUPT | RFLAGS_RESERVED)

/* Room for the XSAVE image of every user state component (AVX-512 is 2.4 KiB). */
#define CTX_FPU_BYTES 4096

#ifndef __ASSEMBLER__
#include <stdint.h>

struct guest_context {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags, fs_base;
	/*
	 * Set when the state was saved at an arbitrary instruction (preemption,
	 * fault) or changed by a debugger: re-entry must then restore every
	 * register, including rcx, r11 and the trap flag, which the fast path
	 * after a system call may clobber exactly as the syscall instruction does.
	 */
	uint32_t full_restore;
	uint32_t fpu_bytes; /* valid bytes in fpu (the signal-frame extended size) */
	uint8_t pad[32];
	/* XSAVE image in the layout of a Linux signal frame's fpstate. */
	uint8_t fpu[CTX_FPU_BYTES] __attribute__((aligned(64)));
};

_Static_assert(__builtin_offsetof(struct guest_context, rip) == CTX_RIP, "CTX_RIP");
_Static_assert(__builtin_offsetof(struct guest_context, fs_base) == CTX_FSBASE, "CTX_FSBASE");
_Static_assert(__builtin_offsetof(struct guest_context, r15) == CTX_R15, "CTX_R15");
_Static_assert(__builtin_offsetof(struct guest_context, fpu) == CTX_FPU, "CTX_FPU");
#endif

#endif
