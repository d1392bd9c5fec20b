/*
 * netfw RULES PROGRAM [ARG...]: runs PROGRAM behind a firewall. PROGRAM's
 * "net" is an object this program serves; what the rules allow is forwarded
 * to the real "net" (the net driver), the rest is refused with the error the
 * driver would give for it (ACCESS_DENIED, as archk's own policy does), and
 * each decision is one line on "err". PROGRAM is unchanged and cannot tell.
 * netfw exits with PROGRAM's status.
 *
 * RULES is a comma-separated list of ACTION:OP:ADDRS:PORTS, the first rule
 * that matches decides, and nothing matching means deny:
 *   ACTION  allow or deny
 *   OP      listen (a TCP listener's address), connect (a TCP connection's
 *           destination), accept (the peer of a connection a listener
 *           accepts), bind (a UDP endpoint's address), send (a datagram's
 *           destination), recv (a datagram's sender), or * (any)
 *   ADDRS:PORTS  an archk/net.h pattern, as --net-listen takes: *, an IPv4
 *           address or [IPv6], with /BITS; *, N or N-M
 * e.g. allow:listen:*:8080,allow:accept:127.0.0.0/8:*,allow:connect:127.0.0.1:1-1023
 *
 * Connections (from connect and accept) are the driver's own objects, handed
 * over: their bytes never pass through netfw. Listeners and UDP endpoints
 * are served here: an accepted connection whose peer is refused is closed
 * and the next one is waited for (logged, never seen by PROGRAM); a
 * datagram from a refused sender is dropped, one to a refused destination
 * refused. Everything else on those objects, and every path netfw does not
 * recognize, gets exactly the driver's answer.
 */
#include <archk/runtime.h>
#include "lib/launch.h"

#define RULES_MAX 64
#define OPS_MAX	  (ARCHK_TABLE_PENDING_MAX + 16)
#define OBJS_MAX  1024
#define QSIZE	  512
#define ADDR_LEN  sizeof(struct archk_net_addr)

enum fw_op { FW_LISTEN, FW_CONNECT, FW_ACCEPT, FW_BIND, FW_SEND, FW_RECV, FW_ANY };
static const char *const op_names[] = {"listen", "connect", "accept", "bind", "send", "recv", "*"};

struct rule {
	bool allow;
	uint8_t op; /* enum fw_op */
	struct archk_net_pattern where;
};

enum obj_kind { OBJ_FREE, OBJ_ROOT, OBJ_LISTENER, OBJ_UDP };

/* An object served here, standing for the driver's real one. */
struct obj {
	uint8_t kind;
	archk_handle_t real;
};

/* What a forwarded request's completion does next. */
enum step {
	STEP_REPLY,	  /* answer the client with the result (and data, or the handle) */
	STEP_OPENED,	  /* OPEN on the root: wrap a listener or UDP endpoint, pass a connection */
	STEP_ACCEPTED,	  /* OPEN accept: ask the new connection for its peer */
	STEP_PEER_OPENED, /* OPEN peer: read it */
	STEP_PEER_READ,	  /* the peer's text: decide */
	STEP_RECEIVED,	  /* READ of a UDP endpoint: decide on the sender */
};

/* A client request being forwarded. */
struct fw_req {
	bool busy;
	uint8_t step;
	uint32_t op;		   /* the client's operation */
	uint64_t id;		   /* its request */
	uint32_t obj;		   /* the object it is on */
	uint32_t len;		   /* the client's out length (READ, GET_META) */
	uint32_t kind;		   /* OPEN on the root: archk_net_parse_path's kind */
	uint64_t rights;	   /* OPEN: the rights asked for */
	archk_handle_t conn, peer; /* accept: the connection and its peer's address object */
	uint8_t *buf;		   /* data both ways */
};

static struct {
	archk_handle_t err, real_net, table, program;
	struct archk_ioq q;
	struct rule rules[RULES_MAX];
	unsigned rule_count;
	struct obj objs[OBJS_MAX];
	struct fw_req reqs[OPS_MAX];
	unsigned busy; /* reqs in use */
} fw;

