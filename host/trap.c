/*
 * The trap path: how guest system calls, faults and timeslice ends leave the
 * guest, and how guests are entered again. host/entry.S has the assembly and
 * docs/architecture.md the whole story.
 *
 * Every syscall instruction executed inside the guest arena raises SIGSYS
 * (a seccomp filter decides by instruction pointer); archk's own syscalls
 * never match. All trap signals run on the vCPU's alternate signal stack,
 * with SA_NODEFER and an empty mask so that leaving the handler by a jump
 * (instead of sigreturn) leaves the thread's signal state as it was.
 */
#include <cpuid.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "host.h"

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif
#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4
#define XSTATE_FRAME_MAGIC1	0x46505853u
#define XSTATE_FRAME_MAGIC2	0x46505845u
#define FXSAVE_BYTES		512
#define XSAVE_HEADER_END	576
#define XSAVE_AVX_END		832
#define XFEATURES_AVX_AND_BELOW 0x7u
#define X32_SYSCALL_BIT		0x40000000u
#define SI_CODE_SECCOMP		1 /* si_code of a seccomp SIGSYS */

uint64_t host_arena_base = ARENA_BASE, host_arena_size = ARENA_SIZE;
uint8_t host_have_fsgsbase, host_have_xsave;

/* The initial FPU state of a new thread, in signal-frame layout. */
static uint8_t fpu_template[CTX_FPU_BYTES] __attribute__((aligned(64)));
static uint32_t fpu_template_bytes;

/* The software-reserved bytes of the FXSAVE area that describe an XSAVE frame. */
struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};
#define FPX_SW_OFFSET 464

void host_signal_from_guest(int sig, siginfo_t *info, ucontext_t *uc, struct signal_block *b);
void host_signal_in_host(int sig, siginfo_t *info, ucontext_t *uc);

/* Builds the initial register state: x87 and SSE defaults, every component in
 * its init state, and the frame markers rt_sigreturn checks. */
static void init_fpu_template(void)
{
	unsigned eax, ebx, ecx, edx;
	struct fpx_sw_bytes *sw = (struct fpx_sw_bytes *)(fpu_template + FPX_SW_OFFSET);

	__cpuid(1, eax, ebx, ecx, edx);
	host_have_xsave = (ecx >> 27) & 1;	   /* OSXSAVE: the OS enabled XSAVE */
	*(uint16_t *)(fpu_template + 0) = 0x37f;   /* x87 control word */
	*(uint32_t *)(fpu_template + 24) = 0x1f80; /* MXCSR */
	fpu_template_bytes = FXSAVE_BYTES;
	if (!host_have_xsave)
		return;
	__cpuid_count(0xd, 0, eax, ebx, ecx, edx);
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	sw->magic1 = XSTATE_FRAME_MAGIC1;
	sw->xstate_size = ebx;
	sw->extended_size = ebx + 4;
	sw->xfeatures = (uint64_t)hi << 32 | lo;
	*(uint32_t *)(fpu_template + ebx) = XSTATE_FRAME_MAGIC2;
	fpu_template_bytes = ebx + 4;
}

void hook_init_fpu(struct guest_context *ctx)
{
	memcpy(ctx->fpu, fpu_template, fpu_template_bytes);
	ctx->fpu_bytes = fpu_template_bytes;
}

/*
 * Copies the guest's FPU state out of the signal frame. Only the components
 * the guest has touched (XSTATE_BV) are copied; XRSTOR initialises the rest,
 * so for code that never used AVX-512 this moves 832 bytes, not 2.4 KiB.
 */
static void save_fpu(struct guest_context *ctx, const uint8_t *frame)
{
	const struct fpx_sw_bytes *sw = (const struct fpx_sw_bytes *)(frame + FPX_SW_OFFSET);
	size_t n = FXSAVE_BYTES;

	if (sw->magic1 == XSTATE_FRAME_MAGIC1 && sw->extended_size <= CTX_FPU_BYTES) {
		uint64_t in_use = *(const uint64_t *)(frame + FXSAVE_BYTES);

		if (in_use & ~(uint64_t)XFEATURES_AVX_AND_BELOW)
			n = sw->extended_size;
		else
			n = in_use & 4 ? XSAVE_AVX_END : XSAVE_HEADER_END;
		ctx->fpu_bytes = sw->extended_size;
	} else {
		ctx->fpu_bytes = FXSAVE_BYTES;
	}
	memcpy(ctx->fpu, frame, n);
}

