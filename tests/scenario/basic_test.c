/*
 * tests/scenario/basic_test.c — supd and supctl as a user drives them:
 * start, status (table and JSON), kill -9 and restart, stop/start/restart
 * of a child and a pool, signal, tree, exit codes, background start and
 * orderly stop with nothing left behind.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_basic, 90);

#define SLEEPER T_HELPER("t-child")

static void
conf_simple(void)
{
	t_conf(&env,
	    "[worker kv]\ncommand = " SLEEPER "\n"
	    "[worker pool]\ncommand = " SLEEPER "\ninstances = 3\n");
}

Test(scenario_basic, status_json_lists_every_child_with_its_fields)
{
	json_t *s, *k, *sup;

	conf_simple();
	t_supd_start(&env);
	s = t_status(&env);
	cr_assert_not_null(s);
	sup = json_object_get(s, "supervisor");
	cr_assert_eq(json_integer_value(json_object_get(sup, "pid")),
	    env.supd);
	cr_assert_str_eq(json_string_value(json_object_get(sup, "state")),
	    "running");
	cr_assert(json_is_boolean(json_object_get(sup, "persisting")));
	cr_assert(json_is_integer(json_object_get(sup, "uptime_ms")));
	cr_assert_eq(json_array_size(json_object_get(s, "children")), 4);
	k = t_kid(s, "kv");
	cr_assert_not_null(k);
	cr_assert_str_eq(json_string_value(json_object_get(k, "group")),
	    "root");
	cr_assert_str_eq(json_string_value(json_object_get(k, "state")),
	    "running");
	cr_assert(json_integer_value(json_object_get(k, "pid")) > 0);
	cr_assert_eq(json_integer_value(json_object_get(k, "restarts")), 0);
	cr_assert(json_is_null(json_object_get(k, "last_exit")));
	cr_assert(json_is_null(json_object_get(k, "status")));
	cr_assert_not_null(t_kid(s, "pool.0"));
	cr_assert_not_null(t_kid(s, "pool.2"));
	json_decref(s);
}

Test(scenario_basic, kill_9_brings_the_child_back_with_one_more_restart)
{
	pid_t old, now;
	json_t *s, *last;

	conf_simple();
	t_supd_start(&env);
	old = t_pid(&env, "kv");
	cr_assert(old > 0);
	t_kill(old, SIGKILL);
	cr_assert(T_WAIT((now = t_pid(&env, "kv")) > 0 && now != old,
	    T_WAIT_MS));
	s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(t_kid(s, "kv"),
	    "restarts")), 1);
	last = json_object_get(t_kid(s, "kv"), "last_exit");
	cr_assert_eq(json_integer_value(json_object_get(last, "signal")), 9);
	cr_assert(json_is_null(json_object_get(last, "code")));
	cr_assert_str_eq(json_string_value(json_object_get(last, "reason")),
	    "killed by signal 9 (KILL)");
	/* The siblings were not touched (one_for_one). */
	cr_assert_eq(json_integer_value(json_object_get(t_kid(s, "pool.0"),
	    "restarts")), 0);
	json_decref(s);
	cr_assert(!t_pid_alive(old));
}

Test(scenario_basic, a_stopped_child_stays_stopped_until_started)
{
	pid_t old;
	char *err = NULL;

	conf_simple();
	t_supd_start(&env);
	old = t_pid(&env, "kv");
	cr_assert_eq(t_ctl(&env, NULL, &err, "stop", "kv", NULL), 0, "%s",
	    err);
	free(err);
	/* supctl stop returns once the child is gone. */
	cr_assert(!t_pid_alive(old));
	/* Stopped, held by the user: no restart is pending (the engine
	 * decides one in the same step as the exit: engine_test.c). */
	cr_assert_str_eq(t_state(&env, "kv"), "stopped");
	cr_assert_eq(t_restarts(&env, "kv"), 0, "a manual stop is no failure");
	cr_assert_eq(t_history_count(&env, "kv", "restart"), 0);
	cr_assert_eq(t_history_count(&env, "kv", "exit"), 1);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "status", "kv", NULL), 1,
	    "status NAME exits 1 when it is not running");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "kv", NULL), 0);
	cr_assert_str_eq(t_state(&env, "kv"), "running");
	cr_assert(t_pid(&env, "kv") != old);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "status", "kv", NULL), 0);
}

Test(scenario_basic, restart_replaces_the_process_and_a_pool_name_means_all)
{
	pid_t p0 = 0, p2 = 0, k0;

	conf_simple();
	t_supd_start(&env);
	k0 = t_pid(&env, "kv");
	p0 = t_pid(&env, "pool.0");
	p2 = t_pid(&env, "pool.2");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "pool", NULL), 0);
	cr_assert(t_pid(&env, "pool.0") != p0);
	cr_assert(t_pid(&env, "pool.2") != p2);
	cr_assert_eq(t_pid(&env, "kv"), k0);
	cr_assert_str_eq(t_state(&env, "pool.1"), "running");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "pool", NULL), 0);
	cr_assert_str_eq(t_state(&env, "pool.0"), "stopped");
	cr_assert_str_eq(t_state(&env, "pool.2"), "stopped");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "pool.1", NULL), 0);
	cr_assert_str_eq(t_state(&env, "pool.1"), "running");
	cr_assert_str_eq(t_state(&env, "pool.0"), "stopped");
}

