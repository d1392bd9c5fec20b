/*
 * The net driver: drives the socket device (its "device") and serves the
 * net table with Norost's names, published to its spawner as "net"
 * (docs/abi.md 18.14 is the reference):
 *
 *   OPEN on net    [ADDR/]tcp/listen/PORT   a listener (ADDR default 0.0.0.0)
 *                  tcp/connect/ADDR/PORT    a connection
 *                  [ADDR/]udp/bind/PORT     a UDP endpoint
 *   OPEN on a listener "accept" (waits for the next connection), "local"
 *   connection     READ, WRITE (all of it), SET_META (4 bytes: ARCHK_NET_SHUT_*
 *                  shuts down), OPEN "peer": an address object, GET_META kind STREAM
 *   UDP endpoint   READ: a struct archk_net_addr (the sender) and one datagram;
 *                  WRITE: a struct archk_net_addr (where to) and one datagram
 *   address object READ: "ADDR:PORT\n" at an offset; GET_META kind FILE
 *
 * Every operation is one device operation. Operations that may wait
 * without end for a peer (RECV, SEND, ACCEPT, CONNECT) have each their own
 * share of the device's slots, and the quick ones (LISTEN, BIND, SHUTDOWN,
 * CLOSE) theirs, so hundreds of idle connections waiting in RECV never keep
 * a WRITE or a CLOSE from the device; beyond its share an operation waits
 * here in order. Closing an object's last handle closes its socket.
 * Objects are spread over TABLES tables so that more than one table's 256
 * unanswered requests (a READ waiting on each of hundreds of idle
 * connections) fit.
 *
 * Memory: requests are received into 64 KiB DMA buffers, and a WRITE keeps
 * the one its data arrived in (sent from there): at most SEND_BUFFERS_MAX
 * of them, beyond which a WRITE is answered SHOULD_WAIT (its peers do not
 * read), so a buffer to receive into is always left and CLOSE notices get
 * through. A READ gets a 4 KiB buffer (it may return fewer bytes than
 * asked, as streams do), or a 64 KiB one for up to BIG_READS_MAX READs.
 */
#include <archk/net.h>
#include "lib/netdev.h"
#include "lib/server.h"

#define TABLES		 4
#define BIG		 ARCHK_TABLE_DATA_MAX
#define SMALL		 4096
#define BIG_BUFFERS	 128
#define BIG_READS_MAX	 32
#define SEND_BUFFERS_MAX 80 /* 128 - 32 - 16 left to receive into */
#define OBJECTS_MAX	 2048
#define OPS_MAX		 (TABLES * ARCHK_TABLE_PENDING_MAX + OBJECTS_MAX)

#define COMMON_RIGHTS (ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_GET_PROPERTY)
#define ROOT_RIGHTS   (COMMON_RIGHTS | ARCHK_RIGHT_ENUMERATE)
#define LISTEN_RIGHTS (COMMON_RIGHTS | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_WAIT)
#define CONN_RIGHTS                                                                                \
	(COMMON_RIGHTS | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_ENUMERATE |            \
	 ARCHK_RIGHT_SET_PROPERTY | ARCHK_RIGHT_WAIT)
#define UDP_RIGHTS                                                                                 \
	(COMMON_RIGHTS | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_ENUMERATE |            \
	 ARCHK_RIGHT_WAIT)
#define ADDR_RIGHTS (COMMON_RIGHTS | ARCHK_RIGHT_READ)

enum obj_kind { OBJ_FREE, OBJ_ROOT, OBJ_LISTENER, OBJ_CONN, OBJ_UDP, OBJ_ADDR };

/* What a device operation's end does. */
enum op_end {
	END_OBJECT, /* LISTEN, CONNECT, BIND, ACCEPT: a new object for the client */
	END_READ,   /* RECV: the bytes */
	END_RECVFROM,
	END_RESULT, /* SEND, SENDTO, SHUTDOWN: the device's result */
	END_NOTHING /* CLOSE of a closed object's socket */
};