static void save_regs(struct guest_context *ctx, const greg_t *g)
{
	ctx->rax = g[REG_RAX];
	ctx->rbx = g[REG_RBX];
	ctx->rcx = g[REG_RCX];
	ctx->rdx = g[REG_RDX];
	ctx->rsi = g[REG_RSI];
	ctx->rdi = g[REG_RDI];
	ctx->rbp = g[REG_RBP];
	ctx->rsp = g[REG_RSP];
	ctx->r8 = g[REG_R8];
	ctx->r9 = g[REG_R9];
	ctx->r10 = g[REG_R10];
	ctx->r11 = g[REG_R11];
	ctx->r12 = g[REG_R12];
	ctx->r13 = g[REG_R13];
	ctx->r14 = g[REG_R14];
	ctx->r15 = g[REG_R15];
	ctx->rip = g[REG_RIP];
	ctx->rflags = g[REG_EFL];
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGILL:
		return "SIGILL";
	case SIGFPE:
		return "SIGFPE";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGSYS:
		return "SIGSYS";
	default:
		return "signal";
	}
}

static void describe_exit(struct guest_exit *exit, struct guest_context *ctx, int sig,
			  const siginfo_t *info)
{
	memset(exit, 0, sizeof(*exit));
	if (sig == SIGSYS && info->si_code == SI_CODE_SECCOMP) {
		exit->reason = EXIT_SYSCALL;
		exit->syscall_nr = (uint32_t)info->si_syscall;
		exit->foreign_abi = info->si_arch != AUDIT_ARCH_X86_64 ||
				    ((uint32_t)info->si_syscall & X32_SYSCALL_BIT);
		/* Only the syscall instruction may clobber rcx and r11 (not int 0x80). */
		ctx->full_restore = exit->foreign_abi;
		return;
	}
	ctx->full_restore = 1;
	if (sig == PREEMPT_SIGNAL) {
		exit->reason = EXIT_PREEMPT;
		return;
	}
	exit->reason = EXIT_FAULT;
	exit->signal = sig;
	exit->code = info->si_code;
	exit->fault_addr = (uintptr_t)info->si_addr;
	exit->signal_name = signal_name(sig);
}

/*
 * The C half of a trap from the guest (entry.S restored the host FS base).
 * Saves the guest's state and returns to the vCPU loop by a jump.
 */
void host_signal_from_guest(int sig, siginfo_t *info, ucontext_t *uc, struct signal_block *b)
{
	struct host_vcpu *hv = b->vcpu;
	struct guest_context *ctx;

	if (!hv || !hv->entry.ctx)
		sandbox_host_fault(sig, info, uc);
	ctx = hv->entry.ctx;
	save_regs(ctx, uc->uc_mcontext.gregs);
	/* Without FSGSBASE the guest cannot change its FS base but through archk,
	 * so the context has it already (entry.S does not read it back). */
	if (host_have_fsgsbase)
		ctx->fs_base = b->guest_fs;
	save_fpu(ctx, (const uint8_t *)uc->uc_mcontext.fpregs);
	describe_exit(hv->exit, ctx, sig, info);
	hv->entry.ctx = NULL;
	host_resume_loop(&hv->entry.resume);
}

static struct signal_block *current_block(void)
{
	return (struct signal_block *)((uintptr_t)__builtin_frame_address(0) & -ALTSTACK_SIZE);
}

/* Restores archk's FS base in case the signal hit the entry path after the
 * guest's FS base was installed. */
static void restore_host_fs(const struct signal_block *b)
{
	if (host_have_fsgsbase)
		__asm__ volatile("wrfsbase %0" ::"r"(b->host_fs) : "memory");
	else
		syscall(SYS_arch_prctl, ARCH_SET_FS, b->host_fs);
}

/*
 * A signal whose pc is outside the arena. The preemption timer only leaves a
 * note for the vCPU loop. A fault while the vCPU is in a guest (entry.ctx set)
 * is the guest's, e.g. a jump to address 0; anything else is a bug in archk
 * or a host syscall the sandbox forbids. Must not touch thread-local storage
 * before restore_host_fs: the FS base may still be the guest's here.
 */
__attribute__((no_stack_protector)) void host_signal_in_host(int sig, siginfo_t *info,
							     ucontext_t *uc)
{
	struct signal_block *b = current_block();

	if (gate_signal(sig, uc, b))
		return;
	if (sig == PREEMPT_SIGNAL) {
		if (b->vcpu)
			b->vcpu->entry.preempt_pending = 1;
		return;
	}
	if (b->vcpu && b->vcpu->entry.ctx && sig != SIGSYS) {
		if (host_have_fsgsbase)
			__asm__ volatile("rdfsbase %0" : "=r"(b->guest_fs));
		restore_host_fs(b);
		host_signal_from_guest(sig, info, uc, b);
	}
	restore_host_fs(b);
	sandbox_host_fault(sig, info, uc);
}

