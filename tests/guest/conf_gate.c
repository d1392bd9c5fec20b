/*
 * Conformance: the call gate (docs/abi.md, "The call gate").
 *   conf_gate gate           archk gave the gate (the default)
 *   conf_gate trap           archk runs with --no-gate: every call traps
 *   conf_gate gate preempt   only the preemption check (run with --cpus 1)
 * Hostile calls go through the gate, or without one through a syscall
 * instruction: the flags AC and DF set, a misaligned stack, garbage in the
 * registers a callee may clobber, a non-default MXCSR and x87 control word,
 * while archk copies to a misaligned buffer; what the ABI makes a callee keep
 * must come back, and archk must not notice. Then: a GS base the guest
 * changed, a bad stack or return address (only the caller faults), a kill
 * and a preemption while the victim spends its time inside the gate, and
 * lockless calls racing with a thread that moves their caller (run with 2
 * vCPUs).
 */
#include "check.h"

#define RFLAGS_DF     0x400
#define RFLAGS_AC     0x40000
#define HOSTILE_MXCSR 0xffc0 /* flush to zero, round toward zero, DAZ, all masked */
#define HOSTILE_FCW   0x0c7f /* x87: truncate, single precision */
#define SIGSEGV	      11
#define DATA_PATH     "/tests/conf_gate" /* a store file: this program */
#define COPY_LEN      4097
#define BIG_READ      65536
#define PREEMPT_LIMIT 20000000000L /* give up on the preemption after 20 s */

/* What conf_gate_probe calls with, and what it finds after the call. */
struct probe {
	uint64_t entry; /* the gate, or trap_syscall */
	uint64_t nr;
	uint64_t args[6];
	uint64_t flags_in; /* OR-ed into rflags for the call */
	uint32_t mxcsr_in;
	uint16_t fcw_in;
	uint16_t pad;
	uint64_t result;
	uint64_t kept[6]; /* rbx, rbp, r12, r13, r14, r15 after the call */
	uint64_t rsp_before, rsp_after;
	uint64_t flags_out;
	uint32_t mxcsr_out;
	uint16_t fcw_out;
};

_Static_assert(__builtin_offsetof(struct probe, flags_in) == 64, "probe layout");
_Static_assert(__builtin_offsetof(struct probe, result) == 80, "probe layout");
_Static_assert(__builtin_offsetof(struct probe, rsp_before) == 136, "probe layout");
_Static_assert(__builtin_offsetof(struct probe, fcw_out) == 164, "probe layout");

void conf_gate_probe(struct probe *p);
extern const char trap_syscall[];

/*
 * conf_gate_probe: loads the probe's state (rflags |= flags_in, MXCSR, x87
 * control word, patterns in the callee-saved registers, garbage in rcx, a
 * stack 8 bytes off the ABI's alignment) and calls entry with the number
 * and arguments in the syscall registers; then records what came back.
 * trap_syscall is what it calls without a gate: a syscall instruction.
 */
