/*
 * Does this host deliver the 32-bit system call entry (int $0x80) as a
 * system call? Some kernels are built or booted with it switched off, and
 * then the instruction faults. Exits 0 if it works, 1 if a child doing it
 * was killed by a signal. CMake runs it at configure time to tell
 * conf_syscalls which result is right here.
 */
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		long r;

		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "rcx", "r11", "memory");
		_exit(r > 0 ? 0 : 2);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 2;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
