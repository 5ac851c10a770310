/*
 * tests/scenario/pid1_test.c — supd as PID 1 of a container: the first
 * process of a new PID namespace (`unshare --pid --fork --mount-proc`),
 * as Docker and Kubernetes run an ENTRYPOINT.
 *
 * PID 1 inherits every orphan of its namespace and must reap it (else
 * zombies pile up); the kernel drops every signal PID 1 has no handler
 * for, even SIGTERM and even from outside, so supd gets its signals only
 * because it blocks them and reads a signalfd (a blocked signal is never
 * dropped); and when PID 1 exits, the kernel SIGKILLs the whole namespace,
 * so the orderly stop has to be supd's, before it exits.
 *
 * The test stays outside the namespace: it sees supd and the processes
 * in there under their host pids (a pid supd prints is a namespace pid:
 * host_pid() translates), and talks to supd through the run dir, which
 * both sides see. It runs as root in CI; unshare refused (EPERM) fails
 * the test with unshare's own words, it does not skip.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/t.h"

static struct t_env env;
static pid_t nsupd; /* supd, PID 1 of its namespace, by its host pid */

static void
setup(void)
{
	t_env_init(&env);
	nsupd = 0;
}

/* unshare ignores SIGTERM: the namespace ends when supd does. */
static void
teardown(void)
{
	if (nsupd > 0 && !env.reaped) {
		kill(nsupd, SIGTERM);
		if (t_supd_wait(&env, 15000) < 0)
			kill(nsupd, SIGKILL);
	}
	t_env_fini(&env);
}

TestSuite(scenario_pid1, .init = setup, .fini = teardown, .timeout = 90);

#define CHILD T_HELPER("t-child")

/* The value of a "Key:\tvalue" line of /proc/PID/status, or NULL. */
static char *
status_field(pid_t pid, const char *key, char *buf, size_t n)
{
	char path[64], line[256];
	size_t k = strlen(key);
	char *found = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	while (found == NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, k) == 0 && line[k] == ':') {
			snprintf(buf, n, "%s", line + k + 1 + strspn(line + k +
			    1, " \t"));
			buf[strcspn(buf, "\n")] = '\0';
			found = buf;
		}
	fclose(f);
	return found;
}

static pid_t
ppid_of(pid_t pid)
{
	char buf[32];

	return status_field(pid, "PPid", buf, sizeof(buf)) ? atoi(buf) : -1;
}

/* The state letter of pid (R, S, Z...), or 0 when there is no such pid. */
static char
state_of(pid_t pid)
{
	char buf[64];

	return status_field(pid, "State", buf, sizeof(buf)) ? buf[0] : 0;
}

static bool
same_pidns(pid_t a, pid_t b)
{
	char pa[64], pb[64], la[64] = "", lb[64] = "";

	snprintf(pa, sizeof(pa), "/proc/%d/ns/pid", (int)a);
	snprintf(pb, sizeof(pb), "/proc/%d/ns/pid", (int)b);
	return readlink(pa, la, sizeof(la) - 1) > 0 &&
	    readlink(pb, lb, sizeof(lb) - 1) > 0 && strcmp(la, lb) == 0;
}

/* The host pid of the process that is nspid in supd's namespace, or 0. */
static pid_t
host_pid(pid_t nspid)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;
	char buf[128];

	cr_assert_not_null(dir);
	while (found == 0 && (de = readdir(dir)) != NULL) {
		pid_t p = atoi(de->d_name);
		char *last;
		if (p <= 0 || !status_field(p, "NSpid", buf, sizeof(buf)))
			continue;
		last = strrchr(buf, '\t');
		if (last != NULL && atoi(last + 1) == nspid &&
		    same_pidns(p, nsupd))
			found = p;
	}
	closedir(dir);
	return found;
}

/* Processes whose parent is parent and that are zombies. */
static int
zombies_of(pid_t parent)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(dir);
	while ((de = readdir(dir)) != NULL) {
		pid_t p = atoi(de->d_name);
		if (p > 0 && ppid_of(p) == parent && state_of(p) == 'Z')
			n++;
	}
	closedir(dir);
	return n;
}

