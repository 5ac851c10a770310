/*
 * state/records.c — meta, node and history rows (state.h).
 *
 * Statements are prepared once per handle. Each use binds, steps and
 * resets at once, so a statement never holds a read transaction open.
 */
#include <string.h>

#include "state_int.h"

static const char *const sql[Q_COUNT] = {
	[Q_META_PUT] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
	[Q_META_GET] = "SELECT value FROM meta WHERE key = ?",
	[Q_NODE_PUT] = "INSERT OR REPLACE INTO nodes (name, kind, parent, "
	    "position, config_hash, stop_signal, shutdown_ms, state, "
	    "pending_start, pending_stop, is_restart, user_stopped, done, "
	    "spawn_id, pid, pid_start, spawned_at, ready, restarts, "
	    "backoff_step, not_before, exit_code, exit_signal, exit_reason, "
	    "exit_at, window) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_NODE_DEL] = "DELETE FROM nodes WHERE name = ?",
	[Q_NODES_ALL] = "SELECT name, kind, parent, position, config_hash, "
	    "stop_signal, shutdown_ms, state, pending_start, pending_stop, "
	    "is_restart, user_stopped, done, spawn_id, pid, pid_start, "
	    "spawned_at, ready, restarts, backoff_step, not_before, exit_code, "
	    "exit_signal, exit_reason, exit_at, window FROM nodes",
	[Q_HIST_ADD] = "INSERT INTO history (at, name, event, pid, code, "
	    "signal, reason, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_HIST_TRIM] = "DELETE FROM history WHERE id <= "
	    "(SELECT max(id) FROM history) - ?",
	[Q_HIST_ALL] = "SELECT at, name, event, pid, code, signal, reason, "
	    "decided_by FROM (SELECT * FROM history WHERE at >= ? "
	    "ORDER BY id DESC LIMIT ?) ORDER BY id",
	[Q_HIST_NAME] = "SELECT at, name, event, pid, code, signal, reason, "
	    "decided_by FROM (SELECT * FROM history WHERE name = ? AND at >= ? "
	    "ORDER BY id DESC LIMIT ?) ORDER BY id",
};

sup_err
st_stmts_prepare(st_db *db)
{
	for (int i = 0; i < Q_COUNT; i++) {
		int rc = sqlite3_prepare_v3(db->h, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->q[i], NULL);
		if (rc != SQLITE_OK)
			return SUP_EDB | rc;
	}
	return SUP_OK;
}

void
st_stmts_finalize(st_db *db)
{
	for (int i = 0; i < Q_COUNT; i++) {
		sqlite3_finalize(db->q[i]);
		db->q[i] = NULL;
	}
}

/* Steps a write statement once and resets it. */
static sup_err
run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? SUP_OK : SUP_EDB | rc;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

sup_err
st_meta_put(st_db *db, const char *key, const char *value)
{
	sqlite3_stmt *s = db->q[Q_META_PUT];

	bind_text(s, 1, key);
	bind_text(s, 2, value);
	return run(s);
}

sup_err
st_meta_get(st_db *db, const char *key, char *buf, size_t n)
{
	sqlite3_stmt *s = db->q[Q_META_GET];
	sup_err e = SUP_ENOTFOUND;
	int rc;

	bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *v = col_text(s, 0);
		size_t len = strlen(v ? v : "");
		if (len >= n)
			len = n - 1;
		memcpy(buf, v ? v : "", len);
		buf[len] = '\0';
		e = SUP_OK;
	} else if (rc != SQLITE_DONE) {
		e = SUP_EDB | rc;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return e;
}

sup_err
st_node_put(st_db *db, const struct st_node *n)
{
	sqlite3_stmt *s = db->q[Q_NODE_PUT];
	int i = 1;

	bind_text(s, i++, n->name);
	bind_text(s, i++, n->is_group ? "group" : "worker");
	bind_text(s, i++, n->parent);
	sqlite3_bind_int(s, i++, n->position);
	bind_text(s, i++, n->config_hash);
	sqlite3_bind_int(s, i++, n->stop_signal);
	sqlite3_bind_int64(s, i++, n->shutdown_ms);
	bind_text(s, i++, n->state);
	sqlite3_bind_int(s, i++, n->pending_start);
	sqlite3_bind_int(s, i++, n->pending_stop);
	sqlite3_bind_int(s, i++, n->is_restart);
	sqlite3_bind_int(s, i++, n->user_stopped);
	sqlite3_bind_int(s, i++, n->done);
	sqlite3_bind_int64(s, i++, n->spawn_id);
	sqlite3_bind_int64(s, i++, n->pid);
	sqlite3_bind_int64(s, i++, n->pid_start);
	sqlite3_bind_int64(s, i++, n->spawned_at);
	sqlite3_bind_int(s, i++, n->ready);
	sqlite3_bind_int64(s, i++, n->restarts);
	sqlite3_bind_int64(s, i++, n->backoff_step);
	sqlite3_bind_int64(s, i++, n->not_before);
	if (n->has_exit && n->exit_has_code)
		sqlite3_bind_int(s, i, n->exit_code);
	i++;
	if (n->has_exit && !n->exit_has_code)
		sqlite3_bind_int(s, i, n->exit_signal);
	i++;
	bind_text(s, i++, n->has_exit ? n->exit_reason : NULL);
	if (n->has_exit)
		sqlite3_bind_int64(s, i, n->exit_at);
	i++;
	bind_text(s, i++, n->window);
	return run(s);
}

