/*
 * Devices: the kernel side of simulated hardware (device.h), the device
 * calls (device_info, device_start, device_queue, device_notify,
 * device_ack), config space through do_io, and the bus: the list of devices
 * init receives as "devices", from which it opens each for its driver.
 *
 * A device is driven by one process at a time: the first to call
 * device_start (its driver). When the driver ends the device is reset and
 * waits for the next one, so init can restart a driver that died. A device
 * reaches only memory its driver shared as VMOs (vm_dma): every buffer a
 * queue names is looked up in the driver's VMO mappings and referenced
 * while the device uses it, so neither isolation nor the driver's own
 * unmapping can pull memory from under host I/O in flight.
 */
#include <string.h>
#include "device_s.h"
#include "io.h"
#include "syscall.h"

#define DEVICES_MAX 16

static struct {
	struct device devices[DEVICES_MAX];
	unsigned count;
	struct object bus;
} devs;

static struct device *device_from_object(struct object *o)
{
	return (struct device *)o;
}

struct object *device_bus(void)
{
	return &devs.bus;
}

struct device *device_create(const char *name, const struct device_model *m, void *state,
			     void *config, uint32_t config_size)
{
	struct device *d;

	ASSERT_LOCKED();
	KASSERT(m->queue_count <= DEVICE_QUEUES_MAX);
	if (devs.count == DEVICES_MAX)
		return NULL;
	d = &devs.devices[devs.count++];
	object_init(&d->obj, ARCHK_OBJ_DEVICE);
	strncpy(d->name, name, sizeof(d->name) - 1);
	d->model = m;
	d->state = state;
	d->config = config;
	d->config_size = config_size;
	return d;
}

/* Raises isr bits and the INTERRUPT signal. */
static void interrupt(struct device *d, uint32_t isr)
{
	d->isr |= isr;
	object_signal_update(&d->obj, 0, ARCHK_SIGNAL_INTERRUPT);
}

/* Forgets everything in flight (a new generation) and turns every queue off. */
static void device_reset(struct device *d)
{
	d->generation++;
	for (unsigned i = 0; i < DEVICE_QUEUES_MAX; i++)
		virtq_teardown(&d->queues[i]);
	d->isr = 0;
	d->features = 0;
	object_signal_update(&d->obj, ARCHK_SIGNAL_INTERRUPT, 0);
	d->model->reset(d, d->state);
}

/* The driver's process ended: the device is reset and waits for a new driver. */
static void driver_ended(struct observer *o, long status)
{
	struct device *d = o->owner;
	struct process *p = d->driver;

	(void)status;
	klog(LOG_INFO, "device %s: driver %s[%lu] ended; the device is reset", d->name, p->name,
	     (unsigned long)p->obj.koid);
	device_reset(d);
	d->driver = NULL;
	object_unref(&p->obj);
}

/* The device memory of the driver (virtq_dma_fn): its VMO mappings only. */
static void *driver_dma(void *ctx, uint64_t addr, uint64_t len, bool write, struct object **ref)
{
	struct device *d = ctx;
	int prot = write ? HOOK_PROT_READ | HOOK_PROT_WRITE : HOOK_PROT_READ;

	return d->driver ? vm_dma(d->driver, addr, len, prot, ref) : NULL;
}

int device_pop(struct device *d, unsigned q, struct device_chain *c)
{
	int r = virtq_pop(&d->queues[q], &c->vc);

	ASSERT_LOCKED();
	if (r < 0 && !(d->isr & ARCHK_DEVICE_ISR_BROKEN)) {
		klog(LOG_INFO, "device %s: queue %u broken by its driver %s[%lu]", d->name, q,
		     d->driver ? d->driver->name : "-",
		     (unsigned long)(d->driver ? d->driver->obj.koid : 0));
		interrupt(d, ARCHK_DEVICE_ISR_BROKEN);
	}
	c->generation = d->generation;
	c->queue = (uint16_t)q;
	return r;
}

bool device_current(const struct device *d, const struct device_chain *c)
{
	return c->generation == d->generation;
}

void device_push(struct device *d, struct device_chain *c, uint32_t written)
{
	ASSERT_LOCKED();
	if (device_current(d, c) && virtq_push(&d->queues[c->queue], &c->vc, written))
		interrupt(d, ARCHK_DEVICE_ISR_QUEUE);
	virtq_chain_release(&c->vc);
}

