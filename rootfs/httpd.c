/*
 * httpd [-a ADDR] [-p PORT] [-c CONNS] [-t SECONDS] [-d DIR]: an HTTP/1.1
 * server on the net driver ("net"), written on the server framework
 * (rootfs/lib/srv.h): one thread, one I/O queue, a coroutine per
 * connection (at most CONNS, default 256; more wait in the listener's
 * backlog) and a few accepting ones. docs/abi.md 18.16 describes it.
 *
 *   GET and HEAD of files under DIR (default /) through "root": the store,
 *   and /home when it is there; 200 with Content-Length, 404 when there is
 *   no such file (or it is not a file); /hello answers "Hello, world!\n"
 *   (for benchmarks). Keep-alive (HTTP/1.1 unless "Connection: close";
 *   HTTP/1.0 with "Connection: keep-alive"), pipelined requests in order.
 *   A request head (request line and headers) is at most 8192 bytes and
 *   must arrive within SECONDS (default 10) of its first wait.
 *
 *   400 Bad Request (and close): a malformed request line, version, header
 *   or target, a bare LF, a head over the limit, the end of input inside a
 *   head, a body (Content-Length other than 0, Transfer-Encoding), HTTP/1.1
 *   without Host. 405 Method Not Allowed (and close): a method other than
 *   GET and HEAD. 408 Request Timeout (and close): the head took too long.
 *   Closing after an error lingers: the answer ends the stream, and what
 *   the client still sends is read and dropped (half a second, 256 KiB at
 *   most) so that its unread bytes do not reset the connection first.
 *
 * It prints "httpd: listening on ADDR:PORT" on "out" once it listens (ADDR
 * default 0.0.0.0, PORT default 8080) and runs until it is killed.
 */
#include <archk/runtime.h>
#include "lib/srv.h"

#define HEAD_MAX   8192
#define CHUNK	   16384
#define PATH_MAX_  1024
#define ACCEPTORS  4
#define SEC	   1000000000LL
#define LINGER_NS  (SEC / 2)
#define LINGER_MAX (256 * 1024)

static const char hello_body[] = "Hello, world!\n";

struct conn {
	struct srv_co co;
	archk_handle_t h;    /* the connection */
	archk_handle_t file; /* the file being sent, or 0 */
	uint32_t len;	     /* bytes in head */
	uint32_t used;	     /* bytes of head that are this request's (the rest: the next one) */
	bool keep_alive, head_only;
	int status;
	uint64_t size, sent; /* the file's and how much of it went */
	uint32_t out_len;
	uint32_t how;	  /* SET_META's shutdown */
	uint64_t drained; /* bytes read and dropped while lingering */
	struct archk_meta meta;
	struct conn *next_free;
	char path[PATH_MAX_ + 1];
	char head[HEAD_MAX];
	char out[CHUNK];     /* a response's headers, then the file's bytes */
	char hello_out[256]; /* /hello's answer, written without waiting */
};

struct acceptor {
	struct srv_co co;
	struct conn *conn; /* reserved for the next connection */
	char accept[8];	   /* the OPEN path: a request's buffer is its own while in flight */
};

static struct {
	struct srv_loop loop;
	archk_handle_t net, root, listener, err;
	int64_t timeout;
	const char *dir;
	struct conn *free_conns;
	struct acceptor acceptors[ACCEPTORS];
	struct acceptor *parked[ACCEPTORS]; /* waiting for a free connection */
	unsigned parked_count;
	/* /hello's whole answers: [HEAD?][keep-alive?] */
	char hello[2][2][256];
	uint32_t hello_len[2][2];
} httpd;

/* ---- parsing ---- */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Does s[0..len) equal word, ignoring case? */
static bool same_word(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != lower(word[i]))
			return false;
	return true;
}

/* A token character of RFC 9110 (method and header names). */
static bool token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * Where the head in c ends (the byte after its empty line), 0 if it is not
 * all there yet, or -1 for a bare LF or CR (every line ends with CR LF, and
 * nothing else has either).
 */
