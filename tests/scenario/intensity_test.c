/*
 * tests/scenario/intensity_test.c — restart intensity and backoff: a
 * nested group that fails too often gives up and its parent restarts it;
 * root giving up ends supd with status 1 (or leaves it up, failed, with
 * on_give_up = stay); backoff delays grow, are capped, and reset.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tests/t.h"

static struct t_env env;
static char stamp[256];

static void
setup(void)
{
	t_env_init(&env);
	t_path(&env, "stamp.log", stamp, sizeof(stamp));
}

static void
teardown(void)
{
	t_env_fini(&env);
}

TestSuite(scenario_intensity, .init = setup, .fini = teardown, .timeout = 120);

#define CHILD T_HELPER("t-child")

Test(scenario_intensity, nested_group_gives_up_and_its_parent_restarts_it)
{
	char conf[2048];
	json_t *s, *h;
	pid_t sib;

	/* inner allows 1 restart in 60s; crasher dies every 200 ms. */
	snprintf(conf, sizeof(conf),
	    "intensity = 100\nperiod = 60s\n"
	    "[group outer]\nstrategy = one_for_one\nintensity = 100\n"
	    "period = 60s\n"
	    "[group inner]\nparent = outer\nintensity = 1\nperiod = 60s\n"
	    "backoff = 0 0\n"
	    "[worker steady]\ngroup = inner\ncommand = " CHILD "\n"
	    "[worker crasher]\ngroup = inner\ncommand = " CHILD
	    " --exit-after=200 --code=3\nbackoff = 0 0\n"
	    "[worker sibling]\ngroup = outer\ncommand = " CHILD "\n");
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	sib = t_pid(&env, "sibling");
	cr_assert(T_WAIT((s = t_status(&env),
	    json_integer_value(json_object_get(t_group(s, "inner"),
	    "restarts")) >= 1 ? true : (json_decref(s), false)), T_WAIT_MS),
	    "outer restarted inner after it gave up");
	json_decref(s);
	h = t_history(&env, NULL);
	cr_assert_not_null(h);
	cr_assert_geq(t_rows_count(h, "inner", "give_up",
	    "more than 1 restarts in 1m"), 1, "%s", json_dumps(h, 0));
	cr_assert_str_eq(t_row_str(t_row_last(h, "inner", "give_up"),
	    "decided_by"), "intensity");
	cr_assert_eq(t_rows_count(h, "outer", "give_up", NULL), 0, "%s",
	    json_dumps(h, 0));
	json_decref(h);
	/* Giving up stopped steady too, and the restart started it again. */
	cr_assert(T_WAIT(t_restarts(&env, "steady") >= 1, T_WAIT_MS));
	cr_assert_eq(t_pid(&env, "sibling"), sib, "outer's other child "
	    "was not touched (one_for_one)");
	cr_assert(t_supd_alive(&env));
}

Test(scenario_intensity, root_giving_up_makes_supd_exit_1_and_stop_all)
{
	char conf[1024], kv[200];
	pid_t left[16], steady;

	snprintf(conf, sizeof(conf),
	    "intensity = 2\nperiod = 60s\n"
	    "[worker steady]\ncommand = " CHILD "\n"
	    "[worker crasher]\ncommand = " CHILD " --exit-after=100 --code=1\n"
	    "backoff = 0 0\n");
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	steady = t_pid(&env, "steady");
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 1);
	cr_assert(!t_pid_alive(steady));
	snprintf(kv, sizeof(kv), "SUP_TEST_DIR=%s", env.dir);
	cr_assert_eq(t_procs_with_env(kv, left, 16), 0);
	/* supd is down: supctl reads the history from its database. */
	json_t *h = t_history(&env, NULL);
	cr_assert_not_null(h);
	cr_assert_eq(t_rows_count(h, "root", "give_up",
	    "more than 2 restarts in 1m"), 1, "%s", json_dumps(h, 0));
	cr_assert_str_eq(t_row_str(t_row_last(h, "supd", "supd.exit"),
	    "reason"), "root gave up", "%s", json_dumps(h, 0));
	json_decref(h);
}

/*
 * The give-up can come in supd's very first step: a child that died while
 * supd was down, under a root that allows no restart. supd must exit 1
 * then, not wait in its loop for an event that never comes. (Found in
 * review of the engine that only decides.)
 */
