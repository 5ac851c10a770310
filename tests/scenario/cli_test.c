/*
 * tests/scenario/cli_test.c — supctl logs and metrics as a user runs
 * them: the tail of a child's captured output, following it as the child
 * writes more, and the tree in Prometheus's text format.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_cli, 90);

/* Five lines, then it stays up. */
#define TALKER "/bin/sh -c 'for i in 1 2 3 4 5; do echo line$i; done; " \
    "exec sleep 600'"

/* Reads what fd has (non-blocking) onto buf (got bytes so far, n the
 * room); true once buf holds s. */
static bool
read_has(int fd, char *buf, size_t n, size_t *got, const char *s)
{
	ssize_t k = read(fd, buf + *got, n - 1 - *got);

	if (k > 0)
		*got += (size_t)k;
	buf[*got] = '\0';
	return strstr(buf, s) != NULL;
}

Test(scenario_cli, logs_shows_the_tail_and_follows)
{
	char *out = NULL, *err = NULL, buf[4096] = "";
	int fds[2];
	pid_t f;
	size_t got = 0;

	t_conf(&env, "[worker w]\ncommand = %s\n", TALKER);
	t_supd_start(&env);
	cr_assert(T_WAIT((t_ctl(&env, &out, NULL, "logs", "w", NULL),
	    strstr(out, "line5") != NULL || (free(out), out = NULL, false)),
	    T_WAIT_MS));
	free(out);
	out = NULL;
	cr_assert_eq(t_ctl(&env, &out, NULL, "logs", "w", "--lines", "2",
	    NULL), 0);
	/* The file as it is: each line stamped by the log holder. */
	cr_assert(strlen(out) == 2 * 35 && strncmp(out + 25, "out line4\n",
	    10) == 0 && strcmp(out + 35 + 25, "out line5\n") == 0, "%s", out);
	free(out);
	cr_assert_eq(t_ctl(&env, NULL, &err, "logs", "x", NULL), 4);
	cr_assert(strstr(err, "no log for x") != NULL, "%s", err);
	free(err);
	/* -f: what the next incarnation writes shows up as it comes. */
	cr_assert(pipe(fds) == 0);
	if ((f = fork()) == 0) {
		dup2(fds[1], 1);
		/* Found and killed by the teardown if the test fails. */
		setenv("SUP_TEST_DIR", env.dir, 1);
		execl(T_BIN("supctl"), "supctl", "-r", env.run, "logs", "w",
		    "-f", "--lines", "1", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	/* The follower shows its tail first: only then is it following
	 * (restarted before, the new lines would all be in that tail). */
	cr_assert(T_WAIT(read_has(fds[0], buf, sizeof(buf), &got, "line5\n"),
	    T_WAIT_MS), "no tail: %s", buf);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "w", NULL), 0);
	cr_assert(T_WAIT(read_has(fds[0], buf, sizeof(buf), &got,
	    " out line1\n"), T_WAIT_MS), "followed: %s", buf);
	kill(f, SIGTERM);
	waitpid(f, NULL, 0);
	close(fds[0]);
}

/* What a script types: the pid alone, -n as tail's, a probe signal, the
 * versions, and --json refused where it would be ignored. */
Test(scenario_cli, scripts_get_the_pid_a_probe_and_the_version)
{
	char *out = NULL, *err = NULL, want[32];
	char *ver[] = {T_BIN("supd"), "--version", NULL};

	/* The file is the child's bytes: a script's tail -n. */
	t_conf(&env, "[worker w]\ncommand = %s\nlog_timestamps = false\n",
	    TALKER);
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, &out, NULL, "pid", "w", NULL), 0);
	snprintf(want, sizeof(want), "%d\n", (int)t_pid(&env, "w"));
	cr_assert_str_eq(out, want);
	free(out);
	cr_assert(T_WAIT((t_ctl(&env, &out, NULL, "logs", "w", "-n", "2",
	    NULL), strcmp(out, "line4\nline5\n") == 0 || (free(out),
	    out = NULL, false)), T_WAIT_MS));
	free(out);
	cr_assert_eq(t_ctl(&env, &out, NULL, "signal", "w", "0", NULL), 0);
	cr_assert_str_eq(out, "w\n");
	free(out);
	cr_assert_eq(t_ctl(&env, NULL, &err, "restart", "w", "--json", NULL),
	    2);
	cr_assert(strstr(err, "restart has no --json form") != NULL, "%s", err);
	free(err);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	cr_assert_eq(t_ctl(&env, &out, &err, "pid", "w", NULL), 1);
	cr_assert_str_eq(out, "");
	cr_assert(strstr(err, "w is stopped: no process") != NULL, "%s", err);
	free(out);
	free(err);
	cr_assert_eq(t_ctl(&env, NULL, &err, "signal", "w", "0", NULL), 1);
	cr_assert(strstr(err, "not running") != NULL, "%s", err);
	free(err);
	cr_assert_eq(t_ctl(&env, NULL, &err, "pid", "nope", NULL), 4);
	free(err);
	cr_assert_eq(t_ctl(&env, &out, NULL, "--version", NULL), 0);
	cr_assert(strncmp(out, "supctl 0.1.0", 12) == 0, "%s", out);
	free(out);
	cr_assert_eq(t_run(&out, NULL, ver), 0);
	cr_assert_str_eq(out, "supd 0.1.0\n");
	free(out);
}

