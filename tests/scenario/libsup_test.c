/*
 * tests/scenario/libsup_test.c — GenServer workers under supd, as a user
 * runs them: readiness before the slow load, required fields, checkpoints
 * that survive kill -9 (and are never seen torn), calls that time out, fail
 * fast when the worker dies, and never run twice, deferred replies,
 * timers, the registry, terminate with a last checkpoint, and garbage.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_libsup, 120);

#define WORKER T_HELPER("t-worker")

/* supctl call NAME MSG: the reply (static), or "" on error. */
static const char *
call(const char *name, const char *msg)
{
	static __thread char buf[512];
	char *out = NULL;

	buf[0] = '\0';
	if (t_ctl(&env, &out, NULL, "call", name, msg, NULL) == 0)
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	return buf;
}

/* t-client RUN ARGS...: its output (new string). */
static char *
client(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = {T_HELPER("t-client"), env.run, (char *)a1, (char *)a2,
	    (char *)a3, (char *)a4, NULL};
	char *out = NULL;

	t_run(&out, NULL, argv);
	return out;
}

static void
conf_worker(const char *extra)
{
	t_conf(&env, "intensity = 100\nperiod = 60s\n"
	    "[worker w]\ncommand = " WORKER " --need=1\n"
	    "ready = sup\nbackoff = 0 0\nenv = T_MARKS=%s/marks\n%s",
	    env.dir, extra);
}

/* Whether the worker started a sleep, defer or task (t-worker's marks):
 * the moment a call is in its hands, seen rather than guessed. */
static bool
started(const char *what)
{
	char path[200], *marks;
	bool yes;

	snprintf(path, sizeof(path), "%s/marks", env.dir);
	marks = t_read(path);
	yes = marks != NULL && strstr(marks, what) != NULL;
	free(marks);
	return yes;
}

/* t-client RUN call w MSG MS in the background: a pipe to read its
 * line from. */
static int
call_bg(const char *msg, const char *ms)
{
	char *argv[] = {T_HELPER("t-client"), env.run, "call", "w",
	    (char *)msg, (char *)ms, NULL};
	int fds[2];

	cr_assert(pipe(fds) == 0);
	if (fork() == 0) {
		dup2(fds[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	return fds[0];
}

/* Whether fd has something to read now (an answer came back). */
static bool
answered(int fd)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};

	return poll(&pf, 1, 0) != 0;
}

static int64_t
field(const char *name, const char *f)
{
	char *out = NULL;
	json_t *j;
	int64_t v = -1;

	if (t_ctl(&env, &out, NULL, "state", name, "--json", NULL) == 0 &&
	    (j = json_loads(out, 0, NULL)) != NULL) {
		json_t *x = json_object_get(j, f);
		v = json_is_boolean(x) ? json_is_true(x) : json_integer_value(x);
		json_decref(j);
	}
	free(out);
	return v;
}

Test(scenario_libsup, init_is_ready_at_once_and_the_load_runs_after)
{
	char stamp[256], conf[1024];
	json_t *s;

	t_path(&env, "stamp.log", stamp, sizeof(stamp));
	snprintf(conf, sizeof(conf),
	    "[worker w]\ncommand = " WORKER " --need=1 --load-ms=1500\n"
	    "ready = sup\n"
	    "[worker next]\ncommand = " T_HELPER("t-child") " --stamp=%s\n",
	    stamp);
	t_conf(&env, "%s", conf);
	t_supd_start(&env);
	/* supd went on to `next` while w still loads. */
	s = t_status(&env);
	cr_assert_str_eq(json_string_value(json_object_get(t_kid(s, "w"),
	    "status")), "initializing");
	cr_assert_str_eq(json_string_value(json_object_get(t_kid(s, "next"),
	    "state")), "running");
	json_decref(s);
	char *where = client("lookup", "w", NULL, NULL);
	cr_assert(strstr(where, " initializing ipc://") != NULL, "%s", where);
	free(where);
	cr_assert(T_WAIT((s = t_status(&env)) && strcmp(json_string_value(
	    json_object_get(t_kid(s, "w"), "status")), "ready") == 0 ?
	    (json_decref(s), true) : (json_decref(s), false), T_WAIT_MS));
}

Test(scenario_libsup, a_missing_required_field_is_the_exit_reason)
{
	json_t *s;
	const char *reason;

	t_conf(&env, "intensity = 100\nperiod = 60s\n[worker w]\ncommand = "
	    WORKER "\nready = sup\nbackoff = 1s 1s\n");
	t_supd_spawn(&env);
	cr_assert(T_WAIT(t_restarts(&env, "w") >= 1, T_WAIT_MS));
	s = t_status(&env);
	reason = json_string_value(json_object_get(json_object_get(t_kid(s,
	    "w"), "last_exit"), "reason"));
	cr_assert(reason && strstr(reason, "exited with status 78") &&
	    strstr(reason, "field need is required"), "%s", reason);
	json_decref(s);
}

/* w running, its counter at 2 (committed); returns its pid. */
static pid_t
started_at_2(void)
{
	pid_t p;

	conf_worker("");
	t_supd_start(&env);
	cr_assert_str_eq(call("w", "incr"), "1");
	cr_assert_str_eq(call("w", "incr"), "2");
	cr_assert((p = t_pid(&env, "w")) > 1);
	return p;
}

Test(scenario_libsup, state_comes_back_from_the_checkpoint_after_kill_9)
{
	pid_t p0;

	p0 = started_at_2();
	t_kill(p0, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "w") > 0 && t_pid(&env, "w") != p0 &&
	    strcmp(t_state(&env, "w"), "running") == 0, T_WAIT_MS));
	cr_assert_str_eq(call("w", "get"), "2");
	cr_assert_eq(field("w", "counter"), 2);
}

