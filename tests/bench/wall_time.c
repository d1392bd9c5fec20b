/*
 * Times a command: runs it RUNS times with posix_spawn + waitpid (output to
 * /dev/null) and prints "median_ns=N". Usage: wall_time RUNS COMMAND [ARG...]
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int compare(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[1]) : 0;
	long long *samples = calloc(runs > 0 ? runs : 1, sizeof(*samples));
	posix_spawn_file_actions_t actions;

	if (runs <= 0 || !samples) {
		fprintf(stderr, "usage: wall_time RUNS COMMAND [ARG...]\n");
		return 2;
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	for (int i = 0; i < runs; i++) {
		struct timespec a, b;
		pid_t pid;
		int status;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (posix_spawn(&pid, argv[2], &actions, NULL, argv + 2, environ) != 0) {
			perror(argv[2]);
			return 1;
		}
		waitpid(pid, &status, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "wall_time: %s failed\n", argv[2]);
			return 1;
		}
		samples[i] = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	}
	qsort(samples, runs, sizeof(*samples), compare);
	printf("median_ns=%lld\n", samples[runs / 2]);
	return 0;
}