enum buf_class { BUF_NONE, BUF_SMALL, BUF_BIG };

/* Shares of the device's slots; the small buffers are the READs' share. */
enum op_class { CL_READ, CL_SEND, CL_WAIT, CL_QUICK, CLASSES };
static const unsigned class_max[CLASSES] = {384, 64, 48, 16};
#define DEPTH	      512 /* the sum of class_max: the device's requests_max */
#define SMALL_BUFFERS 384

struct op;

struct obj {
	uint8_t kind; /* enum obj_kind */
	uint8_t table;
	uint32_t gen;		    /* bumped when it is closed: late answers find it gone */
	uint32_t sock;		    /* the device's id of its socket */
	struct archk_net_addr addr; /* connection: the peer; listener, UDP: local; address object */
	/* A connection's READs: one at a time on the device, the others wait here in order. */
	bool reading;
	struct op *reads, *reads_tail;
	/* Bytes (or the end) a cancelled READ received: the next READ gets them first. */
	struct op *stash;
	uint32_t stash_off;
};

/* A class's use of its share, and the operations beyond it, in order. */
struct share {
	unsigned used;
	struct op *waiting, *waiting_tail;
};

struct op {
	struct op *next; /* the free list, or the queue of operations waiting for room */
	uint64_t id;	 /* the client's request (0: none) */
	uint8_t table;
	uint8_t end;	   /* enum op_end */
	uint8_t buf_class; /* enum buf_class */
	uint8_t kind;	   /* END_OBJECT: the object's kind */
	uint8_t class;	   /* enum op_class */
	uint32_t rights;   /* END_OBJECT: the new handle's */
	uint32_t len;	   /* bytes of buf the device uses */
	uint32_t obj, gen; /* END_READ: the connection (and its generation) */
	long result;	   /* a stashed READ's result: bytes in buf, or the end */
	uint8_t *buf;	   /* data (DMA memory), from its start (RECVFROM: from byte 24) */
	struct archk_socket_req req;
};

static struct {
	struct drv_server server;
	struct netdev dev;
	archk_handle_t tables[TABLES];
	unsigned next_table; /* where the next object goes */
	struct obj objects[OBJECTS_MAX];
	struct op ops[OPS_MAX];
	struct op *free_ops;
	struct share classes[CLASSES];
	void *big[BIG_BUFFERS];
	unsigned big_free, big_reads, send_buffers;
	void *small[SMALL_BUFFERS];
	unsigned small_free;
	void *rx_buf; /* the big buffer the next request is received into */
} net;

/* ---- answers ---- */

/*
 * Answers request id of table t; false if its client gave it up (it was
 * cancelled), and then a handle meant for it is closed. A client whose
 * buffer is gone (BAD_ADDRESS, NO_MEMORY) gets that error instead.
 */
static bool reply(unsigned t, uint64_t id, long result, const void *data, size_t len,
		  archk_handle_t h)
{
	long err = archk_table_reply(net.tables[t], id, result, data, len, h);

	if (err == ARCHK_ERR_BAD_ADDRESS || err == ARCHK_ERR_NO_MEMORY)
		err = archk_table_reply(net.tables[t], id, err, NULL, 0, 0);
	if (err == ARCHK_ERR_PEER_CLOSED) {
		if (h)
			archk_handle_close(h); /* its CLOSE notice closes the socket */
		return false;
	}
	if (err < 0)
		drv_fail(&net.server, "table_reply", err);
	return true;
}

/* ---- objects ---- */

/* A free object of kind, in the next table; its cookie, or 0 if none is free. */
static uint64_t obj_alloc(uint8_t kind)
{
	for (unsigned i = 1; i < OBJECTS_MAX; i++) {
		struct obj *o = &net.objects[i];

		if (o->kind == OBJ_FREE) {
			o->kind = kind;
			o->table = (uint8_t)(net.next_table++ % TABLES);
			o->reading = false;
			o->reads = o->reads_tail = NULL;
			o->stash = NULL;
			return i;
		}
	}
	return 0;
}