/* The table: STATE one word, then PID (awk '{print $3, $4}' works), and
 * what a child says of itself in STATUS, for sd_notify programs too. */
Test(scenario_cli, status_shows_one_word_states_and_what_children_say)
{
	char *out = NULL, want[96];
	pid_t p;

	t_conf(&env, "[worker sd]\ncommand = %s 50\nready = notify\n",
	    T_HELPER("t-sdnotify"));
	t_supd_start(&env);
	p = t_pid(&env, "sd");
	cr_assert_eq(t_ctl(&env, &out, NULL, "status", NULL), 0);
	cr_assert(strstr(out, "STATE    PID") != NULL, "%s", out);
	snprintf(want, sizeof(want), "sd    root   running  %d ", (int)p);
	cr_assert(strstr(out, want) != NULL, "no \"%s\" in:\n%s", want, out);
	snprintf(want, sizeof(want), "  serving %d  ", (int)p);
	cr_assert(strstr(out, want) != NULL, "no \"%s\" in:\n%s", want, out);
	free(out);
}

Test(scenario_cli, metrics_speak_prometheus)
{
	char *out = NULL;

	t_conf(&env, "[worker w]\ncommand = %s\n", TALKER);
	t_supd_start(&env);
	t_kill(t_pid(&env, "w"), SIGKILL);
	cr_assert(T_WAIT(t_restarts(&env, "w") == 1 &&
	    strcmp(t_state(&env, "w"), "running") == 0, T_WAIT_MS));
	cr_assert_eq(t_ctl(&env, &out, NULL, "metrics", NULL), 0);
	cr_assert(strstr(out, "# TYPE sup_child_restarts_total counter\n")
	    != NULL, "%s", out);
	cr_assert(strstr(out, "sup_child_restarts_total{name=\"w\","
	    "group=\"root\"} 1\n") != NULL, "%s", out);
	cr_assert(strstr(out, "sup_child_running{name=\"w\",group=\"root\"} "
	    "1\n") != NULL, "%s", out);
	cr_assert(strstr(out, "sup_child_resident_memory_bytes{name=\"w\"")
	    != NULL, "%s", out);
	free(out);
}

Test(scenario_cli, a_log_over_its_size_is_rotated_when_its_child_starts)
{
	char path[300];
	struct stat st;

	/* 3000 bytes a life, a life of a few ms: rotated at each start. */
	t_conf(&env, "intensity = 1000\n[worker w]\ncommand = /bin/sh -c "
	    "'head -c 3000 /dev/zero; sleep 0.2; exit 1'\nbackoff = 0 0\n"
	    "log_max_size = 1K\nlog_keep = 2\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(t_restarts(&env, "w") >= 4, T_WAIT_MS));
	t_path(&env, "run/log/w.log.1", path, sizeof(path));
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert_geq(st.st_size, 3000);
	t_path(&env, "run/log/w.log.2", path, sizeof(path));
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	t_path(&env, "run/log/w.log.3", path, sizeof(path));
	cr_assert_neq(stat(path, &st), 0, "log_keep = 2: no third");
	t_path(&env, "run/log/w.log", path, sizeof(path));
	cr_assert(stat(path, &st) != 0 || st.st_size <= 3000,
	    "the current log holds one life at most");
}