static long head_end(const struct conn *c)
{
	for (uint32_t i = 0; i < c->len; i++) {
		if (c->head[i] == '\r' && i + 1 < c->len && c->head[i + 1] != '\n')
			return -1;
		if (c->head[i] != '\n')
			continue;
		if (i == 0 || c->head[i - 1] != '\r')
			return -1;
		if (i >= 3 && c->head[i - 2] == '\n' && c->head[i - 3] == '\r')
			return (long)i + 1;
	}
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Decodes the target t[0..len) into c->path (below httpd.dir, without the
 * query): false if it is no absolute path, has a bad %-escape, a NUL, a
 * control character or a ".." segment, or is too long.
 */
static bool decode_target(struct conn *c, const char *t, size_t len)
{
	size_t n = strlen(httpd.dir), seg = n;

	if (len == 0 || t[0] != '/' || n + len > PATH_MAX_)
		return false;
	memcpy(c->path, httpd.dir, n);
	for (size_t i = 0; i < len && t[i] != '?'; i++) {
		char ch = t[i];

		if (ch == '%') {
			int hi = i + 2 < len ? hex_value(t[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(t[i + 2]) : -1;

			if (lo < 0)
				return false;
			ch = (char)(hi * 16 + lo);
			i += 2;
		}
		if ((unsigned char)ch < 0x20 || ch == 0x7f)
			return false;
		if (ch == '/') {
			if (n - seg == 2 && c->path[seg] == '.' && c->path[seg + 1] == '.')
				return false;
			seg = n + 1;
		}
		c->path[n++] = ch;
	}
	c->path[n] = '\0';
	return !(n - seg == 2 && c->path[seg] == '.' && c->path[seg + 1] == '.');
}

/* Checks one header line [s, s + len); false if it is malformed. */
static bool header(struct conn *c, const char *s, size_t len, bool *host)
{
	size_t colon = 0;
	const char *v;
	size_t vlen;

	while (colon < len && token_char(s[colon]))
		colon++;
	if (colon == 0 || colon == len || s[colon] != ':')
		return false;
	v = s + colon + 1;
	vlen = len - colon - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (same_word(s, colon, "host"))
		*host = true;
	else if (same_word(s, colon, "connection") && same_word(v, vlen, "close"))
		c->keep_alive = false;
	else if (same_word(s, colon, "connection") && same_word(v, vlen, "keep-alive"))
		c->keep_alive = true;
	else if (same_word(s, colon, "transfer-encoding"))
		return false; /* no request bodies */
	else if (same_word(s, colon, "content-length") && !(vlen == 1 && v[0] == '0'))
		return false;
	return true;
}

/* Parses the head of c->used bytes: the status to answer (200 to serve c->path). */
static int parse(struct conn *c)
{
	const char *p = c->head, *end = c->head + c->used - 2; /* before the empty line */
	const char *eol = memchr(p, '\r', (size_t)(end - p));
	const char *sp1, *sp2;
	bool host = false, get = false;

	c->keep_alive = false;
	/* METHOD SP TARGET SP HTTP/1.x */
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp2 || sp1 == p || eol - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return 400;
	for (const char *m = p; m < sp1; m++)
		if (!token_char(*m))
			return 400;
	c->keep_alive = sp2[8] == '1';
	get = sp1 - p == 3 && memcmp(p, "GET", 3) == 0;
	c->head_only = sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0;
	if (!decode_target(c, sp1 + 1, (size_t)(sp2 - sp1 - 1)))
		return 400;
	for (p = eol + 2; p < end; p = eol + 2) {
		eol = memchr(p, '\r', (size_t)(end - p + 2));
		if (!header(c, p, (size_t)(eol - p), &host))
			return 400;
	}
	if (sp2[8] == '1' && !host)
		return 400;
	if (!get && !c->head_only)
		return 405;
	return 200;
}

/* ---- responses ---- */

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	default:
		return "Request Timeout";
	}
}

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
		return "text/html";
	if (dot && (strcmp(dot, ".txt") == 0 || strcmp(dot, ".conf") == 0))
		return "text/plain";
	return "application/octet-stream";
}