/* The child unshare forked: supd, PID 1 inside. */
static pid_t
unshares_child(void)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	cr_assert_not_null(dir);
	while (found == 0 && (de = readdir(dir)) != NULL) {
		pid_t p = atoi(de->d_name);
		if (p > 0 && ppid_of(p) == env.supd)
			found = p;
	}
	closedir(dir);
	return found;
}

/*
 * Runs supd as PID 1 of a new PID namespace (env.supd is unshare, our
 * child; nsupd is supd) and waits until root is ready. --kill-child:
 * should unshare die first, supd gets SIGKILL, and with it the namespace.
 */
static void
supd_start_pid1(void)
{
	struct pollfd p = {.events = POLLIN};
	char buf[16], fdarg[16], ns[128];
	int fds[2];

	cr_assert(pipe(fds) == 0);
	env.reaped = false;
	env.supd = fork();
	cr_assert(env.supd >= 0);
	if (env.supd == 0) {
		close(fds[0]);
		t_supd_child_setup(&env);
		unsetenv("NOTIFY_SOCKET");
		snprintf(fdarg, sizeof(fdarg), "%d", fds[1]);
		execlp("unshare", "unshare", "--pid", "--fork", "--mount-proc",
		    "--kill-child=SIGKILL", T_BIN("supd"), "-c", env.conf,
		    "-v", "--ready-fd", fdarg, (char *)NULL);
		dprintf(2, "pid1_test: cannot run unshare(1): %m\n");
		_exit(127);
	}
	close(fds[1]);
	p.fd = fds[0];
	cr_assert(poll(&p, 1, T_WAIT_MS) == 1 && read(fds[0], buf,
	    sizeof(buf)) > 0, "supd did not start as PID 1 of a new PID "
	    "namespace (this test needs root, or unshare(1) allowed to make "
	    "one; it does not skip); unshare and supd said:\n%s",
	    t_read(env.log));
	close(fds[0]);
	cr_assert(T_WAIT((nsupd = unshares_child()) > 0, T_WAIT_MS));
	cr_assert_not_null(status_field(nsupd, "NSpid", ns, sizeof(ns)));
	cr_assert(strrchr(ns, '\t') != NULL && atoi(strrchr(ns, '\t') + 1) ==
	    1, "supd is not PID 1 of its namespace: NSpid %s", ns);
}

static long
orphans_reaped(void)
{
	json_t *s = t_status(&env);
	long n = (long)json_integer_value(json_object_get(json_object_get(s,
	    "supervisor"), "orphans_reaped"));

	json_decref(s);
	return n;
}

/* How many children supd adopted when it started. */
static long
adopted(void)
{
	json_t *s = t_status(&env);
	long n = (long)json_integer_value(json_object_get(json_object_get(s,
	    "supervisor"), "adopted"));

	json_decref(s);
	return n;
}

/* A pid the child wrote (a namespace pid), once it is there. */
static pid_t
nspid_from(const char *path)
{
	char *s = NULL;

	cr_assert(T_WAIT((free(s), s = t_read(path)) != NULL && atoi(s) > 0,
	    T_WAIT_MS), "%s was not written", path);
	pid_t p = atoi(s);
	free(s);
	return p;
}

Test(scenario_pid1, a_daemon_a_child_double_forked_is_reaped_when_it_ends)
{
	char file[256];
	pid_t d;

	t_path(&env, "daemon.pid", file, sizeof(file));
	/* In a cgroup of its own, w's daemon would die with w, as under
	 * systemd (cgroup_test): here it is a daemon that outlives it. */
	t_conf(&env, "cgroups = off\n[worker w]\ncommand = " CHILD
	    " --daemon=%s --exit-after=0\nrestart = temporary\n", file);
	supd_start_pid1();
	cr_assert(T_WAIT((d = host_pid(nspid_from(file))) > 0, T_WAIT_MS));
	/* w exited; its daemon, in a session of its own, outlived it. */
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "stopped") == 0,
	    T_WAIT_MS), "w: %s", t_state(&env, "w"));
	cr_assert(t_pid_alive(d));
	cr_assert_eq(ppid_of(d), nsupd, "the daemon's parent is %d, not supd "
	    "(%d)", (int)ppid_of(d), (int)nsupd);
	t_kill(d, SIGTERM);
	cr_assert(T_WAIT(state_of(d) == 0, T_WAIT_MS), "the daemon was not "
	    "reaped: state %c", state_of(d));
	cr_assert(T_WAIT(zombies_of(nsupd) == 0, T_WAIT_MS));
	cr_assert_geq(orphans_reaped(), 1);
	cr_assert(t_supd_alive(&env));
}

