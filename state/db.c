/*
 * state/db.c — opening, migrating and transacting on supd's database
 * (state.h).
 *
 * Invariants: every write runs inside st_begin() (BEGIN IMMEDIATE) ...
 * st_commit(); every read statement is reset as soon as it is stepped
 * through, so no read transaction stays open (a long reader would let the
 * WAL grow without bound). synchronous is set explicitly: Debian's build
 * defaults to FULL even in WAL mode.
 *
 * Migrations: migrations[v] takes a database from version v to v + 1.
 * A new file is version 0. Each step runs in its own transaction with its
 * user_version bump, so a kill -9 mid-migration leaves the older version.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "state_int.h"

const char *st_err_str(int code);

/* Renders SUP_EDB errors for sup_strerror() (common/err.c's weak hook). */
const char *
st_err_str(int code)
{
	return sqlite3_errstr(code);
}

static sup_err
exec(st_db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? SUP_OK : SUP_EDB | rc;
}

int
st_user_version(st_db *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static sup_err
migrate(st_db *db, char *why, size_t n)
{
	int v = st_user_version(db), target = db->schema->version;
	char sql[64];
	sup_err e;

	if (v < 0) {
		e = SUP_EDB | sqlite3_errcode(db->h);
		snprintf(why, n, "cannot read its schema version: %s",
		    sqlite3_errmsg(db->h));
		return e;
	}
	if (v > target) {
		snprintf(why, n, "it has schema version %d, written by a newer "
		    "sup (this one knows up to %d)", v, target);
		return SUP_ESTATE;
	}
	for (; v < target; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((e = st_begin(db)) != SUP_OK ||
		    (e = exec(db, db->schema->migrations[v])) != SUP_OK ||
		    (e = exec(db, sql)) != SUP_OK ||
		    (e = st_commit(db)) != SUP_OK) {
			snprintf(why, n, "cannot migrate it from version %d: %s",
			    v, sqlite3_errmsg(db->h));
			st_rollback(db);
			return e;
		}
	}
	return SUP_OK;
}

static sup_err
pragmas(st_db *db, bool power, int busy_ms, char *why, size_t n)
{
	char sql[160];
	sup_err e;

	sqlite3_busy_timeout(db->h, busy_ms);
	/* What a file holds never runs code with side effects: views and
	 * triggers of a file someone crafted stay inert. */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if ((e = exec(db, "PRAGMA trusted_schema = OFF")) != SUP_OK) {
		snprintf(why, n, "%s", sqlite3_errmsg(db->h));
		return e;
	}
	if (db->readonly)
		return SUP_OK;
	/* A small page cache: supd's rows are few and written in batches,
	 * and every page of cache counts in supd's memory. */
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = %s; PRAGMA cache_size = -256;",
	    power ? "FULL" : "NORMAL");
	if ((e = exec(db, sql)) != SUP_OK)
		snprintf(why, n, "%s", sqlite3_errmsg(db->h));
	return e;
}

static sup_err
stmts_prepare(st_db *db)
{
	for (int i = 0; i < db->schema->nsql; i++) {
		int rc = sqlite3_prepare_v3(db->h, db->schema->sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->q[i], NULL);
		if (rc != SQLITE_OK)
			return SUP_EDB | rc;
	}
	return SUP_OK;
}

static void
stmts_finalize(st_db *db)
{
	for (int i = 0; i < ST_MAX_STMTS; i++) {
		sqlite3_finalize(db->q[i]);
		db->q[i] = NULL;
	}
	for (int i = 0; i < 4; i++) {
		sqlite3_finalize(db->txn[i]);
		db->txn[i] = NULL;
	}
	for (int i = 0; i <= ST_MULTI_MAX; i++) {
		sqlite3_finalize(db->multi[i]);
		db->multi[i] = NULL;
	}
}

static sup_err
open_common(const char *path, int flags, const struct st_schema *schema,
    bool power, int busy_ms, st_db **out, char *why, size_t n)
{
	st_db *db = calloc(1, sizeof(*db));
	sup_err e;
	int rc, v;

	if (db == NULL)
		return SUP_ENOMEM;
	db->schema = schema;
	db->readonly = !(flags & SQLITE_OPEN_READWRITE);
	rc = sqlite3_open_v2(path, &db->h, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, n, "%s", db->h ? sqlite3_errmsg(db->h)
					     : sqlite3_errstr(rc));
		e = SUP_EDB | rc;
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	if ((e = pragmas(db, power, busy_ms, why, n)) != SUP_OK)
		goto fail;
	if (!db->readonly && (e = migrate(db, why, n)) != SUP_OK)
		goto fail;
	if (db->readonly && (v = st_user_version(db)) != schema->version) {
		if (v < 0)
			snprintf(why, n, "%s", sqlite3_errmsg(db->h));
		else
			snprintf(why, n, "schema version %d, not %d", v,
			    schema->version);
		e = v < 0 ? SUP_EDB | sqlite3_extended_errcode(db->h) :
		    SUP_ESTATE;
		goto fail;
	}
	if ((e = stmts_prepare(db)) != SUP_OK) {
		snprintf(why, n, "%s", sqlite3_errmsg(db->h));
		goto fail;
	}
	*out = db;
	return SUP_OK;
fail:
	sqlite3_close_v2(db->h);
	free(db);
	return e;
}

