/*
 * The host hooks the scheduler's unit test links against: nothing runs a
 * guest here, so most do nothing; kicks and interrupts are recorded, since
 * they are what placement decides.
 */
#include "../../kernel/hooks.h"
#include "sched_fakes.h"

struct vcpu *fake_last_kick, *fake_last_interrupt;
int fake_kicks, fake_interrupts;
int64_t fake_slice_armed = -1, fake_slice_left;
bool fake_slice_pending;

void hook_slice_arm(struct vcpu *v, int64_t ns)
{
	fake_slice_armed = ns;
}

int64_t hook_slice_left(struct vcpu *v)
{
	return fake_slice_left;
}

bool hook_slice_pending(struct vcpu *v)
{
	return fake_slice_pending;
}

void hook_kick(struct vcpu *v)
{
	fake_last_kick = v;
	fake_kicks++;
}

void hook_interrupt(struct vcpu *v)
{
	fake_last_interrupt = v;
	fake_interrupts++;
}

/* Never reached by these tests: each would be a failure of the test set-up. */
#define UNREACHED(decl)                                                                            \
	decl                                                                                       \
	{                                                                                          \
		__builtin_trap();                                                                  \
	}

UNREACHED(void hook_enter_guest(struct vcpu *v, struct guest_context *c, struct guest_exit *e))
UNREACHED(int hook_commit(uintptr_t addr, size_t len))
UNREACHED(void hook_decommit(uintptr_t addr, size_t len))
UNREACHED(unsigned hook_recycle(uintptr_t addr, size_t len, const uintptr_t *b, unsigned n))
UNREACHED(int hook_commit_recycled(uintptr_t addr, size_t len))
UNREACHED(void hook_protect(uintptr_t addr, size_t len, int prot))
UNREACHED(void hook_idle(struct vcpu *v, int64_t timeout_ns))
UNREACHED(void hook_poll(struct vcpu *v))
UNREACHED(void hook_shutdown(int status))
UNREACHED(void hook_init_fpu(struct guest_context *ctx))
UNREACHED(void hook_timer_arm(int64_t deadline, struct io_token *token))
UNREACHED(void hook_timer_update(int64_t deadline, struct io_token *token))
UNREACHED(void hook_timer_cancel(struct io_token *token))
UNREACHED(int64_t hook_clock(int clock))
UNREACHED(void hook_debug_event(void))
UNREACHED(int hook_load_elf(const uint8_t *f, size_t s, uintptr_t b, size_t m,
			    struct load_result *o, char *e, size_t l))
UNREACHED(int hook_symbolize(const uint8_t *f, size_t s, uint64_t o, char *n, size_t l))
UNREACHED(void hook_image_loaded(const char *p, uintptr_t b, uint64_t k, const uint8_t *f,
				 size_t s))
UNREACHED(void hook_image_unloaded(const char *p, uintptr_t b, uint64_t k))
UNREACHED(int hook_shared_map(int id, size_t offset, uintptr_t addr, size_t len, int prot))
UNREACHED(int hook_device_open(const struct archk_boot_device *bd))

/* The kernel lock: the test is single-threaded (hook_lock_held is in hook_fakes.c). */
void hook_lock(void)
{
}

void hook_unlock(void)
{
}
