/*
 * supervisor/recover.c — a new supd reads what the old one committed, and
 * takes over. Runs before anything starts (recover_load) and right after
 * the root's start was planned (recover_apply).
 *
 * Decided here, node by node, in this order:
 *  1. The node left the config: its process, if alive, is a ghost
 *     (ghost.h), stopped with its recorded stop signal and shutdown, in
 *     reverse order, one at a time; its row is deleted.
 *  2. Counters and intentions come back: restarts, backoff step, manual
 *     stops, finished children, pending starts and stops of a plan that
 *     was under way (a restart, a one_for_all), the group's intensity
 *     window, the last exit.
 *  3. A process recorded alive whose pid and /proc start time still match
 *     (a zombie does not) is adopted: watched through a pidfd, counted as
 *     running, not restarted. A spawn caught between its intent and its
 *     pid is found through its record in RUN/spawn.tab, written before
 *     exec. One recorded alive that is gone exited while supd was down:
 *     recover_apply() hands it to the engine as an abnormal exit, so its
 *     group's strategy and intensity apply as if supd had never gone.
 *  4. A worker whose config changed is restarted; a new one just starts.
 * A stop the old supd was making for its shutdown is forgotten: a supd
 * started again runs the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/sig.h"
#include "effects.h"
#include "ghost.h"
#include "persist.h"
#include "recover.h"
#include "spawnfile.h"
#include "supd.h"
#include "tree.h"
#include "watch.h"


struct load {
	struct supd *d;
	bool same_boot;
	bool files_needed; /* spawns newer than the database may exist */
	int64_t max_spawn;  /* the highest spawn id of the rows */
	bool continues;	/* the old supd died: take its tree over as it was */
	struct st_node *rows;	/* owned copies: see rows_copy() */
	int nrows;
};

static enum node_state
state_parse(const char *s)
{
	for (int i = NS_STOPPED; i <= NS_FAILED; i++)
		if (strcmp(s, node_state_name((enum node_state)i)) == 0)
			return (enum node_state)i;
	return NS_STOPPED;
}


/*
 * The live process of a worker's row, if any: the spawn record's when it is
 * as new as the row or newer (the database may not have heard of the last
 * spawn), else the row's own pid if it is still the same process.
 * *newer: the spawn record records a spawn the row does not know; *spawn:
 * the id of the last spawn, the one the process (if any) is.
 */
/*
 * A re-exec: the process is still supd's own child (running, or a zombie
 * not yet reaped, whose pid nobody else can have), so its recorded pid
 * names it without a /proc read.
 */
static bool
own_child(const struct supd *d, pid_t pid)
{
	siginfo_t si;

	if (d->ho.mode == HANDOVER_NONE || pid <= 0)
		return false;
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
	    0;
}

static pid_t
row_live_pid(struct load *l, const struct st_node *r, int64_t *start,
    bool *newer, int64_t *spawn)
{
	int64_t sid = 0;
	pid_t pid = 0;

	*newer = false;
	*spawn = r->spawn_id;
	if (!l->same_boot)
		return 0;
	if (!l->files_needed && own_child(l->d, (pid_t)r->pid)) {
		*start = r->pid_start;
		return (pid_t)r->pid;
	}
	/* The spawn records matter only when some spawn may be missing from
	 * the database (spawn.seq says), or the row has no pid. */
	if (l->files_needed || r->pid <= 0)
		pid = spawnfile_read(l->d, r->name, &sid, start);
	*newer = sid > r->spawn_id;
	if (*newer)
		*spawn = sid; /* the process is that spawn: its id, its words */
	if (sid >= r->spawn_id && pid > 0)
		return pid;
	if (*newer || r->pid <= 0 || !proc_same((pid_t)r->pid,
	    r->pid_start))
		return 0;
	*start = r->pid_start;
	return (pid_t)r->pid;
}