/* A handle to the object of cookie with rights (RIGHTS_SAME: its kind's). */
static long obj_handle(uint64_t cookie, uint32_t rights)
{
	struct obj *o = &net.objects[cookie];
	long h = archk_table_object_create(net.tables[o->table], cookie, rights);

	if (h < 0)
		o->kind = OBJ_FREE;
	return h;
}

/* ---- buffers and device operations ---- */

static struct op *op_alloc(void)
{
	struct op *o = net.free_ops;

	if (o) {
		net.free_ops = o->next;
		o->next = NULL;
		o->id = 0;
		o->buf = NULL;
		o->len = 0;
		o->buf_class = BUF_NONE;
	}
	return o;
}

static void buf_free(struct op *o)
{
	if (o->buf_class == BUF_BIG) {
		net.big[net.big_free++] = o->buf;
		if (o->class == CL_READ)
			net.big_reads--;
		else
			net.send_buffers--;
	} else if (o->buf_class == BUF_SMALL) {
		net.small[net.small_free++] = o->buf;
	}
	o->buf_class = BUF_NONE;
}

static void op_free(struct op *o)
{
	buf_free(o);
	o->next = net.free_ops;
	net.free_ops = o;
}

/*
 * Gives a READ op a buffer for its len bytes (and the sender's address
 * first for RECVFROM): a big one for more than a small one holds while
 * fewer than BIG_READS_MAX READs have one, else a small one (there is one
 * per READ of the share).
 */
static void read_buffer(struct op *o)
{
	uint32_t head = o->end == END_RECVFROM ? sizeof(struct archk_net_addr) : 0;

	if (o->len + head > SMALL && net.big_reads < BIG_READS_MAX) {
		o->buf = net.big[--net.big_free];
		o->buf_class = BUF_BIG;
		net.big_reads++;
		o->len = o->len < BIG - head ? o->len : BIG - head;
	} else {
		o->buf = net.small[--net.small_free];
		o->buf_class = BUF_SMALL;
		o->len = o->len < SMALL - head ? o->len : SMALL - head;
	}
}

/* Starts o on the device, or false if its class has used its share. */
static bool op_try(struct op *o)
{
	long err;

	if (net.classes[o->class].used == class_max[o->class])
		return false;
	net.classes[o->class].used++;
	if (o->class == CL_READ)
		read_buffer(o);
	err = netdev_submit(
	    &net.dev, &o->req,
	    o->end == END_RECVFROM ? o->buf + sizeof(struct archk_net_addr) : o->buf, o->len, o);
	if (err < 0)
		drv_fail(&net.server, "netdev_submit", err);
	return true;
}

/* Starts o, or queues it behind those of its class already waiting. */
static void op_start(struct op *o)
{
	struct share *c = &net.classes[o->class];

	if (c->waiting || !op_try(o)) {
		o->next = NULL;
		if (c->waiting_tail)
			c->waiting_tail->next = o;
		else
			c->waiting = o;
		c->waiting_tail = o;
	}
}

/* An operation of class cl ended: the next of that class that waited starts. */
static void op_ended(unsigned cl)
{
	struct share *c = &net.classes[cl];

	c->used--;
	if (c->waiting && op_try(c->waiting)) {
		c->waiting = c->waiting->next;
		if (!c->waiting)
			c->waiting_tail = NULL;
	}
}

/* The share each device operation counts against. */
static uint8_t class_of(uint32_t op)
{
	switch (op) {
	case ARCHK_SOCKET_OP_RECV:
	case ARCHK_SOCKET_OP_RECVFROM:
		return CL_READ;
	case ARCHK_SOCKET_OP_SEND:
	case ARCHK_SOCKET_OP_SENDTO:
		return CL_SEND;
	case ARCHK_SOCKET_OP_ACCEPT:
	case ARCHK_SOCKET_OP_CONNECT:
		return CL_WAIT;
	default:
		return CL_QUICK;
	}
}

