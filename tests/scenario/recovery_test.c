/*
 * tests/scenario/recovery_test.c — supd killed with -9 and started again:
 * it adopts what lives (same pids, same counts, nothing restarted),
 * restarts what died meanwhile and says why, keeps manual stops, applies
 * config changes, finds a spawn caught between intent and pid, and keeps
 * supervising from memory when its database is damaged or the disk full.
 */
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_recovery, 120);

#define CHILD T_HELPER("t-child")

static void
supd_kill9(void)
{
	kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
}

/* Every process of this test but supd: the tree's processes. */
static int
tree_procs(pid_t *out, int cap)
{
	char kv[200];
	pid_t all[64];
	int n = 0, k;

	snprintf(kv, sizeof(kv), "SUP_RUN_DIR=%s", env.run);
	k = t_procs_with_env(kv, all, 64);
	for (int i = 0; i < k && n < cap; i++)
		out[n++] = all[i];
	return n;
}

static json_t *
supervisor_of(json_t *s)
{
	return json_object_get(s, "supervisor");
}

static char *
history(const char *name)
{
	char *out = NULL;

	cr_assert_eq(t_ctl(&env, &out, NULL, "history", name, NULL), 0);
	return out;
}

static void
conf_three(void)
{
	t_conf(&env,
	    "[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n"
	    "[worker b]\ncommand = " CHILD "\ninstances = 2\n"
	    "[worker c]\ncommand = " CHILD "\n");
}

/* Whether name runs again after its restart number n. */
static bool
back(const char *name, long n)
{
	return t_restarts(&env, name) == n &&
	    strcmp(t_state(&env, name), "running") == 0;
}

/* name killed n times, each time until it runs again; its last pid. */
static pid_t
kill_times(const char *name, long n)
{
	long base = t_restarts(&env, name);
	pid_t pid = 0;

	for (long i = base + 1; i <= base + n; i++) {
		t_kill(pid = t_pid(&env, name), SIGKILL);
		cr_assert(T_WAIT(back(name, i), T_WAIT_MS), "%s: restart %ld",
		    name, i);
	}
	return pid;
}

/*
 * A pool's own window (pool_intensity) outlives supd, as a group's does:
 * two restarts before a kill -9 of supd and one after are three within
 * the hour, one too many, and the pool fails in its group.
 */
Test(scenario_recovery, a_pools_window_survives_a_kill9_of_supd)
{
	t_conf(&env, "[worker p]\ncommand = " CHILD "\ninstances = 2\n"
	    "backoff = 0 0\npool_intensity = 2\npool_period = 1h\n");
	t_supd_start(&env);
	kill_times("p.0", 2);
	cr_assert_eq(t_history_count(&env, "p", "give_up"), 0);
	supd_kill9();
	t_supd_start(&env);
	t_kill(t_pid(&env, "p.0"), SIGKILL);
	cr_assert(T_WAIT(t_history_count(&env, "p", "give_up") == 1,
	    T_WAIT_MS), "the third restart within the hour was not one too "
	    "many; supd's log:\n%s", t_read(env.log));
}

Test(scenario_recovery, a_new_supd_adopts_live_children_with_their_counts)
{
	pid_t a0, a1, before[16], after[16];
	int nb, na;
	json_t *s;

	conf_three();
	t_supd_start(&env);
	a0 = t_pid(&env, "a");
	t_kill(a0, SIGKILL); /* one restart to remember */
	cr_assert(T_WAIT((a1 = t_pid(&env, "a")) > 0 && a1 != a0, T_WAIT_MS));
	nb = tree_procs(before, 16);
	cr_assert_eq(nb, 4);
	supd_kill9();
	/* The children live on without supd. */
	for (int i = 0; i < nb; i++)
		cr_assert(t_pid_alive(before[i]));
	t_supd_start(&env);
	s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(t_kid(s, "a"), "pid")),
	    a1, "same pid");
	cr_assert_eq(json_integer_value(json_object_get(t_kid(s, "a"),
	    "restarts")), 1, "restart count kept");
	cr_assert_eq(json_integer_value(json_object_get(supervisor_of(s),
	    "adopted")), 4);
	cr_assert(json_is_true(json_object_get(supervisor_of(s), "recovered")));
	cr_assert(json_is_true(json_object_get(supervisor_of(s),
	    "persisting")));
	json_decref(s);
	na = tree_procs(after, 16);
	cr_assert_eq(na, nb, "no new process");
	for (int i = 0; i < nb; i++) {
		bool found = false;
		for (int j = 0; j < na; j++)
			found |= before[i] == after[j];
		cr_assert(found, "pid %d was replaced", (int)before[i]);
	}
	/* Adopted children are supervised: kill one, it comes back. */
	pid_t c0 = t_pid(&env, "c");
	t_kill(c0, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "c") > 0 && t_pid(&env, "c") != c0,
	    T_WAIT_MS));
	cr_assert_eq(t_restarts(&env, "c"), 1);
	char *h = history("c");
	cr_assert(strstr(h, "exited (status unknown: adopted)") != NULL, "%s",
	    h);
	free(h);
}

