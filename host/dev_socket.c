/*
 * The socket device (archk's own, ARCHK_DEVICE_ID_SOCKET; docs/abi.md
 * 18.13): socket operations on host sockets, in the spirit of gVisor's
 * hostinet and virtio-vsock. archk runs unprivileged, so the guest gets
 * sockets, not frames.
 *
 * Each chain is one operation (struct archk_socket_req). Every host call is
 * a request on the io_uring of the vCPU that rang the doorbell or reaped
 * the previous step: sockets are created, configured, bound and put to
 * listen with IORING_OP_SOCKET, URING_CMD (setsockopt), BIND and LISTEN
 * where the kernel has them (Linux 6.11; older kernels get the four system
 * calls instead, which never block either), and accept, connect, send,
 * receive, shut down and close through io_uring. No vCPU ever waits for a
 * peer.
 *
 * Sockets are host descriptors the model owns, named to the driver by ids
 * (a slot and a generation, so a stale id is NOT_FOUND). Per socket one
 * receive-side operation (RECV, RECVFROM, ACCEPT) and one send-side
 * operation run at a time, the others wait in order: bytes are never
 * interleaved. Closing a socket (CLOSE, a failed set-up, the device's reset
 * when its driver ends) first shuts it down, which ends every operation
 * still waiting on it on any vCPU's ring (they complete CANCELLED), and
 * closes the descriptor once none is left. Memory is fixed: SOCKETS_MAX
 * sockets, SOCK_REQUESTS chains at once (the rest wait in the ring), no
 * data buffered here (it moves between the driver's buffers and the
 * host's socket buffers, which the host bounds).
 *
 * The policy (--net-listen, --net-connect) is checked here, on the host
 * side, before a socket exists: LISTEN and BIND need a listen rule, CONNECT
 * and each SENDTO a connect rule (by default: any loopback address). A
 * refusal is ACCESS_DENIED and one line in archk's log.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "devices.h"

#define SOCK_QUEUE_SIZE 2048
#define SOCK_REQUESTS	512
#define SOCKETS_MAX	1024 /* a power of two: ids are slot | generation */
#define SOCK_BACKLOG	128

/* io_uring operations newer than Debian's liburing 2.3 headers (Linux 6.11). */
#define OP_BIND			   56
#define OP_LISTEN		   57
#define SOCKET_URING_OP_SETSOCKOPT 3

enum sock_kind { SK_FREE, SK_LISTENER, SK_TCP, SK_UDP };

/* The steps that set a socket up, in the order they run. */
enum setup_step {
	ST_SOCKET,
	ST_REUSEADDR,
	ST_V6ONLY,
	ST_NODELAY,
	ST_BIND,
	ST_LISTEN,
	ST_CONNECT,
	ST_DONE,
};

struct sock_req;

struct sock {
	int fd;	      /* -1 until the host made it */
	uint8_t kind; /* enum sock_kind */
	bool ready;   /* its id was given out: requests may name it */
	bool closing;
	bool shut;	    /* the shutdown was sent (it wakes what waits on fd) */
	bool io_busy;	    /* the shutdown or the close is in flight */
	uint32_t gen;	    /* bumped when the slot is freed */
	uint32_t in_flight; /* host operations on fd, the shutdown and close aside */
	bool rx_busy, tx_busy;
	struct sock_req *rx, *rx_tail; /* receive side: waiting, in order */
	struct sock_req *tx, *tx_tail; /* send side */
	struct sock_req *closer;       /* the CLOSE that waits for the host close */
	struct device_io io;	       /* the shutdown, then the close */
	struct sock_dev *sd;
};

struct sock_req {
	struct device_io io;
	struct device_chain c;
	struct sock_dev *sd;
	struct sock_req *next; /* free list, or a socket's queue */
	struct archk_socket_req h;
	struct sock *s;	      /* the socket it works on */
	struct sock *created; /* ACCEPT: the slot of the new connection */
	const uint8_t *steps; /* set-up: the steps, and the one in flight */
	unsigned step;
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	socklen_t addr_len;
	int one; /* the value setsockopt sets */
	struct msghdr msg;
	struct iovec iov[VIRTQ_SEGS_MAX];
};