static __attribute__((noreturn)) void fail(const char *what, long err)
{
	archk_dprintf(fw.err, "netfw: %s: %s\n", what, archk_strerror(err));
	archk_process_exit(1);
}

/* ---- rules ---- */

static int parse_op(const char *s, size_t len)
{
	for (int i = 0; i <= FW_ANY; i++)
		if (strlen(op_names[i]) == len && memcmp(s, op_names[i], len) == 0)
			return i;
	return -1;
}

/* Parses ACTION:OP:ADDRS:PORTS of len bytes into r; false if it is no rule. */
static bool parse_rule(const char *s, size_t len, struct rule *r)
{
	const char *c1 = memchr(s, ':', len), *c2;
	int op;

	if (!c1 || !(c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s))))
		return false;
	if ((size_t)(c1 - s) == 5 && memcmp(s, "allow", 5) == 0)
		r->allow = true;
	else if ((size_t)(c1 - s) == 4 && memcmp(s, "deny", 4) == 0)
		r->allow = false;
	else
		return false;
	if ((op = parse_op(c1 + 1, (size_t)(c2 - c1 - 1))) < 0)
		return false;
	r->op = (uint8_t)op;
	return archk_net_parse_pattern(c2 + 1, len - (size_t)(c2 + 1 - s), &r->where) == 0;
}

static void parse_rules(const char *text)
{
	while (*text) {
		const char *end = strchr(text, ',');
		size_t len = end ? (size_t)(end - text) : strlen(text);

		if (fw.rule_count == RULES_MAX ||
		    !parse_rule(text, len, &fw.rules[fw.rule_count])) {
			archk_dprintf(fw.err, "netfw: bad rule '%.*s' (ACTION:OP:ADDRS:PORTS)\n",
				      (int)len, text);
			archk_process_exit(2);
		}
		fw.rule_count++;
		text += len + (end != NULL);
	}
}

/* Does the first matching rule allow op at a? One line on err either way. */
static bool decide(int op, const struct archk_net_addr *a)
{
	char text[ARCHK_NET_ADDR_TEXT_MAX];
	bool allow = false;

	for (unsigned i = 0; i < fw.rule_count; i++) {
		const struct rule *r = &fw.rules[i];

		if ((r->op == op || r->op == FW_ANY) && archk_net_match(&r->where, a)) {
			allow = r->allow;
			break;
		}
	}
	archk_net_format(a, text);
	archk_dprintf(fw.err, "netfw: %s %s %s\n", allow ? "allow" : "deny", op_names[op], text);
	return allow;
}

/* ---- forwarding ---- */

/*
 * Answers request id. A client that gave up (PEER_CLOSED) or whose buffer
 * is gone (BAD_ADDRESS, NO_MEMORY: it then gets that error) is no reason to
 * stop serving the others; the handle it would have had is closed.
 */
static void reply(uint64_t id, long result, const void *data, size_t len, archk_handle_t h)
{
	long err = archk_table_reply(fw.table, id, result, data, len, h);

	if (err == ARCHK_ERR_BAD_ADDRESS || err == ARCHK_ERR_NO_MEMORY)
		err = archk_table_reply(fw.table, id, err, NULL, 0, 0);
	if (err < 0 && h)
		archk_handle_close(h); /* a wrapped object's CLOSE follows */
	if (err < 0 && err != ARCHK_ERR_PEER_CLOSED)
		fail("table_reply", err);
}

static void req_free(struct fw_req *r)
{
	free(r->buf);
	r->buf = NULL;
	r->busy = false;
	fw.busy--;
}

/* Answers r and frees it. */
static void finish(struct fw_req *r, long result, const void *data, size_t len, archk_handle_t h)
{
	reply(r->id, result, data, len, h);
	req_free(r);
}