/* A device operation for the client's request id on table t. */
static struct op *client_op(unsigned t, uint64_t id, uint32_t op, uint8_t end)
{
	struct op *o = op_alloc(); /* receive_all only receives while one is free */

	o->id = id;
	o->table = (uint8_t)t;
	o->end = end;
	o->req = (struct archk_socket_req){.op = op};
	o->class = class_of(op);
	return o;
}

/* Closes the socket of an object whose last handle is gone. */
static void close_socket(uint32_t sock)
{
	struct op *o = op_alloc();

	if (!o)
		drv_fail(&net.server, "no room to close a socket", ARCHK_ERR_NO_MEMORY);
	o->end = END_NOTHING;
	o->class = CL_QUICK;
	o->req = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_CLOSE, .id = sock};
	op_start(o);
}

/* ---- opening ---- */

static bool is(const char *part, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(part, word, len) == 0;
}

/* An OPEN path of the net object as a device request: LISTEN, CONNECT or BIND at its address. */
static long parse_open(const char *path, size_t len, struct archk_socket_req *req)
{
	static const uint32_t ops[] = {[ARCHK_NET_TCP_LISTEN] = ARCHK_SOCKET_OP_LISTEN,
				       [ARCHK_NET_TCP_CONNECT] = ARCHK_SOCKET_OP_CONNECT,
				       [ARCHK_NET_UDP_BIND] = ARCHK_SOCKET_OP_BIND};
	uint32_t kind;
	long err;

	*req = (struct archk_socket_req){0};
	if ((err = archk_net_parse_path(path, len, &kind, &req->addr)) < 0)
		return err;
	req->op = ops[kind];
	return 0;
}

/* The rights an OPEN asked for (RIGHTS_SAME: all of kind's); ACCESS_DENIED beyond them. */
static long open_rights(uint64_t asked, uint32_t all)
{
	if (asked == ARCHK_RIGHTS_SAME)
		return all;
	if (asked & ~(uint64_t)all)
		return ARCHK_ERR_ACCESS_DENIED;
	return (long)(asked | ARCHK_RIGHT_TRANSFER); /* a reply moves it: it needs TRANSFER */
}

/* An address object (for "peer" or "local") answered at once. */
static void open_address(unsigned t, uint64_t id, const struct archk_net_addr *a, long rights)
{
	uint64_t cookie = obj_alloc(OBJ_ADDR);
	long h;

	if (!cookie) {
		reply(t, id, ARCHK_ERR_NO_MEMORY, NULL, 0, 0);
		return;
	}
	net.objects[cookie].addr = *a;
	h = obj_handle(cookie, (uint32_t)rights);
	reply(t, id, h < 0 ? h : 0, NULL, 0, h < 0 ? 0 : (archk_handle_t)h);
}

/* OPEN on object o: a socket through the device, or an address object. */
static void open_on(unsigned t, const struct archk_table_request *req, struct obj *o, char *path)
{
	static const uint32_t rights_of[] = {
	    [OBJ_LISTENER] = LISTEN_RIGHTS, [OBJ_CONN] = CONN_RIGHTS, [OBJ_UDP] = UDP_RIGHTS};
	struct archk_socket_req sreq;
	uint8_t kind;
	long err, rights;
	struct op *op;

	if (o->kind == OBJ_ROOT) {
		if ((err = parse_open(path, req->len, &sreq)) < 0) {
			reply(t, req->id, err, NULL, 0, 0);
			return;
		}
		kind = sreq.op == ARCHK_SOCKET_OP_LISTEN    ? OBJ_LISTENER
		       : sreq.op == ARCHK_SOCKET_OP_CONNECT ? OBJ_CONN
							    : OBJ_UDP;
	} else if (o->kind == OBJ_LISTENER && is(path, req->len, "accept")) {
		sreq = (struct archk_socket_req){.op = ARCHK_SOCKET_OP_ACCEPT, .id = o->sock};
		kind = OBJ_CONN;
	} else if ((o->kind == OBJ_CONN && is(path, req->len, "peer")) ||
		   (o->kind != OBJ_CONN && is(path, req->len, "local"))) {
		if ((rights = open_rights(req->offset, ADDR_RIGHTS)) < 0)
			reply(t, req->id, rights, NULL, 0, 0);
		else
			open_address(t, req->id, &o->addr, rights);
		return;
	} else {
		reply(t, req->id, ARCHK_ERR_NOT_FOUND, NULL, 0, 0);
		return;
	}
	if ((rights = open_rights(req->offset, rights_of[kind])) < 0) {
		reply(t, req->id, rights, NULL, 0, 0);
		return;
	}
	op = client_op(t, req->id, sreq.op, END_OBJECT);
	op->req = sreq;
	op->class = class_of(sreq.op);
	op->kind = kind;
	op->rights = (uint32_t)rights;
	op_start(op);
}

