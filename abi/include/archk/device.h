/*
 * Simulated devices, as their drivers see them (docs/abi.md, "Devices").
 *
 * A device is a kernel object modelled on virtio 1.x: a small config space
 * (do_io READ and WRITE at offsets), feature bits, split virtqueues that
 * live in the driver's own memory, a doorbell (device_notify) and an
 * interrupt (ARCHK_SIGNAL_INTERRUPT on the device object, read and cleared
 * with device_ack). The layouts below are virtio's; docs/abi.md says where
 * archk differs.
 */
#ifndef ARCHK_DEVICE_H
#define ARCHK_DEVICE_H

#include <archk/net.h>
#include <archk/types.h>

/* ---- split virtqueues (virtio 1.x, 2.7) ---- */

struct archk_virtq_desc {
	uint64_t addr; /* guest address, inside a VMO mapping of the driver */
	uint32_t len;
	uint16_t flags; /* ARCHK_VIRTQ_DESC_F_* */
	uint16_t next;	/* with F_NEXT: the next descriptor of the chain */
};

#define ARCHK_VIRTQ_DESC_F_NEXT	    1 /* the chain goes on at next */
#define ARCHK_VIRTQ_DESC_F_WRITE    2 /* the device writes this buffer (else it reads it) */
#define ARCHK_VIRTQ_DESC_F_INDIRECT 4 /* not supported: the chain breaks the queue */

/* The available ring: the driver offers chains (ring[] holds their heads). */
struct archk_virtq_avail {
	uint16_t flags; /* ARCHK_VIRTQ_AVAIL_F_NO_INTERRUPT */
	uint16_t idx;	/* free-running: where the driver puts the next entry */
	uint16_t ring[];
};

#define ARCHK_VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* the driver polls: no interrupt for used entries */

struct archk_virtq_used_elem {
	uint32_t id;  /* the head of the chain the device is done with */
	uint32_t len; /* bytes it wrote into the chain's device-writable buffers */
};

/* The used ring: the device returns chains. */
struct archk_virtq_used {
	uint16_t flags; /* 0: archk never asks the driver not to notify */
	uint16_t idx;	/* free-running: where the device puts the next entry */
	struct archk_virtq_used_elem ring[];
};

/* Bytes of each part of a queue of size entries (virtio 2.7: alignment 16, 2, 4). */
#define ARCHK_VIRTQ_DESC_BYTES(size)  (16u * (size))
#define ARCHK_VIRTQ_AVAIL_BYTES(size) (6u + 2u * (size))
#define ARCHK_VIRTQ_USED_BYTES(size)  (6u + 8u * (size))

/* ---- the device calls ---- */

/* device_info output. */
struct archk_device_info {
	uint32_t device_id;	 /* ARCHK_DEVICE_ID_* (virtio's numbers where virtio has one) */
	uint32_t queue_count;	 /* virtqueues 0 .. queue_count-1 */
	uint32_t queue_size_max; /* entries a queue may have (a power of two) */
	uint32_t config_size;	 /* bytes of config space (do_io READ/WRITE offsets) */
	uint64_t features;	 /* the feature bits the device offers */
	char name[16];		 /* the device's name in the bus listing, NUL-terminated */
	uint64_t reserved[2];
};

/* device_queue input: where the driver put a queue's three parts. */
struct archk_virtq_setup {
	uint32_t size; /* entries: a power of two <= queue_size_max; 0 turns the queue off */
	uint32_t reserved;
	uint64_t desc;	/* guest addresses, each part inside one VMO mapping */
	uint64_t avail; /* of the driver (readable) */
	uint64_t used;	/* (writable) */
};

/* Bits device_ack returns (virtio's ISR status, plus archk's own). */
#define ARCHK_DEVICE_ISR_QUEUE	1u /* a queue has used entries */
#define ARCHK_DEVICE_ISR_CONFIG 2u /* the config space changed */
#define ARCHK_DEVICE_ISR_BROKEN 4u /* a queue was broken by bad input: device_start again */

/* Device ids: virtio's where virtio defines the device, archk's own above 0x4000. */
#define ARCHK_DEVICE_ID_BLOCK	2
#define ARCHK_DEVICE_ID_CONSOLE 3
#define ARCHK_DEVICE_ID_ENTROPY 4
#define ARCHK_DEVICE_ID_CLOCK	0x4001 /* archk: the wall clock */
#define ARCHK_DEVICE_ID_SOCKET	0x4002 /* archk: sockets on the host (net) */
#define ARCHK_DEVICE_ID_SHARE	0x4003 /* archk: a host directory */

/* ---- virtio-blk (virtio 5.2) ---- */

