/*
 * supervisor/reasons.c — why supd restarted each worker (reasons.h).
 *
 * A restart is put in one of a small fixed set of reasons, from what
 * decided it (the node's cause) and, for its own failure, from its last
 * exit. The counters live in the nodes, in memory only: a Prometheus
 * counter may start from zero with the process that serves it.
 */
#include "reasons.h"

static const char *const names[RR_COUNT] = {
	[RR_EXIT] = "exit",
	[RR_SIGNAL] = "signal",
	[RR_START_TIMEOUT] = "start_timeout",
	[RR_SIBLING] = "sibling",
	[RR_GROUP] = "group",
	[RR_OTHER] = "other",
	[RR_WATCHDOG] = "watchdog",
	[RR_HEALTH] = "health",
	[RR_MEMORY] = "memory",
};

const char *
reason_name(enum restart_reason r)
{
	return r < RR_COUNT ? names[r] : "other";
}

static enum restart_reason
reason_of(const struct supd_node *n, enum node_cause cause)
{
	const struct node_exit *x = &n->last;

	if (cause == CAUSE_SIBLING)
		return RR_SIBLING;
	if (cause == CAUSE_GROUP_RESTART)
		return RR_GROUP;
	if (!x->valid)
		return RR_OTHER;
	if (x->hung != HUNG_NOT)
		return x->hung == HUNG_WATCHDOG ? RR_WATCHDOG :
		    x->hung == HUNG_MEMORY ? RR_MEMORY : RR_HEALTH;
	if (x->start_timeout)
		return RR_START_TIMEOUT;
	if (x->has_code)
		return RR_EXIT;
	return x->sig != 0 ? RR_SIGNAL : RR_OTHER;
}

void
reasons_count(struct supd_node *n, enum node_cause cause)
{
	n->restarts_by[reason_of(n, cause)]++;
}

void
reasons_write(struct jsonw *w, const char *k, const struct supd_node *n)
{
	jsonw_key(w, k);
	jsonw_obj_begin(w);
	for (int r = 0; r < RR_COUNT; r++)
		jsonw_kint(w, names[r], n->restarts_by[r]);
	jsonw_obj_end(w);
}
