/*
 * The console driver: drives the console device (virtio-console) and serves
 * archk's terminal as three stream objects, published to its spawner as
 * "in", "out" and "err", which programs use as they would archk's own
 * console (docs/abi.md 18.10):
 *
 *   in:  READ (buf, len): the oldest input, at most len bytes; waits while
 *        there is none; 0 once the input has ended. OPEN "interrupt": an
 *        event on which each Ctrl-C typed on the terminal raises USER0
 *        (archk's console hands it out: the keys are archk's to watch).
 *   out, err: WRITE (buf, len): takes min(len, 64 KiB) bytes, in order, and
 *        answers at once; the host writes them behind (write-behind). Once
 *        the host has refused a port's output (a closed pipe), its WRITEs
 *        return that error (PEER_CLOSED). SYNC: answers 0 once the host has
 *        written everything WRITE took before it (init syncs before it
 *        exits, so a program's last words are not lost when archk ends).
 *   all: GET_META: kind STREAM, flag TERMINAL when that host fd is a terminal.
 *
 * Receive buffers are posted to the device ahead of time; what comes back
 * waits in order for READs. Each WRITE's data is received straight into a
 * free transmit buffer (DMA memory), which then goes to the device.
 */
#include "lib/server.h"

#define RX_BUFFERS  16
#define RX_BYTES    4096
#define TX_BUFFERS  16
#define READERS_MAX 64
#define SYNCERS_MAX 64
#define COOKIE_IN   0
#define COOKIE_OUT  1
#define COOKIE_ERR  2
#define RIGHTS_IN                                                                                  \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE | \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_WAIT)
#define RIGHTS_OUT                                                                                 \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WRITE |                        \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_WAIT)

struct rx_buffer {
	uint8_t *data;
	uint32_t len, taken; /* bytes the device filled, and READs took */
	struct rx_buffer *next;
};

struct tx_buffer {
	uint8_t *data;
	bool busy;
};

struct reader {
	uint64_t id;
	uint64_t len;
};

/* A SYNC on an output port, answered once the port's count of written buffers reaches target. */
struct syncer {
	uint64_t id;
	uint64_t target;
	unsigned port;
};

/* An output port: its queue and how many buffers went to the device and came back written. */
struct port {
	struct vq q;
	bool kick;
	uint64_t queued, written;
};

static struct {
	struct drv_server server;
	struct vdev dev;
	struct dma_area dma;
	struct vq rxq;
	struct port ports[2]; /* out, err */
	struct archk_console_config config;
	struct rx_buffer rx[RX_BUFFERS];
	struct rx_buffer *filled, *filled_tail; /* input for READs, oldest first */
	bool input_ended;
	struct tx_buffer tx[TX_BUFFERS];
	struct reader readers[READERS_MAX]; /* READs waiting, oldest first */
	unsigned reader_count;
	struct syncer syncers[SYNCERS_MAX]; /* SYNCs waiting */
	unsigned syncer_count;
	bool kick_rx;
} con;

static void reply(uint64_t id, long result, const void *data, size_t len, archk_handle_t h)
{
	long err = archk_table_reply(con.server.table, id, result, data, len, h);

	if (err < 0 && err != ARCHK_ERR_PEER_CLOSED)
		drv_fail(&con.server, "table_reply", err);
}

static struct tx_buffer *free_tx(void)
{
	for (unsigned i = 0; i < TX_BUFFERS; i++)
		if (!con.tx[i].busy)
			return &con.tx[i];
	return NULL;
}

/* The transmit buffer whose data is at data. */
static struct tx_buffer *tx_of(const void *data)
{
	for (unsigned i = 0; i < TX_BUFFERS; i++)
		if (con.tx[i].data == data)
			return &con.tx[i];
	return NULL; /* not reached: next_buffer gave data */
}

/* In-data lands in a free transmit buffer (it is a WRITE's, or nobody's). */
static void *next_buffer(void *ctx)
{
	struct tx_buffer *t = free_tx();

	(void)ctx;
	return t && con.reader_count < READERS_MAX && con.syncer_count < SYNCERS_MAX ? t->data
										     : NULL;
}

static void post_rx(struct rx_buffer *b)
{
	struct vbuf v = {b->data, RX_BYTES, true};

	b->len = b->taken = 0;
	vq_add(&con.rxq, &v, 1, b);
	con.kick_rx = true;
}

