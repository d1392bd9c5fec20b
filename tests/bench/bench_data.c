/*
 * Writes the data file of the read benchmarks (bench/data in bench.img):
 * SIZE bytes in which the 8-byte word at each offset o holds o, so a reader
 * can check that a block came from where it asked.
 * Usage: bench_data OUT SIZE
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	FILE *out;
	uint64_t size;

	if (argc != 3 || !(out = fopen(argv[1], "wb"))) {
		fprintf(stderr, "usage: bench_data OUT SIZE\n");
		return 2;
	}
	size = strtoull(argv[2], NULL, 0) & ~(uint64_t)7;
	for (uint64_t o = 0; o < size; o += 8)
		if (fwrite(&o, sizeof(o), 1, out) != 1)
			return 1;
	return fclose(out) != 0;
}
