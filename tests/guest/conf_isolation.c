/*
 * Conformance for strict isolation: a process can never read another's
 * partition, not even while that other process is running on another vCPU.
 * Spawns a spinner (next slot up) and a prober that reads the spinner's stack.
 *   conf_isolation isolated  the prober must fault (strict; or process with one vCPU)
 *   conf_isolation open      the prober must succeed (isolation off)
 */
#include "check.h"

static long spawn(const char *const *argv)
{
	long p = archk_spawn(argv[0], argv, NULL, 0);

	CHECK_TRUE(p > 0);
	return p;
}

int main(int argc, char **argv)
{
	static const char *const spinner[] = {"/tests/fault", "spin", "400", NULL};
	static const char *const prober[] = {"/tests/fault", "probe-below", "200", NULL};
	int isolated = argc > 1 && strcmp(argv[1], "isolated") == 0;
	struct archk_exit_status st;
	long s = spawn(spinner), p = spawn(prober);

	CHECK_EQ(archk_process_wait((archk_handle_t)p, &st), 0);
	if (isolated) {
		CHECK_EQ(st.reason, ARCHK_EXIT_FAULT);
		CHECK_EQ(st.signal, 11);
	} else {
		CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	}
	CHECK_EQ(archk_process_wait((archk_handle_t)s, &st), 0);
	CHECK_EQ(st.reason, ARCHK_EXIT_NORMAL);
	return check_done("conf_isolation");
}
