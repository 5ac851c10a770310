/*
 * OTP's semantics where sup follows them (issue 14; the rules are pinned
 * in the engine and restart unit tests; these are the real processes).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

#define CHILD T_HELPER("t-child")

T_SCENARIO_SUITE(otp, 60);

/* Once its exit is in the history, what followed it is decided. */
static void
exit_seen(const char *name)
{
	cr_assert(T_WAIT(t_history_count(&env, name, "exit") == 1,
	    T_WAIT_MS), "no exit of %s recorded", name);
}

/* A transient child killed by a SIGTERM supd did not send (kill(1), a
 * service manager) ended as OTP's shutdown: it is not restarted. */
Test(otp, a_transient_child_ended_by_sigterm_is_not_restarted)
{
	t_conf(&env, "[worker t]\ncommand = " CHILD "\nrestart = transient\n"
	    "[worker other]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	t_kill(t_pid(&env, "t"), SIGTERM);
	exit_seen("t");
	cr_assert(T_WAIT(strcmp(t_state(&env, "t"), "stopped") == 0,
	    T_WAIT_MS));
	cr_assert_eq(t_history_count(&env, "t", "restart"), 0);
	cr_assert_eq(t_restarts(&env, "t"), 0);
}

/* normal_exit = 0: a SIGTERM is a failure again, and restarts it. */
Test(otp, normal_exit_can_make_sigterm_a_failure)
{
	pid_t p;

	t_conf(&env, "[worker t]\ncommand = " CHILD "\nrestart = transient\n"
	    "normal_exit = 0\n");
	t_supd_start(&env);
	p = t_pid(&env, "t");
	t_kill(p, SIGTERM);
	cr_assert(T_WAIT(t_pid(&env, "t") > 0 && t_pid(&env, "t") != p,
	    T_WAIT_MS));
	cr_assert_eq(t_restarts(&env, "t"), 1);
}

/* A wrapper shell turns SIGTERM into status 143: normal_exit names it. */
Test(otp, normal_exit_can_name_a_wrappers_status)
{
	t_conf(&env, "[worker w]\ncommand = " CHILD " --term-exit=143\n"
	    "restart = transient\nnormal_exit = 0 143\n"
	    "[worker x]\ncommand = " CHILD " --term-exit=143\n"
	    "restart = transient\n");
	t_supd_start(&env);
	t_wait_handles(&env, "w", SIGTERM);
	t_wait_handles(&env, "x", SIGTERM);
	t_kill(t_pid(&env, "w"), SIGTERM);
	t_kill(t_pid(&env, "x"), SIGTERM);
	exit_seen("w");
	exit_seen("x");
	cr_assert(T_WAIT(t_restarts(&env, "x") == 1, T_WAIT_MS),
	    "143 is a failure by default");
	cr_assert_str_eq(t_state(&env, "w"), "stopped");
	cr_assert_eq(t_history_count(&env, "w", "restart"), 0);
}

/* on_start_failure = abort: a child that exits before it is ready in the
 * first start stops the tree, and supd exits 1 naming it; the children
 * after it never start. */
Test(otp, a_failed_first_start_aborts_when_told_to)
{
	char *log;

	t_conf(&env, "on_start_failure = abort\n"
	    "[worker up]\ncommand = " CHILD "\n"
	    "[worker bad]\ncommand = " CHILD " --exit-after=50 --code=3\n"
	    "ready = notify\n"
	    "[worker after]\ncommand = " CHILD "\n");
	t_supd_spawn(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 1, "%s", t_read(env.log));
	log = t_read(env.log);
	cr_assert(strstr(log, "supd.start_failed name=bad") != NULL, "%s",
	    log);
	free(log);
	cr_assert_eq(t_history_count(&env, "bad", "start_failed"), 1);
	cr_assert_eq(t_history_count(&env, "bad", "restart"), 0);
	cr_assert_eq(t_history_count(&env, "after", "start"), 0);
	cr_assert_eq(t_history_count(&env, "up", "exit"), 1, "stopped");
}

/* retry (the default): the same start goes on, restarting the child. */
Test(otp, a_failed_first_start_is_retried_by_default)
{
	t_conf(&env, "[worker bad]\ncommand = " CHILD " --exit-after=50 "
	    "--code=3\nready = notify\nbackoff = 0 0\n"
	    "[worker after]\ncommand = " CHILD "\n");
	t_supd_spawn(&env);
	cr_assert(T_WAIT(t_history_count(&env, "bad", "restart") >= 1,
	    T_WAIT_MS));
	cr_assert(t_supd_alive(&env));
}

/* ignore: OTP's init returning ignore. The spec is kept, the child is
 * not restarted, its group's start goes on, status says "ignored"; a
 * start of its group (or supctl start) runs it again. By exit status
 * (ignore_exit) for any program, by SUP_RET_IGNORE for a libsup one. */
static void
assert_ignored(const char *name)
{
	json_t *s, *k;

	cr_assert(T_WAIT(strcmp(t_state(&env, name), "stopped") == 0,
	    T_WAIT_MS));
	s = t_status(&env);
	cr_assert_not_null(s, "%s", t_status_err);
	k = t_kid(s, name);
	cr_assert_str_eq(json_string_value(json_object_get(k, "status")),
	    "ignored");
	json_decref(s);
	cr_assert_eq(t_history_count(&env, name, "restart"), 0);
}

Test(otp, an_ignore_exit_status_keeps_the_child_without_restarting_it)
{
	t_conf(&env, "[worker opt]\ncommand = " CHILD " --exit-after=20 "
	    "--code=77\nready = notify\nignore_exit = 77\n"
	    "[worker after]\ncommand = " CHILD "\n");
	t_supd_start(&env); /* root is ready: the start went on */
	cr_assert_str_eq(t_state(&env, "after"), "running");
	assert_ignored("opt");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "opt", NULL), 1,
	    "it ignores again: the start fails, as OTP's restart_child");
	cr_assert(T_WAIT(t_history_count(&env, "opt", "exit") == 2,
	    T_WAIT_MS));
	assert_ignored("opt");
}

