/*
 * Ports: one thread serves many objects. port_wait_async registers interest
 * in an object's signals under a key; when they show, the registration
 * becomes a packet {key, observed signals} on the port (one-shot: register
 * again for the next one), handed straight to a thread blocked in port_wait
 * if there is one. A registration holds no reference on its object: if the
 * object dies first, the registration disappears without a packet. A port
 * holds at most ARCHK_PORT_MAX_PENDING registrations and packets together,
 * so a fired registration always has its place and no packet is dropped.
 */
#include "arena.h"
#include "syscall.h"
#include "wait.h"

#define MAX_PORTS	  1024
#define MAX_REGISTRATIONS 16384

struct registration {
	struct observer obs;
	struct port *port;
	uint64_t key;
	TAILQ_ENTRY(registration) link; /* port's armed list, then its packet queue */
};

TAILQ_HEAD(registration_list, registration);

struct port {
	struct object obj;
	struct registration_list armed;	  /* waiting for their signals */
	struct registration_list packets; /* fired, not yet taken by port_wait */
	uint32_t count;			  /* armed + packets */
	struct thread_list waiters;	  /* threads in port_wait */
};

static struct arena port_arena, registration_arena;

/* Returns a registration or packet and its place in the port's budget. */
static void registration_free(struct registration *r)
{
	r->port->count--;
	arena_free(&registration_arena, r);
}

/* The packet a fired registration stands for. */
static struct archk_port_packet packet_of(const struct registration *r)
{
	struct archk_port_packet pk = {
	    .key = r->key,
	    .type = ARCHK_PACKET_SIGNAL,
	    .observed = r->obs.observed,
	    .trigger = r->obs.trigger,
	};

	return pk;
}

/* Drops every registration and packet; no thread waits (waiters hold a reference). */
static void port_destroy(struct object *obj)
{
	struct port *port = (struct port *)obj;
	struct registration *r;

	while ((r = TAILQ_FIRST(&port->armed))) {
		TAILQ_REMOVE(&port->armed, r, link);
		observer_remove(&r->obs);
		registration_free(r);
	}
	while ((r = TAILQ_FIRST(&port->packets))) {
		TAILQ_REMOVE(&port->packets, r, link);
		registration_free(r);
	}
	arena_free(&port_arena, port);
}

static const struct object_type port_type = {.name = "port", .destroy = port_destroy};

/* Registers the port type and prepares its arenas at boot. */
int port_init(void)
{
	object_type_register(ARCHK_OBJ_PORT, &port_type);
	if (arena_init(&port_arena, "port", sizeof(struct port), MAX_PORTS) ||
	    arena_init(&registration_arena, "registration", sizeof(struct registration),
		       MAX_REGISTRATIONS))
		return ARCHK_ERR_NO_MEMORY;
	return 0;
}

/* A registration fired (status 0) or its object died (CANCELLED). */
static void registration_fire(struct observer *o, long status)
{
	struct registration *r = o->owner;
	struct port *port = r->port;
	struct thread *w = TAILQ_FIRST(&port->waiters);

	TAILQ_REMOVE(&port->armed, r, link);
	if (status < 0) {
		registration_free(r);
	} else if (w) {
		w->waiter->packet = packet_of(r);
		registration_free(r);
		thread_wake(w, 0, NULL);
	} else {
		TAILQ_INSERT_TAIL(&port->packets, r, link);
		object_signal_update(&port->obj, 0, ARCHK_SIGNAL_READABLE);
	}
}

/* port_create(): an empty port. */
long sys_port_create(struct thread *t, struct syscall_args *args)
{
	struct port *port = arena_alloc(&port_arena);
	long value;

	if (!port)
		return ARCHK_ERR_NO_MEMORY;
	object_init(&port->obj, ARCHK_OBJ_PORT);
	TAILQ_INIT(&port->armed);
	TAILQ_INIT(&port->packets);
	TAILQ_INIT(&port->waiters);
	value = handle_install(&t->proc->handles, &port->obj, ARCHK_RIGHTS_PORT);
	object_unref(&port->obj);
	return value;
}

/*
 * port_wait_async(port, h, key, signals): queues a packet with key once any
 * of signals shows on h's object (at once if one already does). h needs WAIT.
 */
long sys_port_wait_async(struct thread *t, struct syscall_args *args)
{
	struct port *port = (struct port *)args->obj;
	uint32_t signals = (uint32_t)args->a[3];
	struct registration *r;
	struct handle_entry *e;
	long err;

	err =
	    handle_check(t->proc, (archk_handle_t)args->a[1], ARCHK_OBJ_NONE, ARCHK_RIGHT_WAIT, &e);
	if (err < 0)
		return err;
	if (signals == 0 || args->a[3] > UINT32_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if (port->count >= ARCHK_PORT_MAX_PENDING || !(r = arena_alloc(&registration_arena)))
		return ARCHK_ERR_NO_MEMORY;
	port->count++;
	r->port = port;
	r->key = args->a[2];
	TAILQ_INSERT_TAIL(&port->armed, r, link);
	object_refresh(e->obj);
	observer_add(&r->obs, e->obj, signals, registration_fire);
	r->obs.owner = r;
	if (e->obj->signals & signals) {
		observer_remove(&r->obs);
		registration_fire(&r->obs, 0);
	}
	return 0;
}

/* port_wait's resume: the packet handed over. */
static long finish_port(struct thread *t, struct waiter *w, long status)
{
	long err;

	if (status < 0)
		return status;
	if ((err = copy_to_guest(t->proc, w->out, &w->packet, sizeof(w->packet))) < 0)
		return err;
	return 0;
}

/* port_wait(port, deadline, packet): takes the first packet, waiting for one. */
long sys_port_wait(struct thread *t, struct syscall_args *args)
{
	struct port *port = (struct port *)args->obj;
	int64_t deadline = (int64_t)args->a[1];
	struct registration *r = TAILQ_FIRST(&port->packets);
	struct archk_port_packet pk;
	struct waiter *w;
	long err;

	if ((err = vm_check(t->proc, args->a[2], sizeof(pk), HOOK_PROT_WRITE)) < 0)
		return err;
	if (r) {
		pk = packet_of(r);
		TAILQ_REMOVE(&port->packets, r, link);
		registration_free(r);
		if (TAILQ_EMPTY(&port->packets))
			object_signal_update(&port->obj, ARCHK_SIGNAL_READABLE, 0);
		return copy_to_guest(t->proc, args->a[2], &pk, sizeof(pk));
	}
	if (deadline_passed(deadline))
		return ARCHK_ERR_TIMED_OUT;
	if (!(w = waiter_alloc(t, finish_port)))
		return ARCHK_ERR_NO_MEMORY;
	w->out = args->a[2];
	w->obj = &port->obj;
	object_ref(w->obj);
	waiter_block(t, &port->waiters, deadline);
	return 0;
}
