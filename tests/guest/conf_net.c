/*
 * Conformance: the socket device and the net driver, with the exact codes
 * docs/abi.md (18.13, 18.14) gives. Run as a batch job of an archk started
 * with a policy around a base port P (tests/integration/with_ports.sh finds
 * free ones):
 *
 *   archk --net-listen 127.0.0.1:P-P+7 --net-listen '[::1]:P+9' ... -- /tests/conf_net MODE P
 *
 *   device        the socket device driven by this program: every operation,
 *                 its errors, bad ids, garbage chains, the policy (P+8 and
 *                 0.0.0.0 may not listen, 10.9.8.7 may not be reached)
 *   device-reset  a child drives the device and ends with sockets open: the
 *                 reset closes them (P may listen again)
 *   driver        the net driver through do_io and I/O queues
 *   connect PATH...  OPEN of each PATH on "net" (under netrun or netfw): a line
 *                 with OK (and "hello PATH\n" written on the connection) or the error
 */
#include "check.h"
#include "lib/server.h"
#include "lib/virtio.h"

#define MS	 1000000LL
#define SEC	 (1000 * MS)
#define QSIZE	 256
#define DATA_MAX 8192

static unsigned base_port;

/* ---- the device, driven from here with raw chains ---- */

/* One operation: request, response and data in DMA memory. */
struct top {
	struct archk_socket_req req;
	struct archk_socket_resp resp;
	bool done;
	uint32_t written;
	uint8_t data[DATA_MAX];
};

static struct vdev dev;
static struct vq q;
static struct dma_area dma;

static struct top *top_new(void)
{
	struct top *t = dma_alloc(&dma, sizeof(struct top), 64);

	CHECK_TRUE(t != NULL);
	return t;
}

static struct archk_net_addr ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, unsigned port)
{
	return (struct archk_net_addr){
	    .family = ARCHK_NET_INET, .port = (uint16_t)port, .addr = {a, b, c, d}};
}

static struct archk_net_addr loopback(unsigned port)
{
	return ipv4(127, 0, 0, 1, port);
}

/* Offers t with send bytes of data to send and recv bytes of room to receive. */
static void offer(struct top *t, uint32_t send, uint32_t recv)
{
	struct vbuf v[4];
	unsigned n = 0;

	t->done = false;
	t->resp = (struct archk_socket_resp){.result = 12345};
	v[n++] = (struct vbuf){&t->req, sizeof(t->req), false};
	if (send)
		v[n++] = (struct vbuf){t->data, send, false};
	v[n++] = (struct vbuf){&t->resp, sizeof(t->resp), true};
	if (recv)
		v[n++] = (struct vbuf){t->data, recv, true};
	CHECK_EQ(vq_add(&q, v, n, t), 0);
	CHECK_EQ(vq_kick(&dev, &q), 0);
}

/* Marks every chain the device gave back as done. */
static void reap(void)
{
	uint32_t len;
	struct top *t;

	while ((t = vq_get(&q, &len))) {
		t->done = true;
		t->written = len;
	}
}

/* Waits until t is done (5 s at most); its result, or TIMED_OUT. */
static long await(struct top *t)
{
	int64_t deadline = now() + 5 * SEC;

	for (reap(); !t->done; reap())
		if (vdev_wait(&dev, deadline) == ARCHK_ERR_TIMED_OUT)
			return ARCHK_ERR_TIMED_OUT;
	return t->resp.result;
}

/* Runs one operation to its end: its result. */
static long run(struct top *t, uint32_t send, uint32_t recv)
{
	offer(t, send, recv);
	return await(t);
}

static long op_addr(struct top *t, uint32_t op, struct archk_net_addr a)
{
	t->req = (struct archk_socket_req){.op = op, .addr = a};
	return run(t, 0, 0);
}

static long op_id(struct top *t, uint32_t op, uint32_t id, uint32_t flags)
{
	t->req = (struct archk_socket_req){.op = op, .id = id, .flags = flags};
	return run(t, 0, 0);
}

/* SEND of text on connection id. */
static long dsend(struct top *t, uint32_t id, const char *text)
{
	size_t n = strlen(text);

	t->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_SEND, .id = id};
	memcpy(t->data, text, n);
	return run(t, (uint32_t)n, 0);
}

/* RECV of up to len bytes on connection id (with flags). */
static long drecv(struct top *t, uint32_t id, uint32_t len, uint32_t flags)
{
	t->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_RECV, .id = id, .flags = flags};
	return run(t, 0, len);
}

/* A new id made by op at a (LISTEN, CONNECT, BIND), or 0 after a failed check. */
static uint32_t make(struct top *t, uint32_t op, struct archk_net_addr a)
{
	long r = op_addr(t, op, a);

	CHECK_EQ(r, 0);
	return r == 0 ? t->resp.id : 0;
}

static void dclose(struct top *t, uint32_t id)
{
	CHECK_EQ(op_id(t, ARCHK_SOCKET_OP_CLOSE, id, 0), 0);
}

static void test_device_info(void)
{
	struct archk_socket_config config;
	archk_handle_t h = dev.handle;

	CHECK_EQ(dev.info.device_id, ARCHK_DEVICE_ID_SOCKET);
	CHECK_EQ(dev.info.queue_count, 1);
	CHECK_EQ(dev.info.queue_size_max, 2048);
	CHECK_EQ(dev.info.config_size, sizeof(config));
	CHECK_EQ(strcmp(dev.info.name, "net"), 0);
	CHECK_EQ(io(ARCHK_IO_READ, h, &config, sizeof(config), 0), sizeof(config));
	CHECK_EQ(config.sockets_max, 1024);
	CHECK_EQ(config.requests_max, 512);
	CHECK_EQ(config.backlog, 128);
	CHECK_EQ(io(ARCHK_IO_WRITE, h, &config, sizeof(config), 0), sizeof(config));
}

