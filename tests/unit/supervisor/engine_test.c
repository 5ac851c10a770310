/*
 * tests/unit/supervisor/engine_test.c — the supervision engine
 * (engine.h) on trees built in memory: no process, no clock, no file.
 *
 * OTP's supervisor.erl is the oracle: restart types against exit kinds,
 * the three strategies with escalation, intensity inside and across the
 * period, a temporary bystander, a child that fails while its group
 * stops; and a table of every (state, event) pair of one worker.
 *
 * A small world stands in for effects.c: it records each action as text
 * ("spawn a", "respawn a" for a restart, "stop a", "kill a", "exit 1")
 * and, when asked, answers as processes would: a spawned worker becomes
 * ready, a stopped or killed one exits.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/engine.h"

TestSuite(supd_engine);

#define MAXN 700
#define MS 1000000LL /* ns */

struct world {
	struct engine e;
	struct supd_node node[MAXN];
	struct supd_node *v[MAXN];
	struct cfg_group grp[16];
	struct cfg_worker wrk[MAXN];
	int n, ng, nw;
	int64_t now;
	bool auto_ready;	/* a spawned worker says it is ready */
	bool auto_exit;		/* a stopped or killed worker exits */
	const char *fail_spawn;	/* this worker's spawns fail */
	struct eng_event q[4 * MAXN];
	int qn;
	char acts[16384];	/* what was done, in order */
	char notes[8192];	/* what was noted */
};

static struct world *W;

static void
setup(void)
{
	W = calloc(1, sizeof(*W));
	W->auto_ready = W->auto_exit = true;
	W->now = 1000 * MS;
}

static void
teardown(void)
{
	for (int i = 0; i < W->n; i++) {
		rst_window_fini(&W->v[i]->window);
		free(W->v[i]->kids);
	}
	engine_fini(&W->e);
	free(W);
}

static struct supd_node *
node_add(const char *name, struct supd_node *parent)
{
	struct supd_node *n = &W->node[W->n];

	n->name = (char *)name;
	n->parent = parent;
	n->order = W->n;
	n->instance = -1;
	n->pidfd = -1;
	if (parent != NULL) {
		parent->kids = realloc(parent->kids, (size_t)(parent->nkids +
		    1) * sizeof(*parent->kids));
		n->index = parent->nkids;
		parent->kids[parent->nkids++] = n;
	}
	W->v[W->n++] = n;
	return n;
}

/* A group (create parents before children: the order is preorder). */
static struct supd_node *
group(const char *name, struct supd_node *parent, enum cfg_strategy s,
    int intensity, int64_t period_ms)
{
	struct cfg_group *g = &W->grp[W->ng++];
	struct supd_node *n = node_add(name, parent);

	g->name = (char *)name;
	g->strategy = s;
	g->intensity = intensity;
	g->period_ms = period_ms;
	g->shutdown_ms = INT64_MAX;
	n->is_group = true;
	n->g = g;
	n->backoff = &g->backoff;
	cr_assert(rst_window_init(&n->window, intensity));
	return n;
}

static struct supd_node *
worker(const char *name, struct supd_node *parent, enum cfg_restart r)
{
	struct cfg_worker *w = &W->wrk[W->nw++];
	struct supd_node *n = node_add(name, parent);

	w->name = (char *)name;
	w->group = (struct cfg_group *)parent->g; /* as a config has it */
	w->restart = r;
	w->ready = READY_NOTIFY;
	w->start_timeout_ms = 10000;
	w->shutdown_ms = 5000;
	w->backoff = (struct cfg_backoff){.first_ms = 0, .max_ms = 0,
	    .reset_ms = 60000};
	n->w = w;
	n->backoff = &w->backoff;
	return n;
}

static struct supd_node *
find(const char *name)
{
	for (int i = 0; i < W->n; i++)
		if (strcmp(W->v[i]->name, name) == 0)
			return W->v[i];
	cr_assert_fail("no node %s", name);
	return NULL;
}

static void
say(char *buf, size_t cap, const char *fmt, const char *name, long long arg)
{
	size_t k = strlen(buf);

	snprintf(buf + k, cap - k, "%s", k ? "; " : "");
	k = strlen(buf);
	snprintf(buf + k, cap - k, fmt, name, arg);
}

static void
push(enum eng_event_type t, struct supd_node *n, bool normal)
{
	cr_assert_lt(W->qn, (int)(sizeof(W->q) / sizeof(W->q[0])));
	W->q[W->qn++] = (struct eng_event){.type = t, .node = n,
	    .normal = normal, .at = W->now,
	    .hung = t == EV_HUNG ? HUNG_WATCHDOG : HUNG_NOT};
}

static const char *const note_names[] = {
	[NOTE_GROUP_START] = "start", [NOTE_GROUP_READY] = "ready",
	[NOTE_GROUP_STOP] = "stop", [NOTE_GROUP_STOPPED] = "stopped",
	[NOTE_GROUP_GIVE_UP] = "give_up", [NOTE_GROUP_KILL] = "kill",
	[NOTE_CHILD_BACKOFF] = "backoff",
	[NOTE_CHILD_START_TIMEOUT] = "start_timeout",
	[NOTE_CHILD_KILL] = "kill", [NOTE_CHILD_READY_ADOPTED] = "adopted",
	[NOTE_ROOT_FAILED] = "failed", [NOTE_ROOT_GIVE_UP] = "give_up",
	[NOTE_SHUTDOWN] = "shutdown", [NOTE_SHUTDOWN_AGAIN] = "shutdown",
	[NOTE_START_ABORT] = "start_abort",
	[NOTE_AUTO_SHUTDOWN] = "auto_shutdown",
	[NOTE_POOL_GIVE_UP] = "pool_give_up",
	[NOTE_CHILD_HUNG] = "hung",
};

/* Carries out (records) n actions; the world's answers are queued. */
static void
act(int n)
{
	for (int i = 0; i < n; i++) {
		const struct eng_action *a = &W->e.out[i];
		const char *name = a->node ? a->node->name : "";
		switch (a->type) {
		case ACT_SPAWN:
			say(W->acts, sizeof(W->acts), a->arg ? "respawn %s" :
			    "spawn %s", name, 0);
			if (W->fail_spawn && !strcmp(W->fail_spawn, name)) {
				push(EV_SPAWN_FAILED, a->node, false);
				break;
			}
			push(EV_SPAWNED, a->node, false);
			if (W->auto_ready || a->node->w->ready == READY_NONE)
				push(EV_READY, a->node, false);
			break;
		case ACT_STOP:
		case ACT_KILL:
			say(W->acts, sizeof(W->acts), a->type == ACT_STOP ?
			    "stop %s" : "kill %s", name, 0);
			if (W->auto_exit)
				push(EV_EXITED, a->node, false);
			break;
		case ACT_NOTE: {
			size_t k = strlen(W->notes);
			snprintf(W->notes + k, sizeof(W->notes) - k, "%s%s %s",
			    k ? "; " : "", note_names[a->note], name);
			break;
		}
		case ACT_EXIT:
			say(W->acts, sizeof(W->acts), "exit %s%lld", "",
			    (long long)a->arg);
			break;
		}
	}
}