/* t-client dblock w: holds w's write lock until *release is closed. */
static pid_t
lock_hold(int *release)
{
	char *argv[] = {T_HELPER("t-client"), env.run, "dblock", "w", NULL};
	char buf[16] = "";
	int from;
	pid_t p = t_spawn_io(argv, release, &from);

	cr_assert(read(from, buf, sizeof(buf) - 1) > 0);
	cr_assert_str_eq(buf, "locked\n");
	close(from);
	return p;
}

/*
 * Another process holds the database's write lock (a backup, a stuck
 * tool): the checkpoint of the next change fails, so its caller gets an
 * error, not an "ok" the worker could not keep; the worker stops without
 * committing that change, even once the lock is gone, and comes back from
 * its last committed state.
 */
Test(scenario_libsup, a_failed_checkpoint_fails_the_call_and_restarts)
{
	char *err = NULL;
	int release, st;
	pid_t p0, locker;

	p0 = started_at_2();
	locker = lock_hold(&release);
	cr_assert_eq(t_ctl(&env, NULL, &err, "call", "w", "incr", NULL), 1);
	cr_assert(strstr(err, "cannot checkpoint") != NULL, "%s", err);
	free(err);
	close(release); /* at once: the worker may still be on its way out */
	cr_assert_eq(waitpid(locker, &st, 0), locker);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert(T_WAIT(t_pid(&env, "w") > 0 && t_pid(&env, "w") != p0 &&
	    strcmp(t_state(&env, "w"), "running") == 0, T_WAIT_MS));
	cr_assert_str_eq(call("w", "get"), "2", "the refused incr was kept");
	cr_assert_eq(field("w", "counter"), 2);
}

