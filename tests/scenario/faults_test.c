/*
 * tests/scenario/faults_test.c — real faults, made where they happen in
 * production: a clone() refused by RLIMIT_NPROC, an exec of a file made
 * unexecutable or removed, a supd out of file descriptors (EMFILE), a
 * full disk under its database, a read-only and a corrupt database, a
 * child that ignores every signal it can, and SIGSTOPped children at
 * shutdown. For each, supd goes on supervising the other children, says
 * what failed in its log and in `supctl status --json`, and loses no
 * record it had committed.
 *
 * Sections: starting supd another way (as another user, with
 * --reset-state), asking supd (through a supctl of the right user),
 * reading its log, a tmpfs of the test's own, then the tests.
 *
 * Tests that switch users or mount a tmpfs need root and skip without
 * it. A tmpfs is mounted in a mount namespace of the test's own process,
 * so that it ends with the test whatever becomes of it; its .fini
 * unmounts it all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_faults, 120);

#define CHILD T_HELPER("t-child")
#define STUBBORN T_HELPER("t-stubborn")
#define NOBODY 65534

static char *const as_nobody[] = {"setpriv", "--reuid=65534",
    "--regid=65534", "--clear-groups", "--", NULL};

/* A skipped test gets no .fini: its dir goes first. */
#define SKIP(...)                                                         \
	do {                                                              \
		t_env_fini(&env);                                         \
		cr_skip_test(__VA_ARGS__);                                \
	} while (0)

static void
need_root(void)
{
	if (geteuid() != 0)
		SKIP("needs root");
}

/* --- starting supd another way ------------------------------------------ */

/* In the forked child: what t.c's supd_exec does, for any argv. */
static void
supd_exec_argv(char *const argv[], int unused_fd)
{
	int log = open(env.log, O_WRONLY | O_CREAT | O_APPEND, 0644);

	close(unused_fd);
	setenv("SUP_TEST_DIR", env.dir, 1);
	unsetenv("SUP_RUN_DIR");
	dup2(log, 2);
	dup2(log, 1);
	setpgid(0, 0);
	execvp(argv[0], argv);
	_exit(127);
}

/*
 * t_supd_start(), with a prefix before supd (pre: NULL-terminated, or
 * NULL) and one more argument after -c CONFIG (extra, or NULL): t.c's
 * start has neither.
 */
static void
supd_start_with(char *const *pre, const char *supd, const char *extra)
{
	struct pollfd p = {.events = POLLIN};
	char fdarg[16], buf[16], *argv[16];
	int fds[2], n = 0;

	cr_assert(pipe(fds) == 0);
	for (int i = 0; pre != NULL && pre[i] != NULL; i++)
		argv[n++] = pre[i];
	snprintf(fdarg, sizeof(fdarg), "%d", fds[1]);
	argv[n++] = (char *)supd;
	argv[n++] = "-c";
	argv[n++] = env.conf;
	argv[n++] = "--ready-fd";
	argv[n++] = fdarg;
	if (extra != NULL)
		argv[n++] = (char *)extra;
	argv[n] = NULL;
	env.reaped = false;
	env.supd = fork();
	cr_assert(env.supd >= 0);
	if (env.supd == 0)
		supd_exec_argv(argv, fds[0]);
	close(fds[1]);
	p.fd = fds[0];
	cr_assert(poll(&p, 1, T_WAIT_MS) == 1, "supd not ready in time");
	cr_assert(read(fds[0], buf, sizeof(buf)) > 0,
	    "supd exited before it was ready; its log:\n%s", t_read(env.log));
	close(fds[0]);
}

static void
supd_kill9(void)
{
	t_kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
}

/* --- asking supd -------------------------------------------------------- */

/* Set when supd runs as nobody: supctl runs as nobody too (a root
 * supctl does not trust a run dir of another user). */
static char nobody_supctl[256];

/* supctl -r RUN a1 a2 a3 (a NULL ends the list early). */
static int
ctl(char **out, char **err, const char *a1, const char *a2, const char *a3)
{
	char *argv[16];
	int n = 0;

	if (nobody_supctl[0] == '\0')
		return t_ctl(&env, out, err, a1, a2, a3, NULL);
	for (int i = 0; as_nobody[i] != NULL; i++)
		argv[n++] = as_nobody[i];
	argv[n++] = nobody_supctl;
	argv[n++] = "-r";
	argv[n++] = env.run;
	argv[n++] = (char *)a1;
	argv[n++] = (char *)a2;
	argv[n++] = (char *)a3;
	argv[n] = NULL;
	return t_run(out, err, argv);
}

/* supctl A1 A2 A3, its output parsed as JSON (new reference), or NULL. */
static json_t *
ctl_json(const char *a1, const char *a2, const char *a3)
{
	char *out = NULL;
	json_t *j = NULL;

	if (ctl(&out, NULL, a1, a2, a3) == 0)
		j = json_loads(out, 0, NULL);
	free(out);
	return j;
}

/* supctl status --json, parsed; NULL when supd did not answer. */
static json_t *
status(void)
{
	return ctl_json("status", "--json", NULL);
}

/* name's pid now (0 if none). */
static pid_t
kid_pid(const char *name)
{
	json_t *s = status();
	pid_t pid = (pid_t)json_integer_value(json_object_get(t_kid(s, name),
	    "pid"));

	json_decref(s);
	return pid;
}

static long
kid_restarts(const char *name)
{
	json_t *s = status(), *k = t_kid(s, name);
	long r = k ? (long)json_integer_value(json_object_get(k, "restarts"))
		   : -1;

	json_decref(s);
	return r;
}