/*
 * A group's step visits only the kids in its work set (node.h): one with
 * a pending step or a stop under way that is not in it would wait for
 * good. Checked after each call into the engine.
 */
static void
check_work_sets(void)
{
	for (int i = 0; i < W->n; i++) {
		const struct supd_node *k = W->v[i], *g = k->parent;
		if (g == NULL || (k->pending == PEND_NONE &&
		    k->state != NS_STOPPING))
			continue;
		cr_assert(g->work[k->index / 64] >> (k->index % 64) & 1,
		    "%s (pending %d, state %d) has work, not in %s's set",
		    k->name, (int)k->pending, (int)k->state, g->name);
	}
}

/* Gives ev to the engine, then answers and settles until quiet. */
static void
run(enum eng_event_type t, struct supd_node *n, bool normal)
{
	push(t, n, normal);
	for (int guard = 0; guard < 100000; guard++) {
		if (W->qn > 0) {
			struct eng_event ev = W->q[0];
			memmove(W->q, W->q + 1, (size_t)--W->qn *
			    sizeof(W->q[0]));
			act(engine_handle(&W->e, &ev, W->now));
			check_work_sets();
			continue;
		}
		int k = engine_settle(&W->e, W->now);
		check_work_sets();
		cr_assert_leq(k, ENG_BATCH);
		if (k == 0)
			return;
		act(k);
	}
	cr_assert_fail("the engine never settled");
}

static void
begin(void)
{
	engine_init(&W->e, W->v, W->n, GIVE_UP_EXIT, 42);
	run(EV_START, W->v[0], false);
}

/* Forgets what was recorded so far. */
static void
clear(void)
{
	W->acts[0] = W->notes[0] = '\0';
}

static void
crash(const char *name)
{
	run(EV_EXITED, find(name), false);
}

#define ACTS(want) cr_assert_str_eq(W->acts, want)
/* A worker's config, to change before begin(). */
#define CFG(n) ((struct cfg_worker *)(n)->w)

/* --- starting and stopping in order ------------------------------------ */

Test(supd_engine, a_group_starts_each_child_after_the_previous_is_ready,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 3, 5000);

	worker("a", r, RESTART_PERMANENT);
	worker("b", r, RESTART_PERMANENT);
	W->auto_ready = false;
	engine_init(&W->e, W->v, W->n, GIVE_UP_EXIT, 42);
	run(EV_START, r, false);
	ACTS("spawn a");
	cr_assert_eq(find("b")->state, NS_STOPPED);
	run(EV_READY, find("a"), false);
	ACTS("spawn a; spawn b");
	cr_assert_eq(r->state, NS_STARTING);
	run(EV_READY, find("b"), false);
	cr_assert_eq(r->state, NS_RUNNING);
	cr_assert_str_eq(W->notes, "start root; ready root");
}

Test(supd_engine, a_stop_takes_children_down_last_first_one_at_a_time,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 3, 5000);
	struct supd_node *g = group("g", r, STRAT_ONE_FOR_ONE, 3, 5000);

	worker("a", g, RESTART_PERMANENT);
	worker("b", g, RESTART_PERMANENT);
	worker("c", g, RESTART_PERMANENT);
	begin();
	clear();
	W->auto_exit = false;
	run(EV_USER_STOP, g, false);
	ACTS("stop c");
	crash("c"); /* an exit while stopping is the stop */
	ACTS("stop c; stop b");
	crash("b");
	crash("a");
	ACTS("stop c; stop b; stop a");
	cr_assert_eq(g->state, NS_STOPPED);
	cr_assert_eq(find("c")->restarts, 0);
	cr_assert_eq(g->hold, HOLD_STOPPED);
}

Test(supd_engine, the_ready_none_children_of_a_big_group_all_start_in_batches,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 3, 5000);
	static char names[600][16];

	for (int i = 0; i < 600; i++) {
		snprintf(names[i], sizeof(names[i]), "w%d", i);
		CFG(worker(names[i], r, RESTART_PERMANENT))->ready =
		    READY_NONE;
	}
	W->auto_ready = false;
	begin();
	for (int i = 0; i < 600; i++)
		cr_assert_eq(find(names[i])->state, NS_RUNNING, "%s", names[i]);
	cr_assert(strncmp(W->acts, "spawn w0; spawn w1; spawn w2", 28) == 0);
	cr_assert(strstr(W->acts, "spawn w598; spawn w599") != NULL);
	cr_assert_eq(r->state, NS_RUNNING);
	/* Running, one_for_one: a crash of each restarts each at once. */
	clear();
	for (int i = 0; i < 600; i++)
		push(EV_EXITED, find(names[i]), false);
	W->grp[0].intensity = 1000;
	run(EV_TIMER, NULL, false);
	cr_assert(strstr(W->acts, "respawn w599") != NULL);
	for (int i = 0; i < 600; i++)
		cr_assert_eq(find(names[i])->restarts, 1u);
}

/* --- restart types against exit kinds (OTP's oracle) -------------------- */

struct type_case {
	enum cfg_restart type;
	int exit;	/* 0: normal, 1: abnormal, 2: while supd stops it */
	bool restarted;
};

static const struct type_case type_cases[] = {
	{RESTART_PERMANENT, 0, true},  {RESTART_PERMANENT, 1, true},
	{RESTART_PERMANENT, 2, false}, {RESTART_TRANSIENT, 0, false},
	{RESTART_TRANSIENT, 1, true},  {RESTART_TRANSIENT, 2, false},
	{RESTART_TEMPORARY, 0, false}, {RESTART_TEMPORARY, 1, false},
	{RESTART_TEMPORARY, 2, false},
};

Test(supd_engine, each_restart_type_is_restarted_as_otp_restarts_it,
    .init = setup, .fini = teardown)
{
	static const char *const kinds[] = {"normal", "abnormal", "shutdown"};
	static const char *const types[] = {[RESTART_PERMANENT] = "permanent",
	    [RESTART_TRANSIENT] = "transient",
	    [RESTART_TEMPORARY] = "temporary"};

	for (size_t i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]);
	    i++) {
		const struct type_case *c = &type_cases[i];
		teardown();
		setup();
		struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE,
		    3, 5000);
		struct supd_node *a = worker("a", r, c->type);
		begin();
		clear();
		if (c->exit == 2) {
			W->auto_exit = false;
			run(EV_STOP, a, false);
		}
		run(EV_EXITED, a, c->exit == 0);
		cr_assert_eq(a->restarts, c->restarted ? 1u : 0u,
		    "%s exit of a %s child: restarts %u",
		    kinds[c->exit], types[c->type], a->restarts);
		cr_assert_eq(a->state, c->restarted ? NS_RUNNING : NS_STOPPED,
		    "%s exit of a %s child", kinds[c->exit],
		    types[c->type]);
		cr_assert_eq(r->state, NS_RUNNING);
	}
}

