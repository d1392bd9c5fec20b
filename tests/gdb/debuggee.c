/*
 * The guest debugged through archk's gdb server (tests/gdb/CMakeLists.txt):
 * two threads, a local the debugger reads and changes, and an exit status
 * that shows whether it did (0 if value stayed 42, else 5). `debuggee
 * spin` computes forever instead, for interrupting and killing it;
 * `debuggee self` makes one system call (process_self), for stepping over.
 */
#include <archk/runtime.h>

static volatile int worker_ready;

static int worker(void *arg)
{
	worker_ready = 1;
	for (int i = 0; i < 5; i++)
		archk_sleep_until(archk_clock_get(ARCHK_CLOCK_MONOTONIC) + 20000000);
	return 3;
}

static __attribute__((noinline)) void report(int value)
{
	printf("value=%d\n", value); /* gdb-test: report */
}

int main(int argc, char **argv)
{
	struct archk_thread t;
	volatile int value = 41; /* volatile: at -O2 it would live only in registers */

	while (argc > 1 && strcmp(argv[1], "spin") == 0)
		value++;
	if (argc > 1 && strcmp(argv[1], "self") == 0) {
		printf("self=%lu\n", (unsigned long)archk_process_self());
		return 0;
	}

	if (archk_thread_spawn(&t, worker, NULL, 65536, "worker") < 0)
		return 2;
	while (!worker_ready) /* gdb-test: wait-worker */
		archk_yield();
	value = value + 1; /* gdb-test: increment */
	report(value);	   /* gdb-test: report-call */
	archk_thread_wait(&t);
	return value == 42 ? 0 : 5;
}
