/*
 * A cgroup per child where the machine allows (issue 15), with real
 * processes: a grandchild that escaped its process group with setsid dies
 * with its child at a stop, a restart, and after supd was killed -9 and
 * adopted the child; pids_max bounds a child's forks; memory_max gets a
 * growing child OOM-killed; memory_restart restarts it first, as a
 * failure with the reason; status and metrics show the cgroup's memory
 * and CPU; cgroups = off says so once and leaves the escapee, as before.
 *
 * A test that needs a writable hierarchy is skipped, saying why, only
 * when supd reports none (or not the controller it needs).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/t.h"

#define CHILD T_HELPER("t-child")
#define LOAD T_HELPER("t-cgload")

T_SCENARIO_SUITE(cgroup, 120);

#define ROOM "intensity = 1000\nperiod = 60s\n"

/* The supervisor object's field key ("" when none). */
static const char *
sup_str(const char *key)
{
	static char buf[600];
	json_t *s = t_status(&env), *v;

	buf[0] = '\0';
	v = s != NULL ? json_object_get(json_object_get(s, "supervisor"), key)
		      : NULL;
	if (json_is_string(v))
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	json_decref(s);
	return buf;
}

/* Criterion 2.4 runs no .fini for a skipped test: supd and its
 * children are stopped first, or they would outlive the test. */
#define SKIP(...)                                                          \
	do {                                                               \
		char why_[700];                                            \
		snprintf(why_, sizeof(why_), __VA_ARGS__);                 \
		t_env_fini(&env);                                          \
		env.dir[0] = '\0';                                         \
		cr_skip_test("%s", why_);                                  \
	} while (0)

/* Skips unless supd has cgroups (and, with mem, memory in them). */
static void
need_cgroups(bool mem)
{
	char mode[16];

	snprintf(mode, sizeof(mode), "%s", sup_str("cgroups"));
	if (strcmp(mode, "off") == 0)
		SKIP("no writable cgroup hierarchy here: %s",
		    sup_str("cgroups_note"));
	if (mem && strstr(sup_str("cgroups_note"), "memory") != NULL)
		SKIP("no memory controller here: %s", sup_str("cgroups_note"));
}

static long long
kid_int(const char *name, const char *key)
{
	json_t *s = t_status(&env), *v;
	long long n = -1;

	v = s != NULL ? json_object_get(t_kid(s, name), key) : NULL;
	if (json_is_integer(v))
		n = (long long)json_integer_value(v);
	json_decref(s);
	return n;
}

/* A pid written to path (a line), once there; 0 if none in time. */
static pid_t
pid_in(const char *path)
{
	char *t = NULL;
	pid_t p = 0;

	if (T_WAIT((free(t), (t = t_read(path)) != NULL && strchr(t, '\n')),
	    T_WAIT_MS))
		p = (pid_t)atoi(t);
	free(t);
	return p;
}

/* Field 6 of /proc/PID/stat (its session), or -1. */
static long
proc_sid(pid_t pid)
{
	char path[64], *t, *p;
	long sid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((t = t_read(path)) != NULL && (p = strrchr(t, ')')) != NULL)
		sscanf(p + 2, "%*c %*d %*d %ld", &sid);
	free(t);
	return sid;
}

/* A child that daemonizes a grandchild (setsid): its pid, checked to be
 * out of the child's session, so out of its process group. */
static pid_t
escapee(const char *file, pid_t main)
{
	pid_t g = pid_in(file);

	cr_assert(g > 1, "no escapee pid in %s", file);
	cr_assert(t_pid_alive(g));
	/* A new session (its parent called setsid before forking it):
	 * out of the child's session and process group. */
	cr_assert(proc_sid(g) > 1 && proc_sid(main) > 1);
	cr_assert_neq(proc_sid(g), proc_sid(main), "the grandchild escaped");
	return g;
}

/* supd started on a child with an escapee (cgroups needed unless
 * extra says off): the child's pid into *m, the escapee's returned. */
static pid_t
escape_start(const char *extra, pid_t *m)
{
	char f[200];

	t_path(&env, "esc.pid", f, sizeof(f));
	t_conf(&env, "%s%s\n[worker esc]\ncommand = %s --daemon=%s\n"
	    "shutdown = 5s\n%s", ROOM, extra, CHILD, f, strstr(extra, "off") ?
	    "memory_max = 64M\n" : "");
	t_supd_start(&env);
	if (strstr(extra, "off") == NULL)
		need_cgroups(false);
	*m = t_pid(&env, "esc");
	return escapee(f, *m);
}

Test(cgroup, a_setsid_escapee_dies_at_stop_and_at_restart)
{
	char f[200];
	pid_t m, g = escape_start("", &m);

	t_path(&env, "esc.pid", f, sizeof(f));
	unlink(f);
	cr_assert_str_eq(t_ctl_line(&env, "restart", "esc", NULL), "");
	cr_assert(T_WAIT(!t_pid_alive(g), T_WAIT_MS),
	    "restart left the escapee %d alive", (int)g);
	m = t_pid(&env, "esc");
	g = escapee(f, m);
	t_ctl_line(&env, "stop", "esc", NULL);
	cr_assert(T_WAIT(!t_pid_alive(g), T_WAIT_MS),
	    "stop left the escapee %d alive", (int)g);
	cr_assert(!t_pid_alive(m));
}