Test(scenario_recovery, a_child_that_died_while_supd_was_down_is_restarted)
{
	pid_t b0, b1;
	char *h;

	conf_three();
	t_supd_start(&env);
	b0 = t_pid(&env, "b.1");
	supd_kill9();
	t_kill(b0, SIGKILL);
	cr_assert(T_WAIT(!t_pid_alive(b0), T_WAIT_MS));
	t_supd_start(&env);
	b1 = t_pid(&env, "b.1");
	cr_assert(b1 > 0 && b1 != b0);
	cr_assert_eq(t_restarts(&env, "b.1"), 1);
	cr_assert_eq(t_restarts(&env, "b.0"), 0);
	h = history("b.1");
	cr_assert(strstr(h, "exited while supd was down") != NULL, "%s", h);
	cr_assert(strstr(h, "restart") != NULL, "%s", h);
	free(h);
}

Test(scenario_recovery, a_manual_stop_survives_supd)
{
	conf_three();
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "c", NULL), 0);
	supd_kill9();
	t_supd_start(&env);
	cr_assert_str_eq(t_state(&env, "c"), "stopped");
	json_t *s = t_status(&env);
	cr_assert(json_is_true(json_object_get(t_kid(s, "c"),
	    "stopped_by_user")));
	json_decref(s);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "c", NULL), 0);
}

