/*
 * Tests of the runtime's network address code (abi/runtime/netaddr.c),
 * which guests and archk's command line share: parsing, formatting,
 * patterns and matching, checked against the host's inet_pton/inet_ntop.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>
#include <archk/errors.h>
#include <archk/net.h>

static struct archk_net_addr parse(const char *s)
{
	struct archk_net_addr a = {0};

	cr_assert_eq(archk_net_parse_addr(s, strlen(s), &a), 0, "%s", s);
	return a;
}

static long parse_err(const char *s)
{
	struct archk_net_addr a;

	return archk_net_parse_addr(s, strlen(s), &a);
}

Test(netaddr, ipv4_like_the_host)
{
	static const char *const good[] = {"0.0.0.0", "127.0.0.1", "255.255.255.255", "10.9.8.7"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct archk_net_addr a = parse(good[i]);
		uint8_t want[4];

		cr_assert_eq(inet_pton(AF_INET, good[i], want), 1);
		cr_assert_eq(a.family, ARCHK_NET_INET);
		cr_assert_arr_eq(a.addr, want, 4, "%s", good[i]);
	}
}

Test(netaddr, bad_addresses)
{
	static const char *const bad[] = {
	    "",		"1.2.3",   "1.2.3.4.5", "256.1.1.1",	  "1..2.3",   "01.2.3.4",
	    "1.2.3.4 ", "a.b.c.d", "1:2",	"::1::2",	  ":::",      "1:2:3:4:5:6:7:8:9",
	    "12345::1", "[::1",	   "g::1",	"1:2:3:4:5:6:7:", "[1.2.3.4", "::1.2.3.4.5",
	    "1.2.3.-4"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse_err(bad[i]), ARCHK_ERR_INVALID_ARGS, "%s", bad[i]);
}

/* Every IPv6 form parses as the host does, and formats back as inet_ntop does. */
Test(netaddr, ipv6_round_trip)
{
	static const char *const good[] = {"::",
					   "::1",
					   "1::",
					   "fe80::1:2",
					   "2001:db8::ff00:42:8329",
					   "1:2:3:4:5:6:7:8",
					   "1:0:0:2:0:0:0:3",
					   "::ffff:1.2.3.4",
					   "1:2:3:4:5:6:1.2.3.4",
					   "0:0:1:0:0:0:0:0",
					   "ABCD:ef01::"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct archk_net_addr a = parse(good[i]);
		char text[ARCHK_NET_ADDR_TEXT_MAX], want[64], host[INET6_ADDRSTRLEN];
		uint8_t bytes[16];

		cr_assert_eq(inet_pton(AF_INET6, good[i], bytes), 1);
		cr_assert_eq(a.family, ARCHK_NET_INET6);
		cr_assert_arr_eq(a.addr, bytes, 16, "%s", good[i]);
		a.port = 65535;
		archk_net_format(&a, text);
		inet_ntop(AF_INET6, bytes, host, sizeof(host));
		if (strchr(host, '.')) /* inet_ntop writes mapped IPv4 dotted; archk in hex */
			continue;
		snprintf(want, sizeof(want), "[%s]:65535", host);
		cr_assert_str_eq(text, want);
	}
	cr_assert_eq(parse("[::1]").addr[15], 1);
}

Test(netaddr, format_ipv4)
{
	struct archk_net_addr a = parse("192.168.0.10");
	char text[ARCHK_NET_ADDR_TEXT_MAX];

	a.port = 8080;
	cr_assert_eq(archk_net_format(&a, text), strlen("192.168.0.10:8080"));
	cr_assert_str_eq(text, "192.168.0.10:8080");
	a.port = 0;
	archk_net_format(&a, text);
	cr_assert_str_eq(text, "192.168.0.10:0");
}