/* --- strategies ---------------------------------------------------------- */

static struct supd_node *
three(enum cfg_strategy s)
{
	struct supd_node *r = group("root", NULL, s, 10, 5000);

	worker("a", r, RESTART_PERMANENT);
	worker("b", r, RESTART_PERMANENT);
	worker("c", r, RESTART_PERMANENT);
	begin();
	clear();
	return r;
}

Test(supd_engine, one_for_one_restarts_the_child_that_failed_alone,
    .init = setup, .fini = teardown)
{
	three(STRAT_ONE_FOR_ONE);
	crash("b");
	ACTS("respawn b");
	cr_assert_eq(find("a")->restarts + find("c")->restarts, 0u);
}

Test(supd_engine, one_for_all_stops_the_others_last_first_then_starts_all,
    .init = setup, .fini = teardown)
{
	three(STRAT_ONE_FOR_ALL);
	crash("b");
	ACTS("stop c; stop a; respawn a; respawn b; respawn c");
	for (int i = 0; i < 3; i++)
		cr_assert_eq(W->v[1 + i]->restarts, 1u);
	cr_assert_eq(W->v[0]->window.n, 1, "one failure, one restart counted");
}

Test(supd_engine, rest_for_one_restarts_the_failed_child_and_those_after,
    .init = setup, .fini = teardown)
{
	three(STRAT_REST_FOR_ONE);
	crash("b");
	ACTS("stop c; respawn b; respawn c");
	cr_assert_eq(find("a")->restarts, 0u);
}

Test(supd_engine, a_temporary_bystander_of_one_for_all_is_stopped_for_good,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ALL, 10, 5000);

	worker("t", r, RESTART_TEMPORARY);
	worker("p", r, RESTART_PERMANENT);
	begin();
	clear();
	crash("p");
	ACTS("stop t; respawn p");
	cr_assert_eq(find("t")->hold, HOLD_DONE);
	cr_assert_eq(find("t")->state, NS_STOPPED);
	cr_assert_eq(r->state, NS_RUNNING);
}

Test(supd_engine, a_child_that_fails_while_its_group_stops_is_not_restarted,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = three(STRAT_ONE_FOR_ONE);

	W->auto_exit = false;
	run(EV_SHUTDOWN, NULL, false);
	ACTS("stop c");
	crash("a"); /* not yet asked: it fails on its own */
	crash("c");
	ACTS("stop c; stop b");
	crash("b");
	ACTS("stop c; stop b; exit 0");
	cr_assert_eq(find("a")->restarts, 0u);
	cr_assert_eq(r->state, NS_STOPPED);
	cr_assert_eq(r->window.n, 0);
}

Test(supd_engine, an_exit_while_its_stop_is_pending_is_that_stop,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = three(STRAT_ONE_FOR_ALL);

	W->auto_exit = false;
	crash("b");
	ACTS("stop c");
	crash("a"); /* to be stopped by the strategy: not a new failure */
	crash("c");
	ACTS("stop c; respawn a; respawn b; respawn c");
	cr_assert_eq(r->window.n, 1);
	cr_assert_eq(find("a")->restarts, 1u);
}

/* --- intensity and escalation -------------------------------------------- */

Test(supd_engine, more_restarts_than_the_intensity_within_the_period_give_up,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 2, 5000);

	worker("a", r, RESTART_PERMANENT);
	begin();
	clear();
	crash("a");
	W->now += 1000 * MS;
	crash("a");
	W->now += 1000 * MS;
	crash("a"); /* the third within 5 s: more than 2 */
	ACTS("respawn a; respawn a; exit 1");
	cr_assert(strstr(W->notes, "give_up root") != NULL);
}

Test(supd_engine, restarts_older_than_the_period_no_longer_count,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 2, 5000);

	worker("a", r, RESTART_PERMANENT);
	begin();
	clear();
	for (int i = 0; i < 10; i++) {
		crash("a");
		W->now += 2600 * MS; /* at most two within any 5 s */
	}
	cr_assert_eq(find("a")->restarts, 10u);
	cr_assert_null(strstr(W->acts, "exit"));
	cr_assert_eq(r->state, NS_RUNNING);
}

Test(supd_engine, a_group_over_its_intensity_fails_in_its_parent,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 5, 5000);
	struct supd_node *g = group("g", r, STRAT_ONE_FOR_ONE, 1, 5000);

	worker("a", g, RESTART_PERMANENT);
	worker("b", g, RESTART_PERMANENT);
	worker("x", r, RESTART_PERMANENT);
	begin();
	clear();
	crash("a");
	crash("a"); /* g gives up: stops b, then fails; root restarts it */
	ACTS("respawn a; stop b; respawn a; respawn b");
	cr_assert_eq(g->restarts, 1u);
	cr_assert_eq(r->window.n, 1, "the escalation counts in root");
	cr_assert_eq(g->window.n, 0, "a group restarted starts fresh");
	cr_assert_eq(find("x")->restarts, 0u);
	cr_assert(strstr(W->notes, "give_up g; stop g") != NULL, "%s",
	    W->notes);
}

Test(supd_engine, a_root_that_gives_up_stays_failed_when_told_to,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 0, 5000);

	worker("a", r, RESTART_PERMANENT);
	engine_init(&W->e, W->v, W->n, GIVE_UP_STAY, 42);
	run(EV_START, r, false);
	clear();
	crash("a");
	cr_assert_eq(r->state, NS_FAILED);
	cr_assert_null(strstr(W->acts, "exit"));
	cr_assert(strstr(W->notes, "failed root") != NULL);
}

/* --- backoff, deadlines ----------------------------------------------- */

Test(supd_engine, a_second_quick_failure_waits_its_backoff,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *a = worker("a", r, RESTART_PERMANENT);

	CFG(a)->backoff = (struct cfg_backoff){.first_ms = 1000,
	    .max_ms = 8000, .reset_ms = 60000};
	begin();
	clear();
	crash("a");
	ACTS("respawn a"); /* the first restart is at once */
	crash("a");
	cr_assert_eq(a->state, NS_BACKOFF);
	cr_assert_geq(a->deadline_ns, W->now + 500 * MS);
	cr_assert_leq(a->deadline_ns, W->now + 1000 * MS);
	cr_assert_eq(engine_next_deadline(&W->e), a->deadline_ns);
	W->now = a->deadline_ns - 1;
	run(EV_TIMER, NULL, false);
	ACTS("respawn a");
	W->now = a->deadline_ns;
	run(EV_TIMER, NULL, false);
	ACTS("respawn a; respawn a");
	cr_assert_eq(a->restarts, 2u);
}

