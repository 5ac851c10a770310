/*
 * tests/scenario/client_test.c — libsup's clients: one per tree, so that
 * one process talks to two supd trees at once, whose workers have the
 * same names; calls, lookups, published tables and pools each go to the
 * tree of their client, and the functions without a client to the
 * default tree ($SUP_RUN_DIR). A call waiting for a worker that is down
 * is woken when its registry changes, and reaches the new process at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

/* Two trees per test: env (A) and env2 (B), each with its own supd. */
static struct t_env env, env2;

static void
setup(void)
{
	t_env_init(&env);
	t_env_init(&env2);
}

static void
teardown(void)
{
	t_env_fini(&env2);
	t_env_fini(&env);
}

TestSuite(scenario_client, .init = setup, .fini = teardown, .timeout = 120);

#define WORKER T_HELPER("t-worker")

/* Worker w in tree e: one t-worker, or a pool of n (n > 1). */
static void
tree_start(struct t_env *e, int n)
{
	t_conf(e, "[worker w]\ncommand = " WORKER " --need=1\nready = sup\n"
	    "instances = %d\n", n);
	t_supd_start(e);
}

/* t-client RUN ARGS...: its output (new string); its status in *rc. */
static char *
client(const char *run, int *rc, const char *a1, const char *a2,
    const char *a3, const char *a4, const char *a5)
{
	char *argv[] = {T_HELPER("t-client"), (char *)run, (char *)a1,
	    (char *)a2, (char *)a3, (char *)a4, (char *)a5, NULL};
	char *out = NULL;
	int st = t_run(&out, NULL, argv);

	if (rc != NULL)
		*rc = st;
	return out ? out : strdup("");
}

/* supctl call w MSG in tree e: the reply's first line, or "(exit N)".
 * Static. */
static const char *
ctl_call(struct t_env *e, const char *msg)
{
	return t_ctl_line(e, "call", "w", msg, NULL);
}

Test(scenario_client, one_process_talks_to_two_trees_at_once)
{
	char want[256];
	char *out;
	int rc;

	tree_start(&env, 1);
	tree_start(&env2, 1);
	/* Two threads, one client each, at the same time: 30 calls to A's
	 * w, 20 to B's w; then each tree's w says where it is and what it
	 * counted. */
	out = client(env.run, &rc, "two", env2.run, "w", "30", "20");
	cr_assert_eq(rc, 0, "%s", out);
	snprintf(want, sizeof(want), "A %d 30 B %d 20\nafter-close %d 20\n",
	    (int)t_pid(&env, "w"), (int)t_pid(&env2, "w"),
	    (int)t_pid(&env2, "w"));
	cr_assert_str_eq(out, want);
	free(out);
	/* And supd's own view of each tree agrees. */
	cr_assert_str_eq(ctl_call(&env, "get"), "30");
	cr_assert_str_eq(ctl_call(&env2, "get"), "20");
}

Test(scenario_client, calls_and_lookups_go_to_the_tree_of_their_client)
{
	char pid[32];
	char *out;

	tree_start(&env, 1);
	tree_start(&env2, 1);
	cr_assert_str_eq(ctl_call(&env, "set 7"), "ok");
	out = client(env.run, NULL, "call", "w", "stats", "5000", NULL);
	cr_assert(strncmp(out, "ok counter=0 value=7 ", 21) == 0, "%s", out);
	free(out);
	out = client(env2.run, NULL, "call", "w", "stats", "5000", NULL);
	cr_assert(strncmp(out, "ok counter=0 value=0 ", 21) == 0, "%s", out);
	free(out);
	out = client(env2.run, NULL, "lookup", "w", NULL, NULL, NULL);
	snprintf(pid, sizeof(pid), "%d ready ipc://", (int)t_pid(&env2, "w"));
	cr_assert(strncmp(out, pid, strlen(pid)) == 0, "%s", out);
	free(out);
}