Test(scenario_recovery, config_changes_while_down_stop_start_and_restart)
{
	pid_t a0, b0, c0;
	json_t *h, *x;

	conf_three();
	t_supd_start(&env);
	a0 = t_pid(&env, "a");
	b0 = t_pid(&env, "b.0");
	c0 = t_pid(&env, "c");
	supd_kill9();
	/* c leaves, d arrives, a changes its command, b stays as it was. */
	t_conf(&env,
	    "[worker a]\ncommand = " CHILD " --print=changed\nbackoff = 0 0\n"
	    "[worker b]\ncommand = " CHILD "\ninstances = 2\n"
	    "[worker d]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(!t_pid_alive(c0), T_WAIT_MS), "c was stopped");
	cr_assert_eq(t_pid(&env, "b.0"), b0, "b was adopted");
	cr_assert(T_WAIT(t_pid(&env, "a") > 0 && t_pid(&env, "a") != a0,
	    T_WAIT_MS), "a was restarted");
	cr_assert(!t_pid_alive(a0));
	cr_assert_str_eq(t_state(&env, "d"), "running");
	cr_assert_not_null(h = t_history(&env, NULL));
	x = t_row_last(h, "c", "removed");
	cr_assert_eq(t_rows_count(h, "c", "removed", NULL), 1, "%s",
	    json_dumps(h, 0));
	cr_assert_eq(json_integer_value(json_object_get(x, "pid")), c0);
	cr_assert_str_eq(t_row_str(x, "reason"), "left the config: stopped");
	cr_assert_str_eq(t_row_str(x, "decided_by"), "config");
	/* a's old process was stopped by supd, its new one started for
	 * the change. */
	x = t_row_last(h, "a", "exit");
	cr_assert_eq(json_integer_value(json_object_get(x, "pid")), a0, "%s",
	    json_dumps(h, 0));
	cr_assert_str_eq(t_row_str(x, "decided_by"), "stopped by supd");
	x = t_row_last(h, "a", "start");
	cr_assert_eq(json_integer_value(json_object_get(x, "pid")),
	    t_pid(&env, "a"), "%s", json_dumps(h, 0));
	cr_assert_str_eq(t_row_str(x, "decided_by"), "config changed");
	json_decref(h);
}

Test(scenario_recovery, a_spawn_caught_before_its_pid_was_written_is_found)
{
	char db[256], sql[512], *argv[] = {"sqlite3", db, sql, NULL};
	pid_t a0;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	a0 = t_pid(&env, "a");
	supd_kill9();
	/* As if supd died between the intent's commit and the pid's: the
	 * row says starting with no pid; only RUN/spawn.tab knows it. */
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	snprintf(sql, sizeof(sql), "UPDATE nodes SET state = 'starting', "
	    "pid = 0, pid_start = 0, ready = 0 WHERE name = 'a'");
	cr_assert_eq(t_run(NULL, NULL, argv), 0);
	t_supd_start(&env);
	cr_assert_eq(t_pid(&env, "a"), a0, "adopted, not started twice");
	pid_t procs[8];
	cr_assert_eq(tree_procs(procs, 8), 1);
}

static void
file_write(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fwrite(data, 1, n, f);
	fclose(f);
}

Test(scenario_recovery, a_damaged_database_is_kept_and_supd_supervises)
{
	char db[256], *before, *after;
	json_t *s;
	const char *why;

	conf_three();
	mkdir(env.run, 0700);
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	file_write(db, "this is not a database, it is garbage\n", 38);
	before = t_read(db);
	t_supd_start(&env);
	s = t_status(&env);
	cr_assert(json_is_false(json_object_get(supervisor_of(s),
	    "persisting")));
	why = json_string_value(json_object_get(supervisor_of(s),
	    "persist_error"));
	cr_assert(why && strstr(why, "--reset-state"), "%s", why);
	json_decref(s);
	/* It supervises anyway. */
	pid_t a0 = t_pid(&env, "a");
	t_kill(a0, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "a") > 0 && t_pid(&env, "a") != a0,
	    T_WAIT_MS));
	after = t_read(db);
	cr_assert_str_eq(after, before, "the file is never touched");
	free(before);
	free(after);
}

Test(scenario_recovery, a_truncated_database_is_reported_not_lost)
{
	char db[256], *text;
	struct stat st;
	pid_t a0, procs[16];
	json_t *s;

	conf_three();
	t_supd_start(&env);
	a0 = t_pid(&env, "a");
	supd_kill9();
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	/* Checkpointed into the main file, then cut like a torn write. */
	char *argv[] = {"sqlite3", db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL};
	cr_assert_eq(t_run(NULL, NULL, argv), 0);
	cr_assert_eq(truncate(db, 1500), 0);
	t_supd_start(&env);
	s = t_status(&env);
	cr_assert(json_is_false(json_object_get(supervisor_of(s),
	    "persisting")), "%s", json_dumps(s, 0));
	json_decref(s);
	cr_assert_eq(stat(db, &st), 0);
	cr_assert_eq(st.st_size, 1500, "the damaged file is kept as it was");
	/* The spawn records still name the live children: none twice. */
	cr_assert_eq(t_pid(&env, "a"), a0);
	cr_assert_eq(tree_procs(procs, 16), 4);
	text = t_read(env.log);
	cr_assert(strstr(text, "state.error") != NULL, "%s", text);
	free(text);
}

Test(scenario_recovery, reset_state_moves_the_database_aside)
{
	char db[256], cmd[1024], *out = NULL;
	char *argv[] = {"sh", "-c", cmd, NULL};

	conf_three();
	mkdir(env.run, 0700);
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	file_write(db, "garbage", 7);
	/* supd --reset-state, by hand: t_supd_start has no flag for it. */
	snprintf(cmd, sizeof(cmd), "SUP_TEST_DIR=%s %s -c %s --reset-state "
	    "2>%s/reset.log & sleep 1; kill $!; wait; ls %s", env.dir,
	    T_BIN("supd"), env.conf, env.dir, env.run);
	cr_assert_eq(t_run(&out, NULL, argv), 0);
	cr_assert(strstr(out, "state.db.broken-") != NULL, "%s", out);
	cr_assert(strstr(out, "state.db\n") != NULL, "a new one: %s", out);
	free(out);
}