/* Puts a request on the queue for r (its completion continues at step). */
static void forward(struct fw_req *r, uint8_t step, int op, archk_handle_t h, const void *buf,
		    uint64_t len, uint64_t offset)
{
	struct archk_io_request *q = archk_ioq_request(&fw.q);

	if (!q) { /* the queue is as large as the table's pending requests: never */
		finish(r, ARCHK_ERR_NO_MEMORY, NULL, 0, 0);
		return;
	}
	r->step = step;
	*q = (struct archk_io_request){.op = (uint8_t)op,
				       .handle = h,
				       .buf = (uintptr_t)buf,
				       .len = len,
				       .offset = offset,
				       .user_data = (uintptr_t)r};
}

static uint32_t obj_wrap(uint8_t kind, archk_handle_t real)
{
	for (uint32_t i = 1; i < OBJS_MAX; i++) {
		if (fw.objs[i].kind == OBJ_FREE) {
			fw.objs[i] = (struct obj){kind, real};
			return i;
		}
	}
	return 0;
}

/* The driver opened a listener or UDP endpoint for r: served here with the same rights. */
static void wrap(struct fw_req *r, archk_handle_t real)
{
	struct archk_handle_info info;
	uint32_t cookie = obj_wrap(r->kind == ARCHK_NET_UDP_BIND ? OBJ_UDP : OBJ_LISTENER, real);
	long h = cookie && archk_handle_info(real, &info) == 0
		     ? archk_table_object_create(fw.table, cookie, info.rights)
		     : ARCHK_ERR_NO_MEMORY;

	if (h < 0) {
		if (cookie)
			fw.objs[cookie].kind = OBJ_FREE;
		archk_handle_close(real);
		finish(r, h, NULL, 0, 0);
		return;
	}
	finish(r, 0, NULL, 0, (archk_handle_t)h);
}

/* The peer text of an accepted connection ("ADDR:PORT\n") as an address; false if bad. */
static bool peer_of(const char *text, size_t len, struct archk_net_addr *a)
{
	size_t colon = len;

	while (colon > 0 && text[colon - 1] != ':')
		colon--;
	if (colon < 2 || len < colon + 2 || text[len - 1] != '\n')
		return false;
	return archk_net_parse_addr(text, colon - 1, a) == 0 &&
	       archk_net_parse_port(text + colon, len - colon - 1, &a->port) == 0;
}

/* Accepts on r's listener (again), with the rights the client asked for. */
static void accept_next(struct fw_req *r)
{
	memcpy(r->buf, "accept", 6);
	forward(r, STEP_ACCEPTED, ARCHK_IO_OPEN, fw.objs[r->obj].real, r->buf, 6, r->rights);
}

/* A forwarded request completed with result: the next step. */
static void completed(struct fw_req *r, long result)
{
	struct archk_net_addr a;

	switch (r->step) {
	case STEP_REPLY:
		if (r->op == ARCHK_IO_READ)
			finish(r, result, r->buf, result > 0 ? (size_t)result : 0, 0);
		else if (r->op == ARCHK_IO_GET_META)
			finish(r, result, r->buf, result == 0 ? sizeof(struct archk_meta) : 0, 0);
		else
			finish(r, result, NULL, 0,
			       r->op == ARCHK_IO_OPEN && result > 0 ? (archk_handle_t)result : 0);
		return;
	case STEP_OPENED:
		if (result < 0 || r->kind == ARCHK_NET_TCP_CONNECT)
			finish(r, result, NULL, 0, result > 0 ? (archk_handle_t)result : 0);
		else
			wrap(r, (archk_handle_t)result);
		return;
	case STEP_ACCEPTED:
		if (result < 0) {
			finish(r, result, NULL, 0, 0);
			return;
		}
		r->conn = (archk_handle_t)result;
		memcpy(r->buf, "peer", 4);
		forward(r, STEP_PEER_OPENED, ARCHK_IO_OPEN, r->conn, r->buf, 4, ARCHK_RIGHTS_SAME);
		return;
	case STEP_PEER_OPENED:
		r->peer = result > 0 ? (archk_handle_t)result : 0;
		forward(r, STEP_PEER_READ, ARCHK_IO_READ, r->peer, r->buf, 64, 0);
		return;
	case STEP_PEER_READ:
		archk_handle_close(r->peer);
		if (result > 0 && peer_of((const char *)r->buf, (size_t)result, &a) &&
		    decide(FW_ACCEPT, &a)) {
			finish(r, 0, NULL, 0, r->conn);
			return;
		}
		archk_handle_close(r->conn); /* refused: closed, and the next one awaited */
		accept_next(r);
		return;
	case STEP_RECEIVED:
		if (result >= (long)ADDR_LEN) {
			memcpy(&a, r->buf, ADDR_LEN);
			if (!decide(FW_RECV, &a)) { /* dropped: the next datagram */
				forward(r, STEP_RECEIVED, ARCHK_IO_READ, fw.objs[r->obj].real,
					r->buf, r->len, 0);
				return;
			}
		}
		finish(r, result, r->buf, result > 0 ? (size_t)result : 0, 0);
		return;
	default:
		return;
	}
}