Test(supd_engine, a_worker_not_ready_in_time_is_killed_and_fails,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *a = worker("a", r, RESTART_PERMANENT);

	W->auto_ready = false;
	begin();
	W->now += 10000 * MS;
	run(EV_TIMER, NULL, false);
	ACTS("spawn a; kill a; respawn a");
	cr_assert_eq(a->killed, KILLED_NOT, "reset by the new spawn");
	cr_assert(strstr(W->notes, "start_timeout a") != NULL);
}

Test(supd_engine, a_group_past_its_shutdown_timeout_kills_every_process,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *g = group("g", r, STRAT_ONE_FOR_ONE, 10, 5000);

	W->grp[1].shutdown_ms = 2000;
	CFG(worker("a", g, RESTART_PERMANENT))->shutdown_ms = INT64_MAX;
	CFG(worker("b", g, RESTART_PERMANENT))->shutdown_ms = INT64_MAX;
	begin();
	clear();
	W->auto_exit = false;
	run(EV_USER_STOP, g, false);
	ACTS("stop b");
	W->now += 2000 * MS;
	run(EV_TIMER, NULL, false);
	ACTS("stop b; kill a; kill b");
	crash("a");
	crash("b");
	cr_assert_eq(g->state, NS_STOPPED);
	cr_assert_eq(find("a")->restarts + find("b")->restarts, 0u);
}

/* --- effects that fail come back as events ------------------------------- */

Test(supd_engine, a_start_timeout_counts_from_the_spawn_not_the_batch,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *a = worker("a", r, RESTART_PERMANENT);

	W->auto_ready = false;
	engine_init(&W->e, W->v, W->n, GIVE_UP_EXIT, 42);
	run(EV_START, r, false);
	ACTS("spawn a");
	/* The spawn happened 300 ms into its batch. */
	run(EV_SPAWNED, a, false);
	cr_assert_eq(a->deadline_ns, W->now + 10000 * MS);
	W->q[0] = (struct eng_event){.type = EV_SPAWNED, .node = a,
	    .at = W->now + 300 * MS};
	act(engine_handle(&W->e, &W->q[0], W->now));
	cr_assert_eq(a->deadline_ns, W->now + 10300 * MS);
	cr_assert_eq(a->started_ns, W->now + 300 * MS);
}

/*
 * supctl restart x h, x stopped by a person: one request, two events
 * before one settle. The batch is "spawn x; stop x" (h steps first, then
 * root stops h, then h stops x); the spawn fails, and its event reaches
 * the engine when x is already stopping. x has no process: the failure
 * must end the stop, or h waits for good. (Found in review.)
 */
Test(supd_engine, a_spawn_failure_in_the_batch_that_stops_it_is_not_lost,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *h = group("h", r, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *x;

	worker("y", h, RESTART_PERMANENT);
	x = worker("x", h, RESTART_PERMANENT);
	begin();
	run(EV_USER_STOP, x, false);
	cr_assert_eq(x->state, NS_STOPPED);
	clear();
	W->fail_spawn = "x";
	W->auto_exit = false;
	push(EV_USER_RESTART, x, false);
	run(EV_USER_RESTART, h, false);
	cr_assert(strncmp(W->acts, "spawn x; stop x", 15) == 0, "%s", W->acts);
	cr_assert_eq(x->state, NS_STOPPED, "stopping with no process");
	cr_assert(strstr(W->acts, "stop y") != NULL, "h never stops y: did "
	    "\"%s\"", W->acts);
}

Test(supd_engine, a_spawn_that_fails_is_a_failure_and_holds_an_ordered_start,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 2, 5000);

	worker("a", r, RESTART_PERMANENT);
	worker("b", r, RESTART_PERMANENT);
	W->fail_spawn = "a";
	begin();
	ACTS("spawn a; respawn a; respawn a; exit 1");
	cr_assert_eq(find("b")->restarts, 0u);
	cr_assert_null(strstr(W->acts, "spawn b"));
}

/*
 * on_start_failure = abort (OTP's supervisor_SUITE: sup_start_fail):
 * OTP's supervisor aborts its start when a
 * child fails to start ({shutdown, {failed_to_start_child, Id, _}}, which
 * fails the parent's start in turn): a child that exits, or is not ready
 * in time, before it was ready in the tree's first start stops the tree
 * (last first) and supd exits 1, whatever on_give_up says.
 */
Test(supd_engine, a_child_failing_the_first_start_aborts_it_when_told_to,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *g;

	worker("a", r, RESTART_PERMANENT);
	g = group("g", r, STRAT_ONE_FOR_ONE, 10, 5000);
	worker("b", g, RESTART_TEMPORARY);
	worker("c", r, RESTART_PERMANENT);
	W->grp[0].start_failure = START_FAILURE_ABORT; /* inherited by g */
	W->auto_ready = false;
	engine_init(&W->e, W->v, W->n, GIVE_UP_STAY, 42);
	run(EV_START, r, false);
	run(EV_READY, find("a"), false);
	clear();
	crash("b"); /* exits before it is ready: a failed start */
	cr_assert_str_eq(W->acts, "stop a; exit 1", "notes: %s", W->notes);
	cr_assert(strstr(W->notes, "start_abort b") != NULL, "%s", W->notes);
	cr_assert_null(strstr(W->acts, "spawn c"));
}

Test(supd_engine, a_start_timeout_in_the_first_start_aborts_it_too,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);

	worker("a", r, RESTART_PERMANENT);
	W->grp[0].start_failure = START_FAILURE_ABORT;
	W->auto_ready = false;
	begin();
	W->now += 10000 * MS;
	run(EV_TIMER, NULL, false);
	ACTS("spawn a; kill a; exit 1");
}

/* retry (the default), a group that says retry under an abort, a failure
 * after the first start, and a recovered tree: the restart rules. */
Test(supd_engine, retry_and_later_failures_are_restarted_as_before,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *g = group("g", r, STRAT_ONE_FOR_ONE, 10, 5000);

	worker("a", g, RESTART_PERMANENT);
	worker("b", r, RESTART_PERMANENT);
	W->grp[0].start_failure = START_FAILURE_ABORT;
	W->grp[1].start_failure = START_FAILURE_RETRY;
	W->auto_ready = false;
	begin();
	crash("a");
	ACTS("spawn a; respawn a");
	run(EV_READY, find("a"), false);
	run(EV_READY, find("b"), false);
	clear();
	crash("b"); /* the first start is over */
	ACTS("respawn b");
}