__asm__("	.text\n"
	"	.globl	conf_gate_probe\n"
	"conf_gate_probe:\n"
	"	push	%rbx\n"
	"	push	%rbp\n"
	"	push	%r12\n"
	"	push	%r13\n"
	"	push	%r14\n"
	"	push	%r15\n"
	"	push	%rdi\n"
	"	sub	$8, %rsp\n" /* the call happens 8 bytes off alignment */
	"	stmxcsr	(%rsp)\n"
	"	fnstcw	4(%rsp)\n"
	"	mov	%rdi, %r11\n"
	"	ldmxcsr	72(%r11)\n"
	"	fldcw	76(%r11)\n"
	"	mov	8(%r11), %rax\n"
	"	mov	16(%r11), %rdi\n"
	"	mov	24(%r11), %rsi\n"
	"	mov	32(%r11), %rdx\n"
	"	mov	40(%r11), %r10\n"
	"	mov	48(%r11), %r8\n"
	"	mov	56(%r11), %r9\n"
	"	movabs	$0x1111111111111111, %rbx\n"
	"	movabs	$0x2222222222222222, %rbp\n"
	"	movabs	$0x3333333333333333, %r12\n"
	"	movabs	$0x4444444444444444, %r13\n"
	"	movabs	$0x5555555555555555, %r14\n"
	"	movabs	$0x6666666666666666, %r15\n"
	"	mov	%rsp, 136(%r11)\n"
	"	pushfq\n"
	"	mov	64(%r11), %rcx\n"
	"	or	%rcx, (%rsp)\n"
	"	mov	(%r11), %r11\n"
	"	movabs	$0x7777777777777777, %rcx\n"
	"	popfq\n"
	"	call	*%r11\n"
	"	pushfq\n"
	"	pop	%rcx\n"
	"	pushq	$0x202\n" /* AC and DF off again before anything else */
	"	popfq\n"
	"	mov	8(%rsp), %r11\n"
	"	mov	%rax, 80(%r11)\n"
	"	mov	%rbx, 88(%r11)\n"
	"	mov	%rbp, 96(%r11)\n"
	"	mov	%r12, 104(%r11)\n"
	"	mov	%r13, 112(%r11)\n"
	"	mov	%r14, 120(%r11)\n"
	"	mov	%r15, 128(%r11)\n"
	"	mov	%rsp, 144(%r11)\n"
	"	mov	%rcx, 152(%r11)\n"
	"	stmxcsr	160(%r11)\n"
	"	fnstcw	164(%r11)\n"
	"	ldmxcsr	(%rsp)\n"
	"	fldcw	4(%rsp)\n"
	"	add	$16, %rsp\n"
	"	pop	%r15\n"
	"	pop	%r14\n"
	"	pop	%r13\n"
	"	pop	%r12\n"
	"	pop	%rbp\n"
	"	pop	%rbx\n"
	"	ret\n"
	"	.globl	trap_syscall\n"
	"trap_syscall:\n"
	"	syscall\n"
	"	ret\n");

static uint64_t entry_point(void)
{
	return archk_call_gate() ? archk_call_gate() : (uint64_t)(uintptr_t)trap_syscall;
}

/* Makes call nr through the probe with every hostile setting; returns the result. */
static long hostile_call(long nr, const uint64_t args[6])
{
	struct probe p = {.entry = entry_point(),
			  .nr = (uint64_t)nr,
			  .flags_in = RFLAGS_AC | RFLAGS_DF,
			  .mxcsr_in = HOSTILE_MXCSR,
			  .fcw_in = HOSTILE_FCW};
	static const uint64_t patterns[6] = {0x1111111111111111, 0x2222222222222222,
					     0x3333333333333333, 0x4444444444444444,
					     0x5555555555555555, 0x6666666666666666};

	memcpy(p.args, args, sizeof(p.args));
	conf_gate_probe(&p);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(p.kept[i], patterns[i]);
	CHECK_EQ(p.rsp_after, p.rsp_before);
	CHECK_EQ(p.flags_out & (RFLAGS_AC | RFLAGS_DF), RFLAGS_AC | RFLAGS_DF);
	CHECK_EQ(p.mxcsr_out, HOSTILE_MXCSR);
	CHECK_EQ(p.fcw_out, HOSTILE_FCW);
	return (long)p.result;
}