Test(scenario_pid1, a_grandchild_orphaned_by_a_kill_9_is_reaped)
{
	char file[256];
	pid_t w, gc;

	t_path(&env, "gc.pid", file, sizeof(file));
	t_conf(&env, "[worker w]\ncommand = " CHILD " --grandchild=%s\n"
	    "restart = temporary\n", file);
	supd_start_pid1();
	cr_assert(T_WAIT((gc = host_pid(nspid_from(file))) > 0, T_WAIT_MS));
	cr_assert((w = host_pid(t_pid(&env, "w"))) > 0);
	cr_assert_eq(ppid_of(gc), w);
	t_kill(w, SIGKILL);
	/* Orphaned, reparented to supd, killed with what is left of w's
	 * process group, and reaped: no zombie stays in the namespace. */
	cr_assert(T_WAIT(state_of(gc) == 0, T_WAIT_MS), "the grandchild was "
	    "not reaped: state %c, parent %d", state_of(gc), (int)ppid_of(gc));
	cr_assert(T_WAIT(state_of(w) == 0, T_WAIT_MS));
	cr_assert(T_WAIT(zombies_of(nsupd) == 0, T_WAIT_MS));
	cr_assert_geq(orphans_reaped(), 1);
	cr_assert(t_supd_alive(&env));
}

Test(scenario_pid1, signals_supd_does_not_handle_do_not_kill_it)
{
	static const int sigs[] = {SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
	    SIGQUIT, SIGWINCH, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGSYS,
	    SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT};
	pid_t w;
	json_t *s;

	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	supd_start_pid1();
	w = t_pid(&env, "w");
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		t_kill(nsupd, sigs[i]);
	/* A fatal signal is acted on before supd runs again: if it were,
	 * this status would not be answered. */
	cr_assert_not_null(s = t_status(&env), "supd did not answer: %s; its "
	    "log:\n%s", t_status_err, t_read(env.log));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "supervisor"), "state")), "running");
	json_decref(s);
	cr_assert(t_supd_alive(&env));
	cr_assert_neq(state_of(nsupd), 'T', "supd was stopped by a signal");
	cr_assert_eq(t_pid(&env, "w"), w, "w was restarted");
}

/* Inside the container (docker exec, kubectl exec), supctl finds supd as
 * pid 1, and its children under their namespace pids. */
Test(scenario_pid1, supctl_inside_the_namespace_sees_supd_as_pid_1)
{
	char target[16], *out = NULL, *err = NULL;
	char *argv[] = {"nsenter", "-t", target, "-p", "-m", T_BIN("supctl"),
	    "-r", env.run, "status", "--json", NULL};
	json_t *s;

	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	supd_start_pid1();
	snprintf(target, sizeof(target), "%d", (int)nsupd);
	cr_assert_eq(t_run(&out, &err, argv), 0, "%s", err);
	cr_assert_not_null(s = json_loads(out, 0, NULL), "%s", out);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(s,
	    "supervisor"), "pid")), 1);
	cr_assert_eq(host_pid((pid_t)json_integer_value(json_object_get(
	    t_kid(s, "w"), "pid"))), host_pid(t_pid(&env, "w")));
	json_decref(s);
	free(out);
	free(err);
}

/*
 * A new container is a new namespace: nothing to adopt. What the volume
 * holds decides: after a container killed (same machine), w counts as
 * having exited while supd was down; after an orderly stop, it does not,
 * and its count stays.
 */
