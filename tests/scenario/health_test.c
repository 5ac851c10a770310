/*
 * Hung is not alive (issue 15): watchdogs and health probes, with real
 * processes. A program written for systemd's WatchdogSec (t-watchdog,
 * libsystemd unmodified) that stops feeding is restarted as a failure,
 * "watchdog timeout"; one that feeds is left alone; a libsup worker stuck
 * in a callback is caught because its loop feeds the watchdog; a failing
 * exec probe restarts its child with the probe's last line; a probe that
 * hangs is killed at health_timeout with everything it started.
 *
 * Intervals are short to keep the suite fast, never tight: what must not
 * happen is given several intervals of slack, and what must happen is
 * waited for with T_WAIT_MS.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

#define WATCHDOG T_HELPER("t-watchdog")
#define WORKER T_HELPER("t-worker")
#define CHILD T_HELPER("t-child")

T_SCENARIO_SUITE(health, 90);

/* Many restarts are expected: no give-up in the way. */
#define ROOM "intensity = 1000\nperiod = 60s\n"

static const char *
kid_str(const char *name, const char *key)
{
	static char buf[400];
	json_t *s = t_status(&env), *v;

	buf[0] = '\0';
	if (s != NULL && (v = json_object_get(t_kid(s, name), key)) != NULL &&
	    json_is_string(v))
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	json_decref(s);
	return buf;
}

/* restarts_by_reason[why] of name, -1 when unknown. */
static long
restarts_by(const char *name, const char *why)
{
	json_t *s = t_status(&env), *v;
	long n = -1;

	v = s != NULL ? json_object_get(json_object_get(t_kid(s, name),
	    "restarts_by_reason"), why) : NULL;
	if (json_is_integer(v))
		n = (long)json_integer_value(v);
	json_decref(s);
	return n;
}

Test(health, a_notify_child_that_stops_feeding_is_restarted_for_it)
{
	char envf[200], *text;
	long usec = 0, wpid = 0, pid = 0;
	json_t *s, *x;
	pid_t p0;

	snprintf(envf, sizeof(envf), "%s/wd.env", env.dir);
	t_conf(&env, ROOM "[worker hung]\ncommand = " WATCHDOG " --feed=3 "
	    "--env=%s\nready = notify\nwatchdog = 1s\n", envf);
	t_supd_start(&env);
	p0 = t_pid(&env, "hung");
	/* Exactly as systemd sets them: sd_watchdog_enabled() said yes. */
	text = t_read(envf);
	cr_assert_not_null(text);
	cr_assert_eq(sscanf(text, "%ld %ld %ld", &usec, &wpid, &pid), 3,
	    "%s", text);
	free(text);
	cr_assert_eq(usec, 1000000);
	cr_assert_eq(wpid, pid, "WATCHDOG_PID is the child's own pid");
	cr_assert_eq(pid, p0);
	cr_assert(T_WAIT(t_history_with(&env, "hung", "exit",
	    "watchdog timeout") >= 1, T_WAIT_MS), "no watchdog timeout");
	cr_assert(T_WAIT(t_restarts(&env, "hung") >= 1 && t_pid(&env, "hung")
	    > 0 && t_pid(&env, "hung") != p0, T_WAIT_MS));
	s = t_status(&env);
	x = json_object_get(t_kid(s, "hung"), "last_exit");
	cr_assert_str_eq(json_string_value(json_object_get(x, "reason")),
	    "watchdog timeout");
	/* Its stop_signal (TERM), as supd stops a child. */
	cr_assert_eq(json_integer_value(json_object_get(x, "signal")),
	    SIGTERM);
	cr_assert_eq(json_integer_value(json_object_get(t_kid(s, "hung"),
	    "watchdog_ms")), 1000);
	json_decref(s);
	cr_assert_geq(restarts_by("hung", "watchdog"), 1);
}

Test(health, a_child_that_keeps_feeding_is_never_restarted)
{
	pid_t fed;

	t_conf(&env, ROOM "[worker fed]\ncommand = " WATCHDOG "\n"
	    "ready = notify\nwatchdog = 2s\n"
	    "[worker hung]\ncommand = " WATCHDOG " --feed=1\nready = notify\n"
	    "watchdog = 1s\nbackoff = 0 0\n");
	t_supd_start(&env);
	fed = t_pid(&env, "fed");
	/* Meanwhile its sibling was caught twice: several of fed's
	 * intervals went by. */
	cr_assert(T_WAIT(t_restarts(&env, "hung") >= 2, T_WAIT_MS));
	cr_assert_eq(t_restarts(&env, "fed"), 0);
	cr_assert_eq(t_pid(&env, "fed"), fed);
	cr_assert_str_eq(t_state(&env, "fed"), "running");
}

