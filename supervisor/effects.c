/*
 * supervisor/effects.c — what the engine decides, carried out.
 *
 * Every event of the tree enters here (effects_event) and goes to the
 * engine at once; the actions it answers with are carried out in order:
 * a spawn (child.c), a stop signal, a kill, a note for the log and the
 * history, the end of supd. What an action leads to (a spawn that failed,
 * a worker ready as soon as it runs) is a new event, queued until the
 * batch is over: the engine is never entered from inside itself.
 *
 * Sections: the event queue; notes; actions; settling.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "common/clock.h"
#include "common/dur.h"
#include "common/log.h"
#include "common/sig.h"
#include "effects.h"
#include "manager.h"
#include "persist.h"
#include "reasons.h"
#include "supd.h"

/* --- the event queue ---------------------------------------------------- */

static void
queue_push(struct supd *d, const struct eng_event *ev)
{
	if (d->evq_head + d->evq_n == d->evq_cap) {
		if (d->evq_head > 0) {
			memmove(d->evq, d->evq + d->evq_head,
			    (size_t)d->evq_n * sizeof(*d->evq));
			d->evq_head = 0;
		} else {
			int cap = d->evq_cap ? d->evq_cap * 2 : 64;
			struct eng_event *v = realloc(d->evq, (size_t)cap *
			    sizeof(*v));
			if (v == NULL) {
				/* An event lost would leave a child unwatched
				 * for good: better to restart and adopt. */
				log_error("out of memory queueing an event");
				abort();
			}
			d->evq = v;
			d->evq_cap = cap;
		}
	}
	d->evq[d->evq_head + d->evq_n++] = *ev;
}

static bool
queue_pop(struct supd *d, struct eng_event *ev)
{
	if (d->evq_n == 0)
		return false;
	*ev = d->evq[d->evq_head++];
	if (--d->evq_n == 0)
		d->evq_head = 0;
	return true;
}

/* --- notes -------------------------------------------------------------- */

static void
note_give_up(struct supd *d, const struct supd_node *g)
{
	char per[32], why[128];

	if (d->eng.aborting) /* start_abort() said why */
		return;
	dur_format(g->g->period_ms, per, sizeof(per));
	LOG_EV("group.give_up", log_str("name", g->name),
	    log_num("intensity", g->g->intensity), log_str("period", per));
	snprintf(why, sizeof(why), "more than %d restarts in %s",
	    g->g->intensity, per);
	persist_event(d, g->name, "give_up", 0, NULL, why, "intensity");
}

/* The pool of n (its first instance) exceeded its own intensity. */
static void
note_pool_give_up(struct supd *d, const struct supd_node *n)
{
	const struct cfg_worker *w = n->w;
	int intensity = cfg_pool_intensity(w);
	char per[32], why[128];

	dur_format(cfg_pool_period_ms(w), per, sizeof(per));
	LOG_EV("pool.give_up", log_str("name", w->name),
	    log_num("intensity", intensity), log_str("period", per),
	    log_str("note", "the pool fails in its group: all its "
	    "instances restart, by the group's strategy"));
	snprintf(why, sizeof(why), "more than %d restarts of its instances "
	    "in %s", intensity, per);
	persist_event(d, w->name, "give_up", 0, NULL, why, "pool intensity");
}

/* Significant n ended: its group ends (auto_shutdown). */
static void
note_auto_shutdown(struct supd *d, const struct supd_node *n)
{
	char why[256];

	snprintf(why, sizeof(why), "significant child %s ended: %.150s", n->name,
	    node_exit_reason(n, "ended"));
	LOG_EV("group.auto_shutdown", log_str("name", n->parent->name),
	    log_str("significant", n->name), log_str("note",
	    n->parent == d->root ? "supd stops the tree and exits with its "
	    "status" : "the group stops, and ends"));
	persist_event(d, n->parent->name, "auto_shutdown", 0, NULL, why,
	    "auto_shutdown");
}

