/*
 * common/hostport.h — a TCP listening address as users write it:
 * "9464" or ":9464" (loopback: 127.0.0.1), "0.0.0.0:9464",
 * "[::1]:9464". The address is an IP literal: no name is looked up.
 */
#ifndef COMMON_HOSTPORT_H
#define COMMON_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "sup/err.h"

#define HOSTPORT_ADDR_MAX 46 /* INET6_ADDRSTRLEN */
/* "[" ADDRESS "]:" PORT and a NUL. */
#define HOSTPORT_TEXT_MAX (HOSTPORT_ADDR_MAX + 9)

struct hostport {
	char addr[HOSTPORT_ADDR_MAX]; /* the IP literal, without brackets */
	bool v6;
	int port;		      /* 0 to 65535; 0: any free port */
};

/*
 * Parses s. SUP_EINVAL when it is not ADDRESS:PORT; *why (static
 * storage) then says what is wrong, for a message that quotes s. *out is
 * written only on success.
 */
sup_err hostport_parse(const char *s, struct hostport *out, const char **why);

/* "127.0.0.1:9464" or "[::1]:9464" into buf (HOSTPORT_TEXT_MAX bytes
 * are always enough); returns buf. */
char *hostport_format(const struct hostport *hp, char *buf, size_t n);

#endif
