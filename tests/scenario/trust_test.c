/*
 * tests/scenario/trust_test.c — attacks from another user of the machine,
 * each named after what it tried (issue 9, DESIGN.md section 5, Trust):
 * a run dir below a directory another user owns, a run dir swapped or a
 * symlink planted under supd, a lock of no process that would make supctl
 * signal everything, a state database another user could write, a forged
 * row naming an unrelated process; and what `user =` must give a child:
 * a libsup worker that works as that user, that user's environment,
 * umask and directory.
 *
 * The attacker is uid 65534 (nobody), run through setpriv(1). Tests that
 * need root skip without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_trust, 90);

#define CHILD T_HELPER("t-child")
#define WORKER T_HELPER("t-worker")
#define NOBODY 65534

static void
need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
}

/* Starts argv as nobody, in the background; returns its pid. */
static pid_t
as_nobody(char *const argv[])
{
	char *full[32] = {"setpriv", "--reuid=65534", "--regid=65534",
	    "--clear-groups", "--"};
	int n = 5;
	pid_t pid;

	for (int i = 0; argv[i] != NULL && n < 31; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execvp("setpriv", full);
		_exit(127);
	}
	return pid;
}

/* Whether pid runs argv0 now: setpriv has dropped to nobody and exec'd
 * it (before, the process still runs as root). */
static bool
runs(pid_t pid, const char *argv0)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, argv0) == 0;
}

static char *
supd_log(void)
{
	char *log = t_read(env.log);

	return log ? log : strdup("");
}

/* supd must refuse to start: exit 2, its log saying what. */
static void
refused(const char *what)
{
	char *log;

	t_supd_spawn(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 2);
	log = supd_log();
	cr_assert(strstr(log, what) != NULL, "want \"%s\" in:\n%s", what, log);
	cr_assert(strstr(log, "nothing started") != NULL, "%s", log);
	free(log);
}

static void
conf_with_run(const char *run, const char *rest)
{
	FILE *f = fopen(env.conf, "w");

	cr_assert_not_null(f);
	fprintf(f, "[supervisor]\nrun_dir = %s\n%s", run, rest);
	fclose(f);
}

Test(scenario_trust, a_run_dir_below_another_users_directory_is_refused)
{
	char a[256], run[300], want[300];

	need_root();
	t_dir_for(&env, "a", 0755, NOBODY, a, sizeof(a));
	snprintf(run, sizeof(run), "%s/run", a);
	conf_with_run(run, "[worker w]\ncommand = " CHILD "\n");
	snprintf(want, sizeof(want), "%s is owned by uid 65534", a);
	refused(want);
	cr_assert(access(run, F_OK) != 0, "supd made %s all the same", run);
}

Test(scenario_trust, a_run_dir_others_may_write_is_refused)
{
	need_root();
	cr_assert(mkdir(env.run, 0777) == 0 && chmod(env.run, 0777) == 0);
	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	refused("writable by others");
}

Test(scenario_trust, a_state_database_another_user_could_write_is_refused)
{
	char x[256], db[300], conf[600];
	int fd;

	need_root();
	t_dir_for(&env, "x", 0755, 0, x, sizeof(x));
	snprintf(db, sizeof(db), "%s/st.db", x);
	fd = open(db, O_CREAT | O_WRONLY, 0666);
	cr_assert(fd >= 0 && fchmod(fd, 0666) == 0 && fchown(fd, NOBODY, -1) ==
	    0);
	close(fd);
	snprintf(conf, sizeof(conf), "state = %s\n[worker w]\ncommand = "
	    CHILD "\n", db);
	t_conf(&env, "%s", conf);
	refused("is owned by uid 65534");
	/* Ours, but others may write it: refused as well. */
	cr_assert(chown(db, 0, 0) == 0);
	refused("writable by others");
}

Test(scenario_trust, a_state_database_below_another_users_directory_is_refused)
{
	char x[256], conf[600], want[300];

	need_root();
	t_dir_for(&env, "x", 0755, NOBODY, x, sizeof(x));
	snprintf(conf, sizeof(conf), "state = %s/st.db\n[worker w]\n"
	    "command = " CHILD "\n", x);
	t_conf(&env, "%s", conf);
	snprintf(want, sizeof(want), "%s is owned by uid 65534", x);
	refused(want);
}