/* A new socket's object for the client, or its socket closed if that fails. */
static void object_made(struct op *o, const struct archk_socket_resp *resp)
{
	uint64_t cookie = obj_alloc(o->kind);
	long h = cookie ? 0 : ARCHK_ERR_NO_MEMORY;

	if (cookie) {
		struct obj *ob = &net.objects[cookie];

		ob->sock = resp->id;
		ob->addr = o->req.op == ARCHK_SOCKET_OP_LISTEN || o->req.op == ARCHK_SOCKET_OP_BIND
			       ? o->req.addr
			       : resp->addr;
		h = obj_handle(cookie, o->rights);
	}
	if (h < 0) {
		close_socket(resp->id);
		reply(o->table, o->id, h, NULL, 0, 0);
		return;
	}
	reply(o->table, o->id, 0, NULL, 0, (archk_handle_t)h);
}

/* ---- requests ---- */

static void answer_meta(unsigned t, uint64_t id, const struct obj *o)
{
	char text[ARCHK_NET_ADDR_TEXT_MAX];
	struct archk_meta meta = {.type = ARCHK_OBJ_SERVED, .kind = ARCHK_KIND_OTHER};

	if (o->kind == OBJ_CONN) {
		meta.kind = ARCHK_KIND_STREAM;
	} else if (o->kind == OBJ_ADDR) {
		meta.kind = ARCHK_KIND_FILE;
		meta.flags = ARCHK_META_READ_ONLY;
		meta.size = archk_net_format(&o->addr, text) + 1;
	}
	reply(t, id, 0, &meta, sizeof(meta), 0);
}

/* READ of an address object: its text and a newline, from offset. */
static void read_address(unsigned t, const struct archk_table_request *req, const struct obj *o)
{
	char text[ARCHK_NET_ADDR_TEXT_MAX + 1];
	size_t n = archk_net_format(&o->addr, text);

	text[n++] = '\n';
	if (req->offset >= n) {
		reply(t, req->id, 0, NULL, 0, 0);
		return;
	}
	n -= req->offset;
	reply(t, req->id, (long)n, text + req->offset, n < req->len ? n : req->len, 0);
}

/*
 * The last handle of object o is gone (so no READ of it waits): its socket
 * closes, its stash goes, its cookie is free again.
 */
static void object_closed(struct obj *o)
{
	if (o->kind == OBJ_LISTENER || o->kind == OBJ_CONN || o->kind == OBJ_UDP)
		close_socket(o->sock);
	if (o->stash)
		op_free(o->stash);
	o->stash = NULL;
	o->reading = false;
	o->gen++;
	if (o->kind != OBJ_ROOT)
		o->kind = OBJ_FREE;
}