/* The same calls through the syscall instruction, for comparison. */
static long trapped_call(long nr, const uint64_t args[6])
{
	register long r10 __asm__("r10") = (long)args[3];
	register long r8 __asm__("r8") = (long)args[4];
	register long r9 __asm__("r9") = (long)args[5];
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(args[0]), "S"(args[1]), "d"(args[2]), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static long open_data(void)
{
	long f = archk_open(archk_handle_named("root"), DATA_PATH, ARCHK_RIGHT_READ);

	CHECK_TRUE(f > 0);
	return f;
}

/* Gate and trap give the same results, whatever the caller's state. */
static void test_hostile_state(void)
{
	static uint8_t want[COPY_LEN], got[COPY_LEN + 1];
	long f = open_data();
	uint64_t none[6] = {0}, bad_close[6] = {0x12345, 1, 2, 3, 4, 5};
	uint64_t read[6] = {ARCHK_IO_READ, (uint64_t)f, (uint64_t)(uintptr_t)(got + 1),
			    COPY_LEN,	   3,		0};

	CHECK_EQ(hostile_call(ARCHK_SYS_PROCESS_SELF, none), archk_startup_info->koid);
	CHECK_EQ(trapped_call(ARCHK_SYS_PROCESS_SELF, none), archk_startup_info->koid);
	CHECK_EQ(hostile_call(9999, none), ARCHK_ERR_BAD_SYSCALL);
	CHECK_EQ(trapped_call(9999, none), ARCHK_ERR_BAD_SYSCALL);
	CHECK_EQ(hostile_call(ARCHK_SYS_HANDLE_CLOSE, bad_close), ARCHK_ERR_HND_INVALID);
	CHECK_EQ(trapped_call(ARCHK_SYS_HANDLE_CLOSE, bad_close), ARCHK_ERR_HND_INVALID);
	/* archk copies to an odd address with the caller's AC and DF set: it must not care. */
	CHECK_EQ(archk_pread((archk_handle_t)f, want, COPY_LEN, 3), COPY_LEN);
	CHECK_EQ(hostile_call(ARCHK_SYS_DO_IO, read), COPY_LEN);
	CHECK_EQ(memcmp(got + 1, want, COPY_LEN), 0);
	archk_handle_close((archk_handle_t)f);
}

/* A GS base the guest changed (the user data segment: base 0) is repaired. */
static void test_gs_changed(void)
{
	__asm__ volatile("mov %0, %%gs" ::"r"(0x2b));
	CHECK_EQ(archk_process_self(), archk_startup_info->koid);
	CHECK_EQ(archk_process_self(), archk_startup_info->koid);
}

/* A child for the fault tests; returns its exit status. */
static struct archk_exit_status run_child(const char *mode)
{
	const char *const argv[] = {"/tests/conf_gate", "child", mode, NULL};

	return run_to_exit(argv);
}

/* The gate reads the caller's return address: a bad stack is the caller's fault. */
static void test_bad_stack_and_return(void)
{
	struct archk_exit_status st = run_child("bad-stack");

	CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
	CHECK_EQ(st.signal, SIGSEGV);
	CHECK_EQ(st.fault_addr, 16);
	st = run_child("bad-return");
	CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
	CHECK_EQ(st.signal, SIGSEGV);
	CHECK_EQ(st.fault_addr, 0);
}

/* Calls that keep archk busy (64 KiB copies) until *stop or the limit. */
static long busy_calls(volatile int *stop, int64_t limit)
{
	static uint8_t buf[BIG_READ];
	long f = open_data(), calls = 0;

	while (!*stop && archk_clock_read(ARCHK_CLOCK_MONOTONIC) < limit) {
		archk_pread((archk_handle_t)f, buf, sizeof(buf), 0);
		calls++;
	}
	archk_handle_close((archk_handle_t)f);
	return calls;
}

/*
 * A process killed while it spends its time inside the gate ends at once:
 * in locked calls ("busy") and in lockless ones ("busy-lockless").
 */
static void test_kill_inside(const char *mode)
{
	const char *argv[] = {"/tests/conf_gate", "child", mode, NULL};
	struct archk_exit_status st = {0};
	long p = archk_spawn(argv[0], argv, NULL, 0);

	CHECK_TRUE(p > 0);
	if (p <= 0)
		return;
	archk_sleep_until(now() + 30000000);
	CHECK_EQ(archk_process_kill((archk_handle_t)p), 0);
	CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_KILLED);
	archk_handle_close((archk_handle_t)p);
}