Test(otp, a_libsup_init_returning_ignore_is_ignored)
{
	t_conf(&env, "[worker w]\ncommand = " T_HELPER("t-worker")
	    " --need=1 --ignore=true\nready = sup\n"
	    "[worker after]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	assert_ignored("w");
	cr_assert_str_eq(t_state(&env, "after"), "running");
}

/* auto_shutdown at root: when the significant job ends, supd stops the
 * rest and exits with the job's status (supervisord's "essential",
 * s6-overlay's exit code) — as a container wants. */
Test(otp, a_significant_child_ends_supd_with_its_status)
{
	t_conf(&env, "auto_shutdown = any_significant\n"
	    "[worker db]\ncommand = " CHILD "\n"
	    "[worker job]\ncommand = " CHILD " --exit-after=300 --code=3\n"
	    "restart = temporary\nsignificant = true\n");
	t_supd_start(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 3, "%s", t_read(env.log));
	cr_assert_eq(t_history_count(&env, "db", "exit"), 1, "db stopped");
	cr_assert_eq(t_history_count(&env, "root", "auto_shutdown"), 1);
}

/* A group that ends on its own (transient) is not restarted; supd and
 * the rest of the tree go on. */
Test(otp, a_group_ends_with_its_significant_child)
{
	t_conf(&env, "[group job]\nauto_shutdown = any_significant\n"
	    "restart = transient\n"
	    "[worker main]\ngroup = job\ncommand = " CHILD " --exit-after=300\n"
	    "restart = transient\nsignificant = true\n"
	    "[worker side]\ngroup = job\ncommand = " CHILD "\n"
	    "[worker other]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(t_history_count(&env, "side", "exit") == 1,
	    T_WAIT_MS));
	cr_assert_str_eq(t_state(&env, "side"), "stopped");
	cr_assert_str_eq(t_state(&env, "other"), "running");
	cr_assert(t_supd_alive(&env));
	cr_assert_eq(t_history_count(&env, "side", "restart"), 0);
}

/* How many of names are stopping, in one status (one moment: four
 * separate ones, on a loaded machine, can miss a short window). */
static int
stopping_count(const char *const *names, int n)
{
	json_t *s = t_status(&env);
	const char *st;
	int c = 0;

	for (int i = 0; s != NULL && i < n; i++) {
		st = json_string_value(json_object_get(t_kid(s, names[i]),
		    "state"));
		c += st != NULL && strcmp(st, "stopping") == 0;
	}
	json_decref(s);
	return c;
}

/* supctl stop of a pool stops its instances together (OTP stops the
 * children of a simple_one_for_one supervisor at once), not one after
 * the other's shutdown. */
Test(otp, a_pools_instances_stop_together)
{
	static const char *const names[] = {"p.0", "p.1", "p.2", "p.3"};
	pid_t stopper;
	int st;

	t_conf(&env, "[worker p]\ncommand = " CHILD " --ignore-term\n"
	    "instances = 4\nshutdown = 3s\n");
	t_supd_start(&env);
	for (int i = 0; i < 4; i++)
		t_wait_handles(&env, names[i], SIGTERM);
	stopper = t_ctl_bg(&env, "stop", "p");
	cr_assert(T_WAIT(stopping_count(names, 4) == 4, T_WAIT_MS),
	    "all four stopping at once");
	cr_assert_eq(waitpid(stopper, &st, 0), stopper);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The first start of a tree is a start, whatever ran before it on the
 * same database: only a tree taken over from a live supd never aborts. */
Test(otp, abort_holds_on_a_database_that_ran_before)
{
	t_conf(&env, "[worker up]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	t_conf(&env, "on_start_failure = abort\n"
	    "[worker up]\ncommand = " CHILD "\n"
	    "[worker bad]\ncommand = " CHILD " --exit-after=50 --code=3\n"
	    "ready = notify\n");
	t_supd_spawn(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 1, "%s", t_read(env.log));
}

/* A pool is its own one_for_one supervisor inside its group: under
 * one_for_all, an instance killed is restarted alone; its siblings and
 * the group's other children keep their processes. */
Test(otp, a_pool_instance_fails_alone_under_one_for_all)
{
	pid_t db, p0, p2, p1;

	t_conf(&env, "strategy = one_for_all\n"
	    "[worker db]\ncommand = " CHILD "\n"
	    "[worker p]\ncommand = " CHILD "\ninstances = 3\n");
	t_supd_start(&env);
	db = t_pid(&env, "db");
	p0 = t_pid(&env, "p.0");
	p1 = t_pid(&env, "p.1");
	p2 = t_pid(&env, "p.2");
	t_kill(p1, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "p.1") > 0 && t_pid(&env, "p.1") != p1,
	    T_WAIT_MS));
	cr_assert_eq(t_pid(&env, "db"), db);
	cr_assert_eq(t_pid(&env, "p.0"), p0);
	cr_assert_eq(t_pid(&env, "p.2"), p2);
	cr_assert_eq(t_history_count(&env, "db", "restart"), 0);
}
