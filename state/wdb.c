/*
 * state/wdb.c — a worker's own database (state.h): its checkpointed
 * fields, its published tables and its registry entry.
 *
 * One writer, the worker; everyone else opens it read-only for a moment.
 * A checkpoint is one transaction over the fields that changed, so a
 * kill -9 in the middle leaves the previous checkpoint whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_int.h"

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE fields (name TEXT PRIMARY KEY, type TEXT NOT NULL,"
	"  value) WITHOUT ROWID;",
	/* 1 -> 2: published tables (sup_table_put) */
	"CREATE TABLE tables (tab TEXT NOT NULL, key TEXT NOT NULL,"
	"  value BLOB NOT NULL, PRIMARY KEY (tab, key)) WITHOUT ROWID;",
};

enum {
	W_META_PUT, W_META_GET, W_FIELDS_ALL,
	W_TAB_PUT, W_TAB_DEL, W_TAB_GET, W_TAB_COUNTS, W_COUNT
};

static const char *const sql[W_COUNT] = {
	[W_META_PUT] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
	[W_META_GET] = "SELECT value FROM meta WHERE key = ?",
	[W_FIELDS_ALL] = "SELECT name, type, value FROM fields",
	[W_TAB_PUT] = "INSERT OR REPLACE INTO tables (tab, key, value) "
	    "VALUES (?, ?, ?)",
	[W_TAB_DEL] = "DELETE FROM tables WHERE tab = ? AND key = ?",
	[W_TAB_GET] = "SELECT value FROM tables WHERE tab = ? AND key = ?",
	[W_TAB_COUNTS] = "SELECT tab, count(*) FROM tables GROUP BY tab",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
    ST_WORKER_SCHEMA_VERSION, "one migration per schema version");

const struct st_schema st_worker_schema = {
	.migrations = migrations, .version = ST_WORKER_SCHEMA_VERSION,
	.sql = sql, .nsql = W_COUNT,
};

sup_err
st_wopen(const char *path, bool readonly, st_db **out, char *why, size_t n)
{
	int one = 1;
	sup_err e;

	/* Waited for: another process of the worker's user may hold a
	 * write transaction for a while (a sqlite3 shell, a script); the
	 * worker then waits instead of failing and crash-looping. */
	e = st_open_schema(path, &st_worker_schema, readonly, false,
	    readonly ? 1000 : ST_WORKER_BUSY_MS, out, why, n);
	if (st_err_busy(e)) {
		size_t len = strlen(why);
		st_who_locks(path, why + len, n - len);
	}
	/* -wal and -shm stay when the last connection closes: a worker of
	 * another user could not make them again (st_wcreate). */
	if (e == SUP_OK && !readonly)
		sqlite3_file_control((*out)->h, "main",
		    SQLITE_FCNTL_PERSIST_WAL, &one);
	return e;
}

sup_err
st_wpeek(const char *path, st_db **out, char *why, size_t n)
{
	/* Not waited for: the worker's user could hold it locked to stall
	 * supd's loop. Locked is as good as not there. */
	return st_open_schema(path, &st_worker_schema, true, false, 0, out, why,
	    n);
}

sup_err
st_wcreate(const char *path, char *why, size_t n)
{
	st_db *db;
	sup_err e;

	if ((e = st_wopen(path, false, &db, why, n)) == SUP_OK)
		st_close(db);
	return e;
}

static void
value_bind(sqlite3_stmt *s, int i, const struct st_value *v)
{
	st_bind_text(s, i, v->name);
	st_bind_text(s, i + 1, v->type);
	switch (v->vt) {
	case ST_INT:
		sqlite3_bind_int64(s, i + 2, v->i);
		break;
	case ST_REAL:
		sqlite3_bind_double(s, i + 2, v->r);
		break;
	case ST_TEXT:
		sqlite3_bind_text(s, i + 2, v->p, -1, SQLITE_STATIC);
		break;
	case ST_BLOB:
		sqlite3_bind_blob64(s, i + 2, v->p, v->len, SQLITE_STATIC);
		break;
	case ST_NULL:
	default:
		sqlite3_bind_null(s, i + 2);
		break;
	}
}

sup_err
st_wfield_put(st_db *db, const struct st_value *v)
{
	return st_wfields_put(db, v, 1);
}

/* The statement writing k rows at once, prepared on first use. */
static sqlite3_stmt *
multi_stmt(st_db *db, int k)
{
	char text[96 + ST_MULTI_MAX * 12];
	int o;

	if (db->multi[k] != NULL)
		return db->multi[k];
	o = snprintf(text, sizeof(text), "INSERT OR REPLACE INTO fields (name, "
	    "type, value) VALUES ");
	for (int i = 0; i < k; i++)
		o += snprintf(text + o, sizeof(text) - (size_t)o, "%s(?, ?, ?)",
		    i ? ", " : "");
	if (sqlite3_prepare_v3(db->h, text, -1, SQLITE_PREPARE_PERSISTENT,
	    &db->multi[k], NULL) != SQLITE_OK)
		db->multi[k] = NULL;
	return db->multi[k];
}

/* One statement for many fields: a checkpoint's cost is its commit, not
 * one statement per field. */
sup_err
st_wfields_put(st_db *db, const struct st_value *v, int n)
{
	while (n > 0) {
		int k = n < ST_MULTI_MAX ? n : ST_MULTI_MAX;
		sqlite3_stmt *s = multi_stmt(db, k);
		sup_err e;

		if (s == NULL)
			return SUP_EDB | sqlite3_errcode(db->h);
		for (int i = 0; i < k; i++)
			value_bind(s, 1 + 3 * i, &v[i]);
		if ((e = st_run(s)) != SUP_OK)
			return e;
		v += k;
		n -= k;
	}
	return SUP_OK;
}

