/*
 * Network addresses and patterns (archk/net.h): parsing, formatting and
 * matching. Guests link it from the runtime; archk's loader compiles the
 * same file for the command line's --net-listen and --net-connect, so it
 * calls no library function at all.
 */
#include <archk/errors.h>
#include <archk/net.h>

/* The value of hex digit c, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A decimal number of s[0..len) no larger than max, with no sign or leading zero; -1 if none. */
static long decimal(const char *s, size_t len, long max)
{
	long v = 0;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* The index of c in s[0..len), or len. */
static size_t find(const char *s, size_t len, char c)
{
	size_t i = 0;

	while (i < len && s[i] != c)
		i++;
	return i;
}

/* A dotted quad into out[0..3]: 0 or -1. */
static int parse_ipv4(const char *s, size_t len, uint8_t *out)
{
	for (int part = 0; part < 4; part++) {
		size_t n = find(s, len, '.');
		long v = decimal(s, n, 255);

		if (v < 0 || (part < 3) != (n < len))
			return -1;
		out[part] = (uint8_t)v;
		s += n + (n < len);
		len -= n + (n < len);
	}
	return 0;
}

/*
 * IPv6 groups of s[0..len) into out[at..]; counts the groups read in *count.
 * A last group may be a dotted quad (two groups). 0 or -1.
 */
static int parse_groups(const char *s, size_t len, uint8_t *out, int at, int *count)
{
	*count = 0;
	while (len > 0) {
		size_t n = find(s, len, ':');
		int v = 0;

		if (n == len && find(s, n, '.') < n) { /* an embedded IPv4 address */
			if (at + *count * 2 + 4 > 16 || parse_ipv4(s, n, out + at + *count * 2) < 0)
				return -1;
			*count += 2;
			return 0;
		}
		if (n == 0 || n > 4 || at + *count * 2 + 2 > 16)
			return -1;
		for (size_t i = 0; i < n; i++) {
			int d = hex_digit(s[i]);

			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[at + *count * 2] = (uint8_t)(v >> 8);
		out[at + *count * 2 + 1] = (uint8_t)v;
		(*count)++;
		if (n == len)
			return 0;
		if (n + 1 == len)
			return -1; /* a trailing ':' */
		s += n + 1;
		len -= n + 1;
	}
	return 0;
}

/* An IPv6 address (no brackets) into out[0..15]: 0 or -1. */
static int parse_ipv6(const char *s, size_t len, uint8_t *out)
{
	uint8_t tail[16];
	int head_n, tail_n;
	size_t gap = 0;

	while (gap + 1 < len && !(s[gap] == ':' && s[gap + 1] == ':'))
		gap++;
	for (int i = 0; i < 16; i++)
		out[i] = 0;
	if (gap + 1 >= len) /* no "::": exactly eight groups */
		return parse_groups(s, len, out, 0, &head_n) == 0 && head_n == 8 ? 0 : -1;
	if (parse_groups(s, gap, out, 0, &head_n) < 0 ||
	    parse_groups(s + gap + 2, len - gap - 2, tail, 0, &tail_n) < 0 || head_n + tail_n > 7)
		return -1;
	for (int i = 0; i < tail_n * 2; i++)
		out[16 - tail_n * 2 + i] = tail[i];
	return 0;
}

long archk_net_parse_addr(const char *s, size_t len, struct archk_net_addr *a)
{
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (find(s, len, ':') < len) {
		if (parse_ipv6(s, len, a->addr) < 0)
			return ARCHK_ERR_INVALID_ARGS;
		a->family = ARCHK_NET_INET6;
		return 0;
	}
	for (int i = 4; i < 16; i++)
		a->addr[i] = 0;
	if (parse_ipv4(s, len, a->addr) < 0)
		return ARCHK_ERR_INVALID_ARGS;
	a->family = ARCHK_NET_INET;
	return 0;
}

long archk_net_parse_port(const char *s, size_t len, uint16_t *port)
{
	long v = decimal(s, len, 65535);

	if (v < 0)
		return ARCHK_ERR_INVALID_ARGS;
	*port = (uint16_t)v;
	return 0;
}

/* Appends the decimal v to text at *n. */
static void put_decimal(char *text, size_t *n, unsigned v)
{
	char digits[10];
	int k = 0;

	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		text[(*n)++] = digits[--k];
}

/* Appends the IPv6 address of a, the longest run of zero groups written "::". */
static void put_ipv6(char *text, size_t *n, const uint8_t *addr)
{
	static const char hex[] = "0123456789abcdef";
	int best = -1, best_len = 1; /* a single zero group stays "0" */

	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && addr[2 * j] == 0 && addr[2 * j + 1] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		unsigned g = (unsigned)addr[2 * i] << 8 | addr[2 * i + 1];
		int started = 0;

		if (i == best) { /* "::" stands for the run; the next group needs no ':' */
			text[(*n)++] = ':';
			text[(*n)++] = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0 && i != best + best_len)
			text[(*n)++] = ':';
		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned d = (g >> shift) & 15;

			if (d || started || shift == 0) {
				text[(*n)++] = hex[d];
				started = 1;
			}
		}
	}
}