/* Whether name is running now, as a live process other than old. */
static bool
kid_running_not(const char *name, pid_t old)
{
	json_t *s = status(), *k = t_kid(s, name);
	const char *st = json_string_value(json_object_get(k, "state"));
	pid_t pid = (pid_t)json_integer_value(json_object_get(k, "pid"));
	bool ok = st != NULL && strcmp(st, "running") == 0 && pid != old &&
	    t_pid_alive(pid);

	json_decref(s);
	return ok;
}

/* name's last_exit.reason now (new string; "" if none). */
static char *
kid_reason(const char *name)
{
	json_t *s = status();
	const char *r = json_string_value(json_object_get(json_object_get(
	    t_kid(s, name), "last_exit"), "reason"));
	char *copy = strdup(r ? r : "");

	json_decref(s);
	return copy;
}

static bool
kid_reason_is(const char *name, const char *want)
{
	char *r = kid_reason(name);
	bool is = strcmp(r, want) == 0;

	free(r);
	return is;
}

/* supervisor.persisting now: 1, 0, or -1 when supd did not answer. */
static int
persisting(void)
{
	json_t *s = status();
	json_t *p = json_object_get(json_object_get(s, "supervisor"),
	    "persisting");
	int v = s == NULL ? -1 : json_is_true(p) ? 1 : 0;

	json_decref(s);
	return v;
}

/* supervisor.persist_error now (new string; "" if none). */
static char *
persist_error(void)
{
	json_t *s = status();
	const char *e = json_string_value(json_object_get(json_object_get(s,
	    "supervisor"), "persist_error"));
	char *copy = strdup(e ? e : "");

	json_decref(s);
	return copy;
}

/* supctl --json history [NAME]: the rows (new reference), or NULL. */
static json_t *
history(const char *name)
{
	return ctl_json("--json", "history", name);
}

/* The rows of h that are event, with a reason holding what (or any). */
static int
rows_count(json_t *h, const char *event, const char *what)
{
	json_t *row;
	size_t i;
	int n = 0;

	json_array_foreach(h, i, row) {
		const char *e = json_string_value(json_object_get(row,
		    "event"));
		const char *r = json_string_value(json_object_get(row,
		    "reason"));
		if (e != NULL && strcmp(e, event) == 0 &&
		    (what == NULL || (r != NULL && strstr(r, what) != NULL)))
			n++;
	}
	return n;
}

/* rows_count() of name's history now; -1 when it cannot be read. */
static int
history_count(const char *name, const char *event, const char *what)
{
	json_t *h = history(name);
	int n = h != NULL ? rows_count(h, event, what) : -1;

	json_decref(h);
	return n;
}

/* name's history now, as text for a message (leaks: failures only). */
static char *
history_text(const char *name)
{
	json_t *h = history(name);

	return h != NULL ? json_dumps(h, JSON_INDENT(1)) : strdup("(none)");
}

static bool
row_same(json_t *a, json_t *b)
{
	static const char *const keys[] = {"at_ms", "name", "event", "pid"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_equal(json_object_get(a, keys[i]),
		    json_object_get(b, keys[i])))
			return false;
	return true;
}

/* Whether every row of before is still in after. */
static bool
rows_kept(json_t *before, json_t *after)
{
	json_t *a, *b;
	size_t i, j;

	json_array_foreach(before, i, b) {
		bool found = false;
		json_array_foreach(after, j, a)
			found |= row_same(a, b);
		if (!found)
			return false;
	}
	return json_array_size(before) > 0;
}

/* --- reading supd's log ------------------------------------------------- */

static char *
supd_log(void)
{
	char *log = t_read(env.log);

	return log ? log : strdup("");
}

static int
log_count(const char *what)
{
	char *log = supd_log();
	int n = 0;

	for (char *p = log; (p = strstr(p, what)) != NULL; p++)
		n++;
	free(log);
	return n;
}

/* Whether the log holds what[0], then what[1]... in that order. */
static bool
log_in_order(const char *const *what)
{
	char *log = supd_log(), *p = log;

	for (int i = 0; what[i] != NULL && p != NULL; i++)
		if ((p = strstr(p, what[i])) != NULL)
			p += strlen(what[i]);
	free(log);
	return p != NULL;
}

/* Whether a line of the log holds both a and b. */
static bool
log_line_with(const char *a, const char *b)
{
	int n;
	char **lines = t_lines(env.log, &n);
	bool found = false;

	for (int i = 0; i < n; i++)
		found |= strstr(lines[i], a) != NULL &&
		    strstr(lines[i], b) != NULL;
	t_lines_free(lines);
	return found;
}

/* --- processes ---------------------------------------------------------- */

/* /proc/PID/stat's state letter, or '?' when gone. */
static char
proc_state(pid_t pid)
{
	char path[64], *text, *p, c = '?';

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((text = t_read(path)) != NULL && (p = strrchr(text, ')')) != NULL)
		c = p[2];
	free(text);
	return c;
}

/* The processes this test started that still live. */
static int
leftovers(void)
{
	char kv[200];
	pid_t left[64];

	snprintf(kv, sizeof(kv), "SUP_TEST_DIR=%s", env.dir);
	return t_procs_with_env(kv, left, 64);
}