sup_err
st_node_del(st_db *db, const char *name)
{
	sqlite3_stmt *s = db->q[Q_NODE_DEL];

	bind_text(s, 1, name);
	return run(s);
}

static void
node_read(sqlite3_stmt *s, struct st_node *n)
{
	int i = 0;

	memset(n, 0, sizeof(*n));
	n->name = col_text(s, i++);
	n->is_group = strcmp(col_text(s, i++), "group") == 0;
	n->parent = col_text(s, i++);
	n->position = sqlite3_column_int(s, i++);
	n->config_hash = col_text(s, i++);
	n->stop_signal = sqlite3_column_int(s, i++);
	n->shutdown_ms = sqlite3_column_int64(s, i++);
	n->state = col_text(s, i++);
	n->pending_start = sqlite3_column_int(s, i++);
	n->pending_stop = sqlite3_column_int(s, i++);
	n->is_restart = sqlite3_column_int(s, i++);
	n->user_stopped = sqlite3_column_int(s, i++);
	n->done = sqlite3_column_int(s, i++);
	n->spawn_id = sqlite3_column_int64(s, i++);
	n->pid = sqlite3_column_int64(s, i++);
	n->pid_start = sqlite3_column_int64(s, i++);
	n->spawned_at = sqlite3_column_int64(s, i++);
	n->ready = sqlite3_column_int(s, i++);
	n->restarts = sqlite3_column_int64(s, i++);
	n->backoff_step = sqlite3_column_int64(s, i++);
	n->not_before = sqlite3_column_int64(s, i++);
	n->exit_has_code = sqlite3_column_type(s, i) != SQLITE_NULL;
	n->exit_code = sqlite3_column_int(s, i++);
	n->exit_signal = sqlite3_column_int(s, i++);
	n->exit_reason = col_text(s, i++);
	n->has_exit = n->exit_reason != NULL;
	n->exit_at = sqlite3_column_int64(s, i++);
	n->window = col_text(s, i++);
}

sup_err
st_nodes_each(st_db *db, int (*cb)(void *, const struct st_node *),
    void *arg)
{
	sqlite3_stmt *s = db->q[Q_NODES_ALL];
	struct st_node n;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		node_read(s, &n);
		if (n.name == NULL || n.state == NULL)
			continue; /* damaged row: NOT NULL says it cannot be */
		if (cb(arg, &n) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SUP_OK : SUP_EDB | rc;
}

sup_err
st_history_add(st_db *db, const struct st_event *e)
{
	sqlite3_stmt *s = db->q[Q_HIST_ADD];
	sup_err err;

	sqlite3_bind_int64(s, 1, e->at);
	bind_text(s, 2, e->name);
	bind_text(s, 3, e->event);
	if (e->pid > 0)
		sqlite3_bind_int64(s, 4, e->pid);
	if (e->has_code)
		sqlite3_bind_int(s, 5, e->code);
	if (e->signal > 0)
		sqlite3_bind_int(s, 6, e->signal);
	bind_text(s, 7, e->reason);
	bind_text(s, 8, e->decided_by);
	if ((err = run(s)) != SUP_OK)
		return err;
	/* Append-only, but not unbounded: trim once in a while. */
	if (++db->hist_adds >= ST_HISTORY_KEEP / 10) {
		db->hist_adds = 0;
		sqlite3_bind_int64(db->q[Q_HIST_TRIM], 1, ST_HISTORY_KEEP);
		return run(db->q[Q_HIST_TRIM]);
	}
	return SUP_OK;
}

sup_err
st_history_each(st_db *db, const char *name, int64_t since, int limit,
    int (*cb)(void *, const struct st_event *), void *arg)
{
	sqlite3_stmt *s = db->q[name ? Q_HIST_NAME : Q_HIST_ALL];
	struct st_event e;
	int rc, i = 1;

	if (name != NULL)
		bind_text(s, i++, name);
	sqlite3_bind_int64(s, i++, since);
	sqlite3_bind_int(s, i++, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		e.at = sqlite3_column_int64(s, 0);
		e.name = col_text(s, 1);
		e.event = col_text(s, 2);
		e.pid = sqlite3_column_int64(s, 3);
		e.has_code = sqlite3_column_type(s, 4) != SQLITE_NULL;
		e.code = sqlite3_column_int(s, 4);
		e.signal = sqlite3_column_int(s, 5);
		e.reason = col_text(s, 6);
		e.decided_by = col_text(s, 7);
		if (e.name == NULL || e.event == NULL)
			continue;
		if (cb(arg, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? SUP_OK : SUP_EDB | rc;
}