sup_err
st_wfields_each(st_db *db, int (*cb)(void *, const struct st_value *),
    void *arg)
{
	sqlite3_stmt *s = db->q[W_FIELDS_ALL];
	struct st_value v;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&v, 0, sizeof(v));
		v.name = st_col_text(s, 0);
		v.type = st_col_text(s, 1);
		if (v.name == NULL || v.type == NULL)
			continue;
		switch (sqlite3_column_type(s, 2)) {
		case SQLITE_INTEGER:
			v.vt = ST_INT;
			v.i = sqlite3_column_int64(s, 2);
			break;
		case SQLITE_FLOAT:
			v.vt = ST_REAL;
			v.r = sqlite3_column_double(s, 2);
			break;
		case SQLITE_TEXT:
			v.vt = ST_TEXT;
			v.p = sqlite3_column_text(s, 2);
			v.len = (size_t)sqlite3_column_bytes(s, 2);
			break;
		case SQLITE_BLOB:
			v.vt = ST_BLOB;
			v.p = sqlite3_column_blob(s, 2);
			v.len = (size_t)sqlite3_column_bytes(s, 2);
			break;
		default:
			v.vt = ST_NULL;
			break;
		}
		if (cb(arg, &v) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	st_done(s);
	return rc == SQLITE_DONE ? SUP_OK : SUP_EDB | rc;
}

sup_err
st_wmeta_put(st_db *db, const char *key, const char *value)
{
	sqlite3_stmt *s = db->q[W_META_PUT];

	st_bind_text(s, 1, key);
	st_bind_text(s, 2, value);
	return st_run(s);
}

sup_err
st_wmeta_get(st_db *db, const char *key, char *buf, size_t n)
{
	sqlite3_stmt *s = db->q[W_META_GET];
	sup_err e = SUP_ENOTFOUND;
	int rc;

	st_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *v = st_col_text(s, 0);
		size_t len = v ? strlen(v) : 0;
		if (len >= n)
			len = n - 1;
		memcpy(buf, v ? v : "", len);
		buf[len] = '\0';
		e = SUP_OK;
	} else if (rc != SQLITE_DONE) {
		e = SUP_EDB | rc;
	}
	st_done(s);
	return e;
}

sup_err
st_wlast_words(const char *path, uint64_t spawn_id, char *buf, size_t n,
    int *status)
{
	char why[128], sid[32] = "", code[16] = "";
	st_db *db;
	sup_err e;

	*status = -1;
	if ((e = st_wpeek(path, &db, why, sizeof(why))) != SUP_OK)
		return e;
	if ((e = st_wmeta_get(db, "last_words_spawn", sid, sizeof(sid))) ==
	    SUP_OK && strtoull(sid, NULL, 10) != spawn_id)
		e = SUP_ENOTFOUND; /* an older incarnation's */
	if (e == SUP_OK)
		e = st_wmeta_get(db, "last_words", buf, n);
	if (e == SUP_OK && st_wmeta_get(db, "last_words_status", code,
	    sizeof(code)) == SUP_OK && code[0] >= '0' && code[0] <= '9')
		*status = atoi(code) & 0xff;
	st_close(db);
	return e;
}

sup_err
st_wtable_put(st_db *db, const char *tab, const char *key, const void *value,
    size_t len)
{
	sqlite3_stmt *s = db->q[W_TAB_PUT];

	st_bind_text(s, 1, tab);
	st_bind_text(s, 2, key);
	/* Never NULL, even empty: NOT NULL, and a get tells "" from none. */
	sqlite3_bind_blob64(s, 3, len ? value : "", len, SQLITE_STATIC);
	return st_run(s);
}

sup_err
st_wtable_del(st_db *db, const char *tab, const char *key)
{
	sqlite3_stmt *s = db->q[W_TAB_DEL];

	st_bind_text(s, 1, tab);
	st_bind_text(s, 2, key);
	return st_run(s);
}

sup_err
st_wtable_get(st_db *db, const char *tab, const char *key, void **value,
    size_t *len)
{
	sqlite3_stmt *s = db->q[W_TAB_GET];
	sup_err e = SUP_ENOTFOUND;
	int rc;

	st_bind_text(s, 1, tab);
	st_bind_text(s, 2, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(s, 0);
		const void *v = sqlite3_column_blob(s, 0);
		char *copy = malloc(n + 1);
		if (copy == NULL) {
			e = SUP_ENOMEM;
		} else {
			if (n > 0)
				memcpy(copy, v, n);
			copy[n] = '\0'; /* for callers that print it */
			*value = copy;
			*len = n;
			e = SUP_OK;
		}
	} else if (rc != SQLITE_DONE) {
		e = SUP_EDB | rc;
	}
	st_done(s); /* no read transaction left open */
	return e;
}

sup_err
st_wtables_each(st_db *db, int (*cb)(void *, const char *, int64_t),
    void *arg)
{
	sqlite3_stmt *s = db->q[W_TAB_COUNTS];
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *tab = st_col_text(s, 0);
		if (tab != NULL && cb(arg, tab, sqlite3_column_int64(s, 1))) {
			rc = SQLITE_DONE;
			break;
		}
	}
	st_done(s);
	return rc == SQLITE_DONE ? SUP_OK : SUP_EDB | rc;
}
