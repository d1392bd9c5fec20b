/*
 * CRC-32C: reflected polynomial 0x82f63b78, initial and final inversion,
 * so hfs_crc32c(0, "123456789", 9) is 0xe3069283. Chained calls give the
 * CRC of the concatenation.
 */
#include "hfs_crc.h"

#define POLY 0x82f63b78u

static uint32_t table[8][256];
static int state; /* 0: unknown, 1: tables built, 2: hardware */

/* Builds the slicing-by-8 tables: table[k][b] is b's CRC shifted by k bytes. */
static void build_tables(void)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;

		for (int i = 0; i < 8; i++)
			c = c & 1 ? c >> 1 ^ POLY : c >> 1;
		table[0][b] = c;
	}
	for (uint32_t b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			table[k][b] = table[k - 1][b] >> 8 ^ table[0][table[k - 1][b] & 0xff];
}

static uint32_t crc_table(uint32_t c, const uint8_t *p, size_t len)
{
	for (; len >= 8; p += 8, len -= 8) {
		uint32_t lo = c ^ (p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
		uint32_t hi = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;

		c = table[7][lo & 0xff] ^ table[6][lo >> 8 & 0xff] ^ table[5][lo >> 16 & 0xff] ^
		    table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][hi >> 8 & 0xff] ^
		    table[1][hi >> 16 & 0xff] ^ table[0][hi >> 24];
	}
	while (len--)
		c = c >> 8 ^ table[0][(c ^ *p++) & 0xff];
	return c;
}

#if defined(__x86_64__)
#include <cpuid.h>

__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t c64 = c;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		__builtin_memcpy(&v, p, 8);
		c64 = __builtin_ia32_crc32di(c64, v);
	}
	c = (uint32_t)c64;
	while (len--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}

static int have_hw(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
}
#else
static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t len)
{
	return crc_table(c, p, len);
}

static int have_hw(void)
{
	return 0;
}
#endif

uint32_t hfs_crc32c_u32(uint32_t crc, uint32_t value)
{
	uint8_t le[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
			 (uint8_t)(value >> 24)};

	return hfs_crc32c(crc, le, 4);
}

uint32_t hfs_crc32c(uint32_t crc, const void *buf, size_t len)
{
	if (!state) {
		build_tables();
		state = have_hw() ? 2 : 1;
	}
	if (state == 2)
		return ~crc_hw(~crc, buf, len);
	return ~crc_table(~crc, buf, len);
}
