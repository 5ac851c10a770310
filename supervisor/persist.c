/*
 * supervisor/persist.c — what supd writes to its database, and when.
 *
 * Nodes are not written when they change but compared: each node keeps a
 * snapshot of what was last committed, and persist_flush() writes the rows
 * whose snapshot differs, with the queued history events, in one
 * transaction. The loop flushes once per batch of events, so a storm of
 * exits costs one commit, not one per transition.
 *
 * No commit sits between an exit and the fork that replaces the child: a
 * spawn's intent is its spawn record (spawnfile.h), written before the
 * fork; the database learns of the spawn in the batch right after, and a
 * supd killed in between is told by the spawn record (recover.c).
 *
 * When the database cannot be written (damaged, read-only, disk full),
 * supd goes on from memory: persisting turns false with the reason, which
 * is logged once and shown in status; every flush tries again and the
 * recovery is logged too. A database is never deleted.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/trust.h"
#include "persist.h"
#include "state/state.h"
#include "supd.h"

/* The fields of a node that a row holds, compared to find changes. */
static void
snap_fill(const struct supd_node *n, struct node_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->state = (int)n->state;
	s->flags = (unsigned)node_pending_start(n) |
	    (unsigned)node_pending_stop(n) << 1 |
	    (unsigned)node_pending_restart(n) << 2 |
	    (unsigned)(n->hold == HOLD_STOPPED) << 3 |
	    (unsigned)(n->hold == HOLD_DONE || n->hold == HOLD_IGNORED) << 4 |
	    (unsigned)(n->ready_ns != 0) << 5;
	s->spawn_id = n->spawn_id;
	s->pid = n->pid;
	s->pid_start = n->pid_start;
	s->restarts = n->restarts;
	s->backoff_step = n->backoff_step;
	s->not_before = n->not_before_ns;
	s->exit_at = n->last.valid ? n->last.at_ms : -1;
	s->win_n = n->window.n;
	s->win_head = n->window.head;
	s->win_last = n->window.n ? n->window.t[(n->window.head +
	    n->window.n - 1) % n->window.cap] : 0;
}

/*
 * The snapshot of a row as read back from the database: only what
 * differs from it is written again after a recovery. Fields of the row
 * that are not in a snapshot (config hash, stop signal) are written with
 * the next change of the node.
 */
void
persist_saved_from_row(struct supd_node *n, const struct st_node *r)
{
	struct node_snap *s = &n->saved;
	enum node_state st = NS_STOPPED;

	for (int i = NS_STOPPED; i <= NS_FAILED; i++)
		if (strcmp(r->state, node_state_name((enum node_state)i)) == 0)
			st = (enum node_state)i;
	memset(s, 0, sizeof(*s));
	s->state = (int)st;
	s->flags = (unsigned)r->pending_start | (unsigned)r->pending_stop << 1 |
	    (unsigned)r->is_restart << 2 | (unsigned)r->user_stopped << 3 |
	    (unsigned)r->done << 4 | (unsigned)r->ready << 5;
	s->spawn_id = (uint64_t)r->spawn_id;
	s->pid = r->pid;
	s->pid_start = r->pid_start;
	s->restarts = r->restarts;
	s->backoff_step = r->backoff_step;
	s->not_before = clk_after(0, r->not_before);
	s->exit_at = r->has_exit ? r->exit_at : -1;
	/* A group's window is compared by count and last time: take the
	 * restored window as written. */
	s->win_n = n->window.n;
	s->win_head = n->window.head;
	s->win_last = n->window.n ? n->window.t[(n->window.head +
	    n->window.n - 1) % n->window.cap] : 0;
}

static void
window_text(const struct rst_window *w, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < w->n && o + 24 < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? "," : "",
		    (long long)w->t[(w->head + i) % w->cap]);
}

