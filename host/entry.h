/*
 * Constants shared by host/entry.S and the C side of the trap path.
 */
#ifndef HOST_ENTRY_H
#define HOST_ENTRY_H

/* Each thread's alternate signal stack is ALTSTACK_SIZE bytes, aligned to its
 * size, with a struct signal_block at its lowest address. */
#define ALTSTACK_SIZE (256 * 1024)

/* struct signal_block */
#define BLOCK_VCPU	   0
#define BLOCK_HOST_FS	   8
#define BLOCK_GUEST_FS	   16
#define BLOCK_HOST_FS_KEPT 24

/* struct resume_point */
#define RP_RBX 0
#define RP_RBP 8
#define RP_R12 16
#define RP_R13 24
#define RP_R14 32
#define RP_R15 40
#define RP_RSP 48

/* struct entry_block (the call gate finds it through the GS base) */
#define ENTRY_SELF	  0
#define ENTRY_MAGIC	  8
#define ENTRY_CTX	  16
#define ENTRY_HOST_FS	  24
#define ENTRY_PREEMPT	  32
#define ENTRY_STEP	  36
#define ENTRY_RESUME	  40
#define ENTRY_RESUME_RSP  (ENTRY_RESUME + RP_RSP)
#define ENTRY_SIGNAL	  96
#define ENTRY_MAGIC_VALUE 0x6574616720b8b87aUL

/* offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP]) on x86-64 */
#define UC_RIP 168

#define NR_RT_SIGRETURN 15
#define NR_ARCH_PRCTL	158
#define ARCH_SET_FS	0x1002
#define ARCH_GET_FS	0x1003

#ifndef __ASSEMBLER__
#include <stdint.h>

struct host_vcpu;

struct signal_block {
	struct host_vcpu *vcpu; /* NULL on threads that never run guests */
	uint64_t host_fs;
	uint64_t guest_fs;
	/* The guest in the guest runs with archk's FS base still loaded (without
	 * FSGSBASE, when its own is 0: see hook_enter_guest), so leaving it needs
	 * no switch. */
	uint64_t host_fs_kept;
};

struct resume_point {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp;
};

/*
 * The part of a vCPU that the entry code in assembly uses. Each vCPU
 * thread's GS base points at its block, which is how the call gate
 * (host/gate.S) finds its vCPU: guests cannot be trusted with anything else,
 * and GS is otherwise unused on x86-64 Linux.
 */
struct entry_block {
	struct entry_block *self; /* this block: the gate checks the GS base with it */
	uint64_t magic;		  /* ENTRY_MAGIC_VALUE, likewise */
	void *ctx;		  /* the guest_context in the guest; NULL while archk runs */
	uint64_t host_fs;	  /* archk's FS base on this thread */
	volatile int32_t preempt_pending; /* the slice timer fired in archk's code */
	int32_t gate_step;		  /* a single step entered the gate (host/gate.c) */
	struct resume_point resume;	  /* where a trap or the gate's slow path returns to */
	struct signal_block *signal;	  /* this thread's (host_fs_kept) */
};

void host_signal_entry(int sig, void *info, void *uc);
/* keep_fs: leave archk's FS base loaded (signal_block.host_fs_kept). */
void host_enter_fast(struct resume_point *rp, void *ctx, int keep_fs);
void host_enter_full(struct resume_point *rp, void *frame_uc, uint64_t fs_base, int keep_fs);
__attribute__((noreturn)) void host_resume_loop(struct resume_point *rp);

_Static_assert(__builtin_offsetof(struct signal_block, guest_fs) == BLOCK_GUEST_FS, "block");
_Static_assert(__builtin_offsetof(struct signal_block, host_fs_kept) == BLOCK_HOST_FS_KEPT, "kept");
_Static_assert(__builtin_offsetof(struct resume_point, rsp) == RP_RSP, "rp");
_Static_assert(__builtin_offsetof(struct entry_block, ctx) == ENTRY_CTX, "entry ctx");
_Static_assert(__builtin_offsetof(struct entry_block, host_fs) == ENTRY_HOST_FS, "entry fs");
_Static_assert(__builtin_offsetof(struct entry_block, preempt_pending) == ENTRY_PREEMPT, "preempt");
_Static_assert(__builtin_offsetof(struct entry_block, gate_step) == ENTRY_STEP, "step");
_Static_assert(__builtin_offsetof(struct entry_block, resume) == ENTRY_RESUME, "resume");
_Static_assert(__builtin_offsetof(struct entry_block, signal) == ENTRY_SIGNAL, "signal");
#endif

#endif
