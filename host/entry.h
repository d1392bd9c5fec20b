/*
 * Constants shared by host/entry.S and the C side of the trap path.
 */
#ifndef HOST_ENTRY_H
#define HOST_ENTRY_H

/* Each thread's alternate signal stack is ALTSTACK_SIZE bytes, aligned to its
 * size, with a struct signal_block at its lowest address. */
#define ALTSTACK_SIZE (256 * 1024)

/* struct signal_block */
#define BLOCK_VCPU     0
#define BLOCK_HOST_FS  8
#define BLOCK_GUEST_FS 16

/* struct resume_point */
#define RP_RBX 0
#define RP_RBP 8
#define RP_R12 16
#define RP_R13 24
#define RP_R14 32
#define RP_R15 40
#define RP_RSP 48

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
};

struct resume_point {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp;
};

void host_signal_entry(int sig, void *info, void *uc);
void host_enter_fast(struct resume_point *rp, void *ctx);
void host_enter_full(struct resume_point *rp, void *frame_uc, uint64_t fs_base);
__attribute__((noreturn)) void host_resume_loop(struct resume_point *rp);

_Static_assert(__builtin_offsetof(struct signal_block, guest_fs) == BLOCK_GUEST_FS, "block");
_Static_assert(__builtin_offsetof(struct resume_point, rsp) == RP_RSP, "rp");
#endif

#endif