/* Serves waiting READs from the input, oldest first; 0 to all once it has ended. */
static void serve_readers(void)
{
	unsigned served = 0;

	while (served < con.reader_count && (con.filled || con.input_ended)) {
		struct reader *r = &con.readers[served++];
		struct rx_buffer *b = con.filled;
		uint32_t n;

		if (!b) {
			reply(r->id, 0, NULL, 0, 0);
			continue;
		}
		n = b->len - b->taken < r->len ? b->len - b->taken : (uint32_t)r->len;
		reply(r->id, n, b->data + b->taken, n, 0);
		if ((b->taken += n) == b->len) {
			con.filled = b->next;
			post_rx(b);
		}
	}
	con.reader_count -= served;
	memmove(con.readers, con.readers + served, con.reader_count * sizeof(con.readers[0]));
}

static void answer_meta(uint64_t id, uint64_t cookie)
{
	struct archk_meta meta = {
	    .type = ARCHK_OBJ_SERVED,
	    .kind = ARCHK_KIND_STREAM,
	    .flags = con.config.terminal & (1u << cookie) ? ARCHK_META_TERMINAL : 0,
	};

	reply(id, 0, &meta, sizeof(meta), 0);
}

/* OPEN "interrupt": archk's console hands out the event (it watches the keys). */
static void open_interrupt(const struct archk_table_request *req, const void *path)
{
	long ev;

	if (req->len != 9 || memcmp(path, "interrupt", 9) != 0) {
		reply(req->id, ARCHK_ERR_NOT_FOUND, NULL, 0, 0);
		return;
	}
	ev = archk_do_io(ARCHK_IO_OPEN, archk_handle_named("in"), (long)"interrupt", 9,
			 (long)(uint32_t)req->offset, 0);
	reply(req->id, ev < 0 ? ev : 0, NULL, 0, ev < 0 ? 0 : (archk_handle_t)ev);
}

/* A WRITE on out or err: its data is in tx (received there); off to the device. */
static void write_out(const struct archk_table_request *req, struct tx_buffer *tx)
{
	bool err = req->cookie == COOKIE_ERR;
	int32_t refused = con.config.out_error[err];
	struct vbuf v = {tx->data, (uint32_t)req->len, false};
	struct port *p = &con.ports[err];

	if (refused) {
		reply(req->id, refused, NULL, 0, 0);
		return;
	}
	if (req->len == 0) {
		reply(req->id, 0, NULL, 0, 0);
		return;
	}
	tx->busy = true;
	vq_add(&p->q, &v, 1, tx);
	p->kick = true;
	p->queued++;
	reply(req->id, (long)req->len, NULL, 0, 0);
}

/* Answers the SYNCs whose port has written what they wait for. */
static void serve_syncers(void)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < con.syncer_count; i++) {
		struct syncer *w = &con.syncers[i];

		if (con.ports[w->port].written >= w->target)
			reply(w->id, 0, NULL, 0, 0);
		else
			con.syncers[kept++] = *w;
	}
	con.syncer_count = kept;
}

/* A SYNC: on in there is nothing to write; on out or err it waits for what is queued. */
static void sync_port(const struct archk_table_request *req)
{
	if (req->cookie == COOKIE_IN) {
		reply(req->id, 0, NULL, 0, 0);
		return;
	}
	unsigned port = req->cookie == COOKIE_ERR;
	con.syncers[con.syncer_count++] = (struct syncer){req->id, con.ports[port].queued, port};
	serve_syncers();
}

static void request(void *ctx, const struct archk_table_request *req, void *data,
		    const archk_handle_t *handles)
{
	(void)ctx;
	for (uint32_t i = 0; i < req->handle_count; i++)
		archk_handle_close(handles[i]);
	if (req->op == ARCHK_IO_CLOSE)
		return;
	if (req->op == ARCHK_IO_GET_META)
		answer_meta(req->id, req->cookie);
	else if (req->op == ARCHK_IO_READ && req->cookie == COOKIE_IN) {
		con.readers[con.reader_count++] = (struct reader){req->id, req->len};
		serve_readers();
	} else if (req->op == ARCHK_IO_OPEN && req->cookie == COOKIE_IN)
		open_interrupt(req, data);
	else if (req->op == ARCHK_IO_WRITE && req->cookie != COOKIE_IN)
		write_out(req, tx_of(data));
	else if (req->op == ARCHK_IO_SYNC)
		sync_port(req);
	else
		reply(req->id, ARCHK_ERR_NOT_SUPPORTED, NULL, 0, 0);
}

