/*
 * supervisor/engine.c — OTP's supervisor rules over the node tree, as
 * decisions only (engine.h).
 *
 * Invariants:
 *  - A group carries out its children's pending work in one order: stops
 *    first, last child first, one at a time; then starts, first child
 *    first. In an ordered group (one_for_all, rest_for_one, or any group
 *    during its own start) a start waits until every earlier start is
 *    ready and every stop is done. A running one_for_one group restarts
 *    each child on its own: a child in backoff delays nobody else.
 *  - A group's start is done (it is ready) once each child was ready in
 *    it, as OTP's start_child returning ok: one that died since is
 *    restarted by the rules, it does not hold its group's start back.
 *  - One failure counts one restart in its group's intensity window, and
 *    gives restarts + 1 to every child the strategy restarts. Backoff
 *    belongs to the child that failed.
 *  - Exits that supd caused (a stop) or that happen while the group is
 *    stopping are not failures. temporary children are never restarted;
 *    transient ones only after an abnormal exit.
 *  - Nothing here acts: a decision changes nodes, marks groups dirty and
 *    appends actions to e->out. engine_settle() steps dirty groups.
 *
 * Sections: actions and marks; pending work; starting and stopping;
 * failures and intensity; a group's step; deadlines; events.
 */
#include "engine.h"
#include "kidset.h"

#define NS_PER_MS 1000000
#define NEVER_MS INT64_MAX	/* DUR_INFINITY: no timeout */
#define OUT_MAX ((int)(sizeof(((struct engine *)0)->out) / \
	sizeof(((struct engine *)0)->out[0])))

/* --- actions and marks ------------------------------------------------- */

/*
 * A step that acts checks room() first and, when the batch is full,
 * leaves its group dirty to go on at the next engine_settle(). An event
 * acts at most a few times (a deadline batch checks room itself): the
 * slack beyond ENG_BATCH is theirs.
 */
#define SLACK 8

static void
emit(struct engine *e, enum eng_action_type t, struct supd_node *n,
    enum eng_note note, int64_t arg)
{
	/* room() keeps SLACK free: a full out[] is a broken invariant,
	 * and an action lost would leave a node waiting for good. */
	if (e->nout >= OUT_MAX)
		__builtin_trap();
	e->out[e->nout++] = (struct eng_action){.type = t, .node = n,
	    .note = note, .arg = arg};
	if (n != NULL)
		engine_touch(n);
}

static void
note(struct engine *e, struct supd_node *n, enum eng_note what, int64_t arg)
{
	emit(e, ACT_NOTE, n, what, arg);
}

static bool
room(const struct engine *e)
{
	return e->nout + 2 <= OUT_MAX - SLACK;
}

static void
mark(struct supd_node *g)
{
	if (g != NULL)
		g->dirty = true;
}

static int64_t
after(int64_t now, int64_t ms)
{
	if (ms <= 0)
		return now;
	if (ms >= (INT64_MAX - now) / NS_PER_MS)
		return INT64_MAX;
	return now + ms * NS_PER_MS;
}

/* n's deadline is at (0: none). Every deadline goes through here, so
 * that the heap holds each one set. */
static void
deadline_at(struct engine *e, struct supd_node *n, int64_t at)
{
	if (n->deadline_ns == at)
		return;
	n->deadline_ns = at;
	if (at != 0)
		dlheap_push(&e->dl, n, at);
}

static uint64_t
rnd(struct engine *e)
{
	uint64_t x = e->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return e->rng = x;
}

static bool
is_temporary(const struct supd_node *n)
{
	return n->w != NULL && n->w->restart == RESTART_TEMPORARY;
}

/* --- pending work ------------------------------------------------------ */

/*
 * Whether the step of n's group has anything to do with n. Each change
 * that gives n work goes through set_pending() or set_stopping(), which
 * put n in its group's set (node.h: work): a step visits those only.
 */
static bool
has_work(const struct supd_node *n)
{
	return n->pending != PEND_NONE || n->state == NS_STOPPING;
}

static void
work_add(struct supd_node *n)
{
	if (n->parent != NULL && n->parent->work != NULL)
		kidset_add(n->parent->work, n->index);
}

static void
set_pending(struct supd_node *n, enum node_pending p)
{
	n->pending = p;
	engine_touch(n);
	if (p != PEND_NONE)
		work_add(n);
}

static void
set_stopping(struct supd_node *n)
{
	n->state = NS_STOPPING;
	engine_touch(n);
	work_add(n);
}

/* A start (a restart: it counts) after any stop already asked for. */
static void
want_start(struct supd_node *n, bool restart)
{
	set_pending(n, node_pending_make(node_pending_stop(n), true,
	    restart));
}