/* SET_META on a connection: 4 bytes, the ARCHK_NET_SHUT_* directions to shut down. */
static void shutdown_conn(unsigned t, const struct archk_table_request *req, const struct obj *o,
			  const void *data)
{
	uint32_t how;
	struct op *op;

	if (req->len != sizeof(how)) {
		reply(t, req->id, ARCHK_ERR_INVALID_ARGS, NULL, 0, 0);
		return;
	}
	memcpy(&how, data, sizeof(how));
	if (how == 0 || how > (ARCHK_NET_SHUT_READ | ARCHK_NET_SHUT_WRITE)) {
		reply(t, req->id, ARCHK_ERR_INVALID_ARGS, NULL, 0, 0);
		return;
	}
	op = client_op(t, req->id, ARCHK_SOCKET_OP_SHUTDOWN, END_RESULT);
	op->req.id = o->sock;
	op->req.flags = how;
	op_start(op);
}

/*
 * Answers a connection's READ (op, holding the request) from its stash:
 * the bytes a cancelled READ received, or the end it met.
 */
static void read_from_stash(struct obj *o, struct op *op)
{
	struct op *st = o->stash;
	uint32_t n = (uint32_t)(st->result > 0 ? st->result : 0) - o->stash_off;

	n = n < op->len ? n : op->len;
	if (!reply(op->table, op->id, st->result > 0 ? (long)n : st->result, st->buf + o->stash_off,
		   n, 0))
		n = 0; /* cancelled too: the bytes stay */
	o->stash_off += n;
	if (st->result <= 0 || o->stash_off == (uint32_t)st->result) {
		o->stash = NULL;
		op_free(st);
	}
	op_free(op);
}

/* Starts the next READ of connection o: from its stash, or on the device (one at a time). */
static void next_read(struct obj *o)
{
	while (!o->reading && o->reads) {
		struct op *op = o->reads;

		o->reads = op->next;
		if (!o->reads)
			o->reads_tail = NULL;
		if (o->stash) {
			read_from_stash(o, op);
		} else {
			o->reading = true;
			op_start(op);
		}
	}
}

/* READ on a connection (RECV) or a UDP endpoint (RECVFROM: room for the sender first). */
static void read_socket(unsigned t, const struct archk_table_request *req, struct obj *o)
{
	bool udp = o->kind == OBJ_UDP;
	struct op *op;

	if (udp && req->len < sizeof(struct archk_net_addr)) {
		reply(t, req->id, ARCHK_ERR_INVALID_ARGS, NULL, 0, 0);
		return;
	}
	if (req->len == 0) {
		reply(t, req->id, 0, NULL, 0, 0);
		return;
	}
	op = client_op(t, req->id, udp ? ARCHK_SOCKET_OP_RECVFROM : ARCHK_SOCKET_OP_RECV,
		       udp ? END_RECVFROM : END_READ);
	op->req.id = o->sock;
	op->len = (uint32_t)(req->len - (udp ? sizeof(struct archk_net_addr) : 0));
	if (udp) {
		op_start(op);
		return;
	}
	op->obj = (uint32_t)(o - net.objects);
	op->gen = o->gen;
	op->next = NULL;
	if (o->reads_tail)
		o->reads_tail->next = op;
	else
		o->reads = op;
	o->reads_tail = op;
	next_read(o);
}

/*
 * A connection's RECV ended with r: the bytes go to the client, or, if it
 * gave the READ up meanwhile, to the connection's stash for its next READ
 * (a stream loses no byte to a cancelled READ). Returns true if the op now
 * belongs to the stash.
 */
static bool read_done(struct op *op, long r)
{
	struct obj *o = &net.objects[op->obj];
	bool live = o->kind == OBJ_CONN && o->gen == op->gen;
	bool kept = false;

	if (!reply(op->table, op->id, r, op->buf, r > 0 ? (size_t)r : 0, 0) && live) {
		op->result = r;
		o->stash = op;
		o->stash_off = 0;
		kept = true;
	}
	if (live) {
		o->reading = false;
		next_read(o);
	}
	return kept;
}

/*
 * WRITE on a connection (SEND) or a UDP endpoint (SENDTO: the destination
 * first): sent from the buffer the data arrived in, which the op keeps.
 */
