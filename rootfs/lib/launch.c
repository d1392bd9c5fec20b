/*
 * Running a program and waiting for it: see launch.h.
 */
#include "launch.h"

int launch_status(const struct archk_exit_status *st)
{
	if (st->reason == ARCHK_EXIT_NORMAL)
		return st->code;
	if (st->reason == ARCHK_EXIT_FAULT)
		return 128 + (int)st->signal;
	return 128 + 9;
}

int launch_wait(archk_handle_t process)
{
	struct archk_exit_status st;
	long r = archk_process_wait(process, &st);

	archk_handle_close(process);
	return r < 0 ? 1 : launch_status(&st);
}