struct sock_dev {
	struct device *dev;
	struct archk_socket_config config;
	struct sock_req *free_reqs;
	bool starved; /* chains wait in the ring for a free request */
	struct sock socks[SOCKETS_MAX];
	struct sock_req reqs[SOCK_REQUESTS];
};

static const uint8_t listen_steps[] = {ST_SOCKET, ST_REUSEADDR, ST_V6ONLY, ST_NODELAY,
				       ST_BIND,	  ST_LISTEN,	ST_DONE};
static const uint8_t connect_steps[] = {ST_SOCKET, ST_NODELAY, ST_CONNECT, ST_DONE};
static const uint8_t bind_steps[] = {ST_SOCKET, ST_V6ONLY, ST_BIND, ST_DONE};

static bool setup_syscalls; /* the kernel lacks an operation of the set-up (or --debug) */

static void sock_notify(struct device *d, void *state, unsigned q);
static void rx_start(struct sock *s);
static void tx_start(struct sock *s);

/* ---- the rings ---- */

int socket_ring_restrictions(struct io_uring *ring, struct io_uring_restriction *res)
{
	static const uint8_t always[] = {IORING_OP_SENDMSG, IORING_OP_RECVMSG,	IORING_OP_ACCEPT,
					 IORING_OP_CONNECT, IORING_OP_SHUTDOWN, IORING_OP_CLOSE};
	static const uint8_t setup[] = {IORING_OP_SOCKET, IORING_OP_URING_CMD, OP_BIND, OP_LISTEN};
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
	bool all = probe != NULL && !host_opts.net_syscalls;
	int n = 0;

	for (size_t i = 0; i < sizeof(always); i++) {
		res[n].opcode = IORING_RESTRICTION_SQE_OP;
		res[n++].sqe_op = always[i];
	}
	for (size_t i = 0; i < sizeof(setup) && probe; i++)
		all = all && io_uring_opcode_supported(probe, setup[i]);
	for (size_t i = 0; all && i < sizeof(setup); i++) {
		res[n].opcode = IORING_RESTRICTION_SQE_OP;
		res[n++].sqe_op = setup[i];
	}
	free(probe);
	setup_syscalls = !all;
	return n;
}

bool socket_setup_syscalls(void)
{
	return host_opts.net && setup_syscalls;
}

/* ---- addresses and the policy ---- */

/* addr as a host socket address in r; false if it is no valid address to use. */
static bool to_sockaddr(struct sock_req *r, const struct archk_net_addr *a)
{
	memset(&r->addr, 0, sizeof(r->addr));
	if (a->reserved || a->port == 0)
		return false;
	if (a->family == ARCHK_NET_INET) {
		r->addr.in.sin_family = AF_INET;
		r->addr.in.sin_port = htons(a->port);
		memcpy(&r->addr.in.sin_addr, a->addr, 4);
		r->addr_len = sizeof(r->addr.in);
		return true;
	}
	if (a->family == ARCHK_NET_INET6) {
		r->addr.in6.sin6_family = AF_INET6;
		r->addr.in6.sin6_port = htons(a->port);
		memcpy(&r->addr.in6.sin6_addr, a->addr, 16);
		r->addr_len = sizeof(r->addr.in6);
		return true;
	}
	return false;
}

/* The host socket address in r as archk's. */
static struct archk_net_addr from_sockaddr(const struct sock_req *r)
{
	struct archk_net_addr a = {0};

	if (r->addr.sa.sa_family == AF_INET) {
		a.family = ARCHK_NET_INET;
		a.port = ntohs(r->addr.in.sin_port);
		memcpy(a.addr, &r->addr.in.sin_addr, 4);
	} else if (r->addr.sa.sa_family == AF_INET6) {
		a.family = ARCHK_NET_INET6;
		a.port = ntohs(r->addr.in6.sin6_port);
		memcpy(a.addr, &r->addr.in6.sin6_addr, 16);
	}
	return a;
}

/* Whether the policy lets guests listen (or bind) at a, or connect (or send) to it. */
static bool allowed(const struct archk_net_addr *a, bool listen)
{
	const struct net_rules *rules = listen ? &host_opts.net_listen : &host_opts.net_connect;

	if (!listen && rules->count == 0)
		return archk_net_is_loopback(a);
	for (unsigned i = 0; i < rules->count; i++)
		if (archk_net_match(&rules->rule[i], a))
			return true;
	return false;
}

