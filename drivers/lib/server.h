/*
 * What every driver does around its device (drivers/lib/server.c). A
 * driver is spawned with its device as "device" and one end of a channel as
 * "reply"; it serves objects from a table, tells its spawner their handles
 * (drv_publish), then waits for requests and for its device's interrupt at
 * once (drv_serve).
 */
#ifndef DRIVERS_LIB_SERVER_H
#define DRIVERS_LIB_SERVER_H

#include "virtio.h"

struct drv_server {
	const char *name; /* for messages: "blk", "rng" ... */
	archk_handle_t table;
	struct vdev *dev; /* its interrupt is waited for */
	void *ctx;
	/*
	 * Where the in-data of the next request goes (ARCHK_TABLE_DATA_MAX
	 * bytes), or NULL while the driver can take no more requests: they wait
	 * in the table until an interrupt frees room.
	 */
	void *(*buffer)(void *ctx);
	/* A request arrived; its in-data is in the buffer buffer() gave. */
	void (*request)(void *ctx, const struct archk_table_request *req, void *data,
			const archk_handle_t *handles);
	/* The device interrupted (its ISR bits, acknowledged). */
	void (*interrupt)(void *ctx, long isr);
	/* The requests waiting were taken: start what they queued (a doorbell); may be NULL. */
	void (*flush)(void *ctx);
};

/* Opens the spawner's "device" as the driver of a device_id device; exits on failure. */
void drv_open_device(struct drv_server *s, struct vdev *dev, uint32_t device_id, uint64_t features);
/* The table and one served object with rights; exits on failure. */
archk_handle_t drv_object(struct drv_server *s, uint64_t cookie, uint32_t rights);
/*
 * Sends the spawner the objects in the start protocol's one message: status
 * 0, then names[i] for handles[i] (each needs TRANSFER); exits on failure.
 */
void drv_publish(struct drv_server *s, const char *const *names, const archk_handle_t *handles,
		 uint32_t count);
/* Serves until the process is killed. */
__attribute__((noreturn)) void drv_serve(struct drv_server *s);
/* One line on "err" and exit 1; before drv_publish, the status err on "reply" too. */
__attribute__((noreturn)) void drv_fail(const struct drv_server *s, const char *what, long err);

#endif
