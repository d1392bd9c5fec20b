/*
 * The console device (virtio-console, virtio 5.3): archk's terminal for a
 * console driver. Two ports without virtio's control queues: queues 0 and 1
 * are port 0's receive (stdin) and transmit (stdout), 2 and 3 port 1's
 * (nothing is ever received there; transmit goes to stderr).
 *
 * Input goes through archk's console (kernel/console.c), which reads stdin
 * and knows the keys of a terminal (Ctrl-a x ends archk). While a driver
 * runs this device the console hands its input here: receive chains the
 * driver posts are held until input comes, then filled and given back; a
 * chain given back with 0 bytes means the input has ended (archk's own
 * convention: virtio's console has no end of input).
 *
 * Output: each transmit queue has one host writev in flight at a time,
 * straight from the chain's buffers (DMA memory, referenced by the chain),
 * so each port's output keeps its order. A short write goes on with the
 * rest; a non-blocking stdout that is full is waited for with POLLOUT.
 *
 * Config: struct archk_console_config, the terminal's size (updated when the
 * host's window changes: a config interrupt), which host fds are terminals,
 * and the error that ended a port's output (a config interrupt too: a
 * driver answers writes before the host has made them).
 */
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "../kernel/console.h"
#include "devices.h"

#define CONSOLE_QUEUE_SIZE 64
#define RECEIVE_HELD_MAX   CONSOLE_QUEUE_SIZE

/* A transmit queue's one host write. */
struct console_port_out {
	struct device_io io;
	struct device_chain c;
	int fd;
	unsigned queue;
	bool busy;
	struct iovec iov[VIRTQ_SEGS_MAX];
	int iovcnt;
};

static struct {
	struct device *dev;
	struct archk_console_config config;
	struct console_input_sink sink;
	bool driven;
	/* Receive chains held until input comes. */
	struct device_chain held[RECEIVE_HELD_MAX];
	unsigned held_count;
	struct console_port_out out[2]; /* stdout (queue 1), stderr (queue 3) */
} con;

/* Gives held receive chains the input there is; all of them 0 bytes once it has ended. */
static void fill_receive(void *ctx)
{
	static uint8_t buf[4096];
	unsigned used = 0;

	(void)ctx;
	while (used < con.held_count) {
		struct device_chain *c = &con.held[used];
		uint32_t room = c->vc.in_bytes < sizeof(buf) ? c->vc.in_bytes : sizeof(buf);
		bool ended;
		size_t n = console_input_take(buf, room, &ended);

		if (!n && !ended)
			break;
		device_push(con.dev, c, virtq_chain_write(&c->vc, 0, buf, (uint32_t)n));
		used++;
	}
	con.held_count -= used;
	memmove(con.held, con.held + used, con.held_count * sizeof(con.held[0]));
}

static void take_receive_chains(struct device *d)
{
	while (con.held_count < RECEIVE_HELD_MAX &&
	       device_pop(d, ARCHK_CONSOLE_Q_IN, &con.held[con.held_count]) == 1)
		con.held_count++;
	fill_receive(NULL);
}

static void port_submit(struct console_port_out *p, bool when_writable)
{
	struct io_uring_sqe *sqe;

	if (when_writable) {
		sqe = ring_get_sqe(kick_ring);
		io_uring_prep_poll_add(sqe, p->fd, POLLOUT);
		io_uring_sqe_set_data(sqe, NULL);
		sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	}
	sqe = device_io_sqe(&p->io);
	io_uring_prep_writev(sqe, p->fd, p->iov, (unsigned)p->iovcnt, (uint64_t)-1);
	io_uring_submit(kick_ring);
}

/* Starts writing the next chain of the port's queue, if it is idle and one waits. */
static void port_next(struct console_port_out *p)
{
	while (!p->busy && device_pop(con.dev, p->queue, &p->c) == 1) {
		p->iovcnt = device_readable_iov(&p->c.vc, 0, p->iov);
		if (p->iovcnt == 0) {
			device_push(con.dev, &p->c, 0);
			continue;
		}
		p->busy = true;
		port_submit(p, false);
	}
}