void device_config_changed(struct device *d)
{
	ASSERT_LOCKED();
	if (d->driver)
		interrupt(d, ARCHK_DEVICE_ISR_CONFIG);
}

/* Only the device's driver may run it. */
static long check_driver(const struct device *d, const struct thread *t)
{
	return d->driver == t->proc ? 0 : ARCHK_ERR_BAD_STATE;
}

/* device_info(dev, info): what the device is and offers. */
long sys_device_info(struct thread *t, struct syscall_args *args)
{
	struct device *d = device_from_object(args->obj);
	struct archk_device_info info = {
	    .device_id = d->model->device_id,
	    .queue_count = d->model->queue_count,
	    .queue_size_max = d->model->queue_size_max,
	    .config_size = d->config_size,
	    .features = d->model->features,
	};

	memcpy(info.name, d->name, sizeof(info.name));
	return copy_to_guest(t->proc, args->a[1], &info, sizeof(info));
}

/*
 * device_start(dev, features): the caller becomes the device's driver (if
 * nobody is) and the device is reset; it accepts the features asked for
 * that it offers and returns them.
 */
long sys_device_start(struct thread *t, struct syscall_args *args)
{
	struct device *d = device_from_object(args->obj);
	struct process *p = t->proc;

	if (d->driver && d->driver != p)
		return ARCHK_ERR_BAD_STATE;
	if (!d->driver) {
		d->driver = p;
		object_ref(&p->obj);
		observer_add(&d->driver_end, &p->obj, ARCHK_SIGNAL_TERMINATED, driver_ended);
		d->driver_end.owner = d;
	}
	device_reset(d);
	d->features = args->a[1] & d->model->features;
	if (d->model->started)
		d->model->started(d, d->state, d->features);
	return (long)d->features;
}

/* device_queue(dev, queue, setup): where the driver put a queue (size 0 turns it off). */
long sys_device_queue(struct thread *t, struct syscall_args *args)
{
	struct device *d = device_from_object(args->obj);
	struct archk_virtq_setup setup;
	uint64_t q = args->a[1];
	long err;

	if ((err = check_driver(d, t)) < 0)
		return err;
	if (q >= d->model->queue_count)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = copy_from_guest(t->proc, &setup, args->a[2], sizeof(setup))) < 0)
		return err;
	return virtq_setup(&d->queues[q], &setup, d->model->queue_size_max, driver_dma, d);
}

/* device_notify(dev, queue): the doorbell. */
long sys_device_notify(struct thread *t, struct syscall_args *args)
{
	struct device *d = device_from_object(args->obj);
	uint64_t q = args->a[1];
	long err;

	if ((err = check_driver(d, t)) < 0)
		return err;
	if (q >= d->model->queue_count)
		return ARCHK_ERR_INVALID_ARGS;
	if (!d->queues[q].size || d->queues[q].broken)
		return ARCHK_ERR_BAD_STATE;
	d->model->notify(d, d->state, (unsigned)q);
	return 0;
}

/* device_ack(dev): the interrupt's causes, which it clears (virtio's ISR read). */
long sys_device_ack(struct thread *t, struct syscall_args *args)
{
	struct device *d = device_from_object(args->obj);
	long isr = d->isr;
	long err;

	if ((err = check_driver(d, t)) < 0)
		return err;
	d->isr = 0;
	object_signal_update(&d->obj, ARCHK_SIGNAL_INTERRUPT, 0);
	return isr;
}

/* The part of the config space [offset, offset+len) names, clipped; -1 if none. */
static long config_span(const struct device *d, const struct io_req *r)
{
	if (r->offset >= d->config_size)
		return r->offset == d->config_size ? 0 : ARCHK_ERR_INVALID_ARGS;
	return (long)(r->len < d->config_size - r->offset ? r->len : d->config_size - r->offset);
}

/* READ of a device: its config space at offset. */
static long device_read(struct io_req *r)
{
	struct device *d = device_from_object(r->obj);
	long n = config_span(d, r), err;

	if (n <= 0)
		return n;
	err = copy_to_guest(r->proc, r->buf, d->config + r->offset, (size_t)n);
	return err < 0 ? err : n;
}