/* Writes a response's status line and headers into out; their length. */
static uint32_t headers(char *out, size_t room, int status, uint64_t length, const char *type,
			bool keep_alive)
{
	int n = snprintf(out, room,
			 "HTTP/1.1 %d %s\r\nServer: archk-httpd\r\nContent-Length: %lu\r\n"
			 "Content-Type: %s\r\n%sConnection: %s\r\n\r\n",
			 status, reason(status), (unsigned long)length, type,
			 status == 405 ? "Allow: GET, HEAD\r\n" : "",
			 keep_alive ? "keep-alive" : "close");

	return (uint32_t)n;
}

/* An error response in c->out (with its short body unless HEAD); its length. */
static uint32_t error_response(struct conn *c, int status)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
	uint32_t len =
	    headers(c->out, sizeof(c->out), status, (uint64_t)n, "text/plain", c->keep_alive);

	if (!c->head_only) {
		memcpy(c->out + len, body, (size_t)n);
		len += (uint32_t)n;
	}
	return len;
}

/* ---- connections ---- */

static void conn_done(struct srv_co *co)
{
	struct conn *c = (struct conn *)co;

	c->next_free = httpd.free_conns;
	httpd.free_conns = c;
	if (httpd.parked_count) /* an acceptor waited for a free connection */
		srv_yield(&httpd.parked[--httpd.parked_count]->co, 0);
}

/*
 * One connection: reads a head (the framework's deadline cancels a READ
 * that waits too long), answers it, keeps what follows for the next
 * request, until the client or an error ends it.
 */