/*
 * ignore (OTP's supervisor_SUITE: sup_start_ignore_child): OTP's init
 * returning ignore keeps the child spec with no
 * process (supervisor.erl: {ok, undefined}); the start goes on to the
 * next child, nothing is restarted or counted, and a start of the group
 * (here one_for_all after a sibling's failure) runs it again.
 */
Test(supd_engine, an_ignored_child_is_kept_and_the_start_goes_on,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ALL, 1, 5000);
	struct supd_node *a = worker("a", r, RESTART_PERMANENT);

	worker("b", r, RESTART_PERMANENT);
	W->auto_ready = false;
	begin();
	W->q[W->qn++] = (struct eng_event){.type = EV_EXITED, .node = a,
	    .ignored = true, .at = W->now};
	run(EV_TIMER, NULL, false);
	cr_assert_eq(a->hold, HOLD_IGNORED);
	cr_assert_eq(a->state, NS_STOPPED);
	run(EV_READY, find("b"), false);
	ACTS("spawn a; spawn b");
	cr_assert_eq(r->state, NS_RUNNING, "ready without a");
	cr_assert_eq(a->restarts, 0u);
	cr_assert_eq(r->window.n, 0, "nothing counted");
	clear();
	crash("b"); /* one_for_all: the group starts again, a with it */
	ACTS("respawn a");
	cr_assert_eq(a->hold, HOLD_NONE);
}

/*
 * OTP 24's automatic shutdown (supervisor(3), auto_shutdown and
 * significant children): a significant child that ends for good ends its
 * group (any_significant), or the last one does (all_significant); the
 * group stops its other children, last first, and ends normally in its
 * parent, which does not restart it (transient). At root, supd stops the
 * tree and exits with the child's status.
 */
static struct supd_node *
significant(const char *name, struct supd_node *g, enum cfg_restart r)
{
	struct supd_node *n = worker(name, g, r);

	CFG(n)->significant = true;
	return n;
}

static void
ends_with(const char *name, int code)
{
	struct supd_node *n = find(name);

	n->last = (struct node_exit){.valid = true, .has_code = true,
	    .code = code};
	run(EV_EXITED, n, code == 0);
}

Test(supd_engine, any_significant_child_ends_its_group,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *g = group("job", r, STRAT_ONE_FOR_ONE, 10, 5000);

	worker("helper", g, RESTART_PERMANENT);
	significant("main", g, RESTART_TRANSIENT);
	worker("other", r, RESTART_PERMANENT);
	W->grp[1].auto_shutdown = AUTO_SHUTDOWN_ANY;
	W->grp[1].restart = RESTART_TRANSIENT;
	begin();
	clear();
	ends_with("main", 0);
	ACTS("stop helper");
	cr_assert(strstr(W->notes, "auto_shutdown main") != NULL, "%s",
	    W->notes);
	cr_assert_eq(g->state, NS_STOPPED);
	cr_assert_eq(g->hold, HOLD_DONE, "ended normally: not restarted");
	cr_assert_eq(r->state, NS_RUNNING);
	cr_assert_eq(r->window.n, 0);
}

Test(supd_engine, all_significant_waits_for_the_last_one,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *g = group("job", r, STRAT_ONE_FOR_ONE, 10, 5000);

	significant("a", g, RESTART_TEMPORARY);
	significant("b", g, RESTART_TEMPORARY);
	worker("c", g, RESTART_PERMANENT);
	W->grp[1].auto_shutdown = AUTO_SHUTDOWN_ALL;
	W->grp[1].restart = RESTART_TEMPORARY;
	begin();
	clear();
	ends_with("a", 1);
	ACTS("");
	cr_assert_eq(g->state, NS_RUNNING);
	ends_with("b", 0);
	ACTS("stop c");
	cr_assert_eq(g->state, NS_STOPPED);
}

/* A significant child stopped by hand holds nothing back: it has no
 * process, as in OTP. */
Test(supd_engine, all_significant_counts_one_stopped_by_hand_as_ended,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *g = group("job", r, STRAT_ONE_FOR_ONE, 10, 5000);

	significant("a", g, RESTART_TEMPORARY);
	significant("b", g, RESTART_TEMPORARY);
	W->grp[1].auto_shutdown = AUTO_SHUTDOWN_ALL;
	W->grp[1].restart = RESTART_TEMPORARY;
	begin();
	run(EV_USER_STOP, find("a"), false);
	ends_with("b", 0);
	cr_assert_eq(g->state, NS_STOPPED);
}

Test(supd_engine, a_significant_child_of_root_ends_supd_with_its_status,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);

	worker("db", r, RESTART_PERMANENT);
	significant("job", r, RESTART_TEMPORARY);
	W->grp[0].auto_shutdown = AUTO_SHUTDOWN_ANY;
	begin();
	clear();
	ends_with("job", 3);
	ACTS("stop db; exit 3");
}

/* A pool's instances stop together, as OTP stops simple_one_for_one
 * children (supervisor_SUITE: simple_one_for_one_shutdown), first
 * instance first (the order they were spawned in: the kernel's, which
 * reaps them the quicker); the rest of the group stops one at a time,
 * last first. */
Test(supd_engine, a_pools_instances_stop_together,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *p[3];

	worker("a", r, RESTART_PERMANENT);
	p[0] = worker("p.0", r, RESTART_PERMANENT);
	p[1] = worker("p.1", r, RESTART_PERMANENT);
	p[2] = worker("p.2", r, RESTART_PERMANENT);
	for (int i = 1; i < 3; i++) /* instances share their config */
		p[i]->w = p[0]->w;
	CFG(p[0])->instances = 3;
	worker("z", r, RESTART_PERMANENT);
	begin();
	clear();
	W->auto_exit = false;
	run(EV_SHUTDOWN, NULL, false);
	ACTS("stop z");
	run(EV_EXITED, find("z"), false);
	ACTS("stop z; stop p.0; stop p.1; stop p.2");
	for (int i = 0; i < 3; i++)
		run(EV_EXITED, p[i], false);
	ACTS("stop z; stop p.0; stop p.1; stop p.2; stop a");
}

/* A pool of n instances p.0..p.n-1 of one config, with its window (as
 * tree.c builds it); intensity -1: its group's. */
static void
pool(struct supd_node *g, int n, int intensity)
{
	static const char *const names[] = {"p.0", "p.1", "p.2", "p.3"};
	struct supd_node *p[4];

	for (int i = 0; i < n; i++) {
		p[i] = worker(names[i], g, RESTART_PERMANENT);
		p[i]->w = p[0]->w;
	}
	CFG(p[0])->instances = n;
	CFG(p[0])->pool_intensity = intensity;
	cr_assert(rst_window_init(&p[0]->window, intensity >= 0 ? intensity :
	    g->g->intensity));
}

