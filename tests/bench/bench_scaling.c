/*
 * syscall_scaling, guest side: `bench_scaling N [locked]` spawns N processes
 * that make null calls during the same window of WINDOW_NS and report how
 * many they made; run with --cpus N it shows how far archk's system call
 * path scales with vCPUs. The call is process_self (lockless through the
 * gate, kernel/syscall.h), or with "locked" handle_close of the invalid
 * handle (the cheapest call that takes the kernel lock). Prints
 * "calls_per_s=N" (all processes together).
 *
 * Each child (`bench_scaling child START END [locked]`) sleeps until START,
 * calls until the time page's clock passes END and writes its count (8
 * bytes) to its "report" channel, whose other end the parent reads.
 */
#include <archk/runtime.h>

#define CHILDREN_MAX 64
#define SPAWN_NS     (100 * 1000000L) /* time given to the spawns before the window */
#define WINDOW_NS    (300 * 1000000L)
#define CHECK_EVERY  64 /* calls between two looks at the clock */

static int fail(const char *what, long err)
{
	archk_dprintf(archk_handle_named("err"), "bench_scaling: %s: %ld (%s)\n", what, err,
		      archk_strerror(err));
	return 1;
}

static int child(int64_t start, int64_t end, int locked)
{
	archk_handle_t report = archk_handle_named("report");
	uint64_t calls = 0;
	long err;

	archk_sleep_until(start);
	while (archk_clock_read(ARCHK_CLOCK_MONOTONIC) < end) {
		for (int i = 0; i < CHECK_EVERY; i++)
			if (locked)
				archk_handle_close(ARCHK_HANDLE_INVALID);
			else
				archk_process_self();
		calls += CHECK_EVERY;
	}
	err = archk_channel_write(report, &calls, sizeof(calls), NULL, 0);
	return err < 0 ? fail("channel_write", err) : 0;
}

/* Spawns one child for the window; its report end in *report. */
static long spawn_child(int64_t start, int64_t end, const char *call, archk_handle_t *report)
{
	char start_text[24], end_text[24];
	const char *argv[] = {"/bench/bench_scaling", "child", start_text, end_text, call, NULL};
	archk_handle_t ch[2];
	long p, err;

	snprintf(start_text, sizeof(start_text), "%ld", (long)start);
	snprintf(end_text, sizeof(end_text), "%ld", (long)end);
	if ((err = archk_channel_create(ch)) < 0)
		return err;
	struct archk_spawn_handle h = {"report", ch[1], ARCHK_RIGHTS_SAME};
	p = archk_spawn(argv[0], argv, &h, 1);
	archk_handle_close(ch[1]);
	*report = ch[0];
	return p;
}

/* Waits for a child's count. */
static long read_report(archk_handle_t report, uint64_t *calls)
{
	long err;

	err = archk_object_wait_one(report, ARCHK_SIGNAL_READABLE, ARCHK_DEADLINE_INFINITE, NULL);
	if (err < 0)
		return err;
	return archk_channel_read(report, calls, sizeof(*calls), NULL, 0, NULL);
}

static int parent(int n, const char *call)
{
	int64_t start = archk_clock_read(ARCHK_CLOCK_MONOTONIC) + SPAWN_NS;
	archk_handle_t reports[CHILDREN_MAX];
	long procs[CHILDREN_MAX], err;
	uint64_t total = 0;

	if (n < 1 || n > CHILDREN_MAX)
		return fail("process count out of range", n);
	for (int i = 0; i < n; i++)
		if ((procs[i] = spawn_child(start, start + WINDOW_NS, call, &reports[i])) < 0)
			return fail("spawn", procs[i]);
	if (archk_clock_read(ARCHK_CLOCK_MONOTONIC) >= start)
		return fail("the spawns took longer than the time given to them", SPAWN_NS);
	for (int i = 0; i < n; i++) {
		uint64_t calls;
		struct archk_exit_status st;

		if ((err = read_report(reports[i], &calls)) < 0)
			return fail("report", err);
		if ((err = archk_process_wait((archk_handle_t)procs[i], &st)) < 0 || st.code)
			return fail("child", err < 0 ? err : st.code);
		total += calls;
	}
	printf("calls_per_s=%lu\n", (unsigned long)(total * 1000000000ULL / WINDOW_NS));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "child") == 0)
		return child(strtol(argv[2], NULL, 10), strtol(argv[3], NULL, 10),
			     strcmp(argv[4], "locked") == 0);
	if (argc == 2 || argc == 3)
		return parent(atoi(argv[1]), argc == 3 ? argv[2] : "lockless");
	archk_dprintf(archk_handle_named("err"), "usage: bench_scaling N [locked]\n");
	return 2;
}