/* Drops the first n written bytes from the iovecs. */
static void iov_advance(struct console_port_out *p, size_t n)
{
	int i = 0;

	while (i < p->iovcnt && n >= p->iov[i].iov_len)
		n -= p->iov[i++].iov_len;
	p->iovcnt -= i;
	memmove(p->iov, p->iov + i, (size_t)p->iovcnt * sizeof(p->iov[0]));
	if (p->iovcnt) {
		p->iov[0].iov_base = (uint8_t *)p->iov[0].iov_base + n;
		p->iov[0].iov_len -= n;
	}
}

static void port_done(struct io_token *token, long result)
{
	struct console_port_out *p = (struct console_port_out *)token;

	device_io_done(&p->io);
	if (result > 0)
		iov_advance(p, (size_t)result);
	if (device_current(con.dev, &p->c) &&
	    (result == ARCHK_ERR_SHOULD_WAIT || (result > 0 && p->iovcnt > 0))) {
		port_submit(p, result == ARCHK_ERR_SHOULD_WAIT);
		return;
	}
	p->busy = false;
	if (result < 0 && device_current(con.dev, &p->c) && !con.config.out_error[p->queue / 2]) {
		con.config.out_error[p->queue / 2] = (int32_t)result; /* the rest is lost */
		device_config_changed(con.dev);
	}
	device_push(con.dev, &p->c, 0);
	port_next(p);
}

static void console_notify(struct device *d, void *state, unsigned q)
{
	(void)state;
	if (q == ARCHK_CONSOLE_Q_IN)
		take_receive_chains(d);
	else if (q == ARCHK_CONSOLE_Q_OUT || q == ARCHK_CONSOLE_Q_ERR)
		port_next(&con.out[q == ARCHK_CONSOLE_Q_ERR]);
	/* queue 2, port 1's receive queue, keeps what it is given: no input comes there */
}

/* Held chains belong to the old generation; writes in flight finish unseen. */
static void console_reset(struct device *d, void *state)
{
	(void)d;
	(void)state;
	con.config.out_error[0] = con.config.out_error[1] = 0;
	for (unsigned i = 0; i < con.held_count; i++)
		virtq_chain_release(&con.held[i].vc);
	con.held_count = 0;
	if (con.driven)
		console_input_redirect(NULL);
	con.driven = false;
}

/* A driver runs the device: the terminal's input is its. */
static void console_started(struct device *d, void *state, uint64_t features)
{
	(void)d;
	(void)state;
	(void)features;
	con.driven = true;
	console_input_redirect(&con.sink);
}

/* The terminal's size now, 0 by 0 when stdout is not a terminal. */
static void read_size(void)
{
	struct winsize ws;

	if (console_is_terminal(1) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
		con.config.cols = ws.ws_col;
		con.config.rows = ws.ws_row;
	}
}

void console_device_resized(void)
{
	hook_lock();
	if (con.dev) {
		read_size();
		device_config_changed(con.dev);
	}
	hook_unlock();
}

int console_device_open(const struct archk_boot_device *bd)
{
	static const struct device_model model = {
	    .device_id = ARCHK_DEVICE_ID_CONSOLE,
	    .queue_count = ARCHK_CONSOLE_QUEUES,
	    .queue_size_max = CONSOLE_QUEUE_SIZE,
	    .features = ARCHK_CONSOLE_F_SIZE,
	    .notify = console_notify,
	    .reset = console_reset,
	    .started = console_started,
	};

	con.sink = (struct console_input_sink){.ready = fill_receive};
	con.config.max_nr_ports = 2;
	for (int fd = 0; fd < 3; fd++)
		con.config.terminal |= (uint32_t)console_is_terminal(fd) << fd;
	read_size();
	for (int i = 0; i < 2; i++) {
		con.out[i].io.token.complete = port_done;
		con.out[i].fd = (int)bd->host_fd[1 + i];
		con.out[i].queue = i ? ARCHK_CONSOLE_Q_ERR : ARCHK_CONSOLE_Q_OUT;
	}
	con.dev = device_create(bd->name, &model, NULL, &con.config, sizeof(con.config));
	return con.dev ? 0 : ARCHK_ERR_NO_MEMORY;
}
