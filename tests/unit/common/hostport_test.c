/*
 * tests/unit/common/hostport_test.c — TCP listening addresses as users
 * write them (hostport.h).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "common/hostport.h"

TestSuite(common_hostport);

/* s parsed and written back, e.g. "127.0.0.1:9464". */
static const char *
parsed(const char *s)
{
	static char buf[HOSTPORT_TEXT_MAX];
	struct hostport hp;
	const char *why = NULL;
	sup_err e = hostport_parse(s, &hp, &why);

	cr_assert_eq(e, SUP_OK, "hostport_parse(\"%s\"): %s", s, why);
	return hostport_format(&hp, buf, sizeof(buf));
}

/* s refused, with a reason holding has. */
static void
refused(const char *s, const char *has)
{
	struct hostport hp = {.port = -7};
	const char *why = NULL;

	cr_assert_eq(hostport_parse(s, &hp, &why), SUP_EINVAL, "\"%s\"", s);
	cr_assert(why != NULL && strstr(why, has) != NULL, "\"%s\": %s", s,
	    why);
	cr_assert_eq(hp.port, -7, "\"%s\" wrote on failure", s);
}

Test(common_hostport, a_port_alone_means_loopback)
{
	cr_assert_str_eq(parsed("9464"), "127.0.0.1:9464");
	cr_assert_str_eq(parsed(":9464"), "127.0.0.1:9464");
	cr_assert_str_eq(parsed("0"), "127.0.0.1:0");
}

Test(common_hostport, ip_literals_are_kept)
{
	cr_assert_str_eq(parsed("0.0.0.0:9100"), "0.0.0.0:9100");
	cr_assert_str_eq(parsed("192.168.1.20:65535"), "192.168.1.20:65535");
	cr_assert_str_eq(parsed("[::1]:9464"), "[::1]:9464");
	cr_assert_str_eq(parsed("[::]:80"), "[::]:80");
	cr_assert_str_eq(parsed("[fe80::1]:1"), "[fe80::1]:1");
}

Test(common_hostport, what_is_not_address_and_port_is_refused)
{
	refused("", "no port");
	refused("127.0.0.1", "no port");
	refused("localhost:9464", "names are not looked up");
	refused("1.2.3:80", "not an IP address");
	refused("::1:9464", "in brackets");
	refused("[::1]", "no port after");
	refused("[::1:9464", "without its ']'");
	refused("[]:80", "not an IPv6 address");
	refused("[127.0.0.1]:80", "not an IPv6 address");
	refused("127.0.0.1:65536", "0 to 65535");
	refused("127.0.0.1:http", "0 to 65535");
	refused("127.0.0.1:-1", "0 to 65535");
	refused("127.0.0.1: 80", "0 to 65535");
	refused("127.0.0.1:", "0 to 65535");
	refused("127.0.0.1:000080", "0 to 65535");
}
