/*
 * supervisor/sdnotify.h — one sd_notify datagram, decoded.
 *
 * A datagram is lines of KEY=VALUE (sd_notify(3)). Understood: READY=1,
 * STOPPING=1, STATUS=TEXT, WATCHDOG=1, WATCHDOG=trigger, WATCHDOG_USEC=N,
 * and for libsup workers SUP_STATUS=initializing | ready | degraded;
 * other keys are ignored, as systemd ignores keys it
 * does not know. A later line wins over an earlier one. A datagram with
 * a NUL byte is refused whole, as systemd refuses it. A pure function of
 * the bytes (notify.c acts on the result; tests/fuzz/ feeds it anything).
 */
#ifndef SUPD_SDNOTIFY_H
#define SUPD_SDNOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#define SDN_MAX 4096 /* longest datagram read */

struct sdn_msg {
	bool ready;	      /* READY=1 */
	bool stopping;	      /* STOPPING=1 */
	bool has_status;
	char status[256];     /* STATUS=: valid UTF-8, cut on a character */
	char sup_status[16];  /* SUP_STATUS=, one of its four words, or "" */
	bool watchdog;	      /* WATCHDOG=1: alive */
	bool watchdog_trigger; /* WATCHDOG=trigger: treat me as hung now */
	bool has_watchdog_usec;
	unsigned long long watchdog_usec; /* WATCHDOG_USEC=: a new interval
					   * (0: no watchdog for it now) */
};

/* Decodes buf (len bytes). 0, or -1 when it is refused whole. */
int sdn_parse(const char *buf, size_t len, struct sdn_msg *m);

#endif
