/*
 * A disk in memory for the homefs tests, with crashes. Reads see every
 * write; a flush makes the writes before it durable. crash_at (device
 * operations: writes and flushes, counted from 1) makes that operation and
 * every later one fail with IO and do nothing, as if archk had been
 * killed; td_crash then decides, from a seed, what the disk kept of the
 * writes not yet flushed: each is dropped, written or torn (some of its
 * sectors, one of them possibly half), applied in a random order.
 */
#ifndef TESTDISK_H
#define TESTDISK_H

#include <stdint.h>
#include "hfs.h"

struct td_write {
	uint64_t sector;
	uint32_t count;
	uint8_t *data;
};

struct testdisk {
	struct hfs_disk disk;
	uint8_t *durable; /* what survives a crash for sure */
	uint8_t *view;	  /* what reads see */
	uint64_t bytes;
	uint64_t used;		  /* bytes up to the end of the furthest write: zeros after it */
	struct td_write *pending; /* writes since the last flush, in order */
	uint32_t npending, cap;
	long ops;      /* writes and flushes so far */
	long crash_at; /* 0: never */
	int crashed;
	int64_t clock;
	long writes, flushes;
	long *flush_ops; /* the op number of each flush so far */
	long fail_reads; /* >0: reads fail with IO */
};

struct testdisk *td_new(uint64_t bytes);
/* Makes dst (of the same size) hold src's durable image, nothing pending, no crash set. */
void td_copy(struct testdisk *dst, const struct testdisk *src);
/* All zeros again, nothing pending, no crash set (cheaper than a new disk). */
void td_wipe(struct testdisk *td);
void td_free(struct testdisk *td);
/* Applies what a crash leaves (chosen by seed) and starts afresh from it. */
void td_crash(struct testdisk *td, uint64_t seed);
/* A crash that lost none of the pending writes (those the test left there). */
void td_settle(struct testdisk *td);
/* A small deterministic generator (splitmix64). */
uint64_t td_rand(uint64_t *state);

#endif