/* What the device gave back: input in order, transmit buffers free again, config news. */
static void interrupt(void *ctx, long isr)
{
	struct rx_buffer *b;
	struct tx_buffer *t;
	uint32_t len;

	(void)ctx;
	if (isr & ARCHK_DEVICE_ISR_CONFIG)
		archk_do_io(ARCHK_IO_READ, con.dev.handle, (long)&con.config, sizeof(con.config), 0,
			    0);
	while ((b = vq_get(&con.rxq, &len))) {
		if (len == 0) { /* archk's end of input */
			con.input_ended = true;
			continue;
		}
		b->len = len;
		b->next = NULL;
		if (con.filled)
			con.filled_tail->next = b;
		else
			con.filled = b;
		con.filled_tail = b;
	}
	for (unsigned i = 0; i < 2; i++)
		while ((t = vq_get(&con.ports[i].q, NULL))) {
			t->busy = false;
			con.ports[i].written++;
		}
	serve_readers();
	serve_syncers();
}

/* One doorbell per queue that got buffers during this round. */
static void flush(void *ctx)
{
	struct {
		bool *pending;
		struct vq *q;
	} queues[] = {{&con.kick_rx, &con.rxq},
		      {&con.ports[0].kick, &con.ports[0].q},
		      {&con.ports[1].kick, &con.ports[1].q}};

	(void)ctx;
	for (unsigned i = 0; i < 3; i++) {
		long err;

		if (!*queues[i].pending)
			continue;
		*queues[i].pending = false;
		if ((err = vq_kick(&con.dev, queues[i].q)) < 0)
			drv_fail(&con.server, "device_notify", err);
	}
}

int main(void)
{
	static const char *const names[] = {"in", "out", "err"};
	archk_handle_t objects[3];
	long err;

	con.server = (struct drv_server){.name = "console",
					 .buffer = next_buffer,
					 .request = request,
					 .interrupt = interrupt,
					 .flush = flush};
	drv_open_device(&con.server, &con.dev, ARCHK_DEVICE_ID_CONSOLE, ARCHK_CONSOLE_F_SIZE);
	if ((err = archk_do_io(ARCHK_IO_READ, con.dev.handle, (long)&con.config, sizeof(con.config),
			       0, 0)) < 0 ||
	    (err = dma_area_init(&con.dma, 64 * 1024 + RX_BUFFERS * RX_BYTES +
					       TX_BUFFERS * ARCHK_TABLE_DATA_MAX)) < 0 ||
	    (err = vq_init(&con.dev, &con.rxq, ARCHK_CONSOLE_Q_IN, RX_BUFFERS, &con.dma)) < 0 ||
	    (err = vq_init(&con.dev, &con.ports[0].q, ARCHK_CONSOLE_Q_OUT, TX_BUFFERS, &con.dma)) <
		0 ||
	    (err = vq_init(&con.dev, &con.ports[1].q, ARCHK_CONSOLE_Q_ERR, TX_BUFFERS, &con.dma)) <
		0)
		drv_fail(&con.server, "cannot set its queues up", err);
	for (unsigned i = 0; i < RX_BUFFERS; i++) {
		con.rx[i].data = dma_alloc(&con.dma, RX_BYTES, 16);
		post_rx(&con.rx[i]);
	}
	for (unsigned i = 0; i < TX_BUFFERS; i++)
		con.tx[i].data = dma_alloc(&con.dma, ARCHK_TABLE_DATA_MAX, 16);
	objects[0] = drv_object(&con.server, COOKIE_IN, RIGHTS_IN);
	objects[1] = drv_object(&con.server, COOKIE_OUT, RIGHTS_OUT);
	objects[2] = drv_object(&con.server, COOKIE_ERR, RIGHTS_OUT);
	flush(NULL);
	drv_publish(&con.server, names, objects, 3);
	drv_serve(&con.server);
}
