/*
 * The socket device driven from this program: see netdev.h. Each slot keeps
 * an operation's request and response in DMA memory; a chain is the
 * request, the data to send or the room to receive, and the response.
 */
#include "netdev.h"

#define CHAIN_BUFFERS 3 /* request, data, response */

struct net_slot {
	struct archk_socket_req req;
	struct archk_socket_resp resp;
	void *cookie;
};

long netdev_open(struct netdev *n, archk_handle_t h, unsigned depth, size_t buffer_bytes)
{
	size_t queue_bytes;
	long r;

	memset(n, 0, sizeof(*n));
	if ((r = vdev_open(&n->dev, h, ARCHK_DEVICE_ID_SOCKET, 0)) < 0 ||
	    (r = archk_do_io(ARCHK_IO_READ, h, (long)&n->config, sizeof(n->config), 0, 0)) < 0)
		return r;
	if (depth == 0 || depth > n->dev.info.queue_size_max / CHAIN_BUFFERS)
		return ARCHK_ERR_INVALID_ARGS;
	n->depth = depth;
	queue_bytes = ARCHK_VIRTQ_DESC_BYTES(n->dev.info.queue_size_max) +
		      ARCHK_VIRTQ_AVAIL_BYTES(n->dev.info.queue_size_max) +
		      ARCHK_VIRTQ_USED_BYTES(n->dev.info.queue_size_max) + 64;
	if ((r = dma_area_init(&n->dma,
			       queue_bytes + depth * sizeof(struct net_slot) + buffer_bytes)) < 0 ||
	    (r = vq_init(&n->dev, &n->q, 0, n->dev.info.queue_size_max, &n->dma)) < 0)
		return r;
	n->slots = dma_alloc(&n->dma, depth * sizeof(struct net_slot), 16);
	n->free_list = calloc(depth, sizeof(uint16_t));
	if (!n->slots || !n->free_list)
		return ARCHK_ERR_NO_MEMORY;
	for (unsigned i = 0; i < depth; i++)
		n->free_list[i] = (uint16_t)i;
	n->free_count = depth;
	return 0;
}

void *netdev_buffer(struct netdev *n, size_t len)
{
	return dma_alloc(&n->dma, len, 64);
}

bool netdev_can_submit(const struct netdev *n)
{
	return n->free_count > 0 && n->q.num_free >= CHAIN_BUFFERS;
}

long netdev_submit(struct netdev *n, const struct archk_socket_req *req, void *data, uint32_t len,
		   void *cookie)
{
	bool sends = req->op == ARCHK_SOCKET_OP_SEND || req->op == ARCHK_SOCKET_OP_SENDTO;
	bool receives = req->op == ARCHK_SOCKET_OP_RECV || req->op == ARCHK_SOCKET_OP_RECVFROM;
	struct vbuf v[CHAIN_BUFFERS];
	struct net_slot *s;
	unsigned k = 0;

	if (!netdev_can_submit(n))
		return ARCHK_ERR_SHOULD_WAIT;
	s = &n->slots[n->free_list[--n->free_count]];
	s->req = *req;
	s->cookie = cookie;
	v[k++] = (struct vbuf){&s->req, sizeof(s->req), false};
	if (sends && len > 0)
		v[k++] = (struct vbuf){data, len, false};
	v[k++] = (struct vbuf){&s->resp, sizeof(s->resp), true};
	if (receives && len > 0)
		v[k++] = (struct vbuf){data, len, true};
	n->unkicked = true;
	return vq_add(&n->q, v, k, s);
}

long netdev_kick(struct netdev *n)
{
	if (!n->unkicked)
		return 0;
	n->unkicked = false;
	return vq_kick(&n->dev, &n->q);
}

int netdev_reap(struct netdev *n, void **cookie, struct archk_socket_resp *resp)
{
	uint32_t written;
	struct net_slot *s = vq_get(&n->q, &written);

	if (!s)
		return 0;
	*cookie = s->cookie;
	*resp = s->resp;
	if (written < sizeof(s->resp))
		resp->result = ARCHK_ERR_IO; /* the device had nothing to answer with */
	n->free_list[n->free_count++] = (uint16_t)(s - n->slots);
	return 1;
}