static void write_socket(unsigned t, const struct archk_table_request *req, const struct obj *o,
			 uint8_t *data)
{
	bool udp = o->kind == OBJ_UDP;
	struct op *op;

	if (udp && req->len < sizeof(struct archk_net_addr)) {
		reply(t, req->id, ARCHK_ERR_INVALID_ARGS, NULL, 0, 0);
		return;
	}
	if (net.send_buffers == SEND_BUFFERS_MAX) { /* their peers do not read */
		reply(t, req->id, ARCHK_ERR_SHOULD_WAIT, NULL, 0, 0);
		return;
	}
	net.send_buffers++;
	op = client_op(t, req->id, udp ? ARCHK_SOCKET_OP_SENDTO : ARCHK_SOCKET_OP_SEND, END_RESULT);
	op->req.id = o->sock;
	op->buf = data;
	op->buf_class = BUF_BIG;
	op->len = (uint32_t)req->len;
	if (udp) {
		memcpy(&op->req.addr, data, sizeof(op->req.addr));
		op->buf += sizeof(op->req.addr);
		op->len -= sizeof(op->req.addr);
	}
	net.rx_buf = NULL; /* the op has it now */
	op_start(op);
}

/* A request of table t, its in-data in data (the current receive buffer). */
static void request(unsigned t, const struct archk_table_request *req, uint8_t *data)
{
	struct obj *o = req->cookie < OBJECTS_MAX ? &net.objects[req->cookie] : NULL;
	int op = (int)req->op;

	if (!o || o->kind == OBJ_FREE) {
		if (req->id)
			reply(t, req->id, ARCHK_ERR_NOT_SUPPORTED, NULL, 0, 0);
		return;
	}
	if (op == ARCHK_IO_CLOSE) {
		object_closed(o);
		return;
	}
	if (op == ARCHK_IO_GET_META) {
		answer_meta(t, req->id, o);
	} else if (op == ARCHK_IO_OPEN) {
		open_on(t, req, o, (char *)data);
	} else if (op == ARCHK_IO_READ && o->kind == OBJ_ADDR) {
		read_address(t, req, o);
	} else if (op == ARCHK_IO_READ && (o->kind == OBJ_CONN || o->kind == OBJ_UDP)) {
		read_socket(t, req, o);
	} else if (op == ARCHK_IO_WRITE && (o->kind == OBJ_CONN || o->kind == OBJ_UDP)) {
		write_socket(t, req, o, data);
	} else if (op == ARCHK_IO_SET_META && o->kind == OBJ_CONN) {
		shutdown_conn(t, req, o, data);
	} else {
		reply(t, req->id, ARCHK_ERR_NOT_SUPPORTED, NULL, 0, 0);
	}
}

/* ---- the device's answers ---- */

static void op_done(struct op *o, const struct archk_socket_resp *resp)
{
	long r = resp->result;
	const size_t head = sizeof(struct archk_net_addr);

	switch (o->end) {
	case END_OBJECT:
		if (r < 0)
			reply(o->table, o->id, r, NULL, 0, 0);
		else
			object_made(o, resp);
		break;
	case END_READ:
		if (read_done(o, r)) {
			op_ended(o->class); /* the op lives on as a stash, its buffer with it */
			return;
		}
		break;
	case END_RECVFROM:
		if (r >= 0)
			memcpy(o->buf, &resp->addr, head);
		reply(o->table, o->id, r < 0 ? r : r + (long)head, o->buf,
		      r < 0 ? 0 : (size_t)r + head, 0);
		break;
	case END_RESULT:
		reply(o->table, o->id,
		      r >= 0 && o->req.op == ARCHK_SOCKET_OP_SENDTO ? r + (long)head : r, NULL, 0,
		      0);
		break;
	default:
		break;
	}
	unsigned cl = o->class;

	op_free(o); /* its buffer first: the next READ may need it */
	op_ended(cl);
}