Test(scenario_client, published_tables_are_read_in_the_tree_of_the_client)
{
	char *out;

	tree_start(&env, 1);
	tree_start(&env2, 1);
	cr_assert_str_eq(ctl_call(&env, "tput k in-a"), "ok");
	cr_assert_str_eq(ctl_call(&env2, "tput k in-b"), "ok");
	out = client(env.run, NULL, "tget", "w", "k", NULL, NULL);
	cr_assert(strncmp(out, "value in-a ", 11) == 0, "%s", out);
	free(out);
	out = client(env2.run, NULL, "tget", "w", "k", NULL, NULL);
	cr_assert(strncmp(out, "value in-b ", 11) == 0, "%s", out);
	free(out);
	/* The functions without a client: the default tree. */
	setenv("SUP_RUN_DIR", env2.run, 1);
	out = client("-", NULL, "tget", "w", "k", NULL, NULL);
	cr_assert(strncmp(out, "value in-b ", 11) == 0, "%s", out);
	free(out);
}

Test(scenario_client, a_pool_in_one_tree_is_a_worker_in_the_other)
{
	char *out;

	tree_start(&env, 3);
	tree_start(&env2, 1);
	out = client(env.run, NULL, "mcall", "w", "get", NULL, NULL);
	cr_assert_str_eq(out, "3 success\nw.0 ok 0\nw.1 ok 0\nw.2 ok 0\n");
	free(out);
	out = client(env2.run, NULL, "mcall", "w", "get", NULL, NULL);
	cr_assert_str_eq(out, "1 success\nw ok 0\n");
	free(out);
	/* "a" goes to shard 2 of 3 (sup_pool_call(3): jump hash of its
	 * FNV-1a); a single worker is its own shard. */
	out = client(env.run, NULL, "route", "w", "a", NULL, NULL);
	cr_assert_str_eq(out, "w.2\n");
	free(out);
	out = client(env2.run, NULL, "route", "w", "a", NULL, NULL);
	cr_assert_str_eq(out, "w\n");
	free(out);
	setenv("SUP_RUN_DIR", env.run, 1);
	out = client("-", NULL, "mcall", "w", "get", NULL, NULL);
	cr_assert(strncmp(out, "3 success\n", 10) == 0, "%s", out);
	free(out);
	out = client("-", NULL, "call", "w.1", "incr", "5000", NULL);
	cr_assert(strncmp(out, "ok 1 ", 5) == 0, "%s", out);
	free(out);
}

Test(scenario_client, a_run_dir_must_be_given_and_an_absent_tree_has_no_one)
{
	char *out, missing[200];
	int rc;

	out = client("", &rc, "lookup", "w", NULL, NULL, NULL);
	cr_assert_eq(rc, 3, "%s", out);
	cr_assert_str_eq(out, "error invalid argument\n");
	free(out);
	t_path(&env, "no-tree-here", missing, sizeof(missing));
	out = client(missing, &rc, "lookup", "w", NULL, NULL, NULL);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(out, "error not found\n");
	free(out);
	out = client(missing, &rc, "call", "w", "get", "1000", NULL);
	cr_assert(strncmp(out, "error not found ", 16) == 0, "%s", out);
	free(out);
}

/*
 * A call to a worker that is down waits for its registry to change, woken
 * by the kernel (an inotify watch), instead of reading the registry every
 * millisecond: over its 250 ms of grace, the calling thread wakes a few
 * dozen times at most, where reading each millisecond woke it ~200 times.
 */
Test(scenario_client, a_call_for_a_worker_that_is_down_is_woken_not_polling)
{
	long n = -1;
	char *out, *sw;

	tree_start(&env, 1);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	out = client(env.run, NULL, "switches", "w", "get", "5000", NULL);
	cr_assert(strncmp(out, "error peer is down ", 19) == 0, "%s", out);
	cr_assert((sw = strstr(out, "\nswitches ")) != NULL, "%s", out);
	n = atol(sw + 10);
	cr_assert(n >= 0 && n < 100, "%ld wake-ups while waiting: %s", n,
	    out);
	free(out);
}

/* t-client serve w, its stdin in *to and its stdout in *from. */
static pid_t
serve_start(FILE **to, FILE **from)
{
	char *argv[] = {T_HELPER("t-client"), env.run, "serve", "w", NULL};
	int in, out;
	pid_t p = t_spawn_io(argv, &in, &out);

	*to = fdopen(in, "w");
	*from = fdopen(out, "r");
	return p;
}