/* The policy and bad addresses: nothing is made, and nothing is left behind. */
static void test_refused(void)
{
	struct top *t = top_new();
	struct archk_net_addr a = loopback(base_port);

	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_LISTEN, loopback(base_port + 8)),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_LISTEN, ipv4(0, 0, 0, 0, base_port)),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_BIND, ipv4(0, 0, 0, 0, base_port)),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_CONNECT, ipv4(10, 9, 8, 7, 80)),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_LISTEN, loopback(0)), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_CONNECT, loopback(0)), ARCHK_ERR_INVALID_ARGS);
	a.family = 5;
	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_LISTEN, a), ARCHK_ERR_INVALID_ARGS);
	a = loopback(base_port);
	a.reserved = 1;
	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_LISTEN, a), ARCHK_ERR_INVALID_ARGS);
	t->req = (struct archk_socket_req){
	    .op = ARCHK_SOCKET_OP_LISTEN, .flags = 1, .addr = loopback(base_port)};
	CHECK_EQ(run(t, 0, 0), ARCHK_ERR_INVALID_ARGS);
	t->req = (struct archk_socket_req){
	    .op = ARCHK_SOCKET_OP_LISTEN, .reserved = 1, .addr = loopback(base_port)};
	CHECK_EQ(run(t, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(op_id(t, 0, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(op_id(t, 11, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(op_id(t, 0xffffffff, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	/* Nobody listens at P+7 (allowed): refused by the host. */
	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_CONNECT, loopback(base_port + 7)),
		 ARCHK_ERR_CONN_REFUSED);
}

/* Ids that name nothing, or a socket of another kind. */
static void test_bad_ids(void)
{
	static const uint32_t ops[] = {ARCHK_SOCKET_OP_ACCEPT,	ARCHK_SOCKET_OP_SEND,
				       ARCHK_SOCKET_OP_RECV,	ARCHK_SOCKET_OP_SHUTDOWN,
				       ARCHK_SOCKET_OP_CLOSE,	ARCHK_SOCKET_OP_SENDTO,
				       ARCHK_SOCKET_OP_RECVFROM};
	struct top *t = top_new();
	uint32_t listener = make(t, ARCHK_SOCKET_OP_LISTEN, loopback(base_port));

	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		t->req = (struct archk_socket_req){.op = ops[i], .id = 1000, .flags = 0};
		t->req.addr = loopback(base_port);
		CHECK_EQ(run(t, 0, 16), ARCHK_ERR_NOT_FOUND);
		t->req.id = 0xffffffff;
		CHECK_EQ(run(t, 0, 16), ARCHK_ERR_NOT_FOUND);
		t->req.id = listener + 1024; /* the listener's slot, another generation */
		CHECK_EQ(run(t, 0, 16), ARCHK_ERR_NOT_FOUND);
	}
	/* The wrong kind of socket. */
	CHECK_EQ(dsend(t, listener, "x"), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(drecv(t, listener, 16, 0), ARCHK_ERR_WRONG_TYPE);
	CHECK_EQ(op_id(t, ARCHK_SOCKET_OP_SHUTDOWN, listener, 3), ARCHK_ERR_WRONG_TYPE);
	t->req = (struct archk_socket_req){
	    .op = ARCHK_SOCKET_OP_SENDTO, .id = listener, .addr = loopback(base_port)};
	CHECK_EQ(run(t, 1, 0), ARCHK_ERR_WRONG_TYPE);
	dclose(t, listener);
	/* A closed id is gone. */
	CHECK_EQ(op_id(t, ARCHK_SOCKET_OP_ACCEPT, listener, 0), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(op_id(t, ARCHK_SOCKET_OP_CLOSE, listener, 0), ARCHK_ERR_NOT_FOUND);
}

/* A listener, a connection to it, bytes both ways, shutdown, close. */
static void test_tcp(void)
{
	struct top *t = top_new(), *a = top_new();
	struct archk_net_addr addr = loopback(base_port + 1);
	uint32_t listener = make(t, ARCHK_SOCKET_OP_LISTEN, addr), client, server;

	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_LISTEN, addr), ARCHK_ERR_ADDR_IN_USE);
	/* An ACCEPT waits for a connection. */
	a->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_ACCEPT, .id = listener};
	offer(a, 0, 0);
	client = make(t, ARCHK_SOCKET_OP_CONNECT, addr);
	CHECK_EQ(t->resp.addr.port, base_port + 1); /* CONNECT's address: the peer */
	CHECK_EQ(await(a), 0);
	server = a->resp.id;
	CHECK_EQ(a->resp.addr.family, ARCHK_NET_INET);
	CHECK_EQ(a->resp.addr.addr[0], 127);
	CHECK_TRUE(a->resp.addr.port != 0 && a->resp.addr.port != base_port + 1);
	CHECK_EQ(a->written, sizeof(struct archk_socket_resp));
	CHECK_TRUE(server != client && server != listener);

	/* Bytes, and a RECV that waits for them. */
	CHECK_EQ(drecv(t, server, 16, ARCHK_SOCKET_F_NOWAIT), ARCHK_ERR_SHOULD_WAIT);
	a->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_RECV, .id = server};
	offer(a, 0, 100);
	CHECK_EQ(dsend(t, client, "hello, server"), 13);
	CHECK_EQ(await(a), 13);
	CHECK_EQ(a->written, sizeof(struct archk_socket_resp) + 13);
	CHECK_EQ(memcmp(a->data, "hello, server", 13), 0);
	CHECK_EQ(dsend(t, server, "hi"), 2);
	CHECK_EQ(drecv(t, client, 1, 0), 1); /* as much as there is room for */
	CHECK_EQ(t->data[0], 'h');
	CHECK_EQ(drecv(t, client, 10, 0), 1);
	CHECK_EQ(t->data[0], 'i');
	/* RECV needs room, SHUTDOWN a direction, NOWAIT only where it means something. */
	CHECK_EQ(drecv(t, client, 0, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(op_id(t, ARCHK_SOCKET_OP_SHUTDOWN, client, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(op_id(t, ARCHK_SOCKET_OP_SHUTDOWN, client, 4), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(op_id(t, ARCHK_SOCKET_OP_ACCEPT, listener, ARCHK_SOCKET_F_NOWAIT),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(drecv(t, client, 10, 2), ARCHK_ERR_INVALID_ARGS);
	/* Half-close: the server reads the end, then still sends. */
	CHECK_EQ(op_id(t, ARCHK_SOCKET_OP_SHUTDOWN, client, ARCHK_NET_SHUT_WRITE), 0);
	CHECK_EQ(drecv(t, server, 16, 0), 0);
	CHECK_EQ(dsend(t, server, "bye"), 3);
	CHECK_EQ(drecv(t, client, 16, 0), 3);
	CHECK_EQ(dsend(t, client, "x"), ARCHK_ERR_PEER_CLOSED);
	dclose(t, client);
	CHECK_EQ(drecv(t, server, 16, 0), 0); /* the end */
	dclose(t, server);
	dclose(t, listener);
}

/* Closing a socket ends what waits on it: CANCELLED, then the CLOSE's own 0. */
static void test_close_cancels(void)
{
	struct top *t = top_new(), *a = top_new(), *b = top_new();
	struct archk_net_addr addr = loopback(base_port + 2);
	uint32_t listener = make(t, ARCHK_SOCKET_OP_LISTEN, addr), client, server;

	/* Two ACCEPTs wait in order; closing the listener ends both. */
	a->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_ACCEPT, .id = listener};
	offer(a, 0, 0);
	b->req = a->req;
	offer(b, 0, 0);
	dclose(t, listener);
	CHECK_EQ(await(a), ARCHK_ERR_CANCELLED);
	CHECK_EQ(await(b), ARCHK_ERR_CANCELLED);
	/* The port is free again at once. */
	listener = make(t, ARCHK_SOCKET_OP_LISTEN, addr);
	a->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_ACCEPT, .id = listener};
	offer(a, 0, 0);
	client = make(t, ARCHK_SOCKET_OP_CONNECT, addr);
	CHECK_EQ(await(a), 0);
	server = a->resp.id;
	/* A RECV waiting, and one queued behind it: both end with the close. */
	a->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_RECV, .id = server};
	offer(a, 0, 64);
	b->req = a->req;
	offer(b, 0, 64);
	dclose(t, server);
	CHECK_EQ(await(a), ARCHK_ERR_CANCELLED);
	CHECK_EQ(await(b), ARCHK_ERR_CANCELLED);
	CHECK_EQ(drecv(t, client, 16, 0), 0); /* the peer sees the end */
	dclose(t, client);
	dclose(t, listener);
}

/* A peer that closes with bytes unread resets the connection. */
static void test_reset(void)
{
	struct top *t = top_new(), *a = top_new();
	struct archk_net_addr addr = loopback(base_port + 3);
	uint32_t listener = make(t, ARCHK_SOCKET_OP_LISTEN, addr), client, server;

	a->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_ACCEPT, .id = listener};
	offer(a, 0, 0);
	client = make(t, ARCHK_SOCKET_OP_CONNECT, addr);
	CHECK_EQ(await(a), 0);
	server = a->resp.id;
	CHECK_EQ(dsend(t, client, "never read"), 10);
	CHECK_EQ(drecv(t, server, 1, 0), 1);
	dclose(t, server); /* 9 bytes unread: the host resets */
	CHECK_EQ(drecv(t, client, 16, 0), ARCHK_ERR_CONN_RESET);
	dclose(t, client);
	dclose(t, listener);
}

/* UDP: datagrams with their addresses; SENDTO obeys the connect policy. */
static void test_udp(void)
{
	struct top *t = top_new();
	struct archk_net_addr pa = loopback(base_port + 4), pb = loopback(base_port + 5);
	uint32_t a = make(t, ARCHK_SOCKET_OP_BIND, pa), b = make(t, ARCHK_SOCKET_OP_BIND, pb);

	CHECK_EQ(op_addr(t, ARCHK_SOCKET_OP_BIND, pa), ARCHK_ERR_ADDR_IN_USE);
	t->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_SENDTO, .id = a, .addr = pb};
	memcpy(t->data, "datagram", 8);
	CHECK_EQ(run(t, 8, 0), 8);
	t->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_SENDTO, .id = a, .addr = pb};
	CHECK_EQ(run(t, 0, 0), 0); /* an empty datagram is one too */
	t->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_RECVFROM, .id = b};
	CHECK_EQ(run(t, 0, 100), 8);
	CHECK_EQ(memcmp(t->data, "datagram", 8), 0);
	CHECK_EQ(t->resp.addr.port, base_port + 4);
	CHECK_EQ(t->resp.addr.addr[0], 127);
	CHECK_EQ(run(t, 0, 100), 0);
	t->req = (struct archk_socket_req){
	    .op = ARCHK_SOCKET_OP_RECVFROM, .id = b, .flags = ARCHK_SOCKET_F_NOWAIT};
	CHECK_EQ(run(t, 0, 100), ARCHK_ERR_SHOULD_WAIT);
	t->req = (struct archk_socket_req){
	    .op = ARCHK_SOCKET_OP_SENDTO, .id = a, .addr = ipv4(10, 9, 8, 7, 53)};
	CHECK_EQ(run(t, 4, 0), ARCHK_ERR_ACCESS_DENIED);
	t->req =
	    (struct archk_socket_req){.op = ARCHK_SOCKET_OP_SENDTO, .id = a, .addr = loopback(0)};
	CHECK_EQ(run(t, 4, 0), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(dsend(t, a, "x"), ARCHK_ERR_WRONG_TYPE);
	dclose(t, a);
	dclose(t, b);
}

/* IPv6 where the host has it: [::1]:P+9 is allowed. */
static void test_ipv6(void)
{
	struct top *t = top_new(), *a = top_new();
	struct archk_net_addr addr = {
	    .family = ARCHK_NET_INET6, .port = (uint16_t)(base_port + 9), .addr = {[15] = 1}};
	long r = op_addr(t, ARCHK_SOCKET_OP_LISTEN, addr);
	uint32_t listener = t->resp.id, client;

	if (r == ARCHK_ERR_NOT_SUPPORTED || r == ARCHK_ERR_UNREACHABLE)
		return; /* the host has no IPv6 */
	CHECK_EQ(r, 0);
	a->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_ACCEPT, .id = listener};
	offer(a, 0, 0);
	client = make(t, ARCHK_SOCKET_OP_CONNECT, addr);
	CHECK_EQ(await(a), 0);
	CHECK_EQ(a->resp.addr.family, ARCHK_NET_INET6);
	CHECK_EQ(a->resp.addr.addr[15], 1);
	dclose(t, client);
	dclose(t, a->resp.id);
	dclose(t, listener);
}

/* Garbage chains get a precise answer, or none when there is no room for one. */
static void test_garbage(void)
{
	struct top *t = top_new();
	struct vbuf v[2];

	/* A request shorter than its header. */
	v[0] = (struct vbuf){&t->req, 8, false};
	v[1] = (struct vbuf){&t->resp, sizeof(t->resp), true};
	t->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_LISTEN};
	t->done = false;
	CHECK_EQ(vq_add(&q, v, 2, t), 0);
	CHECK_EQ(vq_kick(&dev, &q), 0);
	CHECK_EQ(await(t), ARCHK_ERR_INVALID_ARGS);
	/* No room for the response: given back with nothing written. */
	v[0] = (struct vbuf){&t->req, sizeof(t->req), false};
	v[1] = (struct vbuf){&t->resp, 8, true};
	t->resp.result = 777;
	t->done = false;
	CHECK_EQ(vq_add(&q, v, 2, t), 0);
	CHECK_EQ(vq_kick(&dev, &q), 0);
	CHECK_EQ(await(t), 777);
	CHECK_EQ(t->written, 0);
	/* Only readable buffers. */
	t->done = false;
	CHECK_EQ(vq_add(&q, v, 1, t), 0);
	CHECK_EQ(vq_kick(&dev, &q), 0);
	CHECK_EQ(await(t), 777);
	CHECK_EQ(t->written, 0);
}

