/*
 * tests/scenario/lifecycle_test.c — stopping and starting children well:
 * SIGKILL after `shutdown` for a child that ignores SIGTERM, brutal_kill,
 * stop_signal, grandchildren that must not outlive their parent, readiness
 * through sd_notify (ours and libsystemd's), ordered start, start_timeout,
 * the environment and the user/directory a child gets, stdout to a log.
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_lifecycle, 90);

#define CHILD T_HELPER("t-child")

static const char *
last_reason(const char *name, char *buf, size_t n)
{
	json_t *s = t_status(&env);
	const char *r = json_string_value(json_object_get(json_object_get(
	    t_kid(s, name), "last_exit"), "reason"));

	snprintf(buf, n, "%s", r ? r : "");
	json_decref(s);
	return buf;
}

Test(scenario_lifecycle, a_child_ignoring_sigterm_is_killed_after_shutdown)
{
	char reason[200];
	json_t *h, *x;
	int64_t t0;

	t_conf(&env, "[worker stubborn]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 400ms\n");
	t_supd_start(&env);
	t_wait_handles(&env, "stubborn", SIGTERM);
	t0 = t_now_ms();
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "stubborn", NULL), 0);
	cr_assert(t_now_ms() - t0 >= 400, "SIGKILL came before shutdown");
	cr_assert_str_eq(last_reason("stubborn", reason, sizeof(reason)),
	    "killed after the shutdown timeout (400ms)");
	/* Killed by supd after the timeout: once, at the end of its stop. */
	h = t_history(&env, "stubborn");
	cr_assert_not_null(h);
	cr_assert_eq(t_rows_count(h, "stubborn", "exit", NULL), 1, "%s",
	    json_dumps(h, 0));
	x = t_row_last(h, "stubborn", "exit");
	cr_assert_str_eq(t_row_str(x, "reason"),
	    "killed after the shutdown timeout (400ms)");
	cr_assert_eq(json_integer_value(json_object_get(x, "signal")),
	    SIGKILL);
	cr_assert_str_eq(t_row_str(x, "decided_by"), "stopped by supd");
	json_decref(h);
}