/* One call through the kept client with timeout ms: its output line. */
static char *
serve_call(FILE *to, FILE *from, int ms, char *buf, size_t n)
{
	fprintf(to, "%d\n", ms);
	fflush(to);
	cr_assert(fgets(buf, (int)n, from) != NULL);
	return buf;
}

/*
 * A kept connection whose worker was down for a while: nng's own redial
 * has backed off to one try in up to 200 ms by then. Once the registry
 * names the new process, the client dials it at once: the calls after
 * ten restarts take 150 ms in all at the very most (~1 ms each here;
 * waiting out nng's back-off took ~50 ms each, 280 to 500 ms in all).
 */
Test(scenario_client, a_kept_connection_reaches_a_restarted_worker_at_once)
{
	char line[256];
	long total = 0;
	FILE *to, *from;
	pid_t p;

	tree_start(&env, 1);
	p = serve_start(&to, &from);
	serve_call(to, from, 5000, line, sizeof(line));
	cr_assert(strncmp(line, "ok ", 3) == 0, "%s", line);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
		/* Down for the call's 250 ms of grace, at least. */
		serve_call(to, from, 1000, line, sizeof(line));
		cr_assert(strncmp(line, "error peer is down ", 19) == 0,
		    "%s", line);
		cr_assert_eq(t_ctl(&env, NULL, NULL, "start", "w", NULL), 0);
		cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "running") == 0,
		    T_WAIT_MS));
		serve_call(to, from, 5000, line, sizeof(line));
		cr_assert(strncmp(line, "ok ", 3) == 0, "%s", line);
		total += atol(strrchr(line, ' ') + 1);
	}
	cr_assert(total < 150, "the calls after 10 restarts took %ld ms",
	    total);
	fclose(to);
	fclose(from);
	waitpid(p, NULL, 0);
}

/* t-ctlpoke cutworker: a fake worker w whose server cuts the first
 * connection in nng's handshake, called by a kept client (calls of ms
 * each; NULL: one of 5 s) until it answers "ok". */
static void
cut_worker_answers(const char *ms)
{
	char sock[200], run[200], *out = NULL;
	char *argv[] = {T_HELPER("t-ctlpoke"), "--path", sock, "cutworker",
	    run, "w", (char *)ms, NULL};

	t_path(&env, "cut.sock", sock, sizeof(sock));
	t_path(&env, "cutrun", run, sizeof(run));
	cr_assert_eq(t_run(&out, NULL, argv), 0, "%s", out ? out : "");
	cr_assert_str_eq(out, "ok\n");
	free(out);
}

/*
 * nng 1.5.2's dialer stops for good when its connection is closed in the
 * handshake (a worker dying or exec'ing in that moment). A kept client
 * whose worker still lives then spun on a request nobody took until its
 * timeout; it now redials it after IPC_REDIAL_MS (250 ms).
 */
Test(scenario_client, a_kept_client_cut_in_the_handshake_is_still_answered)
{
	cut_worker_answers(NULL);
}

/* The same with calls shorter than the redial delay: each times out
 * unsent, and the client still redials once its connection has been
 * down that long, whichever call is waiting then. (nng's dialer does
 * not stop at every such cut: with a clock per call, not per
 * connection, this failed 3 runs of 6.) */
Test(scenario_client, short_calls_cut_in_the_handshake_are_answered_again)
{
	cut_worker_answers("100");
}

/*
 * Lookups and table reads keep read-only connections to the workers'
 * databases, at most 32 (worker/readers.c): a client of a big pool must
 * not keep descriptors for every instance. After 40 instances, looked up
 * twice, each lookup answered, and at most 32 databases are open; none
 * once the client is closed.
 */
Test(scenario_client, lookups_of_a_big_pool_keep_a_bounded_set_of_databases)
{
	int found = 0, total = 0, dbs = -1, after = -1;
	char *out;

	tree_start(&env, 40);
	out = client(env.run, NULL, "lookups", "w", "40", NULL, NULL);
	cr_assert_eq(sscanf(out, "found %d of %d, %d databases open, %d "
	    "after close", &found, &total, &dbs, &after), 4, "%s", out);
	cr_assert_eq(found, 80, "%s", out);
	cr_assert(dbs > 0 && dbs <= 32, "%s", out);
	cr_assert_eq(after, 0, "%s", out);
	free(out);
}
