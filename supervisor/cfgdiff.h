/*
 * supervisor/cfgdiff.h — what a reload changes: the config in force and a
 * new one compared name by name (a pool's instances one by one, as the
 * tree has them). Pure: no process, no file, no clock.
 *
 * Each node of either config falls in one kind:
 *  - added: only in the new config; it starts.
 *  - removed: only in the old one (or it changed between group and
 *    worker); it stops.
 *  - restarted: a key that decides what runs changed (command, env,
 *    directory, user, umask, stdout, ready, checkpoint, hibernate_after,
 *    listen and listen_name: its sockets are passed at its start;
 *    watchdog: WATCHDOG_USEC is in its environment); it is restarted
 *    once.
 *  - changed: only keys that apply in place changed (restart, timeouts,
 *    stop_signal, backoff, log rotation, its group, its health probe and
 *    the health_* keys: the new supd's first probe of it is the new one,
 *    its health unknown until then; a group's strategy,
 *    intensity, period, shutdown, backoff, parent); nothing restarts.
 * Unchanged nodes are not listed. What cannot change without a new supd
 * (run_dir, state) makes the whole reload refused.
 */
#ifndef SUPD_CFGDIFF_H
#define SUPD_CFGDIFF_H

#include <jansson.h>
#include <stdbool.h>

#include "shared/config.h"

enum diff_kind { DIFF_ADDED, DIFF_REMOVED, DIFF_RESTARTED, DIFF_CHANGED };

struct diff_item {
	enum diff_kind kind;
	bool is_group;
	char name[CFG_NAME_MAX + 16];
	char what[256];	/* the keys that changed, "command, env" */
};

struct cfg_diff {
	struct diff_item *v; /* owned: added and changed in the new config's
			      * order, removed in reverse of the old one's */
	int n, cap;
	char refused[512];   /* not empty: this reload cannot be applied */
};

/* Compares old and new into *out (release it with cfg_diff_fini()).
 * SUP_ENOMEM only; a refusal is out->refused. */
sup_err cfg_diff(const struct sup_config *old, const struct sup_config *new,
    struct cfg_diff *out);
void cfg_diff_fini(struct cfg_diff *d);

/* "added", "removed", "restarted", "changed". */
const char *cfg_diff_kind_name(enum diff_kind k);

/* {"added": [NAME...], "removed": [...], "restarted": [{"name", "what"}],
 * "changed": [{"name", "what"}]}; NULL when out of memory. */
json_t *cfg_diff_json(const struct cfg_diff *d);

#endif
