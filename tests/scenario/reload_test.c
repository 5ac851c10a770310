/*
 * Reload and re-exec, as a user runs them: supctl reload [--dry-run],
 * SIGHUP, supctl reexec. supd execs itself and adopts its children; what
 * is checked is what a user sees: the same pids, counts and stops kept,
 * only the difference applied, a bad config changing nothing, and every
 * change in the history with decided_by "reload".
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

#define CHILD T_HELPER("t-child")

T_SCENARIO_SUITE(reload, 90);

static json_t *
supervisor_obj(void)
{
	json_t *s = t_status(&env);

	cr_assert_not_null(s, "status: %s", t_status_err);
	return s;
}

static long long
supervisor_num(const char *key)
{
	json_t *s = supervisor_obj();
	long long v = json_integer_value(json_object_get(json_object_get(s,
	    "supervisor"), key));

	json_decref(s);
	return v;
}

/* How many rows of the history about name were decided by a reload. */
static int
reload_rows(const char *name, const char *event)
{
	json_t *rows = t_history(&env, name), *r;
	size_t i;
	int n = 0;

	cr_assert_not_null(rows);
	json_array_foreach(rows, i, r)
		n += strcmp(t_row_str(r, "decided_by"), "reload") == 0 &&
		    (event == NULL || strcmp(t_row_str(r, "event"), event) == 0);
	json_decref(rows);
	return n;
}

static int
ctl_rc(char **out, char **err, const char *verb, const char *opt)
{
	return opt ? t_ctl(&env, out, err, verb, opt, NULL)
		   : t_ctl(&env, out, err, verb, NULL);
}

Test(reload, reexec_keeps_every_child_count_and_stop)
{
	pid_t a, b0, b1, a2;
	char *out = NULL;

	t_conf(&env,
	    "[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n"
	    "[worker b]\ncommand = " CHILD "\ninstances = 2\n"
	    "[worker c]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	t_kill(t_pid(&env, "a"), SIGKILL);
	cr_assert(T_WAIT(t_restarts(&env, "a") == 1 && t_pid(&env, "a") > 0 &&
	    strcmp(t_state(&env, "a"), "running") == 0, T_WAIT_MS));
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "c", NULL), 0);
	a = t_pid(&env, "a");
	b0 = t_pid(&env, "b.0");
	b1 = t_pid(&env, "b.1");

	cr_assert_eq(ctl_rc(&out, NULL, "reexec", NULL), 0, "%s", out);
	cr_assert(strstr(out, "re-executed") != NULL, "%s", out);
	free(out);
	cr_assert(t_supd_alive(&env));
	cr_assert_eq(supervisor_num("pid"), env.supd, "same pid: an exec");
	cr_assert_eq(supervisor_num("reexecs"), 1);
	cr_assert_eq(supervisor_num("adopted"), 3);
	cr_assert_eq(t_pid(&env, "a"), a);
	cr_assert_eq(t_pid(&env, "b.0"), b0);
	cr_assert_eq(t_pid(&env, "b.1"), b1);
	cr_assert_eq(t_restarts(&env, "a"), 1, "its count is kept");
	cr_assert_str_eq(t_state(&env, "c"), "stopped", "a stop is kept");
	cr_assert_eq(t_history_count(&env, "b.0", "start"), 1);
	cr_assert_eq(t_history_count(&env, "b.0", "restart"), 0);

	/* The new image hears its adopted children die, with their real
	 * wait status: they are still its own children. */
	t_kill(a, SIGKILL);
	cr_assert(T_WAIT((a2 = t_pid(&env, "a")) > 0 && a2 != a, T_WAIT_MS));
	json_t *rows = t_history(&env, "a");
	json_t *last = t_row_last(rows, "a", "exit");
	cr_assert_not_null(last);
	cr_assert_eq(json_integer_value(json_object_get(last, "signal")), 9,
	    "reason: %s", t_row_str(last, "reason"));
	json_decref(rows);
	cr_assert_eq(t_restarts(&env, "a"), 2);
}

