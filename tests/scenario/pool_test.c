/*
 * tests/scenario/pool_test.c — pools as a user drives them: a key goes to
 * the shard its documented hash names, from supctl and from another
 * program alike, and still after every shard was killed; a multicall
 * with a shard down reports that shard's error beside the others'
 * replies, never a whole-looking partial result.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_pool, 120);

#define COUNTER T_EXAMPLE("counter-worker")
#define CLIENT T_EXAMPLE("counter-client")

static void
pool_start(int n)
{
	t_conf(&env, "[worker counter]\ncommand = %s\nready = sup\n"
	    "instances = %d\n", COUNTER, n);
	t_supd_start(&env);
}

/* supctl call ARGS... (patient: through restarts): the first line of its
 * stdout, or "(exit N)". Static. */
static const char *
ctl_line(const char *a, const char *b, const char *c, const char *d)
{
	/* A NULL among them ends the arguments there, as t_ctl's do. */
	return t_ctl_line(&env, "--timeout", "60s", a, b, c, d, NULL);
}

/* How many of `key` shard counter.i counted. */
static const char *
count_on(int i, const char *key)
{
	char name[32], msg[64];

	snprintf(name, sizeof(name), "counter.%d", i);
	snprintf(msg, sizeof(msg), "get %s", key);
	return ctl_line("call", name, msg, NULL);
}

Test(scenario_pool, a_key_goes_to_the_shard_its_hash_names_across_restarts)
{
	/* The values sup_pool_call(3) documents for N = 4. */
	static const struct { const char *key; int shard; } known[] = {
		{"a", 2}, {"apple", 3}, {"cherry", 1}, {"user:42", 1},
	};
	char *argv[] = {CLIENT, "-r", env.run, "incr", NULL, NULL};
	char *out = NULL;
	pid_t old[4];

	pool_start(4);
	for (size_t k = 0; k < 4; k++) {
		char msg[64];
		snprintf(msg, sizeof(msg), "incr %s", known[k].key);
		cr_assert_str_eq(ctl_line("call", "counter", msg, "--key"),
		    "(exit 2)", "--key needs its value");
		cr_assert_str_eq(t_ctl(&env, &out, NULL, "call", "counter", msg,
		    "--key", known[k].key, NULL) == 0 ? out : "(failed)", "1\n");
		free(out);
		out = NULL;
		for (int i = 0; i < 4; i++)
			cr_assert_str_eq(count_on(i, known[k].key),
			    i == known[k].shard ? "1" : "0", "%s on counter.%d",
			    known[k].key, i);
	}
	/* Every shard killed: the same keys go to the same shards, and
	 * another program routes them as supctl does. */
	for (int i = 0; i < 4; i++) {
		char name[32];
		snprintf(name, sizeof(name), "counter.%d", i);
		old[i] = t_pid(&env, name);
		t_kill(old[i], SIGKILL);
	}
	for (size_t k = 0; k < 4; k++) {
		argv[4] = (char *)known[k].key;
		cr_assert_eq(t_run(&out, NULL, argv), 0);
		cr_assert_str_eq(out, "2\n", "%s", known[k].key);
		free(out);
		out = NULL;
		cr_assert_str_eq(count_on(known[k].shard, known[k].key), "2");
	}
	for (int i = 0; i < 4; i++) {
		char name[32];
		snprintf(name, sizeof(name), "counter.%d", i);
		cr_assert_neq(t_pid(&env, name), old[i], "%s restarted", name);
	}
}

Test(scenario_pool, a_multicall_with_a_shard_down_says_so_beside_the_replies)
{
	char *out = NULL, *err = NULL;
	char *total[] = {CLIENT, "-r", env.run, "total", NULL};

	pool_start(3);
	cr_assert_str_eq(ctl_line("call", "counter.0", "incr x 5", NULL), "5");
	cr_assert_str_eq(ctl_line("call", "counter.2", "incr y 7", NULL), "7");
	cr_assert_eq(t_run(&out, &err, total), 0, "%s", err ? err : "");
	cr_assert_str_eq(out, "12\n");
	free(err);
	err = NULL;
	free(out);
	out = NULL;

	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "counter.1", NULL), 0);
	cr_assert_eq(t_ctl(&env, &out, &err, "call", "counter", "total",
	    "--all", NULL), 1);
	cr_assert_str_eq(out, "counter.0: 5\ncounter.2: 7\n");
	cr_assert(strstr(err, "counter.1 is not running") != NULL, "%s", err);
	free(out);
	free(err);
	out = err = NULL;
	/* No sum that silently misses a shard. */
	cr_assert_eq(t_run(&out, &err, total), 1);
	cr_assert_str_eq(out, "");
	cr_assert(strstr(err, "counter.1: peer is down") != NULL, "%s", err);
	free(out);
	free(err);
	out = NULL;

	cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "counter.1", NULL), 0);
	cr_assert_eq(t_run(&out, NULL, total), 0);
	cr_assert_str_eq(out, "12\n");
	free(out);
}

Test(scenario_pool, a_pool_called_by_its_name_alone_says_how_to_call_it)
{
	char *err = NULL;

	pool_start(2);
	cr_assert_eq(t_ctl(&env, NULL, &err, "call", "counter", "total",
	    NULL), 4);
	cr_assert(strstr(err, "counter is a pool") != NULL, "%s", err);
	free(err);
	err = NULL;
	cr_assert_eq(t_ctl(&env, NULL, &err, "call", "nothing", "total",
	    "--all", NULL), 4);
	cr_assert(strstr(err, "no such worker: nothing") != NULL, "%s", err);
	free(err);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "status", "--key", "k", NULL), 2);
}

/* Running instances of big in s, -1 when they are not a prefix of
 * big.0, big.1, ... (the start order broken). */
static int
running_prefix(json_t *s, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "big.%d", i);
		json_t *c = t_kid(s, name);
		const char *st = json_string_value(json_object_get(c, "state"));
		bool up = st != NULL && strcmp(st, "running") == 0;
		if (up && k < i)
			return -1;
		k += up;
	}
	return k;
}

/*
 * A pool of 1000 `ready = none` instances starts a slice at a time: supd
 * answers status while it is still starting them (it does not go deaf
 * until the last is up), and they start in order.
 */
static int partial; /* status answers that saw the start under way */

/* One status: true once all n run, or the order is broken (*k < 0). */
static bool
start_over(int n, int *k)
{
	json_t *s = t_status(&env);

	if (s == NULL)
		return false;
	*k = running_prefix(s, n);
	json_decref(s);
	partial += *k >= 0 && *k < n;
	return *k == n || *k < 0;
}

Test(scenario_pool, status_answers_while_a_large_pool_starts)
{
	const int n = 1000;
	int k = 0;

	t_conf(&env, "[worker big]\ncommand = %s\ninstances = %d\n"
	    "stdout = null\n", T_HELPER("t-child"), n);
	t_supd_spawn(&env);
	cr_assert(T_WAIT(start_over(n, &k), 10 * T_WAIT_MS),
	    "%d of %d running", k, n);
	cr_assert_geq(k, 0, "instances started out of order");
	cr_expect_gt(partial, 0, "no status answered during the start");
}
