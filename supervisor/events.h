/*
 * supervisor/events.h — the live event stream on RUN/events: supd's
 * lifecycle events and the libsup workers' telemetry (see events.c).
 */
#ifndef SUPD_EVENTS_H
#define SUPD_EVENTS_H

#include "sup/err.h"

struct supd;

/* Publishes on RUN/events. */
sup_err events_open(struct supd *d);
/* Polls readable when a subscriber came or went. */
int events_fd(const struct supd *d);
/* Then: subscribes to the workers' telemetry while someone listens. */
void events_subscribers(struct supd *d);
/* Relays the workers' events (never waits). */
void events_read(struct supd *d);
void events_close(struct supd *d);

#endif
