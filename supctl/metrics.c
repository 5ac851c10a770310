/*
 * supctl/metrics.c — supctl metrics: the tree's state in the
 * Prometheus text exposition format (version 0.0.4), for a node
 * exporter's textfile collector. Made from supd's status reply by the
 * renderer supd's GET /metrics uses too (shared/metrics.c): one
 * request, nothing kept.
 */
#include <jansson.h>
#include <stdio.h>

#include "shared/metrics.h"
#include "supctl.h"

int
verb_metrics(struct ctl_opts *o, int argc)
{
	json_t *r;
	int code;

	if (argc != 0) {
		ctl_say("usage: supctl metrics");
		return PROTO_USAGE;
	}
	r = ctl_request(o, proto_request(PROTO_STATUS), 10000, &code);
	if (r == NULL)
		return code;
	metrics_write(stdout, r);
	json_decref(r);
	return PROTO_OK;
}