/* A stop, before any start already asked for. */
static void
want_stop(struct supd_node *n)
{
	set_pending(n, node_pending_make(true, node_pending_start(n),
	    node_pending_restart(n)));
}

static void
drop_start(struct supd_node *n)
{
	set_pending(n, node_pending_make(node_pending_stop(n), false, false));
}

static void
drop_stop(struct supd_node *n)
{
	set_pending(n, node_pending_make(false, node_pending_start(n),
	    node_pending_restart(n)));
}

/* --- starting and stopping --------------------------------------------- */

static void node_start(struct engine *e, struct supd_node *n, bool restart,
    int64_t now);

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
		if (k->hold == HOLD_NONE && !node_alive(k) &&
		    !node_pending_start(k))
			want_start(k, false);
	}
}

static void
group_start(struct engine *e, struct supd_node *g, bool restart)
{
	g->state = NS_STARTING;
	g->start_gen++;
	g->start_next = 0;
	if (g->work != NULL) /* each kid is looked at once more */
		kidset_fill(g->work, g->nkids);
	mark(g);
	note(e, g, NOTE_GROUP_START, 0);
	if (e->recovering && !restart) {
		group_start_recovered(g);
		return;
	}
	/* A group restarted by its parent starts fresh, as OTP's does. */
	rst_window_clear(&g->window);
	for (int i = 0; i < g->nkids; i++) {
		struct supd_node *k = g->kids[i];
		engine_touch(k);
		if (k->hold == HOLD_DONE || k->hold == HOLD_IGNORED)
			k->hold = HOLD_NONE;
		if (!k->is_group) /* a pool's window starts over too */
			rst_window_clear(&k->window);
		k->not_before_ns = 0;
		k->backoff_step = 0;
		if (k->hold == HOLD_STOPPED)
			continue;
		want_start(k, restart);
		if (restart) {
			k->cause = CAUSE_GROUP_RESTART;
			k->cause_by = g->parent;
		}
	}
}

static void
worker_start(struct engine *e, struct supd_node *n, bool restart,
    int64_t now)
{
	(void)now;
	n->state = NS_STARTING;
	n->killed = KILLED_NOT;
	n->hung = HUNG_NOT;
	/* Its start_timeout counts from EV_SPAWNED: a batch of spawns
	 * takes a while, and the last must not lose that time. */
	emit(e, ACT_SPAWN, n, 0, restart);
	/* What decided it goes with the action: the next start has its own. */
	if (e->nout > 0 && e->out[e->nout - 1].node == n) {
		e->out[e->nout - 1].cause = n->cause;
		e->out[e->nout - 1].cause_by = n->cause_by;
	}
	n->cause = CAUSE_NONE;
	n->cause_by = NULL;
}

static void
node_start(struct engine *e, struct supd_node *n, bool restart, int64_t now)
{
	n->started_ns = now;
	n->ready_ns = 0;
	n->deadline_ns = 0;
	if (n->pending == PEND_RESTART) /* under way: no longer a restart */
		set_pending(n, PEND_START);
	if (restart)
		n->restarts++;
	if (n->is_group)
		group_start(e, n, restart);
	else
		worker_start(e, n, restart, now);
}

static void
node_ready(struct engine *e, struct supd_node *n, int64_t now)
{
	if (n == e->root) {
		e->recovering = false; /* groups restart fresh from now on */
		e->started = true;
	}
	n->state = NS_RUNNING;
	n->ready_ns = now;
	n->deadline_ns = 0;
	/* Its start is done: what comes next (a hang, an exit) is a life
	 * of its own, as after OTP's start_child returned ok. */
	if (!node_pending_stop(n))
		n->pending = PEND_NONE;
	if (n->parent != NULL)
		n->ready_gen = n->parent->start_gen;
	if (n->is_group)
		note(e, n, NOTE_GROUP_READY, 0);
	mark(n->parent);
}

/* Sends n on its way to stopped now (a pending start is dropped). */
static void
node_stop(struct engine *e, struct supd_node *n, int64_t now)
{
	drop_start(n); /* touches n */
	if (n->state == NS_BACKOFF) {
		n->state = NS_STOPPED;
		n->deadline_ns = 0;
	}
	if (n->state != NS_STARTING && n->state != NS_RUNNING) {
		n->pending = PEND_NONE;
		mark(n->parent);
		return;
	}
	set_stopping(n);
	n->deadline_ns = 0;
	if (!n->is_group) {
		if (!n->w->brutal_kill && n->w->shutdown_ms != NEVER_MS)
			deadline_at(e, n, after(now, n->w->shutdown_ms));
		emit(e, ACT_STOP, n, 0, 0);
		return;
	}
	for (int i = 0; i < n->nkids; i++) {
		struct supd_node *k = n->kids[i];
		drop_start(k);
		if (k->state != NS_STOPPED && k->state != NS_FAILED)
			want_stop(k);
	}
	if (n->g->shutdown_ms != NEVER_MS)
		deadline_at(e, n, after(now, n->g->shutdown_ms));
	note(e, n, NOTE_GROUP_STOP, 0);
	mark(n);
}