Test(health, watchdog_trigger_is_a_timeout_now)
{
	t_conf(&env, ROOM "[worker t]\ncommand = " WATCHDOG " --feed=1 "
	    "--trigger\nready = notify\nwatchdog = 1h\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(t_history_with(&env, "t", "exit",
	    "watchdog timeout") >= 1, T_WAIT_MS),
	    "WATCHDOG=trigger did not stop it, an hour before its timeout");
}

/* A libsup worker: its loop feeds the watchdog, so a callback that never
 * returns starves it. */
Test(health, a_libsup_worker_stuck_in_a_callback_is_caught)
{
	char marks[200], *m;
	pid_t p0, c;
	int st;

	snprintf(marks, sizeof(marks), "%s/marks", env.dir);
	t_conf(&env, ROOM "[worker w]\ncommand = " WORKER " --need=1\n"
	    "ready = sup\nwatchdog = 1s\nenv = T_MARKS=%s\n", marks);
	t_supd_start(&env);
	p0 = t_pid(&env, "w");
	/* Idle, it feeds: three intervals go by without a restart. */
	t_sleep_ms(3000);
	cr_assert_eq(t_restarts(&env, "w"), 0, "an idle worker was killed");
	if ((c = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(T_BIN("supctl"), "supctl", "-r", env.run, "call", "w",
		    "sleep 600000", "--timeout", "60s", (char *)NULL);
		_exit(127);
	}
	cr_assert(c > 0);
	cr_assert(T_WAIT((m = t_read(marks)) != NULL && strstr(m, "sleep") !=
	    NULL, T_WAIT_MS), "the call never reached the worker");
	free(m);
	cr_assert(T_WAIT(t_history_with(&env, "w", "exit", "watchdog timeout")
	    >= 1, T_WAIT_MS), "the stuck worker was not caught");
	cr_assert(T_WAIT(t_pid(&env, "w") > 0 && t_pid(&env, "w") != p0 &&
	    strcmp(t_state(&env, "w"), "running") == 0, T_WAIT_MS));
	/* The call in flight failed with the worker, as any call does. */
	cr_assert_eq(waitpid(c, &st, 0), c);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0);
}

Test(health, a_failing_probe_restarts_the_child_with_its_last_line)
{
	pid_t p0;

	t_conf(&env, ROOM "[worker db]\ncommand = " CHILD "\n"
	    "health = sh -c 'echo connecting; echo db down; exit 1'\n"
	    "health_interval = 200ms\nhealth_retries = 2\n");
	t_supd_start(&env);
	p0 = t_pid(&env, "db");
	cr_assert(T_WAIT(t_history_with(&env, "db", "exit",
	    "health check failed: db down") >= 1, T_WAIT_MS));
	cr_assert(T_WAIT(t_pid(&env, "db") > 0 && t_pid(&env, "db") != p0,
	    T_WAIT_MS));
	cr_assert(T_WAIT(strstr(t_last_reason(&env, "db"),
	    "health check failed") != NULL, T_WAIT_MS));
	cr_assert_str_eq(t_last_reason(&env, "db"),
	    "health check failed: db down");
	cr_assert_geq(restarts_by("db", "health"), 1);
}

Test(health, a_passing_probe_shows_healthy)
{
	char *out = NULL;
	json_t *s;

	t_conf(&env, "[worker api]\ncommand = " CHILD "\n"
	    "health = sh -c 'test -n \"$SUP_PID\" && kill -0 \"$SUP_PID\" && "
	    "echo ok'\nhealth_interval = 200ms\n"
	    "[worker plain]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(strcmp(kid_str("api", "health"), "healthy") == 0,
	    T_WAIT_MS), "health is %s", kid_str("api", "health"));
	s = t_status(&env);
	cr_assert(json_is_null(json_object_get(t_kid(s, "plain"), "health")),
	    "no probe, no health");
	cr_assert_str_eq(json_string_value(json_object_get(t_kid(s, "api"),
	    "health_output")), "ok");
	cr_assert_eq(json_integer_value(json_object_get(t_kid(s, "api"),
	    "health_failures")), 0);
	json_decref(s);
	cr_assert_eq(t_ctl(&env, &out, NULL, "status", NULL), 0);
	cr_assert(strstr(out, "HEALTH") != NULL && strstr(out, "healthy") !=
	    NULL, "%s", out);
	free(out);
	cr_assert_eq(t_ctl(&env, &out, NULL, "metrics", NULL), 0);
	cr_assert(strstr(out, "sup_child_healthy{name=\"api\",group=\"root\"}"
	    " 1") != NULL, "%s", out);
	cr_assert(strstr(out, "sup_child_healthy{name=\"plain\"") == NULL);
	free(out);
	cr_assert_eq(t_restarts(&env, "api"), 0);
}