/* A root file with "secret\n" in it (path into buf), and supd running w,
 * which prints a line at each start; returns w's pid. */
static pid_t
secret_and_w(char *buf, size_t n)
{
	char log[300], *text = NULL;
	pid_t pid;
	int fd;

	t_path(&env, "secret", buf, n);
	fd = open(buf, O_CREAT | O_WRONLY, 0600);
	cr_assert(fd >= 0 && write(fd, "secret\n", 7) == 7);
	close(fd);
	t_conf(&env, "[worker w]\ncommand = " CHILD " \"--print=from w\"\n"
	    "backoff = 10ms 10ms\n");
	t_supd_start(&env);
	cr_assert(T_WAIT((pid = t_pid(&env, "w")) > 0, T_WAIT_MS));
	/* Its line written before anyone kills it: a test that counts the
	 * lines of two starts must not lose the first to a kill too soon. */
	snprintf(log, sizeof(log), "%s/log/w.log", env.run);
	cr_assert(T_WAIT((text = t_read(log)) != NULL &&
	    strstr(text, "from w\n") != NULL, T_WAIT_MS));
	free(text);
	return pid;
}

/*
 * The attack of issue 9: RUN moved away and replaced by a directory
 * whose log/w.log is a symlink to a root file. supd reaches its files
 * through descriptors: the root file is never written nor chowned.
 */
Test(scenario_trust, a_run_dir_swapped_under_supd_is_not_followed)
{
	char old[160], secret[256], evil[300], *text;
	struct stat st;
	pid_t pid;

	need_root();
	pid = secret_and_w(secret, sizeof(secret));
	t_path(&env, "run.old", old, sizeof(old));
	cr_assert(rename(env.run, old) == 0);
	snprintf(evil, sizeof(evil), "%s/log", env.run);
	cr_assert(mkdir(env.run, 0700) == 0 && mkdir(evil, 0700) == 0);
	strcat(evil, "/w.log");
	cr_assert(symlink(secret, evil) == 0);
	t_kill(pid, SIGKILL);
	/* supctl finds supd where its socket went. */
	snprintf(env.run, sizeof(env.run), "%s", old);
	cr_assert(T_WAIT(t_pid(&env, "w") > 0 && t_pid(&env, "w") != pid,
	    T_WAIT_MS));
	snprintf(evil, sizeof(evil), "%s/log/w.log", old);
	/* Its lines stamped by the log holder, which holds RUN/log too. */
	cr_assert(T_WAIT((text = t_read(evil)) != NULL &&
	    strstr(text, " out from w\n") != NULL && strstr(strstr(text,
	    " out from w\n") + 1, " out from w\n") != NULL, T_WAIT_MS),
	    "the restarted w did not write to its log where supd holds it");
	free(text);
	text = t_read(secret);
	cr_assert_str_eq(text, "secret\n");
	free(text);
	cr_assert(stat(secret, &st) == 0 && st.st_uid == 0 &&
	    (st.st_mode & 0777) == 0600);
}

Test(scenario_trust, a_symlink_planted_as_a_log_is_not_followed)
{
	char secret[256], log[300], *text;
	pid_t pid = secret_and_w(secret, sizeof(secret));

	snprintf(log, sizeof(log), "%s/log/w.log", env.run);
	cr_assert(unlink(log) == 0 && symlink(secret, log) == 0);
	t_kill(pid, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "w") > 0 && t_pid(&env, "w") != pid,
	    T_WAIT_MS));
	text = t_read(secret);
	cr_assert_str_eq(text, "secret\n");
	free(text);
	cr_assert(T_WAIT((text = supd_log()) != NULL &&
	    strstr(text, "a symbolic link: not followed") != NULL, T_WAIT_MS),
	    "%s", text);
	free(text);
}

/*
 * Issue 9's second hole: with an OFD lock on supd.lock, F_GETLK says pid
 * -1, and kill(-1, SIGUSR1) from supctl killed every process of its
 * user. The victim here is nobody: its sentinel must survive.
 */