/*
 * Running n is hung (alive, but not doing its job): stopped as supd
 * stops a child (stop_signal, then SIGKILL after shutdown), with no stop
 * pending, so that its exit is a failure that the restart rules take as
 * any other. A stop or restart asked for meanwhile makes it a stop.
 */
static void
node_hung_stop(struct engine *e, struct supd_node *n, enum node_hung why,
    int64_t now)
{
	n->hung = why;
	note(e, n, NOTE_CHILD_HUNG, why);
	set_stopping(n);
	n->deadline_ns = 0;
	if (!n->w->brutal_kill && n->w->shutdown_ms != NEVER_MS)
		deadline_at(e, n, after(now, n->w->shutdown_ms));
	emit(e, ACT_STOP, n, 0, 0);
	mark(n->parent);
}

/* n reached stopped because supd stopped it. */
static void
node_stopped(struct supd_node *n)
{
	n->state = NS_STOPPED;
	drop_stop(n);
	n->deadline_ns = 0;
	n->ready_ns = 0;
	mark(n->parent);
}

/* --- failures and intensity -------------------------------------------- */

static void
root_gave_up(struct engine *e)
{
	if (e->on_give_up == GIVE_UP_STAY && !e->aborting) {
		e->root->state = NS_FAILED;
		note(e, e->root, NOTE_ROOT_FAILED, 0);
		return;
	}
	note(e, e->root, NOTE_ROOT_GIVE_UP, 0);
	emit(e, ACT_EXIT, NULL, 0, 1);
}

static void
group_give_up(struct engine *e, struct supd_node *g, int64_t now)
{
	note(e, g, NOTE_GROUP_GIVE_UP, 0);
	g->giving_up = true;
	node_stop(e, g, now);
}

/* Marks sibling k for restart by the strategy (not the one that failed). */
static void
sibling_restart(struct supd_node *k, const struct supd_node *failed)
{
	if (k->hold == HOLD_STOPPED)
		return;
	if (is_temporary(k)) {
		/* OTP: a temporary child the strategy stops is not restarted;
		 * one that has not started yet keeps waiting for its start. */
		if (node_alive(k)) {
			set_pending(k, PEND_STOP);
			k->hold = HOLD_DONE;
		}
		return;
	}
	if (node_alive(k))
		want_stop(k);
	k->hold = HOLD_NONE;
	want_start(k, true);
	k->cause = CAUSE_SIBLING;
	k->cause_by = failed;
}

/* The first instance of n's pool, or NULL when n is not an instance. */
static struct supd_node *
pool_first(const struct supd_node *n)
{
	const struct supd_node *g = n->parent;
	int i = n->index;

	if (n->w == NULL || n->w->instances < 2)
		return NULL;
	/* Instances sit side by side, in order: the first is instance
	 * places before (a scan only for a tree laid out otherwise). */
	if (n->instance >= 0 && n->instance <= i &&
	    g->kids[i - n->instance]->w == n->w &&
	    g->kids[i - n->instance]->instance == 0)
		i -= n->instance;
	while (i > 0 && g->kids[i - 1]->w == n->w)
		i--;
	return g->kids[i];
}

struct supd_node *
engine_pool_lead(const struct supd_node *n)
{
	struct supd_node *first = pool_first(n);

	return first != NULL && first->window.max > 0 ? first : NULL;
}

/* [*lo, *hi] grown to hold every instance of lead's pool. */
static void
pool_range(const struct supd_node *lead, int *lo, int *hi)
{
	const struct supd_node *g = lead->parent;
	int last = lead->index;

	while (last + 1 < g->nkids && g->kids[last + 1]->w == lead->w)
		last++;
	*lo = *lo < lead->index ? *lo : lead->index;
	*hi = *hi > last ? *hi : last;
}

/*
 * Plans n's restart after its failure, and its siblings' by its group's
 * strategy (alone: n only, a failure its pool contained). A pool counts
 * as one child of its group: the strategy takes all its instances.
 */