/* OPEN on the root: decide by the path, as the driver would parse it. */
static void open_root(struct fw_req *r, const struct archk_table_request *req)
{
	static const int ops[] = {[ARCHK_NET_TCP_LISTEN] = FW_LISTEN,
				  [ARCHK_NET_TCP_CONNECT] = FW_CONNECT,
				  [ARCHK_NET_UDP_BIND] = FW_BIND};
	struct archk_net_addr a;
	long err = archk_net_parse_path((const char *)r->buf, req->len, &r->kind, &a);

	if (err < 0) { /* the driver's own answer to such a path */
		finish(r, err, NULL, 0, 0);
		return;
	}
	if (!decide(ops[r->kind], &a)) {
		finish(r, ARCHK_ERR_ACCESS_DENIED, NULL, 0, 0);
		return;
	}
	forward(r, STEP_OPENED, ARCHK_IO_OPEN, fw.real_net, r->buf, req->len, req->offset);
}

/* A datagram to a refused destination? (WRITE on a UDP endpoint, its address first.) */
static bool refused_send(const struct fw_req *r)
{
	struct archk_net_addr a;

	memcpy(&a, r->buf, ADDR_LEN);
	return !decide(FW_SEND, &a);
}

/* A client request on object o; its in-data is in r->buf. */
static void request(struct fw_req *r, const struct archk_table_request *req, struct obj *o)
{
	bool udp = o->kind == OBJ_UDP, big = req->len >= ADDR_LEN;

	r->rights = req->offset;
	if (req->op == ARCHK_IO_OPEN && o->kind == OBJ_ROOT) {
		open_root(r, req);
	} else if (req->op == ARCHK_IO_OPEN && o->kind == OBJ_LISTENER && req->len == 6 &&
		   memcmp(r->buf, "accept", 6) == 0) {
		accept_next(r);
	} else if (req->op == ARCHK_IO_READ && udp && big) {
		forward(r, STEP_RECEIVED, ARCHK_IO_READ, o->real, r->buf, req->len, 0);
	} else if (req->op == ARCHK_IO_WRITE && udp && big && refused_send(r)) {
		finish(r, ARCHK_ERR_ACCESS_DENIED, NULL, 0, 0);
	} else { /* everything else: the driver's answer, whatever it is */
		forward(r, STEP_REPLY, (int)req->op, o->real, r->buf,
			req->op == ARCHK_IO_GET_META ? sizeof(struct archk_meta) : req->len,
			req->offset);
	}
}

/* ---- the loop ---- */

static struct fw_req *req_alloc(void)
{
	for (unsigned i = 0; i < OPS_MAX; i++) {
		if (!fw.reqs[i].busy) {
			fw.reqs[i].busy = true;
			fw.busy++;
			return &fw.reqs[i];
		}
	}
	return NULL;
}