Test(netaddr, ports)
{
	uint16_t p;

	cr_assert_eq(archk_net_parse_port("65535", 5, &p), 0);
	cr_assert_eq(p, 65535);
	cr_assert_eq(archk_net_parse_port("0", 1, &p), 0);
	cr_assert_eq(p, 0);
	cr_assert_eq(archk_net_parse_port("65536", 5, &p), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_net_parse_port("080", 3, &p), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_net_parse_port("", 0, &p), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_net_parse_port("-1", 2, &p), ARCHK_ERR_INVALID_ARGS);
	cr_assert_eq(archk_net_parse_port("99999999999", 11, &p), ARCHK_ERR_INVALID_ARGS);
}

static bool matches(const char *pattern, const char *addr, unsigned port)
{
	struct archk_net_pattern p;
	struct archk_net_addr a = parse(addr);

	cr_assert_eq(archk_net_parse_pattern(pattern, strlen(pattern), &p), 0, "%s", pattern);
	a.port = (uint16_t)port;
	return archk_net_match(&p, &a);
}

Test(netaddr, patterns_match)
{
	cr_assert(matches("*:*", "1.2.3.4", 0));
	cr_assert(matches("*:*", "::1", 65535));
	cr_assert(matches("127.0.0.1:80", "127.0.0.1", 80));
	cr_assert(!matches("127.0.0.1:80", "127.0.0.1", 81));
	cr_assert(!matches("127.0.0.1:80", "127.0.0.2", 80));
	cr_assert(matches("127.0.0.0/8:1000-2000", "127.9.9.9", 1000));
	cr_assert(matches("127.0.0.0/8:1000-2000", "127.9.9.9", 2000));
	cr_assert(!matches("127.0.0.0/8:1000-2000", "127.9.9.9", 2001));
	cr_assert(!matches("127.0.0.0/8:1000-2000", "128.0.0.1", 1500));
	cr_assert(matches("10.1.2.3/31:*", "10.1.2.2", 9));
	cr_assert(!matches("10.1.2.3/31:*", "10.1.2.4", 9));
	cr_assert(matches("0.0.0.0/0:53", "8.8.8.8", 53));
	cr_assert(!matches("0.0.0.0/0:53", "::1", 53)); /* an IPv4 pattern is IPv4 only */
	cr_assert(matches("[::1]:443", "::1", 443));
	cr_assert(!matches("[::1]:443", "127.0.0.1", 443));
	cr_assert(matches("[fe80::]/10:*", "febf::1", 1));
	cr_assert(!matches("[fe80::]/10:*", "fec0::1", 1));
	cr_assert(!matches("0.0.0.0:80", "127.0.0.1", 80)); /* 0.0.0.0 is an address */
}

Test(netaddr, bad_patterns)
{
	static const char *const bad[] = {"",
					  "127.0.0.1",
					  "127.0.0.1:",
					  ":80",
					  "*",
					  "127.0.0.1:x",
					  "1.2.3.4:9-8",
					  "1.2.3.4:1-",
					  "::1:80",
					  "[::1:80",
					  "1.2.3.4/33:1",
					  "[::1]/129:1",
					  "[1.2.3.4]:1",
					  "1.2.3.4/:1",
					  "*/8:80",
					  "1.2.3.4:70000"};
	struct archk_net_pattern p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(archk_net_parse_pattern(bad[i], strlen(bad[i]), &p),
			     ARCHK_ERR_INVALID_ARGS, "%s", bad[i]);
}

Test(netaddr, loopback)
{
	cr_assert(archk_net_is_loopback(
	    &(struct archk_net_addr){.family = ARCHK_NET_INET, .addr = {127, 1, 2, 3}}));
	cr_assert(!archk_net_is_loopback(
	    &(struct archk_net_addr){.family = ARCHK_NET_INET, .addr = {10, 0, 0, 1}}));
	cr_assert(archk_net_is_loopback(
	    &(struct archk_net_addr){.family = ARCHK_NET_INET6, .addr = {[15] = 1}}));
	cr_assert(!archk_net_is_loopback(&(struct archk_net_addr){.family = ARCHK_NET_INET6}));
	cr_assert(!archk_net_is_loopback(&(struct archk_net_addr){.family = 5, .addr = {127}}));
}
