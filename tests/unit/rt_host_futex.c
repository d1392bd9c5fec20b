/*
 * The runtime's futex calls for host unit tests: the same semantics on
 * Linux futexes, so lock.c and the heap's lock run unchanged on the host.
 */
#include <archk/runtime.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

long archk_futex_wait(uint32_t *word, uint32_t expected, int64_t deadline)
{
	return syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0) < 0
		   ? ARCHK_ERR_SHOULD_WAIT
		   : 0;
}

long archk_futex_wake(uint32_t *word, uint32_t count)
{
	return syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count > INT32_MAX ? INT32_MAX : count,
		       NULL, NULL, 0);
}
