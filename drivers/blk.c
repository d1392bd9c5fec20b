/*
 * The block driver: drives a virtio-blk disk (its "device") and serves it
 * as one block object, published to its spawner under the disk's name.
 *
 *   READ (buf, len, offset), WRITE (buf, len, offset): whole 512-byte
 *     sectors, at most 64 KiB a request; READ past the end is clipped (0 at
 *     the end), WRITE past it NO_SPACE, WRITE to a read-only disk READ_ONLY;
 *   SYNC: 0 once every write that completed before it is on the host disk;
 *   GET_META: kind BLOCK, size the capacity, flag READ_ONLY.
 *
 * Up to DEPTH requests are in flight at once; each has a 64 KiB data buffer
 * in DMA memory, into which a WRITE's data is received directly.
 */
#include "lib/blkdev.h"
#include "lib/server.h"

#define DEPTH 32
#define RIGHTS_DISK                                                                                \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_WAIT)

struct request {
	uint64_t id;
	int op;
	void *buf;
};

static struct {
	struct drv_server server;
	struct blkdev disk;
	struct request requests[DEPTH];
	struct request *free[DEPTH];
	unsigned free_count;
} blk;

static void *next_buffer(void *ctx)
{
	(void)ctx;
	return blk.free_count && blkdev_can_submit(&blk.disk) ? blk.free[blk.free_count - 1]->buf
							      : NULL;
}

static void reply(uint64_t id, long result, const void *data, size_t len)
{
	long err = archk_table_reply(blk.server.table, id, result, data, len, 0);

	if (err < 0 && err != ARCHK_ERR_PEER_CLOSED)
		drv_fail(&blk.server, "table_reply", err);
}

static void answer_meta(uint64_t id)
{
	struct archk_meta meta = {
	    .type = ARCHK_OBJ_SERVED,
	    .kind = ARCHK_KIND_BLOCK,
	    .size = blk.disk.size,
	    .flags = blk.disk.read_only ? ARCHK_META_READ_ONLY : 0,
	};

	reply(id, 0, &meta, sizeof(meta));
}

/* Starts a client's request in the free slot whose buffer holds its in-data. */
static void request(void *ctx, const struct archk_table_request *req, void *data,
		    const archk_handle_t *handles)
{
	struct request *r;
	long err;

	(void)ctx;
	for (uint32_t i = 0; i < req->handle_count; i++)
		archk_handle_close(handles[i]);
	switch (req->op) {
	case ARCHK_IO_CLOSE:
		return; /* a notice: the one object lives as long as the driver */
	case ARCHK_IO_GET_META:
		answer_meta(req->id);
		return;
	case ARCHK_IO_READ:
	case ARCHK_IO_WRITE:
	case ARCHK_IO_SYNC:
		break;
	default:
		reply(req->id, ARCHK_ERR_NOT_SUPPORTED, NULL, 0);
		return;
	}
	r = blk.free[--blk.free_count];
	r->id = req->id;
	r->op = (int)req->op;
	err = blkdev_submit(
	    &blk.disk, r->op, req->offset, data,
	    req->len > ARCHK_TABLE_DATA_MAX ? ARCHK_TABLE_DATA_MAX : (uint32_t)req->len, r);
	if (err < 0) {
		blk.free[blk.free_count++] = r;
		reply(req->id, err, NULL, 0);
	}
}

/* Answers every request the disk finished. */
static void finished(void *ctx, long isr)
{
	void *cookie;
	long result;

	(void)ctx;
	(void)isr;
	while (blkdev_reap(&blk.disk, &cookie, &result)) {
		struct request *r = cookie;

		reply(r->id, result, r->buf,
		      r->op == ARCHK_IO_READ && result > 0 ? (size_t)result : 0);
		blk.free[blk.free_count++] = r;
	}
}

/* After a batch of requests: one doorbell for all, and answers for those with nothing to do. */
static void flush(void *ctx)
{
	long err = blkdev_kick(&blk.disk);

	if (err < 0)
		drv_fail(&blk.server, "device_notify", err);
	finished(ctx, 0);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "disk";
	archk_handle_t obj;
	long err;

	blk.server = (struct drv_server){.name = "blk",
					 .buffer = next_buffer,
					 .request = request,
					 .interrupt = finished,
					 .flush = flush};
	if ((err = blkdev_open(&blk.disk, archk_handle_named("device"), DEPTH,
			       DEPTH * ARCHK_TABLE_DATA_MAX)) < 0)
		drv_fail(&blk.server, "cannot start the disk", err);
	blk.server.dev = &blk.disk.dev;
	for (unsigned i = 0; i < DEPTH; i++) {
		blk.requests[i].buf = blkdev_buffer(&blk.disk, ARCHK_TABLE_DATA_MAX);
		blk.free[blk.free_count++] = &blk.requests[i];
	}
	obj = drv_object(&blk.server, 1, RIGHTS_DISK);
	drv_publish(&blk.server, &name, &obj, 1);
	drv_serve(&blk.server);
}