Test(scenario_pid1, a_new_namespace_adopts_nothing_and_keeps_the_counts)
{
	const char *lost = "exited while supd was down";

	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	supd_start_pid1();
	cr_assert_eq(t_restarts(&env, "w"), 0);
	t_kill(nsupd, SIGKILL); /* the whole namespace goes with it */
	cr_assert_neq(t_supd_wait(&env, T_WAIT_MS), -1);
	supd_start_pid1();
	cr_assert_eq(t_history_with(&env, "w", "exit", lost), 1);
	cr_assert_eq(t_restarts(&env, "w"), 1);
	t_kill(nsupd, SIGTERM);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	supd_start_pid1();
	cr_assert_eq(t_history_with(&env, "w", "exit", lost), 1);
	cr_assert_eq(t_restarts(&env, "w"), 1);
	cr_assert_eq(adopted(), 0);
}

/* The last exit row of name in the history: its signal, or -1. */
static int
exit_signal(json_t *h, const char *name)
{
	json_t *x = t_row_last(h, name, "exit");

	return x ? (int)json_integer_value(json_object_get(x, "signal")) : -1;
}

static void
orderly_stop(int sig)
{
	char file[256], kv[200];
	pid_t procs[64], d;
	int64_t t0;
	json_t *h, *x;

	t_path(&env, "daemon.pid", file, sizeof(file));
	/* a exits 0 on TERM; b dies of INT, its stop signal; c ignores TERM
	 * and is killed after its shutdown; d leaves an orphan running. */
	t_conf(&env, "shutdown = 10s\n"
	    "[worker a]\ncommand = " CHILD " --term-exit=0\n"
	    "[worker b]\ncommand = " CHILD "\nstop_signal = INT\n"
	    "[worker c]\ncommand = " CHILD " --ignore-term\nshutdown = 1s\n"
	    "[worker d]\ncommand = " CHILD " --daemon=%s\n", file);
	supd_start_pid1();
	cr_assert(T_WAIT((d = host_pid(nspid_from(file))) > 0, T_WAIT_MS));
	/* a and c act on TERM only once their handlers are set. */
	cr_assert(T_WAIT(t_handles(host_pid(t_pid(&env, "a")), SIGTERM) &&
	    t_handles(host_pid(t_pid(&env, "c")), SIGTERM), T_WAIT_MS));
	t0 = t_now_ms();
	t_kill(nsupd, sig);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0, "supd (through "
	    "unshare) did not exit 0; its log:\n%s", t_read(env.log));
	/* Within root's shutdown (10s): c's 1 s is the longest wait. */
	cr_assert_lt(t_now_ms() - t0, 10000);
	h = t_history(&env, NULL);
	cr_assert_not_null(h);
	x = t_row_last(h, "a", "exit");
	cr_assert(x != NULL && json_integer_value(json_object_get(x, "code"))
	    == 0 && json_is_null(json_object_get(x, "signal")), "a: %s",
	    json_dumps(h, 0));
	cr_assert_eq(exit_signal(h, "b"), SIGINT, "%s", json_dumps(h, 0));
	cr_assert_eq(exit_signal(h, "c"), SIGKILL, "%s", json_dumps(h, 0));
	cr_assert_str_eq(t_row_str(t_row_last(h, "c", "exit"), "reason"),
	    "killed after the shutdown timeout (1s)");
	cr_assert_eq(t_rows_count(h, "supd", "supd.exit", "orderly shutdown"),
	    1, "%s", json_dumps(h, 0));
	json_decref(h);
	/* Nothing of the namespace is left, the orphan neither. */
	snprintf(kv, sizeof(kv), "SUP_TEST_DIR=%s", env.dir);
	cr_assert(T_WAIT(t_procs_with_env(kv, procs, 64) == 0, T_WAIT_MS));
	cr_assert_eq(state_of(d), 0);
	cr_assert_eq(state_of(nsupd), 0);
}

Test(scenario_pid1, sigterm_is_an_orderly_stop_and_exit_0)
{
	orderly_stop(SIGTERM);
}

Test(scenario_pid1, sigint_is_an_orderly_stop_and_exit_0)
{
	orderly_stop(SIGINT);
}