#define ARCHK_BLK_F_RO	   (1ull << 5) /* the disk is read-only */
#define ARCHK_BLK_F_FLUSH  (1ull << 9) /* FLUSH is supported */
#define ARCHK_BLK_SECTOR   512
#define ARCHK_BLK_T_IN	   0
#define ARCHK_BLK_T_OUT	   1
#define ARCHK_BLK_T_FLUSH  4
#define ARCHK_BLK_T_GET_ID 8
#define ARCHK_BLK_S_OK	   0
#define ARCHK_BLK_S_IOERR  1
#define ARCHK_BLK_S_UNSUPP 2
#define ARCHK_BLK_ID_BYTES 20

/* The request header, the first device-readable buffer of every chain. */
struct archk_blk_req {
	uint32_t type; /* ARCHK_BLK_T_* */
	uint32_t reserved;
	uint64_t sector;
};

/* Config space: the capacity in 512-byte sectors at offset 0. */
struct archk_blk_config {
	uint64_t capacity;
};

/* ---- archk's socket device: host sockets named by ids (docs/abi.md 18.13) ---- */

/*
 * One queue. Each chain is one socket operation: device-readable first a
 * struct archk_socket_req, then for SEND and SENDTO the bytes to send;
 * device-writable first a struct archk_socket_resp, then for RECV and
 * RECVFROM room for the bytes received. The device gives a chain back when
 * its operation is done, which for ACCEPT, RECV and a SEND to a full
 * socket may be much later; chains complete in any order.
 */
#define ARCHK_SOCKET_OP_LISTEN	 1  /* addr -> id of a TCP listener */
#define ARCHK_SOCKET_OP_ACCEPT	 2  /* id (a listener) -> id of a connection, addr its peer */
#define ARCHK_SOCKET_OP_CONNECT	 3  /* addr -> id of a TCP connection */
#define ARCHK_SOCKET_OP_SEND	 4  /* id (a connection), data -> bytes sent (all of them) */
#define ARCHK_SOCKET_OP_RECV	 5  /* id (a connection) -> bytes received, 0 at the end */
#define ARCHK_SOCKET_OP_SHUTDOWN 6  /* id (a connection), flags ARCHK_NET_SHUT_* -> 0 */
#define ARCHK_SOCKET_OP_CLOSE	 7  /* id (any) -> 0 once the host socket is closed */
#define ARCHK_SOCKET_OP_BIND	 8  /* addr -> id of a UDP socket */
#define ARCHK_SOCKET_OP_SENDTO	 9  /* id (UDP), addr, data -> bytes sent (one datagram) */
#define ARCHK_SOCKET_OP_RECVFROM 10 /* id (UDP) -> bytes of one datagram, addr its sender */

/* SEND, SENDTO, RECV, RECVFROM: SHOULD_WAIT at once rather than wait. */
#define ARCHK_SOCKET_F_NOWAIT 1u

struct archk_socket_req {
	uint32_t op;		    /* ARCHK_SOCKET_OP_* */
	uint32_t id;		    /* the socket, for all but LISTEN, CONNECT and BIND */
	uint32_t flags;		    /* ARCHK_SOCKET_F_*; SHUTDOWN: ARCHK_NET_SHUT_* */
	uint32_t reserved;	    /* 0 */
	struct archk_net_addr addr; /* LISTEN, CONNECT, BIND, SENDTO */
};

struct archk_socket_resp {
	int64_t result; /* >= 0: bytes (SEND, RECV...) or 0; < 0: an ARCHK_ERR_* code */
	uint32_t id;	/* LISTEN, ACCEPT, CONNECT, BIND: the new socket */
	uint32_t reserved;
	struct archk_net_addr addr; /* ACCEPT: the peer; CONNECT: the peer; RECVFROM: the sender */
};

/* Config space (read-only). */
struct archk_socket_config {
	uint32_t sockets_max;  /* sockets open at once (listeners, connections, UDP) */
	uint32_t requests_max; /* chains the device works on at once; the rest wait in the ring */
	uint32_t backlog;      /* connections a listener queues before they are accepted */
	uint32_t reserved;
};

/* ---- virtio-console (virtio 5.3), two ports without the control queues ---- */

/* Queues: 0 port 0 receive (stdin), 1 port 0 transmit (stdout), 2 port 1 receive (never
 * filled), 3 port 1 transmit (stderr). */
#define ARCHK_CONSOLE_F_SIZE (1ull << 0) /* cols and rows are valid */
#define ARCHK_CONSOLE_Q_IN   0
#define ARCHK_CONSOLE_Q_OUT  1
#define ARCHK_CONSOLE_Q_ERR  3
#define ARCHK_CONSOLE_QUEUES 4

struct archk_console_config {
	uint16_t cols, rows;   /* the terminal's size, 0 when stdout is not a terminal */
	uint32_t max_nr_ports; /* 2 */
	/* archk's own fields: */
	uint32_t terminal;    /* bit n: host fd n (stdin 0, stdout 1, stderr 2) is a terminal */
	int32_t out_error[2]; /* an ARCHK_ERR_* once the host refused port 0's or 1's output */
};

/* ---- entropy (virtio 5.4): one queue of device-writable buffers ---- */

