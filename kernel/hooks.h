/*
 * The hooks the kernel needs from its host. kernel/ is portable C and never
 * calls Linux; host/ (and loader/ for program loading) implement these.
 *
 * The lock contract: the kernel calls every hook with the kernel lock held
 * (hook_lock), except hook_enter_guest, hook_idle and hook_poll, which the
 * run loop calls without it, and the lock hooks themselves. No hook drops
 * the lock. The host calls back into the kernel through kernel_io_done,
 * kernel_vcpu_run and kernel_gate_call, which take the lock themselves, and
 * through the boot and debugger entry points of kernel.h and debug.h, which
 * are called with it.
 */
#ifndef KERNEL_HOOKS_H
#define KERNEL_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct archk_boot_device;
struct guest_context;
struct vcpu;

/*
 * Host I/O in flight: the kernel embeds a token in whatever record the I/O
 * belongs to; the host hands it back to kernel_io_done, which calls
 * complete under the kernel lock.
 */
struct io_token {
	void (*complete)(struct io_token *token, long result);
};

/* Memory protections for hook_protect, combinable. */
#define HOOK_PROT_READ	1
#define HOOK_PROT_WRITE 2
#define HOOK_PROT_EXEC	4

/* Why hook_enter_guest returned. */
enum exit_reason {
	EXIT_SYSCALL = 1, /* the guest executed syscall; number in exit.syscall_nr */
	EXIT_PREEMPT = 2, /* the vCPU's timeslice timer fired while in the guest */
	EXIT_FAULT = 3,	  /* the guest faulted; signal and address in exit */
	EXIT_SERVED = 4,  /* the call gate served a call; the lock is held, pick a thread */
};

struct guest_exit {
	int reason;	 /* enum exit_reason */
	int signal;	 /* host signal for EXIT_FAULT */
	int code;	 /* host si_code for EXIT_FAULT */
	int foreign_abi; /* EXIT_SYSCALL: the call came through a non-64-bit entry */
	int via_gate;	 /* EXIT_SYSCALL: the call came through the call gate */
	uint64_t syscall_nr;
	uint64_t fault_addr;
	const char *signal_name; /* EXIT_FAULT: "SIGSEGV", ... */
};

/* ---- memory ---- */
/* Zeroed, page-aligned memory for kernel tables; NULL when exhausted. */
void *hook_alloc_pages(size_t bytes);
void hook_free_pages(void *ptr, size_t bytes);
/* Makes [addr, addr+len) fresh zeroed read-write memory (a new partition). */
int hook_commit(uintptr_t addr, size_t len);
/* Returns [addr, addr+len) to the inaccessible reserved state, freeing memory. */
void hook_decommit(uintptr_t addr, size_t len);
/*
 * hook_decommit of a partition, except that the huge pages behind some of
 * its 2 MiB blocks may be kept for the next partition committed there (with
 * hook_commit_recycled): blocks lists count (at most 32) block addresses in
 * ascending order, all readable and writable now. A block wholly backed by
 * one huge page is zeroed in place and stays, inaccessible; everything else
 * is freed. Returns the mask of the blocks kept; 0 if it kept none, and then
 * it freed nothing either (the caller decommits as usual).
 */
unsigned hook_recycle(uintptr_t addr, size_t len, const uintptr_t *blocks, unsigned count);
/* hook_commit for a partition hook_recycle left: its kept pages stay (they are zeros). */
int hook_commit_recycled(uintptr_t addr, size_t len);
/* Sets protections of [addr, addr+len); prot 0 makes it inaccessible. */
void hook_protect(uintptr_t addr, size_t len, int prot);
/*
 * Shared memory for VMOs: len (page-aligned) zeroed bytes, shown to the
 * kernel at *view. Returns the host's id for it (>= 0), or -1 when the host
 * cannot provide it.
 */
int hook_shared_create(size_t len, void **view);
/* Frees shared memory id; its partition mappings must be gone already. */
void hook_shared_destroy(int id, void *view, size_t len);
/*
 * Maps [offset, offset+len) of shared memory id at addr (inside a partition,
 * replacing what was there) with prot: the same pages as the view and every
 * other mapping of it. 0, or -1 when the host refuses. hook_decommit undoes it.
 */
int hook_shared_map(int id, size_t offset, uintptr_t addr, size_t len, int prot);

/* ---- guest execution ---- */
/*
 * Runs the guest context ctx on the calling vCPU until it traps back into
 * the kernel, and describes why in exit.
 */
void hook_enter_guest(struct vcpu *v, struct guest_context *ctx, struct guest_exit *exit);
/* Fills ctx->fpu with the initial floating-point state of a new thread. */
void hook_init_fpu(struct guest_context *ctx);

/* ---- waiting and waking ---- */
/*
 * Blocks the calling vCPU until hook_kick targets it or host I/O completes,
 * or timeout_ns pass (0: no timeout).
 */