static void
restart_plan(struct engine *e, struct supd_node *n, bool alone, int64_t now)
{
	struct supd_node *g = n->parent, *lead = engine_pool_lead(n);
	int64_t up_ms = n->ready_ns ? (now - n->ready_ns) / NS_PER_MS : 0;
	int64_t delay;
	int lo, hi;

	n->backoff_step = rst_backoff_step(n->backoff_step, up_ms,
	    n->backoff->reset_ms);
	delay = rst_backoff_delay(n->backoff, n->backoff_step, rnd(e));
	n->not_before_ns = after(now, delay);
	set_pending(n, PEND_RESTART);
	n->cause = CAUSE_FAILED;
	n->cause_by = n;
	if (delay > 0) {
		n->state = NS_BACKOFF;
		deadline_at(e, n, n->not_before_ns);
		note(e, n, NOTE_CHILD_BACKOFF, delay);
	}
	if (alone)
		lo = hi = n->index;
	else
		rst_strategy_range(g->g->strategy, n->index, g->nkids, &lo,
		    &hi);
	if (!alone && lead != NULL)
		pool_range(lead, &lo, &hi);
	for (int i = lo; i <= hi; i++)
		if (g->kids[i] != n)
			sibling_restart(g->kids[i], n);
}

/*
 * Whether a worker of g that fails before it is ready, in the tree's
 * first start, aborts it: OTP's failed_to_start_child, which cascades up
 * (so the nearest group that says decides). Never for a tree a new supd
 * took over: it started long ago.
 */
static bool
start_aborts(const struct engine *e, const struct supd_node *g)
{
	if (e->started || e->took_over || e->aborting)
		return false;
	for (; g != NULL; g = g->parent)
		if (g->g->start_failure != START_FAILURE_INHERIT)
			return g->g->start_failure == START_FAILURE_ABORT;
	return false;
}

static void
start_abort(struct engine *e, struct supd_node *n, int64_t now)
{
	note(e, n, NOTE_START_ABORT, 0);
	e->aborting = true;
	group_give_up(e, e->root, now);
}

static void shutdown(struct engine *e, int64_t now);
static void node_ended(struct engine *e, struct supd_node *n, bool normal,
    bool ignored, int64_t now);

/*
 * OTP's simple_one_for_one supervisor, inside the group: an instance's
 * failure counts in its pool's own window (pool_intensity, pool_period;
 * by default its group's) and restarts it alone. True when the pool
 * contained it; false when it was one too many: the pool fails in its
 * group as one child (its window starts over with its restart).
 */
static bool
pool_contains(struct engine *e, struct supd_node *n, int64_t now)
{
	struct supd_node *lead = engine_pool_lead(n);
	const struct cfg_worker *w = n->w;

	if (lead == NULL)
		return false;
	engine_touch(lead);
	if (!rst_window_add(&lead->window, now / NS_PER_MS,
	    cfg_pool_intensity(w), cfg_pool_period_ms(w)))
		return true;
	rst_window_clear(&lead->window);
	note(e, lead, NOTE_POOL_GIVE_UP, 0);
	return false;
}

/* Whether every significant child of g has ended for good. */
static bool
all_significant_done(const struct supd_node *g)
{
	for (int i = 0; i < g->nkids; i++) {
		const struct supd_node *k = g->kids[i];
		/* Stopped by hand or ignored: no process holds it back. */
		if (k->w != NULL && k->w->significant && k->hold == HOLD_NONE)
			return false;
	}
	return true;
}

/*
 * OTP 24's automatic shutdown: significant n ended and is not restarted;
 * its group ends too (any_significant, or all_significant once the last
 * one did), as an orderly stop, then as a normal exit in its parent.
 * Root's end is supd's: an orderly stop, with n's exit status.
 */
static void
significant_ended(struct engine *e, struct supd_node *n, int64_t now)
{
	struct supd_node *g = n->parent;

	if (n->w == NULL || !n->w->significant || g == NULL ||
	    g->g->auto_shutdown == AUTO_SHUTDOWN_NEVER ||
	    g->state == NS_STOPPING || e->shutting_down ||
	    (g->g->auto_shutdown == AUTO_SHUTDOWN_ALL &&
	    !all_significant_done(g)))
		return;
	note(e, n, NOTE_AUTO_SHUTDOWN, 0);
	if (g == e->root) {
		e->exit_code = !n->last.valid ? 1 : n->last.has_code ?
		    n->last.code : 128 + n->last.sig;
		shutdown(e, now);
		return;
	}
	g->auto_ending = true;
	node_stop(e, g, now);
}

/* n ended on its own (or a group gave up): the restart rules apply;
 * ignored: n said ignore, and is kept as it is, not restarted. */