/* Many sockets and requests at once: the device stays within its bounds. */
static void test_many(void)
{
	struct top *t = top_new(), *a[32];
	uint32_t listener = make(t, ARCHK_SOCKET_OP_LISTEN, loopback(base_port + 6));
	uint32_t clients[32];

	/* 32 connections wait in the backlog, then are accepted at once. */
	for (unsigned i = 0; i < 32; i++)
		clients[i] = make(t, ARCHK_SOCKET_OP_CONNECT, loopback(base_port + 6));
	for (unsigned i = 0; i < 32; i++) {
		a[i] = top_new();
		a[i]->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_ACCEPT, .id = listener};
		offer(a[i], 0, 0);
	}
	for (unsigned i = 0; i < 32; i++)
		CHECK_EQ(await(a[i]), 0);
	/* A RECV waits on each; the clients' bytes end them. */
	for (unsigned i = 0; i < 32; i++) {
		uint32_t server = a[i]->resp.id;

		a[i]->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_RECV, .id = server};
		offer(a[i], 0, 16);
		a[i]->req.id = server; /* kept for the close below */
	}
	for (unsigned i = 0; i < 32; i++)
		CHECK_EQ(dsend(t, clients[i], "0123456789abcdef"), 16);
	for (unsigned i = 0; i < 32; i++) {
		CHECK_EQ(await(a[i]), 16);
		dclose(t, a[i]->req.id);
		dclose(t, clients[i]);
	}
	dclose(t, listener);
}