/* "file:PATH?immutable=1", PATH percent-encoded where a URI needs it. */
static bool
uri_immutable(const char *path, char *buf, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	o += (size_t)snprintf(buf, n, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (o + 4 >= n)
			return false;
		if (*p == '?' || *p == '#' || *p == '%' || *p < 0x21 ||
		    *p >= 0x7f) {
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		} else {
			buf[o++] = (char)*p;
		}
	}
	return (size_t)snprintf(buf + o, n - o, "?immutable=1") < n - o;
}

sup_err
st_open_schema(const char *path, const struct st_schema *schema,
    bool readonly, bool power, int busy_ms, st_db **out, char *why,
    size_t n)
{
	char uri[3 * 4096 + 32];
	sup_err e;
	int fd;

	if (readonly) {
		e = open_common(path, SQLITE_OPEN_READONLY, schema, false,
		    busy_ms, out, why, n);
		/* On a read-only file system a WAL database cannot make its
		 * -shm: nobody can change it there, so it is read as it is. */
		if (SUP_ERR_TAG(e) == SUP_EDB &&
		    ((SUP_ERR_CODE(e) & 0xff) == SQLITE_CANTOPEN ||
			(SUP_ERR_CODE(e) & 0xff) == SQLITE_READONLY) &&
		    uri_immutable(path, uri, sizeof(uri)) &&
		    (e = open_common(uri, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_URI, schema, false, busy_ms, out, why, n)) ==
		    SUP_OK)
			(*out)->immutable = true;
		return e;
	}
	/* Created 0600 before SQLite sees it (it would use the umask). */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(why, n, "%s", strerror(errno));
		return SUP_ESYS | errno;
	}
	close(fd);
	return open_common(path, SQLITE_OPEN_READWRITE, schema, power, busy_ms,
	    out, why, n);
}

sup_err
st_open(const char *path, bool power, st_db **out, char *why, size_t n)
{
	return st_open_schema(path, &st_supd_schema, false, power, ST_BUSY_MS,
	    out, why, n);
}

sup_err
st_open_ro(const char *path, st_db **out, char *why, size_t n)
{
	return st_open_schema(path, &st_supd_schema, true, false, 2000, out,
	    why, n);
}

void
st_close(st_db *db)
{
	if (db == NULL)
		return;
	stmts_finalize(db);
	sqlite3_close_v2(db->h);
	free(db);
}

sup_err
st_move_aside(const char *path, char *moved, size_t n)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char stamp[32], from[4096], to[4096];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(moved, n, "%s.broken-%s", path, stamp);
	if (access(path, F_OK) != 0)
		return SUP_ENOTFOUND;
	for (int i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		snprintf(to, sizeof(to), "%s%s", moved, sfx[i]);
		if (rename(from, to) != 0 && errno != ENOENT)
			return SUP_ESYS | errno;
	}
	return SUP_OK;
}

sup_err
st_run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? SUP_OK : SUP_EDB | rc;
}

void
st_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

void
st_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

const char *
st_col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Transaction statements, prepared once: parsing SQL per commit would
 * cost more than the commit. */
static sup_err
txn(st_db *db, int which, const char *sql)
{
	if (db->txn[which] == NULL) {
		int rc = sqlite3_prepare_v3(db->h, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &db->txn[which], NULL);
		if (rc != SQLITE_OK)
			return SUP_EDB | rc;
	}
	return st_run(db->txn[which]);
}

sup_err
st_begin(st_db *db)
{
	return txn(db, 0, "BEGIN IMMEDIATE");
}

sup_err
st_commit(st_db *db)
{
	return txn(db, 1, "COMMIT");
}

bool
st_immutable(const st_db *db)
{
	return db->immutable;
}

sup_err
st_read_begin(st_db *db)
{
	return txn(db, 3, "BEGIN");
}

void
st_wal_shrink(st_db *db)
{
	if (db != NULL && !db->readonly)
		sqlite3_exec(db->h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
		    NULL, NULL);
}

void
st_rollback(st_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		txn(db, 2, "ROLLBACK");
}