static void
node_ended(struct engine *e, struct supd_node *n, bool normal, bool ignored,
    int64_t now)
{
	struct supd_node *g = n->parent;
	enum cfg_restart type = n->w ? n->w->restart : n->g->restart;
	bool unready = n->state == NS_STARTING && !n->is_group;

	engine_touch(n);
	n->state = NS_STOPPED;
	n->deadline_ns = 0;
	if (g == NULL) { /* root itself gave up */
		root_gave_up(e);
		return;
	}
	mark(g);
	/* Ending while being stopped (or while the group stops) is a stop. */
	if (node_pending_stop(n) || g->state == NS_STOPPING ||
	    g->state == NS_STOPPED || e->shutting_down) {
		drop_stop(n);
		return;
	}
	if (ignored) { /* OTP: the spec is kept, with no process */
		n->hold = n->hold == HOLD_NONE ? HOLD_IGNORED : n->hold;
		n->pending = PEND_NONE;
		return;
	}
	if (unready && start_aborts(e, g)) {
		n->pending = PEND_NONE;
		start_abort(e, n, now);
		return;
	}
	if (!rst_should_restart(type, normal)) {
		if (n->hold == HOLD_NONE)
			n->hold = HOLD_DONE;
		n->pending = PEND_NONE;
		significant_ended(e, n, now);
		return;
	}
	if (pool_contains(e, n, now)) {
		restart_plan(e, n, true, now);
		return;
	}
	engine_touch(g);
	if (rst_window_add(&g->window, now / NS_PER_MS, g->g->intensity,
	    g->g->period_ms)) {
		n->pending = PEND_NONE;
		group_give_up(e, g, now);
		return;
	}
	restart_plan(e, n, false, now);
}

static void
node_failed(struct engine *e, struct supd_node *n, bool normal, int64_t now)
{
	node_ended(e, n, normal, false, now);
}

/* --- a group's step ---------------------------------------------------- */

/* The kid of g with work after (forward) or before i, or -1; a kid in
 * the set with none is taken out on the way. */
static int
work_next(struct supd_node *g, int i, bool forward)
{
	for (;;) {
		i = forward ? kidset_next(g->work, g->nkids, i) :
		    kidset_prev(g->work, i);
		if (i < 0 || has_work(g->kids[i]))
			return i;
		kidset_del(g->work, i);
		i += forward ? 1 : -1;
	}
}

/*
 * Whether k is an instance of a pool: the instances of a pool are alike
 * and independent, so they stop together, as OTP stops
 * simple_one_for_one children; the others stop one at a time, last
 * first.
 */
static bool
is_instance(const struct supd_node *k)
{
	return k->w != NULL && k->w->instances > 1;
}

/* Whether k's stop is under way: a hung child's stop is not one, it is
 * dying of its own, as a child that crashed, and holds nothing back
 * until its exit is a failure. */
static bool
stop_under_way(const struct supd_node *k)
{
	return k->state == NS_STOPPING && (k->hung == HUNG_NOT ||
	    node_pending_stop(k));
}

/* k's stop now; the start it was to make after stays pending. */
static void
stop_one(struct engine *e, struct supd_node *k, int64_t now)
{
	enum node_pending was = k->pending;

	node_stop(e, k, now);
	if (was == PEND_STOP_START || was == PEND_STOP_RESTART)
		set_pending(k, node_pending_make(node_pending_stop(k), true,
		    was == PEND_STOP_RESTART));
}

/*
 * The pending stops of the pool k is an instance of, all at once, however
 * many batches of actions they take; first instance first, the order
 * they were spawned in (but for restarted ones), which is the order the
 * kernel lists supd's children: an exited one near the head of that list
 * is the quicker to reap (reap.c). True while one is in progress.
 */
static bool
pool_stop(struct engine *e, struct supd_node *g, const struct supd_node *k,
    int64_t now)
{
	int lo = k->index, hi = k->index;
	bool under_way = false;

	pool_range(pool_first(k), &lo, &hi);
	for (int i = work_next(g, lo, true); i >= 0 && i <= hi;
	    i = work_next(g, i + 1, true)) {
		struct supd_node *c = g->kids[i];
		if (node_pending_stop(c) && c->state != NS_STOPPING) {
			if (!room(e)) {
				mark(g);
				return true;
			}
			stop_one(e, c, now);
		}
		under_way = under_way || stop_under_way(c);
	}
	return under_way;
}

/*
 * Carries out pending stops, last first, one at a time (a pool's
 * instances together); returns true while one is in progress.
 */