/* The policy's refusal: one line in the log. */
static long denied(const char *what, const struct archk_net_addr *a, bool listen)
{
	char text[ARCHK_NET_ADDR_TEXT_MAX];

	archk_net_format(a, text);
	klog(LOG_WARN, "net: %s %s denied: not allowed by --net-%s", what, text,
	     listen ? "listen" : "connect");
	return ARCHK_ERR_ACCESS_DENIED;
}

/* ---- sockets ---- */

static uint32_t sock_id(const struct sock_dev *sd, const struct sock *s)
{
	return (uint32_t)(s - sd->socks) | s->gen * SOCKETS_MAX;
}

/* A free slot for a socket of kind, not yet ready; NULL if every slot is taken. */
static struct sock *sock_alloc(struct sock_dev *sd, uint8_t kind)
{
	for (unsigned i = 0; i < SOCKETS_MAX; i++) {
		struct sock *s = &sd->socks[i];

		if (s->kind == SK_FREE) {
			s->kind = kind;
			s->fd = -1;
			s->ready = s->closing = s->shut = s->io_busy = false;
			s->rx_busy = s->tx_busy = false;
			s->in_flight = 0;
			s->rx = s->rx_tail = s->tx = s->tx_tail = s->closer = NULL;
			return s;
		}
	}
	return NULL;
}

/* The ready socket named id, if it is of kind (SK_FREE: any); else NULL and *err. */
static struct sock *sock_lookup(struct sock_dev *sd, uint32_t id, uint8_t kind, long *err)
{
	struct sock *s = &sd->socks[id % SOCKETS_MAX];

	*err = ARCHK_ERR_NOT_FOUND;
	if (!s->ready || s->closing || s->gen != id / SOCKETS_MAX)
		return NULL;
	*err = ARCHK_ERR_WRONG_TYPE;
	return kind == SK_FREE || s->kind == kind ? s : NULL;
}

/* ---- requests ---- */

static struct sock_req *req_alloc(struct sock_dev *sd)
{
	struct sock_req *r = sd->free_reqs;

	if (r) {
		sd->free_reqs = r->next;
		r->next = NULL;
		r->s = r->created = NULL;
	}
	return r;
}

/*
 * Gives r's chain back with the response (result, and for ACCEPT, CONNECT,
 * LISTEN, BIND the socket, for RECVFROM and ACCEPT the address) and the
 * bytes received, then frees r.
 */
static void finish(struct sock_req *r, long result, uint32_t id, uint32_t data_bytes)
{
	struct sock_dev *sd = r->sd;
	struct archk_socket_resp resp = {.result = result, .id = id};
	uint32_t op = r->h.op;

	if (result >= 0 && (op == ARCHK_SOCKET_OP_ACCEPT || op == ARCHK_SOCKET_OP_RECVFROM ||
			    op == ARCHK_SOCKET_OP_CONNECT))
		resp.addr = from_sockaddr(r);
	virtq_chain_write(&r->c.vc, 0, &resp, sizeof(resp));
	device_push(sd->dev, &r->c, (uint32_t)sizeof(resp) + data_bytes);
	r->next = sd->free_reqs;
	sd->free_reqs = r;
	if (sd->starved)
		sock_notify(sd->dev, sd, 0);
}

static void fail(struct sock_req *r, long err)
{
	finish(r, err, 0, 0);
}

/* Every request waiting in list (not started on the host) ends CANCELLED. */
static void cancel_waiting(struct sock_req *list)
{
	while (list) {
		struct sock_req *next = list->next;

		fail(list, ARCHK_ERR_CANCELLED);
		list = next;
	}
}

/* ---- closing ---- */

/*
 * Moves a closing socket on: shuts it down while host operations wait on
 * it (each then ends, on whichever ring it is), closes the descriptor when
 * none is left, and frees the slot (answering the CLOSE that asked) when
 * the descriptor is gone. Each step is one operation of s->io at a time.
 */
