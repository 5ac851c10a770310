/*
 * tests/scenario/top_test.c — supctl top as a user runs it: piped, one
 * snapshot of the tree; on a terminal (a real one: tmux), the live view,
 * refreshed by supd's events (a child killed shows its new pid and its
 * restart count without a key pressed), its keys (stop, start, the log in
 * the pager, quit), supd going away and coming back, and the terminal
 * given back as it was.
 *
 * The screen is read with tmux capture-pane; each test runs its own tmux
 * server on a socket in its temp dir, killed in the teardown.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/t.h"

static struct t_env env;
static char tmux_sock[200];

static void
tmux_cmd(char **out, const char *a1, const char *a2, const char *a3)
{
	char *argv[] = {"tmux", "-S", tmux_sock, (char *)a1, (char *)a2,
	    (char *)a3, NULL};

	t_run(out, NULL, argv);
}

static void
setup(void)
{
	t_env_init(&env);
	snprintf(tmux_sock, sizeof(tmux_sock), "%s/tmux.sock", env.dir);
}

static void
teardown(void)
{
	if (env.dir[0] != '\0')
		tmux_cmd(NULL, "kill-server", NULL, NULL);
	t_env_fini(&env);
}

TestSuite(scenario_top, .init = setup, .fini = teardown, .timeout = 180);

#define CHILD T_HELPER("t-child")

static void
conf(void)
{
	t_conf(&env, "[group g]\n"
	    "[worker a]\ncommand = " CHILD "\n"
	    "[worker b]\ngroup = g\n"
	    "command = /bin/sh -c 'echo hello-from-b; exec sleep 600'\n"
	    "[worker p]\ngroup = g\ncommand = " CHILD "\ninstances = 2\n");
}

/* The line of out whose first word is name, or NULL (a static copy). */
static const char *
row_of(const char *out, const char *name)
{
	static char line[512];
	size_t n = strlen(name);

	for (const char *l = out; l != NULL && *l != '\0';) {
		const char *end = strchr(l, '\n'), *w = l;
		size_t len = end ? (size_t)(end - l) : strlen(l);
		while (*w == ' ' && w < l + len)
			w++;
		if (strncmp(w, name, n) == 0 && w[n] == ' ') {
			snprintf(line, sizeof(line), "%.*s", (int)len, l);
			return line;
		}
		l = end ? end + 1 : NULL;
	}
	return NULL;
}

/* The state, pid and restarts a row shows; false when there is none. */
static bool
row_read(const char *out, const char *name, char *state, long *pid,
    long *restarts)
{
	const char *l = row_of(out, name);
	char pids[32];

	if (l == NULL || sscanf(l, "%*s %15s %31s %ld", state, pids,
	    restarts) != 3)
		return false;
	*pid = strcmp(pids, "-") == 0 ? 0 : atol(pids);
	return true;
}

Test(scenario_top, piped_it_prints_one_snapshot_of_every_child)
{
	const char *names[] = {"a", "b", "p.0", "p.1"};
	char *out = NULL, *err = NULL, state[16];
	long pid, restarts;

	conf();
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, &out, NULL, "top", NULL), 0);
	cr_assert(strstr(out, "NAME") && strstr(out, "RESTARTS") &&
	    strstr(out, "CPU%") && strstr(out, "HEALTH"), "%s", out);
	cr_assert_not_null(row_of(out, "root"), "%s", out);
	cr_assert_not_null(row_of(out, "g"), "%s", out);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert(row_read(out, names[i], state, &pid, &restarts),
		    "no row for %s in:\n%s", names[i], out);
		cr_assert_str_eq(state, "running", "%s", out);
		cr_assert_eq(pid, t_pid(&env, names[i]), "%s", out);
		cr_assert_eq(restarts, 0);
	}
	/* Under their group, indented as supctl tree does. */
	cr_assert(strncmp(row_of(out, "p.0"), "    p.0", 7) == 0, "%s", out);
	free(out);
	/* Some names: those, and what is under them. */
	cr_assert_eq(t_ctl(&env, &out, NULL, "top", "g", NULL), 0);
	cr_assert(row_of(out, "b") && row_of(out, "p.1") && !row_of(out, "a"),
	    "%s", out);
	free(out);
	cr_assert_eq(t_ctl(&env, NULL, &err, "top", "--json", NULL), 2);
	cr_assert(strstr(err, "top has no --json form"), "%s", err);
	free(err);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "top", "nosuch", NULL), 4);
}

