/*
 * tests/scenario/strategy_test.c — which processes a kill -9 replaces
 * under each strategy, in which order they stop and start again, and
 * what each restart type does after exit 0, exit 1 and a signal.
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

TestSuite(scenario_strategy, .init = setup, .fini = teardown, .timeout = 90);

#define CHILD T_HELPER("t-child")

/* Four children a b c d under one group with strategy s. */
static void
conf_four(const char *strategy)
{
	char conf[4096];
	int n = 0;

	n += snprintf(conf + n, sizeof(conf) - (size_t)n,
	    "[group g]\nstrategy = %s\n", strategy);
	for (const char *c = "abcd"; *c; c++)
		n += snprintf(conf + n, sizeof(conf) - (size_t)n,
		    "[worker %c]\ngroup = g\ncommand = " CHILD " --stamp=%s\n"
		    "backoff = 0 0\n", *c, stamp);
	t_conf(&env, "%s", conf);
}

static void
pids_of(pid_t p[4])
{
	json_t *s = t_status(&env);
	const char *names[] = {"a", "b", "c", "d"};

	for (int i = 0; i < 4; i++)
		p[i] = (pid_t)json_integer_value(json_object_get(t_kid(s,
		    names[i]), "pid"));
	json_decref(s);
}

static bool
all_running_again(const pid_t old[4], int expect_changed, int victim)
{
	pid_t now[4];
	int changed = 0;

	pids_of(now);
	for (int i = 0; i < 4; i++) {
		if (now[i] <= 0)
			return false;
		changed += now[i] != old[i];
	}
	return changed == expect_changed && now[victim] != old[victim];
}

/*
 * The children supd spawned after its first `skip` spawns, in order,
 * joined: "bcd". From the history's start and restart rows: with ready =
 * none a child is ready once spawned, so the processes themselves may
 * run in any order.
 */
static void
started_after(int skip, char *out, size_t n)
{
	json_t *h = t_history(&env, NULL), *r;
	size_t i, o = 0;
	int seen = 0;

	cr_assert_not_null(h);
	json_array_foreach(h, i, r) {
		const char *ev = t_row_str(r, "event");
		/* A spawn has a pid; a start a person asked for has none. */
		if ((strcmp(ev, "start") == 0 || strcmp(ev, "restart") == 0) &&
		    json_integer_value(json_object_get(r, "pid")) > 0 &&
		    seen++ >= skip && o + 1 < n)
			out[o++] = t_row_str(r, "name")[0];
	}
	out[o] = '\0';
	json_decref(h);
}

static int
stamp_count(void)
{
	int k;

	t_lines_free(t_lines(stamp, &k));
	return k;
}

Test(scenario_strategy, one_for_one_replaces_only_the_victim)
{
	pid_t old[4], now[4];
	char order[16];

	conf_four("one_for_one");
	t_supd_start(&env);
	pids_of(old);
	t_kill(old[1], SIGKILL);
	cr_assert(T_WAIT(all_running_again(old, 1, 1), T_WAIT_MS));
	pids_of(now);
	cr_assert(now[0] == old[0] && now[2] == old[2] && now[3] == old[3]);
	started_after(4, order, sizeof(order));
	cr_assert_str_eq(order, "b");
	cr_assert_eq(t_restarts(&env, "b"), 1);
	cr_assert_eq(t_restarts(&env, "a"), 0);
}

Test(scenario_strategy, one_for_all_replaces_everyone_in_config_order)
{
	pid_t old[4], now[4];
	char order[16], names[64];
	json_t *h;

	conf_four("one_for_all");
	t_supd_start(&env);
	pids_of(old);
	t_kill(old[1], SIGKILL);
	cr_assert(T_WAIT(all_running_again(old, 4, 1), T_WAIT_MS));
	pids_of(now);
	for (int i = 0; i < 4; i++)
		cr_assert(!t_pid_alive(old[i]));
	started_after(4, order, sizeof(order));
	cr_assert_str_eq(order, "abcd");
	/* Survivors stopped in reverse order, one at a time: d, c, then a;
	 * b, dead already, was not stopped. */
	cr_assert_not_null(h = t_history(&env, NULL));
	cr_assert_str_eq(t_rows_names(h, "exit", names, sizeof(names)),
	    "b d c a", "%s", json_dumps(h, 0));
	cr_assert_str_eq(t_row_str(t_row_last(h, "b", "exit"), "decided_by"),
	    "");
	for (const char *n = "dca"; *n; n++) {
		char name[2] = {*n, 0};
		cr_assert_str_eq(t_row_str(t_row_last(h, name, "exit"),
		    "decided_by"), "stopped by supd", "%s", name);
	}
	json_decref(h);
	for (const char *n = "abcd"; *n; n++) {
		char name[2] = {*n, 0};
		cr_assert_eq(t_restarts(&env, name), 1, "%s", name);
	}
	json_t *s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(t_group(s, "g"),
	    "recent_restarts")), 1, "one failure counts one restart");
	json_decref(s);
}