/* A row whose node is not in the config any more. */
static void
row_removed(struct load *l, const struct st_node *r)
{
	int64_t start, spawn;
	bool newer;
	pid_t pid = r->is_group ? 0 : row_live_pid(l, r, &start, &newer,
	    &spawn);

	/* A ghost keeps its row until it is gone (ghost_gone): a supd
	 * killed while it stops must find it again. */
	if (pid > 0 && ghost_add(l->d, r, pid, start))
		return;
	persist_event(l->d, r->name, "removed", 0, NULL, "left the config",
	    l->d->ho.mode == HANDOVER_RELOAD ? "reload" : "config");
	persist_row_drop(l->d, r->name);
}

/* The period of n's window: its group's, or its pool's. */
static int64_t
window_period_ms(const struct supd_node *n)
{
	return n->is_group ? n->g->period_ms : cfg_pool_period_ms(n->w);
}

/*
 * The restarts of g's window (a group's, or a pool's) that still count,
 * before those this recovery counted already (unrecorded_restart: the
 * rows come in no particular order): the ring stays oldest first. True
 * when the window holds such restarts, which its row does not.
 */
static bool
window_restore(struct load *l, struct supd_node *g, const char *text)
{
	int64_t now = clk_mono_ns() / CLK_NS_PER_MS;
	struct rst_window newer = g->window;
	bool counted = newer.n > 0;

	if (g->window.max == 0)
		return false;
	if (!l->continues || text == NULL ||
	    !rst_window_init(&g->window, newer.max - 1)) {
		g->window = newer;
		return counted;
	}
	for (const char *p = text; *p != '\0';) {
		char *end;
		long long t = strtoll(p, &end, 10);
		if (end == p)
			break;
		if (rst_in_period(t, now, window_period_ms(g)))
			rst_window_push(&g->window, t);
		p = *end == ',' ? end + 1 : end;
	}
	for (int i = 0; i < newer.n; i++)
		rst_window_push(&g->window, newer.t[(newer.head + i) %
		    newer.cap]);
	rst_window_fini(&newer);
	return counted;
}

static void
exit_restore(struct supd_node *n, const struct st_node *r)
{
	struct exit_info x = {.valid = true, .has_code = r->exit_has_code,
	    .code = r->exit_code, .sig = r->exit_signal, .at_ms = r->exit_at};

	if (!r->has_exit)
		return;
	snprintf(x.reason, sizeof(x.reason), "%s",
	    r->exit_reason != NULL ? r->exit_reason : "");
	node_exit_set(n, &x);
}

/* Takes over pid as n's process. */
/*
 * A libsup worker publishes its status in its registry as it sends it to
 * supd; the dead supd had it, the new one reads it there. A status means
 * the worker also sent READY=1. False when it has none for this pid.
 */
static bool
sup_status_read(struct supd *d, struct supd_node *n, pid_t pid)
{
	char path[PATH_MAX + 128], why[128], p[24] = "", status[16] = "";
	st_db *db;

	if (n->w->ready != READY_SUP)
		return false;
	rundir_path(d->cfg->run_dir, RUN_WDB, n->name, path, sizeof(path));
	if (st_wpeek(path, &db, why, sizeof(why)) != SUP_OK)
		return false;
	if (st_wmeta_get(db, "pid", p, sizeof(p)) == SUP_OK && atoi(p) == pid)
		st_wmeta_get(db, "status", status, sizeof(status));
	st_close(db);
	snprintf(n->sup_status, sizeof(n->sup_status), "%s", status);
	return status[0] != '\0';
}

static uid_t
worker_uid(const struct supd_node *n)
{
	return n->w->has_user ? n->w->uid : geteuid();
}