/* ---- archk's clock: one queue; each chain's first writable buffer gets this ---- */
struct archk_clock_reading {
	int64_t realtime_ns;  /* CLOCK_REALTIME: nanoseconds since 1970, UTC */
	int64_t monotonic_ns; /* CLOCK_MONOTONIC when it was read */
	int32_t utc_offset_s; /* the time zone's offset: archk's clock is UTC, so 0 */
	uint32_t reserved;
};

/* ---- archk's host directory share (docs/abi.md 18.12) ---- */

/*
 * One queue of requests, in the spirit of virtio-fs and 9p. Each chain is a
 * request: a readable struct archk_share_req, then its readable payload (a
 * path, "from\0to" for RENAME, or the bytes to WRITE), then a writable
 * struct archk_share_reply, then writable room for what the request returns
 * (READ's bytes, LIST's records). Paths are relative to the share's root,
 * whatever the request: "" is the root itself. Open files are named by
 * fids, small numbers the device gives out.
 */
#define ARCHK_SHARE_F_RO (1ull << 0) /* a read-only share: every change is READ_ONLY */

enum archk_share_op {
	ARCHK_SHARE_OP_OPEN = 1,      /* path, flags: a file's fid, or a directory's kind */
	ARCHK_SHARE_OP_STAT = 2,      /* path, flags (COUNT): attr */
	ARCHK_SHARE_OP_LIST = 3,      /* path, offset (a position): archk_dirent records, next */
	ARCHK_SHARE_OP_MKDIR = 4,     /* path: a new directory */
	ARCHK_SHARE_OP_UNLINK = 5,    /* path: removes a file or an empty directory */
	ARCHK_SHARE_OP_RENAME = 6,    /* "from\0to": renames within the share */
	ARCHK_SHARE_OP_SYNCDIR = 7,   /* path: the directory's entries made durable */
	ARCHK_SHARE_OP_READ = 8,      /* fid, offset: bytes into the writable room */
	ARCHK_SHARE_OP_WRITE = 9,     /* fid, offset, payload: bytes written */
	ARCHK_SHARE_OP_FSTAT = 10,    /* fid: attr */
	ARCHK_SHARE_OP_TRUNCATE = 11, /* fid, offset: the file's new size */
	ARCHK_SHARE_OP_FSYNC = 12,    /* fid: the file's data made durable */
	ARCHK_SHARE_OP_CLOSE = 13,    /* fid: given back */
};

/* OPEN's flags. */
#define ARCHK_SHARE_OPEN_WRITE	  1u /* the fid may also WRITE and TRUNCATE */
#define ARCHK_SHARE_OPEN_CREATE	  2u /* a missing file is created */
#define ARCHK_SHARE_OPEN_EXCL	  4u /* with CREATE: EXISTS if the name exists */
#define ARCHK_SHARE_OPEN_TRUNCATE 8u /* an existing file is cut to 0 bytes */
/* STAT's flag: the path must be a directory, and attr.size is its number of entries. */
#define ARCHK_SHARE_STAT_COUNT 16u

#define ARCHK_SHARE_FID_NONE 0xffffffffu /* reply.fid when no fid was given out */

/* The request header, the first device-readable bytes of every chain (24 bytes). */
struct archk_share_req {
	uint32_t op;	   /* enum archk_share_op */
	uint32_t flags;	   /* OPEN: ARCHK_SHARE_OPEN_*; STAT: ARCHK_SHARE_STAT_COUNT; else 0 */
	uint32_t fid;	   /* READ, WRITE, FSTAT, TRUNCATE, FSYNC, CLOSE */
	uint32_t reserved; /* 0 */
	uint64_t offset;   /* READ, WRITE: file offset; LIST: position; TRUNCATE: size */
};

/* What the host says of a file or directory (32 bytes). */
struct archk_share_attr {
	uint32_t kind; /* enum archk_kind: FILE, DIR (anything else is OTHER) */
	uint32_t mode; /* the host's permission bits (st_mode & 07777) */
	uint64_t size; /* a file's bytes; with STAT_COUNT a directory's entries */
	int64_t mtime; /* last change of the data, realtime nanoseconds */
	int64_t ctime; /* last change of the metadata, realtime nanoseconds */
};

/* The reply, the first device-writable bytes of every chain (56 bytes). */
struct archk_share_reply {
	int64_t result;	   /* >= 0: READ, WRITE, LIST: bytes; others 0. < 0: ARCHK_ERR_* */
	uint32_t fid;	   /* OPEN of a file: its fid; else ARCHK_SHARE_FID_NONE */
	uint32_t reserved; /* 0 */
	uint64_t next;	   /* LIST: the position after the last entry it looked at */
	struct archk_share_attr attr; /* OPEN, STAT, FSTAT */
};

/* Config space (read-only). */
struct archk_share_config {
	uint32_t fids_max; /* fids open at once */
	uint32_t path_max; /* bytes of a path, without a NUL */
};

#endif