/* Takes the table's requests while there is room to forward them. */
static void receive_all(void)
{
	static uint8_t data[ARCHK_TABLE_DATA_MAX];
	struct archk_table_request req;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	struct fw_req *r;

	while (fw.busy < OPS_MAX) {
		long n = archk_table_receive(fw.table, &req, data, sizeof(data), handles, 0);
		struct obj *o;

		if (n == ARCHK_ERR_TIMED_OUT)
			return;
		if (n < 0)
			fail("table_receive", n);
		for (uint32_t i = 0; i < req.handle_count; i++)
			archk_handle_close(handles[i]); /* the driver takes none either */
		o = req.cookie < OBJS_MAX ? &fw.objs[req.cookie] : NULL;
		if (req.op == ARCHK_IO_CLOSE) {
			if (o && o->kind != OBJ_ROOT && o->kind != OBJ_FREE) {
				archk_handle_close(o->real);
				o->kind = OBJ_FREE;
			}
			continue;
		}
		r = req_alloc();
		r->op = req.op;
		r->id = req.id;
		r->obj = (uint32_t)req.cookie;
		r->len = (uint32_t)req.len;
		r->buf = malloc(req.len > 64 ? req.len : 64);
		if (!r->buf || !o || o->kind == OBJ_FREE) {
			finish(r, ARCHK_ERR_NO_MEMORY, NULL, 0, 0);
			continue;
		}
		memcpy(r->buf, data, req.len);
		request(r, &req, o);
	}
}

/* Reads every completion and takes each request's next step. */
static void reap(void)
{
	struct archk_io_completion *c;

	while ((c = archk_ioq_peek(&fw.q))) {
		struct fw_req *r = (struct fw_req *)(uintptr_t)c->user_data;
		long result = c->result;

		archk_ioq_seen(&fw.q);
		completed(r, result);
	}
}

static __attribute__((noreturn)) void serve(void)
{
	for (;;) {
		struct archk_wait_item items[3] = {
		    {.handle = fw.program, .waitfor = ARCHK_SIGNAL_TERMINATED},
		    {.handle = fw.q.handle, .waitfor = ARCHK_SIGNAL_READABLE},
		    {.handle = fw.table, .waitfor = ARCHK_SIGNAL_READABLE},
		};
		long r = archk_ioq_enter(&fw.q, 0, 0); /* what the steps put on the queue */

		if (r < 0 && r != ARCHK_ERR_SHOULD_WAIT)
			fail("ioq_enter", r);
		if ((r = archk_object_wait_many(items, fw.busy < OPS_MAX ? 3 : 2,
						ARCHK_DEADLINE_INFINITE)) < 0)
			fail("object_wait_many", r);
		if (items[0].pending & ARCHK_SIGNAL_TERMINATED)
			archk_process_exit(launch_wait(fw.program));
		reap();
		receive_all();
	}
}

int main(int argc, char **argv)
{
	long r;

	fw.err = archk_handle_named("err");
	fw.real_net = archk_handle_named("net");
	if (argc < 3) {
		archk_dprintf(fw.err, "usage: netfw RULES PROGRAM [ARG...]\n");
		return 2;
	}
	parse_rules(argv[1]);
	if (fw.real_net == ARCHK_HANDLE_INVALID)
		fail("no net handle (archk needs --net)", ARCHK_ERR_NOT_FOUND);
	if ((r = archk_ioq_init(&fw.q, QSIZE, 0)) < 0)
		fail("cannot make its I/O queue", r);
	if ((r = archk_table_create()) < 0)
		fail("cannot make its table", r);
	fw.table = (archk_handle_t)r;
	fw.objs[0] = (struct obj){OBJ_ROOT, fw.real_net};
	struct archk_handle_info info;
	if ((r = archk_handle_info(fw.real_net, &info)) < 0 ||
	    (r = archk_table_object_create(fw.table, 0, info.rights)) < 0)
		fail("cannot serve net", r);
	struct archk_spawn_handle hs[] = {{"net", (archk_handle_t)r, ARCHK_RIGHTS_SAME}};
	if ((r = archk_spawn(argv[2], (const char *const *)argv + 2, hs, 1)) < 0)
		fail(argv[2], r);
	fw.program = (archk_handle_t)r;
	archk_handle_close(hs[0].handle);
	serve();
}