Test(scenario_libsup, a_checkpoint_torn_by_kill_9_is_never_seen)
{
	pid_t p;

	conf_worker("");
	t_supd_start(&env);
	for (int round = 0; round < 6; round++) {
		cr_assert_str_eq(call("w", "spin"), "spinning");
		t_sleep_ms(20 + rand() % 80);
		p = t_pid(&env, "w");
		t_kill(p, SIGKILL);
		cr_assert(T_WAIT(t_pid(&env, "w") > 0 && t_pid(&env, "w") != p,
		    T_WAIT_MS));
		/* Each checkpoint moves a and b together: any committed one
		 * has them equal. */
		int64_t a = field("w", "a"), b = field("w", "b");
		cr_assert(a > 0 && a == b, "round %d: a=%lld b=%lld", round,
		    (long long)a, (long long)b);
	}
}

Test(scenario_libsup, a_call_times_out)
{
	char *out;

	conf_worker("");
	t_supd_start(&env);
	out = client("call", "w", "sleep 3000", "300");
	cr_assert(strstr(out, "error timed out") != NULL, "%s", out);
	free(out);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "--timeout", "200ms", "call", "w",
	    "sleep 2000", NULL), 1);
}

Test(scenario_libsup, a_worker_dying_mid_call_fails_it_at_once)
{
	char *out = NULL, *argv[] = {T_HELPER("t-client"), env.run, "call",
	    "w", "sleep 20000", "30000", NULL};
	pid_t p, c;
	int fds[2];

	conf_worker("");
	t_supd_start(&env);
	p = t_pid(&env, "w");
	cr_assert(pipe(fds) == 0);
	if ((c = fork()) == 0) {
		dup2(fds[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	cr_assert(T_WAIT(started("sleep"), T_WAIT_MS), "the call reached it");
	t_kill(p, SIGKILL);
	char buf[256] = "";
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	out = buf;
	/* "error peer is down 5xxms": well before the 30 s timeout. */
	cr_assert(strstr(out, "error peer is down") != NULL, "%s", out);
	cr_assert(atol(strrchr(out, ' ') + 1) < 5000, "%s", out);
	close(fds[0]);
}

Test(scenario_libsup, a_call_is_never_run_twice_across_a_restart)
{
	char *out;
	long last = 0, oks = 0;
	pid_t p;

	conf_worker("");
	t_supd_start(&env);
	cr_assert((p = t_pid(&env, "w")) > 1);
	if (fork() == 0) { /* kill the worker in the middle of the calls */
		usleep(100000);
		kill(p, SIGKILL);
		_exit(0);
	}
	out = client("calls", "w", "5000", "incr");
	/* Every value a caller saw is new: none was counted twice, none was
	 * lost after its reply (replies wait for the checkpoint). */
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		if (strncmp(l, "ok ", 3) != 0)
			continue;
		long v = atol(l + 3);
		cr_assert(v > last, "value %ld after %ld", v, last);
		last = v;
		oks++;
	}
	free(out);
	cr_assert(oks > 100, "only %ld calls got through", oks);
	cr_assert(T_WAIT(strcmp(call("w", "get"), "") != 0, T_WAIT_MS));
	cr_assert(atol(call("w", "get")) >= last);
	cr_assert_eq(t_restarts(&env, "w"), 1, "the kill happened");
}

Test(scenario_libsup, a_deferred_reply_does_not_block_other_calls)
{
	char *slow;
	int fd;

	conf_worker("");
	t_supd_start(&env);
	fd = call_bg("defer 10000", "30000");
	cr_assert(T_WAIT(started("defer"), T_WAIT_MS));
	/* Answered while the deferred call still waits for its reply. */
	cr_assert_str_eq(call("w", "ping"), "pong");
	cr_assert(!answered(fd), "ping waited for the deferred call");
	close(fd);
	slow = client("call", "w", "defer 300", "5000");
	cr_assert(strstr(slow, "ok deferred") != NULL, "%s", slow);
	free(slow);
}

Test(scenario_libsup, inactivity_timeouts_and_periodic_timers_fire)
{
	conf_worker("");
	t_supd_start(&env);
	cr_assert_str_eq(call("w", "idle 100"), "ok");
	cr_assert_str_eq(call("w", "every 50"), "ok");
	cr_assert(T_WAIT(field("w", "ticks") >= 5, T_WAIT_MS));
	cr_assert(T_WAIT(field("w", "timeouts") >= 2, T_WAIT_MS));
}

/* handle_info re-arming a 0 ms timer, forever: calls still get in. */
Test(scenario_libsup, a_timer_rearmed_at_0_ms_does_not_starve_calls)
{
	conf_worker("");
	t_supd_start(&env);
	cr_assert_str_eq(call("w", "spin 0"), "spinning");
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq(call("w", "ping"), "pong");
	cr_assert(T_WAIT(field("w", "a") > 100, T_WAIT_MS));
}

Test(scenario_libsup, lookup_finds_the_worker_again_after_a_restart)
{
	char *before, *after;
	pid_t p0, p1;

	conf_worker("");
	t_supd_start(&env);
	p0 = t_pid(&env, "w");
	before = client("lookup", "w", NULL, NULL);
	cr_assert_eq(atoi(before), p0, "%s", before);
	t_kill(p0, SIGKILL);
	cr_assert(T_WAIT((p1 = t_pid(&env, "w")) > 0 && p1 != p0 &&
	    strcmp(t_state(&env, "w"), "running") == 0, T_WAIT_MS));
	cr_assert(T_WAIT((after = client("lookup", "w", NULL, NULL)) &&
	    atoi(after) == p1, T_WAIT_MS));
	free(before);
	free(after);
	after = client("lookup", "nobody", NULL, NULL);
	cr_assert_str_eq(after, "error not found\n");
	free(after);
	cr_assert_str_eq(call("w", "ping"), "pong");
}

Test(scenario_libsup, sigterm_runs_terminate_then_a_last_checkpoint)
{
	char *h;

	conf_worker("checkpoint = manual\n");
	t_supd_start(&env);
	cr_assert_str_eq(call("w", "set 42"), "ok");
	cr_assert_eq(field("w", "value"), 0, "manual: nothing written yet");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	cr_assert_eq(field("w", "value"), 42);
	cr_assert_eq(field("w", "terminated"), 1);
	json_t *s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    t_kid(s, "w"), "last_exit"), "code")), 0);
	cr_assert(json_is_null(json_object_get(t_kid(s, "w"), "status")),
	    "a stopped worker reports nothing");
	json_decref(s);
	h = NULL;
	cr_assert_eq(t_ctl(&env, &h, NULL, "history", "w", NULL), 0);
	cr_assert(strstr(h, "terminated: shutdown") != NULL, "%s", h);
	free(h);
}