Test(scenario_lifecycle, brutal_kill_sends_sigkill_at_once)
{
	json_t *s;

	t_conf(&env, "[worker w]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = brutal_kill\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    t_kid(s, "w"), "last_exit"), "signal")), 9);
	json_decref(s);
}

Test(scenario_lifecycle, stop_signal_is_the_one_sent)
{
	json_t *s;

	t_conf(&env, "[worker w]\ncommand = " CHILD " --term-exit=7\n"
	    "stop_signal = INT\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    t_kid(s, "w"), "last_exit"), "signal")), SIGINT);
	json_decref(s);
}

static pid_t
grandchild_conf_start(void)
{
	char gc[256], conf[1024];

	t_path(&env, "gc.pid", gc, sizeof(gc));
	snprintf(conf, sizeof(conf), "[worker w]\ncommand = " CHILD
	    " --grandchild=%s\nbackoff = 0 0\n", gc);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT(t_read(gc) != NULL && atoi(t_read(gc)) > 0,
	    T_WAIT_MS));
	return (pid_t)atoi(t_read(gc));
}

Test(scenario_lifecycle, a_grandchild_does_not_outlive_its_parents_stop)
{
	pid_t gc = grandchild_conf_start();

	cr_assert(t_pid_alive(gc));
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	cr_assert(T_WAIT(!t_pid_alive(gc), T_WAIT_MS));
}

Test(scenario_lifecycle, a_grandchild_does_not_outlive_its_parents_crash)
{
	pid_t gc = grandchild_conf_start(), w = t_pid(&env, "w");

	t_kill(w, SIGKILL);
	cr_assert(T_WAIT(!t_pid_alive(gc), T_WAIT_MS),
	    "the rest of the process group is killed with the child");
}

/* One status, one moment: a starting and saying "loading", b not yet
 * started. */
static bool
a_loading_b_waiting(void)
{
	json_t *s = t_status(&env), *a = t_kid(s, "a"), *b = t_kid(s, "b");
	const char *text = json_string_value(json_object_get(a, "status_text"));
	const char *sa = json_string_value(json_object_get(a, "state"));
	const char *sb = json_string_value(json_object_get(b, "state"));
	bool ok = text != NULL && sa != NULL && sb != NULL &&
	    strcmp(text, "loading") == 0 && strcmp(sa, "starting") == 0 &&
	    strcmp(sb, "stopped") == 0;

	json_decref(s);
	return ok;
}

Test(scenario_lifecycle, notify_readiness_orders_the_start)
{
	char stamp[256], conf[1024];
	long long ta, tb;
	char **l;
	int n;

	t_path(&env, "stamp.log", stamp, sizeof(stamp));
	snprintf(conf, sizeof(conf),
	    "[worker a]\ncommand = " CHILD " --stamp=%s --status=loading "
	    "--ready-after=1500\nready = notify\n"
	    "[worker b]\ncommand = " CHILD " --stamp=%s\n", stamp, stamp);
	t_conf(&env, "%s", conf);
	t_supd_spawn(&env);
	/* a says "loading" some time after its spawn, and READY=1 1.5 s
	 * later; b waits meanwhile. */
	cr_assert(T_WAIT(a_loading_b_waiting(), T_WAIT_MS));
	cr_assert(T_WAIT(strcmp(t_state(&env, "b"), "running") == 0,
	    T_WAIT_MS));
	/* b, running from its spawn, stamps a moment later. */
	cr_assert(T_WAIT((t_lines_free(t_lines(stamp, &n)), n == 2),
	    T_WAIT_MS), "%d stamps", n);
	l = t_lines(stamp, &n);
	sscanf(l[0], "%*d %lld", &ta);
	sscanf(l[1], "%*d %lld", &tb);
	cr_assert(strstr(l[0], " a") && strstr(l[1], " b"));
	cr_assert((tb - ta) / 1000000 >= 1500, "b started %lld ms after a",
	    (tb - ta) / 1000000);
	t_lines_free(l);
	cr_assert_str_eq(t_state(&env, "a"), "running");
}

Test(scenario_lifecycle, libsystemd_sd_notify_works_unmodified)
{
	json_t *s;
	char want[64];

	t_conf(&env, "[worker sd]\ncommand = " T_HELPER("t-sdnotify")
	    " 200\nready = notify\n");
	t_supd_start(&env); /* ready: sd became ready */
	s = t_status(&env);
	cr_assert_str_eq(json_string_value(json_object_get(t_kid(s, "sd"),
	    "state")), "running");
	snprintf(want, sizeof(want), "serving %lld", (long long)
	    json_integer_value(json_object_get(t_kid(s, "sd"), "pid")));
	cr_assert_str_eq(json_string_value(json_object_get(t_kid(s, "sd"),
	    "status_text")), want);
	json_decref(s);
}

Test(scenario_lifecycle, a_child_never_ready_is_killed_at_start_timeout)
{
	char reason[200];

	t_conf(&env, "intensity = 100\nperiod = 60s\n"
	    "[worker slow]\ncommand = " CHILD "\nready = notify\n"
	    "start_timeout = 300ms\nbackoff = 0 0\n");
	t_supd_spawn(&env);
	cr_assert(T_WAIT(t_restarts(&env, "slow") >= 1, T_WAIT_MS),
	    "a start timeout is a failed start, restarted");
	cr_assert_str_eq(last_reason("slow", reason, sizeof(reason)),
	    "not ready within 300ms (start_timeout)");
	json_t *h = t_history(&env, "slow");
	cr_assert_not_null(h);
	cr_assert_geq(t_rows_count(h, "slow", "exit",
	    "not ready within 300ms (start_timeout)"), 1, "%s",
	    json_dumps(h, 0));
	cr_assert_str_eq(t_row_str(t_row_last(h, "slow", "restart"),
	    "decided_by"), "permanent child of root, not ready within 300ms "
	    "(start_timeout)");
	json_decref(h);
}

Test(scenario_lifecycle, a_child_gets_its_environment_and_directory)
{
	char envf[256], who[256], conf[1024], *text;

	t_path(&env, "env.txt", envf, sizeof(envf));
	t_path(&env, "who.txt", who, sizeof(who));
	snprintf(conf, sizeof(conf),
	    "[worker kv]\ncommand = " CHILD " --env=%s --whoami=%s\n"
	    "directory = /tmp\nenv = GREETING=\"hello world\" LANG=C\n"
	    "instances = 2\nready = notify\nstart_timeout = infinity\n",
	    envf, who);
	t_conf(&env, "%s", conf);
	t_supd_spawn(&env);
	cr_assert(T_WAIT((text = t_read(envf)) != NULL &&
	    strstr(text, "SUP_SPAWN_ID="), T_WAIT_MS));
	text = t_read(envf);
	cr_assert(strstr(text, "SUP_NAME=kv.1\n") ||
	    strstr(text, "SUP_NAME=kv.0\n"), "%s", text);
	char want[512];
	snprintf(want, sizeof(want), "SUP_RUN_DIR=%s\n", env.run);
	cr_assert(strstr(text, want), "%s", text);
	snprintf(want, sizeof(want), "SUP_ENDPOINT=ipc://%s/w/kv.", env.run);
	cr_assert(strstr(text, want), "%s", text);
	snprintf(want, sizeof(want), "SUP_STATE_DB=%s/state/kv.", env.run);
	cr_assert(strstr(text, want), "%s", text);
	cr_assert(strstr(text, "SUP_INSTANCE="), "%s", text);
	cr_assert(strstr(text, "NOTIFY_SOCKET=@"), "%s", text);
	cr_assert(strstr(text, "GREETING=hello world\n"), "%s", text);
	cr_assert(strstr(text, "LANG=C\n"), "%s", text);
	free(text);
	cr_assert(T_WAIT(t_read(who) != NULL, T_WAIT_MS));
	text = t_read(who);
	cr_assert(strstr(text, " /tmp 022\n") != NULL, "%s", text);
	free(text);
}

Test(scenario_lifecycle, user_switches_the_childs_identity)
{
	char who[256], conf[1024], child[256], *text;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	/* nobody may not reach the checkout (a clone under /root is 0700). */
	t_exec_copy(&env, CHILD, child, sizeof(child));
	t_dir_for(&env, "out", 0755, 65534, who, sizeof(who));
	strcat(who, "/who.txt");
	snprintf(conf, sizeof(conf), "[worker w]\ncommand = %s"
	    " --whoami=%s\nuser = nobody\n", child, who);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT(t_read(who) != NULL, T_WAIT_MS));
	text = t_read(who);
	cr_assert(strncmp(text, "65534 ", 6) == 0, "%s", text);
	free(text);
}