static void sock_close_step(struct sock *s)
{
	struct io_uring_sqe *sqe;
	struct sock_req *closer = s->closer;

	if (s->kind == SK_FREE || s->io_busy)
		return;
	if (s->fd >= 0 && s->in_flight > 0 && s->shut)
		return; /* the last operation to end comes back here */
	if (s->fd >= 0) {
		s->io_busy = true;
		sqe = device_io_sqe(&s->io);
		if (s->in_flight > 0) {
			s->shut = true;
			io_uring_prep_shutdown(sqe, s->fd, SHUT_RDWR);
		} else {
			io_uring_prep_close(sqe, s->fd);
			s->fd = -1;
		}
		io_uring_submit(kick_ring);
		return;
	}
	if (s->in_flight > 0)
		return; /* being made: its step's end comes back here */
	s->kind = SK_FREE;
	s->closer = NULL;
	s->gen = (s->gen + 1) % (UINT32_MAX / SOCKETS_MAX);
	if (closer)
		finish(closer, 0, 0, 0);
}

/* The shutdown or the close is done (a shutdown's own result does not matter). */
static void sock_io_done(struct io_token *token, long result)
{
	struct sock *s = (struct sock *)((char *)token - offsetof(struct sock, io));

	(void)result;
	device_io_done(&s->io);
	s->io_busy = false;
	sock_close_step(s);
}

/* Closes s: nothing new starts on it, what waits for its turn ends CANCELLED. */
static void sock_close(struct sock *s)
{
	if (!s->closing) {
		struct sock_req *rx = s->rx, *tx = s->tx;

		s->closing = true;
		s->ready = false;
		s->rx = s->rx_tail = s->tx = s->tx_tail = NULL;
		if (s->rx_busy) { /* the one running ends when the shutdown wakes it */
			s->rx = s->rx_tail = rx;
			rx = rx->next;
			s->rx->next = NULL;
		}
		if (s->tx_busy) {
			s->tx = s->tx_tail = tx;
			tx = tx->next;
			s->tx->next = NULL;
		}
		cancel_waiting(rx);
		cancel_waiting(tx);
	}
	sock_close_step(s);
}

/* A host operation on s ended: a closing socket may go on closing. */
static void sock_op_ended(struct sock *s)
{
	s->in_flight--;
	if (s->closing)
		sock_close_step(s);
}

/* ---- host operations ---- */

/* The calling vCPU's submission slot for r's next host operation on s. */
static struct io_uring_sqe *op_sqe(struct sock_req *r, struct sock *s)
{
	s->in_flight++;
	return device_io_sqe(&r->io);
}

/* A URING_CMD setsockopt of r's int 1 on its socket (liburing 2.3 has no helper). */
static void prep_setsockopt(struct io_uring_sqe *sqe, struct sock_req *r, int level, int name)
{
	uint64_t token = sqe->user_data;

	r->one = 1;
	memset(sqe, 0, sizeof(*sqe));
	sqe->user_data = token;
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = r->s->fd;
	sqe->cmd_op = SOCKET_URING_OP_SETSOCKOPT;
	sqe->addr = (uint64_t)(uint32_t)level | (uint64_t)(uint32_t)name << 32;
	sqe->file_index = sizeof(r->one);
	sqe->addr3 = (uint64_t)(uintptr_t)&r->one;
}

/* The set-up step with a system call (a kernel without the io_uring operation). */
static long setup_syscall(struct sock_req *r, int level, int name)
{
	struct sock *s = r->s;
	int type = r->steps == bind_steps ? SOCK_DGRAM : SOCK_STREAM;
	long res;

	r->one = 1;
	switch (r->steps[r->step]) {
	case ST_SOCKET:
		res = socket(r->addr.sa.sa_family, type | SOCK_CLOEXEC, 0);
		break;
	case ST_BIND:
		res = bind(s->fd, &r->addr.sa, r->addr_len);
		break;
	case ST_LISTEN:
		res = listen(s->fd, SOCK_BACKLOG);
		break;
	default:
		res = setsockopt(s->fd, level, name, &r->one, sizeof(r->one));
		break;
	}
	return res < 0 ? host_error(-errno) : res;
}

/*
 * Starts r's current set-up step: on the ring (its completion continues),
 * or as a system call whose result is returned (1 means submitted).
 */