/* The pid a helper wrote to path, once it did. */
static pid_t
pid_file(const char *path)
{
	char *text = NULL;
	pid_t pid;

	cr_assert(T_WAIT((free(text), text = t_read(path)) != NULL &&
	    atoi(text) > 0, T_WAIT_MS), "no pid in %s", path);
	pid = (pid_t)atoi(text);
	free(text);
	return pid;
}

/* The whole of a file (new buffer, length in *len), or NULL. */
static char *
file_bytes(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL) {
		r = read(fd, buf, (size_t)st.st_size);
		*len = r > 0 ? (size_t)r : 0;
	}
	if (fd >= 0)
		close(fd);
	return buf;
}

static void
file_put(const char *path, const char *data, size_t len, off_t at)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	cr_assert(pwrite(fd, data, len, at) == (ssize_t)len);
	close(fd);
}

/* --- a tmpfs of the test's own ------------------------------------------ */

static char disk[200]; /* env.dir/disk once mounted, else "" */

/*
 * A tmpfs of size at env.dir/disk (path in disk[]), in a mount namespace
 * of this test's process: supd and supctl, its children, see it; nothing
 * else does, and it goes with the test's last process. Skips without
 * root or when the system refuses.
 */
static void
disk_mount(const char *size)
{
	char where[200], opts[64];

	need_root();
	t_path(&env, "disk", where, sizeof(where));
	cr_assert(mkdir(where, 0700) == 0);
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		SKIP("no mount namespace: %s", strerror(errno));
	snprintf(opts, sizeof(opts), "size=%s,mode=0700", size);
	if (mount("tmpfs", where, "tmpfs", 0, opts) != 0)
		SKIP("cannot mount a tmpfs: %s", strerror(errno));
	snprintf(disk, sizeof(disk), "%s", where);
}

static void
disk_remount(bool readonly)
{
	cr_assert(mount("tmpfs", disk, "tmpfs", MS_REMOUNT |
	    (readonly ? MS_RDONLY : 0), NULL) == 0, "remount %s: %s", disk,
	    strerror(errno));
}

/* Fills the tmpfs: zeros into disk/name until ENOSPC. */
static void
disk_fill(const char *name)
{
	static const char zeros[4096];
	char path[256];
	ssize_t w;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", disk, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	while ((w = write(fd, zeros, sizeof(zeros))) > 0)
		;
	cr_assert(w < 0 && errno == ENOSPC, "%s: %s", path, strerror(errno));
	close(fd);
}

/* .fini of a test with a tmpfs: supd goes first (it holds the database
 * open), then the mount, then the directory that held it. */
static void
disk_fini(void)
{
	char *argv[] = {"rm", "-rf", env.dir, NULL};

	t_env_fini(&env);
	if (disk[0] != '\0')
		umount2(disk, MNT_DETACH);
	t_run(NULL, NULL, argv);
}

/* --- 1. fork failing ---------------------------------------------------- */

/*
 * Sets pid's soft RLIMIT_NPROC (RLIM_INFINITY: back to its hard limit),
 * as nobody: prlimit(2) on another user's process needs CAP_SYS_RESOURCE,
 * which a container's root may lack.
 */
static void
nproc_set(pid_t pid, rlim_t soft)
{
	struct rlimit r;
	pid_t k = fork();
	int st;

	cr_assert(k >= 0);
	if (k == 0) {
		if (setgroups(0, NULL) != 0 ||
		    setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) != 0 ||
		    prlimit(pid, RLIMIT_NPROC, NULL, &r) != 0)
			_exit(1);
		r.rlim_cur = soft == RLIM_INFINITY ? r.rlim_max : soft;
		_exit(prlimit(pid, RLIMIT_NPROC, &r, NULL) == 0 ? 0 : 2);
	}
	cr_assert_eq(waitpid(k, &st, 0), k);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "cannot set RLIMIT_NPROC of pid %d", (int)pid);
}

/* supd, supctl and t-child copied where nobody can run them, and a run
 * dir of nobody's; supd started as nobody. */
static void
supd_start_as_nobody(void)
{
	char supd[256], child[256], run[200], conf[1024];

	t_exec_copy(&env, T_BIN("supd"), supd, sizeof(supd));
	t_exec_copy(&env, T_BIN("supctl"), nobody_supctl,
	    sizeof(nobody_supctl));
	t_exec_copy(&env, CHILD, child, sizeof(child));
	t_dir_for(&env, "run", 0700, NOBODY, run, sizeof(run));
	cr_assert_str_eq(run, env.run);
	snprintf(conf, sizeof(conf), "intensity = 1000\nperiod = 60s\n"
	    "[worker steady]\ncommand = %s\n"
	    "[worker b]\ncommand = %s\nbackoff = 100ms 1s\n", child, child);
	t_conf(&env, "%s", conf);
	supd_start_with(as_nobody, supd, NULL);
}

/*
 * clone() fails with EAGAIN: supd, run as nobody (RLIMIT_NPROC does not
 * bind root), gets a process limit of 1 and b is killed. Each respawn of
 * b fails and says so (log and status), steady runs on, and once the
 * limit allows it again b comes back; the failures are in the history.
 */