Test(scenario_recovery, a_full_disk_turns_persisting_off_and_supd_goes_on)
{
	struct rlimit small = {256 * 1024, 256 * 1024};
	const char *why;
	json_t *s;
	bool off = false;
	char *log;

	/* RLIMIT_FSIZE stands for a full disk: writes past 256 KB fail.
	 * Restarts flood the history until the database hits the limit. */
	signal(SIGXFSZ, SIG_IGN); /* inherited: EFBIG instead of death */
	setrlimit(RLIMIT_FSIZE, &small);
	t_conf(&env, "intensity = 10000\nperiod = 1s\n"
	    "[worker flood]\ncommand = " CHILD " --exit-after=1\n"
	    "backoff = 0 0\nstdout = null\n"
	    "[worker steady]\ncommand = " CHILD "\nstdout = null\n");
	t_supd_start(&env);
	/* The same status says why: a later one may find the database
	 * writable again (a full disk's WAL is emptied into it). */
	cr_assert(T_WAIT((s = t_status(&env)) && ((off = json_is_false(
	    json_object_get(supervisor_of(s), "persisting"))) ||
	    (json_decref(s), false)), 60000), "the database never filled up");
	cr_assert(off);
	why = json_string_value(json_object_get(supervisor_of(s),
	    "persist_error"));
	cr_assert(why != NULL && strstr(why, "cannot write") != NULL, "%s",
	    why ? why : "(null)");
	json_decref(s);
	cr_assert_str_eq(t_state(&env, "steady"), "running");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "flood", NULL), 0);
	log = t_read(env.log);
	cr_assert(strstr(log, "state.error") != NULL, "%s", log);
	free(log);
}

/* Whether sqlite3 ARGV printed want. */
static bool
db_says(char *argv[], const char *want)
{
	char *out = NULL;
	bool yes = t_run(&out, NULL, argv) == 0 && out != NULL &&
	    strncmp(out, want, strlen(want)) == 0;

	free(out);
	return yes;
}

Test(scenario_recovery, a_restart_the_database_never_heard_of_is_adopted_and_counted)
{
	char db[256], sql[512], *argv[] = {"sqlite3", db, sql, NULL};
	pid_t a1;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n");
	t_supd_start(&env);
	pid_t a0 = t_pid(&env, "a");
	/* The database knows a0 running (its batch commit) before a0 dies;
	 * it does not know its replacement. */
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	snprintf(sql, sizeof(sql), "SELECT state FROM nodes WHERE name = 'a' "
	    "AND pending_start = 0");
	cr_assert(T_WAIT(db_says(argv, "running"), T_WAIT_MS));
	t_kill(a0, SIGKILL);
	cr_assert(T_WAIT((a1 = t_pid(&env, "a")) > 0 && a1 != a0, T_WAIT_MS));
	supd_kill9();
	/* As if supd died right after the fork, before its batch commit:
	 * the row still has the old incarnation, the spawn record the new. */
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	snprintf(sql, sizeof(sql), "UPDATE nodes SET spawn_id = spawn_id - 1, "
	    "pid = %d, restarts = 0 WHERE name = 'a'", (int)a0);
	cr_assert_eq(t_run(NULL, NULL, argv), 0);
	t_supd_start(&env);
	cr_assert_eq(t_pid(&env, "a"), a1, "the newest incarnation, adopted");
	cr_assert_eq(t_restarts(&env, "a"), 1, "and its restart counted");
	char *h = history("a");
	cr_assert(strstr(h, "not recorded before supd died") != NULL, "%s", h);
	free(h);
}