/*
 * A pool is OTP's simple_one_for_one supervisor inside its group
 * (supervisor_SUITE: simple_one_for_one, simple_one_for_one_escalation):
 * an
 * instance's failure restarts it alone, whatever the group's strategy,
 * and counts in the pool's own window, not the group's.
 */
Test(supd_engine, a_pool_contains_an_instances_failure,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ALL, 10, 5000);

	worker("a", r, RESTART_PERMANENT);
	pool(r, 3, -1);
	begin();
	clear();
	crash("p.1");
	ACTS("respawn p.1");
	cr_assert_eq(r->window.n, 0, "the group counted nothing");
	cr_assert_eq(find("p.0")->window.n, 1, "the pool did");
}

/* One failure too many for the pool: it fails in its group as one child
 * (the group counts one), and every instance restarts with it. */
Test(supd_engine, a_pool_over_its_intensity_fails_in_its_group,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);

	worker("a", r, RESTART_PERMANENT);
	pool(r, 3, 1);
	begin();
	crash("p.1");
	clear();
	crash("p.1");
	ACTS("stop p.0; stop p.2; respawn p.1; respawn p.0; respawn p.2");
	cr_assert(strstr(W->notes, "pool_give_up p.0") != NULL, "%s",
	    W->notes);
	cr_assert_eq(r->window.n, 1);
	cr_assert_null(strstr(W->acts, " a"), "a is not in the pool");
}

/* Under one_for_all, the pool failing is one child failing: all. */
Test(supd_engine, a_failed_pool_under_one_for_all_restarts_the_group,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ALL, 10, 5000);

	worker("a", r, RESTART_PERMANENT);
	pool(r, 2, 0);
	begin();
	clear();
	crash("p.0");
	ACTS("stop p.1; stop a; respawn a; respawn p.0; respawn p.1");
}

/* --- user requests -------------------------------------------------------- */

Test(supd_engine, a_user_stop_holds_and_a_user_start_releases,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = three(STRAT_ONE_FOR_ALL);
	struct supd_node *b = find("b");

	run(EV_USER_STOP, b, false);
	ACTS("stop b");
	crash("a"); /* one_for_all: b stays stopped */
	cr_assert_eq(b->state, NS_STOPPED);
	cr_assert_null(strstr(W->acts, "spawn b"));
	run(EV_USER_START, b, false);
	cr_assert_eq(b->state, NS_RUNNING);
	cr_assert_eq(b->hold, HOLD_NONE);
	cr_assert_eq(r->state, NS_RUNNING);
}

Test(supd_engine, a_user_restart_is_a_stop_and_a_start_not_a_failure,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = three(STRAT_ONE_FOR_ALL);

	run(EV_USER_RESTART, find("b"), false);
	ACTS("stop b; spawn b");
	cr_assert_eq(find("b")->restarts, 0u);
	cr_assert_eq(r->window.n, 0);
}

Test(supd_engine, a_user_start_of_a_child_in_backoff_starts_it_now,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *a = worker("a", r, RESTART_PERMANENT);

	CFG(a)->backoff = (struct cfg_backoff){.first_ms = 60000,
	    .max_ms = 60000, .reset_ms = 60000};
	begin();
	crash("a");
	crash("a");
	cr_assert_eq(a->state, NS_BACKOFF);
	clear();
	run(EV_USER_START, a, false);
	ACTS("respawn a"); /* now, and still counted as the restart */
	cr_assert_eq(a->restarts, 2u);
}

Test(supd_engine, a_shutdown_stops_the_tree_in_reverse_and_exits,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *g = group("g", r, STRAT_ONE_FOR_ONE, 10, 5000);

	worker("a", g, RESTART_PERMANENT);
	worker("b", g, RESTART_PERMANENT);
	worker("c", r, RESTART_PERMANENT);
	begin();
	clear();
	run(EV_SHUTDOWN, NULL, false);
	ACTS("stop c; stop b; stop a; exit 0");
	cr_assert_eq(r->state, NS_STOPPED);
	run(EV_SHUTDOWN, NULL, false); /* a second one is only noted */
	ACTS("stop c; stop b; stop a; exit 0");
}

/* --- every (state, event) pair of one worker -------------------------- */

enum setup_state { AT_STOPPED, AT_STARTING, AT_RUNNING, AT_BACKOFF,
	AT_STOPPING };

static const char *const at_names[] = {"stopped (by supctl)", "starting",
	"running", "backoff", "stopping"};

/* Brings worker a (in a running one_for_one root, with sibling s) to st,
 * with no automatic answers from then on. */
static struct supd_node *
bring(enum setup_state st)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 100,
	    5000);
	struct supd_node *a = worker("a", r, RESTART_PERMANENT);

	worker("s", r, RESTART_PERMANENT);
	CFG(a)->backoff = (struct cfg_backoff){.first_ms = 1000,
	    .max_ms = 1000, .reset_ms = 60000};
	begin();
	switch (st) {
	case AT_STOPPED:
		run(EV_USER_STOP, a, false);
		break;
	case AT_STARTING:
		W->auto_ready = false;
		run(EV_USER_RESTART, a, false);
		break;
	case AT_RUNNING:
		break;
	case AT_BACKOFF:
		crash("a");
		crash("a");
		break;
	case AT_STOPPING:
		W->auto_exit = false;
		run(EV_STOP, a, false);
		break;
	}
	W->auto_ready = W->auto_exit = false;
	clear();
	return a;
}

struct pair_case {
	enum setup_state at;
	enum eng_event_type ev;
	bool normal;
	bool late;		/* the event comes after every deadline */
	enum node_state then;
	const char *acts;
};

#define P(at, ev, then, acts) {at, ev, false, false, then, acts}
#define PN(at, ev, then, acts) {at, ev, true, false, then, acts}
#define PL(at, ev, then, acts) {at, ev, false, true, then, acts}