Test(scenario_strategy, rest_for_one_replaces_the_victim_and_those_after_it)
{
	pid_t old[4], now[4];
	char order[16];

	conf_four("rest_for_one");
	t_supd_start(&env);
	pids_of(old);
	t_kill(old[1], SIGKILL);
	cr_assert(T_WAIT(all_running_again(old, 3, 1), T_WAIT_MS));
	pids_of(now);
	cr_assert_eq(now[0], old[0], "a started before b: untouched");
	cr_assert(now[2] != old[2] && now[3] != old[3]);
	started_after(4, order, sizeof(order));
	cr_assert_str_eq(order, "bcd");
	cr_assert_eq(t_restarts(&env, "a"), 0);
	cr_assert_eq(t_restarts(&env, "d"), 1);
}

/* One worker of the given restart type that ends as told. */
static void
conf_ending(const char *type, const char *ending)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
	    "[worker w]\ncommand = " CHILD " --stamp=%s --exit-after=100 %s\n"
	    "restart = %s\nbackoff = 0 0\n"
	    "[worker other]\ncommand = " CHILD "\n",
	    stamp, ending, type);
	t_conf(&env, "%s", conf);
}

static void
expect_restarted(bool yes)
{
	if (yes) {
		cr_assert(T_WAIT(stamp_count() >= 3, T_WAIT_MS),
		    "restarted again and again");
		return;
	}
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "stopped") == 0,
	    T_WAIT_MS));
	/* Stopped, not in backoff: the engine decided no restart (it
	 * decides in the step that handles the exit). */
	cr_assert_eq(t_history_count(&env, "w", "restart"), 0);
	cr_assert_eq(t_history_count(&env, "w", "exit"), 1);
	cr_assert_eq(stamp_count(), 1, "not restarted");
	cr_assert_str_eq(t_state(&env, "w"), "stopped");
	cr_assert_str_eq(t_state(&env, "other"), "running");
}

Test(scenario_strategy, permanent_is_restarted_even_after_exit_0)
{
	conf_ending("permanent", "--code=0");
	t_supd_start(&env);
	expect_restarted(true);
}

Test(scenario_strategy, transient_is_not_restarted_after_exit_0)
{
	conf_ending("transient", "--code=0");
	t_supd_start(&env);
	expect_restarted(false);
}

Test(scenario_strategy, transient_is_restarted_after_exit_1)
{
	conf_ending("transient", "--code=1");
	t_supd_start(&env);
	expect_restarted(true);
}

/* A crash by a signal is abnormal (SIGTERM is not: otp_test.c). */
Test(scenario_strategy, transient_is_restarted_after_a_crash_signal)
{
	conf_ending("transient", "--kill-self=9");
	t_supd_start(&env);
	expect_restarted(true);
}

Test(scenario_strategy, temporary_is_never_restarted)
{
	conf_ending("temporary", "--code=1");
	t_supd_start(&env);
	expect_restarted(false);
}

Test(scenario_strategy, temporary_sibling_is_not_restarted_by_one_for_all)
{
	char conf[1024];
	pid_t t0, b0;

	snprintf(conf, sizeof(conf),
	    "[group g]\nstrategy = one_for_all\n"
	    "[worker tmp]\ngroup = g\ncommand = " CHILD "\nrestart = temporary\n"
	    "[worker b]\ngroup = g\ncommand = " CHILD "\nbackoff = 0 0\n");
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	t0 = t_pid(&env, "tmp");
	b0 = t_pid(&env, "b");
	t_kill(b0, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "b") > 0 && t_pid(&env, "b") != b0,
	    T_WAIT_MS));
	cr_assert(!t_pid_alive(t0), "stopped by the strategy");
	cr_assert_str_eq(t_state(&env, "tmp"), "stopped");
}
