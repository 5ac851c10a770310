/*
 * state/records.c — meta, node and history rows (state.h).
 *
 * Statements are prepared once per handle. Each use binds, steps and
 * resets at once, so a statement never holds a read transaction open.
 */
#include <string.h>

#include "state_int.h"

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE nodes ("
	"  name TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('worker', 'group')),"
	"  parent TEXT,"
	"  position INTEGER NOT NULL,"
	"  config_hash TEXT,"
	"  stop_signal INTEGER NOT NULL,"
	"  shutdown_ms INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  pending_start INTEGER NOT NULL, pending_stop INTEGER NOT NULL,"
	"  is_restart INTEGER NOT NULL, user_stopped INTEGER NOT NULL,"
	"  done INTEGER NOT NULL,"
	"  spawn_id INTEGER NOT NULL, pid INTEGER NOT NULL,"
	"  pid_start INTEGER NOT NULL, spawned_at INTEGER NOT NULL,"
	"  ready INTEGER NOT NULL,"
	"  restarts INTEGER NOT NULL, backoff_step INTEGER NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  exit_code INTEGER, exit_signal INTEGER, exit_reason TEXT,"
	"  exit_at INTEGER,"
	"  window TEXT);"
	"CREATE TABLE history ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  pid INTEGER,"
	"  code INTEGER, signal INTEGER,"
	"  reason TEXT, decided_by TEXT);"
	"CREATE INDEX history_by_name ON history (name, at);",
};


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

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
    ST_SCHEMA_VERSION, "one migration per schema version");
_Static_assert(Q_COUNT <= ST_MAX_STMTS, "room for every statement");

const struct st_schema st_supd_schema = {
	.migrations = migrations, .version = ST_SCHEMA_VERSION,
	.sql = sql, .nsql = Q_COUNT,
};

sup_err
st_meta_put(st_db *db, const char *key, const char *value)
{
	sqlite3_stmt *s = db->q[Q_META_PUT];

	st_bind_text(s, 1, key);
	st_bind_text(s, 2, value);
	return st_run(s);
}

sup_err
st_meta_get(st_db *db, const char *key, char *buf, size_t n)
{
	sqlite3_stmt *s = db->q[Q_META_GET];
	sup_err e = SUP_ENOTFOUND;
	int rc;

	st_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *v = st_col_text(s, 0);
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

	st_bind_text(s, i++, n->name);
	st_bind_text(s, i++, n->is_group ? "group" : "worker");
	st_bind_text(s, i++, n->parent);
	sqlite3_bind_int(s, i++, n->position);
	st_bind_text(s, i++, n->config_hash);
	sqlite3_bind_int(s, i++, n->stop_signal);
	sqlite3_bind_int64(s, i++, n->shutdown_ms);
	st_bind_text(s, i++, n->state);
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
	st_bind_text(s, i++, n->has_exit ? n->exit_reason : NULL);
	if (n->has_exit)
		sqlite3_bind_int64(s, i, n->exit_at);
	i++;
	st_bind_text(s, i++, n->window);
	return st_run(s);
}

sup_err
st_node_del(st_db *db, const char *name)
{
	sqlite3_stmt *s = db->q[Q_NODE_DEL];

	st_bind_text(s, 1, name);
	return st_run(s);
}

static void
node_read(sqlite3_stmt *s, struct st_node *n)
{
	int i = 0;

	memset(n, 0, sizeof(*n));
	n->name = st_col_text(s, i++);
	n->is_group = strcmp(st_col_text(s, i++), "group") == 0;
	n->parent = st_col_text(s, i++);
	n->position = sqlite3_column_int(s, i++);
	n->config_hash = st_col_text(s, i++);
	n->stop_signal = sqlite3_column_int(s, i++);
	n->shutdown_ms = sqlite3_column_int64(s, i++);
	n->state = st_col_text(s, i++);
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
	n->exit_reason = st_col_text(s, i++);
	n->has_exit = n->exit_reason != NULL;
	n->exit_at = sqlite3_column_int64(s, i++);
	n->window = st_col_text(s, i++);
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
	st_bind_text(s, 2, e->name);
	st_bind_text(s, 3, e->event);
	if (e->pid > 0)
		sqlite3_bind_int64(s, 4, e->pid);
	if (e->has_code)
		sqlite3_bind_int(s, 5, e->code);
	if (e->signal > 0)
		sqlite3_bind_int(s, 6, e->signal);
	st_bind_text(s, 7, e->reason);
	st_bind_text(s, 8, e->decided_by);
	if ((err = st_run(s)) != SUP_OK)
		return err;
	/* Append-only, but not unbounded: trim once in a while. */
	if (++db->hist_adds >= ST_HISTORY_KEEP / 10) {
		db->hist_adds = 0;
		sqlite3_bind_int64(db->q[Q_HIST_TRIM], 1, ST_HISTORY_KEEP);
		return st_run(db->q[Q_HIST_TRIM]);
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
		st_bind_text(s, i++, name);
	sqlite3_bind_int64(s, i++, since);
	sqlite3_bind_int(s, i++, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		e.at = sqlite3_column_int64(s, 0);
		e.name = st_col_text(s, 1);
		e.event = st_col_text(s, 2);
		e.pid = sqlite3_column_int64(s, 3);
		e.has_code = sqlite3_column_type(s, 4) != SQLITE_NULL;
		e.code = sqlite3_column_int(s, 4);
		e.signal = sqlite3_column_int(s, 5);
		e.reason = st_col_text(s, 6);
		e.decided_by = st_col_text(s, 7);
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
