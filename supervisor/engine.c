/*
 * supervisor/engine.c — OTP's supervisor rules over the node tree.
 *
 * Invariants:
 *  - A group carries out its children's intentions in one order: stops
 *    first, last child first, one at a time; then starts, first child
 *    first. In an ordered group (one_for_all, rest_for_one, or any group
 *    during its own start) a start waits until every earlier start is
 *    ready and every stop is done. A running one_for_one group restarts
 *    each child on its own: a child in backoff delays nobody else.
 *  - One failure counts one restart in its group's intensity window, and
 *    gives restarts + 1 to every child the strategy restarts. Backoff
 *    belongs to the child that failed.
 *  - Exits that supd caused (a stop) or that happen while the group is
 *    stopping are not failures. temporary children are never restarted;
 *    transient ones only after an abnormal exit.
 *  - No function here calls back into its caller's group: they change
 *    nodes and mark groups dirty; engine_settle() steps them.
 *
 * Sections: marking and settling; starting and stopping; failures and
 * intensity; a group's step; deadlines; user requests.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/dur.h"
#include "common/log.h"
#include "supd.h"

/* --- marking and settling ---------------------------------------------- */

void
engine_mark(struct supd_node *g)
{
	if (g != NULL)
		g->dirty = true;
}

static void group_step(struct supd *d, struct supd_node *g);

void
engine_settle(struct supd *d)
{
	bool again = true;

	/* Deepest groups first: a child group's outcome feeds its parent. */
	while (again && !d->quit) {
		again = false;
		for (int i = d->nnodes - 1; i >= 0; i--) {
			struct supd_node *g = d->nodes[i];
			if (g->is_group && g->dirty) {
				g->dirty = false;
				group_step(d, g);
				again = true;
			}
		}
	}
}

static bool
is_temporary(const struct supd_node *n)
{
	return n->w != NULL && n->w->restart == RESTART_TEMPORARY;
}

/* Should run when its group runs: not stopped by the user, not done. */
static bool
eligible(const struct supd_node *n)
{
	return !n->user_stopped && !n->done;
}

static bool
alive(const struct supd_node *n)
{
	return n->state == NS_STARTING || n->state == NS_RUNNING ||
	    n->state == NS_STOPPING;
}

/* --- starting and stopping --------------------------------------------- */

/*
 * After a recovery the first start of each group keeps what the database
 * brought back (window, finished children, backoff, a restart plan under
 * way) and only starts what should run and does not.
 */
static void
group_start_recovered(struct supd_node *g)
{
	for (int i = 0; i < g->nkids; i++) {
		struct supd_node *k = g->kids[i];
		if (!k->user_stopped && !k->done && !alive(k) &&
		    !k->pending_start)
			k->pending_start = true;
	}
}

static void
group_start(struct supd *d, struct supd_node *g, bool restart)
{
	if (d->recovering && !restart) {
		group_start_recovered(g);
		g->state = NS_STARTING;
		engine_mark(g);
		return;
	}
	/* A group restarted by its parent starts fresh, as OTP's does. */
	rst_window_clear(&g->window);
	for (int i = 0; i < g->nkids; i++) {
		struct supd_node *k = g->kids[i];
		k->done = false;
		k->not_before_ns = 0;
		k->backoff_step = 0;
		if (!k->user_stopped) {
			k->pending_start = true;
			k->is_restart = restart;
			if (restart)
				snprintf(k->cause, sizeof(k->cause), "group %s "
				    "restarted by %s", g->name, g->parent ?
				    g->parent->name : "supctl");
		}
	}
	g->state = NS_STARTING;
	log_event("group.start", "name=%s strategy=%s children=%d", g->name,
	    cfg_strategy_name(g->g->strategy), g->nkids);
	engine_mark(g);
}

void
engine_start(struct supd *d, struct supd_node *n, bool restart)
{
	n->started_ns = clk_mono_ns();
	n->ready_ns = 0;
	n->deadline_ns = 0;
	n->is_restart = false;
	n->spawn_is_restart = restart;
	if (restart)
		n->restarts++;
	if (n->is_group)
		group_start(d, n, restart);
	else
		child_spawn(d, n);
}