static sup_err
node_write(struct supd *d, const struct supd_node *n)
{
	static char win[CFG_MAX_INTENSITY * 16 + 32];
	struct st_node r = {
		.name = n->name, .is_group = n->is_group,
		.parent = n->parent ? n->parent->name : NULL,
		.position = n->index, .config_hash = n->config_hash,
		.stop_signal = n->w ? n->w->stop_signal : 15,
		.shutdown_ms = n->w ? (n->w->brutal_kill ? 0 : n->w->shutdown_ms)
				    : n->g->shutdown_ms,
		.state = node_state_name(n->state),
		.pending_start = node_pending_start(n),
		.pending_stop = node_pending_stop(n),
		.is_restart = node_pending_restart(n),
		.user_stopped = n->hold == HOLD_STOPPED,
		.done = n->hold == HOLD_DONE || n->hold == HOLD_IGNORED,
		.spawn_id = (int64_t)n->spawn_id, .pid = n->pid,
		.pid_start = n->pid_start, .spawned_at = n->spawned_real_ms,
		.ready = n->ready_ns != 0, .restarts = n->restarts,
		.backoff_step = n->backoff_step,
		.not_before = n->not_before_ns / CLK_NS_PER_MS,
		.has_exit = n->last.valid, .exit_has_code = n->last.has_code,
		.exit_code = n->last.code, .exit_signal = n->last.sig,
		.exit_reason = node_exit_reason(n, ""),
		.exit_at = n->last.at_ms,
	};

	if (n->window.max > 0) { /* a group's, or its pool's first
				   * instance's */
		window_text(&n->window, win, sizeof(win));
		r.window = win;
	}
	return st_node_put(d->db, &r);
}

static void
persist_failed(struct supd *d, sup_err e)
{
	if (d->persisting)
		LOG_EV("state.error", log_str("db", d->cfg->state_path),
		    log_str("error", sup_strerror(e)),
		    log_str("note", "supervising from memory; will retry"));
	d->persisting = false;
	snprintf(d->persist_why, sizeof(d->persist_why), "cannot write %s: %s",
	    d->cfg->state_path, sup_strerror(e));
	/* On a full disk the WAL itself may hold the space the next commit
	 * needs: copied into the database, it is emptied. */
	if (SUP_ERR_TAG(e) == SUP_EDB)
		st_wal_shrink(d->db);
}

void
persist_mark_running(struct supd *d)
{
	char boot[64] = "";

	/* "Not clean" until supd exits in order: a kill -9 leaves it so. */
	proc_boot_id(boot, sizeof(boot));
	if (st_begin(d->db) == SUP_OK &&
	    st_meta_put(d->db, "boot_id", boot) == SUP_OK &&
	    st_meta_put(d->db, "clean_exit", "0") == SUP_OK)
		st_commit(d->db);
	else
		st_rollback(d->db);
}

/*
 * A database that could not be opened when supd started (a read-only or
 * full file system, a directory not there yet) is tried again when there
 * is something to write, at most every REOPEN_MS: once it opens, what
 * memory holds is written there, and supd persists again. Nothing was
 * recovered from it: its rows of children not configured any more are
 * a next recovery's to clean.
 */
#define REOPEN_MS 5000

static void
reopen_try(struct supd *d)
{
	const char *path = d->cfg->state_path;
	int64_t now = clk_mono_ns();
	char why[512];
	int fd;

	if (d->cfg->state_off || now < d->reopen_ns)
		return;
	d->reopen_ns = clk_after(now, REOPEN_MS);
	if (trust_file_open(path, O_RDWR | O_CREAT, 0600, TRUST_MINE, &fd, why,
	    sizeof(why)) != SUP_OK)
		return;
	close(fd);
	if (st_open(path, d->cfg->durability == DURABILITY_POWER, &d->db, why,
	    sizeof(why)) != SUP_OK) {
		d->db = NULL;
		return;
	}
	LOG_EV("state.open", log_str("db", path),
	    log_str("note", "opened at last: what supd holds is "
	    "written there now"));
	persist_mark_running(d);
}

/* Whether n's row differs from what was last saved. */
static bool
row_changed(const struct supd_node *n)
{
	struct node_snap s;

	snap_fill(n, &s);
	return memcmp(&s, &n->saved, sizeof(s)) != 0;
}

/*
 * A flush writes the nodes the engine marked (engine_touched): a restart
 * in a tree of 10,000 compares a few rows, not all. Every node is
 * compared at the first flush and until a recovered tree's first start
 * is over (recovery changes nodes outside the engine), then at most once
 * in ROWS_FULL_MS of flushes, should a change have gone unmarked; under
 * SUP_CHECK_ROWS (the tests) every flush makes sure none did.
 */
#define ROWS_FULL_MS 1000

static bool
rows_full_due(const struct supd *d)
{
	return d->rows_full_ns == 0 || d->eng.recovering ||
	    clk_mono_ns() - d->rows_full_ns >= (int64_t)ROWS_FULL_MS *
	    CLK_NS_PER_MS;
}

static void
rows_check(struct supd *d)
{
	for (int i = 0; i < d->nnodes; i++)
		if (!d->nodes[i]->touched && row_changed(d->nodes[i])) {
			log_error("SUP_CHECK_ROWS: %s changed and was not "
			    "marked for the flush (engine_touch)",
			    d->nodes[i]->name);
			abort();
		}
}

