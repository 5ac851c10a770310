/*
 * state/state.h — supd's SQLite database, without SQLite in sight.
 *
 * The only module that includes <sqlite3.h>. One database per supd
 * (default RUN/state.db, mode 0600): WAL, an explicit synchronous=NORMAL
 * (FULL with durability = power), a short busy timeout, BEGIN IMMEDIATE
 * for every write, and no read transaction left open. The schema is
 * versioned with PRAGMA user_version; st_open() migrates forward from
 * every earlier version and refuses a newer one.
 *
 * Records (named columns: `sqlite3 state.db` explains itself):
 *   meta     key/value: boot id, spawn sequence, ...
 *   nodes    one row per node of the tree: how it is configured (enough
 *            to stop it if it leaves the config), its current incarnation
 *            (spawn id, pid, start time), its state and intentions, its
 *            counters, its last exit; for groups the intensity window
 *   history  append-only exits, restarts and decisions, with reasons
 */
#ifndef STATE_STATE_H
#define STATE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sup/err.h"

#define ST_SCHEMA_VERSION 1

typedef struct st_db st_db;

/*
 * Opens (creating, mode 0600) and migrates the database at path. power
 * selects synchronous=FULL. Returns a new handle (close it with
 * st_close()). On failure *why says what happened in words a user can act
 * on: SUP_EDB|rc from SQLite (SQLITE_CORRUPT, SQLITE_NOTADB: damaged),
 * SUP_ESTATE for a database written by a newer sup.
 */
sup_err st_open(const char *path, bool power, st_db **out, char *why,
    size_t n);

/* Opens an existing database read-only (supctl history). */
sup_err st_open_ro(const char *path, st_db **out, char *why, size_t n);

void st_close(st_db *db);

/*
 * Moves the database at path (and its -wal and -shm files) aside, to
 * PATH.broken-YYYYMMDDTHHMMSSZ; never deletes anything. Writes the new name
 * to moved (n bytes). SUP_ENOTFOUND when there is nothing to move.
 */
sup_err st_move_aside(const char *path, char *moved, size_t n);

/* One write transaction: BEGIN IMMEDIATE ... COMMIT (or ROLLBACK). */
/* Copies the WAL into the database and empties it: what a full disk
 * needs back. Failures are left to the next write to report. */
void st_wal_shrink(st_db *db);
sup_err st_begin(st_db *db);
sup_err st_commit(st_db *db);
/* A read transaction: the reads until st_commit() or st_rollback() see
 * one moment of the database (a read-only connection's too). */
sup_err st_read_begin(st_db *db);
/* Whether db was opened as immutable (a read-only file system, or no
 * -shm to be made): it never sees a later change, and is not to be kept
 * for reading again. */
bool st_immutable(const st_db *db);
void st_rollback(st_db *db);

/* meta: text values. st_meta_get returns SUP_ENOTFOUND if unset. */
sup_err st_meta_put(st_db *db, const char *key, const char *value);
sup_err st_meta_get(st_db *db, const char *key, char *buf, size_t n);

/* A node row. Strings are borrowed (put) or valid during a callback. */
struct st_node {
	const char *name;
	bool is_group;
	const char *parent;	/* NULL for root */
	int position;		/* in the parent */
	const char *config_hash;
	int stop_signal;
	int64_t shutdown_ms;
	const char *state;	/* stopped, starting, running, ... */
	bool pending_start, pending_stop, is_restart, user_stopped, done;
	int64_t spawn_id;
	int64_t pid;		/* 0: none */
	int64_t pid_start;	/* its start, boot-clock ms (~/proc starttime) */
	int64_t spawned_at;	/* wall ms */
	bool ready;
	int64_t restarts;
	int64_t backoff_step;
	int64_t not_before;	/* monotonic ms; 0: none */
	bool has_exit;
	bool exit_has_code;
	int exit_code, exit_signal;
	const char *exit_reason;
	int64_t exit_at;	/* wall ms */
	const char *window;	/* group: restart times, "t1,t2,..." */
};

/* Inserts or replaces the row of n->name. Inside a transaction. */
sup_err st_node_put(st_db *db, const struct st_node *n);
/* Deletes the row of name. Inside a transaction. */
sup_err st_node_del(st_db *db, const char *name);
/*
 * Calls cb for every node row, in one short read transaction. A non-zero
 * return from cb stops the walk.
 */
sup_err st_nodes_each(st_db *db, int (*cb)(void *arg, const struct st_node *),
    void *arg);

