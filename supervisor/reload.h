/*
 * supervisor/reload.h — reload and re-exec: supd hands its tree over to a
 * new image of itself (handover.h), which adopts every child through the
 * recovery path and applies a reload's difference (cfgdiff.h).
 *
 * The old image: reload_check() reads and checks the config file and says
 * what it would change; supd_reexec() commits everything and execs.
 * The new image: reload_mark() (after the tree is built, before recovery)
 * flags the children a reload restarts; reload_note() (after recovery)
 * writes one history record per change, decided_by "reload".
 */
#ifndef SUPD_RELOAD_H
#define SUPD_RELOAD_H

#include <jansson.h>

#include "cfgdiff.h"
#include "handover.h"

struct supd;

/*
 * Reads and checks the config file as supd's start does. SUP_OK: *cfg is
 * the new config (cfg_free() it) and *diff what it changes (its refused
 * may say it cannot be applied). SUP_EINVAL: *errors is a JSON array of
 * "file:line: ..." messages.
 */
sup_err reload_check(struct supd *d, struct sup_config **cfg,
    struct cfg_diff *diff, json_t **errors);

/*
 * Commits everything and execs supd's binary with a handover of mode;
 * next is the config text to run (NULL: the one in force), result the
 * reply the token's requester gets from the new image (borrowed).
 * Returns only when it could not (why says so); then supd goes on as it
 * was.
 */
sup_err supd_reexec(struct supd *d, enum handover_mode mode,
    const char *token, const struct sup_config *next, json_t *result,
    char *why, size_t n);

/*
 * One reload, from supctl or SIGHUP: checks the file, and unless dry_run
 * or nothing changed, hands over to a new image (which answers token).
 * Returns only when no handover happened: the reply (proto_ok-shaped
 * with its "diff", or a proto_error with "errors" for a bad file).
 */
json_t *reload_run(struct supd *d, bool dry_run, const char *token);

/* SIGHUP: a reload with nobody to answer; errors go to the log. */
void reload_signal(struct supd *d);

/* The new image of a reload: flags the children its handed diff restarts
 * (before recovery, which restarts them once adopted). */
void reload_mark(struct supd *d);
/* The new image: history and events for what was handed over. */
void reload_note(struct supd *d);

#endif