/* A signal frame that rt_sigreturn turns into the guest's full register state. */
static void build_sigreturn_frame(struct host_vcpu *hv, const struct guest_context *ctx)
{
	ucontext_t *uc = &hv->frame.uc;
	greg_t *g = uc->uc_mcontext.gregs;

	memset(uc, 0, offsetof(ucontext_t, __fpregs_mem));
	uc->uc_sigmask = host_blocked_signals; /* sigreturn sets the thread's mask from it */
	g[REG_RAX] = ctx->rax;
	g[REG_RBX] = ctx->rbx;
	g[REG_RCX] = ctx->rcx;
	g[REG_RDX] = ctx->rdx;
	g[REG_RSI] = ctx->rsi;
	g[REG_RDI] = ctx->rdi;
	g[REG_RBP] = ctx->rbp;
	g[REG_RSP] = ctx->rsp;
	g[REG_R8] = ctx->r8;
	g[REG_R9] = ctx->r9;
	g[REG_R10] = ctx->r10;
	g[REG_R11] = ctx->r11;
	g[REG_R12] = ctx->r12;
	g[REG_R13] = ctx->r13;
	g[REG_R14] = ctx->r14;
	g[REG_R15] = ctx->r15;
	g[REG_RIP] = ctx->rip;
	g[REG_EFL] = ctx->rflags;
	g[REG_CSGSFS] = 0x33 | (greg_t)0x2b << 48; /* user cs and ss */
	uc->uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	if (ctx->fpu_bytes > FXSAVE_BYTES)
		uc->uc_flags |= UC_FP_XSTATE;
	uc->uc_mcontext.fpregs = (fpregset_t)ctx->fpu;
	uc->uc_stack.ss_sp = hv->block;
	uc->uc_stack.ss_size = ALTSTACK_SIZE;
}

void hook_enter_guest(struct vcpu *v, struct guest_context *ctx, struct guest_exit *exit)
{
	struct host_vcpu *hv = (struct host_vcpu *)v;

	if (hv->entry.preempt_pending) {
		hv->entry.preempt_pending = 0;
		exit->reason = EXIT_PREEMPT;
		return;
	}
	hv->exit = exit;
	hv->entry.ctx = ctx;
	/*
	 * Without FSGSBASE every switch of the FS base is a host call, two per
	 * trap or gate call. A thread whose FS base is 0 uses no thread-local
	 * storage (archk's ABI gives it none), so it runs with archk's left
	 * loaded, and leaving it needs no switch (docs/architecture.md).
	 */
	hv->block->host_fs_kept = !host_have_fsgsbase && ctx->fs_base == 0;
	/* A set trap flag must take effect in the guest, not in the entry path. */
	if (ctx->full_restore || (ctx->rflags & RFLAGS_TRAP)) {
		build_sigreturn_frame(hv, ctx);
		host_enter_full(&hv->entry.resume, &hv->frame.uc, ctx->fs_base,
				(int)hv->block->host_fs_kept);
	} else {
		host_enter_fast(&hv->entry.resume, ctx, (int)hv->block->host_fs_kept);
	}
}

/* A thread that already has its stack (the main thread becoming vCPU 0) keeps it. */
int trap_thread_init(struct host_vcpu *hv)
{
	stack_t ss = {.ss_size = ALTSTACK_SIZE};
	struct signal_block *b;

	if (sigaltstack(NULL, &ss) == 0 && ss.ss_sp && ss.ss_size == ALTSTACK_SIZE) {
		b = ss.ss_sp;
	} else {
		b = aligned_alloc(ALTSTACK_SIZE, ALTSTACK_SIZE);
		if (!b)
			return -1;
		ss = (stack_t){.ss_sp = b, .ss_size = ALTSTACK_SIZE};
	}
	memset(b, 0, sizeof(*b));
	b->vcpu = hv;
	if (host_have_fsgsbase)
		__asm__ volatile("rdfsbase %0" : "=r"(b->host_fs));
	else
		syscall(SYS_arch_prctl, ARCH_GET_FS, &b->host_fs);
	if (hv)
		hv->block = b;
	return sigaltstack(&ss, NULL);
}

int trap_init(void)
{
	static const int signals[] = {SIGSYS, SIGSEGV, SIGBUS,	      SIGILL,
				      SIGFPE, SIGTRAP, PREEMPT_SIGNAL};
	struct sigaction sa = {0};

	host_have_fsgsbase = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) != 0;
	init_fpu_template();
	sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))host_signal_entry;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (sigaction(signals[i], &sa, NULL) < 0)
			return -1;
	signal(SIGPIPE, SIG_IGN);
	return trap_thread_init(NULL);
}

/*
 * Traps every syscall whose instruction pointer lies in the arena. The arena
 * is 4 GiB-aligned and a multiple of 4 GiB long, so comparing the upper half
 * of the instruction pointer decides it.
 */
int trap_install_filter(void)
{
	_Static_assert(ARENA_BASE % (1UL << 32) == 0 && ARENA_SIZE % (1UL << 32) == 0, "arena");
	struct sock_filter filter[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, instruction_pointer) + 4),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, ARENA_BASE >> 32, 0, 2),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (ARENA_BASE + ARENA_SIZE) >> 32, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
}
