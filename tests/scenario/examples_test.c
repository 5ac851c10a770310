/*
 * tests/scenario/examples_test.c — the example workers as the README and
 * libsup(3) tell a user to run them: kv-worker keeps its table across a
 * kill -9 and is ready before its load ends; slow-worker answers a ping
 * while a slow call is still in flight.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_examples, 120);

/* supctl call NAME MSG: exit status; the reply or the error in *text
 * (first line, static). Patient: through a restart and a 5 s load. */
static int
call(const char *name, const char *msg, const char **text)
{
	static char buf[512];
	char *out = NULL, *err = NULL;
	int rc = t_ctl(&env, &out, &err, "call", name, msg, "--timeout", "60s",
	    NULL);
	const char *t = rc == 0 ? out : err;

	snprintf(buf, sizeof(buf), "%.*s", t ? (int)strcspn(t, "\n") : 0,
	    t ? t : "");
	free(out);
	free(err);
	*text = buf;
	return rc;
}

static const char *
reply(const char *name, const char *msg)
{
	const char *t;

	return call(name, msg, &t) == 0 ? t : "(error)";
}


static const char *
status_of(const char *name)
{
	static char buf[32];
	json_t *s = t_status(&env);

	snprintf(buf, sizeof(buf), "%s", s ? json_string_value(json_object_get(
	    t_kid(s, name), "status")) ?: "" : "");
	json_decref(s);
	return buf;
}

Test(scenario_examples, kv_keeps_its_table_across_kill_9)
{
	const char *t;
	char *out = NULL;
	pid_t p0;

	t_conf(&env, "[worker kv]\ncommand = %s --capacity=2 --load-ms=5000\n"
	    "ready = sup\n[worker next]\ncommand = %s\n",
	    T_EXAMPLE("kv-worker"), T_EXAMPLE("ticker"));
	t_supd_start(&env);
	/* supd is ready, next included, while kv still loads. */
	cr_assert_str_eq(status_of("kv"), "initializing");
	cr_assert_str_eq(t_state(&env, "next"), "running");
	cr_assert_str_eq(reply("kv", "put user:1 alice"), "ok");
	cr_assert(T_WAIT(strcmp(status_of("kv"), "ready") == 0, T_WAIT_MS));
	cr_assert_str_eq(reply("kv", "put user:2 bob"), "ok");
	cr_assert_str_eq(reply("kv", "put user:3 carol"), "full");
	cr_assert_str_eq(reply("kv", "get user:1"), "alice");
	cr_assert_str_eq(reply("kv", "get nobody"), "not_found");
	cr_assert_eq(call("kv", "frobnicate", &t), 1);
	cr_assert(strstr(t, "expected put K V") != NULL, "%s", t);

	p0 = t_pid(&env, "kv");
	t_kill(p0, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "kv") > 0 && t_pid(&env, "kv") != p0,
	    T_WAIT_MS));
	cr_assert_str_eq(reply("kv", "get user:1"), "alice");
	cr_assert_str_eq(reply("kv", "get user:2"), "bob");
	cr_assert_str_eq(reply("kv", "del user:2"), "ok");
	cr_assert_eq(t_ctl(&env, &out, NULL, "state", "kv", NULL), 0);
	cr_assert(strstr(out, "keys = 1  (int64)") != NULL, "%s", out);
	cr_assert(strstr(out, "table kv: 1 key\n") != NULL, "%s", out);
	free(out);
	/* kv's table, read without kv, even while it is stopped. */
	char *argv[] = {T_EXAMPLE("kv-read"), "-r", env.run, "user:1", NULL};
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "kv", NULL), 0);
	out = NULL;
	cr_assert_eq(t_run(&out, NULL, argv), 0);
	cr_assert_str_eq(out, "alice\n");
	free(out);
	argv[3] = "user:2";
	cr_assert_eq(t_run(NULL, NULL, argv), 1, "deleted");
	json_t *s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(t_kid(s, "kv"),
	    "restarts")), 1);
	json_decref(s);
}

Test(scenario_examples, slow_worker_answers_a_ping_while_work_is_pending)
{
	char cmd[1024], line[64] = "";
	FILE *slow;

	t_conf(&env, "[worker slow]\ncommand = %s\nready = sup\n",
	    T_EXAMPLE("slow-worker"));
	t_supd_start(&env);
	snprintf(cmd, sizeof(cmd), "%s -r %s call slow 'work 4000' "
	    "--timeout 60s", T_BIN("supctl"), env.run);
	cr_assert((slow = popen(cmd, "r")) != NULL);
	/* The work call is in the worker, waiting for its reply... */
	cr_assert(T_WAIT(strcmp(reply("slow", "pending"), "1") == 0,
	    T_WAIT_MS));
	/* ...and the worker still answers at once. */
	cr_assert_str_eq(reply("slow", "ping"), "pong");
	cr_assert_str_eq(reply("slow", "pending"), "1");
	cr_assert(fgets(line, sizeof(line), slow) != NULL);
	cr_assert_str_eq(line, "done 4000\n");
	cr_assert_eq(pclose(slow), 0);
	cr_assert_str_eq(reply("slow", "pending"), "0");
}

static long
rss_of(const char *name)
{
	json_t *s = t_status(&env);
	long kb = s ? (long)json_integer_value(json_object_get(t_kid(s, name),
	    "rss_kb")) : -1;

	json_decref(s);
	return kb;
}

Test(scenario_examples, memo_gives_its_memory_back_when_it_hibernates)
{
	long full;

	t_conf(&env, "[worker memo]\ncommand = %s\nready = sup\n",
	    T_EXAMPLE("memo-worker"));
	t_supd_start(&env);
	cr_assert_str_eq(reply("memo", "load 64"), "ok");
	full = rss_of("memo");
	cr_assert(full > 60 * 1024, "RSS %ld kB with 64 MB loaded", full);
	cr_assert_str_eq(reply("memo", "hibernate"), "ok");
	/* The next call is served once it has hibernated. */
	cr_assert_str_eq(reply("memo", "size"), "0");
	cr_assert(!T_RSS_REAL || rss_of("memo") < full - 48 * 1024,
	    "RSS %ld kB, then %ld kB", full, rss_of("memo"));
	cr_assert_str_eq(reply("memo", "stats"), "loads=1");
}
