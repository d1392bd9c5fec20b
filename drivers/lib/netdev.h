/*
 * The socket device driven from this program (drivers/lib/netdev.c): the
 * net driver's device side, and what a program uses to drive the socket
 * device itself with no driver process in between (Norost's integrated
 * level; the device's policy still applies: it is enforced by archk).
 *
 * An operation is a struct archk_socket_req (docs/abi.md 18.13) with, for
 * SEND and SENDTO, the bytes to send and, for RECV and RECVFROM, room for
 * the bytes received; every data buffer must lie in the device's DMA memory
 * (netdev_buffer). Up to depth operations are in flight; each finishes with
 * the device's struct archk_socket_resp.
 */
#ifndef DRIVERS_LIB_NETDEV_H
#define DRIVERS_LIB_NETDEV_H

#include "virtio.h"

struct net_slot;

struct netdev {
	struct vdev dev;
	struct vq q;
	struct dma_area dma;
	struct archk_socket_config config;
	unsigned depth;
	struct net_slot *slots; /* in DMA memory: each operation's request and response */
	uint16_t *free_list;
	unsigned free_count;
	bool unkicked; /* operations were submitted since the last doorbell */
};

/*
 * Drives the socket device h with up to depth operations in flight and
 * buffer_bytes of DMA memory for data buffers. 0 or an error code.
 */
long netdev_open(struct netdev *n, archk_handle_t h, unsigned depth, size_t buffer_bytes);
/* A data buffer of len bytes in DMA memory, or NULL. */
void *netdev_buffer(struct netdev *n, size_t len);
/* Is there room for another operation? */
bool netdev_can_submit(const struct netdev *n);
/*
 * Starts req with data (len bytes: sent by SEND and SENDTO, filled by RECV
 * and RECVFROM, unused otherwise). SHOULD_WAIT if there is no room.
 */
long netdev_submit(struct netdev *n, const struct archk_socket_req *req, void *data, uint32_t len,
		   void *cookie);
/* Rings the doorbell if operations were submitted since the last kick. */
long netdev_kick(struct netdev *n);
/* A finished operation: 1 with its cookie and response, or 0 if none has finished. */
int netdev_reap(struct netdev *n, void **cookie, struct archk_socket_resp *resp);

#endif
