/*
 * The driver of devices that fill buffers on request: the entropy device
 * (virtio-rng) and archk's clock. It serves one object, published to its
 * spawner under the name given as argument (default "random" or "clock"):
 *
 *   READ (buf, len): entropy: min(len, 64 KiB) random bytes; clock: a
 *     struct archk_clock_reading (the realtime clock, UTC), len at least
 *     its size (else INVALID_ARGS);
 *   GET_META: kind STREAM (entropy) or OTHER (clock).
 *
 * Up to DEPTH reads are in flight, each with its own DMA buffer.
 */
#include "lib/server.h"

#define DEPTH	   16
#define BUFFER_MAX ARCHK_TABLE_DATA_MAX
#define RIGHTS_OBJECT                                                                              \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ |                         \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_WAIT)

struct read_slot {
	uint64_t id;
	void *buf;
	bool busy;
};

static struct {
	struct drv_server server;
	struct vdev dev;
	struct vq q;
	struct dma_area dma;
	bool clock;
	struct read_slot slots[DEPTH];
	char scratch[BUFFER_MAX]; /* in-data nobody needs (reads bring none) */
	bool unkicked;
} fill;

static struct read_slot *free_slot(void)
{
	for (unsigned i = 0; i < DEPTH; i++)
		if (!fill.slots[i].busy)
			return &fill.slots[i];
	return NULL;
}

static void *next_buffer(void *ctx)
{
	(void)ctx;
	return free_slot() && fill.q.num_free ? fill.scratch : NULL;
}

static void reply(uint64_t id, long result, const void *data, size_t len)
{
	long err = archk_table_reply(fill.server.table, id, result, data, len, 0);

	if (err < 0 && err != ARCHK_ERR_PEER_CLOSED)
		drv_fail(&fill.server, "table_reply", err);
}

static void request(void *ctx, const struct archk_table_request *req, void *data,
		    const archk_handle_t *handles)
{
	struct archk_meta meta = {.type = ARCHK_OBJ_SERVED};
	struct read_slot *s = free_slot();
	size_t len = req->len < BUFFER_MAX ? req->len : BUFFER_MAX;
	struct vbuf v;

	(void)ctx;
	(void)data;
	for (uint32_t i = 0; i < req->handle_count; i++)
		archk_handle_close(handles[i]);
	switch (req->op) {
	case ARCHK_IO_CLOSE:
		return;
	case ARCHK_IO_GET_META:
		meta.kind = fill.clock ? ARCHK_KIND_OTHER : ARCHK_KIND_STREAM;
		reply(req->id, 0, &meta, sizeof(meta));
		return;
	case ARCHK_IO_READ:
		break;
	default:
		reply(req->id, ARCHK_ERR_NOT_SUPPORTED, NULL, 0);
		return;
	}
	if (fill.clock && len < sizeof(struct archk_clock_reading)) {
		reply(req->id, ARCHK_ERR_INVALID_ARGS, NULL, 0);
		return;
	}
	if (fill.clock)
		len = sizeof(struct archk_clock_reading);
	if (len == 0) {
		reply(req->id, 0, NULL, 0);
		return;
	}
	v = (struct vbuf){s->buf, (uint32_t)len, true};
	s->id = req->id;
	s->busy = true;
	vq_add(&fill.q, &v, 1, s); /* next_buffer made sure a descriptor is free */
	fill.unkicked = true;
}

/* Answers every read the device finished. */
static void finished(void *ctx, long isr)
{
	struct read_slot *s;
	uint32_t len;

	(void)ctx;
	(void)isr;
	while ((s = vq_get(&fill.q, &len))) {
		s->busy = false;
		reply(s->id, len, s->buf, len);
	}
}

static void flush(void *ctx)
{
	long err;

	(void)ctx;
	if (!fill.unkicked)
		return;
	fill.unkicked = false;
	if ((err = vq_kick(&fill.dev, &fill.q)) < 0)
		drv_fail(&fill.server, "device_notify", err);
}

int main(int argc, char **argv)
{
	struct archk_device_info info;
	archk_handle_t device = archk_handle_named("device"), obj;
	const char *name;
	long err;

	fill.server = (struct drv_server){.name = "filldev",
					  .buffer = next_buffer,
					  .request = request,
					  .interrupt = finished,
					  .flush = flush};
	if ((err = archk_syscall2(ARCHK_SYS_DEVICE_INFO, device, (long)&info)) < 0)
		drv_fail(&fill.server, "device_info", err);
	fill.clock = info.device_id == ARCHK_DEVICE_ID_CLOCK;
	drv_open_device(&fill.server, &fill.dev,
			fill.clock ? ARCHK_DEVICE_ID_CLOCK : ARCHK_DEVICE_ID_ENTROPY, 0);
	if ((err = dma_area_init(&fill.dma, 64 * 1024 + DEPTH * BUFFER_MAX)) < 0 ||
	    (err = vq_init(&fill.dev, &fill.q, 0, DEPTH, &fill.dma)) < 0)
		drv_fail(&fill.server, "cannot set its queue up", err);
	for (unsigned i = 0; i < DEPTH; i++)
		fill.slots[i].buf = dma_alloc(&fill.dma, BUFFER_MAX, 16);
	name = argc > 1 ? argv[1] : fill.clock ? "clock" : "random";
	obj = drv_object(&fill.server, 1, RIGHTS_OBJECT);
	drv_publish(&fill.server, &name, &obj, 1);
	drv_serve(&fill.server);
}
