/*
 * The native baseline of http_hello_rps (scripts/bench): an epoll
 * edge-triggered HTTP/1.1 server on one thread doing httpd's work for
 * /hello: read until the end of a request head, answer the same bytes
 * httpd answers (Content-Length 14, keep-alive unless "Connection: close"),
 * keep pipelined bytes for the next request.
 *
 *   native_http PORT    listens on 127.0.0.1:PORT, prints "listening", runs until killed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 8192
#define EVENTS	 256

static const char answer[] = "HTTP/1.1 200 OK\r\nServer: archk-httpd\r\nContent-Length: 14\r\n"
			     "Content-Type: text/plain\r\nConnection: keep-alive\r\n\r\n"
			     "Hello, world!\n";

struct conn {
	int fd;
	size_t len;
	char head[HEAD_MAX];
};

/* Answers every whole request head in c; false if the connection must close. */
static bool serve(struct conn *c)
{
	for (;;) {
		char *end = memmem(c->head, c->len, "\r\n\r\n", 4);
		size_t used;

		if (!end)
			return c->len < HEAD_MAX;
		used = (size_t)(end + 4 - c->head);
		if (send(c->fd, answer, sizeof(answer) - 1, MSG_NOSIGNAL) != sizeof(answer) - 1)
			return false;
		memmove(c->head, c->head + used, c->len - used);
		c->len -= used;
	}
}

/* Reads what there is (edge-triggered: until EAGAIN); false if the connection ends. */
static bool readable(struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->head + c->len, HEAD_MAX - c->len, 0);

		if (n > 0) {
			c->len += (size_t)n;
			if (!serve(c))
				return false;
			continue;
		}
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct epoll_event ev = {.events = EPOLLIN}, events[EVENTS];
	int one = 1, l, ep;

	if (argc != 2)
		return 2;
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0) {
		perror("native_http");
		return 1;
	}
	ep = epoll_create1(0);
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, events, EVENTS, -1);

		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;
			int fd;

			if (c) {
				if (!readable(c)) {
					close(c->fd);
					free(c);
				}
				continue;
			}
			while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				c = calloc(1, sizeof(*c));
				c->fd = fd;
				ev = (struct epoll_event){.events = EPOLLIN | EPOLLET,
							  .data.ptr = c};
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				if (!readable(c)) {
					close(fd);
					free(c);
				}
			}
		}
	}
}