static bool
worker_adopt(struct supd *d, struct supd_node *n, pid_t pid, int64_t start,
    bool ready, int64_t spawned_at)
{
	bool own = own_child(d, pid);
	int64_t age_ns;

	/* The start time names one process, but anyone can read it: the
	 * process must also run as the user the worker runs as. One that
	 * does not is left alone (never signalled) and said so. */
	if (own)
		child_keep(d, n, pid, start);
	else if (!proc_has_uid(pid, worker_uid(n))) {
		log_warn("not adopting pid %d recorded for %s: it does not run "
		    "as uid %u; if it is an old %s, stop it by hand", (int)pid,
		    n->name, (unsigned)worker_uid(n), n->name);
		return false;
	} else if (child_adopt(d, n, pid, start) != SUP_OK)
		return false;
	if (sup_status_read(d, n, pid))
		ready = true;
	n->spawned_real_ms = spawned_at ? spawned_at : clk_real_ms();
	/* Its age counts from its spawn, not from its adoption (uptime,
	 * backoff_reset). */
	age_ns = (clk_real_ms() - n->spawned_real_ms) * CLK_NS_PER_MS;
	if (age_ns > 0 && age_ns < clk_mono_ns())
		n->started_ns = clk_mono_ns() - age_ns;
	n->state = ready || n->w->ready == READY_NONE ? NS_RUNNING
						     : NS_STARTING;
	if (n->state == NS_RUNNING)
		n->ready_ns = n->started_ns;
	else if (n->w->start_timeout_ms != INT64_MAX)
		/* Its READY=1 may have gone to the dead supd: engine.c takes
		 * an adopted child still alive at the deadline as ready. */
		engine_set_deadline(&d->eng, n, clk_after(clk_mono_ns(),
		    n->w->start_timeout_ms));
	/* A re-exec keeps every child: one line for the tree (reload.c),
	 * not one per child. */
	if (own)
		log_debug("kept %s (pid %d, %s)", n->name, (int)pid,
		    node_state_name(n->state));
	else
		LOG_EV("child.adopt", log_str("name", n->name),
		    log_num("pid", (int)pid),
		    log_str("state", node_state_name(n->state)));
	d->adopted++;
	return true;
}

/* A failure of worker n, counted where the engine counts one: in its
 * pool's window, else its group's. */
static void
window_count(struct supd_node *n)
{
	struct supd_node *lead = engine_pool_lead(n);
	int64_t now = clk_mono_ns() / CLK_NS_PER_MS;

	if (lead != NULL)
		rst_window_add(&lead->window, now, cfg_pool_intensity(n->w),
		    cfg_pool_period_ms(n->w));
	else if (n->parent != NULL)
		rst_window_add(&n->parent->window, now,
		    n->parent->g->intensity, n->parent->g->period_ms);
}

/*
 * The spawn record knew of a spawn the database did not: the old supd died
 * in the moment between. Unless a person asked for that start, it was a
 * restart, and it counts like one.
 */
static void
unrecorded_restart(struct supd *d, struct supd_node *n,
    const struct st_node *r)
{
	if (r->pending_start && !r->is_restart)
		return;
	n->restarts++;
	/* A restart the row says was planned had its failure counted in the
	 * window when it was planned, and saved with the plan. */
	if (!r->pending_start)
		window_count(n);
	persist_event(d, n->name, "restart", 0, NULL, "not recorded before "
	    "supd died; counted at recovery", "recovery");
}

/*
 * Whether a group above n was being stopped to be started again (a
 * strategy's restart, or supctl restart): the stop n's row records is
 * that restart's, not a shutdown's, and goes on.
 */
static bool
ancestor_restarting(const struct supd_node *n)
{
	for (const struct supd_node *g = n->parent; g != NULL; g = g->parent)
		if (node_pending_stop(g) && node_pending_start(g))
			return true;
	return false;
}

/*
 * A group's plan, as its row says (row_load): a restart under way (its
 * stop, then its counted start) goes on; so does the stop of a group
 * inside one being restarted. A group whose stop goes on is taken as
 * running, for its parent to stop it (its children still run). Groups
 * are done parents first (recover_load), for ancestor_restarting().
 */
