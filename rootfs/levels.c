/*
 * Shared by the four I/O level examples: see levels.h. The checksum is the
 * one POSIX cksum prints (CRC-32, polynomial 0x04c11db7, the length
 * appended), so a host can check the result with `cksum FILE`.
 */
#include "levels.h"

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;

		for (int k = 0; k < 8; k++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04c11db7u : c << 1;
		crc_table[i] = c;
	}
}

static uint32_t cksum(const unsigned char *p, size_t len)
{
	uint32_t crc = 0;

	for (size_t i = 0; i < len; i++)
		crc = (crc << 8) ^ crc_table[(crc >> 24) ^ p[i]];
	for (size_t n = len; n; n >>= 8)
		crc = (crc << 8) ^ crc_table[(crc >> 24) ^ (n & 0xff)];
	return ~crc;
}

/* What a timed pass does with the data: touch every word, cheaply. */
static uint64_t sum_words(const void *data, size_t len)
{
	const uint64_t *w = data;
	uint64_t sum = 0;

	for (size_t i = 0; i < len / 8; i++)
		sum += w[i];
	return sum;
}

void levels_args(struct levels *l, int argc, char **argv)
{
	l->err = archk_handle_named("err");
	l->path = LEVELS_DATA;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 && !l->passes) {
			l->passes = 20;
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) {
			l->passes = atoi(argv[++i]);
		} else if (l->flag && strcmp(argv[i], l->flag) == 0) {
			l->flag_set = 1;
		} else if (argv[i][0] != '-' && i == argc - 1) {
			l->path = argv[i];
		} else {
			archk_dprintf(l->err, "usage: %s [-t] [-n PASSES]%s%s%s [PATH]\n", l->name,
				      l->flag ? " [" : "", l->flag ? l->flag : "",
				      l->flag ? "]" : "");
			archk_process_exit(2);
		}
	}
}

long levels_connect(const char *path)
{
	const char *argv[] = {"/bin/fileserver", path, NULL};

	/* The server lives on by itself until its object's last handle closes. */
	return archk_spawn_server(argv, NULL, 0, NULL);
}

long levels_size(archk_handle_t h)
{
	struct archk_meta meta;
	long err = archk_get_meta(h, &meta);

	return err < 0 ? err : (long)meta.size;
}

long levels_pread_all(archk_handle_t h, char *buf, long size)
{
	for (long off = 0; off < size; off += LEVELS_CHUNK) {
		long want = size - off < LEVELS_CHUNK ? size - off : LEVELS_CHUNK;
		long n = archk_pread(h, buf + off, (size_t)want, (uint64_t)off);

		if (n != want)
			return n < 0 ? n : ARCHK_ERR_IO;
	}
	return size;
}

int levels_fail(const struct levels *l, const char *what, long err)
{
	archk_dprintf(l->err, "%s: %s: %s\n", l->name, what, archk_strerror(err));
	return 1;
}

int levels_run(struct levels *l)
{
	const void *data;
	long len = l->pass(&data);
	uint64_t sink = 0;
	int64_t start, elapsed;

	if (len < 0)
		return levels_fail(l, l->path, len);
	crc_init();
	printf("%s: cksum %u %ld\n", l->name, cksum(data, (size_t)len), len);
	if (l->done)
		l->done();
	if (!l->passes)
		return 0;
	start = archk_clock_read(ARCHK_CLOCK_MONOTONIC);
	for (int i = 0; i < l->passes; i++) {
		if ((len = l->pass(&data)) < 0)
			return levels_fail(l, l->path, len);
		sink += sum_words(data, (size_t)len);
		if (l->done)
			l->done();
	}
	elapsed = archk_clock_read(ARCHK_CLOCK_MONOTONIC) - start;
	int64_t chunks = (int64_t)l->passes * ((len + LEVELS_CHUNK - 1) / LEVELS_CHUNK);
	/* The sum keeps the compiler from dropping the reads; its last byte shows. */
	printf("%s: %ld ns per 4 KiB (%d passes of %ld bytes in %ld us; sum %02x)\n", l->name,
	       (long)(chunks ? elapsed / chunks : 0), l->passes, len, (long)(elapsed / 1000),
	       (unsigned)(sink & 0xff));
	return 0;
}