/* The nodes to look at: every one, or the touched ones. */
static struct supd_node *const *
rows_to_look_at(struct supd *d, bool full, int *n)
{
	if (full) {
		*n = d->nnodes;
		return d->nodes;
	}
	return engine_touched(&d->eng, n);
}

/* The rows looked at are saved, or were the same: none is marked now. */
static void
rows_flushed(struct supd *d, bool full)
{
	engine_touched_clear(&d->eng);
	if (full)
		d->rows_full_ns = clk_mono_ns();
}

static bool
anything_to_write(struct supd *d, bool full)
{
	struct supd_node *const *v;
	int n;

	if (d->rows_check && !full && d->rows_full_ns != 0)
		rows_check(d);
	if (d->nevents > 0 || d->removed_dirty)
		return true;
	v = rows_to_look_at(d, full, &n);
	for (int i = 0; i < n; i++)
		if (row_changed(v[i]))
			return true;
	return false;
}

void
persist_row_drop(struct supd *d, const char *name)
{
	char **v = realloc(d->removed, (size_t)(d->nremoved + 1) *
	    sizeof(*v));

	if (v == NULL || (v[d->nremoved] = strdup(name)) == NULL) {
		d->removed = v ? v : d->removed;
		return;
	}
	d->removed = v;
	d->nremoved++;
	d->removed_dirty = true;
}

/* Deletes the rows of nodes that left the config (inside a flush). */
static sup_err
removed_write(struct supd *d)
{
	sup_err e;

	for (int i = 0; i < d->nremoved; i++)
		if ((e = st_node_del(d->db, d->removed[i])) != SUP_OK)
			return e;
	for (int i = 0; i < d->nremoved; i++)
		free(d->removed[i]);
	d->nremoved = 0;
	return SUP_OK;
}

/* Notes node i as written in this batch (its snapshot is taken once the
 * batch commits). False when there is no memory for the list. */
static bool
written_add(struct supd *d, int i)
{
	if (d->nwritten == d->written_cap) {
		int cap = d->written_cap ? d->written_cap * 2 : 64;
		int *v = realloc(d->written, (size_t)cap * sizeof(*v));
		if (v == NULL)
			return false;
		d->written = v;
		d->written_cap = cap;
	}
	d->written[d->nwritten++] = i;
	return true;
}

static sup_err
write_all(struct supd *d, bool full)
{
	int n;
	struct supd_node *const *v = rows_to_look_at(d, full, &n);
	sup_err e;

	d->nwritten = 0;
	for (int i = 0; i < n; i++) {
		if (!row_changed(v[i]))
			continue;
		if ((e = node_write(d, v[i])) != SUP_OK)
			return e;
		if (!written_add(d, v[i]->order))
			return SUP_ENOMEM;
	}
	for (int i = 0; i < d->nevents; i++)
		if ((e = st_history_add(d->db, &d->events[i])) != SUP_OK)
			return e;
	return removed_write(d);
}

void
persist_flush(struct supd *d)
{
	bool full = rows_full_due(d);
	sup_err e;

	if (!anything_to_write(d, full)) {
		rows_flushed(d, full);
		return;
	}
	if (d->db == NULL)
		reopen_try(d);
	if (d->db == NULL)
		return;
	if ((e = st_begin(d->db)) == SUP_OK &&
	    (e = write_all(d, full)) == SUP_OK)
		e = st_commit(d->db);
	if (e != SUP_OK) {
		st_rollback(d->db);
		persist_failed(d, e);
		return;
	}
	/* What the batch wrote is what was saved: only those nodes. */
	for (int i = 0; i < d->nwritten; i++)
		snap_fill(d->nodes[d->written[i]], &d->nodes[d->written[i]]->saved);
	d->nwritten = 0;
	d->nevents = 0;
	d->ev_text_len = 0;
	d->removed_dirty = false;
	rows_flushed(d, full);
	if (!d->persisting) {
		LOG_EV("state.ok", log_str("db", d->cfg->state_path));
		d->persisting = true;
		d->persist_why[0] = '\0';
	}
}

/* The longest text an event keeps (each string is cut to its own). */
#define EV_NAME_MAX (CFG_NAME_MAX + 16)
#define EV_EVENT_MAX 16
#define EV_REASON_MAX 320
#define EV_DECIDED_MAX 128
_Static_assert(PERSIST_EV_TEXT >= EV_NAME_MAX + EV_EVENT_MAX +
    EV_REASON_MAX + EV_DECIDED_MAX, "the longest event fits in the text");