/* A child failed the tree's first start, and on_start_failure = abort. */
static void
note_start_abort(struct supd *d, const struct supd_node *n)
{
	char why[400];

	snprintf(why, sizeof(why), "%s failed to start: %s", n->name,
	    node_exit_reason(n, "not started"));
	LOG_EV("supd.start_failed", log_str("name", n->name),
	    log_str("reason", node_exit_reason(n, "not started")), log_str("note", "on_start_failure = abort: "
	    "stopping the tree; supd exits 1"));
	persist_event(d, n->name, "start_failed", 0, NULL, why,
	    "on_start_failure");
}

static void
note_render(struct supd *d, const struct eng_action *a)
{
	const struct supd_node *n = a->node;
	char buf[32], why[320];

	switch (a->note) {
	case NOTE_GROUP_START:
		LOG_EV("group.start", log_str("name", n->name),
		    log_str("strategy", cfg_strategy_name(n->g->strategy)),
		    log_num("children", n->nkids));
		break;
	case NOTE_GROUP_READY:
		LOG_EV("group.ready", log_str("name", n->name));
		break;
	case NOTE_GROUP_STOP:
		LOG_EV("group.stop", log_str("name", n->name));
		break;
	case NOTE_GROUP_STOPPED:
		LOG_EV("group.stopped", log_str("name", n->name));
		break;
	case NOTE_GROUP_GIVE_UP:
		note_give_up(d, n);
		break;
	case NOTE_POOL_GIVE_UP:
		note_pool_give_up(d, n);
		break;
	case NOTE_GROUP_KILL:
		LOG_EV("group.kill", log_str("name", n->name),
		    log_str("reason", "shutdown timeout"));
		break;
	case NOTE_CHILD_BACKOFF:
		LOG_EV("child.backoff", log_str("name", n->name),
		    log_str("delay", dur_format(a->arg, buf, sizeof(buf))),
		    log_num("step", n->backoff_step));
		break;
	case NOTE_CHILD_START_TIMEOUT:
		LOG_EV("child.start_timeout", log_str("name", n->name),
		    log_num("pid", (int)n->pid),
		    log_str("timeout", dur_format(n->w->start_timeout_ms, buf,
		    sizeof(buf))));
		break;
	case NOTE_CHILD_KILL:
		LOG_EV("child.kill", log_str("name", n->name),
		    log_num("pid", (int)n->pid),
		    log_str("reason", "shutdown timeout"));
		break;
	case NOTE_CHILD_HUNG:
		LOG_EV("child.hung", log_str("name", n->name),
		    log_num("pid", (int)n->pid),
		    log_str("reason", child_hung_reason(n, why, sizeof(why))),
		    log_str("signal", sig_name(n->w->brutal_kill ? SIGKILL :
		    n->w->stop_signal)));
		break;
	case NOTE_CHILD_READY_ADOPTED:
		LOG_EV("child.ready", log_str("name", n->name),
		    log_num("pid", (int)n->pid),
		    log_str("note", "adopted while starting; its READY "
		    "may have gone to the previous supd: taken as ready"));
		break;
	case NOTE_ROOT_FAILED:
		LOG_EV("supd.failed",
		    log_str("reason", "root gave up; "
		    "supd stays up (on_give_up = stay)"));
		break;
	case NOTE_START_ABORT:
		note_start_abort(d, n);
		break;
	case NOTE_AUTO_SHUTDOWN:
		note_auto_shutdown(d, n);
		break;
	case NOTE_ROOT_GIVE_UP:
		LOG_EV("supd.give_up",
		    log_str("reason", d->eng.aborting ? "the first start "
		    "failed (on_start_failure = abort)" :
		    "root exceeded its restart intensity"),
		    log_str("exit", "1"));
		manager_stopping(&d->mgr);
		break;
	case NOTE_SHUTDOWN:
		LOG_EV("supd.stopping", log_num("children", d->nworkers));
		manager_stopping(&d->mgr);
		break;
	case NOTE_SHUTDOWN_AGAIN:
		LOG_EV("supd.stopping",
		    log_str("note", "shutdown already in progress"));
		break;
	}
}

/* --- actions ------------------------------------------------------------ */

