/*
 * tests/scenario/events_test.c — supctl events as a user reads it: a
 * worker's calls and checkpoints and supd's lifecycle events in one
 * stream; with nobody listening a worker emits without waiting; a reader
 * too slow loses events, is told how many, and never slows the worker.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_events, 180);

#define WORKER T_HELPER("t-worker")

struct reader {
	pid_t pid;
	int out; /* its stdout, non-blocking */
	char err[200]; /* file of its stderr */
	char *seen; /* what was read so far */
	size_t len;
};

/* supctl events w --json, running in the background. */
static void
reader_start(struct reader *r)
{
	int fds[2];

	memset(r, 0, sizeof(*r));
	snprintf(r->err, sizeof(r->err), "%s/events.err", env.dir);
	cr_assert(pipe(fds) == 0);
	if ((r->pid = fork()) == 0) {
		int e = open(r->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fds[1], 1);
		dup2(e, 2);
		close(fds[0]);
		/* Found and killed by the teardown if the test fails. */
		setenv("SUP_TEST_DIR", env.dir, 1);
		execl(T_BIN("supctl"), "supctl", "-r", env.run, "events", "w",
		    "--json", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	r->out = fds[0];
	fcntl(r->out, F_SETFL, O_NONBLOCK);
}

/* Reads what is there; true once what was read holds s. */
static bool
reader_has(struct reader *r, const char *s)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(r->out, buf, sizeof(buf))) > 0) {
		r->seen = realloc(r->seen, r->len + (size_t)n + 1);
		memcpy(r->seen + r->len, buf, (size_t)n);
		r->len += (size_t)n;
		r->seen[r->len] = '\0';
	}
	return r->seen != NULL && strstr(r->seen, s) != NULL;
}

static void
reader_stop(struct reader *r)
{
	kill(r->pid, SIGTERM);
	waitpid(r->pid, NULL, 0);
	close(r->out);
	free(r->seen);
}

static const char *
call(const char *msg)
{
	static char buf[128];
	char *out = NULL;

	buf[0] = '\0';
	if (t_ctl(&env, &out, NULL, "call", "w", msg, "--timeout", "60s",
	    NULL) == 0)
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	return buf;
}

/* Calls ping until the reader has seen one: it is subscribed. */
static void
reader_wait_subscribed(struct reader *r)
{
	cr_assert(T_WAIT((call("ping"), t_sleep_ms(50),
	    reader_has(r, "\"type\":\"ping\"")), T_WAIT_MS),
	    "supctl events saw nothing: %s", r->seen ? r->seen : "");
}

static void
conf(void)
{
	t_conf(&env, "[worker w]\ncommand = " WORKER " --need=1\n"
	    "ready = sup\nbackoff = 0 0\n");
}

Test(scenario_events, calls_checkpoints_and_restarts_in_one_stream)
{
	struct reader r;
	char want[160];
	pid_t p;

	conf();
	t_supd_start(&env);
	reader_start(&r);
	reader_wait_subscribed(&r);
	cr_assert_str_eq(call("incr"), "1");
	cr_assert(T_WAIT(reader_has(&r, "\"type\":\"incr\"") &&
	    reader_has(&r, "\"event\":\"checkpoint\""), T_WAIT_MS), "%s",
	    r.seen);
	p = t_pid(&env, "w");
	t_kill(p, SIGKILL);
	cr_assert(T_WAIT(reader_has(&r, "\"event\":\"child.exit\"") &&
	    reader_has(&r, "signal=9") &&
	    reader_has(&r, "\"event\":\"child.ready\""), T_WAIT_MS), "%s",
	    r.seen);
	/* supd's events carry their fields as JSON, typed. */
	snprintf(want, sizeof(want), "\"fields\":{\"name\":\"w\",\"pid\":%d,"
	    "\"signal\":9,\"reason\":\"killed by signal 9 (KILL)\"", (int)p);
	cr_assert(reader_has(&r, want), "no %s in %s", want, r.seen);
	/* The new process is heard from too, once supd has dialled it
	 * again (events made before that have no listener: none made). */
	cr_assert_str_eq(call("get"), "1");
	cr_assert(T_WAIT((call("get"), t_sleep_ms(50),
	    reader_has(&r, "\"type\":\"get\"")), T_WAIT_MS));
	reader_stop(&r);
}

Test(scenario_events, with_nobody_listening_a_worker_emits_without_waiting)
{
	/* 200000 events with no subscriber: the call comes back. */
	conf();
	t_supd_start(&env);
	cr_assert_neq(call("emit 200000")[0], '\0');
	cr_assert_str_eq(call("ping"), "pong");
}

