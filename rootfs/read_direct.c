/*
 * read_direct [-t] [-n PASSES] [-d] [PATH]: level 4 of docs/io-levels.md, the
 * integrated level: the reader holds what it reads and no server is in the
 * path.
 *   PATH       a store file, read with one do_io READ per 4 KiB straight from
 *              archk. This is what a server hands out when it moves a real
 *              handle to its client (fproxy's OPEN does exactly that).
 *   -d DISK    the disk device DISK itself (from the "devices" handle, e.g.
 *              `archk --disk FILE`'s disk0), driven from this program with
 *              the block driver's own library (drivers/lib/blkdev.h): virtio
 *              requests on the device's queue, 32 in flight, no driver
 *              process. Norost's fourth level as the seeds mean it.
 */
#include "lib/blkdev.h"
#include "levels.h"

#define DEPTH 32

static archk_handle_t file;
static struct blkdev disk;
static char *buf;
static long size;

static long pass_file(const void **data)
{
	*data = buf;
	return levels_pread_all(file, buf, size);
}

/* The DMA buffers of the requests in flight: where each reads to, and for which offset. */
static struct {
	char *data;
	uint64_t offset;
} slots[DEPTH];
static unsigned free_slots[DEPTH], free_count;

/* Starts reading the piece at offset into a free slot; 0 or an error. */
static long submit_one(uint64_t offset)
{
	unsigned s = free_slots[--free_count];

	slots[s].offset = offset;
	return blkdev_submit(&disk, ARCHK_IO_READ, offset, slots[s].data, LEVELS_CHUNK,
			     (void *)(uintptr_t)s);
}

/* Waits for a request to finish and copies its piece out of DMA memory; 0 or an error. */
static long reap_one(void)
{
	void *cookie;
	long result;
	unsigned s;

	while (blkdev_reap(&disk, &cookie, &result) == 0) {
		long err = vdev_wait(&disk.dev, ARCHK_DEADLINE_INFINITE);

		if (err < 0)
			return err;
	}
	s = (unsigned)(uintptr_t)cookie;
	free_slots[free_count++] = s;
	if (result < 0)
		return result;
	memcpy(buf + slots[s].offset, slots[s].data, (size_t)result);
	return 0;
}

/* One pass over the whole disk: DEPTH reads of 4 KiB in flight, in any order. */
static long pass_disk(const void **data)
{
	uint64_t next = 0, done = 0, chunks = ((uint64_t)size + LEVELS_CHUNK - 1) / LEVELS_CHUNK;
	long err;

	free_count = 0;
	for (unsigned i = 0; i < DEPTH; i++) {
		if (!slots[i].data && !(slots[i].data = blkdev_buffer(&disk, LEVELS_CHUNK)))
			return ARCHK_ERR_NO_MEMORY;
		free_slots[free_count++] = i;
	}
	while (done < chunks) {
		while (next < chunks && free_count > 0)
			if ((err = submit_one(next++ * LEVELS_CHUNK)) < 0)
				return err;
		if ((err = blkdev_kick(&disk)) < 0 || (err = reap_one()) < 0)
			return err;
		done++;
	}
	*data = buf;
	return size;
}

/* Opens the disk device name from the "devices" handle and starts driving it. */
static long open_disk(const char *name)
{
	long dev = archk_open(archk_handle_named("devices"), name, ARCHK_RIGHTS_SAME), err;

	if (dev < 0)
		return dev;
	if ((err = blkdev_open(&disk, (archk_handle_t)dev, DEPTH, DEPTH * LEVELS_CHUNK)) < 0)
		return err;
	return (long)disk.size;
}

int main(int argc, char **argv)
{
	struct levels l = {.name = "read_direct", .pass = pass_file, .flag = "-d"};
	long h;

	levels_args(&l, argc, argv);
	if (l.flag_set) {
		l.pass = pass_disk;
		if ((size = open_disk(l.path)) < 0)
			return levels_fail(&l, l.path, size);
	} else {
		h = archk_open(archk_handle_named("root"), l.path,
			       ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
		if (h < 0)
			return levels_fail(&l, l.path, h);
		file = (archk_handle_t)h;
		if ((size = levels_size(file)) < 0)
			return levels_fail(&l, "GET_META", size);
	}
	if (!(buf = malloc((size_t)size + 1)))
		return levels_fail(&l, "malloc", ARCHK_ERR_NO_MEMORY);
	return levels_run(&l);
}
