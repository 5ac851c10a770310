/*
 * Logs people can read (issue 15): the log holder stamps and tags each
 * line a child writes, with real processes, real pipes and real kill -9s.
 * A child's stdout and stderr lines land in RUN/log/NAME.log as
 * "2026-12-05T06:17:25.123Z out LINE" / "... err LINE", in order per
 * stream; neither supd's nor the holder's death costs the child a write
 * (t-logger exits 42 on any failed write) or a complete line; the holder
 * rotates live on a line boundary, flushes a partial line after about a
 * second and at the pipe's end, cuts a 40 KiB line in 16 KiB pieces;
 * stdout = inherit gives supd's stdout "NAME | LINE"; an orderly stop
 * leaves no process; log_timestamps = false is the child's bytes as is.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/t.h"

#define LOGGER T_HELPER("t-logger")

T_SCENARIO_SUITE(logholder, 120);

#define STAMP_LEN 24 /* 2026-12-05T06:17:25.123Z */

static int64_t
real_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The time of a stamped line, in ms since the epoch; -1 if not one. */
static int64_t
stamp_ms(const char *line)
{
	struct tm tm = {0};
	int ms = -1;
	const char *end = strptime(line, "%Y-%m-%dT%H:%M:%S", &tm);

	if (end == NULL || sscanf(end, ".%3dZ ", &ms) != 1 || ms < 0 ||
	    strlen(line) < STAMP_LEN + 5 || line[STAMP_LEN - 1] != 'Z' ||
	    line[STAMP_LEN] != ' ')
		return -1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* What follows "STAMP out " or "STAMP err " (tag: "out" or "err"), or
 * NULL when line is not a stamped line of that stream. */
static const char *
text_of(const char *line, const char *tag)
{
	if (stamp_ms(line) < 0 || strncmp(line + STAMP_LEN + 1, tag, 3) != 0 ||
	    line[STAMP_LEN + 4] != ' ')
		return NULL;
	return line + STAMP_LEN + 5;
}

static void
log_path(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/log/%s", env.run, name);
}

static bool
log_has(const char *name, const char *what)
{
	char path[300], *t;
	bool yes;

	log_path(name, path, sizeof(path));
	t = t_read(path);
	yes = t != NULL && strstr(t, what) != NULL;
	free(t);
	return yes;
}

/* Whether supd's stdout and stderr (env.log) hold each of what[]. */
static bool
supd_out_has(const char *const *what)
{
	char *t = t_read(env.log);
	bool yes = t != NULL;

	for (int i = 0; yes && what[i] != NULL; i++)
		yes = strstr(t, what[i]) != NULL;
	free(t);
	return yes;
}

static pid_t
holder_pid(void)
{
	json_t *s = t_status(&env);
	json_t *h = json_object_get(json_object_get(s, "supervisor"),
	    "log_holder");
	pid_t pid = (pid_t)json_integer_value(json_object_get(h, "pid"));

	json_decref(s);
	return pid;
}

/*
 * The numbers of "o N" (tag out) or "e N" lines of a t-logger seq in the
 * log: checks they only go up, and returns how many gaps there were and
 * the last number. Lines that are not whole count in *bad.
 */
static long
seq_check(const char *log, const char *tag, int *gaps, int *bad)
{
	int n;
	char **v = t_lines(log, &n);
	long last = 0;

	*gaps = *bad = 0;
	cr_assert_not_null(v);
	for (int i = 0; i < n; i++) {
		const char *t = text_of(v[i], tag);
		long k;
		char c;
		if (t == NULL)
			continue;
		if (sscanf(t, "%c %ld", &c, &k) != 2 || c != tag[0]) {
			(*bad)++;
			continue;
		}
		cr_assert_gt(k, last, "%s: %ld after %ld", tag, k, last);
		if (k != last + 1 && last != 0)
			(*gaps)++;
		last = k;
	}
	t_lines_free(v);
	return last;
}

static long
seq_last(const char *log)
{
	int gaps, bad;

	return seq_check(log, "out", &gaps, &bad);
}

Test(logholder, out_and_err_lines_are_stamped_and_tagged_in_order)
{
	char log[300];
	int64_t t0 = real_ms(), t1;
	const char *want[2][3] = {{"o1", "o2", "o3"}, {"e1", "e2", "e3"}};
	int n, seen[2] = {0, 0};
	char **v;

	t_conf(&env, "[worker a]\ncommand = " LOGGER " both\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(log_has("a.log", "e3\n") && log_has("a.log",
	    "o3\n"), T_WAIT_MS));
	t1 = real_ms();
	log_path("a.log", log, sizeof(log));
	v = t_lines(log, &n);
	cr_assert_eq(n, 6, "%d lines", n);
	for (int i = 0; i < n; i++) {
		int64_t at = stamp_ms(v[i]);
		cr_assert(at >= t0 - 1 && at <= t1 + 1, "%s: not within "
		    "[%lld, %lld]", v[i], (long long)t0, (long long)t1);
		for (int s = 0; s < 2; s++) {
			const char *t = text_of(v[i], s ? "err" : "out");
			if (t != NULL) {
				cr_assert_lt(seen[s], 3);
				cr_assert_str_eq(t, want[s][seen[s]], "%s",
				    v[i]);
				seen[s]++;
			}
		}
	}
	cr_assert(seen[0] == 3 && seen[1] == 3);
	t_lines_free(v);
	/* Each start has its pipes; the holder takes every one. */
	for (int i = 0; i < 3; i++) {
		pid_t p = t_pid(&env, "a");
		cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "a", NULL), 0);
		cr_assert(T_WAIT(t_pid(&env, "a") > 0 && t_pid(&env, "a") != p,
		    T_WAIT_MS));
		cr_assert(T_WAIT((v = t_lines(log, &n)) != NULL && (n == 6 *
		    (i + 2) || (t_lines_free(v), false)), T_WAIT_MS),
		    "after restart %d", i + 1);
		t_lines_free(v);
	}
}