/* Answers every operation the device finished (each lets one that waited start). */
static void finished(void *ctx, long isr)
{
	struct archk_socket_resp resp;
	void *cookie;

	(void)ctx;
	(void)isr;
	while (netdev_reap(&net.dev, &cookie, &resp))
		op_done(cookie, &resp);
}

/* ---- the loop ---- */

/* Room to take another request: an op record and a buffer to receive into. */
static bool can_receive(void)
{
	if (!net.free_ops)
		return false;
	if (!net.rx_buf && net.big_free)
		net.rx_buf = net.big[--net.big_free];
	return net.rx_buf != NULL;
}

/* Takes the requests waiting in table t while there is room; false once the table is empty. */
static void receive_from(unsigned t)
{
	struct archk_table_request req;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];

	while (can_receive()) {
		long r = archk_table_receive(net.tables[t], &req, net.rx_buf, BIG, handles, 0);

		if (r == ARCHK_ERR_TIMED_OUT)
			return;
		if (r < 0)
			drv_fail(&net.server, "table_receive", r);
		for (uint32_t i = 0; i < req.handle_count; i++)
			archk_handle_close(handles[i]);
		request(t, &req, net.rx_buf);
	}
}

static __attribute__((noreturn)) void serve(void)
{
	for (;;) {
		struct archk_wait_item items[1 + TABLES];
		unsigned n = 1;
		bool room = can_receive();
		long r;

		items[0] = (struct archk_wait_item){.handle = net.dev.dev.handle,
						    .waitfor = ARCHK_SIGNAL_INTERRUPT};
		for (unsigned t = 0; room && t < TABLES; t++)
			items[n++] = (struct archk_wait_item){.handle = net.tables[t],
							      .waitfor = ARCHK_SIGNAL_READABLE};
		if ((r = archk_object_wait_many(items, n, ARCHK_DEADLINE_INFINITE)) < 0)
			drv_fail(&net.server, "object_wait_many", r);
		if (items[0].pending & ARCHK_SIGNAL_INTERRUPT) {
			long isr = archk_syscall1(ARCHK_SYS_DEVICE_ACK, net.dev.dev.handle);

			if (isr < 0)
				drv_fail(&net.server, "device_ack", isr);
			if (isr & ARCHK_DEVICE_ISR_BROKEN)
				drv_fail(&net.server, "the device broke its queue",
					 ARCHK_ERR_BAD_STATE);
			finished(NULL, isr);
		}
		for (unsigned t = 0; t + 1 < n; t++)
			if (items[1 + t].pending & ARCHK_SIGNAL_READABLE)
				receive_from(t);
		if ((r = netdev_kick(&net.dev)) < 0)
			drv_fail(&net.server, "device_notify", r);
	}
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "net";
	archk_handle_t root;
	long err;

	net.server = (struct drv_server){.name = "net"};
	if ((err = netdev_open(&net.dev, archk_handle_named("device"), DEPTH,
			       BIG_BUFFERS * BIG + SMALL_BUFFERS * SMALL)) < 0)
		drv_fail(&net.server, "cannot start the socket device", err);
	for (unsigned i = 0; i < BIG_BUFFERS; i++)
		net.big[net.big_free++] = netdev_buffer(&net.dev, BIG);
	for (unsigned i = 0; i < SMALL_BUFFERS; i++)
		net.small[net.small_free++] = netdev_buffer(&net.dev, SMALL);
	for (unsigned i = 0; i < OPS_MAX; i++)
		op_free(&net.ops[i]);
	root = drv_object(&net.server, 0, ROOT_RIGHTS);
	net.tables[0] = net.server.table;
	for (unsigned t = 1; t < TABLES; t++) {
		long h = archk_table_create();

		if (h < 0)
			drv_fail(&net.server, "cannot create its tables", h);
		net.tables[t] = (archk_handle_t)h;
	}
	net.objects[0].kind = OBJ_ROOT;
	drv_publish(&net.server, &name, &root, 1);
	serve();
}