Test(scenario_libsup, a_worker_that_stops_itself_says_why)
{
	json_t *s;

	conf_worker("restart = transient\n");
	t_supd_start(&env);
	s = t_status(&env);
	cr_assert_str_eq(json_string_value(json_object_get(t_kid(s, "w"),
	    "status")) ?: "(null)", "ready", "read back from its registry");
	json_decref(s);
	cr_assert_str_eq(call("w", "stop"), "stopping");
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "stopped") == 0,
	    T_WAIT_MS));
	s = t_status(&env);
	const char *r = json_string_value(json_object_get(json_object_get(
	    t_kid(s, "w"), "last_exit"), "reason"));
	cr_assert(r && strstr(r, "asked to stop"), "%s", r);
	json_decref(s);
}

/* A supd that adopted the worker has no wait status; the worker's last
 * words say it exited 0, so a transient worker is not restarted. */
Test(scenario_libsup, an_adopted_worker_that_stops_itself_is_a_normal_exit)
{
	json_t *s, *k;

	conf_worker("restart = transient\n");
	t_supd_start(&env);
	kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	t_supd_start(&env);
	s = t_status(&env);
	cr_assert_str_eq(json_string_value(json_object_get(t_kid(s, "w"),
	    "status")) ?: "(null)", "ready", "read back from its registry");
	json_decref(s);
	cr_assert_str_eq(call("w", "stop"), "stopping");
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "stopped") == 0,
	    T_WAIT_MS), "state %s", t_state(&env, "w"));
	s = t_status(&env);
	k = json_object_get(t_kid(s, "w"), "last_exit");
	cr_assert_eq(json_integer_value(json_object_get(k, "code")), 0);
	const char *r = json_string_value(json_object_get(k, "reason"));
	cr_assert(r && strstr(r, "exited with status 0: terminated: asked to "
	    "stop (adopted)"), "%s", r);
	cr_assert_eq(json_integer_value(json_object_get(t_kid(s, "w"),
	    "restarts")), 0);
	json_decref(s);
}

