/* clear: clears the terminal screen and its scrollback (ANSI escape sequences). */
#include "util.h"

static const struct util_program program = {
    "clear", "",
    "Clears the terminal: moves the cursor home, erases the screen and the scrollback,\n"
    "with the ANSI sequences ESC [H ESC [2J ESC [3J.\n",
    NULL};

int main(int argc, char **argv)
{
	util_start(&program);
	if (util_getopt(argc, argv, "") != -1 || util_optind < argc)
		util_usage_error("no arguments expected");
	util_puts("\033[H\033[2J\033[3J");
	util_exit(0);
}