Test(scenario_recovery, supd_killed_during_its_shutdown_comes_back_whole)
{
	pid_t procs[16], a0, s0;
	int n;

	t_conf(&env,
	    "[worker a]\ncommand = " CHILD "\n"
	    "[worker stubborn]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 30s\n");
	t_supd_start(&env);
	t_wait_handles(&env, "stubborn", SIGTERM);
	a0 = t_pid(&env, "a");
	s0 = t_pid(&env, "stubborn");
	kill(env.supd, SIGTERM); /* stubborn is stopped first, and waits */
	/* Its state becomes stopping in the step that sends the signal. */
	cr_assert(T_WAIT(strcmp(t_state(&env, "stubborn"), "stopping") == 0,
	    T_WAIT_MS), "%s", t_state(&env, "stubborn"));
	supd_kill9();
	t_supd_start(&env);
	/* A supd started again runs the tree: both adopted, none twice. */
	cr_assert_eq(t_pid(&env, "stubborn"), s0);
	cr_assert_eq(t_pid(&env, "a"), a0);
	cr_assert_str_eq(t_state(&env, "stubborn"), "running");
	n = tree_procs(procs, 16);
	cr_assert_eq(n, 2);
}

Test(scenario_recovery, after_an_orderly_stop_the_tree_starts_anew)
{
	char stamp[256], conf[1024];
	int n;

	t_path(&env, "stamp.log", stamp, sizeof(stamp));
	snprintf(conf, sizeof(conf),
	    "[worker job]\ncommand = " CHILD " --stamp=%s --exit-after=10\n"
	    "restart = transient\n"
	    "[worker a]\ncommand = " CHILD "\n[worker b]\ncommand = " CHILD
	    "\n", stamp);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT(strcmp(t_state(&env, "job"), "stopped") == 0,
	    T_WAIT_MS));
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "b", NULL), 0);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	t_supd_start(&env);
	/* The finished job runs again; the manual stop stays. */
	cr_assert(T_WAIT((t_lines_free(t_lines(stamp, &n)), n == 2),
	    T_WAIT_MS));
	cr_assert_str_eq(t_state(&env, "b"), "stopped");
	cr_assert_str_eq(t_state(&env, "a"), "running");
	json_t *s = t_status(&env);
	cr_assert(json_is_false(json_object_get(supervisor_of(s),
	    "recovered")));
	json_decref(s);
}

Test(scenario_recovery, after_a_reboot_nothing_counts_as_a_failure)
{
	char db[256], *argv[] = {"sqlite3", db,
	    "UPDATE meta SET value = 'another-boot' WHERE key = 'boot_id'",
	    NULL};
	pid_t procs[16];
	int n;

	/* intensity 1: two workers "lost while down" would make root give
	 * up; after a reboot they are simply started. */
	t_conf(&env, "intensity = 1\nperiod = 60s\n"
	    "[worker a]\ncommand = " CHILD "\n[worker b]\ncommand = " CHILD
	    "\n");
	t_supd_start(&env);
	supd_kill9();
	n = tree_procs(procs, 16);
	for (int i = 0; i < n; i++) /* what a reboot does to them */
		t_kill(procs[i], SIGKILL);
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	cr_assert_eq(t_run(NULL, NULL, argv), 0);
	t_supd_start(&env);
	cr_assert_str_eq(t_state(&env, "a"), "running");
	cr_assert_str_eq(t_state(&env, "b"), "running");
	cr_assert_eq(t_restarts(&env, "a"), 0);
	cr_assert(t_supd_alive(&env));
}

/* RUN/spawn.tab holds one record a worker: one that left the config
 * gives its record to a new name, and recovery still finds both. */
Test(scenario_recovery, a_record_left_by_a_removed_worker_is_reused)
{
	char tab[256], *text;
	pid_t a0, c0;
	int lines = 0;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n[worker b]\n"
	    "command = " CHILD "\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	t_conf(&env, "[worker c]\ncommand = " CHILD "\n[worker a]\n"
	    "command = " CHILD "\n");
	t_supd_start(&env);
	a0 = t_pid(&env, "a");
	c0 = t_pid(&env, "c");
	snprintf(tab, sizeof(tab), "%s/spawn.tab", env.run);
	text = t_read(tab);
	cr_assert_not_null(text);
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	cr_expect_eq(lines, 2, "two records, not three:\n%s", text);
	cr_expect(strncmp(text, "a ", 2) == 0, "a kept its record:\n%s", text);
	cr_expect(strstr(text, "\nc ") != NULL, "c took b's:\n%s", text);
	free(text);
	supd_kill9();
	t_supd_start(&env);
	cr_assert_eq(t_pid(&env, "a"), a0, "a adopted");
	cr_assert_eq(t_pid(&env, "c"), c0, "c adopted");
}