size_t archk_net_format(const struct archk_net_addr *a, char *text)
{
	size_t n = 0;

	if (a->family == ARCHK_NET_INET6) {
		text[n++] = '[';
		put_ipv6(text, &n, a->addr);
		text[n++] = ']';
	} else {
		for (int i = 0; i < 4; i++) {
			if (i)
				text[n++] = '.';
			put_decimal(text, &n, a->addr[i]);
		}
	}
	text[n++] = ':';
	put_decimal(text, &n, a->port);
	text[n] = '\0';
	return n;
}

/* "*", "N" or "N-M" into lo and hi: 0 or -1. */
static int parse_ports(const char *s, size_t len, uint16_t *lo, uint16_t *hi)
{
	size_t dash = find(s, len, '-');

	if (len == 1 && s[0] == '*') {
		*lo = 0;
		*hi = 65535;
		return 0;
	}
	if (archk_net_parse_port(s, dash, lo) < 0)
		return -1;
	if (dash == len) {
		*hi = *lo;
		return 0;
	}
	return archk_net_parse_port(s + dash + 1, len - dash - 1, hi) < 0 || *hi < *lo ? -1 : 0;
}

long archk_net_parse_pattern(const char *s, size_t len, struct archk_net_pattern *p)
{
	size_t colon = len, slash;
	struct archk_net_addr a;

	while (colon > 0 && s[colon - 1] != ':')
		colon--;
	if (colon == 0 || parse_ports(s + colon, len - colon, &p->port_lo, &p->port_hi) < 0)
		return ARCHK_ERR_INVALID_ARGS;
	len = colon - 1; /* the addresses, before the last ':' */
	for (int i = 0; i < 16; i++)
		p->addr[i] = 0;
	if (len == 1 && s[0] == '*') {
		p->family = 0;
		p->bits = 0;
		return 0;
	}
	slash = find(s, len, '/');
	/* IPv6 needs its brackets ("::1:80" would be ambiguous), IPv4 has none. */
	if (archk_net_parse_addr(s, slash, &a) < 0 ||
	    (a.family == ARCHK_NET_INET6) != (s[0] == '['))
		return ARCHK_ERR_INVALID_ARGS;
	p->family = a.family;
	p->bits = a.family == ARCHK_NET_INET ? 32 : 128;
	if (slash < len) {
		long bits = decimal(s + slash + 1, len - slash - 1, p->bits);

		if (bits < 0)
			return ARCHK_ERR_INVALID_ARGS;
		p->bits = (uint16_t)bits;
	}
	for (int i = 0; i < 16; i++)
		p->addr[i] = a.addr[i];
	return 0;
}

bool archk_net_match(const struct archk_net_pattern *p, const struct archk_net_addr *a)
{
	if (a->port < p->port_lo || a->port > p->port_hi)
		return false;
	if (p->family == 0)
		return true;
	if (p->family != a->family)
		return false;
	for (unsigned bit = 0; bit < p->bits; bit++) {
		unsigned mask = 0x80u >> (bit % 8);

		if ((p->addr[bit / 8] & mask) != (a->addr[bit / 8] & mask))
			return false;
	}
	return true;
}

bool archk_net_is_loopback(const struct archk_net_addr *a)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};

	if (a->family == ARCHK_NET_INET)
		return a->addr[0] == 127;
	for (int i = 0; a->family == ARCHK_NET_INET6 && i < 16; i++)
		if (a->addr[i] != v6_loopback[i])
			return false;
	return a->family == ARCHK_NET_INET6;
}

/* Does s[0..len) equal the NUL-terminated word? */
static bool is(const char *s, size_t len, const char *word)
{
	size_t i = 0;

	while (i < len && word[i] && s[i] == word[i])
		i++;
	return i == len && word[i] == '\0';
}

long archk_net_parse_path(const char *path, size_t len, uint32_t *kind, struct archk_net_addr *a)
{
	const char *p[5];
	size_t l[5];
	int n = 0, at;

	if (len > ARCHK_NET_PATH_MAX)
		return ARCHK_ERR_NOT_FOUND;
	for (size_t start = 0, i = 0; i <= len; i++) { /* split at '/' into at most 5 parts */
		if (i < len && path[i] != '/')
			continue;
		if (n == 5)
			return ARCHK_ERR_NOT_FOUND;
		p[n] = path + start;
		l[n++] = i - start;
		start = i + 1;
	}
	*a = (struct archk_net_addr){.family = ARCHK_NET_INET};
	if (n == 4 && is(p[0], l[0], "tcp") && is(p[1], l[1], "connect")) {
		*kind = ARCHK_NET_TCP_CONNECT;
		if (archk_net_parse_addr(p[2], l[2], a) < 0)
			return ARCHK_ERR_INVALID_ARGS;
	} else if ((n == 3 || n == 4) && is(p[n - 3], l[n - 3], "tcp") &&
		   is(p[n - 2], l[n - 2], "listen")) {
		*kind = ARCHK_NET_TCP_LISTEN;
	} else if ((n == 3 || n == 4) && is(p[n - 3], l[n - 3], "udp") &&
		   is(p[n - 2], l[n - 2], "bind")) {
		*kind = ARCHK_NET_UDP_BIND;
	} else {
		return ARCHK_ERR_NOT_FOUND;
	}
	if (*kind != ARCHK_NET_TCP_CONNECT && n == 4 && archk_net_parse_addr(p[0], l[0], a) < 0)
		return ARCHK_ERR_INVALID_ARGS;
	at = n - 1;
	if (archk_net_parse_port(p[at], l[at], &a->port) < 0 || a->port == 0)
		return ARCHK_ERR_INVALID_ARGS;
	return 0;
}