Test(scenario_trust, a_lock_of_no_process_does_not_make_supctl_signal_everything)
{
	char run[256], lock[300], *out = NULL, *err = NULL;
	char *sleeper[] = {"sleep", "60", NULL};
	char *ctl[] = {"setpriv", "--reuid=65534", "--regid=65534",
	    "--clear-groups", "--", NULL, "-r", run, "status", NULL};
	char supctl[256];
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	pid_t sentinel;
	int fd, rc;

	need_root();
	t_exec_copy(&env, T_BIN("supctl"), supctl, sizeof(supctl));
	ctl[5] = supctl;
	t_dir_for(&env, "sup-A", 0700, NOBODY, run, sizeof(run));
	snprintf(lock, sizeof(lock), "%s/supd.lock", run);
	fd = open(lock, O_CREAT | O_RDWR, 0644);
	cr_assert(fd >= 0 && fchown(fd, NOBODY, NOBODY) == 0);
	cr_assert(fcntl(fd, F_OFD_SETLK, &fl) == 0, "%s", strerror(errno));
	sentinel = as_nobody(sleeper);
	/* Until it runs as nobody, it is root's, as the worker is. */
	cr_assert(T_WAIT(runs(sentinel, "sleep"), T_WAIT_MS));
	rc = t_run(&out, &err, ctl);
	cr_assert(t_pid_alive(sentinel), "supctl killed the sentinel: %s",
	    err);
	cr_assert_eq(rc, 2, "exit %d: %s", rc, err);
	cr_assert(strstr(err, "not trusting it") != NULL, "%s", err);
	t_kill(sentinel, SIGKILL);
	waitpid(sentinel, NULL, 0);
	close(fd);
	free(out);
	free(err);
}

Test(scenario_trust, supctl_refuses_a_run_dir_of_another_user)
{
	char run[160], *err = NULL;

	need_root();
	t_dir_for(&env, "sup-B", 0700, NOBODY, run, sizeof(run));
	snprintf(env.run, sizeof(env.run), "%s", run);
	cr_assert_eq(t_ctl(&env, NULL, &err, "status", NULL), 2, "%s", err);
	cr_assert(strstr(err, "owned by uid 65534") != NULL, "%s", err);
	free(err);
}

/* /proc/PID/stat's start time in ms since boot, as supd records it. */
static long long
boot_ms_of(pid_t pid)
{
	char path[64], *text, *p;
	long long ticks = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = t_read(path);
	cr_assert_not_null(text);
	p = strrchr(text, ')') + 2;
	for (int field = 3; field < 22; field++)
		p = strchr(p, ' ') + 1;
	ticks = atoll(p);
	free(text);
	return ticks * 1000 / sysconf(_SC_CLK_TCK);
}

/*
 * A row that names an unrelated process, with its exact start time (which
 * anyone can read from /proc): the database is supd's own, but its rows
 * alone never make supd signal a process that does not run as the
 * worker's user.
 */
Test(scenario_trust, a_forged_row_does_not_make_supd_signal_an_unrelated_process)
{
	char db[300], sql[512], *sleeper[] = {"sleep", "60", NULL}, *log;
	pid_t w, sentinel;
	sqlite3 *h;

	need_root();
	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	cr_assert(T_WAIT((w = t_pid(&env, "w")) > 0, T_WAIT_MS));
	t_kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	t_kill(w, SIGKILL);
	cr_assert(T_WAIT(!t_pid_alive(w), T_WAIT_MS));
	sentinel = as_nobody(sleeper);
	/* Until it runs as nobody, it is root's, as the worker is. */
	cr_assert(T_WAIT(runs(sentinel, "sleep"), T_WAIT_MS));
	snprintf(db, sizeof(db), "%s/state.db", env.run);
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	snprintf(sql, sizeof(sql), "UPDATE nodes SET pid = %d, pid_start = "
	    "%lld, state = 'running', ready = 1 WHERE name = 'w'",
	    (int)sentinel, boot_ms_of(sentinel));
	cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
	    sqlite3_errmsg(h));
	cr_assert_eq(sqlite3_changes(h), 1);
	sqlite3_close(h);
	t_supd_start(&env);
	cr_assert(T_WAIT(t_pid(&env, "w") > 0, T_WAIT_MS));
	cr_assert_neq(t_pid(&env, "w"), sentinel);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	cr_assert(t_pid_alive(sentinel), "supd signalled the unrelated pid");
	log = supd_log();
	cr_assert(strstr(log, "not adopting pid") != NULL, "%s", log);
	free(log);
	t_kill(sentinel, SIGKILL);
	waitpid(sentinel, NULL, 0);
}