static void conn_run(struct srv_co *co)
{
	struct conn *c = (struct conn *)co;
	long end;

	SRV_BEGIN(co);
	for (;;) {
		srv_deadline(co, archk_clock_read(ARCHK_CLOCK_MONOTONIC) + httpd.timeout);
		c->head_only = false;
		c->keep_alive = false;
		while ((end = head_end(c)) == 0 && c->len < sizeof(c->head)) {
			SRV_AWAIT(co, srv_io(co, ARCHK_IO_READ, c->h, c->head + c->len,
					     sizeof(c->head) - c->len, 0));
			if (co->timed_out) {
				c->status = 408;
				break;
			}
			if (co->result <= 0)
				break;
			c->len += (uint32_t)co->result;
		}
		srv_deadline(co, 0);
		if (co->timed_out) {
			c->status = 408;
		} else if (co->result <= 0 && end == 0) {
			if (co->result < 0 || c->len == 0)
				break;	 /* the client went away between requests */
			c->status = 400; /* the end of input inside a head */
		} else {
			c->used = end > 0 ? (uint32_t)end : c->len;
			c->status = end > 0 ? parse(c) : 400; /* a bare LF, or too long */
		}
		if (c->status == 200 && strcmp(c->path, "/hello") == 0) {
			/*
			 * The answer is sent without waiting, and the next request read
			 * meanwhile; if the last one is still on its way (pipelining), this one
			 * waits, from the other buffer.
			 */
			c->out_len = httpd.hello_len[c->head_only][c->keep_alive];
			if (co->detached == 0) {
				memcpy(c->hello_out, httpd.hello[c->head_only][c->keep_alive],
				       c->out_len);
				srv_io_detached(co, ARCHK_IO_WRITE, c->h, c->hello_out, c->out_len,
						0);
			} else {
				memcpy(c->out, httpd.hello[c->head_only][c->keep_alive],
				       c->out_len);
				SRV_AWAIT(co,
					  srv_io(co, ARCHK_IO_WRITE, c->h, c->out, c->out_len, 0));
			}
		} else if (c->status == 200) {
			SRV_AWAIT(co, srv_io(co, ARCHK_IO_OPEN, httpd.root, c->path + 1,
					     strlen(c->path + 1),
					     ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY));
			c->file = co->result > 0 ? (archk_handle_t)co->result : 0;
			if (c->file) {
				SRV_AWAIT(co, srv_io(co, ARCHK_IO_GET_META, c->file, &c->meta,
						     sizeof(c->meta), 0));
				c->size = c->meta.size;
				if (co->result < 0 || c->meta.kind != ARCHK_KIND_FILE) {
					srv_close(co->loop, c->file);
					c->file = 0;
				}
			}
			if (!c->file) {
				c->status = 404;
			} else {
				c->out_len = headers(c->out, sizeof(c->out), 200, c->size,
						     content_type(c->path), c->keep_alive);
				SRV_AWAIT(co,
					  srv_io(co, ARCHK_IO_WRITE, c->h, c->out, c->out_len, 0));
				for (c->sent = 0;
				     co->result >= 0 && !c->head_only && c->sent < c->size;
				     c->sent += (uint64_t)co->result) {
					SRV_AWAIT(co, srv_io(co, ARCHK_IO_READ, c->file, c->out,
							     sizeof(c->out), c->sent));
					if (co->result <= 0)
						break;
					SRV_AWAIT(co, srv_io(co, ARCHK_IO_WRITE, c->h, c->out,
							     (uint64_t)co->result, 0));
				}
				srv_close(co->loop, c->file);
				if (co->result < 0 || (!c->head_only && c->sent < c->size))
					break; /* the client went away, or the file shrank */
			}
		}
		if (c->status != 200) {
			if (c->status != 404)
				c->keep_alive = false;
			c->out_len = error_response(c, c->status);
			SRV_AWAIT(co, srv_io(co, ARCHK_IO_WRITE, c->h, c->out, c->out_len, 0));
		}
		if (!c->keep_alive || co->result < 0 || co->detached_err)
			break;
		memmove(c->head, c->head + c->used,
			c->len - c->used); /* a pipelined next request */
		c->len -= c->used;
	}
	if (c->status != 200 && c->status != 404 && co->result >= 0) {
		/*
		 * Lingering close: the client may still be sending (a head over the
		 * limit, a body). Closing with its bytes unread would reset the
		 * connection and could destroy the answer before it reads it; so the
		 * answer ends the stream and what comes is read and dropped for a
		 * while first.
		 */
		c->how = ARCHK_NET_SHUT_WRITE;
		SRV_AWAIT(co, srv_io(co, ARCHK_IO_SET_META, c->h, &c->how, sizeof(c->how), 0));
		srv_deadline(co, archk_clock_read(ARCHK_CLOCK_MONOTONIC) + LINGER_NS);
		for (c->drained = 0; c->drained < LINGER_MAX; c->drained += (uint64_t)co->result) {
			SRV_AWAIT(co, srv_io(co, ARCHK_IO_READ, c->h, c->head, sizeof(c->head), 0));
			if (co->result <= 0 || co->timed_out)
				break;
		}
		srv_deadline(co, 0);
	}
	srv_close(co->loop, c->h);
	SRV_END(co);
}

/* ---- accepting ---- */

/* Accepts connections while there are free ones to serve them with. */
static void accept_run(struct srv_co *co)
{
	struct acceptor *a = (struct acceptor *)co;

	SRV_BEGIN(co);
	for (;;) {
		while (!httpd.free_conns) { /* the connections wait in the listener's backlog */
			httpd.parked[httpd.parked_count++] = a;
			SRV_AWAIT(co, (void)0);
		}
		a->conn = httpd.free_conns;
		httpd.free_conns = a->conn->next_free;
		memcpy(a->accept, "accept", 6);
		SRV_AWAIT(
		    co, srv_io(co, ARCHK_IO_OPEN, httpd.listener, a->accept, 6, ARCHK_RIGHTS_SAME));
		if (co->result < 0) {
			a->conn->next_free = httpd.free_conns;
			httpd.free_conns = a->conn;
			if (co->result == ARCHK_ERR_CANCELLED) /* the net driver is gone */
				break;
			continue;
		}
		memset(&a->conn->co, 0, sizeof(a->conn->co));
		a->conn->h = (archk_handle_t)co->result;
		a->conn->len = 0;
		srv_start(co->loop, &a->conn->co, conn_run, conn_done);
	}
	archk_dprintf(httpd.err, "httpd: accept: %s\n", archk_strerror(co->result));
	SRV_END(co);
}