void
engine_stop(struct supd *d, struct supd_node *n)
{
	n->pending_start = false;
	switch (n->state) {
	case NS_BACKOFF:
		n->state = NS_STOPPED;
		n->deadline_ns = 0;
		n->pending_stop = false;
		engine_mark(n->parent);
		return;
	case NS_STARTING:
	case NS_RUNNING:
		break;
	default:
		n->pending_stop = false;
		engine_mark(n->parent);
		return;
	}
	n->state = NS_STOPPING;
	if (!n->is_group) {
		child_signal_stop(d, n);
		return;
	}
	for (int i = 0; i < n->nkids; i++) {
		n->kids[i]->pending_start = false;
		if (n->kids[i]->state != NS_STOPPED &&
		    n->kids[i]->state != NS_FAILED)
			n->kids[i]->pending_stop = true;
	}
	if (n->g->shutdown_ms != DUR_INFINITY)
		n->deadline_ns = clk_after(clk_mono_ns(), n->g->shutdown_ms);
	log_event("group.stop", "name=%s", n->name);
	engine_mark(n);
}

void
engine_ready(struct supd *d, struct supd_node *n)
{
	if (n == d->root)
		d->recovering = false; /* groups restart fresh from now on */
	n->state = NS_RUNNING;
	n->ready_ns = clk_mono_ns();
	n->deadline_ns = 0;
	if (n->is_group)
		log_event("group.ready", "name=%s", n->name);
	engine_mark(n->parent);
}

void
engine_stopped(struct supd *d, struct supd_node *n)
{
	(void)d;
	n->state = NS_STOPPED;
	n->pending_stop = false;
	n->deadline_ns = 0;
	n->ready_ns = 0;
	engine_mark(n->parent);
}

/* --- failures and intensity -------------------------------------------- */

static void
root_gave_up(struct supd *d)
{
	struct supd_node *r = d->root;

	if (d->cfg->on_give_up == GIVE_UP_STAY) {
		r->state = NS_FAILED;
		log_event("supd.failed", "reason=%s",
		    log_quote("root gave up; supd stays up (on_give_up = stay)"));
		return;
	}
	log_event("supd.give_up", "reason=%s exit=1",
	    log_quote("root exceeded its restart intensity"));
	d->exit_code = 1;
	d->quit = true;
}

static void
group_give_up(struct supd *d, struct supd_node *g)
{
	char per[32];

	dur_format(g->g->period_ms, per, sizeof(per));
	log_event("group.give_up", "name=%s intensity=%d period=%s", g->name,
	    g->g->intensity, per);
	{
		char why[128];
		snprintf(why, sizeof(why), "more than %d restarts in %s",
		    g->g->intensity, per);
		persist_event(d, g->name, "give_up", 0, NULL, why,
		    "intensity");
	}
	g->giving_up = true;
	engine_stop(d, g);
}

/* Marks sibling k for restart by the strategy (not the one that failed). */
static void
sibling_restart(struct supd_node *k, const struct supd_node *failed)
{
	if (k->user_stopped)
		return;
	snprintf(k->cause, sizeof(k->cause), "%s of %s after %s failed",
	    cfg_strategy_name(k->parent->g->strategy), k->parent->name,
	    failed->name);
	if (is_temporary(k)) {
		/* OTP: a temporary child the strategy stops is not restarted;
		 * one that has not started yet keeps waiting for its start. */
		if (alive(k)) {
			k->pending_stop = true;
			k->done = true;
			k->pending_start = false;
		}
		return;
	}
	if (alive(k))
		k->pending_stop = true;
	k->done = false;
	k->pending_start = true;
	k->is_restart = true;
}

static void
restart_plan(struct supd *d, struct supd_node *n, int64_t now)
{
	struct supd_node *g = n->parent;
	int64_t up_ms = n->ready_ns ? (now - n->ready_ns) / CLK_NS_PER_MS : 0;
	int64_t delay;
	int lo, hi;

	n->backoff_step = rst_backoff_step(n->backoff_step, up_ms,
	    n->backoff->reset_ms);
	delay = rst_backoff_delay(n->backoff, n->backoff_step, supd_rand(d));
	n->not_before_ns = clk_after(now, delay);
	n->pending_start = true;
	n->is_restart = true;
	if (delay > 0) {
		char dbuf[32];
		n->state = NS_BACKOFF;
		n->deadline_ns = n->not_before_ns;
		log_event("child.backoff", "name=%s delay=%s step=%u", n->name,
		    dur_format(delay, dbuf, sizeof(dbuf)), n->backoff_step);
	}
	snprintf(n->cause, sizeof(n->cause), "%s child of %s, %.100s",
	    n->w ? cfg_restart_name(n->w->restart) : "permanent", g->name,
	    n->last.valid ? n->last.reason : "failed");
	rst_strategy_range(g->g->strategy, n->index, g->nkids, &lo, &hi);
	for (int i = lo; i <= hi; i++)
		if (g->kids[i] != n)
			sibling_restart(g->kids[i], n);
}