static void
group_restore(struct load *l, struct supd_node *g)
{
	bool stop = node_pending_stop(g), start = node_pending_start(g);

	if (!l->continues || g->parent == NULL) {
		g->pending = PEND_NONE;
		return;
	}
	stop = stop && (start || ancestor_restarting(g));
	g->pending = node_pending_make(stop, start, node_pending_restart(g));
}

/* Once the workers are restored: the state the engine starts a group
 * from (its row's was only for them to read). */
static void
group_settle(struct supd_node *g)
{
	g->state = node_pending_stop(g) && node_alive(g) ? NS_RUNNING
							 : NS_STOPPED;
}

/* Whether a group above n was stopping as its row says (a shutdown, a
 * give-up, a restart) or was stopped by hand: what it stops is no hang. */
static bool
ancestor_stopping(const struct supd_node *n)
{
	for (const struct supd_node *g = n->parent; g != NULL; g = g->parent)
		if (g->state == NS_STOPPING || g->hold == HOLD_STOPPED)
			return true;
	return false;
}

static void
worker_restore(struct load *l, struct supd_node *n, const struct st_node *r)
{
	enum node_state was = state_parse(r->state);
	bool was_alive = was == NS_STARTING || was == NS_RUNNING ||
	    was == NS_STOPPING, newer;
	/* Stopping with no stop asked for, its groups running: supd found
	 * it hung (engine.c: node_hung_stop), and its exit is a failure. */
	bool hung = was == NS_STOPPING && !r->pending_stop &&
	    !ancestor_stopping(n);
	int64_t start = 0, spawn;
	pid_t pid = row_live_pid(l, r, &start, &newer, &spawn);

	n->spawn_id = (uint64_t)spawn;
	exit_restore(n, r);
	if (!l->continues) {
		/* After an orderly stop, or a reboot, the tree starts anew:
		 * counts and manual stops stay, plans and finished jobs do
		 * not; nothing can have died "while supd was down". */
		if (pid > 0 && !newer && worker_adopt(l->d, n, pid, start,
		    true, r->spawned_at))
			return;
		n->state = NS_STOPPED;
		return;
	}
	n->backoff_step = (unsigned)r->backoff_step;
	if (r->done && n->hold == HOLD_NONE)
		n->hold = HOLD_DONE;
	/* Only a manual stop, a restart plan, or the stop of a temporary
	 * child a strategy ended for good (done: engine.c, sibling_restart)
	 * goes on; a shutdown does not. */
	n->pending = node_pending_make(r->pending_stop && (r->user_stopped ||
	    r->pending_start || r->done || ancestor_restarting(n)),
	    r->pending_start, r->is_restart);
	if (r->not_before > 0)
		n->not_before_ns = clk_after(0, r->not_before);
	if (newer) {
		unrecorded_restart(l->d, n, r);
		n->pending = PEND_NONE;
		was_alive = true;
		was = NS_RUNNING;
	}
	if (pid > 0 && worker_adopt(l->d, n, pid, start, r->ready && !newer,
	    newer ? 0 : r->spawned_at)) {
		/* A manual stop under way goes on, whatever the config says. */
		if (n->hold != HOLD_STOPPED && (n->reload_restart ||
		    strcmp(r->config_hash ? r->config_hash : "",
		    n->config_hash) != 0)) {
			LOG_EV("config.changed", log_str("name", n->name),
			    log_str("note", "its config changed: "
			    "restarting it"));
			n->cause = n->reload_restart ? CAUSE_RELOAD
						     : CAUSE_CONFIG_CHANGED;
			effects_event(l->d, EV_USER_RESTART, n);
		}
		return;
	}
	n->state = NS_STOPPED;
	/* It was alive, should still run, and nobody was stopping it. */
	if (was_alive && n->hold != HOLD_STOPPED && !node_pending_stop(n) &&
	    (was != NS_STOPPING || hung)) {
		n->lost_while_down = true;
		log_debug("recover: %s lost: row spawn %lld pid %lld, last "
		    "spawn %lld%s", n->name, (long long)r->spawn_id,
		    (long long)r->pid, (long long)spawn,
		    l->files_needed ? " (spawn records read)" : "");
	}
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/*
 * Rows are copied out of the read before anything acts on them: acting
 * writes rows (a flush when the event queue fills), and a table changed
 * under its own SELECT would be read again.
 */
static int
row_copy(void *arg, const struct st_node *r)
{
	struct load *l = arg;
	struct st_node *v = realloc(l->rows, (size_t)(l->nrows + 1) *
	    sizeof(*v)), *c;

	if (v == NULL)
		return 1;
	l->rows = v;
	c = &v[l->nrows++];
	*c = *r;
	if (r->spawn_id > l->max_spawn)
		l->max_spawn = r->spawn_id;
	c->name = dup_or_null(r->name);
	c->parent = dup_or_null(r->parent);
	c->config_hash = dup_or_null(r->config_hash);
	c->state = dup_or_null(r->state);
	c->exit_reason = dup_or_null(r->exit_reason);
	c->window = dup_or_null(r->window);
	if (c->name == NULL || c->state == NULL)
		l->nrows--; /* out of memory: as if the row were not there */
	return 0;
}

static void
rows_free(struct load *l)
{
	for (int i = 0; i < l->nrows; i++) {
		struct st_node *c = &l->rows[i];
		free((char *)c->name);
		free((char *)c->parent);
		free((char *)c->config_hash);
		free((char *)c->state);
		free((char *)c->exit_reason);
		free((char *)c->window);
	}
	free(l->rows);
}

static void
row_load(struct load *l, const struct st_node *r)
{
	struct supd *d = l->d;
	struct supd_node *n = tree_find(d, r->name);
	bool counted;

	if (r->spawn_id > 0 && (uint64_t)r->spawn_id > d->spawn_seq)
		d->spawn_seq = (uint64_t)r->spawn_id;
	if (n == NULL || n->is_group != r->is_group) {
		row_removed(l, r);
		return;
	}
	n->restarts = (unsigned)r->restarts;
	n->hold = r->user_stopped ? HOLD_STOPPED : HOLD_NONE;
	counted = window_restore(l, n, r->window);
	persist_saved_from_row(n, r);
	if (counted) /* restarts this recovery counted: not in the row */
		n->saved.win_n = -1;
	if (!n->is_group) {
		worker_restore(l, n, r);
	} else {
		/* As the row says, until group_restore() decides. */
		n->state = state_parse(r->state);
		n->pending = node_pending_make(r->pending_stop,
		    r->pending_start, r->is_restart);
	}
	if (n->spawn_id > d->spawn_seq) /* from its spawn record */
		d->spawn_seq = n->spawn_id;
	n->restored = true;
}

/*
 * Workers the database says nothing of (it is damaged, was reset, or
 * never heard of their first spawn): their spawn records still name their
 * live processes, so none is started twice. Counts and manual stops are
 * lost with the database.
 */
static void
recover_from_spawn_records(struct supd *d)
{
	int adopted = d->adopted;

	for (int i = 0; i < d->nnodes; i++) {
		struct supd_node *n = d->nodes[i];
		int64_t sid, start;
		pid_t pid;

		if (n->is_group || n->restored)
			continue;
		pid = spawnfile_read(d, n->name, &sid, &start);
		if (pid <= 0 || !worker_adopt(d, n, pid, start, true, 0))
			continue;
		n->spawn_id = (uint64_t)sid;
		if ((uint64_t)sid > d->spawn_seq)
			d->spawn_seq = (uint64_t)sid;
	}
	if (d->adopted > adopted) {
		d->eng.recovering = d->eng.took_over = true;
		LOG_EV("supd.recover", log_num("adopted", d->adopted - adopted),
		    log_str("source", "spawn_records"));
	}
}

void
recover_load(struct supd *d)
{
	struct load l = {.d = d};
	char boot[64] = "", was[64] = "", clean[8] = "";
	int64_t seq;
	sup_err e;

	if (d->cfg->state_off)
		return;
	if (d->db == NULL) {
		recover_from_spawn_records(d);
		return;
	}
	proc_boot_id(boot, sizeof(boot));
	if (st_meta_get(d->db, "boot_id", was, sizeof(was)) != SUP_OK) {
		d->fresh_db = true; /* nothing to recover: a new database */
	}
	l.same_boot = boot[0] != '\0' && strcmp(boot, was) == 0;
	st_meta_get(d->db, "clean_exit", clean, sizeof(clean));
	l.continues = l.same_boot && strcmp(clean, "1") != 0;
	if ((e = st_nodes_each(d->db, row_copy, &l)) != SUP_OK)
		LOG_EV("state.error", log_str("db", d->cfg->state_path),
		    log_str("error", sup_strerror(e)));
	seq = spawnfile_seq(&d->run);
	l.files_needed = seq > l.max_spawn;
	/* Ids are never given twice, not even those of spawns the database
	 * never heard of: a reused id would hide a newer spawn from the
	 * next recovery, which trusts spawn.seq against the rows. */
	if (seq != INT64_MAX && seq > 0 && (uint64_t)seq > d->spawn_seq)
		d->spawn_seq = (uint64_t)seq;
	/* Groups first, their plans settled parents first (the preorder);
	 * then workers, whose pending stops depend on them. */
	for (int i = 0; i < l.nrows; i++)
		if (l.rows[i].is_group)
			row_load(&l, &l.rows[i]);
	for (int i = 0; i < d->nnodes; i++)
		if (d->nodes[i]->is_group && d->nodes[i]->restored)
			group_restore(&l, d->nodes[i]);
	for (int i = 0; i < l.nrows; i++)
		if (!l.rows[i].is_group)
			row_load(&l, &l.rows[i]);
	for (int i = 0; i < d->nnodes; i++)
		if (d->nodes[i]->is_group && d->nodes[i]->restored)
			group_settle(d->nodes[i]);
	rows_free(&l);
	d->eng.recovering = !d->fresh_db;
	d->eng.took_over = l.continues || d->adopted > 0;
	d->recovered = l.continues;
	ghosts_begin(d);
	persist_mark_running(d);
	if (l.continues) {
		char what[64];
		LOG_EV("supd.recover", log_num("adopted", d->adopted),
		    log_num("ghosts", d->nghosts));
		snprintf(what, sizeof(what), "adopted %d children", d->adopted);
		persist_event(d, "supd", "supd.recover", getpid(), NULL, what,
		    "recovery");
	}
	else if (!d->fresh_db)
		LOG_EV("supd.restore",
		    log_str("note", l.same_boot ? "the previous supd "
		    "stopped in order: starting anew, counts and manual stops "
		    "kept" : "the machine rebooted: starting anew, counts and "
		    "manual stops kept"));
	recover_from_spawn_records(d);
}

void
recover_apply(struct supd *d)
{
	for (int i = 0; i < d->nnodes; i++) {
		struct supd_node *n = d->nodes[i];
		const struct supd_node *g;

		if (n->is_group)
			continue;
		/* An adopted child under a group someone stopped: stop it. */
		for (g = n->parent; g && n->pid > 0; g = g->parent)
			if (g->hold == HOLD_STOPPED) {
				effects_event(d, EV_STOP, n);
				break;
			}
		if (!n->lost_while_down)
			continue;
		n->lost_while_down = false;
		struct exit_info x = {.valid = true, .at_ms = clk_real_ms(),
		    .reason = "exited while supd was down"};
		node_exit_set(n, &x);
		LOG_EV("child.exit", log_str("name", n->name),
		    log_str("reason", x.reason));
		persist_event(d, n->name, "exit", 0, &x, NULL, "recovery");
		effects_event(d, EV_LOST, n);
	}
}