Test(reload, reexec_keeps_a_backoff)
{
	t_conf(&env,
	    "[worker crash]\ncommand = " CHILD " --exit-after=20 --code=3\n"
	    "backoff = 4s 4s\nstdout = null\n"
	    "[worker steady]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	/* The first restart is at once; the second waits 4 s. */
	cr_assert(T_WAIT(strcmp(t_state(&env, "crash"), "backoff") == 0,
	    T_WAIT_MS));
	long before = t_restarts(&env, "crash");
	int starts = t_history_count(&env, "crash", "restart");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reexec", NULL), 0);
	cr_assert_str_eq(t_state(&env, "crash"), "backoff",
	    "the backoff goes on in the new image");
	cr_assert_eq(t_history_count(&env, "crash", "restart"), starts);
	cr_assert(T_WAIT(t_restarts(&env, "crash") > before, T_WAIT_MS),
	    "and ends in a restart");
}

static const char *conf_v1 =
    "[group g]\nintensity = 5\n"
    "[worker keep]\ncommand = " CHILD "\n"
    "[worker change]\ncommand = " CHILD " --print=v1\n"
    "[worker p]\ncommand = " CHILD "\ninstances = 2\ngroup = g\n"
    "[worker gone]\ncommand = " CHILD "\n"
    "[worker tuned]\ncommand = " CHILD "\nshutdown = 5s\n";

static const char *conf_v2 =
    "[group g]\nintensity = 2\n"
    "[worker keep]\ncommand = " CHILD "\n"
    "[worker change]\ncommand = " CHILD " --print=v2\n"
    "[worker p]\ncommand = " CHILD "\ninstances = 3\ngroup = g\n"
    "[worker tuned]\ncommand = " CHILD "\nshutdown = 2s\n"
    "[worker new]\ncommand = " CHILD "\n";

Test(reload, applies_only_the_difference)
{
	pid_t keep, change, p0, p1, gone, tuned;
	char *out = NULL;
	json_t *s;

	t_conf(&env, "%s", conf_v1);
	t_supd_start(&env);
	keep = t_pid(&env, "keep");
	change = t_pid(&env, "change");
	p0 = t_pid(&env, "p.0");
	p1 = t_pid(&env, "p.1");
	gone = t_pid(&env, "gone");
	tuned = t_pid(&env, "tuned");
	t_conf(&env, "%s", conf_v2);

	cr_assert_eq(ctl_rc(&out, NULL, "reload", NULL), 0, "%s", out);
	cr_assert(strstr(out, "added      new") && strstr(out,
	    "added      p.2") && strstr(out, "removed    gone") &&
	    strstr(out, "restarted  change (command)") &&
	    strstr(out, "changed    g (intensity)") &&
	    strstr(out, "changed    tuned (shutdown)"), "%s", out);
	free(out);
	cr_assert(T_WAIT(strcmp(t_state(&env, "new"), "running") == 0 &&
	    strcmp(t_state(&env, "p.2"), "running") == 0 &&
	    t_pid(&env, "change") > 0 && t_pid(&env, "change") != change,
	    T_WAIT_MS));
	cr_assert_eq(t_pid(&env, "keep"), keep, "unchanged: same pid");
	cr_assert_eq(t_pid(&env, "p.0"), p0);
	cr_assert_eq(t_pid(&env, "p.1"), p1);
	cr_assert_eq(t_pid(&env, "tuned"), tuned, "in place: same pid");
	cr_assert(T_WAIT(!t_pid_alive(gone), T_WAIT_MS), "removed: stopped");
	s = supervisor_obj();
	cr_assert_null(t_kid(s, "gone"));
	cr_assert_eq(json_integer_value(json_object_get(t_group(s, "g"),
	    "intensity")), 2, "a group's intensity applies in place");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(s,
	    "supervisor"), "reloads")), 1);
	json_decref(s);
	cr_assert_eq(reload_rows("new", "reload"), 1);
	cr_assert_eq(reload_rows("p.2", "reload"), 1);
	cr_assert_eq(reload_rows("change", "reload"), 1);
	cr_assert_eq(reload_rows("g", "reload"), 1);
	cr_assert_eq(reload_rows("tuned", "reload"), 1);
	cr_assert_eq(reload_rows("gone", "removed"), 1);
	cr_assert_eq(reload_rows("keep", NULL), 0);
	cr_assert_eq(t_history_count(&env, "keep", "restart"), 0);
	cr_assert_eq(reload_rows("change", "start"), 1);

	/* The same file again: nothing to do, and nothing done. */
	cr_assert_eq(t_ctl(&env, &out, NULL, "reload", NULL), 0);
	cr_assert(strstr(out, "nothing changed") != NULL, "%s", out);
	free(out);
}