/* Whether every pid listed in path (one a line) is gone. */
static bool
all_gone(const char *path, int *count)
{
	int n = 0;
	char **lines = t_lines(path, &n);
	bool gone = true;

	for (int i = 0; i < n; i++)
		if (t_pid_alive((pid_t)atol(lines[i])))
			gone = false;
	t_lines_free(lines);
	*count = n;
	return gone;
}

Test(health, a_probe_past_its_timeout_fails_and_leaves_nothing_behind)
{
	char pids[200];
	int n = 0;

	snprintf(pids, sizeof(pids), "%s/probes", env.dir);
	/* The probe and a grandchild of it both hang. */
	t_conf(&env, ROOM "[worker slow]\ncommand = " CHILD "\n"
	    "health = sh -c 'sleep 1000 & echo $! >> %s; echo $$ >> %s; wait'"
	    "\nhealth_interval = 100ms\nhealth_timeout = 300ms\n"
	    "health_retries = 2\n", pids, pids);
	t_supd_start(&env);
	cr_assert(T_WAIT(t_history_with(&env, "slow", "exit",
	    "health check failed: timed out after 300ms (health_timeout)") >=
	    1, T_WAIT_MS));
	/* Stopped: no probe runs; every one started is gone, with its
	 * grandchild. */
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "slow", NULL), 0);
	cr_assert(T_WAIT(all_gone(pids, &n), T_WAIT_MS), "a probe is left");
	cr_assert_geq(n, 4, "two probes, two processes each");
}

Test(health, a_probe_runs_as_its_child_in_its_directory)
{
	char out[200], *text;

	snprintf(out, sizeof(out), "%s/probe.where", env.dir);
	t_conf(&env, "[worker w]\ncommand = " CHILD "\ndirectory = /tmp\n"
	    "env = GREETING=hi\nhealth = sh -c 'echo \"$(pwd) $GREETING "
	    "$SUP_NAME\" > %s'\nhealth_interval = 100ms\n", out);
	t_supd_start(&env);
	cr_assert(T_WAIT(strcmp(kid_str("w", "health"), "healthy") == 0,
	    T_WAIT_MS));
	text = t_read(out);
	cr_assert_not_null(text);
	cr_assert_str_eq(text, "/tmp hi w\n");
	free(text);
}

/* After a kill -9 of supd, the adopted child's watchdog starts a fresh
 * interval in the new supd, and its health starts unknown. */
Test(health, a_watchdog_and_health_survive_a_supd_kill_9)
{
	pid_t p0, q0;

	/* Feeds for about 4 s (9 times, every 500 ms), then hangs. */
	t_conf(&env, ROOM "[worker w]\ncommand = " WATCHDOG " --feed=9\n"
	    "ready = notify\nwatchdog = 1s\n"
	    "[worker h]\ncommand = " CHILD "\nhealth = /bin/true\n"
	    "health_interval = 200ms\n");
	t_supd_start(&env);
	p0 = t_pid(&env, "w");
	q0 = t_pid(&env, "h");
	cr_assert(T_WAIT(strcmp(kid_str("h", "health"), "healthy") == 0,
	    T_WAIT_MS));
	kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	t_supd_start(&env);
	cr_assert_eq(t_pid(&env, "w"), p0, "adopted, not restarted");
	cr_assert_eq(t_pid(&env, "h"), q0);
	cr_assert(T_WAIT(strcmp(kid_str("h", "health"), "healthy") == 0,
	    T_WAIT_MS), "the new supd probes it too");
	/* The adopted child stops feeding: the new supd catches it. */
	cr_assert(T_WAIT(t_history_with(&env, "w", "exit", "watchdog timeout")
	    >= 1, T_WAIT_MS));
	cr_assert(T_WAIT(t_pid(&env, "w") > 0 && t_pid(&env, "w") != p0,
	    T_WAIT_MS));
	cr_assert_eq(t_restarts(&env, "h"), 0);
}

/* A probe running when supd is killed dies with it: no supd would time
 * it out or reap it. */
Test(health, a_probe_dies_with_a_supd_killed_by_9)
{
	char pids[200];
	int n = 0;

	snprintf(pids, sizeof(pids), "%s/probes", env.dir);
	t_conf(&env, "[worker w]\ncommand = " CHILD "\n"
	    "health = sh -c 'echo $$ >> %s; exec sleep 1000'\n"
	    "health_interval = 100ms\nhealth_timeout = 10m\n", pids);
	t_supd_start(&env);
	cr_assert(T_WAIT((all_gone(pids, &n), n >= 1), T_WAIT_MS),
	    "no probe started");
	cr_assert_not(all_gone(pids, &n), "the probe runs");
	kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	cr_assert(T_WAIT(all_gone(pids, &n), T_WAIT_MS),
	    "the probe outlived supd");
}
