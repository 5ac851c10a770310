/*
 * supervisor/reasons.h — why supd restarted each worker, counted since
 * supd started (reasons.c): the restart counters of GET /metrics.
 */
#ifndef SUPD_REASONS_H
#define SUPD_REASONS_H

#include "common/jsonw.h"
#include "node.h"

/* Counts a restart of worker n that cause decided (effects.c, when it
 * spawns n again). */
void reasons_count(struct supd_node *n, enum node_cause cause);

/* k: {"exit": 2, "signal": 0, ...}: every reason, zeros too (status). */
void reasons_write(struct jsonw *w, const char *k,
    const struct supd_node *n);

/* "exit", "signal", "start_timeout", "sibling", "group", "other",
 * "watchdog", "health".
 * Static storage. */
const char *reason_name(enum restart_reason r);

#endif