Test(reload, shrinking_a_pool_stops_only_the_extra_instances)
{
	pid_t p0, p2;

	t_conf(&env, "[worker p]\ncommand = " CHILD "\ninstances = 3\n");
	t_supd_start(&env);
	p0 = t_pid(&env, "p.0");
	p2 = t_pid(&env, "p.2");
	t_conf(&env, "[worker p]\ncommand = " CHILD "\ninstances = 2\n");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	cr_assert(T_WAIT(!t_pid_alive(p2), T_WAIT_MS));
	cr_assert_eq(t_pid(&env, "p.0"), p0);
	cr_assert_eq(t_restarts(&env, "p.0"), 0);
}

Test(reload, dry_run_applies_nothing)
{
	pid_t change;
	char *out = NULL;

	t_conf(&env, "%s", conf_v1);
	t_supd_start(&env);
	change = t_pid(&env, "change");
	t_conf(&env, "%s", conf_v2);
	cr_assert_eq(ctl_rc(&out, NULL, "reload", "--dry-run"), 0);
	cr_assert(strstr(out, "would change") && strstr(out,
	    "added      new") && strstr(out, "removed    gone"), "%s", out);
	free(out);
	cr_assert_eq(t_pid(&env, "change"), change);
	cr_assert_gt(t_pid(&env, "gone"), 0);
	cr_assert_eq(supervisor_num("reloads"), 0);
	cr_assert_eq(reload_rows(NULL, NULL), 0);
	/* --json: the same, as data. */
	cr_assert_eq(t_ctl(&env, &out, NULL, "--json", "reload", "--dry-run",
	    NULL), 0);
	json_t *j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s", out);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    json_object_get(j, "diff"), "removed"), 0)), "gone");
	json_decref(j);
	free(out);
}

/* A bad config, through supctl or SIGHUP: nothing changes. */
Test(reload, a_bad_config_changes_nothing)
{
	pid_t keep;
	char *err = NULL;

	t_conf(&env, "%s", conf_v1);
	t_supd_start(&env);
	keep = t_pid(&env, "keep");
	t_conf(&env, "strategy = one_for_none\n[worker keep]\ncommand = "
	    CHILD "\n[worker x]\nrestart = sometimes\n");
	cr_assert_eq(ctl_rc(NULL, &err, "reload", NULL), 2, "%s", err);
	cr_assert(strstr(err, "sup.conf:3: strategy:") && strstr(err,
	    "restart:") && strstr(err, "nothing changed"), "%s", err);
	free(err);
	t_kill(env.supd, SIGHUP);
	cr_assert_eq(ctl_rc(NULL, NULL, "status", NULL), 0);
	cr_assert(t_supd_alive(&env));
	cr_assert_eq(t_pid(&env, "keep"), keep);
	cr_assert_gt(t_pid(&env, "gone"), 0, "the old config is in force");
	cr_assert_eq(supervisor_num("reloads"), 0);
	cr_assert_eq(t_history_count(&env, "keep", "restart"), 0);

	/* Fixed, a SIGHUP applies it. */
	t_conf(&env, "%s", conf_v2);
	t_kill(env.supd, SIGHUP);
	cr_assert(T_WAIT(strcmp(t_state(&env, "new"), "running") == 0,
	    T_WAIT_MS));
	cr_assert_eq(t_pid(&env, "keep"), keep);
	cr_assert_eq(supervisor_num("reloads"), 1);
}

