/*
 * CRC-32C (Castagnoli), the checksum of every homefs commit and block
 * header: the SSE4.2 instruction where the CPU has it, a table otherwise.
 */
#ifndef HFS_CRC_H
#define HFS_CRC_H

#include <stddef.h>
#include <stdint.h>

/* Extends crc (0 to start) over len bytes. */
uint32_t hfs_crc32c(uint32_t crc, const void *buf, size_t len);
/* Extends crc over a 32-bit value (little-endian): CRCs of CRCs. */
uint32_t hfs_crc32c_u32(uint32_t crc, uint32_t value);

#endif