static void device_tests(archk_handle_t bus)
{
	long h = archk_do_io(ARCHK_IO_OPEN, bus, (long)"net", 3, ARCHK_RIGHTS_SAME, 0);

	CHECK_TRUE(h > 0);
	CHECK_EQ(vdev_open(&dev, (archk_handle_t)h, ARCHK_DEVICE_ID_SOCKET, 0), 0);
	CHECK_EQ(dma_area_init(&dma, 1 << 20), 0);
	CHECK_EQ(vq_init(&dev, &q, 0, QSIZE, &dma), 0);
	test_device_info();
	test_refused();
	test_bad_ids();
	test_tcp();
	test_close_cancels();
	test_reset();
	test_udp();
	test_ipv6();
	test_garbage();
	test_many();
}

/* A child drives the device, listens on P and ends: the reset closes its socket. */
static int child_listens(void)
{
	struct top *t;

	if (vdev_open(&dev, archk_handle_named("device"), ARCHK_DEVICE_ID_SOCKET, 0) < 0 ||
	    dma_area_init(&dma, 1 << 20) < 0 || vq_init(&dev, &q, 0, QSIZE, &dma) < 0)
		return 1;
	t = top_new();
	if (op_addr(t, ARCHK_SOCKET_OP_LISTEN, loopback(base_port)) < 0)
		return 2;
	return 0; /* its listener is left open */
}