Test(reload, refuses_a_new_run_dir)
{
	char *err = NULL;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	FILE *f = fopen(env.conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "[supervisor]\nrun_dir = %s/other\n[worker a]\ncommand = "
	    CHILD "\n", env.dir);
	fclose(f);
	cr_assert_eq(ctl_rc(NULL, &err, "reload", NULL), 2);
	cr_assert(strstr(err, "run_dir cannot change") != NULL, "%s", err);
	free(err);
}

/* A reload while a child is still starting: it is adopted as starting,
 * its readiness reaches the new image, and the start order holds. */
Test(reload, during_a_start)
{
	pid_t slow;

	t_conf(&env,
	    "[worker slow]\ncommand = " CHILD " --ready-after=1500\n"
	    "ready = notify\nstart_timeout = 30s\n"
	    "[worker after]\ncommand = " CHILD "\n");
	t_supd_spawn(&env);
	cr_assert(T_WAIT((slow = t_pid(&env, "slow")) > 0, T_WAIT_MS));
	cr_assert_str_eq(t_state(&env, "slow"), "starting");
	t_conf(&env,
	    "[worker slow]\ncommand = " CHILD " --ready-after=1500\n"
	    "ready = notify\nstart_timeout = 30s\n"
	    "[worker after]\ncommand = " CHILD "\n"
	    "[worker extra]\ncommand = " CHILD "\n");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	cr_assert(T_WAIT(strcmp(t_state(&env, "extra"), "running") == 0,
	    T_WAIT_MS));
	cr_assert_eq(t_pid(&env, "slow"), slow, "not restarted");
	cr_assert_str_eq(t_state(&env, "slow"), "running");
	cr_assert_eq(t_history_count(&env, "slow", "restart"), 0);
	json_t *rows = t_history(&env, NULL);
	char order[256];
	t_rows_names(rows, "start", order, sizeof(order));
	cr_assert_str_eq(order, "slow after extra");
	json_decref(rows);
}

/* Two reloads at once: both answered, the difference applied once. */
Test(reload, two_at_once)
{
	int st1, st2;
	pid_t r1, r2;

	t_conf(&env, "%s", conf_v1);
	t_supd_start(&env);
	t_conf(&env, "%s", conf_v2);
	r1 = t_ctl_bg(&env, "reload", NULL);
	r2 = t_ctl_bg(&env, "reload", NULL);
	cr_assert_eq(waitpid(r1, &st1, 0), r1);
	cr_assert_eq(waitpid(r2, &st2, 0), r2);
	cr_assert(WIFEXITED(st1) && WEXITSTATUS(st1) == 0, "%#x; log:\n%s",
	    st1, t_read(env.log));
	cr_assert(WIFEXITED(st2) && WEXITSTATUS(st2) == 0, "%#x; log:\n%s",
	    st2, t_read(env.log));
	cr_assert(T_WAIT(strcmp(t_state(&env, "new"), "running") == 0,
	    T_WAIT_MS));
	cr_assert_eq(t_history_count(&env, "new", "start"), 1);
	cr_assert_eq(reload_rows("change", "start"), 1);
	cr_assert_eq(supervisor_num("reloads"), 1);
}

/*
 * What comes across an exec without being in the handover is closed by
 * the new image: a connection nng accepted in the old image's last
 * moment, not yet marked close-on-exec, would stay open there, unread,
 * and its client (the second of two reloads at once) would wait for a
 * reply until its timeout. Here the stray is a pipe's write end, and the
 * handover one the new image cannot read (it recovers instead).
 */