/* A second process under a running worker's name takes neither its
 * endpoint nor its database. */
Test(scenario_libsup, a_second_worker_under_the_same_name_is_refused)
{
	char *argv[] = {WORKER, "--need=1", NULL}, *err = NULL, want[64];
	pid_t p = started_at_2();

	setenv("SUP_RUN_DIR", env.run, 1);
	setenv("SUP_NAME", "w", 1);
	cr_assert_eq(t_run(NULL, &err, argv), 1);
	unsetenv("SUP_RUN_DIR");
	unsetenv("SUP_NAME");
	snprintf(want, sizeof(want), "another process (pid %d) runs as w",
	    (int)p);
	cr_assert(strstr(err, want) != NULL, "%s", err);
	free(err);
	cr_assert_str_eq(call("w", "incr"), "3");
	cr_assert_eq(t_pid(&env, "w"), p);
}

/* t-client tget: the value of KEY in w's table "t", or "error ...",
 * without the elapsed time (static). */
static char *
tget(const char *key)
{
	static char buf[128];
	char *out = client("tget", "w", key, NULL), *ms;

	snprintf(buf, sizeof(buf), "%s", out);
	free(out);
	if ((ms = strrchr(buf, ' ')) != NULL)
		*ms = '\0';
	if (strncmp(buf, "value ", 6) == 0)
		memmove(buf, buf + 6, strlen(buf + 6) + 1);
	return buf;
}

/*
 * The ETS pattern: another process reads the worker's published table
 * without calling it: right after the reply, while the worker is busy in
 * a long call, after its kill -9 and while it is stopped.
 */
Test(scenario_libsup, a_published_table_is_read_without_the_worker)
{
	char cmd[1024];
	FILE *busy;
	pid_t p;

	p = started_at_2();
	cr_assert_eq(strcmp(tget("user:1"), "error no such key"), 0, "%s",
	    tget("user:1"));
	cr_assert_str_eq(call("w", "tput user:1 alice"), "ok");
	cr_assert_str_eq(tget("user:1"), "alice", "visible once answered");
	snprintf(cmd, sizeof(cmd), "%s -r %s call w 'sleep 10000' --timeout "
	    "60s", T_BIN("supctl"), env.run);
	cr_assert((busy = popen(cmd, "r")) != NULL);
	cr_assert(T_WAIT(started("sleep"), T_WAIT_MS), "the call is in it");
	cr_assert_str_eq(tget("user:1"), "alice");
	cr_assert(!answered(fileno(busy)), "read while the worker was busy");
	char line[64] = "";
	cr_assert(fgets(line, sizeof(line), busy) != NULL);
	cr_assert_str_eq(line, "slept\n");
	cr_assert_eq(pclose(busy), 0);
	cr_assert_str_eq(call("w", "tput user:2 bob"), "ok");
	cr_assert_str_eq(call("w", "tdel user:1"), "ok");
	t_kill(p, SIGKILL);
	cr_assert_str_eq(tget("user:2"), "bob", "durable across kill -9");
	cr_assert_str_eq(tget("user:1"), "error no such key");
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "running") == 0,
	    T_WAIT_MS));
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	cr_assert_str_eq(tget("user:2"), "bob", "and while it is stopped");
	cr_assert_str_eq(call("w", "get"), "", "the worker is stopped");
}

