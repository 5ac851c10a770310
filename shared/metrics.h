/*
 * shared/metrics.h — the Prometheus text exposition (format 0.0.4) of
 * supd's status object: what supctl metrics prints and GET /metrics
 * serves, from one renderer so that both say the same.
 */
#ifndef SUP_SHARED_METRICS_H
#define SUP_SHARED_METRICS_H

#include <jansson.h>
#include <stdio.h>

/* The Content-Type of what metrics_write() writes. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Writes the metrics of status (the reply to a status request, or
 * ctl_status_json()'s object; borrowed) to f. Counters are integers,
 * gauges have a fixed precision. A field an older supd does not send is
 * left out with its samples.
 */
void metrics_write(FILE *f, json_t *status);

#endif
