/*
 * Networking as guests see it (docs/abi.md, "The net driver's objects" and
 * "The socket device"): the address structure the net driver and the
 * socket device share, the constants of the net driver's objects, and the
 * address helpers of the runtime (abi/runtime/netaddr.c), which archk's
 * host side compiles too: the command line's --net-listen and
 * --net-connect patterns are the same patterns netfw's rules use.
 */
#ifndef ARCHK_NET_H
#define ARCHK_NET_H

#include <stdbool.h>
#include <archk/types.h>

#define ARCHK_NET_INET	4 /* IPv4: addr[0..3] */
#define ARCHK_NET_INET6 6 /* IPv6: addr[0..15] */

/* An IPv4 or IPv6 address and a port (24 bytes). */
struct archk_net_addr {
	uint16_t family;   /* ARCHK_NET_INET or ARCHK_NET_INET6 */
	uint16_t port;	   /* in host byte order */
	uint32_t reserved; /* 0 */
	uint8_t addr[16];  /* in network byte order; IPv4 uses the first 4 bytes */
};

/* Room for "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" and its NUL. */
#define ARCHK_NET_ADDR_TEXT_MAX 48

/* SET_META on a connection (4 bytes of data): shut down one or both directions. */
#define ARCHK_NET_SHUT_READ  1u
#define ARCHK_NET_SHUT_WRITE 2u

/*
 * A set of addresses and ports: "ADDRS:PORTS" where ADDRS is "*" (any
 * address of either family), an IPv4 address, or an IPv6 address in
 * brackets, either with an optional "/BITS" prefix length, and PORTS is
 * "*" (0-65535), "N" or "N-M".
 */
struct archk_net_pattern {
	uint16_t family; /* 0: any address; ARCHK_NET_INET or ARCHK_NET_INET6 */
	uint16_t bits;	 /* leading bits of addr that must match */
	uint16_t port_lo, port_hi;
	uint8_t addr[16];
};

/* What an OPEN path of the net driver's "net" object asks for (Norost's names). */
enum archk_net_path_kind {
	ARCHK_NET_TCP_LISTEN = 1,  /* [ADDR/]tcp/listen/PORT */
	ARCHK_NET_TCP_CONNECT = 2, /* tcp/connect/ADDR/PORT */
	ARCHK_NET_UDP_BIND = 3,	   /* [ADDR/]udp/bind/PORT */
};

/* The longest OPEN path of the net object. */
#define ARCHK_NET_PATH_MAX 96

/* ---- the runtime's address helpers (netaddr.c): no other library calls ---- */

/*
 * Parses an address of len bytes: an IPv4 dotted quad, or IPv6 (with or
 * without brackets, "::" allowed). Sets family and addr of a; 0 or
 * ARCHK_ERR_INVALID_ARGS.
 */
long archk_net_parse_addr(const char *s, size_t len, struct archk_net_addr *a);
/* Parses a decimal port 0-65535 of len bytes; 0 or ARCHK_ERR_INVALID_ARGS. */
long archk_net_parse_port(const char *s, size_t len, uint16_t *port);
/* Writes "A.B.C.D:PORT" or "[IPV6]:PORT" and a NUL into text (ARCHK_NET_ADDR_TEXT_MAX
 * bytes); returns the length. */
size_t archk_net_format(const struct archk_net_addr *a, char *text);
/* Parses "ADDRS:PORTS" of len bytes into p; 0 or ARCHK_ERR_INVALID_ARGS. */
long archk_net_parse_pattern(const char *s, size_t len, struct archk_net_pattern *p);
/* Does a (address and port) lie in p? */
bool archk_net_match(const struct archk_net_pattern *p, const struct archk_net_addr *a);
/*
 * Parses an OPEN path of the net object (len bytes): its kind, and the
 * address and port in a (0.0.0.0 where a listen or bind path names none).
 * NOT_FOUND for a path of no known form (or longer than
 * ARCHK_NET_PATH_MAX), INVALID_ARGS for a bad address or port (0 included).
 * The net driver and netfw both decide with it.
 */
long archk_net_parse_path(const char *path, size_t len, uint32_t *kind, struct archk_net_addr *a);
/* Is a a loopback address (127.0.0.0/8 or ::1)? */
bool archk_net_is_loopback(const struct archk_net_addr *a);

#endif