/* Children that end at once, over and over: each pipe's end reaches the
 * holder while supd may still hold its copy. One holder all along. */
Test(logholder, one_holder_through_a_crash_loop)
{
	char log[300];
	pid_t holder;
	int n = 0;
	char **v;

	t_conf(&env, "intensity = 1000\nperiod = 60s\n[worker a]\ncommand = "
	    "/bin/sh -c 'echo x; echo y >&2; exit 1'\nbackoff = 0 0\n");
	t_supd_start(&env);
	holder = holder_pid();
	cr_assert(T_WAIT(t_restarts(&env, "a") >= 40, T_WAIT_MS));
	cr_assert_eq(holder_pid(), holder, "the holder was started again");
	log_path("a.log", log, sizeof(log));
	cr_assert(T_WAIT((v = t_lines(log, &n)) != NULL && (n >= 80 ||
	    (t_lines_free(v), false)), T_WAIT_MS), "%d lines", n);
	for (int i = 0; i < n; i++)
		cr_assert(text_of(v[i], "out") != NULL || text_of(v[i], "err")
		    != NULL, "%s", v[i]);
	t_lines_free(v);
}

/* A t-logger seq child named a, its lines flowing: its pid into *kid,
 * its log's path into log; returns the holder's pid. */
static pid_t
seq_start(char *log, size_t n, pid_t *kid)
{
	pid_t holder;

	t_conf(&env, "[worker a]\ncommand = " LOGGER " seq 2000\n");
	t_supd_start(&env);
	*kid = t_pid(&env, "a");
	holder = holder_pid();
	cr_assert_gt(holder, 1);
	log_path("a.log", log, n);
	cr_assert(T_WAIT(seq_last(log) >= 20, T_WAIT_MS));
	return holder;
}

/* Both streams of a seq log: at most max gaps, and max lines cut. */
static void
seq_whole(const char *log, int max)
{
	int gaps, bad;

	seq_check(log, "out", &gaps, &bad);
	cr_assert(gaps <= max && bad <= max, "stdout: %d gaps, %d bad", gaps,
	    bad);
	seq_check(log, "err", &gaps, &bad);
	cr_assert(gaps <= max && bad <= max, "stderr: %d gaps, %d bad", gaps,
	    bad);
}