Test(scenario_intensity, a_give_up_in_the_first_step_after_recovery_exits_1)
{
	pid_t w;

	t_conf(&env, "intensity = 0\n[worker w]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	w = t_pid(&env, "w");
	t_kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	t_kill(w, SIGKILL);
	cr_assert(T_WAIT(!t_pid_alive(w), T_WAIT_MS));
	t_supd_spawn(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 1, "supd did not exit 1 "
	    "after its root gave up:\n%s", t_read(env.log));
}

Test(scenario_intensity, on_give_up_stay_keeps_supd_up_and_failed)
{
	char conf[1024];
	json_t *s;

	snprintf(conf, sizeof(conf),
	    "intensity = 1\nperiod = 60s\non_give_up = stay\n"
	    "[worker steady]\ncommand = " CHILD "\n"
	    "[worker crasher]\ncommand = " CHILD " --exit-after=100 --code=1\n"
	    "backoff = 0 0\n");
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT((s = t_status(&env)) && strcmp(json_string_value(
	    json_object_get(json_object_get(s, "supervisor"), "state")),
	    "failed") == 0 ? (json_decref(s), true) : (json_decref(s), false),
	    T_WAIT_MS));
	cr_assert(t_supd_alive(&env));
	cr_assert_str_eq(t_state(&env, "steady"), "stopped");
	/* A person can try again. */
	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "root", NULL), 0);
	cr_assert_str_eq(t_state(&env, "steady"), "running");
}

static int64_t *
start_times(int *n)
{
	char **l = t_lines(stamp, n);
	int64_t *t = calloc((size_t)*n + 1, sizeof(*t));

	for (int i = 0; i < *n; i++) {
		long long ns;
		sscanf(l[i], "%*d %lld", &ns);
		t[i] = ns / 1000000;
	}
	t_lines_free(l);
	return t;
}

static int
stamp_count(void)
{
	int k;

	t_lines_free(t_lines(stamp, &k));
	return k;
}

Test(scenario_intensity, backoff_delays_grow_and_are_capped)
{
	char conf[1024];
	int64_t *t;
	int n;

	/* Lives 50 ms; delays 0, [100,200], [200,400], [400,800], then the
	 * cap [400,800]. Lower bounds only: supd may be late, never early. */
	snprintf(conf, sizeof(conf),
	    "intensity = 100\nperiod = 60s\n"
	    "[worker w]\ncommand = " CHILD " --stamp=%s --exit-after=50 "
	    "--code=1\nbackoff = 200ms 800ms\nbackoff_reset = 10s\n", stamp);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT(stamp_count() >= 7, 30000));
	t = start_times(&n);
	int64_t lower[] = {0, 50, 150, 250, 450, 450, 450};
	for (int k = 1; k < 7; k++)
		cr_assert(t[k] - t[k - 1] >= lower[k],
		    "gap %d is %lld ms, expected at least %lld", k,
		    (long long)(t[k] - t[k - 1]), (long long)lower[k]);
	/* The cap holds: no gap near twice the cap (1.6 s) or more. */
	for (int k = 5; k < 7; k++)
		cr_assert(t[k] - t[k - 1] < 1600 + 1000, "gap %d: %lld ms", k,
		    (long long)(t[k] - t[k - 1]));
	free(t);
}

Test(scenario_intensity, backoff_resets_after_the_child_stayed_up)
{
	char conf[1024];
	int64_t *t;
	int n;
	json_t *s;

	/* Lives 800 ms > backoff_reset 500 ms: every restart is the first,
	 * immediate. Without the reset the 2nd gap would be >= 1300 ms. */
	snprintf(conf, sizeof(conf),
	    "intensity = 100\nperiod = 60s\n"
	    "[worker w]\ncommand = " CHILD " --stamp=%s --exit-after=800 "
	    "--code=1\nbackoff = 1s 4s\nbackoff_reset = 500ms\n", stamp);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT(stamp_count() >= 4, 30000));
	t = start_times(&n);
	for (int k = 1; k < 4; k++)
		cr_assert(t[k] - t[k - 1] < 1250, "gap %d is %lld ms", k,
		    (long long)(t[k] - t[k - 1]));
	free(t);
	s = t_status(&env);
	cr_assert_neq(json_integer_value(json_object_get(t_kid(s, "w"),
	    "restarts")), 0);
	json_decref(s);
}

Test(scenario_intensity, a_child_waiting_shows_backoff_in_status)
{
	char conf[1024];
	json_t *s = NULL, *k;

	snprintf(conf, sizeof(conf),
	    "intensity = 100\nperiod = 60s\n"
	    "[worker w]\ncommand = " CHILD " --exit-after=20 --code=1\n"
	    "backoff = 3s 3s\n");
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "backoff") == 0,
	    T_WAIT_MS));
	s = t_status(&env);
	k = t_kid(s, "w");
	cr_assert(json_is_null(json_object_get(k, "pid")));
	cr_assert(json_integer_value(json_object_get(k, "backoff_ms")) > 0);
	cr_assert(json_integer_value(json_object_get(k, "backoff_ms")) <= 3000);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(k,
	    "last_exit"), "code")), 1);
	json_decref(s);
	/* supctl start cuts the wait short. */
	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "w", NULL), 0);
}
