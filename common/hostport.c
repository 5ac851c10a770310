/*
 * common/hostport.c — parsing TCP listening addresses (hostport.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "hostport.h"

#define LOOPBACK "127.0.0.1"

/* 0 to 65535, digits only; -1 otherwise. */
static int
port_parse(const char *s)
{
	long v = 0;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) ||
	    strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++)
		v = v * 10 + (*s - '0');
	return v <= 65535 ? (int)v : -1;
}

/* "[ADDR]:PORT": *port points at PORT, addr gets ADDR. */
static const char *
v6_split(const char *s, char *addr, const char **port)
{
	const char *end = strchr(s, ']');
	size_t len;

	if (end == NULL)
		return "a '[' without its ']' (write [::1]:9464)";
	len = (size_t)(end - s - 1);
	if (end[1] != ':')
		return "no port after the address (like [::1]:9464)";
	if (len == 0 || len >= HOSTPORT_ADDR_MAX)
		return "not an IPv6 address in brackets (like [::1]:9464)";
	memcpy(addr, s + 1, len);
	addr[len] = '\0';
	*port = end + 2;
	return NULL;
}

/* "ADDR:PORT", ":PORT" or "PORT": addr gets ADDR (loopback if none). */
static const char *
v4_split(const char *s, char *addr, const char **port)
{
	const char *colon = strrchr(s, ':');
	size_t len = colon != NULL ? (size_t)(colon - s) : 0;

	*port = colon != NULL ? colon + 1 : s;
	if (colon != NULL && memchr(s, ':', len) != NULL)
		return "an IPv6 address goes in brackets (like [::1]:9464)";
	if (colon == NULL && port_parse(s) < 0)
		return "no port (like 127.0.0.1:9464, or 9464 for loopback)";
	if (len >= HOSTPORT_ADDR_MAX)
		return "not an IP address (like 127.0.0.1; names are not "
		    "looked up)";
	if (len == 0)
		strcpy(addr, LOOPBACK);
	else {
		memcpy(addr, s, len);
		addr[len] = '\0';
	}
	return NULL;
}

sup_err
hostport_parse(const char *s, struct hostport *out, const char **why)
{
	struct hostport hp = {.v6 = s[0] == '['};
	unsigned char bin[16];
	const char *port;

	*why = hp.v6 ? v6_split(s, hp.addr, &port) : v4_split(s, hp.addr,
	    &port);
	if (*why != NULL)
		return SUP_EINVAL;
	if (inet_pton(hp.v6 ? AF_INET6 : AF_INET, hp.addr, bin) != 1) {
		*why = hp.v6 ? "not an IPv6 address in brackets (like "
		    "[::1]:9464)" : "not an IP address (like 127.0.0.1; names "
		    "are not looked up)";
		return SUP_EINVAL;
	}
	if ((hp.port = port_parse(port)) < 0) {
		*why = "the port is not a number from 0 to 65535";
		return SUP_EINVAL;
	}
	*out = hp;
	return SUP_OK;
}

char *
hostport_format(const struct hostport *hp, char *buf, size_t n)
{
	snprintf(buf, n, hp->v6 ? "[%s]:%d" : "%s:%d", hp->addr, hp->port);
	return buf;
}
