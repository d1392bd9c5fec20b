/*
 * What the homefs library needs from its environment: memory and string
 * functions (the archk runtime in a guest, libc on the host), the error
 * codes and the directory record layout of abi/, and little-endian
 * encoding of on-disk fields.
 */
#ifndef HFS_PORT_H
#define HFS_PORT_H

#ifdef HFS_GUEST
#include <archk/runtime.h>
#else
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif
#include <archk/errors.h>
#include <archk/syscall.h>

static inline void hfs_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void hfs_put32(uint8_t *p, uint32_t v)
{
	hfs_put16(p, (uint16_t)v);
	hfs_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void hfs_put64(uint8_t *p, uint64_t v)
{
	hfs_put32(p, (uint32_t)v);
	hfs_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t hfs_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t hfs_get32(const uint8_t *p)
{
	return hfs_get16(p) | (uint32_t)hfs_get16(p + 2) << 16;
}

static inline uint64_t hfs_get64(const uint8_t *p)
{
	return hfs_get32(p) | (uint64_t)hfs_get32(p + 4) << 32;
}

#endif
