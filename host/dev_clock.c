/*
 * archk's clock device (virtio has none): one queue; each chain's writable
 * buffers receive a struct archk_clock_reading, the host's realtime clock
 * (UTC, time zone offset 0) with the monotonic time it was read at. A clock
 * read is not I/O: the chain is given back at once.
 */
#include <time.h>
#include "devices.h"

#define CLOCK_QUEUE_SIZE 16

static int64_t nanoseconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void clock_notify(struct device *d, void *state, unsigned q)
{
	struct device_chain c;

	(void)state;
	while (device_pop(d, q, &c) == 1) {
		struct archk_clock_reading now = {
		    .realtime_ns = nanoseconds(CLOCK_REALTIME),
		    .monotonic_ns = nanoseconds(CLOCK_MONOTONIC),
		};

		device_push(d, &c, virtq_chain_write(&c.vc, 0, &now, sizeof(now)));
	}
}

/* Nothing is ever in flight. */
static void clock_reset(struct device *d, void *state)
{
	(void)d;
	(void)state;
}

static const struct device_model clock_model = {
    .device_id = ARCHK_DEVICE_ID_CLOCK,
    .queue_count = 1,
    .queue_size_max = CLOCK_QUEUE_SIZE,
    .notify = clock_notify,
    .reset = clock_reset,
};

int clock_device_open(const struct archk_boot_device *bd)
{
	return device_create(bd->name, &clock_model, NULL, NULL, 0) ? 0 : ARCHK_ERR_NO_MEMORY;
}