static const struct pair_case pairs[] = {
	P(AT_STOPPED, EV_SPAWNED, NS_STOPPED, ""),
	P(AT_STOPPED, EV_READY, NS_STOPPED, ""),
	P(AT_STOPPED, EV_EXITED, NS_STOPPED, ""),
	P(AT_STOPPED, EV_SPAWN_FAILED, NS_STOPPED, ""),
	P(AT_STOPPED, EV_STOP, NS_STOPPED, ""),
	PL(AT_STOPPED, EV_TIMER, NS_STOPPED, ""),
	P(AT_STOPPED, EV_USER_START, NS_STARTING, "spawn a"),
	P(AT_STOPPED, EV_USER_STOP, NS_STOPPED, ""),
	P(AT_STOPPED, EV_USER_RESTART, NS_STARTING, "spawn a"),
	P(AT_STOPPED, EV_SHUTDOWN, NS_STOPPED, "stop s"),
	P(AT_STOPPED, EV_HUNG, NS_STOPPED, ""),

	P(AT_STARTING, EV_SPAWNED, NS_STARTING, ""),
	P(AT_STARTING, EV_READY, NS_RUNNING, ""),
	P(AT_STARTING, EV_EXITED, NS_STARTING, "respawn a"),
	PN(AT_STARTING, EV_EXITED, NS_STARTING, "respawn a"),
	P(AT_STARTING, EV_SPAWN_FAILED, NS_STARTING, "respawn a"),
	P(AT_STARTING, EV_STOP, NS_STOPPING, "stop a"),
	PL(AT_STARTING, EV_TIMER, NS_STARTING, "kill a"),
	P(AT_STARTING, EV_USER_START, NS_STARTING, ""),
	P(AT_STARTING, EV_USER_STOP, NS_STOPPING, "stop a"),
	P(AT_STARTING, EV_USER_RESTART, NS_STOPPING, "stop a"),
	P(AT_STARTING, EV_SHUTDOWN, NS_STARTING, "stop s"),
	/* Not ready yet: start_timeout watches it, not the watchdog. */
	P(AT_STARTING, EV_HUNG, NS_STARTING, ""),

	P(AT_RUNNING, EV_SPAWNED, NS_RUNNING, ""),
	P(AT_RUNNING, EV_READY, NS_RUNNING, ""),
	P(AT_RUNNING, EV_EXITED, NS_STARTING, "respawn a"),
	PN(AT_RUNNING, EV_EXITED, NS_STARTING, "respawn a"),
	P(AT_RUNNING, EV_SPAWN_FAILED, NS_RUNNING, ""),
	P(AT_RUNNING, EV_STOP, NS_STOPPING, "stop a"),
	PL(AT_RUNNING, EV_TIMER, NS_RUNNING, ""),
	P(AT_RUNNING, EV_USER_START, NS_RUNNING, ""),
	P(AT_RUNNING, EV_USER_STOP, NS_STOPPING, "stop a"),
	P(AT_RUNNING, EV_USER_RESTART, NS_STOPPING, "stop a"),
	P(AT_RUNNING, EV_SHUTDOWN, NS_RUNNING, "stop s"),
	P(AT_RUNNING, EV_HUNG, NS_STOPPING, "stop a"),

	P(AT_BACKOFF, EV_SPAWNED, NS_BACKOFF, ""),
	P(AT_BACKOFF, EV_READY, NS_BACKOFF, ""),
	P(AT_BACKOFF, EV_EXITED, NS_BACKOFF, ""),
	P(AT_BACKOFF, EV_SPAWN_FAILED, NS_BACKOFF, ""),
	P(AT_BACKOFF, EV_STOP, NS_STOPPED, ""),
	PL(AT_BACKOFF, EV_TIMER, NS_STARTING, "respawn a"),
	P(AT_BACKOFF, EV_USER_START, NS_STARTING, "respawn a"),
	P(AT_BACKOFF, EV_USER_STOP, NS_STOPPED, ""),
	P(AT_BACKOFF, EV_USER_RESTART, NS_STARTING, "spawn a"),
	P(AT_BACKOFF, EV_SHUTDOWN, NS_BACKOFF, "stop s"),
	P(AT_BACKOFF, EV_HUNG, NS_BACKOFF, ""),

	P(AT_STOPPING, EV_SPAWNED, NS_STOPPING, ""),
	P(AT_STOPPING, EV_READY, NS_STOPPING, ""),
	P(AT_STOPPING, EV_EXITED, NS_STOPPED, ""),
	/* A spawn failed in the batch that also stopped it: no process,
	 * so stopped (nothing else could end the stop). */
	P(AT_STOPPING, EV_SPAWN_FAILED, NS_STOPPED, ""),
	P(AT_STOPPING, EV_STOP, NS_STOPPING, ""),
	PL(AT_STOPPING, EV_TIMER, NS_STOPPING, "kill a"),
	P(AT_STOPPING, EV_USER_START, NS_STOPPING, ""),
	P(AT_STOPPING, EV_USER_STOP, NS_STOPPING, ""),
	P(AT_STOPPING, EV_USER_RESTART, NS_STOPPING, ""),
	/* The stop under way goes first: s waits for it. */
	P(AT_STOPPING, EV_SHUTDOWN, NS_STOPPING, ""),
	P(AT_STOPPING, EV_HUNG, NS_STOPPING, ""),
};

static const char *
state_name(enum node_state st)
{
	static const char *const v[] = {"stopped", "starting", "running",
	    "backoff", "stopping", "failed"};
	return v[st];
}

static const char *const ev_names[] = {
	[EV_START] = "start", [EV_SPAWNED] = "spawned", [EV_READY] = "ready",
	[EV_EXITED] = "exited",
	[EV_SPAWN_FAILED] = "spawn_failed", [EV_LOST] = "lost",
	[EV_STOP] = "stop", [EV_TIMER] = "timer",
	[EV_USER_START] = "user start", [EV_USER_STOP] = "user stop",
	[EV_USER_RESTART] = "user restart", [EV_SHUTDOWN] = "shutdown",
	[EV_HUNG] = "hung",
};

Test(supd_engine, every_state_of_a_worker_answers_every_event,
    .init = setup, .fini = teardown)
{
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct pair_case *c = &pairs[i];
		teardown();
		setup();
		struct supd_node *a = bring(c->at);
		cr_assert_eq(a->state, c->at == AT_STOPPED ? NS_STOPPED :
		    c->at == AT_STARTING ? NS_STARTING : c->at == AT_RUNNING ?
		    NS_RUNNING : c->at == AT_BACKOFF ? NS_BACKOFF :
		    NS_STOPPING, "setup %s", at_names[c->at]);
		if (c->late)
			W->now += 3600000 * MS;
		run(c->ev, c->ev == EV_TIMER || c->ev == EV_SHUTDOWN ? NULL :
		    a, c->normal);
		cr_assert_eq(a->state, c->then, "%s + %s%s: state %s",
		    at_names[c->at], c->normal ? "normal " : "",
		    ev_names[c->ev], state_name(a->state));
		cr_assert_str_eq(W->acts, c->acts, "%s + %s%s: did \"%s\"",
		    at_names[c->at], c->normal ? "normal " : "",
		    ev_names[c->ev], W->acts);
	}
}

Test(supd_engine, a_worker_lost_while_supd_was_down_fails_once,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *a = worker("a", r, RESTART_PERMANENT);
	struct supd_node *b = worker("b", r, RESTART_PERMANENT);

	/* As recovery leaves them: b adopted and running, a found gone. */
	b->state = NS_RUNNING;
	engine_init(&W->e, W->v, W->n, GIVE_UP_EXIT, 42);
	W->e.recovering = true;
	push(EV_START, r, false);
	run(EV_LOST, a, false);
	ACTS("respawn a");
	cr_assert_eq(a->restarts, 1u);
	cr_assert_eq(b->restarts, 0u);
	cr_assert_eq(r->window.n, 1);
	cr_assert_eq(r->state, NS_RUNNING);
	cr_assert_not(W->e.recovering, "over once root is ready");
	cr_assert_str_eq(W->notes, "start root; ready root");
}

