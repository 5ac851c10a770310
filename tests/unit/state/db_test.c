/*
 * tests/unit/state/db_test.c — supd's database: a new file and every
 * earlier schema version migrate to the current one; a newer one is
 * refused, a damaged one reported; rows read back as written; history
 * stays bounded; nothing is ever deleted by moving a database aside.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

static char dir[64], path[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/sup-state-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(st_db, .init = setup, .fini = teardown);

static st_db *
open_ok(void)
{
	char why[256] = "";
	st_db *db = NULL;
	sup_err e = st_open(path, false, &db, why, sizeof(why));

	cr_assert_eq(e, SUP_OK, "st_open: %s (%s)", sup_strerror(e), why);
	return db;
}

/* Runs sql on the file directly, as an older sup or a person would. */
static void
raw(const char *sql)
{
	sqlite3 *h;

	cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
	    sqlite3_errmsg(h));
	sqlite3_close(h);
}

static char *
pragma(st_db *db, const char *name)
{
	static char buf[64];
	sqlite3 *h;
	sqlite3_stmt *s;
	char sql[64];

	(void)db;
	snprintf(sql, sizeof(sql), "PRAGMA %s", name);
	cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	snprintf(buf, sizeof(buf), "%s", sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
	return buf;
}

Test(st_db, a_new_file_is_created_0600_in_wal_at_the_current_version)
{
	st_db *db = open_ok();
	struct stat st;

	cr_assert_eq(st_user_version(db), ST_SCHEMA_VERSION);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_str_eq(pragma(db, "journal_mode"), "wal");
	st_close(db);
}

Test(st_db, version_0_an_empty_database_migrates)
{
	raw("CREATE TABLE unrelated (x)"); /* an existing, older file */
	st_db *db = open_ok();
	cr_assert_eq(st_user_version(db), ST_SCHEMA_VERSION);
	st_close(db);
}

Test(st_db, a_database_from_a_newer_sup_is_refused_untouched)
{
	char why[256] = "";
	st_db *db = NULL;

	raw("PRAGMA user_version = 99");
	cr_assert_eq(st_open(path, false, &db, why, sizeof(why)), SUP_ESTATE);
	cr_assert(strstr(why, "newer sup") != NULL, "%s", why);
	cr_assert_null(db);
	cr_assert_str_eq(pragma(NULL, "user_version"), "99");
}

Test(st_db, garbage_is_reported_as_a_database_error)
{
	char why[256] = "";
	st_db *db = NULL;
	int fd = open(path, O_WRONLY | O_CREAT, 0600);

	cr_assert_eq(write(fd, "garbage garbage garbage garbage", 31), 31);
	close(fd);
	sup_err e = st_open(path, false, &db, why, sizeof(why));
	cr_assert_eq(SUP_ERR_TAG(e), SUP_EDB, "%s", sup_strerror(e));
	cr_assert(strstr(why, "not a database") != NULL, "%s", why);
}

static int
count_cb(void *arg, const struct st_node *n)
{
	struct st_node *out = arg;

	if (strcmp(n->name, "kv") == 0) {
		cr_assert_str_eq(n->state, "running");
		cr_assert_eq(n->pid, 1234);
		cr_assert_eq(n->pid_start, 98765);
		cr_assert_eq(n->restarts, 3);
		cr_assert(n->user_stopped);
		cr_assert(!n->pending_start);
		cr_assert(n->has_exit);
		cr_assert(!n->exit_has_code);
		cr_assert_eq(n->exit_signal, 9);
		cr_assert_str_eq(n->exit_reason, "killed by signal 9 (KILL)");
		cr_assert_str_eq(n->parent, "backend");
		out->position++;
	}
	return 0;
}

Test(st_db, a_node_reads_back_as_written)
{
	st_db *db = open_ok();
	struct st_node n = {.name = "kv", .parent = "backend", .position = 2,
	    .config_hash = "abc", .stop_signal = 15, .shutdown_ms = 5000,
	    .state = "running", .user_stopped = true, .spawn_id = 7,
	    .pid = 1234, .pid_start = 98765, .restarts = 3, .has_exit = true,
	    .exit_signal = 9, .exit_reason = "killed by signal 9 (KILL)"};
	struct st_node seen = {0};

	cr_assert_eq(st_begin(db), SUP_OK);
	cr_assert_eq(st_node_put(db, &n), SUP_OK);
	n.restarts = 3; /* put twice: replaced, not duplicated */
	cr_assert_eq(st_node_put(db, &n), SUP_OK);
	cr_assert_eq(st_commit(db), SUP_OK);
	st_close(db);
	db = open_ok();
	cr_assert_eq(st_nodes_each(db, count_cb, &seen), SUP_OK);
	cr_assert_eq(seen.position, 1);
	cr_assert_eq(st_begin(db), SUP_OK);
	cr_assert_eq(st_node_del(db, "kv"), SUP_OK);
	cr_assert_eq(st_commit(db), SUP_OK);
	seen.position = 0;
	cr_assert_eq(st_nodes_each(db, count_cb, &seen), SUP_OK);
	cr_assert_eq(seen.position, 0);
	st_close(db);
}

Test(st_db, a_rolled_back_transaction_leaves_nothing)
{
	st_db *db = open_ok();
	struct st_node n = {.name = "kv", .state = "running"};
	struct st_node seen = {0};

	cr_assert_eq(st_begin(db), SUP_OK);
	cr_assert_eq(st_node_put(db, &n), SUP_OK);
	st_rollback(db);
	cr_assert_eq(st_nodes_each(db, count_cb, &seen), SUP_OK);
	cr_assert_eq(seen.position, 0);
	st_close(db);
}

static int
hist_cb(void *arg, const struct st_event *e)
{
	int *n = arg;

	if (*n == 0)
		cr_assert_str_eq(e->event, "exit");
	(*n)++;
	return 0;
}

Test(st_db, history_is_bounded_and_read_oldest_first)
{
	st_db *db = open_ok();
	struct st_event e = {.name = "kv", .event = "exit", .reason = "r"};
	int n = 0;

	cr_assert_eq(st_begin(db), SUP_OK);
	for (int i = 0; i < ST_HISTORY_KEEP + ST_HISTORY_KEEP / 5; i++) {
		e.at = i;
		cr_assert_eq(st_history_add(db, &e), SUP_OK);
	}
	cr_assert_eq(st_commit(db), SUP_OK);
	cr_assert_eq(st_history_each(db, NULL, 0, 1000000, hist_cb, &n),
	    SUP_OK);
	cr_assert_leq(n, ST_HISTORY_KEEP + ST_HISTORY_KEEP / 10);
	cr_assert_geq(n, ST_HISTORY_KEEP);
	n = 0;
	cr_assert_eq(st_history_each(db, "kv", ST_HISTORY_KEEP + 100, 5,
	    hist_cb, &n), SUP_OK);
	cr_assert_eq(n, 5);
	st_close(db);
}

Test(st_db, moving_aside_renames_and_never_deletes)
{
	char moved[256], wal[300];
	struct stat st;
	st_db *db = open_ok();

	st_close(db);
	cr_assert_eq(st_move_aside(path, moved, sizeof(moved)), SUP_OK);
	cr_assert(strstr(moved, "state.db.broken-") != NULL, "%s", moved);
	cr_assert_eq(stat(moved, &st), 0);
	cr_assert_neq(stat(path, &st), 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	cr_assert_neq(stat(wal, &st), 0);
	cr_assert_eq(st_move_aside(path, moved, sizeof(moved)), SUP_ENOTFOUND);
}

static int
field_count(void *arg, const struct st_value *v)
{
	if (strcmp(v->name, "count") == 0)
		*(int64_t *)arg = v->i;
	return 0;
}

/* A worker database written by the first libsup (schema 1): its
 * checkpoint and registry survive the migration, and tables work. */
Test(st_db, a_worker_database_of_version_1_migrates_keeping_its_checkpoint)
{
	char why[256] = "", pid[16] = "";
	st_db *db = NULL;
	void *v = NULL;
	size_t n = 0;
	int64_t count = -1;

	raw("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	    "CREATE TABLE fields (name TEXT PRIMARY KEY, type TEXT NOT NULL,"
	    "  value);"
	    "INSERT INTO meta VALUES ('pid', '4242');"
	    "INSERT INTO fields VALUES ('count', 'int64', 7);"
	    "PRAGMA user_version = 1;");
	cr_assert_eq(st_wopen(path, false, &db, why, sizeof(why)), SUP_OK,
	    "%s", why);
	cr_assert_eq(st_user_version(db), ST_WORKER_SCHEMA_VERSION);
	cr_assert_eq(st_wmeta_get(db, "pid", pid, sizeof(pid)), SUP_OK);
	cr_assert_str_eq(pid, "4242");
	cr_assert_eq(st_wfields_each(db, field_count, &count), SUP_OK);
	cr_assert_eq(count, 7);
	cr_assert_eq(st_wtable_get(db, "t", "k", &v, &n), SUP_ENOTFOUND);
	cr_assert_eq(SUP_OK, st_begin(db));
	cr_assert_eq(SUP_OK, st_wtable_put(db, "t", "k", "", 0));
	cr_assert_eq(SUP_OK, st_wtable_put(db, "t", "k2", "two", 3));
	cr_assert_eq(SUP_OK, st_wtable_put(db, "t", "gone", "x", 1));
	cr_assert_eq(SUP_OK, st_wtable_del(db, "t", "gone"));
	cr_assert_eq(SUP_OK, st_commit(db));
	cr_assert_eq(st_wtable_get(db, "t", "gone", &v, &n), SUP_ENOTFOUND);
	cr_assert_eq(st_wtable_get(db, "t", "k", &v, &n), SUP_OK);
	cr_assert_eq(n, 0, "an empty value is a value, not a missing key");
	free(v);
	st_close(db);
	/* And as a reader sees it. */
	cr_assert_eq(st_wopen(path, true, &db, why, sizeof(why)), SUP_OK,
	    "%s", why);
	cr_assert_eq(st_wtable_get(db, "t", "k2", &v, &n), SUP_OK);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(v, "two");
	free(v);
	st_close(db);
}