/* A history event. */
struct st_event {
	int64_t at;		/* wall ms */
	const char *name;
	const char *event;	/* exit, restart, start, stop, adopt, ... */
	int64_t pid;		/* 0: none */
	bool has_code;
	int code;
	int signal;		/* 0: none */
	const char *reason;	/* may be NULL */
	const char *decided_by;	/* may be NULL */
};

/* Appends e. Inside a transaction. Keeps the newest ST_HISTORY_KEEP. */
#define ST_HISTORY_KEEP 20000
sup_err st_history_add(st_db *db, const struct st_event *e);

/*
 * Calls cb for each event of name (NULL: all) at or after since (wall ms),
 * oldest first, at most limit of the newest. One short read transaction.
 */
sup_err st_history_each(st_db *db, const char *name, int64_t since,
    int limit, int (*cb)(void *arg, const struct st_event *), void *arg);

/* The schema version found in the file (0 for a new one). */
int st_user_version(st_db *db);

/*
 * --- a worker's own database (RUN/state/NAME.db) ---------------------
 *
 * Written by the worker only (libsup), read briefly by others: supd
 * (last words), supctl state, sup_lookup (the registry). Tables:
 *   meta    key/value: pid, start, spawn_id, status, endpoint,
 *           last_words, last_words_spawn, last_words_status
 *   fields  one row per field of the state schema: name, type, value
 *   tables  published tables (sup_table_put): tab, key, value
 */
#define ST_WORKER_SCHEMA_VERSION 2

/* Whether e is SQLite's "database is locked" (SQLITE_BUSY, any kind). */
bool st_err_busy(sup_err e);

/*
 * Who holds the database at path, for a message: " (locked by pid N,
 * COMM)" into buf, or "" when no other process holds a lock on it.
 * Reads /proc/locks; opens neither the database nor its -shm.
 */
void st_who_locks(const char *path, char *buf, size_t n);

/* Opens a worker's database: rw (created, migrated) or read-only. */
sup_err st_wopen(const char *path, bool readonly, st_db **out, char *why,
    size_t n);

/* Opens a worker's database read-only, without waiting for a lock (for
 * supd, which a worker's user must not be able to stall). */
sup_err st_wpeek(const char *path, st_db **out, char *why, size_t n);

/*
 * Makes path a worker database, in WAL mode and migrated, for a worker
 * that will run as another user: it may not create files beside its
 * database (no rollback journal, no -wal), so what it needs is made for
 * it (and chowned by supd). Connections that write keep -wal and -shm
 * when they close.
 */
sup_err st_wcreate(const char *path, char *why, size_t n);

/* A field's value. Strings and blobs are borrowed. */
enum st_vtype { ST_NULL, ST_INT, ST_REAL, ST_TEXT, ST_BLOB };
struct st_value {
	const char *name;
	const char *type;   /* the schema's word: int64, double, ... */
	enum st_vtype vt;
	int64_t i;
	double r;
	const void *p;	    /* ST_TEXT (NUL-terminated) and ST_BLOB */
	size_t len;
};

/* Writes one value, or n: inside a transaction (st_begin ... st_commit). */
sup_err st_wfield_put(st_db *db, const struct st_value *v);
sup_err st_wfields_put(st_db *db, const struct st_value *v, int n);
/* Calls cb for every field, in one short read transaction. */
sup_err st_wfields_each(st_db *db,
    int (*cb)(void *arg, const struct st_value *), void *arg);
/*
 * The last words a worker left for its spawn spawn_id (why it exited), read
 * from its database at path, and in *status the exit status it said it
 * would exit with (-1 when it did not say); SUP_ENOTFOUND if it left none
 * for that spawn.
 */
sup_err st_wlast_words(const char *path, uint64_t spawn_id, char *buf,
    size_t n, int *status);

/* meta of a worker database (outside or inside a transaction). */
/* Published tables: one row per (table, key); the value is a blob. get
 * returns a new buffer (free() it, NUL-terminated past len) or
 * SUP_ENOTFOUND. */
sup_err st_wtable_put(st_db *db, const char *tab, const char *key,
    const void *value, size_t len);
sup_err st_wtable_del(st_db *db, const char *tab, const char *key);
sup_err st_wtable_get(st_db *db, const char *tab, const char *key,
    void **value, size_t *len);
/* Each table's name and row count; cb returns non-zero to stop. */
sup_err st_wtables_each(st_db *db, int (*cb)(void *, const char *, int64_t),
    void *arg);

sup_err st_wmeta_put(st_db *db, const char *key, const char *value);
sup_err st_wmeta_get(st_db *db, const char *key, char *buf, size_t n);

#endif