Test(scenario_libsup, garbage_gets_an_error_and_the_worker_goes_on)
{
	static const char *modes[] = {"garbage", "empty", "version", "big"};
	char ep[512], *out = NULL;
	pid_t p;

	conf_worker("");
	t_supd_start(&env);
	p = t_pid(&env, "w");
	snprintf(ep, sizeof(ep), "%s/w/w", env.run);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *argv[] = {T_HELPER("t-ctlpoke"), "--path", ep,
		    (char *)modes[i], NULL};
		t_run(&out, NULL, argv);
		cr_assert(strstr(out, "malformed") || strstr(out, "unknown"),
		    "%s: %s", modes[i], out);
		free(out);
	}
	cr_assert_eq(t_pid(&env, "w"), p);
	cr_assert_str_eq(call("w", "ping"), "pong");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "call", "w", "nonsense", NULL), 1);
}

static const char *
line_of(int fd)
{
	static char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

Test(scenario_libsup, a_task_runs_beside_the_loop_and_its_crash_is_the_workers)
{
	int fd;
	char *out;
	json_t *s;

	conf_worker("");
	t_supd_start(&env);
	fd = call_bg("task 5000", "20000");
	cr_assert(T_WAIT(started("task"), T_WAIT_MS), "the task runs");
	cr_assert_str_eq(call("w", "incr"), "1");
	cr_assert(!answered(fd), "a call waited for the task");
	cr_assert(strncmp(line_of(fd), "ok tasked 5000", 14) == 0);
	/* A task that crashes takes the worker down, like any crash. */
	out = client("call", "w", "taskcrash", "20000");
	cr_assert(strstr(out, "error peer is down") != NULL, "%s", out);
	free(out);
	cr_assert(T_WAIT(t_restarts(&env, "w") == 1 &&
	    strcmp(t_state(&env, "w"), "running") == 0, T_WAIT_MS));
	s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    t_kid(s, "w"), "last_exit"), "signal")), SIGABRT);
	json_decref(s);
	cr_assert_str_eq(call("w", "get"), "1", "the state came back");
}

Test(scenario_libsup, an_orderly_stop_lets_running_tasks_answer)
{
	int fd;
	json_t *s;

	conf_worker("shutdown = 20s\n");
	t_supd_start(&env);
	fd = call_bg("task 1500", "20000");
	cr_assert(T_WAIT(started("task"), T_WAIT_MS), "the task runs");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "w", NULL), 0);
	cr_assert(strncmp(line_of(fd), "ok tasked 1500", 14) == 0);
	s = t_status(&env);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    t_kid(s, "w"), "last_exit"), "code")), 0);
	json_decref(s);
}

static bool
hibernating(void)
{
	return strcmp(t_kid_str(&env, "w", "status_text"), "hibernating") == 0;
}

Test(scenario_libsup, hibernate_gives_memory_back_and_keeps_the_state)
{
	long before, after;

	conf_worker("checkpoint = manual\n");
	t_supd_start(&env);
	cr_assert_str_eq(call("w", "set 42"), "ok");
	cr_assert_str_eq(call("w", "cache 64"), "ok");
	before = atol(call("w", "rss"));
	cr_assert_str_eq(call("w", "hibernate"), "ok");
	cr_assert(T_WAIT(hibernating(), T_WAIT_MS));
	cr_assert_eq(field("w", "value"), 42, "checkpointed on the way");
	/* The next call wakes it, with its state. */
	after = atol(call("w", "rss"));
	cr_assert(!T_RSS_REAL || (after > 0 && after < before - 32 * 1024),
	    "RSS %ld kB, then %ld kB", before, after);
	cr_assert(strstr(call("w", "stats"), "value=42") != NULL);
	cr_assert(T_WAIT(!hibernating(), T_WAIT_MS));
}

