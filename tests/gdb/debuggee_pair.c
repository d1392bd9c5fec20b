/*
 * Runs a ticker beside the debugged debuggee: while the debugger holds
 * debuggee stopped, the ticker must keep printing (tests/gdb).
 */
#include <archk/runtime.h>

static int run_both(void)
{
	static const char *const ticker[] = {"/gdbtest/debuggee_pair", "ticker", NULL};
	static const char *const target[] = {"/gdbtest/debuggee", NULL};
	struct archk_exit_status st;
	long t = archk_spawn(ticker[0], ticker, NULL, 0);
	long d = archk_spawn(target[0], target, NULL, 0);

	if (t < 0 || d < 0)
		return 2;
	archk_process_wait((archk_handle_t)t, &st);
	archk_process_wait((archk_handle_t)d, &st);
	return st.reason == ARCHK_EXIT_NORMAL ? st.code : 3;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return run_both();
	for (int i = 1; i <= 10; i++) {
		printf("tick %d\n", i);
		archk_sleep_until(archk_clock_get(ARCHK_CLOCK_MONOTONIC) + 30000000);
	}
	printf("ticker done\n");
	return 0;
}