/* Workers added to a tree that has records each get their own, at the
 * end: one record a worker, each name once. */
Test(scenario_recovery, workers_added_by_a_reload_get_a_record_each)
{
	char tab[256], *text, *line;
	const char *names[] = {"a", "b", "c", "d"};
	int lines = 0;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	t_conf(&env, "[worker a]\ncommand = " CHILD "\n[worker b]\n"
	    "command = " CHILD "\n[worker c]\ncommand = " CHILD "\n"
	    "[worker d]\ncommand = " CHILD "\n");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	for (int i = 1; i < 4; i++)
		cr_assert(T_WAIT(strcmp(t_state(&env, names[i]), "running") ==
		    0, T_WAIT_MS), "%s", names[i]);
	snprintf(tab, sizeof(tab), "%s/spawn.tab", env.run);
	cr_assert_not_null(text = t_read(tab));
	for (char *p = text; (line = strsep(&p, "\n")) != NULL;) {
		if (*line == '\0')
			continue;
		cr_assert_lt(lines, 4, "more records than workers:\n%s", text);
		cr_expect(strncmp(line, names[lines], 1) == 0 &&
		    line[1] == ' ', "record %d is not %s's", lines,
		    names[lines]);
		lines++;
	}
	cr_expect_eq(lines, 4);
	free(text);
}

/*
 * A pool p of 2 instances, pool_intensity as given, over an hour: name
 * killed twice, the database saying so, and supd killed; the database
 * then edited by sql_fmt (its %d: name's last pid) as a kill -9 at
 * another moment would have left it; and a new supd.
 */
static void
pool_recovered_from(int intensity, const char *name, const char *sql_fmt)
{
	char db[256], sql[512], *argv[] = {"sqlite3", db, sql, NULL};
	pid_t old;

	t_conf(&env, "[worker p]\ncommand = " CHILD "\ninstances = 2\n"
	    "backoff = 0 0\npool_intensity = %d\npool_period = 1h\n",
	    intensity);
	t_supd_start(&env);
	old = kill_times(name, 2);
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	snprintf(sql, sizeof(sql), "SELECT restarts FROM nodes WHERE name = "
	    "'%s' AND state = 'running'", name);
	cr_assert(T_WAIT(db_says(argv, "2"), T_WAIT_MS));
	supd_kill9();
	snprintf(sql, sizeof(sql), sql_fmt, (int)old);
	cr_assert_eq(t_run(NULL, NULL, argv), 0, "%s", sql);
	t_supd_start(&env);
}

/*
 * A restart is planned (its failure counted in the pool's window, both
 * committed), then spawned, and supd is killed before it commits the
 * spawn: the new supd counts the restart, but not its failure a second
 * time. Two failures, then a third, are within pool_intensity = 3.
 */
Test(scenario_recovery, a_planned_restart_is_not_counted_twice_in_the_window)
{
	/* The row as it was before the second restart's spawn: planned. */
	pool_recovered_from(3, "p.0", "UPDATE nodes SET spawn_id = "
	    "spawn_id - 1, pid = %d, restarts = 1, state = 'backoff', "
	    "pending_start = 1, is_restart = 1 WHERE name = 'p.0'");
	cr_assert_eq(t_restarts(&env, "p.0"), 2);
	kill_times("p.0", 1);
	cr_assert_eq(t_history_count(&env, "p", "give_up"), 0, "3 failures "
	    "counted as 4; supd's log:\n%s", t_read(env.log));
}

/*
 * A restart counted at recovery in the pool's window (p.1's, unrecorded)
 * reaches the database, whichever of p.0's and p.1's rows was read
 * first: a second kill -9 would otherwise forget it.
 */
