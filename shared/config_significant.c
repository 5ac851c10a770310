/*
 * shared/config_significant.c — OTP 24's automatic shutdown: a worker
 * marked significant ends its group when it ends on its own (and is not
 * restarted), with the group's auto_shutdown:
 *
 *   [group job]              ; or [supervisor]: supd exits
 *   auto_shutdown = any_significant   ; never | any_significant |
 *   restart = transient      ;   all_significant
 *   [worker main]
 *   group = job
 *   restart = transient
 *   significant = true
 *
 * OTP's rules are checked: a significant child is never permanent (it
 * would never end), a group that has auto_shutdown = never refuses
 * significant children, and a group that shuts itself down is not
 * permanent in its parent (it would be started again at once).
 */
#include <string.h>

#include "config_parse.h"

void
cfg_set_significant(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
		cfg_err(p, p->line, k, "\"%s\" is not true or false", v);
		return;
	}
	s->worker->significant = v[0] == 't';
	s->worker->significant_line = p->line;
}

void
cfg_set_auto_shutdown(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	static const char *const words[] = {"never", "any_significant",
	    "all_significant"};

	for (int i = 0; i < 3; i++)
		if (strcmp(v, words[i]) == 0) {
			s->group->auto_shutdown = (enum cfg_auto_shutdown)i;
			s->group->auto_shutdown_line = p->line;
			return;
		}
	cfg_err(p, p->line, k, "\"%s\" is not one of never, any_significant, "
	    "all_significant", v);
}

static void
worker_check(struct parser *p, const struct cfg_worker *w)
{
	if (!w->significant)
		return;
	if (w->restart == RESTART_PERMANENT)
		cfg_err(p, w->significant_line, "significant", "a permanent "
		    "child never ends on its own: make [worker %s] transient "
		    "or temporary (OTP's rule)", w->name);
	else if (w->group != NULL &&
	    w->group->auto_shutdown == AUTO_SHUTDOWN_NEVER)
		cfg_err(p, w->significant_line, "significant", "group %s has "
		    "auto_shutdown = never, which refuses significant "
		    "children (OTP's rule): set auto_shutdown = "
		    "any_significant or all_significant there", w->group->name);
}

void
cfg_significant_check(struct parser *p)
{
	const struct sup_config *c = p->c;

	for (int i = 0; i < c->nworkers; i++)
		worker_check(p, c->workers[i]);
	/* groups[0] is root: supd exits; no parent restarts it. */
	for (int i = 1; i < c->ngroups; i++) {
		const struct cfg_group *g = c->groups[i];
		if (g->auto_shutdown != AUTO_SHUTDOWN_NEVER &&
		    g->restart == RESTART_PERMANENT)
			cfg_err(p, g->auto_shutdown_line, "auto_shutdown",
			    "[group %s] would be started again at once by its "
			    "parent: give it restart = transient or "
			    "temporary", g->name);
	}
}