/* Issue 9, 1.4: user = with ready = sup could not work at all. */
Test(scenario_trust, a_libsup_worker_runs_as_another_user)
{
	char worker[256], conf[600], path[300], *out = NULL;
	struct stat st;
	pid_t pid;

	need_root();
	t_exec_copy(&env, WORKER, worker, sizeof(worker));
	snprintf(conf, sizeof(conf), "[worker w]\ncommand = %s --need=1\n"
	    "ready = sup\nuser = nobody\n", worker);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, &out, NULL, "call", "w", "incr", NULL), 0);
	cr_assert_str_eq(out, "1\n");
	free(out);
	pid = t_pid(&env, "w");
	cr_assert(pid > 0);
	/* Its files are its own; RUN and its other directories are not. */
	snprintf(path, sizeof(path), "%s/state/w.db", env.run);
	cr_assert(stat(path, &st) == 0 && st.st_uid == NOBODY, "%s", path);
	snprintf(path, sizeof(path), "%s/w/w.d", env.run);
	cr_assert(stat(path, &st) == 0 && st.st_uid == NOBODY &&
	    (st.st_mode & 0777) == 0700, "%s", path);
	cr_assert(stat(env.run, &st) == 0 && st.st_uid == 0 &&
	    (st.st_mode & 0777) == 0711);
	snprintf(path, sizeof(path), "%s/log", env.run);
	cr_assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	/* Its checkpoint survives kill -9. */
	t_kill(pid, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "w") > 0 && t_pid(&env, "w") != pid,
	    T_WAIT_MS));
	cr_assert(T_WAIT(t_ctl(&env, &out, NULL, "call", "w", "get", NULL) ==
	    0, T_WAIT_MS));
	cr_assert_str_eq(out, "1\n");
	free(out);
	cr_assert_eq(t_ctl(&env, &out, NULL, "state", "w", NULL), 0);
	cr_assert(strstr(out, "counter = 1") != NULL, "%s", out);
	free(out);
}

Test(scenario_trust, a_child_of_another_user_gets_its_environment_and_umask)
{
	char child[256], envf[256], who[300], conf[1024], *text;

	need_root();
	t_exec_copy(&env, CHILD, child, sizeof(child));
	t_dir_for(&env, "out", 0755, NOBODY, envf, sizeof(envf));
	snprintf(who, sizeof(who), "%s/who.txt", envf);
	strcat(envf, "/env.txt");
	setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
	setenv("HOME", "/root", 1);
	snprintf(conf, sizeof(conf), "[worker w]\ncommand = %s --env=%s "
	    "--whoami=%s\nuser = nobody\numask = 027\ndirectory = /tmp\n",
	    child, envf, who);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	cr_assert(T_WAIT((text = t_read(who)) != NULL, T_WAIT_MS));
	cr_assert_str_eq(text, "65534 65534 /tmp 027\n");
	free(text);
	cr_assert(T_WAIT((text = t_read(envf)) != NULL &&
	    strstr(text, "SUP_SPAWN_ID="), T_WAIT_MS));
	cr_assert(strstr(text, "\nUSER=nobody\n") != NULL, "%s", text);
	cr_assert(strstr(text, "\nLOGNAME=nobody\n") != NULL, "%s", text);
	cr_assert(strstr(text, "\nHOME=/nonexistent\n") != NULL, "%s", text);
	cr_assert(strstr(text, "\nSHELL=/usr/sbin/nologin\n") != NULL, "%s",
	    text);
	cr_assert(strstr(text, "XDG_RUNTIME_DIR") == NULL, "%s", text);
	free(text);
}

Test(scenario_trust, a_child_enters_its_directory_as_its_user)
{
	char child[256], dir[256], conf[1024], want[512];
	json_t *h;

	need_root();
	t_exec_copy(&env, CHILD, child, sizeof(child));
	t_dir_for(&env, "private", 0700, 0, dir, sizeof(dir));
	snprintf(conf, sizeof(conf), "[worker w]\ncommand = %s\n"
	    "user = nobody\ndirectory = %s\nrestart = temporary\n", child,
	    dir);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	snprintf(want, sizeof(want), "cannot chdir to %s: %s", dir,
	    strerror(EACCES));
	/* The exit's reason: temporary, w exits once and for all. */
	cr_assert(T_WAIT(t_history_with(&env, "w", "exit", want) == 1,
	    T_WAIT_MS), "want \"%s\"; last exit: \"%s\"", want,
	    t_row_str(t_row_last(h = t_history(&env, "w"), "w", "exit"),
	    "reason"));
}