Test(scenario_faults, a_fork_refused_by_rlimit_nproc_is_reported_and_retried)
{
	char want[128];
	pid_t steady, b0;
	json_t *h;

	need_root();
	supd_start_as_nobody();
	steady = kid_pid("steady");
	b0 = kid_pid("b");
	cr_assert(steady > 0 && b0 > 0, "%s", supd_log());
	nproc_set(env.supd, 1);
	t_kill(b0, SIGKILL);
	cr_assert(T_WAIT(history_count("b", "exit", "cannot spawn: ") >= 2,
	    T_WAIT_MS), "respawns of b go on failing:\n%s", history_text("b"));
	snprintf(want, sizeof(want), "cannot spawn: %s", strerror(EAGAIN));
	cr_assert_geq(history_count("b", "exit", want), 1, "%s",
	    history_text("b"));
	cr_assert(kid_reason_is("b", want), "reason: %s", kid_reason("b"));
	cr_assert_eq(kid_pid("steady"), steady, "steady was not touched");
	cr_assert(t_pid_alive(steady));
	nproc_set(env.supd, RLIM_INFINITY);
	cr_assert(T_WAIT(kid_running_not("b", b0), T_WAIT_MS),
	    "b never came back:\n%s", supd_log());
	cr_assert_not_null(h = history("b"));
	cr_assert_geq(rows_count(h, "exit", want), 1, "%s", json_dumps(h, 0));
	json_decref(h);
	cr_assert_eq(ctl(NULL, NULL, "stop", NULL, NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
}

/* --- 2. exec failing ---------------------------------------------------- */

/* A copy of t-child at env.dir/prog (path into buf), to take away. */
static void
prog_copy(char *buf, size_t n)
{
	char *argv[] = {"cp", CHILD, buf, NULL};

	t_path(&env, "prog", buf, n);
	cr_assert_eq(t_run(NULL, NULL, argv), 0);
	cr_assert(chmod(buf, 0755) == 0);
}

/* Kills name and waits until its last exit reads want. */
static void
kill_until_reason(const char *name, const char *want)
{
	pid_t pid = kid_pid(name);

	if (pid > 0)
		t_kill(pid, SIGKILL);
	cr_assert(T_WAIT(kid_reason_is(name, want), T_WAIT_MS),
	    "want \"%s\", got \"%s\"", want, kid_reason(name));
}

/*
 * The program of victim is made unexecutable (chmod 000), then removed,
 * after the config was loaded: each respawn fails in exec, and status,
 * log and history say why; sibling runs on untouched. Put back, victim
 * runs again.
 */
Test(scenario_faults, an_exec_that_fails_is_reported_and_the_sibling_runs_on)
{
	char prog[256], conf[1024], denied[512], missing[512];
	pid_t sibling, v0;
	json_t *h;

	prog_copy(prog, sizeof(prog));
	snprintf(conf, sizeof(conf), "intensity = 1000\nperiod = 60s\n"
	    "[worker victim]\ncommand = %s\nbackoff = 50ms 300ms\n"
	    "[worker sibling]\ncommand = " CHILD "\n", prog);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	sibling = kid_pid("sibling");
	v0 = kid_pid("victim");
	snprintf(denied, sizeof(denied), "cannot exec %s: %s", prog,
	    strerror(EACCES));
	snprintf(missing, sizeof(missing), "cannot exec %s: %s", prog,
	    strerror(ENOENT));
	cr_assert(chmod(prog, 0) == 0);
	kill_until_reason("victim", denied);
	cr_assert_geq(history_count("victim", "exit", denied), 1, "%s",
	    history_text("victim"));
	cr_assert(unlink(prog) == 0);
	kill_until_reason("victim", missing);
	cr_assert_eq(kid_pid("sibling"), sibling, "sibling was not touched");
	cr_assert(t_pid_alive(sibling));
	prog_copy(prog, sizeof(prog));
	cr_assert(T_WAIT(kid_running_not("victim", v0), T_WAIT_MS),
	    "victim never came back:\n%s", supd_log());
	cr_assert_not_null(h = history("victim"));
	cr_assert_geq(rows_count(h, "exit", denied), 1, "%s",
	    json_dumps(h, 0));
	cr_assert_geq(rows_count(h, "exit", missing), 1, "%s",
	    json_dumps(h, 0));
	json_decref(h);
}

/* --- 3. EMFILE ---------------------------------------------------------- */

/* A live process of this run dir named name (its SUP_NAME) other than
 * old, or 0: a child supd started, seen without asking supd. */
static pid_t
proc_named(const char *name, pid_t old)
{
	char kv[200], v[80];
	pid_t procs[64];
	int n;

	snprintf(kv, sizeof(kv), "SUP_RUN_DIR=%s", env.run);
	n = t_procs_with_env(kv, procs, 64);
	for (int i = 0; i < n; i++)
		if (procs[i] != old && t_proc_env(procs[i], "SUP_NAME", v,
		    sizeof(v)) && strcmp(v, name) == 0)
			return procs[i];
	return 0;
}

/* Sets supd's soft RLIMIT_NOFILE; returns the one it had. */
static rlim_t
nofile_set(rlim_t soft)
{
	struct rlimit r;
	rlim_t old;

	cr_assert(prlimit(env.supd, RLIMIT_NOFILE, NULL, &r) == 0, "%s",
	    strerror(errno));
	old = r.rlim_cur;
	r.rlim_cur = soft;
	cr_assert(prlimit(env.supd, RLIMIT_NOFILE, &r, NULL) == 0, "%s",
	    strerror(errno));
	return old;
}

/*
 * supd can open no file at all (soft RLIMIT_NOFILE of 3, below the fds
 * it holds) when talker is killed: talker is started all the same,
 * writing to /dev/null, and the log says the log file could not be
 * opened; its spawn record is written all the same (RUN/spawn.tab is
 * kept open: a spawn opens nothing for it). steady is not touched. With its limit back, supd
 * answers again, persists, and talker's next start has its log again.
 * (supctl is not asked meanwhile: supd cannot accept a connection. The
 * new process is seen in /proc, then the history says who started it.)
 */
Test(scenario_faults, supd_out_of_file_descriptors_goes_on_and_says_so)
{
	char talker_log[256], want[256], pid[32], *text = NULL;
	pid_t steady, t0, t1 = 0;
	rlim_t old;
	json_t *h;

	/* talker writes its log itself (no holder): the file supd opens. */
	t_conf(&env, "[worker talker]\ncommand = " CHILD " --print=hello\n"
	    "backoff = 0 0\nlog_timestamps = false\n[worker steady]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	snprintf(talker_log, sizeof(talker_log), "%s/log/talker.log",
	    env.run);
	cr_assert(T_WAIT((free(text), text = t_read(talker_log)) != NULL &&
	    strcmp(text, "hello\n") == 0, T_WAIT_MS), "%s", text);
	steady = kid_pid("steady");
	t0 = kid_pid("talker");
	old = nofile_set(3);
	t_kill(t0, SIGKILL);
	cr_assert(T_WAIT((t1 = proc_named("talker", t0)) > 0, T_WAIT_MS),
	    "talker was not started again:\n%s", supd_log());
	nofile_set(old);
	cr_assert(T_WAIT(kid_running_not("talker", t0), T_WAIT_MS), "%s",
	    supd_log());
	cr_assert_eq(kid_pid("talker"), t1, "the one started without fds");
	cr_assert_eq(kid_pid("steady"), steady);
	/* The intent written before the fork needed no new descriptor: the
	 * record names the one started without fds, pid written by it. */
	snprintf(want, sizeof(want), "%s/spawn.tab", env.run);
	cr_assert_not_null(text = t_read(want));
	snprintf(pid, sizeof(pid), " %d ", (int)t1);
	cr_expect(strstr(text, pid) != NULL, "no record of pid %d:\n%s",
	    (int)t1, text);
	free(text);
	text = NULL;
	cr_assert_eq(persisting(), 1, "%s", persist_error());
	/* Two spawns in all: the first, and the one made without fds. */
	cr_assert_not_null(h = history("talker"));
	cr_assert_eq(rows_count(h, "start", NULL), 1, "%s", json_dumps(h, 0));
	cr_assert_eq(rows_count(h, "restart", NULL), 1, "%s",
	    json_dumps(h, 0));
	cr_assert_eq(json_integer_value(json_object_get(t_row_last(h, "talker",
	    "restart"), "pid")), t1, "%s", json_dumps(h, 0));
	json_decref(h);
	snprintf(want, sizeof(want), "cannot open %s/log/talker.log: %s",
	    env.run, strerror(EMFILE));
	cr_assert(log_line_with(want, "talker writes to /dev/null"), "%s",
	    supd_log());
	/* Its next start has a log again. */
	t0 = kid_pid("talker");
	t_kill(t0, SIGKILL);
	cr_assert(T_WAIT((free(text), text = t_read(talker_log)) != NULL &&
	    strstr(text, "hello\nhello\n") != NULL, T_WAIT_MS), "%s", text);
	free(text);
}

/* --- 4. disk full ------------------------------------------------------- */

/* Kills name and waits for its replacement. */
static void
kill_and_wait(const char *name)
{
	pid_t old = kid_pid(name);

	t_kill(old, SIGKILL);
	cr_assert(T_WAIT(kid_running_not(name, old), T_WAIT_MS), "%s",
	    supd_log());
}

/* Kills victim until a write fails (a WAL may have room left in its
 * last page); at most a few times. */
static void
kill_until_not_persisting(void)
{
	for (int i = 0; i < 20 && persisting() != 0; i++) {
		kill_and_wait("victim");
		T_WAIT(persisting() == 0, 500);
	}
	cr_assert_eq(persisting(), 0, "the full disk went unnoticed");
}

static void
conf_on_disk(const char *workers)
{
	char conf[2048];

	snprintf(conf, sizeof(conf), "state = %s/st.db\nintensity = 1000\n"
	    "period = 60s\n%s", disk, workers);
	t_conf(&env, "%s", conf);
}

/*
 * The tmpfs under supd's database fills up: restarts go on from memory,
 * status says persisting false and why, the log says state.error. Space
 * freed, the next flush persists again (state.ok); marker's history from
 * before is all there, and so is every restart of victim made meanwhile;
 * the counts survive a kill -9 of supd.
 */
Test(scenario_faults, a_full_disk_turns_persisting_off_until_space_is_freed,
    .fini = disk_fini)
{
	json_t *before, *after;
	pid_t steady;
	long restarts;
	char *why, fill[256];

	disk_mount("1m");
	conf_on_disk("[worker marker]\ncommand = " CHILD "\nbackoff = 0 0\n"
	    "[worker victim]\ncommand = " CHILD "\nbackoff = 0 0\n"
	    "[worker steady]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	steady = kid_pid("steady");
	kill_and_wait("marker");
	cr_assert_not_null(before = history("marker"));
	cr_assert_eq(rows_count(before, "restart", NULL), 1, "%s",
	    json_dumps(before, 0));
	disk_fill("fill");
	kill_until_not_persisting();
	why = persist_error();
	cr_assert(strstr(why, "cannot write") && strstr(why,
	    "database or disk is full"), "%s", why);
	free(why);
	cr_assert(log_count("state.error") >= 1, "%s", supd_log());
	kill_and_wait("victim"); /* restarts go on */
	cr_assert_eq(kid_pid("steady"), steady);
	snprintf(fill, sizeof(fill), "%s/fill", disk);
	cr_assert(unlink(fill) == 0);
	cr_assert(T_WAIT(persisting() == 1, T_WAIT_MS), "%s", supd_log());
	cr_assert(log_count("state.ok") >= 1, "%s", supd_log());
	cr_assert_not_null(after = history("marker"));
	cr_assert(rows_kept(before, after), "before:\n%s\nafter:\n%s",
	    json_dumps(before, 0), json_dumps(after, 0));
	json_decref(before);
	json_decref(after);
	/* Every restart made from memory reached the database. */
	cr_assert_eq(ctl(NULL, NULL, "stop", "victim", NULL), 0);
	restarts = kid_restarts("victim");
	cr_assert_not_null(after = history("victim"));
	cr_assert_eq(rows_count(after, "restart", NULL), restarts, "%s",
	    json_dumps(after, 0));
	json_decref(after);
	supd_kill9();
	t_supd_start(&env);
	cr_assert_eq(kid_restarts("victim"), restarts);
	cr_assert_eq(kid_restarts("marker"), 1);
	cr_assert_eq(kid_pid("steady"), steady, "adopted");
}

/* --- 5. read-only and corrupt databases --------------------------------- */

/* supctl -c CONFIG --json history, for a supd that is down: the rows
 * (new reference) or NULL; what supctl said in *err. */
static json_t *
history_offline(char **err)
{
	char *out = NULL, *argv[] = {T_BIN("supctl"), "-c", env.conf,
	    "--json", "history", NULL};
	json_t *j = NULL;

	if (t_run(&out, err, argv) == 0)
		j = json_loads(out, 0, NULL);
	free(out);
	return j;
}

/*
 * The file system of the database is read-only when supd starts: it
 * supervises from memory, status says persisting false and why, and
 * supctl history says why it has none. The records committed before are
 * all there when the file system is writable again.
 */
Test(scenario_faults, a_read_only_database_is_reported_and_its_records_kept,
    .fini = disk_fini)
{
	json_t *before, *after;
	char *why, *err = NULL;

	disk_mount("1m");
	conf_on_disk("[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n"
	    "[worker b]\ncommand = " CHILD "\nbackoff = 0 0\n");
	t_supd_start(&env);
	kill_and_wait("a");
	cr_assert_not_null(before = history(NULL));
	cr_assert_eq(ctl(NULL, NULL, "stop", NULL, NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	disk_remount(true);
	t_supd_start(&env);
	cr_assert_eq(persisting(), 0);
	why = persist_error();
	cr_assert(strstr(why, "st.db") && strstr(why, strerror(EROFS)), "%s",
	    why);
	free(why);
	cr_assert(log_line_with("state.error", strerror(EROFS)), "%s",
	    supd_log());
	kill_and_wait("b"); /* supervised from memory */
	cr_assert_eq(kid_restarts("b"), 1);
	cr_assert_eq(ctl(NULL, &err, "history", NULL, NULL), 1);
	cr_assert(strstr(err, strerror(EROFS)) != NULL, "%s", err);
	free(err);
	cr_assert_eq(ctl(NULL, NULL, "stop", NULL, NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	/* supd down: supctl reads what was committed, read-only as it is. */
	after = history_offline(&err);
	cr_expect(after != NULL && rows_kept(before, after),
	    "supctl history cannot read a valid database on a read-only file "
	    "system: %s", err);
	json_decref(after);
	free(err);
	disk_remount(false);
	t_supd_start(&env);
	cr_assert_eq(persisting(), 1, "%s", persist_error());
	cr_assert_not_null(after = history(NULL));
	cr_assert(rows_kept(before, after), "before:\n%s\nafter:\n%s",
	    json_dumps(before, 0), json_dumps(after, 0));
	json_decref(before);
	json_decref(after);
}

/*
 * A database that could not be opened when supd started (its file system
 * read-only) is opened as soon as it can be, without a restart: supd
 * tries again, at most every 5 s, when it has something to write, and
 * writes what it holds, the history kept meanwhile included.
 */
Test(scenario_faults, a_database_that_becomes_writable_is_used_at_once,
    .fini = disk_fini)
{
	json_t *h;

	disk_mount("1m");
	conf_on_disk("[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n");
	t_supd_start(&env);
	cr_assert_eq(ctl(NULL, NULL, "stop", NULL, NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	disk_remount(true);
	t_supd_start(&env);
	cr_assert_eq(persisting(), 0);
	kill_and_wait("a"); /* remembered, not written */
	disk_remount(false);
	cr_assert(T_WAIT((kill_and_wait("a"), persisting() == 1), T_WAIT_MS),
	    "%s", persist_error());
	cr_assert(log_line_with("state.open", "opened at last"), "%s",
	    supd_log());
	cr_assert_not_null(h = history("a"));
	cr_assert_geq(rows_count(h, "restart", NULL), 2, "%s",
	    json_dumps(h, 0));
	json_decref(h);
}

/* RUN/state.db.broken-*, the main file of a database moved aside (path
 * into buf); false if there is none. */
static bool
broken_db(char *buf, size_t n)
{
	char cmd[512], *out = NULL, *argv[] = {"sh", "-c", cmd, NULL};
	bool found;

	snprintf(cmd, sizeof(cmd), "ls -d %s/state.db.broken-* | "
	    "grep -v -e '-wal$' -e '-shm$'", env.run);
	found = t_run(&out, NULL, argv) == 0 && out[0] == '/';
	if (found)
		snprintf(buf, n, "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	return found;
}

/* The history rows of name and event in the database at path; -1 when
 * it cannot be read. */
static int
db_count(const char *path, const char *name, const char *event)
{
	sqlite3 *h;
	sqlite3_stmt *s = NULL;
	int n = -1;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(h, "SELECT count(*) FROM history "
	    "WHERE name = ? AND event = ?", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, event, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int(s, 0);
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

/* The database's header ("SQLite format 3") overwritten: supd starts,
 * supervises from memory, and status names the cure. */
static void
corrupt_start(const char *db, char **bytes, size_t *len)
{
	char *why;

	file_put(db, "NOT SQLITE AT ALL", 16, 0);
	*bytes = file_bytes(db, len);
	cr_assert_not_null(*bytes);
	t_supd_start(&env);
	cr_assert_eq(persisting(), 0);
	why = persist_error();
	cr_assert(strstr(why, "file is not a database") &&
	    strstr(why, "--reset-state"), "%s", why);
	free(why);
	cr_assert(log_line_with("state.error", "file is not a database"),
	    "%s", supd_log());
	kill_and_wait("a");
	cr_assert_eq(kid_restarts("a"), 1, "supervised from memory");
}

/*
 * A database with records, its header then overwritten: supd supervises
 * from memory and never deletes nor changes the file, through its run
 * and an orderly stop. supd --reset-state moves it aside byte for byte,
 * with every record committed before (read once the header is mended),
 * and persists into a new one. (scenario_recovery covers a file of
 * garbage from the start.)
 */
Test(scenario_faults, a_corrupt_database_is_kept_and_moved_aside_on_request)
{
	char db[256], moved[512], mended[256], *bytes, *now;
	size_t len, nlen;
	json_t *h;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\nbackoff = 0 0\n"
	    "[worker b]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	kill_and_wait("a");
	cr_assert_not_null(h = history("a"));
	cr_assert_eq(rows_count(h, "restart", NULL), 1, "%s", json_dumps(h,
	    0));
	json_decref(h);
	cr_assert_eq(ctl(NULL, NULL, "stop", NULL, NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	corrupt_start(db, &bytes, &len);
	cr_assert_eq(ctl(NULL, NULL, "stop", NULL, NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	now = file_bytes(db, &nlen);
	cr_assert(now != NULL && nlen == len && memcmp(now, bytes, len) == 0,
	    "the damaged file was changed or deleted");
	free(now);
	supd_start_with(NULL, T_BIN("supd"), "--reset-state");
	cr_assert(log_count("state.reset") == 1, "%s", supd_log());
	cr_assert(broken_db(moved, sizeof(moved)), "nothing moved aside");
	now = file_bytes(moved, &nlen);
	cr_assert(now != NULL && nlen == len && memcmp(now, bytes, len) == 0,
	    "%s is not the damaged file as it was", moved);
	t_path(&env, "mended.db", mended, sizeof(mended));
	file_put(mended, now, nlen, 0);
	file_put(mended, "SQLite format 3", 16, 0);
	cr_assert_eq(db_count(mended, "a", "restart"), 1,
	    "the records committed before are in the file moved aside");
	free(now);
	free(bytes);
	cr_assert_eq(persisting(), 1, "%s", persist_error());
}

/* --- 6. a child that ignores every signal it can ------------------------ */

/* stubborn's pid once it ignores what a stop could send, and the pid
 * of its grandchild. */
static pid_t
stubborn_pids(const char *gcfile, pid_t *gc)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
	    SIGUSR2, SIGPIPE, SIGALRM};
	pid_t pid;

	*gc = pid_file(gcfile);
	cr_assert((pid = kid_pid("stubborn")) > 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		cr_assert(t_sig_in(pid, "SigIgn:", sigs[i]), "%d", sigs[i]);
		cr_assert(t_sig_in(*gc, "SigIgn:", sigs[i]), "%d", sigs[i]);
	}
	return pid;
}

/*
 * supctl stop stubborn, whose stop_signal (HUP) it ignores, as its
 * grandchild does: SIGKILL after shutdown ends both; sibling is not
 * touched. The signals sent are in supd's event stream (and its log)
 * only: the stream is read.
 */
Test(scenario_faults, a_child_ignoring_every_signal_is_killed_when_stopped)
{
	char gcfile[256], conf[1024];
	pid_t pid, gc, sibling;
	struct t_events ev;

	t_path(&env, "gc.pid", gcfile, sizeof(gcfile));
	snprintf(conf, sizeof(conf), "[worker stubborn]\ncommand = " STUBBORN
	    " --grandchild=%s\nstop_signal = HUP\nshutdown = 300ms\n"
	    "[worker sibling]\ncommand = " CHILD "\n", gcfile);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	sibling = kid_pid("sibling");
	pid = stubborn_pids(gcfile, &gc);
	t_events_start(&env, &ev, "sibling");
	cr_assert_eq(ctl(NULL, NULL, "stop", "stubborn", NULL), 0);
	cr_assert(kid_reason_is("stubborn",
	    "killed after the shutdown timeout (300ms)"), "%s",
	    kid_reason("stubborn"));
	/* The stream up to the exit, which came after the signals. */
	cr_assert(T_WAIT(t_events_count(&ev, "stubborn", "child.exit", NULL,
	    NULL) == 1, T_WAIT_MS), "%s", ev.seen);
	cr_assert_eq(t_events_count(&ev, "stubborn", "child.stop", "signal",
	    "HUP"), 1, "%s", ev.seen);
	cr_assert_eq(t_events_count(&ev, "stubborn", "child.kill", NULL,
	    NULL), 1, "%s", ev.seen);
	t_events_stop(&ev);
	cr_assert_eq(history_count("stubborn", "exit",
	    "killed after the shutdown timeout (300ms)"), 1, "%s",
	    history_text("stubborn"));
	cr_assert(T_WAIT(!t_pid_alive(pid) && !t_pid_alive(gc), T_WAIT_MS));
	cr_assert_eq(kid_pid("sibling"), sibling);
}

/*
 * supctl stop of the whole tree with stubborn in the middle: last is
 * stopped first, stubborn is killed after its shutdown, only then first
 * is stopped; supd exits 0, nothing is left, and the history says why
 * stubborn died.
 */
Test(scenario_faults, a_tree_with_a_child_ignoring_every_signal_stops_in_order)
{
	static const char *const order[] = {"child.stop name=last ",
	    "child.exit name=last ", "child.stop name=stubborn ",
	    "child.kill name=stubborn ", "child.exit name=stubborn ",
	    "child.stop name=first ", "child.exit name=first ", NULL};
	char gcfile[256], conf[1024], names[128];
	pid_t pid, gc;
	json_t *h, *x;

	t_path(&env, "gc.pid", gcfile, sizeof(gcfile));
	snprintf(conf, sizeof(conf), "[worker first]\ncommand = " CHILD "\n"
	    "[worker stubborn]\ncommand = " STUBBORN " --grandchild=%s\n"
	    "shutdown = 500ms\n[worker last]\ncommand = " CHILD "\n", gcfile);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	pid = stubborn_pids(gcfile, &gc);
	cr_assert_eq(ctl(NULL, NULL, "stop", NULL, NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0, "%s", supd_log());
	/* A log check: which signal went when (child.stop, child.kill) is
	 * only in the log and the event stream, whose last events can be
	 * lost as supd exits. The exits are read in the history. */
	cr_assert(log_in_order(order), "%s", supd_log());
	cr_assert(T_WAIT(leftovers() == 0, T_WAIT_MS), "left behind");
	cr_assert(!t_pid_alive(pid) && !t_pid_alive(gc));
	/* supd is down: supctl reads its database. */
	cr_assert_not_null(h = history(NULL));
	cr_assert_str_eq(t_rows_names(h, "exit", names, sizeof(names)),
	    "last stubborn first", "%s", json_dumps(h, 0));
	cr_assert_eq(rows_count(h, "exit", "killed after the shutdown"), 1,
	    "%s", json_dumps(h, 0));
	x = t_row_last(h, "stubborn", "exit");
	cr_assert_str_eq(t_row_str(x, "reason"),
	    "killed after the shutdown timeout (500ms)");
	cr_assert_str_eq(t_row_str(x, "decided_by"), "stopped by supd");
	json_decref(h);
}

/* --- 7. stopped (SIGSTOP) children at shutdown -------------------------- */

/* SIGSTOPs name, once it has made TERM its own (caught or ignored), and
 * waits until the kernel says it is stopped. */
static pid_t
freeze(const char *name)
{
	pid_t pid = kid_pid(name);

	cr_assert(T_WAIT(t_handles(pid, SIGTERM), T_WAIT_MS), "%s", name);
	t_kill(pid, SIGSTOP);
	cr_assert(T_WAIT(proc_state(pid) == 'T', T_WAIT_MS), "%s: %c", name,
	    proc_state(pid));
	return pid;
}

/*
 * Two children SIGSTOPped, then the whole tree stopped: frozen, whose
 * TERM handler exits 7, is continued and so exits 7 on its own, within
 * its shutdown; frozen_stubborn, which ignores TERM, is killed after its
 * shutdown. Every other child stops in order, supd exits 0, nothing is
 * left.
 */
Test(scenario_faults, stopped_children_are_ended_at_shutdown)
{
	char names[128];
	pid_t frozen, fstub;
	json_t *h, *x;

	t_conf(&env, "[worker first]\ncommand = " CHILD "\n"
	    "[worker frozen]\ncommand = " CHILD " --term-exit=7\n"
	    "shutdown = 10s\n"
	    "[worker frozen_stubborn]\ncommand = " STUBBORN "\n"
	    "shutdown = 500ms\n[worker last]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	frozen = freeze("frozen");
	fstub = freeze("frozen_stubborn");
	cr_assert_eq(ctl(NULL, NULL, "stop", NULL, NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0, "%s", supd_log());
	/* supd is down: supctl reads its database. */
	cr_assert_not_null(h = history(NULL));
	cr_assert_str_eq(t_rows_names(h, "exit", names, sizeof(names)),
	    "last frozen_stubborn frozen first", "%s", json_dumps(h, 0));
	x = t_row_last(h, "frozen", "exit");
	cr_assert_str_eq(t_row_str(x, "reason"), "exited with status 7");
	cr_assert_eq(json_integer_value(json_object_get(x, "code")), 7);
	cr_assert_str_eq(t_row_str(t_row_last(h, "frozen_stubborn", "exit"),
	    "reason"), "killed after the shutdown timeout (500ms)");
	json_decref(h);
	cr_assert(!t_pid_alive(frozen) && !t_pid_alive(fstub));
	cr_assert(T_WAIT(leftovers() == 0, T_WAIT_MS), "left behind");
}