Test(scenario_libsup, an_idle_worker_hibernates_after_its_time)
{
	conf_worker("hibernate_after = 300ms\n");
	t_supd_start(&env);
	cr_assert_str_eq(call("w", "incr"), "1");
	cr_assert(T_WAIT(hibernating(), T_WAIT_MS));
	cr_assert_str_eq(call("w", "incr"), "2");
	cr_assert(T_WAIT(hibernating(), T_WAIT_MS), "and again after the next idle spell");
}

/* Holds a write transaction on path for ms, in a child process; returns
 * once it holds it. */
static pid_t
db_hold(const char *path, int ms)
{
	int p[2];
	pid_t pid;
	char c;

	cr_assert(pipe(p) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		sqlite3 *h;
		setenv("SUP_TEST_DIR", env.dir, 1);
		if (sqlite3_open(path, &h) != SQLITE_OK ||
		    sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK)
			_exit(1);
		(void)!write(p[1], "x", 1);
		t_sleep_ms(ms);
		sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(h);
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1, "the hold failed");
	close(p[0]);
	return pid;
}

/*
 * Another process of the worker's user holds its database in a write
 * transaction (a sqlite3 shell, a script): the worker waits for it
 * instead of failing at once and crash-looping; held longer than it
 * waits, its last words name the holder.
 */
Test(scenario_libsup, a_database_held_by_another_process_is_waited_for)
{
	char db[300], *log;
	pid_t h, w;
	int st;

	conf_worker("");
	t_supd_start(&env);
	cr_assert_str_eq(call("w", "incr"), "1");
	snprintf(db, sizeof(db), "%s/state/w.db", env.run);
	w = t_pid(&env, "w");
	h = db_hold(db, 2000);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "w", NULL), 0);
	cr_assert_neq(t_pid(&env, "w"), w);
	snprintf(db, sizeof(db), "%s/log/w.log", env.run);
	cr_assert_str_eq(call("w", "incr"), "2");
	cr_assert_eq(t_restarts(&env, "w"), 0, "it crash-looped: %ld restarts; its log:\n%s", t_restarts(&env, "w"), t_read(db));
	waitpid(h, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the hold failed");
	/* Longer than the worker waits (4 s): it fails, and says who. */
	snprintf(db, sizeof(db), "%s/state/w.db", env.run);
	h = db_hold(db, 12000);
	t_ctl(&env, NULL, NULL, "restart", "w", "--timeout", "1s", NULL);
	snprintf(db, sizeof(db), "%s/log/w.log", env.run);
	cr_assert(T_WAIT((log = t_read(db)) != NULL &&
	    strstr(log, "locked by pid") != NULL, T_WAIT_MS), "%s\nsupd:\n%s", log, t_read(env.log));
	free(log);
	t_kill(h, SIGKILL);
	waitpid(h, NULL, 0);
}

/* A cast to a worker with no handle_cast is refused, not dropped; one
 * with it counts the cast. */
Test(scenario_libsup, a_cast_to_a_worker_without_handle_cast_is_refused)
{
	char *out = NULL, *err = NULL;

	t_conf(&env, "[worker w]\ncommand = " WORKER " --need=1\nready = sup\n"
	    "[worker c]\ncommand = %s\nready = sup\n",
	    T_EXAMPLE("counter-worker"));
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, &err, "cast", "w", "ping", NULL), 1);
	cr_assert(strstr(err, "w refused the cast") != NULL, "%s", err);
	free(err);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "cast", "c", "incr k", NULL), 0);
	cr_assert(T_WAIT((t_ctl(&env, &out, NULL, "call", "c", "get k", NULL),
	    strcmp(out, "1\n") == 0 || (free(out), out = NULL, false)),
	    T_WAIT_MS), "the cast was not counted");
	free(out);
}