Test(scenario_recovery, a_restart_counted_at_recovery_is_saved_in_the_window)
{
	char db[256], *argv[] = {"sqlite3", db, "SELECT length(window) - "
	    "length(replace(window, ',', '')) FROM nodes WHERE name = 'p.0'",
	    NULL};

	/* As if supd died right after p.1's second spawn, before its
	 * commit: p.1's row names the old process, p.0's window has one
	 * restart; p.0's row is read last. */
	pool_recovered_from(5, "p.1", "UPDATE nodes SET spawn_id = "
	    "spawn_id - 1, pid = %d, restarts = 1 WHERE name = 'p.1'; UPDATE "
	    "nodes SET window = substr(window, 1, instr(window, ',') - 1) "
	    "WHERE name = 'p.0'; INSERT OR REPLACE INTO nodes SELECT * FROM "
	    "nodes WHERE name = 'p.0'");
	cr_assert_eq(t_restarts(&env, "p.1"), 2);
	/* Two restarts in p.0's window (one comma), in the database too. */
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	cr_assert(T_WAIT(db_says(argv, "1"), T_WAIT_MS), "p.0's window in "
	    "the database lacks the restart counted at recovery; log:\n%s",
	    t_read(env.log));
}

/* Whether sqlite3 on RUN/state.db prints want for the query sql. */
static bool
db_query_says(const char *sql, const char *want)
{
	char db[256], *argv[] = {"sqlite3", db, (char *)sql, NULL};

	snprintf(db, sizeof(db), "%s/state.db", env.run);
	return db_says(argv, want);
}

/*
 * A worker that left the config while supd was down is a ghost of the
 * next supd, stopped with its shutdown time; its row stays until it is
 * gone. A supd killed in that time leaves the next one the row, which
 * names the process: it is stopped, not left to run unsupervised.
 */
Test(scenario_recovery, a_ghost_still_stopping_survives_a_second_kill9)
{
	pid_t s0;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n"
	    "[worker stubborn]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 10s\n");
	t_supd_start(&env);
	t_wait_handles(&env, "stubborn", SIGTERM);
	s0 = t_pid(&env, "stubborn");
	supd_kill9();
	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start(&env); /* stubborn: a ghost, SIGTERM ignored, 10 s */
	/* The recovery's first commit: its "removed" record. */
	cr_assert(T_WAIT(db_query_says("SELECT count(*) FROM history WHERE "
	    "name = 'stubborn' AND event = 'removed'", "1"), T_WAIT_MS));
	supd_kill9(); /* within its 10 s */
	cr_assert(t_pid_alive(s0));
	t_supd_start(&env);
	cr_assert(T_WAIT(!t_pid_alive(s0), T_WAIT_MS), "the ghost stubborn "
	    "(pid %d) runs on, unsupervised; supd's log:\n%s", (int)s0,
	    t_read(env.log));
	/* Gone: its row with it. */
	cr_assert(T_WAIT(db_query_says("SELECT count(*) FROM nodes WHERE "
	    "name = 'stubborn'", "0"), T_WAIT_MS));
}

/*
 * g's worker y, which takes its 10 s shutdown to stop, runs; g is made
 * to restart (a's failure under one_for_all, or supctl restart g), and
 * supd is killed while y stops. The next supd carries the restart out:
 * y's old process is stopped and a new one runs.
 */
static void
group_restart_survives_a_kill9(const char *strategy, bool by_request)
{
	pid_t y0, y1;

	t_conf(&env, "strategy = %s\n"
	    "[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n"
	    "[group g]\n"
	    "[worker y]\ngroup = g\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 10s\nbackoff = 0 0\n", strategy);
	t_supd_start(&env);
	t_wait_handles(&env, "y", SIGTERM);
	y0 = t_pid(&env, "y");
	if (by_request)
		t_ctl_bg(&env, "restart", "g");
	else
		t_kill(t_pid(&env, "a"), SIGKILL);
	cr_assert(T_WAIT(db_query_says("SELECT state FROM nodes WHERE name "
	    "= 'y'", "stopping"), T_WAIT_MS));
	supd_kill9(); /* within y's 10 s */
	t_supd_start(&env);
	cr_assert(T_WAIT((y1 = t_pid(&env, "y")) > 0 && y1 != y0 &&
	    strcmp(t_state(&env, "y"), "running") == 0, 2 * T_WAIT_MS),
	    "g's restart was forgotten: y's pid %d (was %d), state %s, "
	    "restarts %ld", (int)t_pid(&env, "y"), (int)y0,
	    t_state(&env, "y"), t_restarts(&env, "y"));
	cr_assert(!t_pid_alive(y0));
}