Test(scenario_top, piped_without_supd_it_says_so)
{
	char *err = NULL;

	conf();
	cr_assert_eq(t_ctl(&env, NULL, &err, "top", NULL), 3);
	cr_assert(strstr(err, "not running"), "%s", err);
	free(err);
}

/* What the pane shows now (a static copy). */
static const char *
screen(void)
{
	static char *last;

	free(last);
	last = NULL;
	tmux_cmd(&last, "capture-pane", "-p", NULL);
	return last ? last : "";
}

static bool
screen_has(const char *s)
{
	return strstr(screen(), s) != NULL;
}

/* Waits until the screen's row of name is in state with a pid that is
 * not not_pid and at least min_restarts; its pid then. */
static long
row_wait(const char *name, const char *state, long not_pid,
    long min_restarts)
{
	char st[16] = "";
	long pid = 0, r = -1;
	bool ok = T_WAIT(row_read(screen(), name, st, &pid, &r) &&
	    strcmp(st, state) == 0 && pid != not_pid && r >= min_restarts,
	    T_WAIT_MS);

	cr_assert(ok, "%s: want %s, pid not %ld, restarts >= %ld; screen:\n%s",
	    name, state, not_pid, min_restarts, screen());
	return pid;
}

/* Whether the first line is cols wide and ends with the clock
 * (HH:MM:SS): drawn for that width, not cut from a wider one. */
static bool
header_fits(int cols)
{
	const char *l = screen();
	int k = (int)strcspn(l, "\n"), h, m, sec;
	char c;

	return k == cols && sscanf(l + k - 8, "%2d:%2d:%2d%c", &h, &m, &sec,
	    &c) >= 3 && l[k - 6] == ':';
}

static void
keys(const char *k)
{
	tmux_cmd(NULL, "send-keys", k, NULL);
}

/* The first word of the highlighted (reverse video) row, "" if none. */
static const char *
selected(void)
{
	static char word[64];
	char *out = NULL, *l;

	word[0] = '\0';
	tmux_cmd(&out, "capture-pane", "-p", "-e");
	/* The column heads are in reverse video too: skip their line. */
	for (l = out; l != NULL && (l = strstr(l, "\033[7m")) != NULL; l++)
		if (sscanf(l + 4, "%63s", word) == 1 &&
		    strcmp(word, "NAME") != 0)
			break;
	if (l == NULL)
		word[0] = '\0';
	free(out);
	return word;
}

/* Moves the selection down (j, then the down arrow) onto name. */
static void
row_select(const char *name)
{
	for (int i = 0; i < 20 && strcmp(selected(), name) != 0; i++) {
		char was[64];
		snprintf(was, sizeof(was), "%s", selected());
		keys(i % 2 ? "Down" : "j");
		cr_assert(T_WAIT(strcmp(selected(), was) != 0, T_WAIT_MS),
		    "the selection stays on %s", was);
	}
	cr_assert_str_eq(selected(), name);
}

/*
 * supctl top on a 120x40 terminal, in sh, which records the terminal's
 * settings (stty -g) before and after and says how top exited; PAGER
 * copies the log it is given.
 */
static void
top_in_tmux(void)
{
	char cmd[2048], pager[256], *argv[16];
	int i = 0;

	t_path(&env, "pager.sh", pager, sizeof(pager));
	FILE *f = fopen(pager, "w");
	cr_assert_not_null(f);
	fprintf(f, "#!/bin/sh\ncp \"$1\" %s/paged.log\n", env.dir);
	fclose(f);
	chmod(pager, 0700);
	snprintf(cmd, sizeof(cmd), "cd %s && stty -g > stty.before && "
	    "PAGER=%s %s -r %s top; echo top-exited=$?; stty -g > stty.after; "
	    "exec sleep 600", env.dir, pager, T_BIN("supctl"), env.run);
	/* Every process of the pane carries SUP_TEST_DIR: the teardown
	 * finds what the test left. */
	setenv("SUP_TEST_DIR", env.dir, 1);
	argv[i++] = "tmux";
	argv[i++] = "-S";
	argv[i++] = tmux_sock;
	argv[i++] = "new-session";
	argv[i++] = "-d";
	argv[i++] = "-x";
	argv[i++] = "120";
	argv[i++] = "-y";
	argv[i++] = "40";
	argv[i++] = "sh";
	argv[i++] = "-c";
	argv[i++] = cmd;
	argv[i] = NULL;
	cr_assert_eq(t_run(NULL, NULL, (char *const *)argv), 0,
	    "tmux did not start: is it installed (mk/deps.sh)?");
	unsetenv("SUP_TEST_DIR");
	cr_assert(T_WAIT(screen_has("RESTARTS") && row_of(screen(), "p.1"),
	    T_WAIT_MS), "no top on the screen:\n%s", screen());
}

