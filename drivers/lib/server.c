/*
 * The loop of a driver: see server.h. A driver answers from this one thread;
 * requests it cannot start yet stay in the table (back-pressure reaches the
 * clients as waiting), and every interrupt drains what the device finished.
 */
#include "server.h"

static bool published; /* the one message on "reply" was sent */

void drv_fail(const struct drv_server *s, const char *what, long err)
{
	archk_dprintf(archk_handle_named("err"), "%s: %s: %s\n", s->name, what,
		      archk_strerror(err));
	if (!published) /* the spawner learns it from the start protocol too */
		archk_serve_reply(archk_handle_named("reply"), err < 0 ? err : ARCHK_ERR_IO, 0);
	archk_process_exit(1);
}

void drv_open_device(struct drv_server *s, struct vdev *dev, uint32_t device_id, uint64_t features)
{
	archk_handle_t h = archk_handle_named("device");
	long err;

	if (h == ARCHK_HANDLE_INVALID)
		drv_fail(s, "no device handle", ARCHK_ERR_NOT_FOUND);
	if ((err = vdev_open(dev, h, device_id, features)) < 0)
		drv_fail(s, "cannot start the device", err);
	s->dev = dev;
}

archk_handle_t drv_object(struct drv_server *s, uint64_t cookie, uint32_t rights)
{
	long h;

	if (s->table == ARCHK_HANDLE_INVALID) {
		if ((h = archk_table_create()) < 0)
			drv_fail(s, "cannot create its table", h);
		s->table = (archk_handle_t)h;
	}
	if ((h = archk_table_object_create(s->table, cookie, rights)) < 0)
		drv_fail(s, "cannot create an object", h);
	return (archk_handle_t)h;
}

void drv_publish(struct drv_server *s, const char *const *names, const archk_handle_t *handles,
		 uint32_t count)
{
	long err = archk_serve_reply_named(archk_handle_named("reply"), 0, names, handles, count);

	if (err < 0)
		drv_fail(s, "cannot publish its objects", err);
	published = true;
}

/* Takes every request waiting while the driver has room for it. */
static void receive_all(struct drv_server *s)
{
	struct archk_table_request req;
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	void *data;

	while ((data = s->buffer(s->ctx))) {
		long r =
		    archk_table_receive(s->table, &req, data, ARCHK_TABLE_DATA_MAX, handles, 0);

		if (r == ARCHK_ERR_TIMED_OUT)
			return;
		if (r < 0)
			drv_fail(s, "table_receive", r);
		s->request(s->ctx, &req, data, handles);
	}
}

void drv_serve(struct drv_server *s)
{
	for (;;) {
		struct archk_wait_item items[2];
		uint32_t n = 0;
		long r;

		if (s->dev)
			items[n++] = (struct archk_wait_item){.handle = s->dev->handle,
							      .waitfor = ARCHK_SIGNAL_INTERRUPT};
		if (s->buffer(s->ctx))
			items[n++] = (struct archk_wait_item){.handle = s->table,
							      .waitfor = ARCHK_SIGNAL_READABLE};
		r = archk_object_wait_many(items, n, ARCHK_DEADLINE_INFINITE);
		if (r < 0)
			drv_fail(s, "object_wait_many", r);
		if (s->dev && (items[0].pending & ARCHK_SIGNAL_INTERRUPT)) {
			long isr = archk_syscall1(ARCHK_SYS_DEVICE_ACK, s->dev->handle);

			if (isr < 0)
				drv_fail(s, "device_ack", isr);
			if (isr & ARCHK_DEVICE_ISR_BROKEN)
				drv_fail(s, "the device broke a queue", ARCHK_ERR_BAD_STATE);
			s->interrupt(s->ctx, isr);
		}
		receive_all(s);
		if (s->flush)
			s->flush(s->ctx);
	}
}