/* WRITE of a device: its config space at offset, by its driver. */
static long device_write(struct io_req *r)
{
	struct device *d = device_from_object(r->obj);
	long n = config_span(d, r), err;

	if (d->driver != r->proc)
		return ARCHK_ERR_BAD_STATE;
	if (n <= 0)
		return n;
	if ((err = copy_from_guest(r->proc, d->config + r->offset, r->buf, (size_t)n)) < 0)
		return err;
	if (d->model->config_written)
		d->model->config_written(d, d->state, (uint32_t)r->offset, (uint32_t)n);
	return n;
}

static long device_get_meta(struct io_req *r)
{
	struct device *d = device_from_object(r->obj);
	struct archk_meta meta = {
	    .type = ARCHK_OBJ_DEVICE, .size = d->config_size, .koid = r->obj->koid};

	return copy_to_guest(r->proc, r->buf, &meta, sizeof(meta));
}

/* OPEN on the bus: a handle to the device of that name, with the rights asked for. */
static long bus_open(struct io_req *r)
{
	char name[sizeof(devs.devices[0].name)];
	uint32_t rights = (uint32_t)r->offset;
	long err;

	if (r->len >= sizeof(name))
		return ARCHK_ERR_NOT_FOUND; /* no device has so long a name */
	if ((err = copy_from_guest(r->proc, name, r->buf, r->len)) < 0)
		return err;
	name[r->len] = '\0';
	if (rights == ARCHK_RIGHTS_SAME)
		rights = ARCHK_RIGHTS_DEVICE;
	if (rights & ~ARCHK_RIGHTS_DEVICE)
		return ARCHK_ERR_ACCESS_DENIED;
	for (unsigned i = 0; i < devs.count; i++)
		if (strcmp(devs.devices[i].name, name) == 0)
			return handle_install(&r->proc->handles, &devs.devices[i].obj, rights);
	return ARCHK_ERR_NOT_FOUND;
}

/* READ on the bus: one directory record per device, from position offset. */
static long bus_read(struct io_req *r)
{
	uint8_t buf[1024];
	size_t room = r->len < sizeof(buf) ? r->len : sizeof(buf), used = 0;
	long err;

	for (uint64_t i = r->offset; i < devs.count; i++) {
		const struct device *d = &devs.devices[i];
		size_t n = io_dirent_put(buf + used, room - used, i + 1, d->name, strlen(d->name),
					 ARCHK_KIND_OTHER, d->config_size);

		if (n == 0)
			break;
		used += n;
	}
	if (used == 0 && r->offset < devs.count)
		return ARCHK_ERR_INVALID_ARGS; /* not even one record fits */
	if ((err = copy_to_guest(r->proc, r->buf, buf, used)) < 0)
		return err;
	return (long)used;
}

static long bus_get_meta(struct io_req *r)
{
	struct archk_meta meta = {.type = ARCHK_OBJ_BUS,
				  .size = devs.count,
				  .koid = r->obj->koid,
				  .kind = ARCHK_KIND_DIR};

	return copy_to_guest(r->proc, r->buf, &meta, sizeof(meta));
}

int device_init(const struct archk_bootinfo *boot)
{
	long err;

	object_type_register_permanent(ARCHK_OBJ_DEVICE, "device");
	object_type_register_permanent(ARCHK_OBJ_BUS, "bus");
	object_init(&devs.bus, ARCHK_OBJ_BUS);
	io_register(ARCHK_OBJ_DEVICE, ARCHK_IO_READ, device_read);
	io_register(ARCHK_OBJ_DEVICE, ARCHK_IO_WRITE, device_write);
	io_register(ARCHK_OBJ_DEVICE, ARCHK_IO_GET_META, device_get_meta);
	io_register(ARCHK_OBJ_BUS, ARCHK_IO_OPEN, bus_open);
	io_register(ARCHK_OBJ_BUS, ARCHK_IO_READ, bus_read);
	io_register(ARCHK_OBJ_BUS, ARCHK_IO_GET_META, bus_get_meta);
	for (uint32_t i = 0; i < boot->device_count; i++)
		if ((err = hook_device_open(&boot->devices[i])) < 0)
			return (int)err;
	return 0;
}
