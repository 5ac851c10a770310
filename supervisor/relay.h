/*
 * supervisor/relay.h — a worker's telemetry, as supd passes it on.
 *
 * A worker publishes messages of one or more lines, each "NAME " and a
 * JSON object whose "src" is NAME (worker/telemetry.c). A worker may
 * write anything there: the name it gives is not believed. supd knows
 * which worker a message came from (the connection it dialled), and
 * relays each line under that name, in the topic and in "src"; a line
 * that is not "WORD {object}" in valid UTF-8 is dropped.
 */
#ifndef SUPD_RELAY_H
#define SUPD_RELAY_H

#include <stddef.h>

/* Longest message relayed (the subscriber's receive limit). */
#define RELAY_MAX (64 * 1024)

/*
 * Rewrites msg (len bytes, from the worker named name) into *out, a new
 * NUL-terminated buffer of *olen bytes (free it), one line per event
 * kept; *dropped counts the lines refused. Returns 0, or -1 when nothing
 * is left to relay (then *out is NULL).
 */
int relay_rewrite(const char *name, const char *msg, size_t len, char **out,
    size_t *olen, int *dropped);

#endif
