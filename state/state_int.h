/*
 * state/state_int.h — private to state/: the handle and its statements.
 */
#ifndef STATE_STATE_INT_H
#define STATE_STATE_INT_H

#include <sqlite3.h>

#include "state.h"

/* supd never waits long for a lock: only a person's sqlite3 shell could
 * hold one, and the loop must go on (the write is retried later). */
#define ST_BUSY_MS 50
/* A worker waits this long for a database another process locked. */
#define ST_WORKER_BUSY_MS 4000 /* under the 5 s start_timeout and
				    * shutdown that workers have by default */

/* A database kind: its migrations and its statements. */
struct st_schema {
	const char *const *migrations; /* [v]: from version v to v + 1 */
	int version;		       /* how many there are */
	const char *const *sql;	       /* prepared once per handle */
	int nsql;
};

extern const struct st_schema st_supd_schema;	/* records.c */
extern const struct st_schema st_worker_schema; /* wdb.c */

/* supd's statements (st_supd_schema.sql). */
enum st_stmt {
	Q_META_PUT,
	Q_META_GET,
	Q_NODE_PUT,
	Q_NODE_DEL,
	Q_NODES_ALL,
	Q_HIST_ADD,
	Q_HIST_TRIM,
	Q_HIST_ALL,
	Q_HIST_NAME,
	Q_COUNT,
};

#define ST_MAX_STMTS 16
#define ST_MULTI_MAX 32

struct st_db {
	sqlite3 *h;		       /* owned */
	bool readonly;
	bool immutable;		       /* opened ?immutable=1: never sees a change */
	const struct st_schema *schema; /* static storage */
	sqlite3_stmt *q[ST_MAX_STMTS]; /* owned: prepared once */
	sqlite3_stmt *txn[4];	       /* owned: BEGIN IMMEDIATE, COMMIT,
					* ROLLBACK, BEGIN */
	sqlite3_stmt *multi[ST_MULTI_MAX + 1]; /* owned: wdb.c, by rows */
	int64_t hist_adds;	       /* since the last trim */
};

/*
 * Opens path as a database of this schema: read-only (no migration; the
 * version must match), or read-write (created 0600, WAL, synchronous
 * NORMAL or FULL, migrated). busy_ms: how long a locked database is
 * waited for.
 */
sup_err st_open_schema(const char *path, const struct st_schema *schema,
    bool readonly, bool power, int busy_ms, st_db **out, char *why,
    size_t n);

/* Steps a write statement once and resets it. */
sup_err st_run(sqlite3_stmt *s);
void st_bind_text(sqlite3_stmt *s, int i, const char *v);
const char *st_col_text(sqlite3_stmt *s, int i);
/* Resets a read statement and its bindings. */
void st_done(sqlite3_stmt *s);

#endif