Test(logholder, a_child_outlives_a_kill_9_of_supd_without_a_lost_line)
{
	char log[300];
	long before, during;
	pid_t kid, holder = seq_start(log, sizeof(log), &kid);

	t_kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	before = seq_last(log);
	/* supd is gone: the holder goes on writing its lines. */
	cr_assert(T_WAIT((during = seq_last(log)) >= before + 100,
	    T_WAIT_MS), "no line while supd was dead (%ld, then %ld)",
	    before, during);
	cr_assert(t_pid_alive(kid) && t_pid_alive(holder));
	t_supd_start(&env);
	cr_assert_eq(t_pid(&env, "a"), kid, "not adopted");
	cr_assert_eq(holder_pid(), holder, "the holder was not kept");
	during = seq_last(log);
	cr_assert(T_WAIT(seq_last(log) >= during + 100, T_WAIT_MS));
	cr_assert_eq(t_restarts(&env, "a"), 0, "it failed a write");
	cr_assert_eq(t_pid(&env, "a"), kid);
	seq_whole(log, 0);
}

Test(logholder, a_kill_9_of_the_holder_costs_the_child_nothing)
{
	char log[300];
	long before;
	pid_t kid, holder = seq_start(log, sizeof(log), &kid);

	t_kill(holder, SIGKILL);
	cr_assert(T_WAIT(holder_pid() > 0 && holder_pid() != holder,
	    T_WAIT_MS), "no new holder");
	before = seq_last(log);
	cr_assert(T_WAIT(seq_last(log) >= before + 100, T_WAIT_MS));
	cr_assert_eq(t_pid(&env, "a"), kid);
	cr_assert_eq(t_restarts(&env, "a"), 0, "it failed a write");
	/* What the dead holder had read and not written yet (a moment's
	 * worth, usually nothing) is the only loss: one gap at most, and
	 * one line cut where its read ended. */
	seq_whole(log, 1);
}

/* Every line of path is a whole "rNNNNNN yyy..." line; its numbers
 * follow *next (0: the first sets it). Returns the lines. */
static int
rot_file_check(const char *path, long *next)
{
	int n;
	char **v = t_lines(path, &n);

	cr_assert_not_null(v, "%s", path);
	for (int i = 0; i < n; i++) {
		const char *t = text_of(v[i], "out");
		long k;
		cr_assert(t != NULL && strlen(t) == 99 && sscanf(t, "r%ld",
		    &k) == 1, "%s: a line cut: %s", path, v[i]);
		cr_assert(*next == 0 || k == *next, "%s: r%ld, not r%ld", path,
		    k, *next);
		*next = k + 1;
	}
	t_lines_free(v);
	return n;
}