/* The bytes s takes in the events' text, cut to max - 1. */
static size_t
ev_len(const char *s, size_t max)
{
	return s == NULL || s[0] == '\0' ? 0 : strnlen(s, max - 1) + 1;
}

/* s, cut to max - 1 bytes, copied to the events' text; NULL for "". */
static const char *
ev_str(struct supd *d, const char *s, size_t max)
{
	char *p = d->ev_text + d->ev_text_len;
	size_t n = ev_len(s, max);

	if (n == 0)
		return NULL;
	memcpy(p, s, n - 1);
	p[n - 1] = '\0';
	d->ev_text_len += n;
	return p;
}

/* Whether an event whose text takes len bytes fits in the queue. */
static bool
ev_room(const struct supd *d, size_t len)
{
	return d->nevents < PERSIST_MAX_EVENTS &&
	    d->ev_text_len + len <= sizeof(d->ev_text);
}

void
persist_event(struct supd *d, const char *name, const char *event,
    pid_t pid, const struct exit_info *x, const char *reason,
    const char *decided_by)
{
	struct st_event *p;
	size_t len;

	/* Queued without a database too: one that opens later gets them. */
	if (d->cfg->state_off)
		return;
	if (reason == NULL && x != NULL && x->valid)
		reason = x->reason;
	len = ev_len(name, EV_NAME_MAX) + ev_len(event, EV_EVENT_MAX) +
	    ev_len(reason, EV_REASON_MAX) + ev_len(decided_by, EV_DECIDED_MAX);
	if (!ev_room(d, len)) {
		persist_flush(d);
		if (!ev_room(d, len)) { /* still failing */
			if (d->events_lost++ == 0)
				LOG_EV("state.error",
				    log_str("note", "history events are being lost "
				    "until the database can be written again"));
			return;
		}
	}
	p = &d->events[d->nevents++];
	*p = (struct st_event){
		.at = clk_real_ms(), .pid = pid,
		.name = ev_str(d, name, EV_NAME_MAX) ?: "",
		.event = ev_str(d, event, EV_EVENT_MAX) ?: "",
		.reason = ev_str(d, reason, EV_REASON_MAX),
		.decided_by = ev_str(d, decided_by, EV_DECIDED_MAX),
	};
	if (x != NULL && x->valid) {
		p->has_code = x->has_code;
		p->code = x->code;
		p->signal = x->sig;
	}
}

sup_err
persist_open(struct supd *d, bool reset, char *refused, size_t rn)
{
	const char *path = d->cfg->state_path;
	char why[512], moved[4096];
	sup_err e;
	int fd;

	d->persisting = false;
	d->rows_check = getenv("SUP_CHECK_ROWS") != NULL;
	if (d->cfg->state_off) {
		snprintf(d->persist_why, sizeof(d->persist_why),
		    "state = off in the config");
		return SUP_OK;
	}
	/* Recovery signals the pids it reads there: a file another user
	 * could have written, or could swap, is not read at all. */
	e = trust_file_open(path, O_RDWR | O_CREAT, 0600, TRUST_MINE, &fd,
	    refused, rn);
	if (e == SUP_EREFUSED)
		return e;
	if (e == SUP_OK)
		close(fd);
	if (reset) {
		e = st_move_aside(path, moved, sizeof(moved));
		if (e == SUP_OK)
			LOG_EV("state.reset", log_str("db", path),
			    log_str("moved_to", moved));
		else if (e != SUP_ENOTFOUND)
			return e;
	}
	e = st_open(path, d->cfg->durability == DURABILITY_POWER, &d->db, why,
	    sizeof(why));
	if (e != SUP_OK) {
		snprintf(d->persist_why, sizeof(d->persist_why),
		    "%s: %s%s", path, why, SUP_ERR_TAG(e) == SUP_EDB ?
		    " (supd --reset-state moves it aside and starts afresh)" :
		    "");
		LOG_EV("state.error", log_str("db", path),
		    log_str("error", why),
		    log_str("note", "supervising from memory, nothing "
		    "recovered"));
		d->db = NULL;
		return SUP_OK;
	}
	d->persisting = true;
	return SUP_OK;
}

void
persist_close(struct supd *d, bool clean)
{
	persist_flush(d);
	if (d->db != NULL && clean && st_begin(d->db) == SUP_OK) {
		if (st_meta_put(d->db, "clean_exit", "1") == SUP_OK)
			st_commit(d->db);
		else
			st_rollback(d->db);
	}
	st_close(d->db);
	d->db = NULL;
	free(d->written);
	d->written = NULL;
	d->nwritten = d->written_cap = 0;
}
