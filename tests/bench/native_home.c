/*
 * Baselines for the home benchmarks, on a Linux filesystem:
 *   native_home write-sync DIR   home_write_sync: open(O_CREAT|O_TRUNC) a
 *                                file in DIR, write 4 KiB, fsync, close;
 *                                FILES times
 *   native_home read-seq DIR     home_read_seq: write a 64 MiB file in DIR
 *                                (fsync), then read it from start to end in
 *                                64 KiB pieces (warm page cache, as cat does)
 * Same counts and checks as tests/bench/bench_home.c; prints "ns_per_op=N"
 * (best of ROUNDS rounds). The files are removed at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3
#define FILES  500
#define SMALL  4096
#define BIG    (64ul << 20)
#define PIECE  65536

static uint64_t piece[PIECE / 8];

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int write_sync(const char *dir)
{
	long long best = -1;
	char path[4096];

	for (int r = 0; r < ROUNDS; r++) {
		long long start = now_ns(), t;

		for (int i = 0; i < FILES; i++) {
			int fd;

			snprintf(path, sizeof(path), "%s/r%d-f%d", dir, r, i);
			if ((fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644)) < 0)
				die(path);
			if (write(fd, piece, SMALL) != SMALL || fsync(fd) < 0)
				die("write/fsync");
			close(fd);
		}
		t = now_ns() - start;
		if (best < 0 || t < best)
			best = t;
	}
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < FILES; i++) {
			snprintf(path, sizeof(path), "%s/r%d-f%d", dir, r, i);
			unlink(path);
		}
	printf("ns_per_op=%lld\n", best / FILES);
	return 0;
}

static int read_seq(const char *dir)
{
	long long best = -1;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/big", dir);
	if ((fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644)) < 0)
		die(path);
	for (uint64_t off = 0; off < BIG; off += PIECE) {
		for (uint64_t w = 0; w < PIECE / 8; w++)
			piece[w] = off + w * 8;
		if (write(fd, piece, PIECE) != PIECE)
			die("write");
	}
	if (fsync(fd) < 0)
		die("fsync");
	for (int r = 0; r < ROUNDS; r++) {
		long long start = now_ns(), t;

		lseek(fd, 0, SEEK_SET);
		for (uint64_t off = 0; off < BIG; off += PIECE)
			if (read(fd, piece, PIECE) != PIECE || piece[0] != off ||
			    piece[PIECE / 8 - 1] != off + PIECE - 8)
				die("read");
		t = now_ns() - start;
		if (best < 0 || t < best)
			best = t;
	}
	close(fd);
	unlink(path);
	printf("ns_per_op=%lld\n", best / (long long)(BIG / PIECE));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "write-sync"))
		return write_sync(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "read-seq"))
		return read_seq(argv[2]);
	fprintf(stderr, "usage: native_home write-sync DIR | read-seq DIR\n");
	return 2;
}