Test(scenario_top, live_it_follows_events_and_keys_and_restores_the_tty)
{
	long a0, a1, b0, b1;
	char *before, *after, path[256];

	conf();
	t_supd_start(&env);
	top_in_tmux();
	a0 = row_wait("a", "running", 0, 0);
	cr_assert_eq(a0, t_pid(&env, "a"));
	/* No key pressed: supd's events redraw the row. */
	t_kill((pid_t)a0, SIGKILL);
	a1 = row_wait("a", "running", a0, 1);
	cr_assert_eq(a1, t_pid(&env, "a"));
	cr_assert(strstr(row_of(screen(), "a"), "killed by signal 9"), "%s",
	    screen());
	b0 = row_wait("b", "running", 0, 0);
	row_select("b");
	keys("s");
	row_wait("b", "stopped", -1, 0);
	cr_assert_str_eq(t_state(&env, "b"), "stopped");
	cr_assert(T_WAIT(screen_has("stop b: requested"), T_WAIT_MS), "%s",
	    screen());
	keys("S");
	b1 = row_wait("b", "running", 0, 0);
	cr_assert_neq(b1, b0);
	cr_assert_eq(b1, t_pid(&env, "b"));
	keys("r");
	cr_assert_neq(row_wait("b", "running", b1, 0), b1);
	cr_assert(T_WAIT(screen_has("restart b: requested"), T_WAIT_MS), "%s",
	    screen());
	/* l: the pager gets b's log. */
	keys("l");
	t_path(&env, "paged.log", path, sizeof(path));
	cr_assert(T_WAIT(access(path, F_OK) == 0, T_WAIT_MS));
	char *paged = t_read(path);
	cr_assert(paged && strstr(paged, "hello-from-b"), "%s", paged);
	free(paged);
	cr_assert(T_WAIT(screen_has("RESTARTS"), T_WAIT_MS), "%s", screen());
	keys("q");
	cr_assert(T_WAIT(screen_has("top-exited=0"), T_WAIT_MS), "%s",
	    screen());
	/* The main screen is back, without top's rows, and the terminal's
	 * settings are what they were. */
	cr_assert(!screen_has("RESTARTS"), "%s", screen());
	t_path(&env, "stty.after", path, sizeof(path));
	cr_assert(T_WAIT(access(path, F_OK) == 0, T_WAIT_MS));
	after = t_read(path);
	t_path(&env, "stty.before", path, sizeof(path));
	before = t_read(path);
	cr_assert(before && after && strcmp(before, after) == 0,
	    "stty before %s, after %s", before, after);
	free(before);
	free(after);
}

Test(scenario_top, live_it_waits_for_supd_and_comes_back)
{
	long a0;

	conf();
	t_supd_start(&env);
	top_in_tmux();
	a0 = row_wait("a", "running", 0, 0);
	kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	cr_assert(T_WAIT(screen_has("supd not running, reconnecting"),
	    T_WAIT_MS), "%s", screen());
	/* A new supd adopts the children; the view is live again. */
	t_supd_start(&env);
	cr_assert(T_WAIT(!screen_has("reconnecting"), T_WAIT_MS), "%s",
	    screen());
	cr_assert_eq(row_wait("a", "running", 0, 0), a0);
	t_kill((pid_t)a0, SIGKILL);
	row_wait("a", "running", a0, 1);
	/* A smaller window: the screen is drawn again to fit it. */
	tmux_cmd(NULL, "resize-window", "-x", "100");
	cr_assert(T_WAIT(header_fits(100) && screen_has("supd pid") &&
	    row_of(screen(), "p.1"), T_WAIT_MS), "%s", screen());
	/* ^C quits as q does. */
	keys("C-c");
	cr_assert(T_WAIT(screen_has("top-exited=0"), T_WAIT_MS), "%s",
	    screen());
}