Test(supd_engine, a_recovered_group_keeps_its_window_a_restarted_one_clears,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *g = group("g", r, STRAT_ONE_FOR_ONE, 2, 5000);

	worker("a", g, RESTART_PERMANENT);
	engine_init(&W->e, W->v, W->n, GIVE_UP_EXIT, 42);
	W->e.recovering = true;
	rst_window_add(&g->window, W->now / MS, 2, 5000); /* from the db */
	rst_window_add(&g->window, W->now / MS, 2, 5000);
	run(EV_START, r, false);
	ACTS("spawn a");
	clear();
	crash("a"); /* the third within the period: g gives up */
	ACTS("respawn a");
	cr_assert(strstr(W->notes, "give_up g") != NULL, "%s", W->notes);
	cr_assert_eq(g->restarts, 1u);
	cr_assert_eq(g->window.n, 0);
}

/* --- hung is not alive (watchdog, health probe) ------------------------- */

/* A running worker a (in a one_for_one root with sibling s), hung. */
static struct supd_node *
hung_worker(enum cfg_restart type)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *a = worker("a", r, type);

	worker("s", r, RESTART_PERMANENT);
	begin();
	clear();
	W->auto_exit = false;
	run(EV_HUNG, a, false);
	return a;
}

Test(supd_engine, a_hung_worker_is_stopped_and_its_exit_is_a_failure,
    .init = setup, .fini = teardown)
{
	struct supd_node *a = hung_worker(RESTART_PERMANENT);

	ACTS("stop a");
	cr_assert_str_eq(W->notes, "hung a");
	cr_assert_eq(a->state, NS_STOPPING);
	cr_assert_eq(a->hung, HUNG_WATCHDOG);
	cr_assert_neq(a->deadline_ns, 0, "SIGKILL after its shutdown");
	/* It took its stop_signal well: exit 0, still a failure. */
	run(EV_EXITED, a, true);
	ACTS("stop a; respawn a");
	cr_assert_eq(a->restarts, 1u);
	cr_assert_eq(W->v[0]->window.n, 1, "it counts in the intensity");
	cr_assert_eq(find("s")->restarts, 0u);
	cr_assert_eq(a->hung, HUNG_NOT, "the new process is not hung");
}

Test(supd_engine, a_hung_transient_worker_that_exits_0_is_restarted,
    .init = setup, .fini = teardown)
{
	struct supd_node *a = hung_worker(RESTART_TRANSIENT);

	run(EV_EXITED, a, true);
	ACTS("stop a; respawn a");
	cr_assert_eq(a->restarts, 1u);
}

Test(supd_engine, a_hung_worker_deaf_to_its_stop_signal_is_killed,
    .init = setup, .fini = teardown)
{
	struct supd_node *a = hung_worker(RESTART_PERMANENT);

	W->now += 3600000 * MS;
	run(EV_TIMER, NULL, false);
	ACTS("stop a; kill a");
	cr_assert_eq(a->hung, HUNG_WATCHDOG, "its exit says why it went");
	run(EV_EXITED, a, false);
	ACTS("stop a; kill a; respawn a");
	cr_assert_eq(a->restarts, 1u);
}

Test(supd_engine, a_stop_asked_for_while_hung_is_a_stop,
    .init = setup, .fini = teardown)
{
	struct supd_node *a = hung_worker(RESTART_PERMANENT);

	run(EV_USER_STOP, a, false);
	run(EV_EXITED, a, false);
	cr_assert_eq(a->state, NS_STOPPED);
	cr_assert_eq(a->restarts, 0u);
	cr_assert_eq(W->v[0]->window.n, 0);
}

Test(supd_engine, a_hung_worker_is_not_stopped_twice,
    .init = setup, .fini = teardown)
{
	struct supd_node *a = hung_worker(RESTART_PERMANENT);

	run(EV_HUNG, a, false);
	ACTS("stop a");
	run(EV_SHUTDOWN, NULL, false);
	run(EV_EXITED, a, false);
	cr_assert_eq(a->restarts, 0u, "exits during a shutdown are stops");
}

/*
 * OTP's start_child returning ok is the start: a child hung (or dead) in
 * the moment after its READY=1, in its group's first start, has started.
 * The start goes on to the next child and the group is ready; the hung
 * one is stopped and restarted by the rules, as later in its life.
 */
Test(supd_engine, a_child_hung_right_after_its_ready_has_started,
    .init = setup, .fini = teardown)
{
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *a = worker("a", r, RESTART_PERMANENT);
	struct supd_node *s = worker("s", r, RESTART_PERMANENT);

	W->auto_ready = W->auto_exit = false;
	engine_init(&W->e, W->v, W->n, GIVE_UP_EXIT, 42);
	run(EV_START, r, false);
	push(EV_READY, a, false); /* read in one batch with its hang */
	run(EV_HUNG, a, false);
	ACTS("spawn a; stop a; spawn s");
	run(EV_READY, s, false);
	cr_assert_eq(r->state, NS_RUNNING, "notes: %s", W->notes);
	cr_assert(W->e.started);
	run(EV_EXITED, a, false);
	ACTS("spawn a; stop a; spawn s; respawn a");
	cr_assert_eq(a->restarts, 1u);
	cr_assert_eq(s->restarts, 0u);
}

/* A pool bigger than a batch of actions (ENG_BATCH) stops all at once
 * still: the next batch goes on at the next settle, it does not wait for
 * the first one's exits. */
Test(supd_engine, a_pool_bigger_than_a_batch_stops_all_at_once,
    .init = setup, .fini = teardown)
{
	enum { N = ENG_BATCH + 44 };
	static char names[N][16];
	struct supd_node *r = group("root", NULL, STRAT_ONE_FOR_ONE, 10, 5000);
	struct supd_node *p0 = NULL;
	int stops = 0;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "p.%d", i);
		struct supd_node *p = worker(names[i], r, RESTART_PERMANENT);
		p->instance = i;
		if (i == 0)
			p0 = p;
		p->w = p0->w;
	}
	CFG(p0)->instances = N;
	begin();
	clear();
	W->auto_exit = false;
	run(EV_SHUTDOWN, NULL, false);
	for (const char *a = W->acts; (a = strstr(a, "stop p.")) != NULL; a++)
		stops++;
	cr_assert_eq(stops, N, "%d of %d stopped before any exit", stops, N);
	cr_assert(strncmp(W->acts, "stop p.0; stop p.1;", 19) == 0, "%.60s",
	    W->acts);
}
