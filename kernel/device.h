/*
 * Devices (device.c): the kernel objects behind simulated hardware, and the
 * interface between them and their models, which live in host/ and do the
 * host side (files, the terminal, sockets) through io_uring.
 *
 * A model describes itself with a struct device_model and is given a
 * struct device at boot (hook_device_open). When the driver rings a queue's
 * doorbell the model takes the queue's chains (device_pop), starts the work
 * and, when it is done, possibly much later, gives each chain back
 * (device_push), which interrupts the driver. A reset (a new driver, the
 * driver's end, a broken queue) bumps the device's generation: chains taken
 * before it are given back to nobody, and the model forgets them.
 *
 * Everything here runs under the kernel lock; nothing blocks.
 */
#ifndef KERNEL_DEVICE_H
#define KERNEL_DEVICE_H

#include <archk/bootinfo.h>
#include "virtq.h"

struct device;

#define DEVICE_QUEUES_MAX 8

struct device_model {
	uint32_t device_id; /* ARCHK_DEVICE_ID_* */
	uint32_t queue_count;
	uint32_t queue_size_max;
	uint64_t features;
	/* The driver rang queue q's doorbell. */
	void (*notify)(struct device *d, void *state, unsigned q);
	/* The device was reset: whatever is in flight belongs to nobody now. */
	void (*reset)(struct device *d, void *state);
	/* The driver started the device with the features accepted (may be NULL). */
	void (*started)(struct device *d, void *state, uint64_t features);
	/* The driver wrote [offset, offset+len) of the config space (may be NULL). */
	void (*config_written)(struct device *d, void *state, uint32_t offset, uint32_t len);
};

/* A chain a model took: the queue's chain and the generation it belongs to. */
struct device_chain {
	struct virtq_chain vc;
	uint32_t generation;
	uint16_t queue;
};

int device_init(const struct archk_bootinfo *boot);
/* The device list init receives as "devices". */
struct object *device_bus(void);
/*
 * Creates a device named name for model m with its state, and config_size
 * bytes of config space at config (the model's memory, updated by it; the
 * driver reads and writes it with do_io). NULL when the device table is full.
 */
struct device *device_create(const char *name, const struct device_model *m, void *state,
			     void *config, uint32_t config_size);
/* Takes the next chain of queue q: 1, 0 if there is none, -1 if the queue is broken. */
int device_pop(struct device *d, unsigned q, struct device_chain *c);
/*
 * Gives c back with written bytes and interrupts the driver (unless it asked
 * not to be), if c belongs to the current generation; drops it otherwise.
 */
void device_push(struct device *d, struct device_chain *c, uint32_t written);
/* Is c (or anything of that generation) still wanted? */
bool device_current(const struct device *d, const struct device_chain *c);
/* The model changed the config space: the driver gets a config interrupt. */
void device_config_changed(struct device *d);

#endif