static bool
step_stops(struct engine *e, struct supd_node *g, int64_t now)
{
	for (int i = work_next(g, g->nkids - 1, false); i >= 0;
	    i = work_next(g, i - 1, false)) {
		const struct supd_node *k = g->kids[i];
		if (!stop_under_way(k))
			continue;
		if (is_instance(k))
			pool_stop(e, g, k, now); /* the rest of its pool too */
		return true;
	}
	for (int i = work_next(g, g->nkids - 1, false); i >= 0;
	    i = work_next(g, i - 1, false)) {
		struct supd_node *k = g->kids[i];
		if (!node_pending_stop(k))
			continue;
		if (is_instance(k)) {
			if (pool_stop(e, g, k, now))
				return true;
			continue;
		}
		if (!room(e)) {
			mark(g);
			return true;
		}
		stop_one(e, k, now);
		if (k->state == NS_STOPPING)
			return true;
	}
	return false;
}

/* Carries out pending starts in order; returns true while one waits. */
static bool
step_starts(struct engine *e, struct supd_node *g, bool ordered,
    int64_t now)
{
	bool waiting = false;

	for (int i = work_next(g, 0, true); i >= 0;
	    i = work_next(g, i + 1, true)) {
		struct supd_node *k = g->kids[i];
		if (!node_pending_start(k) || k->state == NS_FAILED)
			continue;
		if (k->state == NS_RUNNING && !node_pending_stop(k)) {
			k->pending = PEND_NONE;
			continue;
		}
		if ((k->state == NS_STOPPED || k->state == NS_BACKOFF) &&
		    !node_pending_stop(k)) {
			if (k->not_before_ns > now) {
				engine_touch(k);
				k->state = NS_BACKOFF;
				deadline_at(e, k, k->not_before_ns);
			} else if (!room(e)) {
				mark(g);
				return true;
			} else {
				node_start(e, k, node_pending_restart(k), now);
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

/*
 * Whether each child of starting g started in this start: it was ready
 * once (OTP's start_child returned ok; it may have died since, which is
 * a restart, not a start that failed), or needs no start. The kids are
 * started in order, so a cursor walks them once per start.
 */
static bool
group_started(struct supd_node *g)
{
	while (g->start_next < g->nkids) {
		const struct supd_node *k = g->kids[g->start_next];
		if (k->ready_gen != g->start_gen && (k->pending != PEND_NONE ||
		    (k->hold == HOLD_NONE && k->state != NS_RUNNING)))
			return false;
		g->start_next++;
	}
	return true;
}

static void
group_stop_done(struct engine *e, struct supd_node *g, int64_t now)
{
	g->deadline_ns = 0;
	g->killed = KILLED_NOT;
	if (g->giving_up) {
		g->giving_up = false;
		node_failed(e, g, false, now);
		return;
	}
	note(e, g, NOTE_GROUP_STOPPED, 0);
	if (g == e->root && e->shutting_down) {
		g->state = NS_STOPPED;
		emit(e, ACT_EXIT, NULL, 0, e->exit_code);
		return;
	}
	if (g->auto_ending) { /* it ended on its own, normally */
		g->auto_ending = false;
		node_stopped(g);
		node_ended(e, g, true, false, now);
		return;
	}
	node_stopped(g);
	if (g == e->root && node_pending_start(g)) { /* supctl restart root */
		g->pending = PEND_NONE;
		node_start(e, g, false, now);
	}
}

static void
group_step(struct engine *e, struct supd_node *g, int64_t now)
{
	bool ordered, stopping;

	if (g->state == NS_STOPPED || g->state == NS_FAILED ||
	    g->state == NS_BACKOFF)
		return;
	ordered = g->g->strategy != STRAT_ONE_FOR_ONE ||
	    g->state == NS_STARTING;
	stopping = step_stops(e, g, now);
	if (g->state == NS_STOPPING) {
		if (!stopping && group_all_stopped(g))
			group_stop_done(e, g, now);
		return;
	}
	if (g->state == NS_STARTING && group_started(g)) {
		node_ready(e, g, now);
		ordered = g->g->strategy != STRAT_ONE_FOR_ONE;
	}
	if (stopping && ordered)
		return;
	step_starts(e, g, ordered, now);
}

/* --- deadlines ---------------------------------------------------------- */

/* SIGKILL to every process under g; false when the batch is full (the
 * rest at the next turn: the killed ones are not killed twice). */
static bool
group_kill_all(struct engine *e, struct supd_node *g)
{
	for (int i = 0; i < g->nkids; i++) {
		struct supd_node *k = g->kids[i];
		if (k->is_group) {
			if (!group_kill_all(e, k))
				return false;
			continue;
		}
		if (!node_alive(k) || (k->state == NS_STOPPING &&
		    k->killed == KILLED_SHUTDOWN))
			continue;
		if (!room(e))
			return false;
		if (k->state != NS_STOPPING) {
			/* Not yet asked: it will not be, now. */
			set_stopping(k);
			drop_stop(k);
		}
		k->killed = KILLED_SHUTDOWN;
		emit(e, ACT_KILL, k, 0, 0);
	}
	return true;
}

static void
deadline_passed(struct engine *e, struct supd_node *n, int64_t now)
{
	n->deadline_ns = 0;
	switch (n->state) {
	case NS_BACKOFF:
		mark(n->parent);
		break;
	case NS_STARTING:
		if (n->is_group)
			break;
		if (n->adopted) {
			note(e, n, NOTE_CHILD_READY_ADOPTED, 0);
			node_ready(e, n, now);
			break;
		}
		n->killed = KILLED_START_TIMEOUT;
		note(e, n, NOTE_CHILD_START_TIMEOUT, 0);
		emit(e, ACT_KILL, n, 0, 0);
		break;
	case NS_STOPPING:
		if (!n->is_group) {
			n->killed = KILLED_SHUTDOWN;
			note(e, n, NOTE_CHILD_KILL, 0);
			emit(e, ACT_KILL, n, 0, 0);
			break;
		}
		if (n->killed != KILLED_SHUTDOWN) {
			n->killed = KILLED_SHUTDOWN;
			note(e, n, NOTE_GROUP_KILL, 0);
		}
		if (!group_kill_all(e, n))
			deadline_at(e, n, now); /* the rest at once, next turn */
		break;
	default:
		break;
	}
}

static void
deadlines_run(struct engine *e, int64_t now)
{
	struct supd_node *n;

	while (room(e) && (n = dlheap_pop_due(&e->dl, now)) != NULL)
		deadline_passed(e, n, now);
}

int64_t
engine_next_deadline(struct engine *e)
{
	return dlheap_next(&e->dl);
}

void
engine_set_deadline(struct engine *e, struct supd_node *n, int64_t at)
{
	deadline_at(e, n, at);
}

/* --- events ------------------------------------------------------------- */

static void
user_stop(struct engine *e, struct supd_node *n, int64_t now)
{
	n->hold = HOLD_STOPPED;
	drop_start(n);
	if (n->state == NS_BACKOFF || node_alive(n))
		want_stop(n);
	mark(n->parent);
	if (n == e->root)
		node_stop(e, n, now);
}

static void
user_start(struct engine *e, struct supd_node *n, int64_t now)
{
	if (n->cause == CAUSE_NONE)
		n->cause = CAUSE_USER_START;
	n->hold = HOLD_NONE;
	if (n == e->root) {
		if (n->state == NS_STOPPED || n->state == NS_FAILED)
			node_start(e, n, false, now);
		else if (n->state == NS_STOPPING && !e->shutting_down)
			want_start(n, false); /* once the stop is done */
		return;
	}
	if (n->state == NS_BACKOFF)
		n->not_before_ns = 0; /* a person asked: now; still a restart */
	else if (n->state == NS_STOPPING)
		want_start(n, false); /* once the stop under way is done */
	else if (node_pending_stop(n))
		drop_stop(n); /* a stop not begun yet: cancelled */
	else if (!node_alive(n))
		want_start(n, false);
	mark(n->parent);
}

static void
user_restart(struct engine *e, struct supd_node *n, int64_t now)
{
	if (n->cause == CAUSE_NONE)
		n->cause = CAUSE_USER_RESTART;
	n->hold = HOLD_NONE;
	n->not_before_ns = 0;
	if (n == e->root) {
		if (node_alive(n)) {
			node_stop(e, n, now);
			want_start(n, false); /* once the stop is done */
		} else {
			node_start(e, n, false, now);
		}
		return;
	}
	if (node_alive(n) || n->state == NS_BACKOFF)
		want_stop(n);
	want_start(n, false);
	mark(n->parent);
}

static void
shutdown(struct engine *e, int64_t now)
{
	struct supd_node *r = e->root;

	if (e->shutting_down) {
		note(e, r, NOTE_SHUTDOWN_AGAIN, 0);
		return;
	}
	e->shutting_down = true;
	note(e, r, NOTE_SHUTDOWN, 0);
	if (r->state == NS_STOPPED || r->state == NS_FAILED)
		emit(e, ACT_EXIT, NULL, 0, e->exit_code);
	else if (r->state == NS_STOPPING) /* giving up already: finish */
		r->giving_up = false;
	else
		node_stop(e, r, now);
}

int
engine_handle(struct engine *e, const struct eng_event *ev, int64_t now)
{
	struct supd_node *n = ev->node;

	if (ev->at != 0)
		now = ev->at;
	e->nout = 0;
	if (n != NULL)
		engine_touch(n);
	switch (ev->type) {
	case EV_START:
		node_start(e, n, false, now);
		break;
	case EV_SPAWNED:
		if (n->state != NS_STARTING || n->is_group)
			break;
		n->started_ns = now;
		if (n->w->ready != READY_NONE &&
		    n->w->start_timeout_ms != NEVER_MS)
			deadline_at(e, n, after(now, n->w->start_timeout_ms));
		break;
	case EV_READY:
		if (n->state == NS_STARTING && !n->is_group)
			node_ready(e, n, now);
		break;
	case EV_EXITED:
		/* Only a worker with a process can lose it. */
		if (n->is_group || !node_alive(n))
			break;
		/* Stopped because hung, and no stop asked for: a failure. */
		if (n->state == NS_STOPPING && (n->hung == HUNG_NOT ||
		    node_pending_stop(n)))
			node_stopped(n);
		else if (n->hung != HUNG_NOT)
			node_ended(e, n, false, false, now);
		else
			node_ended(e, n, ev->normal, ev->ignored, now);
		break;
	case EV_HUNG:
		if (!n->is_group && n->state == NS_RUNNING &&
		    n->hung == HUNG_NOT && ev->hung != HUNG_NOT &&
		    !node_pending_stop(n) && !e->shutting_down)
			node_hung_stop(e, n, ev->hung, now);
		break;
	case EV_SPAWN_FAILED:
		/* No process: stopped already if a stop came in its batch. */
		if (n->is_group)
			break;
		if (n->state == NS_STARTING)
			node_failed(e, n, false, now);
		else if (n->state == NS_STOPPING)
			node_stopped(n);
		break;
	case EV_LOST:
		node_failed(e, n, false, now);
		break;
	case EV_STOP:
		node_stop(e, n, now);
		break;
	case EV_TIMER:
		deadlines_run(e, now);
		break;
	case EV_USER_START:
		user_start(e, n, now);
		break;
	case EV_USER_STOP:
		user_stop(e, n, now);
		break;
	case EV_USER_RESTART:
		user_restart(e, n, now);
		break;
	case EV_SHUTDOWN:
		shutdown(e, now);
		break;
	}
	return e->nout;
}

int
engine_settle(struct engine *e, int64_t now)
{
	bool again = true;

	e->nout = 0;
	/* Deepest groups first: a child group's outcome feeds its parent. */
	while (again && room(e)) {
		again = false;
		for (struct supd_node *g = e->groups; g != NULL && room(e);
		    g = g->next_group) {
			if (g->dirty) {
				g->dirty = false;
				group_step(e, g, now);
				again = true;
			}
		}
	}
	return e->nout;
}

int
engine_init(struct engine *e, struct supd_node **nodes, int nnodes,
    enum cfg_give_up on_give_up, uint64_t rng)
{
	*e = (struct engine){.root = nnodes > 0 ? nodes[0] : NULL,
	    .nodes = nodes, .nnodes = nnodes, .on_give_up = on_give_up,
	    .rng = rng != 0 ? rng : 0x9e3779b97f4a7c15u};
	if ((e->touched = malloc((size_t)(nnodes > 0 ? nnodes : 1) *
	    sizeof(*e->touched))) == NULL)
		return -1;
	for (int i = 0; i < nnodes; i++) {
		nodes[i]->eng = e;
		nodes[i]->touched = false;
	}
	/* Groups deepest first: the reverse of the preorder. */
	for (int i = 0; i < nnodes; i++)
		if (nodes[i]->is_group) {
			nodes[i]->next_group = e->groups;
			e->groups = nodes[i];
			free(nodes[i]->work);
			if ((nodes[i]->work = kidset_new(nodes[i]->nkids)) ==
			    NULL)
				return -1;
		}
	return dlheap_init(&e->dl, nodes, nnodes);
}

void
engine_touch(struct supd_node *n)
{
	struct engine *e = n->eng;

	if (e == NULL || n->touched)
		return;
	n->touched = true;
	e->touched[e->ntouched++] = n; /* room: each node once */
}

struct supd_node *const *
engine_touched(const struct engine *e, int *n)
{
	*n = e->ntouched;
	return e->touched;
}

void
engine_touched_clear(struct engine *e)
{
	for (int i = 0; i < e->ntouched; i++)
		e->touched[i]->touched = false;
	e->ntouched = 0;
}

void
engine_fini(struct engine *e)
{
	free(e->touched);
	e->touched = NULL;
	for (struct supd_node *g = e->groups; g != NULL; g = g->next_group) {
		free(g->work);
		g->work = NULL;
	}
	dlheap_fini(&e->dl);
}