void
engine_failed(struct supd *d, struct supd_node *n, bool normal)
{
	struct supd_node *g = n->parent;
	int64_t now = clk_mono_ns();
	enum cfg_restart type = n->w ? n->w->restart : RESTART_PERMANENT;

	n->state = NS_STOPPED;
	n->deadline_ns = 0;
	if (g == NULL) { /* root itself gave up */
		root_gave_up(d);
		return;
	}
	engine_mark(g);
	/* Ending while being stopped (or while the group stops) is a stop. */
	if (n->pending_stop || g->state == NS_STOPPING ||
	    g->state == NS_STOPPED || d->shutting_down) {
		n->pending_stop = false;
		return;
	}
	if (!rst_should_restart(type, normal)) {
		n->done = true;
		n->pending_start = false;
		return;
	}
	if (rst_window_add(&g->window, now / CLK_NS_PER_MS, g->g->intensity,
		g->g->period_ms)) {
		n->pending_start = false;
		group_give_up(d, g);
		return;
	}
	restart_plan(d, n, now);
}

/* --- a group's step ---------------------------------------------------- */

/* Carries out pending stops; returns true while one is in progress. */
static bool
step_stops(struct supd *d, struct supd_node *g)
{
	for (int i = g->nkids - 1; i >= 0; i--)
		if (g->kids[i]->state == NS_STOPPING)
			return true;
	for (int i = g->nkids - 1; i >= 0; i--) {
		struct supd_node *k = g->kids[i];
		if (!k->pending_stop)
			continue;
		bool pending_start = k->pending_start;
		engine_stop(d, k);
		k->pending_start = pending_start; /* a restart stops first */
		if (k->state == NS_STOPPING)
			return true;
	}
	return false;
}

/* Carries out pending starts in order; returns true while one waits. */
static bool
step_starts(struct supd *d, struct supd_node *g, bool ordered, int64_t now)
{
	bool waiting = false;

	for (int i = 0; i < g->nkids; i++) {
		struct supd_node *k = g->kids[i];
		if (!k->pending_start || k->state == NS_FAILED)
			continue;
		if (k->state == NS_RUNNING && !k->pending_stop) {
			k->pending_start = false;
			continue;
		}
		if ((k->state == NS_STOPPED || k->state == NS_BACKOFF) &&
		    !k->pending_stop) {
			if (k->not_before_ns > now) {
				k->state = NS_BACKOFF;
				k->deadline_ns = k->not_before_ns;
			} else {
				engine_start(d, k, k->is_restart);
				if (k->state == NS_RUNNING) {
					k->pending_start = false;
					continue;
				}
			}
		}
		waiting = true;
		if (ordered)
			return true;
	}
	return waiting;
}

static bool
group_all_stopped(const struct supd_node *g)
{
	for (int i = 0; i < g->nkids; i++)
		if (g->kids[i]->state != NS_STOPPED &&
		    g->kids[i]->state != NS_FAILED)
			return false;
	return true;
}

static bool
group_all_ready(const struct supd_node *g)
{
	for (int i = 0; i < g->nkids; i++) {
		const struct supd_node *k = g->kids[i];
		if (k->pending_start || k->pending_stop)
			return false;
		if (eligible(k) && k->state != NS_RUNNING)
			return false;
	}
	return true;
}

static void
group_stop_done(struct supd *d, struct supd_node *g)
{
	g->deadline_ns = 0;
	if (g->giving_up) {
		g->giving_up = false;
		engine_failed(d, g, false);
		return;
	}
	log_event("group.stopped", "name=%s", g->name);
	if (g == d->root && d->shutting_down) {
		g->state = NS_STOPPED;
		/* Children that left the config go too before supd does. */
		d->quit = recover_ghost_count(d) == 0;
		return;
	}
	engine_stopped(d, g);
	if (g == d->root && g->pending_start) { /* supctl restart root */
		g->pending_start = false;
		engine_start(d, g, false);
	}
}

static void
group_step(struct supd *d, struct supd_node *g)
{
	bool ordered, stopping;

	if (g->state == NS_STOPPED || g->state == NS_FAILED ||
	    g->state == NS_BACKOFF)
		return;
	ordered = g->g->strategy != STRAT_ONE_FOR_ONE ||
	    g->state == NS_STARTING;
	stopping = step_stops(d, g);
	if (g->state == NS_STOPPING) {
		if (!stopping && group_all_stopped(g))
			group_stop_done(d, g);
		return;
	}
	if (stopping && ordered)
		return;
	if (step_starts(d, g, ordered, clk_mono_ns()) || stopping)
		return;
	if (g->state == NS_STARTING && group_all_ready(g))
		engine_ready(d, g);
}