Test(scenario_events, a_slow_reader_loses_events_and_is_told_how_many)
{
	struct reader r;
	char *err, *p;
	long lost = 0, ticks = 0;

	conf();
	t_supd_start(&env);
	reader_start(&r);
	reader_wait_subscribed(&r);
	/* The reader is not read from now: its pipe fills, it stops, and
	 * the stream runs past it. The worker does not wait for it. */
	cr_assert_neq(call("emit 200000")[0], '\0', "the emits came back");
	cr_assert_str_eq(call("incr"), "1");
	cr_assert(T_WAIT(reader_has(&r, "\"type\":\"incr\""), 60000),
	    "the reader caught up");
	/* memmem, not strstr: ASan's strstr measures the whole rest of the
	 * text at every match, which makes this loop quadratic. */
	for (p = r.seen; (p = memmem(p, r.len - (size_t)(p - r.seen),
	    "\"event\":\"tick\"", 14)) != NULL; p++)
		ticks++;
	err = t_read(r.err);
	for (p = err; p != NULL && (p = strstr(p, "supctl: lost ")) != NULL;
	    p++)
		lost += atol(p + strlen("supctl: lost "));
	cr_assert(lost > 0, "nothing lost?\n%s", err);
	cr_assert(ticks + lost >= 200000, "%ld seen + %ld lost", ticks, lost);
	cr_assert(ticks < 200000);
	free(err);
	reader_stop(&r);
}

/*
 * A worker publishes what it likes on its telemetry socket: here a line
 * that claims to be from kv, and one that is no event. supd relays the
 * first under the name it knows the sender by, and counts the second.
 */
Test(scenario_events, a_worker_cannot_speak_for_another)
{
	char ev[300], *out = NULL, *err = NULL;
	char *pub[] = {T_HELPER("t-ctlpoke"), "--path", ev, "publish",
	    "kv {\"src\":\"kv\",\"pid\":1,\"seq\":1,\"t_ms\":1,"
	    "\"event\":\"forged\"}\\nnot an event", NULL};
	json_t *s;
	pid_t p;

	t_conf(&env, "[worker liar]\ncommand = " T_HELPER("t-child")
	    " --ready-after=1\nready = sup\n");
	t_supd_start(&env);
	snprintf(ev, sizeof(ev), "%s/w/liar.ev", env.run);
	if ((p = fork()) == 0) {
		setenv("SUP_TEST_DIR", env.dir, 1);
		execv(pub[0], pub);
		_exit(127);
	}
	cr_assert_eq(t_ctl(&env, &out, &err, "events", "liar", "--json",
	    "--count", "1", "--timeout", "20s", NULL), 0, "%s", err);
	cr_assert(strstr(out, "\"event\":\"forged\"") != NULL, "%s", out);
	cr_assert(strstr(out, "\"src\":\"liar\"") != NULL, "%s", out);
	cr_assert(strstr(out, "\"src\":\"kv\"") == NULL, "%s", out);
	s = t_status(&env);
	cr_assert(json_integer_value(json_object_get(json_object_get(s,
	    "supervisor"), "bad_events")) > 0);
	json_decref(s);
	t_kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	free(out);
	free(err);
}

/* supd's CPU time (user + system) in clock ticks. */
static long long
cpu_ticks(pid_t pid)
{
	char path[64], *text, *p;
	long long ut, st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = t_read(path);
	cr_assert_not_null(text);
	p = strrchr(text, ')') + 2;
	for (int field = 3; field < 14; field++)
		p = strchr(p, ' ') + 1;
	cr_assert_eq(sscanf(p, "%lld %lld", &ut, &st), 2);
	free(text);
	return ut + st;
}

/*
 * nng 1.5.2 (upstream #1518): one connection closed before the handshake
 * left a listener deaf for good, and RUN/events deafened supctl events
 * while nng's poller could spin. Every listener is kept listening now
 * (ipc/epipe.c): supd's event stream, the worker's endpoint (answered
 * without any SIGUSR1) and its telemetry, which supd relays.
 */
Test(scenario_events, connections_closed_in_the_handshake_deafen_no_listener)
{
	char paths[3][300];
	struct reader r;
	long long before;

	conf();
	t_supd_start(&env);
	snprintf(paths[0], sizeof(paths[0]), "%s/events", env.run);
	snprintf(paths[1], sizeof(paths[1]), "%s/w/w", env.run);
	snprintf(paths[2], sizeof(paths[2]), "%s/w/w.ev", env.run);
	for (int round = 0; round < 10; round++)
		for (int i = 0; i < 3; i++) {
			char *argv[] = {T_HELPER("t-ctlpoke"), "--path",
			    paths[i], "handshake", "5", NULL};
			cr_assert_eq(t_run(NULL, NULL, argv), 0);
		}
	cr_assert_str_eq(call("ping"), "pong");
	reader_start(&r);
	reader_wait_subscribed(&r);
	reader_stop(&r);
	/* Nothing spins: over 2 s, supd uses far less than a core. */
	before = cpu_ticks(env.supd);
	t_sleep_ms(2000);
	cr_assert_lt(cpu_ticks(env.supd) - before, sysconf(_SC_CLK_TCK),
	    "supd burnt %lld ticks in 2 s", cpu_ticks(env.supd) - before);
}