static void reset_tests(archk_handle_t bus)
{
	static const char *const argv[] = {"/tests/conf_net", "child-listens", NULL, NULL};
	char port[16];
	long h = archk_do_io(ARCHK_IO_OPEN, bus, (long)"net", 3, ARCHK_RIGHTS_SAME, 0);
	struct archk_spawn_handle hs[] = {{"device", (archk_handle_t)h, ARCHK_RIGHTS_SAME}};
	const char *args[] = {argv[0], argv[1], port, NULL};
	long r = ARCHK_ERR_ADDR_IN_USE;

	snprintf(port, sizeof(port), "%u", base_port);
	CHECK_EQ(wait_exit(archk_spawn(args[0], args, hs, 1)), 0);
	/* The child's end reset the device; its socket closes soon after. */
	CHECK_EQ(vdev_open(&dev, (archk_handle_t)h, ARCHK_DEVICE_ID_SOCKET, 0), 0);
	CHECK_EQ(dma_area_init(&dma, 1 << 20), 0);
	CHECK_EQ(vq_init(&dev, &q, 0, QSIZE, &dma), 0);
	struct top *t = top_new();
	for (int64_t end = now() + 5 * SEC; r == ARCHK_ERR_ADDR_IN_USE && now() < end;)
		if ((r = op_addr(t, ARCHK_SOCKET_OP_LISTEN, loopback(base_port))) ==
		    ARCHK_ERR_ADDR_IN_USE)
			archk_sleep_until(now() + 10 * MS);
	CHECK_EQ(r, 0);
}

/* ---- the net driver ---- */

static archk_handle_t netobj;
static archk_handle_t driver_process;

/* Starts /drivers/net on the socket device; its "net" object. */
static void start_net_driver(archk_handle_t bus)
{
	static const char *const argv[] = {"/drivers/net", NULL};
	struct archk_served served;
	long h = archk_do_io(ARCHK_IO_OPEN, bus, (long)"net", 3, ARCHK_RIGHTS_SAME, 0);
	struct archk_spawn_handle device[] = {{"device", (archk_handle_t)h, ARCHK_RIGHTS_SAME}};

	CHECK_TRUE(h > 0);
	CHECK_EQ(archk_spawn_server_named(argv, device, 1, &driver_process, &served, 1), 1);
	CHECK_EQ(strcmp(served.name, "net"), 0);
	netobj = served.handle;
	archk_handle_close((archk_handle_t)h);
}

static long nopen(archk_handle_t dir, const char *path, uint32_t rights)
{
	return archk_do_io(ARCHK_IO_OPEN, dir, (long)path, (long)strlen(path), rights, 0);
}

/* OPEN of a formatted path (one %u: a port) that must succeed. */
static archk_handle_t nopen_port(archk_handle_t dir, const char *fmt, unsigned port)
{
	char path[64];
	long h;

	snprintf(path, sizeof(path), fmt, port);
	h = nopen(dir, path, ARCHK_RIGHTS_SAME);
	CHECK_TRUE(h > 0);
	return h > 0 ? (archk_handle_t)h : ARCHK_HANDLE_INVALID;
}

static long nopen_port_err(archk_handle_t dir, const char *fmt, unsigned port)
{
	char path[64];

	snprintf(path, sizeof(path), fmt, port);
	return nopen(dir, path, ARCHK_RIGHTS_SAME);
}