Test(cgroup, the_escapee_of_an_adopted_child_dies_at_stop)
{
	pid_t m, g = escape_start("", &m);

	kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	t_supd_start(&env);
	cr_assert_eq(t_pid(&env, "esc"), m, "adopted, not restarted");
	cr_assert(t_pid_alive(g));
	t_ctl_line(&env, "stop", "esc", NULL);
	cr_assert(T_WAIT(!t_pid_alive(g), T_WAIT_MS),
	    "stop of the adopted child left its escapee %d", (int)g);
}

Test(cgroup, pids_max_bounds_the_processes_of_a_child)
{
	char f[200], *t = NULL;
	long made = -1, failed = -1;

	t_path(&env, "forks", f, sizeof(f));
	t_conf(&env, "[worker bomb]\ncommand = %s forks 40 %s\npids_max = 8\n",
	    LOAD, f);
	t_supd_start(&env);
	need_cgroups(false);
	if (strstr(sup_str("cgroups_note"), "pids") != NULL)
		SKIP("no pids controller: %s", sup_str("cgroups_note"));
	cr_assert(T_WAIT((free(t), (t = t_read(f)) != NULL), T_WAIT_MS));
	sscanf(t, "%ld %ld", &made, &failed);
	free(t);
	/* Itself and 7 children: 8 in its cgroup. */
	cr_assert_eq(made, 7, "made %ld children, failed %ld", made, failed);
	cr_assert_eq(failed, 33);
}

Test(cgroup, memory_max_gets_a_growing_child_oom_killed_and_restarted)
{
	char f[200];

	t_path(&env, "mb", f, sizeof(f));
	t_conf(&env, ROOM "[worker hog]\ncommand = %s grow 400 "
	    "%s\nmemory_max = 32M\nbackoff = 1s 1s\n", LOAD, f);
	t_supd_start(&env);
	need_cgroups(true);
	cr_assert(T_WAIT(kid_int("hog", "restarts") >= 1, T_WAIT_MS));
	cr_assert(strstr(t_last_reason(&env, "hog"), "signal 9") != NULL,
	    "reason: %s", t_last_reason(&env, "hog"));
}

Test(cgroup, memory_restart_restarts_before_memory_max)
{
	char f[200], *t;
	json_t *s, *by;

	t_path(&env, "mb", f, sizeof(f));
	t_conf(&env, ROOM "[worker hog]\ncommand = %s grow 400 "
	    "%s\nmemory_max = 256M\nmemory_restart = 24M\nbackoff = 10s 10s\n",
	    LOAD, f);
	t_supd_start(&env);
	need_cgroups(true);
	cr_assert(T_WAIT(kid_int("hog", "restarts") == 1, T_WAIT_MS));
	cr_assert(strstr(t_last_reason(&env, "hog"),
	    "memory limit exceeded: ") != NULL, "reason: %s",
	    t_last_reason(&env, "hog"));
	s = t_status(&env);
	by = json_object_get(t_kid(s, "hog"), "restarts_by_reason");
	cr_assert_eq(json_integer_value(json_object_get(by, "memory")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    t_kid(s, "hog"), "last_exit"), "signal")), SIGTERM,
	    "stopped by supd, not by the OOM killer");
	json_decref(s);
	t = t_read(f);
	cr_assert(t != NULL && atoi(t) < 256, "it grew to %s MB", t);
	free(t);
}

Test(cgroup, status_and_metrics_show_the_memory_and_cpu_of_a_child)
{
	char f[200], *out = NULL;

	t_path(&env, "mb", f, sizeof(f));
	t_conf(&env, "[worker hog]\ncommand = %s grow 16 %s\n", LOAD, f);
	t_supd_start(&env);
	need_cgroups(true);
	cr_assert(T_WAIT(kid_int("hog", "memory_bytes") > 16 << 20,
	    T_WAIT_MS), "memory_bytes %lld", kid_int("hog", "memory_bytes"));
	if (strcmp(sup_str("cgroups"), "v1") != 0)
		cr_assert(kid_int("hog", "cpu_usec") > 0);
	cr_assert_eq(t_ctl(&env, &out, NULL, "metrics", NULL), 0);
	cr_assert(strstr(out, "sup_child_memory_bytes{name=\"hog\","
	    "group=\"root\"} ") != NULL, "%s", out);
	if (strcmp(sup_str("cgroups"), "v1") != 0)
		cr_assert(strstr(out, "sup_child_cpu_seconds_total"
		    "{name=\"hog\"") != NULL);
	free(out);
}

Test(cgroup, cgroups_off_says_so_once_and_leaves_the_escapee_as_before)
{
	char *log;
	/* With a limit that cannot be enforced: said, not silently dropped. */
	pid_t m, g = escape_start("cgroups = off\n", &m);

	cr_assert_str_eq(sup_str("cgroups"), "off");
	cr_assert_str_eq(sup_str("cgroups_note"),
	    "cgroups = off in the config");
	t_ctl_line(&env, "stop", "esc", NULL);
	cr_assert(T_WAIT(!t_pid_alive(m), T_WAIT_MS));
	cr_assert(t_pid_alive(g), "without a cgroup the escapee lives on");
	t_kill(g, SIGKILL);
	log = t_read(env.log);
	cr_assert(strstr(log, "supd.cgroups mode=off") != NULL);
	cr_assert(strstr(strstr(log, "supd.cgroups") + 1, "supd.cgroups") ==
	    NULL, "said once");
	cr_assert(strstr(log, "esc: memory_max/memory_restart not enforced")
	    != NULL, "%s", log);
	free(log);
}