/* --- deadlines ---------------------------------------------------------- */

static void
group_kill_all(struct supd_node *g)
{
	for (int i = 0; i < g->nkids; i++) {
		struct supd_node *k = g->kids[i];
		if (k->is_group)
			group_kill_all(k);
		else if (k->pid > 0 && k->state == NS_STOPPING) {
			k->shutdown_killed = true;
			child_kill(k);
		} else if (k->pid > 0) {
			/* Not yet asked: it will be, after the others. */
			k->state = NS_STOPPING;
			k->pending_stop = false;
			k->shutdown_killed = true;
			child_kill(k);
		}
	}
}

void
engine_deadline(struct supd *d, struct supd_node *n, int64_t now)
{
	char buf[32];

	(void)now;
	n->deadline_ns = 0;
	switch (n->state) {
	case NS_BACKOFF:
		engine_mark(n->parent);
		break;
	case NS_STARTING:
		if (n->is_group)
			break;
		if (n->adopted) {
			log_event("child.ready", "name=%s pid=%d note=%s",
			    n->name, (int)n->pid, log_quote("adopted while "
			    "starting; its READY may have gone to the previous "
			    "supd: taken as ready"));
			engine_ready(d, n);
			break;
		}
		n->start_timed_out = true;
		log_event("child.start_timeout", "name=%s pid=%d timeout=%s",
		    n->name, (int)n->pid,
		    dur_format(n->w->start_timeout_ms, buf, sizeof(buf)));
		child_kill(n);
		break;
	case NS_STOPPING:
		if (n->is_group) {
			log_event("group.kill", "name=%s reason=%s", n->name,
			    log_quote("shutdown timeout"));
			group_kill_all(n);
			break;
		}
		n->shutdown_killed = true;
		log_event("child.kill", "name=%s pid=%d reason=%s", n->name,
		    (int)n->pid, log_quote("shutdown timeout"));
		child_kill(n);
		break;
	default:
		break;
	}
	(void)d;
}

/* --- user requests ------------------------------------------------------ */

void
engine_user_stop(struct supd *d, struct supd_node *n)
{
	(void)d;
	n->user_stopped = true;
	n->pending_start = false;
	if (n->state == NS_BACKOFF || alive(n))
		n->pending_stop = true;
	engine_mark(n->parent);
	if (n == d->root)
		engine_stop(d, n);
}

void
engine_user_start(struct supd *d, struct supd_node *n)
{
	if (n->cause[0] == '\0')
		snprintf(n->cause, sizeof(n->cause), "supctl start");
	n->user_stopped = false;
	n->done = false;
	if (n == d->root) {
		if (n->state == NS_STOPPED || n->state == NS_FAILED)
			engine_start(d, n, false);
		else if (n->state == NS_STOPPING && !d->shutting_down)
			n->pending_start = true; /* group_stop_done starts it */
		return;
	}
	if (n->state == NS_BACKOFF) {
		n->not_before_ns = 0; /* a person asked: now; still a restart */
	} else if (n->state == NS_STOPPING) {
		n->pending_start = true; /* once the stop under way is done */
		n->is_restart = false;
	} else if (n->pending_stop) {
		n->pending_stop = false; /* a stop not begun yet: cancelled */
	} else if (!alive(n)) {
		n->pending_start = true;
		n->is_restart = false;
	}
	engine_mark(n->parent);
}

void
engine_user_restart(struct supd *d, struct supd_node *n)
{
	if (n->cause[0] == '\0')
		snprintf(n->cause, sizeof(n->cause), "supctl restart");
	n->user_stopped = false;
	n->done = false;
	n->not_before_ns = 0;
	if (n == d->root) {
		if (alive(n)) {
			engine_stop(d, n);
			n->pending_start = true; /* group_stop_done starts it */
		} else {
			engine_start(d, n, false);
		}
		return;
	}
	if (alive(n) || n->state == NS_BACKOFF)
		n->pending_stop = true;
	n->pending_start = true;
	n->is_restart = false;
	engine_mark(n->parent);
}

void
engine_shutdown(struct supd *d)
{
	if (d->shutting_down) {
		log_event("supd.stopping", "note=%s",
		    log_quote("shutdown already in progress"));
		return;
	}
	d->shutting_down = true;
	log_event("supd.stopping", "children=%d", d->nworkers);
	if (d->root->state == NS_STOPPED || d->root->state == NS_FAILED) {
		d->quit = true;
		return;
	}
	if (d->root->state == NS_STOPPING) /* giving up already: finish */
		d->root->giving_up = false;
	else
		engine_stop(d, d->root);
}