static long setup_start(struct sock_req *r)
{
	static const int level[] = {
	    [ST_REUSEADDR] = SOL_SOCKET, [ST_V6ONLY] = IPPROTO_IPV6, [ST_NODELAY] = IPPROTO_TCP};
	static const int name[] = {
	    [ST_REUSEADDR] = SO_REUSEADDR, [ST_V6ONLY] = IPV6_V6ONLY, [ST_NODELAY] = TCP_NODELAY};
	uint8_t step = r->steps[r->step];
	struct sock *s = r->s;
	struct io_uring_sqe *sqe;
	long res;

	if (setup_syscalls && step != ST_CONNECT) {
		res = setup_syscall(r, level[step], name[step]);
		if (step == ST_SOCKET && res >= 0)
			s->fd = (int)res;
		return res < 0 ? res : 0;
	}
	sqe = op_sqe(r, s);
	switch (step) {
	case ST_SOCKET:
		io_uring_prep_socket(
		    sqe, r->addr.sa.sa_family,
		    (r->steps == bind_steps ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0, 0);
		break;
	case ST_BIND:
		io_uring_prep_rw(OP_BIND, sqe, s->fd, &r->addr, 0, r->addr_len);
		break;
	case ST_LISTEN:
		io_uring_prep_rw(OP_LISTEN, sqe, s->fd, NULL, SOCK_BACKLOG, 0);
		break;
	case ST_CONNECT:
		io_uring_prep_connect(sqe, s->fd, &r->addr.sa, r->addr_len);
		break;
	default:
		prep_setsockopt(sqe, r, level[step], name[step]);
		break;
	}
	io_uring_submit(kick_ring);
	return 1;
}

/* Moves r to its next set-up step that applies (IPV6_V6ONLY: IPv6 only); true at the end. */
static bool setup_next(struct sock_req *r)
{
	do
		r->step++;
	while (r->steps[r->step] == ST_V6ONLY && r->addr.sa.sa_family != AF_INET6);
	return r->steps[r->step] == ST_DONE;
}

/* r's socket is set up: the driver gets its id. */
static void setup_finished(struct sock_req *r)
{
	r->s->ready = true;
	finish(r, 0, sock_id(r->sd, r->s), 0);
}

/* r's set-up failed (or the device was reset meanwhile): the socket closes. */
static void setup_failed(struct sock_req *r, long err)
{
	struct sock *s = r->s;

	fail(r, s->closing ? ARCHK_ERR_CANCELLED : err);
	sock_close(s);
}

/* Runs r's set-up from its current step until a step is on the ring, or to its end. */
static void setup_run(struct sock_req *r)
{
	for (;;) {
		long res = r->s->closing ? ARCHK_ERR_CANCELLED : setup_start(r);

		if (res == 1)
			return;
		if (res < 0) {
			setup_failed(r, res);
			return;
		}
		if (setup_next(r)) {
			setup_finished(r);
			return;
		}
	}
}

/* A set-up step on the ring ended with result. */
static void setup_step_done(struct sock_req *r, long result)
{
	struct sock *s = r->s;

	s->in_flight--;
	if (r->steps[r->step] == ST_SOCKET && result >= 0)
		s->fd = (int)result;
	if (result < 0 || s->closing)
		setup_failed(r, result);
	else if (setup_next(r))
		setup_finished(r);
	else
		setup_run(r);
}

/* ACCEPT ended: the new connection (c, reserved by rx_start) is the driver's, or closes. */
static void accept_done(struct sock_req *r, struct sock *listener, long result)
{
	struct sock *c = r->created;

	c->in_flight--;
	if (result >= 0)
		c->fd = (int)result;
	if (result >= 0 && !listener->closing && !c->closing) {
		c->ready = true;
		finish(r, 0, sock_id(r->sd, c), 0);
		return;
	}
	fail(r, listener->closing ? ARCHK_ERR_CANCELLED : result);
	sock_close(c);
}

/* The host finished r's operation on its socket. */
static void req_done(struct io_token *token, long result)
{
	struct sock_req *r = (struct sock_req *)token;
	struct sock *s = r->s;
	uint32_t op = r->h.op;
	long res = s->closing ? ARCHK_ERR_CANCELLED : result;

	device_io_done(&r->io);
	switch (op) {
	case ARCHK_SOCKET_OP_LISTEN:
	case ARCHK_SOCKET_OP_CONNECT:
	case ARCHK_SOCKET_OP_BIND:
		setup_step_done(r, result);
		return;
	case ARCHK_SOCKET_OP_SHUTDOWN:
		fail(r, result < 0 ? result : 0);
		break;
	case ARCHK_SOCKET_OP_SEND:
	case ARCHK_SOCKET_OP_SENDTO:
		s->tx_busy = false;
		s->tx = r->next;
		if (!s->tx)
			s->tx_tail = NULL;
		finish(r, res, 0, 0);
		break;
	default: /* ACCEPT, RECV, RECVFROM */
		s->rx_busy = false;
		s->rx = r->next;
		if (!s->rx)
			s->rx_tail = NULL;
		if (op == ARCHK_SOCKET_OP_ACCEPT)
			accept_done(r, s, result);
		else
			finish(r, res, 0, res > 0 ? (uint32_t)res : 0);
		break;
	}
	sock_op_ended(s);
	if (!s->closing) {
		rx_start(s);
		tx_start(s);
	}
}

/* Starts the receive-side request at the head of s's queue, if none runs. */
static void rx_start(struct sock *s)
{
	struct sock_req *r = s->rx;
	struct io_uring_sqe *sqe;
	int flags = r && (r->h.flags & ARCHK_SOCKET_F_NOWAIT) ? MSG_DONTWAIT : 0;

	if (!r || s->rx_busy)
		return;
	if (r->h.op == ARCHK_SOCKET_OP_ACCEPT && !(r->created = sock_alloc(r->sd, SK_TCP))) {
		s->rx = r->next;
		if (!s->rx)
			s->rx_tail = NULL;
		fail(r, ARCHK_ERR_NO_MEMORY); /* the connection waits in the backlog */
		rx_start(s);
		return;
	}
	if (r->created)
		r->created->in_flight = 1; /* being accepted: not freed by a reset meanwhile */
	s->rx_busy = true;
	sqe = op_sqe(r, s);
	r->addr_len = sizeof(r->addr);
	if (r->h.op == ARCHK_SOCKET_OP_ACCEPT) {
		io_uring_prep_accept(sqe, s->fd, &r->addr.sa, &r->addr_len, SOCK_CLOEXEC);
	} else {
		r->msg = (struct msghdr){
		    .msg_name = r->h.op == ARCHK_SOCKET_OP_RECVFROM ? &r->addr : NULL,
		    .msg_namelen = r->h.op == ARCHK_SOCKET_OP_RECVFROM ? sizeof(r->addr) : 0,
		    .msg_iov = r->iov,
		    .msg_iovlen = (size_t)device_writable_iov(
			&r->c.vc, sizeof(struct archk_socket_resp), 0, r->iov)};
		io_uring_prep_recvmsg(sqe, s->fd, &r->msg, flags);
	}
	io_uring_submit(kick_ring);
}

/* Starts the send-side request at the head of s's queue, if none runs. */
static void tx_start(struct sock *s)
{
	struct sock_req *r = s->tx;
	struct io_uring_sqe *sqe;
	int flags = MSG_NOSIGNAL;

	if (!r || s->tx_busy)
		return;
	if (r->h.flags & ARCHK_SOCKET_F_NOWAIT)
		flags |= MSG_DONTWAIT;
	else if (s->kind == SK_TCP)
		flags |= MSG_WAITALL; /* all of it, however long the peer takes to read */
	s->tx_busy = true;
	sqe = op_sqe(r, s);
	r->msg = (struct msghdr){.msg_name = r->h.op == ARCHK_SOCKET_OP_SENDTO ? &r->addr : NULL,
				 .msg_namelen = r->h.op == ARCHK_SOCKET_OP_SENDTO ? r->addr_len : 0,
				 .msg_iov = r->iov,
				 .msg_iovlen = (size_t)device_readable_iov(
				     &r->c.vc, sizeof(struct archk_socket_req), r->iov)};
	io_uring_prep_sendmsg(sqe, s->fd, &r->msg, (unsigned)flags);
	io_uring_submit(kick_ring);
}

/* Puts r at the end of a socket's queue (*head, *tail). */
static void enqueue(struct sock_req **head, struct sock_req **tail, struct sock_req *r)
{
	r->next = NULL;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

/* LISTEN, CONNECT, BIND: a new socket at r->h.addr, if the policy allows it. */
static void start_open(struct sock_req *r)
{
	static const char *const what[] = {[ARCHK_SOCKET_OP_LISTEN] = "listen on",
					   [ARCHK_SOCKET_OP_CONNECT] = "connect to",
					   [ARCHK_SOCKET_OP_BIND] = "bind to"};
	uint32_t op = r->h.op;
	bool listen = op != ARCHK_SOCKET_OP_CONNECT;
	struct sock *s;

	if (r->h.flags || !to_sockaddr(r, &r->h.addr)) {
		fail(r, ARCHK_ERR_INVALID_ARGS);
		return;
	}
	if (!allowed(&r->h.addr, listen)) {
		fail(r, denied(what[op], &r->h.addr, listen));
		return;
	}
	s = sock_alloc(r->sd, op == ARCHK_SOCKET_OP_LISTEN    ? SK_LISTENER
			      : op == ARCHK_SOCKET_OP_CONNECT ? SK_TCP
							      : SK_UDP);
	if (!s) {
		fail(r, ARCHK_ERR_NO_MEMORY);
		return;
	}
	r->s = s;
	r->steps = op == ARCHK_SOCKET_OP_LISTEN	   ? listen_steps
		   : op == ARCHK_SOCKET_OP_CONNECT ? connect_steps
						   : bind_steps;
	r->step = 0;
	setup_run(r);
}

/* The socket kind each operation on an id needs (SK_FREE: any). */
static uint8_t kind_for(uint32_t op)
{
	switch (op) {
	case ARCHK_SOCKET_OP_ACCEPT:
		return SK_LISTENER;
	case ARCHK_SOCKET_OP_SEND:
	case ARCHK_SOCKET_OP_RECV:
	case ARCHK_SOCKET_OP_SHUTDOWN:
		return SK_TCP;
	case ARCHK_SOCKET_OP_SENDTO:
	case ARCHK_SOCKET_OP_RECVFROM:
		return SK_UDP;
	default:
		return SK_FREE;
	}
}

/* The flags each operation on an id accepts. */
static uint32_t flags_for(uint32_t op)
{
	return op == ARCHK_SOCKET_OP_SEND || op == ARCHK_SOCKET_OP_RECV ||
		       op == ARCHK_SOCKET_OP_SENDTO || op == ARCHK_SOCKET_OP_RECVFROM
		   ? ARCHK_SOCKET_F_NOWAIT
		   : 0;
}

/* An operation on the socket r->h.id. */
static void start_on_socket(struct sock_req *r)
{
	uint32_t op = r->h.op;
	struct io_uring_sqe *sqe;
	long err;
	struct sock *s = sock_lookup(r->sd, r->h.id, kind_for(op), &err);

	if (!s) {
		fail(r, err);
		return;
	}
	if (op == ARCHK_SOCKET_OP_SHUTDOWN ? r->h.flags - 1 > 2 : r->h.flags & ~flags_for(op)) {
		fail(r, ARCHK_ERR_INVALID_ARGS);
		return;
	}
	r->s = s;
	switch (op) {
	case ARCHK_SOCKET_OP_CLOSE:
		s->closer = r;
		sock_close(s);
		return;
	case ARCHK_SOCKET_OP_SHUTDOWN:
		sqe = op_sqe(r, s);
		io_uring_prep_shutdown(sqe, s->fd, (int)r->h.flags - 1); /* SHUT_RD 0 ... RDWR 2 */
		io_uring_submit(kick_ring);
		return;
	case ARCHK_SOCKET_OP_SENDTO:
		if (!to_sockaddr(r, &r->h.addr)) {
			fail(r, ARCHK_ERR_INVALID_ARGS);
		} else if (!allowed(&r->h.addr, false)) {
			fail(r, denied("send to", &r->h.addr, false));
		} else {
			enqueue(&s->tx, &s->tx_tail, r);
			tx_start(s);
		}
		return;
	case ARCHK_SOCKET_OP_SEND:
		enqueue(&s->tx, &s->tx_tail, r);
		tx_start(s);
		return;
	default: /* ACCEPT, RECV, RECVFROM */
		if (op != ARCHK_SOCKET_OP_ACCEPT &&
		    r->c.vc.in_bytes == sizeof(struct archk_socket_resp)) {
			fail(r, ARCHK_ERR_INVALID_ARGS); /* no room for a byte */
			return;
		}
		enqueue(&s->rx, &s->rx_tail, r);
		rx_start(s);
		return;
	}
}

/* Starts the chain r has taken. */
static void start(struct sock_req *r)
{
	const struct virtq_chain *c = &r->c.vc;

	if (c->in_bytes < sizeof(struct archk_socket_resp)) { /* nothing to answer with */
		struct sock_dev *sd = r->sd;

		device_push(sd->dev, &r->c, 0);
		r->next = sd->free_reqs;
		sd->free_reqs = r;
		return;
	}
	if (virtq_chain_read(c, 0, &r->h, sizeof(r->h)) != sizeof(r->h) || r->h.reserved) {
		fail(r, ARCHK_ERR_INVALID_ARGS);
		return;
	}
	switch (r->h.op) {
	case ARCHK_SOCKET_OP_LISTEN:
	case ARCHK_SOCKET_OP_CONNECT:
	case ARCHK_SOCKET_OP_BIND:
		start_open(r);
		return;
	case ARCHK_SOCKET_OP_ACCEPT:
	case ARCHK_SOCKET_OP_SEND:
	case ARCHK_SOCKET_OP_RECV:
	case ARCHK_SOCKET_OP_SHUTDOWN:
	case ARCHK_SOCKET_OP_CLOSE:
	case ARCHK_SOCKET_OP_SENDTO:
	case ARCHK_SOCKET_OP_RECVFROM:
		start_on_socket(r);
		return;
	default:
		fail(r, ARCHK_ERR_NOT_SUPPORTED);
		return;
	}
}

/* Takes every chain offered while requests are free (the rest wait in the ring). */
static void sock_notify(struct device *d, void *state, unsigned q)
{
	struct sock_dev *sd = state;
	struct sock_req *r;

	sd->starved = false;
	while ((r = req_alloc(sd))) {
		if (device_pop(d, q, &r->c) != 1) {
			r->next = sd->free_reqs;
			sd->free_reqs = r;
			return;
		}
		start(r);
	}
	sd->starved = true;
}

/*
 * The driver is gone or restarted: every socket closes. Requests with host
 * operations in flight end on their own (their chains belong to nobody now).
 */
static void sock_reset(struct device *d, void *state)
{
	struct sock_dev *sd = state;

	(void)d;
	for (unsigned i = 0; i < SOCKETS_MAX; i++)
		if (sd->socks[i].kind != SK_FREE)
			sock_close(&sd->socks[i]);
}

static const struct device_model socket_model = {
    .device_id = ARCHK_DEVICE_ID_SOCKET,
    .queue_count = 1,
    .queue_size_max = SOCK_QUEUE_SIZE,
    .notify = sock_notify,
    .reset = sock_reset,
};

int socket_device_open(const struct archk_boot_device *bd)
{
	struct sock_dev *sd = calloc(1, sizeof(*sd));

	if (!sd)
		return ARCHK_ERR_NO_MEMORY;
	sd->config = (struct archk_socket_config){
	    .sockets_max = SOCKETS_MAX, .requests_max = SOCK_REQUESTS, .backlog = SOCK_BACKLOG};
	for (unsigned i = 0; i < SOCK_REQUESTS; i++) {
		struct sock_req *r = &sd->reqs[i];

		r->io.token.complete = req_done;
		r->sd = sd;
		r->next = sd->free_reqs;
		sd->free_reqs = r;
	}
	for (unsigned i = 0; i < SOCKETS_MAX; i++) {
		sd->socks[i].io.token.complete = sock_io_done;
		sd->socks[i].sd = sd;
		sd->socks[i].fd = -1;
	}
	sd->dev = device_create(bd->name, &socket_model, sd, &sd->config, sizeof(sd->config));
	return sd->dev ? 0 : ARCHK_ERR_NO_MEMORY;
}
