/* Greets and lists its arguments: the smallest complete guest program. */
#include <archk/runtime.h>

int main(int argc, char **argv)
{
	printf("Hello from archk! I am process %lu.\n", (unsigned long)archk_process_self());
	for (int i = 1; i < argc; i++)
		printf("  argv[%d] = %s\n", i, argv[i]);
	return 0;
}