static volatile int stop_busy;

static int busy_thread(void *arg)
{
	busy_calls(&stop_busy, archk_clock_read(ARCHK_CLOCK_MONOTONIC) + PREEMPT_LIMIT);
	return stop_busy;
}

/*
 * On one vCPU, a thread that never blocks and spends its time inside the
 * gate must still give way when this one wakes up (a higher level interrupts
 * it, an equal one waits for its slice to end): the signal, arriving while
 * archk's code runs, takes effect when the gate returns. Were it lost, the
 * busy thread would run on alone until its limit and return 0.
 */
static void test_preempted_inside(void)
{
	struct archk_thread t;

	CHECK_EQ(archk_thread_spawn(&t, busy_thread, NULL, 65536, "busy"), 0);
	archk_sleep_until(now() + 10000000);
	stop_busy = 1;
	CHECK_EQ(archk_thread_wait(&t), 1);
}

static int child(const char *mode)
{
	static volatile int never;

	if (strcmp(mode, "bad-stack") == 0)
		__asm__ volatile("mov $16, %%rsp\n"
				 "jmp *%0" ::"r"(archk_call_gate()),
				 "a"(ARCHK_SYS_PROCESS_SELF)
				 : "memory");
	if (strcmp(mode, "bad-return") == 0)
		__asm__ volatile("push $0\n"
				 "jmp *%0" ::"r"(archk_call_gate()),
				 "a"(ARCHK_SYS_PROCESS_SELF)
				 : "memory");
	while (strcmp(mode, "busy-lockless") == 0)
		archk_process_self();
	busy_calls(&never, INT64_MAX);
	return 1;
}

static volatile int pinned_to = -1, checked_on = -1;

/*
 * Makes lockless calls (process_self, vcpu_current) while the main thread
 * moves it between vCPUs with locked ones (thread_set_affinity): every result
 * must be right, and after the yield that applies a new affinity every
 * vcpu_current must name the vCPU it was pinned to. Returns the wrong results.
 */
static int lockless_worker(void *arg)
{
	int wrong = 0;

	for (int vcpu = 0; vcpu < 2; vcpu++) {
		while (pinned_to != vcpu) {
			wrong += archk_process_self() != archk_startup_info->koid;
			wrong += (unsigned long)archk_vcpu_current() > 1;
		}
		archk_yield();
		for (int i = 0; i < 1000; i++)
			wrong += archk_vcpu_current() != vcpu;
		checked_on = vcpu;
	}
	return wrong;
}

/* The lockless calls' rule (kernel/syscall.h), crossed by two threads on 2 vCPUs. */
static void test_lockless_across_threads(void)
{
	struct archk_thread t;

	CHECK_EQ(archk_thread_spawn(&t, lockless_worker, NULL, 65536, "lockless"), 0);
	for (int vcpu = 0; vcpu < 2; vcpu++) {
		CHECK_EQ(archk_thread_set_affinity(t.handle, 1UL << vcpu), 0);
		pinned_to = vcpu;
		while (checked_on != vcpu)
			archk_sleep_until(now() + 1000000);
	}
	CHECK_EQ(archk_thread_wait(&t), 0);
}

int main(int argc, char **argv)
{
	int gate = argc > 1 && strcmp(argv[1], "gate") == 0;

	if (argc > 2 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	if (argc > 2 && strcmp(argv[2], "preempt") == 0) {
		test_preempted_inside();
		return check_done("conf_gate");
	}
	CHECK_EQ(archk_call_gate() != 0, gate);
	test_hostile_state();
	test_gs_changed();
	if (gate)
		test_bad_stack_and_return();
	test_kill_inside("busy");
	test_kill_inside("busy-lockless");
	test_lockless_across_threads();
	return check_done("conf_gate");
}