void hook_idle(struct vcpu *v, int64_t timeout_ns);
/* Makes an idle vCPU return from hook_idle. Safe from any vCPU. */
void hook_kick(struct vcpu *v);
/* Arms v's slice timer: EXIT_PREEMPT after ns of v's CPU time; 0 disarms it. */
void hook_slice_arm(struct vcpu *v, int64_t ns);
/* Nanoseconds left on v's slice timer. */
int64_t hook_slice_left(struct vcpu *v);
/*
 * True if v's slice timer, as last armed, cannot have fired yet: less wall
 * time has passed since than it was armed for (CPU time never runs faster).
 * Reads the clock, not the timer: no host call.
 */
bool hook_slice_pending(struct vcpu *v);
/* Makes v leave the guest it runs now (EXIT_PREEMPT) so the kernel sees it. */
void hook_interrupt(struct vcpu *v);
/*
 * Deadline timers run on a host thread of their own, so that a busy vCPU
 * does not delay them. hook_timer_arm calls kernel_io_done(token, 0) when
 * CLOCK_MONOTONIC reaches deadline, or (token, ARCHK_ERR_CANCELLED) soon
 * after hook_timer_cancel; exactly once either way. hook_timer_update moves
 * an armed timer's deadline (if it has not fired yet; it is fine if it has).
 */
void hook_timer_arm(int64_t deadline, struct io_token *token);
void hook_timer_update(int64_t deadline, struct io_token *token);
void hook_timer_cancel(struct io_token *token);
/* Completes host I/O that finished on this vCPU without blocking. */
void hook_poll(struct vcpu *v);
/* Asks the host to stop all vCPUs; archk exits with status. */
void hook_shutdown(int status);

/* ---- the big kernel lock ---- */
/* Takes the lock; the calling host thread becomes its owner. Not recursive. */
void hook_lock(void);
/* Gives the lock up; only its owner may. */
void hook_unlock(void);
/* Does the calling host thread own the lock? (ASSERT_LOCKED checks it.) */
bool hook_lock_held(void);

/* ---- console and time ---- */
/*
 * Host reads and writes of the console's file descriptors, on the calling
 * vCPU's ring (never on another host thread): kernel_io_done(token, result)
 * is called later on that vCPU with the byte count (0 at end of input) or an
 * error: ARCHK_ERR_PEER_CLOSED (EPIPE), ARCHK_ERR_SHOULD_WAIT (the file is
 * non-blocking and not ready), ARCHK_ERR_NO_SPACE, ARCHK_ERR_IO (the rest).
 * A write may be short. when_writable first waits until fd can take bytes
 * (after a SHOULD_WAIT).
 */
void hook_console_read(int fd, void *buf, size_t len, struct io_token *token);
void hook_console_write(int fd, const void *buf, size_t len, bool when_writable,
			struct io_token *token);
/* Nanoseconds of the given ARCHK_CLOCK_*. */
int64_t hook_clock(int clock);
/* Fills buf with random bytes (handle scrambling secrets, AT_RANDOM). */
void hook_random(void *buf, size_t len);

/* ---- devices ---- */
/*
 * Creates the model of a device the boot info lists (its host side) and its
 * kernel object (device_create, device.h). 0, or an ARCHK_ERR_* code after
 * one line saying why.
 */
int hook_device_open(const struct archk_boot_device *bd);

/* ---- programs ---- */
struct load_region {
	uintptr_t start;
	size_t len;
	int prot; /* HOOK_PROT_* */
};

#define LOAD_REGIONS_MAX 8

struct load_result {
	uintptr_t entry;
	uintptr_t bias;	     /* where virtual address 0 of the ELF landed */
	uintptr_t image_end; /* first byte after the highest segment, page-aligned */
	uintptr_t phdr;	     /* guest address of the program headers (AT_PHDR) */
	unsigned phnum;
	unsigned region_count;
	struct load_region regions[LOAD_REGIONS_MAX];
};

/*
 * Validates an ELF image and loads it into the writable memory at
 * [base, base+max_len), applying relocations: read-only segments of a file
 * from the store image are mapped from the image file over that memory
 * (private, at their final protection), everything else is copied. Returns
 * 0, or -1 with one line in err saying why the file was rejected.
 */
int hook_load_elf(const uint8_t *file, size_t size, uintptr_t base, size_t max_len,
		  struct load_result *out, char *err, size_t errlen);
/* Names the function containing offset in an ELF file; 0 if found. */
int hook_symbolize(const uint8_t *file, size_t size, uint64_t offset, char *name, size_t len);
/*
 * Announces a loaded guest image to debuggers (see scripts/archk-gdb): its
 * store path, load bias, process and the executable's bytes, from which a
 * debugger can read the symbols and debug information.
 */
void hook_image_loaded(const char *path, uintptr_t bias, uint64_t koid, const uint8_t *file,
		       size_t size);
void hook_image_unloaded(const char *path, uintptr_t bias, uint64_t koid);

/* ---- log output and fatal errors ---- */
void hook_log_write(const char *line, size_t len);
/* Tells the debugger (host/gdbserver.c) that kernel/debug.c's state changed. */
void hook_debug_event(void);
/* Stops archk at once after a kernel panic (exit status 70). */
__attribute__((noreturn)) void hook_panic(void);

#endif