Test(scenario_basic, unknown_names_exit_4_with_a_suggestion)
{
	char *err = NULL;

	conf_simple();
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, &err, "stop", "kvv", NULL), 4);
	cr_assert(strstr(err, "no such child: kvv") != NULL, "%s", err);
	cr_assert(strstr(err, "did you mean kv?") != NULL, "%s", err);
	free(err);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "status", "nothing", NULL), 4);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "pol", NULL), 4);
	cr_assert_str_eq(t_state(&env, "kv"), "running");
}

Test(scenario_basic, supctl_exits_3_when_supd_is_not_running)
{
	char *err = NULL;

	conf_simple();
	cr_assert_eq(t_ctl(&env, NULL, &err, "status", NULL), 3);
	cr_assert(strstr(err, "not running") != NULL, "%s", err);
	free(err);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "kv", NULL), 3);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "tree", NULL), 3);
}

Test(scenario_basic, table_and_tree_are_aligned_for_people)
{
	char *out = NULL;

	t_conf(&env,
	    "[group backend]\nstrategy = rest_for_one\n"
	    "[worker kv]\ngroup = backend\ncommand = " SLEEPER "\n"
	    "[worker web]\ncommand = " SLEEPER "\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, &out, NULL, "status", NULL), 0);
	cr_assert(strstr(out, "NAME  GROUP    STATE    PID") != NULL, "%s",
	    out);
	cr_assert(strstr(out, "\nkv    backend  running  ") != NULL, "%s", out);
	free(out);
	cr_assert_eq(t_ctl(&env, &out, NULL, "tree", NULL), 0);
	cr_assert(strstr(out, "root  running  (one_for_one, 5 in 10s)") != NULL,
	    "%s", out);
	cr_assert(strstr(out, "|-- backend  running  (rest_for_one") != NULL,
	    "%s", out);
	cr_assert(strstr(out, "|   `-- kv  running  pid ") != NULL, "%s", out);
	cr_assert(strstr(out, "`-- web  running  pid ") != NULL, "%s", out);
	free(out);
}

Test(scenario_basic, signal_reaches_the_child_process_group)
{
	char path[256], conf[1024], *out = NULL;
	pid_t old;

	t_path(&env, "gc.pid", path, sizeof(path));
	snprintf(conf, sizeof(conf), "[worker kv]\ncommand = " SLEEPER
	    " --grandchild=%s\n", path);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	old = t_pid(&env, "kv");
	cr_assert(T_WAIT(t_read(path) != NULL, T_WAIT_MS));
	pid_t gc = (pid_t)atoi(t_read(path));
	cr_assert(t_pid_alive(gc));
	cr_assert_eq(t_ctl(&env, &out, NULL, "signal", "kv", "USR1", NULL), 0);
	cr_assert_str_eq(out, "kv\n");
	free(out);
	/* SIGUSR1 kills both (default action): the grandchild got it too. */
	cr_assert(T_WAIT(!t_pid_alive(gc), T_WAIT_MS));
	cr_assert(T_WAIT(t_pid(&env, "kv") != old && t_pid(&env, "kv") > 0,
	    T_WAIT_MS));
	cr_assert_eq(t_ctl(&env, NULL, NULL, "signal", "kv", "NOPE", NULL), 2);
}

Test(scenario_basic, background_start_is_a_noop_when_running_and_stop_leaves_nothing)
{
	char *out = NULL, kv[200];
	char *start[] = {T_BIN("supctl"), "start", "-c", env.conf, NULL};
	char *stop[] = {T_BIN("supctl"), "-c", env.conf, "stop", NULL};
	pid_t left[16];

	conf_simple();
	setenv("SUP_TEST_DIR", env.dir, 1);
	cr_assert_eq(t_run(&out, NULL, start), 0);
	cr_assert(strstr(out, "supd started (pid ") != NULL, "%s", out);
	free(out);
	cr_assert_str_eq(t_state(&env, "pool.2"), "running");
	cr_assert_eq(t_run(&out, NULL, start), 0);
	cr_assert(strstr(out, "already running") != NULL, "%s", out);
	free(out);
	cr_assert_eq(t_run(NULL, NULL, stop), 0);
	snprintf(kv, sizeof(kv), "SUP_TEST_DIR=%s", env.dir);
	cr_assert_eq(t_procs_with_env(kv, left, 16), 0,
	    "processes left after supctl stop");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "status", NULL), 3);
}

Test(scenario_basic, sigterm_to_supd_stops_in_reverse_order_and_exits_0)
{
	char stamp[256], stops[256], conf[2048];
	int n;

	t_path(&env, "start.log", stamp, sizeof(stamp));
	t_path(&env, "supd.log", stops, sizeof(stops));
	snprintf(conf, sizeof(conf),
	    "[worker a]\ncommand = " SLEEPER " --stamp=%s\n"
	    "[worker b]\ncommand = " SLEEPER " --stamp=%s\n"
	    "[worker c]\ncommand = " SLEEPER " --stamp=%s\n",
	    stamp, stamp, stamp);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT((t_lines_free(t_lines(stamp, &n)), n == 3),
	    T_WAIT_MS));
	kill(env.supd, SIGTERM);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	char *log = t_read(stops);
	char *ta = strstr(log, "child.start name=a"),
	     *tb = strstr(log, "child.start name=b"),
	     *tc = strstr(log, "child.start name=c");
	cr_assert(ta && tb && tc && ta < tb && tb < tc,
	    "started in config order:\n%s", log);
	char *sc = strstr(log, "child.stop name=c"),
	     *sb = strstr(log, "child.stop name=b"),
	     *sa = strstr(log, "child.stop name=a");
	cr_assert(sc && sb && sa && sc < sb && sb < sa,
	    "stopped in reverse order:\n%s", log);
	free(log);
}
