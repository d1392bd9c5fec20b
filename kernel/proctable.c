/*
 * The kernel's process table as a listing (docs/abi.md 8.5a), and the vCPU
 * time accounting behind each record's cpu_ns.
 *
 * READ lists every process object that exists: those alive, and ended ones
 * that somebody still holds a handle to. Whoever holds the table with READ
 * sees them all; a parent that wants its children to see less gives them a
 * served table instead (rootfs/jobserver.c lists its own jobs), or a handle
 * without READ and ENUMERATE. OPEN of a koid finds a live process.
 *
 * Everything here runs under the kernel lock: the handlers as every I/O
 * handler does, the accounting from the scheduler (asserted).
 */
#include <stdlib.h>
#include <string.h>
#include "io.h"
#include "proctable.h"
#include "syscall.h"

/* As many as there can be process objects (kernel/proc.c). */
#define RECORDS_MAX 1024

void cpu_account_stop(struct vcpu *v)
{
	ASSERT_LOCKED();
	if (!v->timed)
		return;
	v->timed->cpu_ns += hook_clock(ARCHK_CLOCK_MONOTONIC) - v->timed_since;
	v->timed = NULL;
}

void cpu_account_switch(struct vcpu *v, struct thread *t)
{
	ASSERT_LOCKED();
	if (v->timed == t)
		return;
	cpu_account_stop(v);
	v->timed = t;
	v->timed_since = hook_clock(ARCHK_CLOCK_MONOTONIC);
}

void cpu_account_release(struct thread *t)
{
	if (t->vcpu && t->vcpu->timed == t)
		cpu_account_stop(t->vcpu);
	t->proc->cpu_ended_ns += t->cpu_ns;
}

/* vCPU time t has used by now, the turn it is having included. */
static int64_t thread_cpu_ns(const struct thread *t, int64_t now)
{
	if (t->vcpu && t->vcpu->timed == t)
		return t->cpu_ns + now - t->vcpu->timed_since;
	return t->cpu_ns;
}

/* The record of p as of now (monotonic nanoseconds). */
static void record_of(const struct process *p, int64_t now, struct archk_process_record *rec)
{
	bool running = false, ready = false, stopped = false;
	int64_t cpu = p->cpu_ended_ns;
	const struct thread *t;

	memset(rec, 0, sizeof(*rec));
	TAILQ_FOREACH(t, &p->threads, proc_link) {
		cpu += thread_cpu_ns(t, now);
		if (t->state == THREAD_DEAD)
			continue;
		rec->threads++;
		running |= t->state == THREAD_RUNNING;
		ready |= t->state == THREAD_RUNNABLE;
		stopped |= t->state == THREAD_STOPPED;
	}
	if (p->state == PROCESS_EXITED)
		rec->state = ARCHK_PROCESS_EXITED;
	else
		rec->state = running   ? ARCHK_PROCESS_RUNNING
			     : ready   ? ARCHK_PROCESS_READY
			     : stopped ? ARCHK_PROCESS_STOPPED
				       : ARCHK_PROCESS_BLOCKED;
	rec->koid = p->obj.koid;
	rec->parent = p->parent;
	rec->start_ns = p->start_ns;
	rec->cpu_ns = (uint64_t)cpu;
	memcpy(rec->name, p->name, sizeof(rec->name));
}

static int by_koid(const void *a, const void *b)
{
	archk_koid_t ka = (*(struct process *const *)a)->obj.koid;
	archk_koid_t kb = (*(struct process *const *)b)->obj.koid;

	return ka < kb ? -1 : ka > kb;
}

/*
 * READ (buf, len, first koid): records of the processes whose koid is at
 * least the offset, in koid order, as many as fit. The table is one object
 * shared by everybody, so it has no position of its own.
 */
static long table_read(struct io_req *r)
{
	static struct process *found[RECORDS_MAX]; /* safe: the kernel lock is held */
	static struct archk_process_record records[RECORDS_MAX];
	uint64_t fit = r->len / sizeof(records[0]);
	uint32_t cursor = 0, count = 0;
	struct process *p;
	int64_t now;
	long err;

	if (r->offset == ARCHK_IO_OFFSET_CURRENT)
		return ARCHK_ERR_INVALID_ARGS;
	while (count < RECORDS_MAX && (p = process_next(&cursor)))
		if (p->obj.koid >= r->offset)
			found[count++] = p;
	if (count == 0)
		return 0;
	if (r->len < sizeof(records[0]))
		return ARCHK_ERR_TOO_LONG;
	if (fit > count)
		fit = count;
	qsort(found, count, sizeof(found[0]), by_koid);
	now = hook_clock(ARCHK_CLOCK_MONOTONIC);
	for (uint64_t i = 0; i < fit; i++)
		record_of(found[i], now, &records[i]);
	err = copy_to_guest(r->proc, r->buf, records, fit * sizeof(records[0]));
	return err < 0 ? err : (long)(fit * sizeof(records[0]));
}

/* The koid that len decimal digits at text spell, or 0 if they spell none. */
static archk_koid_t parse_koid(const char *text, size_t len)
{
	archk_koid_t koid = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned digit = (unsigned)(text[i] - '0');

		if (digit > 9 || koid > (UINT64_MAX - digit) / 10)
			return 0;
		koid = koid * 10 + digit;
	}
	return koid;
}

/*
 * OPEN (koid digits, len, rights): a handle to the live process with that
 * koid, with rights from ARCHK_RIGHTS_PROCESS that the table handle has too.
 */
static long table_open(struct io_req *r)
{
	char text[ARCHK_KOID_DIGITS_MAX];
	uint32_t cursor = 0, rights;
	archk_koid_t koid;
	struct process *p;
	long err;

	if (r->len == 0 || r->len > sizeof(text))
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = copy_from_guest(r->proc, text, r->buf, r->len)) < 0)
		return err;
	if ((koid = parse_koid(text, r->len)) == 0)
		return ARCHK_ERR_INVALID_ARGS;
	while ((p = process_next(&cursor)) && p->obj.koid != koid)
		;
	if (!p || p->state != PROCESS_ALIVE)
		return ARCHK_ERR_NOT_FOUND;
	err =
	    handle_rights_for_copy(ARCHK_RIGHTS_PROCESS & r->rights, (uint32_t)r->offset, &rights);
	if (err < 0)
		return err;
	return handle_install(&r->proc->handles, &p->obj, rights);
}

void proctable_init(void)
{
	io_register(ARCHK_OBJ_SPAWNER, ARCHK_IO_READ, table_read);
	io_register(ARCHK_OBJ_SPAWNER, ARCHK_IO_OPEN, table_open);
}