/* ---- setting up ---- */

static __attribute__((noreturn)) void fail(const char *what, long err)
{
	archk_dprintf(httpd.err, "httpd: %s: %s\n", what, archk_strerror(err));
	archk_process_exit(1);
}

static void usage(void)
{
	archk_dprintf(httpd.err,
		      "usage: httpd [-a ADDR] [-p PORT] [-c CONNS] [-t SECONDS] [-d DIR]\n");
	archk_process_exit(2);
}

/* The constant answers of /hello. */
static void make_hello(void)
{
	for (int h = 0; h < 2; h++) {
		for (int k = 0; k < 2; k++) {
			uint32_t n = headers(httpd.hello[h][k], sizeof(httpd.hello[h][k]), 200,
					     sizeof(hello_body) - 1, "text/plain", k);

			if (!h) {
				memcpy(httpd.hello[h][k] + n, hello_body, sizeof(hello_body) - 1);
				n += sizeof(hello_body) - 1;
			}
			httpd.hello_len[h][k] = n;
		}
	}
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0", *port = "8080";
	unsigned conns = 256, entries = 64;
	char path[96];
	long r;

	httpd.err = archk_handle_named("err");
	httpd.net = archk_handle_named("net");
	httpd.root = archk_handle_named("root");
	httpd.timeout = 10 * SEC;
	httpd.dir = "";
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc || argv[i][0] != '-' || argv[i][2])
			usage();
		switch (argv[i][1]) {
		case 'a':
			addr = argv[i + 1];
			break;
		case 'p':
			port = argv[i + 1];
			break;
		case 'c':
			conns = (unsigned)strtoul(argv[i + 1], NULL, 10);
			break;
		case 't':
			httpd.timeout = (int64_t)strtoul(argv[i + 1], NULL, 10) * SEC;
			break;
		case 'd':
			httpd.dir = strcmp(argv[i + 1], "/") == 0 ? "" : argv[i + 1];
			break;
		default:
			usage();
		}
	}
	if (conns == 0 || conns > 1024 || httpd.timeout == 0 || strlen(httpd.dir) > 256 ||
	    (httpd.dir[0] && httpd.dir[0] != '/'))
		usage();
	if (httpd.net == ARCHK_HANDLE_INVALID)
		fail("no net handle (archk needs --net)", ARCHK_ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/tcp/listen/%s", addr, port);
	if ((r = archk_open(httpd.net, path, ARCHK_RIGHTS_SAME)) < 0)
		fail(path, r);
	httpd.listener = (archk_handle_t)r;
	make_hello();
	for (unsigned i = 0; i < conns; i++) {
		struct conn *c = malloc(sizeof(*c));

		if (!c)
			fail("no memory for its connections", ARCHK_ERR_NO_MEMORY);
		c->next_free = httpd.free_conns;
		httpd.free_conns = c;
	}
	/* Each connection has at most two requests in flight, and closes go through too. */
	while (entries < 4 * (conns + ACCEPTORS))
		entries *= 2;
	if ((r = srv_loop_init(&httpd.loop, entries, conns + ACCEPTORS)) < 0)
		fail("cannot make its I/O queue", r);
	for (unsigned i = 0; i < ACCEPTORS; i++)
		srv_start(&httpd.loop, &httpd.acceptors[i].co, accept_run, NULL);
	printf("httpd: listening on %s:%s\n", addr, port);
	r = srv_run(&httpd.loop);
	fail("its I/O queue", r < 0 ? r : ARCHK_ERR_CANCELLED);
}