/* A strategy's restart of a group (both it and the failed worker count
 * it). */
Test(scenario_recovery, a_groups_strategy_restart_survives_a_kill9)
{
	group_restart_survives_a_kill9("one_for_all", false);
	cr_assert_eq(t_restarts(&env, "y"), 1);
	cr_assert_eq(t_restarts(&env, "a"), 1);
}

/* The same for a restart a person asked for: supctl restart g. */
Test(scenario_recovery, a_groups_requested_restart_survives_a_kill9)
{
	group_restart_survives_a_kill9("one_for_one", true);
}

/*
 * A worker found hung (here: its health probe fails) is stopped by supd,
 * and its exit is a failure: counted, in its group's window, backoff and
 * strategy. supd is killed during that stop and the process exits while
 * supd is down: the next supd counts the failure all the same.
 */
Test(scenario_recovery, a_hung_workers_stop_is_a_failure_after_a_kill9)
{
	char flag[256];
	pid_t h0;

	t_path(&env, "sick", flag, sizeof(flag));
	t_conf(&env, "[worker h]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 10s\nbackoff = 0 0\n"
	    "health = sh -c 'test ! -e %s'\nhealth_interval = 100ms\n"
	    "health_retries = 1\n", flag);
	t_supd_start(&env);
	t_wait_handles(&env, "h", SIGTERM);
	h0 = t_pid(&env, "h");
	file_write(flag, "", 0); /* its probe fails: hung, stopped */
	cr_assert(T_WAIT(db_query_says("SELECT state FROM nodes WHERE name "
	    "= 'h'", "stopping"), T_WAIT_MS));
	unlink(flag);
	supd_kill9(); /* within its 10 s */
	t_kill(h0, SIGKILL); /* it ends while supd is down */
	cr_assert(T_WAIT(!t_pid_alive(h0), T_WAIT_MS));
	t_supd_start(&env);
	cr_assert(T_WAIT(t_pid(&env, "h") > 0 &&
	    strcmp(t_state(&env, "h"), "running") == 0, T_WAIT_MS));
	cr_assert_eq(t_restarts(&env, "h"), 1, "the hung stop's failure was "
	    "forgotten: restarts %ld, last exit \"%s\"", t_restarts(&env, "h"),
	    t_last_reason(&env, "h"));
}

/*
 * one_for_all: a fails, and the strategy stops its temporary sibling t
 * for good (OTP does not restart a temporary child), which takes its
 * 10 s shutdown. A supd killed meanwhile leaves the next one to finish
 * that stop: t's process is not adopted to run on.
 */
Test(scenario_recovery, a_temporary_childs_stop_by_a_strategy_survives_a_kill9)
{
	pid_t t0;

	t_conf(&env, "strategy = one_for_all\n"
	    "[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n"
	    "[worker t]\ncommand = " CHILD " --ignore-term\n"
	    "restart = temporary\nshutdown = 10s\n");
	t_supd_start(&env);
	t_wait_handles(&env, "t", SIGTERM);
	t0 = t_pid(&env, "t");
	t_kill(t_pid(&env, "a"), SIGKILL);
	cr_assert(T_WAIT(db_query_says("SELECT state FROM nodes WHERE name "
	    "= 't'", "stopping"), T_WAIT_MS));
	supd_kill9(); /* within t's 10 s */
	t_supd_start(&env);
	cr_assert(T_WAIT(!t_pid_alive(t0), 2 * T_WAIT_MS), "t (pid %d) was "
	    "adopted and runs on: state %s", (int)t0, t_state(&env, "t"));
	cr_assert(T_WAIT(strcmp(t_state(&env, "a"), "running") == 0,
	    T_WAIT_MS));
	cr_assert_str_eq(t_state(&env, "t"), "stopped");
	cr_assert_eq(t_restarts(&env, "a"), 1);
}