Test(logholder, rotates_live_on_a_line_boundary_keeping_log_keep)
{
	char path[300], name[32];
	struct stat st;
	long next = 0;
	int lines = 0;

	/* 129 bytes a line: 2,000 lines are 258,000 bytes, over 3 files of
	 * 64 KiB and the one written now. */
	t_conf(&env, "[worker a]\ncommand = " LOGGER " big 2000\n"
	    "log_max_size = 64K\nlog_keep = 2\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(log_has("a.log", "r002000 "), T_WAIT_MS));
	log_path("a.log.3", path, sizeof(path));
	cr_assert_neq(stat(path, &st), 0, "more than log_keep files");
	for (int i = 2; i >= 0; i--) {
		snprintf(name, sizeof(name), i ? "a.log.%d" : "a.log", i);
		log_path(name, path, sizeof(path));
		cr_assert_eq(stat(path, &st), 0, "%s missing", name);
		/* Rotated just past the limit: within a line of it. */
		if (i > 0)
			cr_assert(st.st_size > 65536 && st.st_size <= 65536 +
			    129, "%s: %lld bytes", name, (long long)st.st_size);
		lines += rot_file_check(path, &next);
	}
	cr_assert_eq(next, 2001);
	cr_assert_lt(lines, 2000, "nothing was dropped past log_keep");
}

Test(logholder, partial_lines_are_flushed_and_long_lines_cut)
{
	char go[200], log[300];
	int n, sizes[3] = {16384, 16384, 40960 - 32768};
	char **v;

	snprintf(go, sizeof(go), "%s/go", env.dir);
	t_conf(&env, "[worker a]\ncommand = " LOGGER " partial %s\n"
	    "restart = temporary\n", go);
	t_supd_start(&env);
	/* No newline, the child still running: out within about 1 s. */
	cr_assert(T_WAIT(log_has("a.log", " out partial-A\n"), T_WAIT_MS));
	cr_assert(t_pid(&env, "a") > 0, "the child ended: not a timeout");
	fclose(fopen(go, "w"));
	cr_assert(T_WAIT(log_has("a.log", " out end-partial\n"), T_WAIT_MS),
	    "the partial line at the child's exit was lost");
	log_path("a.log", log, sizeof(log));
	v = t_lines(log, &n);
	cr_assert_eq(n, 5, "%d lines", n);
	for (int i = 0; i < 3; i++) {
		const char *t = text_of(v[1 + i], "out");
		cr_assert_not_null(t);
		cr_assert_eq((int)strlen(t), sizes[i], "piece %d: %zu bytes",
		    i, strlen(t));
		cr_assert_eq(strspn(t, "x"), strlen(t));
	}
	t_lines_free(v);
}

Test(logholder, inherit_prefixes_each_line_with_the_name)
{
	const char *stamped[] = {"Z a | o1\n", "Z a | e1\n", "Z a | o3\n",
	    "Z a | e3\n", NULL};
	const char *raw[] = {"\no1\n", "\ne1\n", "\ne3\n", NULL};
	const char *none[] = {"raw |", NULL};

	t_conf(&env, "[worker a]\ncommand = " LOGGER " both\n"
	    "stdout = inherit\n"
	    "[worker raw]\ncommand = " LOGGER " both\nstdout = inherit\n"
	    "log_prefix = false\nlog_timestamps = false\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(supd_out_has(stamped), T_WAIT_MS), "not in %s",
	    env.log);
	/* The raw one: its bytes as written, lines of their own. */
	cr_assert(T_WAIT(supd_out_has(raw), T_WAIT_MS));
	cr_assert(!supd_out_has(none));
}

Test(logholder, an_orderly_stop_leaves_no_process)
{
	char kv[200];
	pid_t holder, left[16];

	t_conf(&env, "[worker a]\ncommand = " LOGGER " seq 5000\n"
	    "[worker b]\ncommand = " LOGGER " both\nstdout = inherit\n");
	t_supd_start(&env);
	holder = holder_pid();
	cr_assert_gt(holder, 1);
	cr_assert(T_WAIT(log_has("a.log", " out o 5\n"), T_WAIT_MS));
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	snprintf(kv, sizeof(kv), "SUP_TEST_DIR=%s", env.dir);
	cr_assert(T_WAIT(t_procs_with_env(kv, left, 16) == 0, T_WAIT_MS),
	    "%d processes left", t_procs_with_env(kv, left, 16));
	cr_assert(!t_pid_alive(holder));
}

Test(logholder, without_timestamps_the_file_is_what_the_child_wrote)
{
	char log[300], *t;

	t_conf(&env, "[worker a]\ncommand = " LOGGER " both\n"
	    "log_timestamps = false\n");
	t_supd_start(&env);
	log_path("a.log", log, sizeof(log));
	cr_assert(T_WAIT(log_has("a.log", "e3"), T_WAIT_MS));
	t = t_read(log);
	cr_assert_str_eq(t, "o1\ne1\no2\ne2\no3\ne3\n");
	free(t);
	cr_assert_eq(holder_pid(), 0, "a holder for nobody");
}

/*
 * The holder keeps three descriptors a child and supd two, under the same
 * RLIMIT_NOFILE: past what it allows, children write their files
 * themselves, said once, instead of a holder out of descriptors leaving
 * their pipes unread (a child would block at 64 KiB). 1100 allows 196.
 */
Test(logholder, past_the_descriptor_limit_children_write_their_files)
{
	struct rlimit r = {1100, 1100};
	char *t;

	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &r), 0);
	t_conf(&env, "[worker p]\ncommand = " LOGGER " both\n"
	    "instances = 250\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(log_has("p.249.log", "e3") && log_has("p.0.log",
	    "e3"), 60000));
	cr_assert(log_has("p.0.log", "Z out o1\n"), "p.0 is not stamped");
	cr_assert(log_has("p.249.log", "o1\ne1\n"), "p.249 is stamped");
	t = t_read(env.log);
	cr_assert(t != NULL && strstr(t, "as many as RLIMIT_NOFILE allows") !=
	    NULL && strstr(strstr(t, "as many as RLIMIT_NOFILE allows") + 1,
	    "as many as RLIMIT_NOFILE allows") == NULL, "said once? %s", t);
	free(t);
}