Test(scenario_lifecycle, stdout_goes_to_the_childs_log_file)
{
	char path[256], *text;

	t_conf(&env, "[worker talker]\ncommand = " CHILD
	    " \"--print=hello from talker\"\n");
	t_supd_start(&env);
	snprintf(path, sizeof(path), "%s/log/talker.log", env.run);
	cr_assert(T_WAIT((text = t_read(path)) != NULL &&
	    strstr(text, "hello from talker\n"), T_WAIT_MS));
}

/* A program that cannot start (the loader's 127: a shared library not
 * found) says why in its log; the exit's reason points there. */
Test(scenario_lifecycle, an_exit_127_names_the_log_and_its_last_line)
{
	json_t *s, *k;
	const char *why;

	t_conf(&env, "[worker w]\ncommand = /bin/sh -c 'echo starting; echo "
	    "./w: error while loading shared libraries: libsup.so.0: "
	    "cannot open shared object file >&2; exit 127'\n"
	    "backoff = 1m 1m\n");
	t_supd_spawn(&env);
	/* Its second exit (the first restart is at once) starts a backoff
	 * of a minute: what follows reads a history that stays still. */
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "backoff") == 0,
	    T_WAIT_MS));
	s = t_status(&env);
	k = t_kid(s, "w");
	why = json_string_value(json_object_get(json_object_get(k,
	    "last_exit"), "reason"));
	cr_assert_not_null(why);
	cr_assert(strstr(why, "exited with status 127; ") == why, "%s", why);
	cr_assert(strstr(why, "/log/w.log says: ./w: error while loading "
	    "shared libraries: libsup.so.0") != NULL, "%s", why);
	json_decref(s);
	/* Each exit's row says it too. */
	cr_assert_eq(t_history_with(&env, "w", "exit", "libsup.so.0: cannot "
	    "open"), 2);
}