/* The text of an address object opened as name on h. */
static void address_text(archk_handle_t h, const char *name, char *text, size_t len)
{
	long a = nopen(h, name, ARCHK_RIGHTS_SAME), n;
	struct archk_meta meta;

	CHECK_TRUE(a > 0);
	n = io(ARCHK_IO_READ, (archk_handle_t)a, text, len - 1, 0);
	CHECK_TRUE(n > 0);
	text[n > 0 ? n : 0] = '\0';
	CHECK_EQ(archk_get_meta((archk_handle_t)a, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_FILE);
	CHECK_EQ(meta.size, n);
	CHECK_EQ(io(ARCHK_IO_READ, (archk_handle_t)a, text, 10, 100), 0);
	CHECK_EQ(io(ARCHK_IO_WRITE, (archk_handle_t)a, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	archk_handle_close((archk_handle_t)a);
}

/* Reads exactly len bytes of c into buf. */
static long read_all(archk_handle_t c, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		long n = archk_read(c, (char *)buf + got, len - got);

		if (n <= 0)
			return n;
		got += (size_t)n;
	}
	return (long)got;
}

static void test_driver_names(void)
{
	struct archk_meta meta;
	char long_path[200];

	CHECK_EQ(archk_get_meta(netobj, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_OTHER);
	CHECK_EQ(meta.type, ARCHK_OBJ_SERVED);
	CHECK_EQ(nopen(netobj, "nope", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(nopen(netobj, "tcp/listen", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(nopen(netobj, "tcp/connect/127.0.0.1", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(nopen(netobj, "a/b/tcp/listen/80", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(nopen(netobj, "", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	memset(long_path, '1', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	memcpy(long_path, "tcp/listen/", 11);
	CHECK_EQ(nopen(netobj, long_path, ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(nopen(netobj, "tcp/listen/0", ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(nopen(netobj, "tcp/listen/65536", ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(nopen(netobj, "tcp/listen/08", ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(nopen(netobj, "tcp/listen/x", ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(nopen(netobj, "1.2.3/tcp/listen/80", ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(nopen(netobj, "tcp/connect/1.2.3.4.5/80", ARCHK_RIGHTS_SAME),
		 ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(nopen(netobj, "tcp/connect/::1::2/80", ARCHK_RIGHTS_SAME), ARCHK_ERR_INVALID_ARGS);
	/* The host's policy, whatever the path's form. */
	CHECK_EQ(nopen_port_err(netobj, "tcp/listen/%u", base_port), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(nopen_port_err(netobj, "127.0.0.1/tcp/listen/%u", base_port + 8),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(nopen_port_err(netobj, "udp/bind/%u", base_port), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(nopen(netobj, "tcp/connect/10.9.8.7/80", ARCHK_RIGHTS_SAME),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(nopen_port_err(netobj, "tcp/connect/127.0.0.1/%u", base_port + 7),
		 ARCHK_ERR_CONN_REFUSED);
	CHECK_EQ(nopen_port_err(netobj, "tcp/connect/[::1]/%u", base_port + 7),
		 ARCHK_ERR_CONN_REFUSED);
	/* Rights: a subset of the object's, or none of it. */
	CHECK_EQ(nopen(netobj, "tcp/connect/127.0.0.1/1", ARCHK_RIGHT_EXECUTE),
		 ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_READ, netobj, long_path, 8, 0), ARCHK_ERR_ACCESS_DENIED);
}

static void test_driver_tcp(void)
{
	static char big[100000], back[100000];
	char text[64], want[64];
	struct archk_meta meta;
	uint32_t how = ARCHK_NET_SHUT_WRITE;
	archk_handle_t l = nopen_port(netobj, "127.0.0.1/tcp/listen/%u", base_port + 1);
	archk_handle_t c = nopen_port(netobj, "tcp/connect/127.0.0.1/%u", base_port + 1);
	archk_handle_t s = (archk_handle_t)nopen(l, "accept", ARCHK_RIGHTS_SAME);

	CHECK_EQ(nopen_port_err(netobj, "127.0.0.1/tcp/listen/%u", base_port + 1),
		 ARCHK_ERR_ADDR_IN_USE);
	CHECK_EQ(type_of(s), ARCHK_OBJ_SERVED);
	CHECK_EQ(rights_of(l), ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER |
				   ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_ENUMERATE |
				   ARCHK_RIGHT_WAIT);
	CHECK_EQ(rights_of(s), ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ |
				   ARCHK_RIGHT_WRITE | ARCHK_RIGHT_GET_PROPERTY |
				   ARCHK_RIGHT_SET_PROPERTY | ARCHK_RIGHT_ENUMERATE |
				   ARCHK_RIGHT_WAIT);
	CHECK_EQ(archk_get_meta(s, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_STREAM);
	CHECK_EQ(archk_get_meta(l, &meta), 0);
	CHECK_EQ(meta.kind, ARCHK_KIND_OTHER);
	/* Addresses: the listener's own, the connection's peer on either side. */
	snprintf(want, sizeof(want), "127.0.0.1:%u\n", base_port + 1);
	address_text(l, "local", text, sizeof(text));
	CHECK_EQ(strcmp(text, want), 0);
	address_text(c, "peer", text, sizeof(text));
	CHECK_EQ(strcmp(text, want), 0);
	address_text(s, "peer", text, sizeof(text));
	CHECK_EQ(strncmp(text, "127.0.0.1:", 10), 0);
	CHECK_EQ(nopen(s, "local", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(nopen(l, "nope", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	CHECK_EQ(nopen(l, "accept", ARCHK_RIGHT_EXECUTE), ARCHK_ERR_ACCESS_DENIED);
	/* Bytes both ways; a WRITE is clipped to 64 KiB and sent whole. */
	CHECK_EQ(archk_write(c, "hello", 5), 5);
	CHECK_EQ(read_all(s, text, 5), 5);
	CHECK_EQ(memcmp(text, "hello", 5), 0);
	CHECK_EQ(archk_read(s, text, 0), 0);
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	CHECK_EQ(archk_write(s, big, sizeof(big)), ARCHK_TABLE_DATA_MAX);
	CHECK_EQ(read_all(c, back, ARCHK_TABLE_DATA_MAX), ARCHK_TABLE_DATA_MAX);
	CHECK_EQ(memcmp(back, big, ARCHK_TABLE_DATA_MAX), 0);
	/* Shutdown through SET_META. */
	CHECK_EQ(io(ARCHK_IO_SET_META, c, &how, 2, 0), ARCHK_ERR_INVALID_ARGS);
	how = 0;
	CHECK_EQ(io(ARCHK_IO_SET_META, c, &how, sizeof(how), 0), ARCHK_ERR_INVALID_ARGS);
	how = 4;
	CHECK_EQ(io(ARCHK_IO_SET_META, c, &how, sizeof(how), 0), ARCHK_ERR_INVALID_ARGS);
	how = ARCHK_NET_SHUT_WRITE;
	CHECK_EQ(io(ARCHK_IO_SET_META, c, &how, sizeof(how), 0), 0);
	CHECK_EQ(archk_read(s, text, sizeof(text)), 0);
	CHECK_EQ(archk_write(s, "still", 5), 5);
	CHECK_EQ(read_all(c, text, 5), 5);
	CHECK_EQ(archk_write(c, "x", 1), ARCHK_ERR_PEER_CLOSED);
	/* What connections do not do. */
	CHECK_EQ(io(ARCHK_IO_SEEK, s, NULL, ARCHK_SEEK_SET, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_SYNC, s, NULL, 0, 0), ARCHK_ERR_NOT_SUPPORTED);
	CHECK_EQ(io(ARCHK_IO_DESTROY, s, "x", 1, 0), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(io(ARCHK_IO_SET_META, l, &how, sizeof(how), 0), ARCHK_ERR_ACCESS_DENIED);
	/* The last handle closes the socket: the peer reads the end. */
	archk_handle_close(c);
	CHECK_EQ(archk_read(s, text, sizeof(text)), 0);
	archk_handle_close(s);
	archk_handle_close(l);
	/* ... and the listener's port is free again. */
	l = nopen_port(netobj, "127.0.0.1/tcp/listen/%u", base_port + 1);
	archk_handle_close(l);
}

/* ---- completions that reach a vCPU busy in a guest ---- */

#define BUSY_ROUND_TRIPS 32
static volatile int busy_done;

/* Spins on lockless calls, which never leave the guest for the host's kernel. */
static int busy_spinner(void *arg)
{
	int wrong = 0;

	(void)arg;
	while (!busy_done)
		wrong |= archk_process_self() != archk_startup_info->koid;
	return wrong;
}

/* Sends back what arrives on its connection until the peer closes it. */
static int busy_echo(void *arg)
{
	archk_handle_t s = (archk_handle_t)(uintptr_t)arg;
	char buf[64];
	long n;

	while ((n = archk_read(s, buf, sizeof(buf))) > 0)
		if (archk_write(s, buf, (size_t)n) != n)
			return 1;
	return n == 0 ? 0 : 1;
}

/*
 * Round trips through the net driver while an idle-class thread spins on
 * lockless calls whenever nothing else can run. A receive that waits on the
 * host completes as task work on the vCPU thread that submitted it, which
 * may be running the spinner by then: its lockless calls must notice the
 * work (IORING_SQ_TASKRUN) and take the locked way, or a tick of the slice
 * timer must bring the vCPU back, for the round trip to end at all. (On one
 * vCPU the peer's send usually runs that task work within its own
 * submission, and the spinner hardly runs.)
 */
static void test_driver_busy_vcpu(void)
{
	archk_handle_t l = nopen_port(netobj, "127.0.0.1/tcp/listen/%u", base_port + 6);
	archk_handle_t c = nopen_port(netobj, "tcp/connect/127.0.0.1/%u", base_port + 6);
	archk_handle_t s = (archk_handle_t)nopen(l, "accept", ARCHK_RIGHTS_SAME);
	struct archk_thread spinner, echo;
	char msg[32], back[32];
	int intact = 0;

	busy_done = 0;
	CHECK_EQ(archk_thread_spawn(&echo, busy_echo, (void *)(uintptr_t)s, 65536, "echo"), 0);
	CHECK_EQ(archk_thread_spawn(&spinner, busy_spinner, NULL, 65536, "spinner"), 0);
	CHECK_EQ(archk_thread_set_priority(spinner.handle, ARCHK_SCHED_IDLE, 0, 0), 0);
	for (int i = 0; i < BUSY_ROUND_TRIPS; i++) {
		snprintf(msg, sizeof(msg), "round trip %d", i);
		if (archk_write(c, msg, sizeof(msg)) != (long)sizeof(msg) ||
		    read_all(c, back, sizeof(back)) != (long)sizeof(back))
			break;
		intact += memcmp(msg, back, sizeof(msg)) == 0;
	}
	CHECK_EQ(intact, BUSY_ROUND_TRIPS);
	busy_done = 1;
	archk_handle_close(c);
	CHECK_EQ(archk_thread_wait(&echo), 0);
	CHECK_EQ(archk_thread_wait(&spinner), 0);
	archk_handle_close(s);
	archk_handle_close(l);
}

/* Through an I/O queue: READs waiting on many connections, a CANCEL, back-pressure. */
static void test_driver_ring(void)
{
	enum { CONNS = 40 };
	static char bufs[CONNS][32];
	archk_handle_t l = nopen_port(netobj, "127.0.0.1/tcp/listen/%u", base_port + 2);
	archk_handle_t c[CONNS], s[CONNS];
	struct archk_ioq ring;
	struct archk_io_completion cmp;
	unsigned seen = 0;

	CHECK_EQ(archk_ioq_init(&ring, 64, 0), 0);
	for (unsigned i = 0; i < CONNS; i++) {
		c[i] = nopen_port(netobj, "tcp/connect/127.0.0.1/%u", base_port + 2);
		s[i] = (archk_handle_t)nopen(l, "accept", ARCHK_RIGHTS_SAME);
		*archk_ioq_request(&ring) = (struct archk_io_request){.op = ARCHK_IO_READ,
								      .handle = s[i],
								      .buf = (uintptr_t)bufs[i],
								      .len = sizeof(bufs[i]),
								      .user_data = i};
	}
	archk_ioq_publish(&ring);
	CHECK_EQ(archk_ioq_enter(&ring, 0, 0), CONNS);
	CHECK_TRUE(archk_ioq_peek(&ring) == NULL); /* every READ waits */
	/* Cancel the first: CANCELLED, and its connection still works. */
	*archk_ioq_request(&ring) =
	    (struct archk_io_request){.op = ARCHK_IO_CANCEL, .offset = 0, .user_data = 1000};
	CHECK_EQ(archk_ioq_enter(&ring, 2, now() + 5 * SEC), 1);
	for (int k = 0; k < 2; k++) {
		CHECK_EQ(archk_ioq_wait(&ring, &cmp), 0);
		CHECK_EQ(cmp.result, cmp.user_data == 0 ? ARCHK_ERR_CANCELLED : 0);
	}
	for (unsigned i = 0; i < CONNS; i++) {
		char msg[16];

		snprintf(msg, sizeof(msg), "conn %u", i);
		CHECK_EQ(archk_write(c[i], msg, strlen(msg)), (long)strlen(msg));
	}
	for (unsigned i = 1; i < CONNS; i++) {
		char msg[16];

		CHECK_EQ(archk_ioq_wait(&ring, &cmp), 0);
		snprintf(msg, sizeof(msg), "conn %lu", (unsigned long)cmp.user_data);
		CHECK_EQ(cmp.result, (long)strlen(msg));
		CHECK_EQ(memcmp(bufs[cmp.user_data], msg, strlen(msg)), 0);
		seen++;
	}
	CHECK_EQ(seen, CONNS - 1);
	CHECK_EQ(read_all(s[0], bufs[0], 6), 6); /* the cancelled READ took nothing */
	CHECK_EQ(memcmp(bufs[0], "conn 0", 6), 0);
	for (unsigned i = 0; i < CONNS; i++) {
		archk_handle_close(c[i]);
		CHECK_EQ(archk_read(s[i], bufs[i], 8), 0);
		archk_handle_close(s[i]);
	}
	archk_handle_close(ring.handle);
	archk_handle_close(l);
}

static void test_driver_udp(void)
{
	struct {
		struct archk_net_addr addr;
		char payload[64];
	} out = {.addr = loopback(base_port + 5)}, in;
	archk_handle_t a = nopen_port(netobj, "127.0.0.1/udp/bind/%u", base_port + 4);
	archk_handle_t b = nopen_port(netobj, "127.0.0.1/udp/bind/%u", base_port + 5);
	char text[64], want[64];

	snprintf(want, sizeof(want), "127.0.0.1:%u\n", base_port + 4);
	address_text(a, "local", text, sizeof(text));
	CHECK_EQ(strcmp(text, want), 0);
	memcpy(out.payload, "dgram", 5);
	CHECK_EQ(archk_write(a, &out, sizeof(out.addr) + 5), sizeof(out.addr) + 5);
	CHECK_EQ(archk_read(b, &in, sizeof(in)), sizeof(in.addr) + 5);
	CHECK_EQ(memcmp(in.payload, "dgram", 5), 0);
	CHECK_EQ(in.addr.port, base_port + 4);
	CHECK_EQ(in.addr.family, ARCHK_NET_INET);
	CHECK_EQ(archk_read(b, &in, 10), ARCHK_ERR_INVALID_ARGS);
	CHECK_EQ(archk_write(a, &out, 10), ARCHK_ERR_INVALID_ARGS);
	out.addr = ipv4(10, 9, 8, 7, 53);
	CHECK_EQ(archk_write(a, &out, sizeof(out.addr) + 1), ARCHK_ERR_ACCESS_DENIED);
	CHECK_EQ(nopen(a, "peer", ARCHK_RIGHTS_SAME), ARCHK_ERR_NOT_FOUND);
	archk_handle_close(a);
	archk_handle_close(b);
}

/* The driver's end ends its objects (CANCELLED), closes its sockets, and a new one starts. */
static void test_driver_death(archk_handle_t bus)
{
	archk_handle_t l = nopen_port(netobj, "127.0.0.1/tcp/listen/%u", base_port + 3);
	archk_handle_t c = nopen_port(netobj, "tcp/connect/127.0.0.1/%u", base_port + 3);
	archk_handle_t s = (archk_handle_t)nopen(l, "accept", ARCHK_RIGHTS_SAME);
	char buf[8];
	long r = ARCHK_ERR_ADDR_IN_USE;

	CHECK_EQ(archk_process_kill(driver_process), 0);
	CHECK_EQ(wait_exit(driver_process), 1000 + ARCHK_EXIT_KILLED);
	CHECK_EQ(archk_read(s, buf, sizeof(buf)), ARCHK_ERR_CANCELLED);
	CHECK_EQ(nopen(netobj, "tcp/listen/1", ARCHK_RIGHTS_SAME), ARCHK_ERR_CANCELLED);
	archk_handle_close(l);
	archk_handle_close(c);
	archk_handle_close(s);
	archk_handle_close(netobj);
	start_net_driver(bus);
	for (int64_t end = now() + 5 * SEC; r == ARCHK_ERR_ADDR_IN_USE && now() < end;)
		if ((r = nopen_port_err(netobj, "127.0.0.1/tcp/listen/%u", base_port + 3)) ==
		    ARCHK_ERR_ADDR_IN_USE)
			archk_sleep_until(now() + 10 * MS);
	CHECK_TRUE(r > 0);
	archk_handle_close((archk_handle_t)r);
}

static void driver_tests(archk_handle_t bus)
{
	arenas_snapshot();
	start_net_driver(bus);
	test_driver_names();
	test_driver_tcp();
	test_driver_busy_vcpu();
	test_driver_ring();
	test_driver_udp();
	test_driver_death(bus);
	CHECK_EQ(archk_process_kill(driver_process), 0);
	CHECK_EQ(wait_exit(driver_process), 1000 + ARCHK_EXIT_KILLED);
	archk_handle_close(netobj);
	check_arenas_returned(not_deadline);
}

/* OPEN of each path on "net": one line each, the error or OK after a WRITE on the connection. */
static int connect_each(int count, char **paths)
{
	for (int i = 0; i < count; i++) {
		long h = nopen(archk_handle_named("net"), paths[i], ARCHK_RIGHTS_SAME);
		char line[128];
		int n = snprintf(line, sizeof(line), "hello %s\n", paths[i]);

		if (h > 0 && archk_write((archk_handle_t)h, line, (size_t)n) != n)
			h = ARCHK_ERR_IO;
		printf("conf_net: connect %s: %s\n", paths[i], h > 0 ? "OK" : archk_strerror(h));
		if (h > 0)
			archk_handle_close((archk_handle_t)h);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	archk_handle_t bus = archk_handle_named("devices");

	base_port = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;
	if (strcmp(mode, "child-listens") == 0)
		return child_listens();
	if (strcmp(mode, "connect") == 0)
		return connect_each(argc - 2, argv + 2);
	if (base_port == 0 || base_port > 65500) {
		printf("usage: conf_net device|device-reset|driver PORT\n");
		return 2;
	}
	if (strcmp(mode, "device") == 0) {
		device_tests(bus);
	} else if (strcmp(mode, "device-reset") == 0) {
		reset_tests(bus);
	} else if (strcmp(mode, "driver") == 0) {
		driver_tests(bus);
	} else {
		printf("usage: conf_net device|device-reset|driver PORT\n");
		return 2;
	}
	return check_done("conf_net");
}