static void
spawn_act(struct supd *d, const struct eng_action *a)
{
	enum child_spawned how;
	struct eng_event ev = {.node = a->node};

	if (a->arg != 0) /* a restart: why, before the spawn changes it */
		reasons_count(a->node, a->cause);
	how = child_spawn(d, a->node, a->arg != 0, a->cause, a->cause_by);
	ev.at = clk_mono_ns();
	switch (how) {
	case CHILD_EXEC_FAILED: /* it exits 127 now: the reap says why */
		return;
	case CHILD_SPAWN_FAILED:
		ev.type = EV_SPAWN_FAILED;
		queue_push(d, &ev);
		return;
	case CHILD_SPAWNED:
	case CHILD_SPAWNED_READY:
		ev.type = EV_SPAWNED;
		queue_push(d, &ev);
		break;
	}
	if (how == CHILD_SPAWNED_READY) {
		ev.type = EV_READY;
		queue_push(d, &ev);
	}
}

static void
exit_act(struct supd *d, int code)
{
	/* A give-up says why supd exits: a later shutdown does not undo it. */
	if (!d->exiting || d->exit_code == 0)
		d->exit_code = code;
	d->exiting = true;
	/* A give-up ends supd at once, as it always did (what is left is
	 * killed on the way out); after an orderly stop, the loop waits
	 * for the children that left the config too. */
	if (code != 0)
		d->quit = true;
}

static void
actions_run(struct supd *d, int n)
{
	if (n > 0)
		d->activity = true; /* to commit (loop.c) */
	d->in_effects = true;
	for (int i = 0; i < n; i++) {
		const struct eng_action *a = &d->eng.out[i];
		switch (a->type) {
		case ACT_SPAWN: spawn_act(d, a); break;
		case ACT_STOP: child_signal_stop(d, a->node); break;
		case ACT_KILL: child_kill(d, a->node); break;
		case ACT_NOTE: note_render(d, a); break;
		case ACT_EXIT: exit_act(d, (int)a->arg); break;
		}
	}
	d->in_effects = false;
}

static void
handle(struct supd *d, const struct eng_event *ev)
{
	actions_run(d, engine_handle(&d->eng, ev, clk_mono_ns()));
}

/* --- settling ----------------------------------------------------------- */

void
effects_event(struct supd *d, enum eng_event_type type, struct supd_node *n)
{
	struct eng_event ev = {.type = type, .node = n};

	if (d->in_effects)
		queue_push(d, &ev);
	else
		handle(d, &ev);
}

void
effects_exited(struct supd *d, struct supd_node *n, enum child_exit how)
{
	struct eng_event ev = {.type = EV_EXITED, .node = n,
	    .normal = how == EXIT_NORMAL, .ignored = how == EXIT_IGNORE};

	if (d->in_effects)
		queue_push(d, &ev);
	else
		handle(d, &ev);
}

void
effects_hung(struct supd *d, struct supd_node *n, enum node_hung why)
{
	struct eng_event ev = {.type = EV_HUNG, .node = n, .hung = why};

	if (d->in_effects)
		queue_push(d, &ev);
	else
		handle(d, &ev);
}

bool
effects_shutting_down(const struct supd *d)
{
	return d->eng.shutting_down;
}

bool
effects_settle_for(struct supd *d, int64_t slice_ns)
{
	int64_t end = slice_ns > 0 ? clk_mono_ns() + slice_ns : 0;
	struct eng_event ev;
	int n;

	while (!d->quit) {
		while (queue_pop(d, &ev))
			handle(d, &ev);
		/* Cut between batches only with no event waiting: what the
		 * next turn reads (a READY, a WATCHDOG=1) meets every node as
		 * the events so far left it. */
		if (end != 0 && clk_mono_ns() >= end)
			return false;
		if ((n = engine_settle(&d->eng, clk_mono_ns())) == 0 &&
		    d->evq_n == 0)
			return true;
		actions_run(d, n);
	}
	return true;
}

void
effects_settle(struct supd *d)
{
	effects_settle_for(d, 0);
}