Test(reload, a_new_image_closes_what_it_was_not_handed)
{
	struct pollfd pf = {.events = POLLIN};
	int p[2];
	char c;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	cr_assert(pipe(p) == 0);
	env.reaped = false;
	env.supd = fork();
	cr_assert(env.supd >= 0);
	if (env.supd == 0) {
		t_supd_child_setup(&env);
		dup2(open("/dev/null", O_RDONLY), 9); /* not a handover */
		dup2(p[1], 10); /* not close-on-exec, as nng's stray */
		execl(T_BIN("supd"), "supd", "-c", env.conf, "--handover", "9",
		    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	cr_assert(T_WAIT(strcmp(t_state(&env, "a"), "running") == 0,
	    T_WAIT_MS), "log:\n%s", t_read(env.log));
	pf.fd = p[0];
	cr_assert_eq(poll(&pf, 1, T_WAIT_MS), 1, "supd kept the stray open");
	cr_assert_eq(read(p[0], &c, 1), 0, "the stray's other end is closed");
	close(p[0]);
}

/* A reload during a backoff: the backoff's end is kept, not cut short
 * nor started again. */
Test(reload, during_a_backoff)
{
	t_conf(&env,
	    "[worker crash]\ncommand = " CHILD " --exit-after=20 --code=3\n"
	    "backoff = 4s 4s\nstdout = null\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(strcmp(t_state(&env, "crash"), "backoff") == 0,
	    T_WAIT_MS));
	int restarts = t_history_count(&env, "crash", "restart");
	t_conf(&env,
	    "[worker crash]\ncommand = " CHILD " --exit-after=20 --code=3\n"
	    "backoff = 4s 4s\nstdout = null\n"
	    "[worker more]\ncommand = " CHILD "\n");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	cr_assert_str_eq(t_state(&env, "crash"), "backoff");
	cr_assert_eq(t_history_count(&env, "crash", "restart"), restarts,
	    "no restart before the backoff ends");
	cr_assert(T_WAIT(t_history_count(&env, "crash", "restart") > restarts,
	    T_WAIT_MS), "the backoff ends in a restart");
}

/* A reload during a manual stop: the stop goes on to its end, and the
 * child stays stopped. */
Test(reload, during_a_stop)
{
	pid_t slow, stopper;
	int st;

	t_conf(&env, "[worker slow]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 2s\n[worker other]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	t_wait_handles(&env, "slow", SIGTERM);
	slow = t_pid(&env, "slow");
	stopper = t_ctl_bg(&env, "stop", "slow");
	cr_assert(T_WAIT(strcmp(t_state(&env, "slow"), "stopping") == 0,
	    T_WAIT_MS));
	t_conf(&env, "[worker slow]\ncommand = " CHILD " --ignore-term\n"
	    "shutdown = 2s\n[worker other]\ncommand = " CHILD "\n"
	    "[worker more]\ncommand = " CHILD "\n");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	cr_assert_eq(waitpid(stopper, &st, 0), stopper);
	cr_assert(T_WAIT(!t_pid_alive(slow), T_WAIT_MS));
	cr_assert(T_WAIT(strcmp(t_state(&env, "more"), "running") == 0,
	    T_WAIT_MS));
	cr_assert_str_eq(t_state(&env, "slow"), "stopped");
	cr_assert_eq(t_history_count(&env, "slow", "restart"), 0);
	json_t *rows = t_history(&env, "slow");
	json_t *last = t_row_last(rows, "slow", "exit");
	cr_assert_eq(json_integer_value(json_object_get(last, "signal")), 9,
	    "killed after its shutdown: %s", t_row_str(last, "reason"));
	json_decref(rows);
}

static ino_t
inode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "%s", path);
	return st.st_ino;
}

/* An upgrade: a new binary installed at supd's path (a rename over it,
 * as install(1) does) is what runs after supctl reexec. */
