/*
 * tests/scenario/edge_test.c — the corners a review found: many supctl at
 * once, deferred replies released together, a listener check that must
 * not cut clients off, an inherited SIGCHLD = SIG_IGN, restarting root, a
 * start sent while a stop runs, a STATUS line that is not UTF-8, a
 * temporary child not yet started under one_for_all, a manual start that
 * ends a backoff, and children that left the config at shutdown.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_edge, 120);

#define CHILD T_HELPER("t-child")

/* Runs supctl -r RUN args in the background; returns its pid. */
static pid_t
ctl_bg(const char *a1, const char *a2, const char *a3)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", 1);
		dup2(null, 1);
		dup2(null, 2);
		execl(T_BIN("supctl"), "supctl", "-r", env.run, a1, a2, a3,
		    (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int
exit_of(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(scenario_edge, thirty_supctl_at_once_all_get_answers)
{
	pid_t p[30];

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	for (int i = 0; i < 30; i++)
		p[i] = ctl_bg("status", "a", NULL);
	for (int i = 0; i < 30; i++)
		cr_assert_eq(exit_of(p[i]), 0, "supctl %d", i);
}

Test(scenario_edge, two_waiters_released_together_are_both_answered)
{
	pid_t p1, p2;

	/* Stopping lasts the whole shutdown: long enough to be seen by a
	 * status under ASan on a loaded machine. */
	t_conf(&env, "[worker a]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 4s\n");
	t_supd_start(&env);
	t_wait_handles(&env, "a", SIGTERM);
	p1 = ctl_bg("stop", "a", NULL);
	cr_assert(T_WAIT(strcmp(t_state(&env, "a"), "stopping") == 0,
	    T_WAIT_MS));
	p2 = ctl_bg("stop", "a", NULL);
	cr_assert_eq(exit_of(p1), 0);
	cr_assert_eq(exit_of(p2), 0);
}

Test(scenario_edge, a_listener_check_does_not_cut_clients_off)
{
	pid_t p;

	t_conf(&env, "[worker a]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 4s\n");
	t_supd_start(&env);
	t_wait_handles(&env, "a", SIGTERM);
	p = ctl_bg("stop", "a", NULL);
	cr_assert(T_WAIT(strcmp(t_state(&env, "a"), "stopping") == 0,
	    T_WAIT_MS));
	/* As an older supctl whose probe went unanswered: read, ignored. */
	kill(env.supd, SIGUSR1);
	cr_assert_eq(exit_of(p), 0, "the stop in flight was answered");
}

Test(scenario_edge, an_inherited_ignored_sigchld_does_not_blind_supd)
{
	char cmd[512];
	pid_t a0;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n");
	snprintf(cmd, sizeof(cmd), "trap '' CHLD; exec %s -c %s 2>>%s",
	    T_BIN("supd"), env.conf, env.log);
	setenv("SUP_TEST_DIR", env.dir, 1);
	if ((env.supd = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	cr_assert(T_WAIT((a0 = t_pid(&env, "a")) > 0, T_WAIT_MS));
	t_kill(a0, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "a") > 0 && t_pid(&env, "a") != a0,
	    T_WAIT_MS), "the exit was seen and the child restarted");
}

Test(scenario_edge, restart_root_is_answered)
{
	pid_t a0;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	a0 = t_pid(&env, "a");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "--timeout", "10s", "restart",
	    "root", NULL), 0);
	cr_assert(t_pid(&env, "a") != a0);
	cr_assert_str_eq(t_state(&env, "a"), "running");
}

Test(scenario_edge, a_start_sent_during_a_stop_starts_it_after)
{
	pid_t p;

	t_conf(&env, "[worker a]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 4s\n");
	t_supd_start(&env);
	t_wait_handles(&env, "a", SIGTERM);
	p = ctl_bg("stop", "a", NULL);
	cr_assert(T_WAIT(strcmp(t_state(&env, "a"), "stopping") == 0,
	    T_WAIT_MS));
	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "a", NULL), 0);
	cr_assert_eq(exit_of(p), 1, "the stop is answered: overridden");
	cr_assert_str_eq(t_state(&env, "a"), "running", "%s\nlog:\n%s",
	    t_status_err, t_read(env.log));
}

Test(scenario_edge, a_status_line_that_is_not_utf8_keeps_the_child_listed)
{
	json_t *s;
	const char *text;

	t_conf(&env, "[worker a]\ncommand = " CHILD " --status-garbage "
	    "--ready-after=50\nready = notify\n");
	t_supd_start(&env);
	s = t_status(&env);
	cr_assert_not_null(t_kid(s, "a"));
	text = json_string_value(json_object_get(t_kid(s, "a"),
	    "status_text"));
	cr_assert(text && strlen(text) < 256 && strchr(text, '?'), "%s", text);
	json_decref(s);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "a", NULL), 0);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "status", "a", NULL), 1);
}

Test(scenario_edge, a_temporary_child_not_yet_started_still_starts)
{
	char flag[256], conf[1024];

	/* a fails its first start (it is not ready before it exits); b,
	 * temporary, was still waiting its turn. */
	t_path(&env, "once", flag, sizeof(flag));
	snprintf(conf, sizeof(conf),
	    "[group g]\nstrategy = one_for_all\n"
	    "[worker a]\ngroup = g\ncommand = sh -c 'if [ -e %s ]; then exec "
	    CHILD " --ready-after=10; fi; touch %s; exit 1'\n"
	    "ready = notify\nbackoff = 0 0\n"
	    "[worker b]\ngroup = g\ncommand = " CHILD "\nrestart = temporary\n",
	    flag, flag);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert_str_eq(t_state(&env, "b"), "running");
}

Test(scenario_edge, a_manual_start_that_ends_a_backoff_counts_the_restart)
{
	t_conf(&env, "intensity = 100\nperiod = 60s\n"
	    "[worker a]\ncommand = " CHILD " --exit-after=200 --code=1\n"
	    "backoff = 5s 30s\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(strcmp(t_state(&env, "a"), "backoff") == 0,
	    T_WAIT_MS));
	long before = t_restarts(&env, "a");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "a", NULL), 0);
	cr_assert_eq(t_restarts(&env, "a"), before + 1);
}

Test(scenario_edge, children_that_left_the_config_go_before_supd)
{
	pid_t x0;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n"
	    "[worker x]\ncommand = " CHILD " --ignore-term\nshutdown = 30s\n");
	t_supd_start(&env);
	t_wait_handles(&env, "x", SIGTERM);
	x0 = t_pid(&env, "x");
	kill(env.supd, SIGKILL);
	t_supd_wait(&env, T_WAIT_MS);
	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	cr_assert(t_pid_alive(x0), "x ignores TERM: still stopping");
	kill(env.supd, SIGTERM);
	cr_assert_eq(t_supd_wait(&env, 60000), 0);
	cr_assert(!t_pid_alive(x0), "x did not outlive supd");
}
