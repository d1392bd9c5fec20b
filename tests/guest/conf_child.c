/*
 * The child side of conf_syscalls:
 *   conf_child exit-with N          exits with status N
 *   conf_child check-handles A B    checks its argv and the handles it got
 */
#include "check.h"

static int check_handles(int argc, char **argv)
{
	struct archk_handle_info info;
	archk_handle_t extra = archk_handle_named("extra");

	CHECK_EQ(argc, 4);
	CHECK_EQ(strcmp(argv[2], "a b"), 0);
	CHECK_EQ(strcmp(argv[3], ""), 0);
	CHECK_EQ(argv[4], 0);
	CHECK_TRUE(extra != ARCHK_HANDLE_INVALID);
	CHECK_EQ(archk_handle_info(extra, &info), 0);
	CHECK_EQ(info.rights, ARCHK_RIGHT_WRITE);
	CHECK_EQ(info.type, ARCHK_OBJ_CONSOLE);
	CHECK_EQ(archk_write(extra, "conf_child: extra handle works\n", 31), 31);
	/* Inherited handles arrived under their names. */
	CHECK_TRUE(archk_handle_named("out") && archk_handle_named("root") &&
		   archk_handle_named("process") && archk_handle_named("in"));
	CHECK_EQ(strcmp(archk_startup_info->name, "conf_child"), 0);
	return check_done("conf_child");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit-with") == 0)
		return atoi(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "check-handles") == 0)
		return check_handles(argc, argv);
	printf("usage: conf_child exit-with N | check-handles ...\n");
	return 2;
}