Test(reload, reexec_runs_the_binary_now_at_its_path)
{
	char bin[256], tmp[300], exe[64], *argv[] = {"cp", T_BIN("supd"), tmp,
	    NULL};
	ino_t old;
	pid_t a;

	t_exec_copy(&env, T_BIN("supd"), bin, sizeof(bin));
	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start_from(&env, bin);
	a = t_pid(&env, "a");
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)env.supd);
	old = inode_of(exe);
	snprintf(tmp, sizeof(tmp), "%s.new", bin);
	cr_assert_eq(t_run(NULL, NULL, argv), 0);
	cr_assert_eq(rename(tmp, bin), 0);
	cr_assert_neq(inode_of(bin), old);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reexec", NULL), 0);
	cr_assert_eq(inode_of(exe), inode_of(bin), "the new binary runs");
	cr_assert_eq(t_pid(&env, "a"), a);
	cr_assert_eq(supervisor_num("reexecs"), 1);
}

/* A root supd execs only a binary no other user could have replaced. */
Test(reload, reexec_refuses_a_binary_others_can_write)
{
	char bin[256], *err = NULL;
	pid_t a;

	t_exec_copy(&env, T_BIN("supd"), bin, sizeof(bin));
	t_conf(&env, "[worker a]\ncommand = " CHILD "\n");
	t_supd_start_from(&env, bin);
	a = t_pid(&env, "a");
	cr_assert_eq(chmod(bin, 0757), 0);
	cr_assert_eq(t_ctl(&env, NULL, &err, "reexec", NULL), 1);
	cr_assert(strstr(err, "cannot re-exec") && strstr(err, bin), "%s",
	    err);
	free(err);
	cr_assert(t_supd_alive(&env));
	cr_assert_eq(t_pid(&env, "a"), a);
	cr_assert_eq(supervisor_num("reexecs"), 0);
}

/* Removed children stop as OTP terminates them: in reverse order, one
 * at a time, each after the one before it is gone. */
Test(reload, removed_children_stop_in_reverse_order_one_at_a_time)
{
	char *err = NULL;
	pid_t x, y, z;

	t_conf(&env, "[worker keep]\ncommand = " CHILD "\n"
	    "[worker x]\ncommand = " CHILD " --ignore-term\nshutdown = 1s\n"
	    "[worker y]\ncommand = " CHILD " --ignore-term\nshutdown = 1s\n"
	    "[worker z]\ncommand = " CHILD " --ignore-term\nshutdown = 1s\n");
	t_supd_start(&env);
	t_wait_handles(&env, "x", SIGTERM);
	t_wait_handles(&env, "y", SIGTERM);
	t_wait_handles(&env, "z", SIGTERM);
	x = t_pid(&env, "x");
	y = t_pid(&env, "y");
	z = t_pid(&env, "z");
	t_conf(&env, "[worker keep]\ncommand = " CHILD "\n");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	cr_assert(T_WAIT(!t_pid_alive(z), T_WAIT_MS));
	cr_assert(t_pid_alive(y) && t_pid_alive(x), "z goes first, alone");
	/* Meanwhile, another reload would lose them: refused, said why. */
	t_conf(&env, "[worker keep]\ncommand = " CHILD "\n"
	    "[worker w]\ncommand = " CHILD "\n");
	cr_assert_eq(t_ctl(&env, NULL, &err, "reload", NULL), 1);
	cr_assert(strstr(err, "still stopping") != NULL, "%s", err);
	free(err);
	cr_assert(T_WAIT(!t_pid_alive(y), T_WAIT_MS));
	cr_assert(t_pid_alive(x), "then y, then x");
	cr_assert(T_WAIT(!t_pid_alive(x), T_WAIT_MS));
	cr_assert_eq(reload_rows("x", "removed"), 1);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "running") == 0,
	    T_WAIT_MS));
}