Test(scenario_trust, the_notify_address_is_private_whatever_the_umask)
{
	char path[300];
	struct stat st;

	umask(0);
	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	snprintf(path, sizeof(path), "%s/notify.addr", env.run);
	cr_assert(stat(path, &st) == 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
}

Test(scenario_trust, supctl_state_refuses_a_database_others_could_write)
{
	char path[300], *out = NULL, *err = NULL;

	t_conf(&env, "[worker w]\ncommand = " WORKER " --need=1\n"
	    "ready = sup\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "call", "w", "incr", NULL), 0);
	snprintf(path, sizeof(path), "%s/state/w.db", env.run);
	cr_assert(chmod(path, 0666) == 0);
	cr_assert_eq(t_ctl(&env, &out, &err, "state", "w", NULL), 2, "%s",
	    out);
	cr_assert(strstr(err, "writable by others") != NULL, "%s", err);
	free(out);
	free(err);
}

/*
 * Runs argv as nobody and waits for it: 0, or its exit status.
 */
static int
run_as_nobody(char *const argv[])
{
	pid_t p = as_nobody(argv);
	int st;

	cr_assert(waitpid(p, &st, 0) == p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Root's kv, and fw, a libsup worker of nobody's; both ready. */
static void
kv_and_foreign_worker(void)
{
	char worker[256], conf[800];

	t_exec_copy(&env, WORKER, worker, sizeof(worker));
	snprintf(conf, sizeof(conf), "[worker kv]\ncommand = %s --need=1\n"
	    "ready = sup\n[worker fw]\ncommand = %s --need=1\nready = sup\n"
	    "user = nobody\n", worker, worker);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
}

static char *
call_out(const char *name, const char *msg)
{
	char *out = NULL;

	if (t_ctl(&env, &out, NULL, "call", name, msg, "--timeout", "3s",
	    NULL) != 0) {
		free(out);
		return strdup("(failed)");
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/*
 * Review of issue 9: fw's user writes fw's registry; one that named kv's
 * endpoint sent root's calls for fw to root's kv. A registry of another
 * user's is not believed about where its worker listens.
 */
Test(scenario_trust, a_forged_endpoint_does_not_send_roots_calls_elsewhere)
{
	char db[300], sql[600], *out;
	int st;
	pid_t p;

	need_root();
	kv_and_foreign_worker();
	snprintf(db, sizeof(db), "%s/state/fw.db", env.run);
	snprintf(sql, sizeof(sql), "UPDATE meta SET value = 'ipc://%s/w/kv' "
	    "WHERE key = 'endpoint'", env.run);
	if ((p = fork()) == 0) { /* fw's user writes its registry */
		sqlite3 *h;
		if (setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) != 0 ||
		    sqlite3_open(db, &h) != SQLITE_OK ||
		    sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_changes(h) != 1)
			_exit(1);
		sqlite3_close(h);
		_exit(0);
	}
	cr_assert(waitpid(p, &st, 0) == p && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "nobody could not write fw's registry");
	cr_assert_str_eq(out = call_out("fw", "incr"), "1");
	free(out);
	cr_assert_str_eq(out = call_out("kv", "get"), "0", "kv took fw's call");
	free(out);
}

/* The same through a link fw's user leaves in its own directory: the
 * server at the end of the path must run as fw's user. */
Test(scenario_trust, a_link_in_a_workers_directory_does_not_reach_roots_worker)
{
	char fw[300], kv[300], *out;
	pid_t p;
	char *argv[] = {"sh", "-c", "rm -f \"$0\" && ln -s \"$1\" \"$0\"", fw,
	    kv, NULL};
	char *ev[] = {"sh", "-c", "rm -f \"$0.ev\" && ln -s \"$1.ev\" "
	    "\"$0.ev\"", fw, kv, NULL};

	need_root();
	kv_and_foreign_worker();
	snprintf(fw, sizeof(fw), "%s/w/fw.d/fw", env.run);
	snprintf(kv, sizeof(kv), "%s/w/kv", env.run);
	cr_assert_eq(run_as_nobody(argv), 0);
	cr_assert_eq(run_as_nobody(ev), 0);
	cr_assert_str_eq(out = call_out("fw", "incr"), "(failed)");
	free(out);
	cr_assert_str_eq(out = call_out("kv", "get"), "0", "kv took fw's call");
	free(out);
	/* Nor are kv's events relayed as fw's, while kv is called. */
	if ((p = fork()) == 0) {
		char evf[300];
		snprintf(evf, sizeof(evf), "%s/fw.events", env.dir);
		int fd = open(evf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		setenv("SUP_TEST_DIR", env.dir, 1);
		execl(T_BIN("supctl"), "supctl", "-r", env.run, "events", "fw",
		    "--json", "--timeout", "4s", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 20; i++) {
		free(call_out("kv", "get"));
		t_sleep_ms(100);
	}
	cr_assert(waitpid(p, NULL, 0) == p);
	t_path(&env, "fw.events", fw, sizeof(fw));
	out = t_read(fw);
	cr_assert(out == NULL || strstr(out, "\"event\":\"call\"") == NULL,
	    "kv's calls were relayed as fw's: %s", out);
	free(out);
}

/*
 * Review of issue 9: fw's user truncated fw's database and held a lock on
 * it; supd, making it anew in place with SQLite, waited 4 s in its loop
 * at each start (and read last words 1 s). supd makes a new database
 * under a name only it writes, never waits on one fw's user holds.
 */
Test(scenario_trust, a_workers_user_cannot_stall_supd_with_a_lock)
{
	char db[300], *log;
	struct stat held, now;
	int p2[2];
	pid_t locker, fw;
	char c;

	need_root();
	kv_and_foreign_worker();
	fw = t_pid(&env, "fw");
	snprintf(db, sizeof(db), "%s/state/fw.db", env.run);
	cr_assert(pipe(p2) == 0);
	if ((locker = fork()) == 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
		    .l_start = 0x40000000, .l_len = 1}; /* the pending byte */
		int fd;
		setenv("SUP_TEST_DIR", env.dir, 1);
		if (setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) != 0 ||
		    (fd = open(db, O_RDWR)) < 0 || ftruncate(fd, 0) != 0 ||
		    fcntl(fd, F_SETLK, &fl) != 0)
			_exit(1);
		(void)!write(p2[1], "x", 1);
		/* Gone by itself if the test fails before it kills it: a
		 * setenv()'d SUP_TEST_DIR is not in /proc/PID/environ, so the
		 * teardown would not find it. */
		alarm(60);
		for (;;)
			pause();
	}
	close(p2[1]);
	cr_assert_eq(read(p2[0], &c, 1), 1, "the lock was not taken");
	close(p2[0]);
	cr_assert(stat(db, &held) == 0);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "fw", NULL), 0);
	cr_assert(T_WAIT(t_pid(&env, "fw") > 0 && t_pid(&env, "fw") != fw &&
	    strcmp(t_state(&env, "fw"), "running") == 0, T_WAIT_MS));
	free(call_out("fw", "incr"));
	/* supd made a new file and renamed it over: it never worked on (nor
	 * waited for) the one fw's user holds. */
	cr_assert(stat(db, &now) == 0 && now.st_ino != held.st_ino,
	    "supd made the database in the file fw's user held");
	log = t_read(env.log);
	cr_assert(strstr(log, "cannot make the database") == NULL, "%s", log);
	free(log);
	cr_assert(t_pid_alive(locker), "the lock was let go");
	t_kill(locker, SIGKILL);
	waitpid(locker, NULL, 0);
}

/* Review of issue 9: run_dir = a sticky directory of root's (/tmp itself)
 * was taken, and made 0700. It is no run dir: others may add to it. */
Test(scenario_trust, a_sticky_directory_is_refused_as_run_dir)
{
	char tmp[256];

	need_root();
	t_dir_for(&env, "tmp", 01777, 0, tmp, sizeof(tmp));
	conf_with_run(tmp, "[worker w]\ncommand = " CHILD "\n");
	refused("writable by others");
	struct stat st;
	cr_assert(stat(tmp, &st) == 0 && (st.st_mode & 07777) == 01777,
	    "supd changed it");
}
