/*
 * Host hooks for unit tests that link kernel objects (kernel/hooks.h). Only
 * the hooks the linker asks for are here: page memory comes from mmap (so it
 * is zeroed and page-aligned like the real host's), randomness from
 * getrandom, log lines go to stderr, and a kernel panic aborts the test
 * process, which Criterion reports as a crash of that test.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "hooks.h"

/* Fresh anonymous pages, NULL on failure as the hook contract says. */
void *hook_alloc_pages(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void hook_free_pages(void *ptr, size_t bytes)
{
	munmap(ptr, bytes);
}

/* Real random bytes, so every handle table gets independent keys. */
void hook_random(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) != (ssize_t)len)
		abort();
}

/* Kernel log lines (including the panic message) show in the test output. */
void hook_log_write(const char *line, size_t len)
{
	fwrite(line, 1, len, stderr);
}

/* The test plays a vCPU that holds the kernel lock while it calls the kernel. */
bool hook_lock_held(void)
{
	return true;
}

/* A panic ends the test with SIGABRT: a failure unless the test expects it. */
void hook_panic(void)
{
	fflush(stderr);
	abort();
}

/* Shared memory currently handed out by hook_shared_create, for leak checks. */
int fake_shared_live;

/* VMO memory: private anonymous pages stand in for the host's memfd. */
int hook_shared_create(size_t len, void **view)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	*view = p;
	return fake_shared_live++;
}

void hook_shared_destroy(int id, void *view, size_t len)
{
	(void)id;
	munmap(view, len);
	fake_shared_live--;
}

/* The console (pulled in through the run loop): no host I/O happens in unit tests. */
void hook_console_read(int fd, void *buf, size_t len, struct io_token *token)
{
	(void)fd, (void)buf, (void)len, (void)token;
	abort();
}

void hook_console_write(int fd, const void *buf, size_t len, bool when_writable,
			struct io_token *token)
{
	(void)fd, (void)buf, (void)len, (void)when_writable, (void)token;
	abort();
}
