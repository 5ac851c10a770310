/*
 * tests/scenario/listen_test.c — socket handoff (listen =, supd(8) SOCKET
 * HANDOFF): supd holds each listening socket and passes it to the child
 * as systemd does, so that restarts refuse no connection. A client
 * thread hammers the port (connect, read the answer, count refusals and
 * resets) through a kill -9 of the child, a rolling restart of a pool of
 * 4, a kill -9 of supd itself and a re-exec; unix:PATH is made safely;
 * a bind conflict is a clear error before anything starts.
 *
 * Ports are picked free at each test (bind port 0, read it back), so
 * that parallel runs do not collide. t-listen answers each connection
 * with "pid=PID fds=N names=NAMES fd=FD".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_listen, 180);

#define SERVER T_HELPER("t-listen")

/* A TCP port nobody listens on now (the kernel's pick for port 0). */
static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Reads the answer of fd (connected) into buf: 0, or the errno that
 * ended it (an empty answer: EPIPE). Closes fd. */
static int
answer_read(int fd, char *buf, size_t n)
{
	struct timeval tv = {20, 0};
	size_t got = 0;
	ssize_t r;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got + 1 < n && (r = read(fd, buf + got, n - 1 - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return e;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	close(fd);
	return got > 0 ? 0 : EPIPE;
}

static int
ask_tcp(int port, char *buf, size_t n)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int e = errno;
		close(fd);
		return e;
	}
	return answer_read(fd, buf, n);
}

static int
ask_unix(const char *path, char *buf, size_t n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_lt(strlen(path), sizeof(a.sun_path));
	memcpy(a.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int e = errno;
		close(fd);
		return e;
	}
	return answer_read(fd, buf, n);
}

static pid_t
answer_pid(const char *line)
{
	const char *p = strstr(line, "pid=");

	return p != NULL ? (pid_t)atol(p + 4) : 0;
}

/* The pid answering on port now (0: no answer). */
static pid_t
pid_on(int port)
{
	char buf[256];

	return ask_tcp(port, buf, sizeof(buf)) == 0 ? answer_pid(buf) : 0;
}

/* --- a client hammering the port ---------------------------------------- */

struct hammer {
	int port;
	atomic_bool stop;
	atomic_long ok, refused, reset, other;
	pid_t not_new[8]; /* answers from pids not in here count as new */
	int nnot_new;
	atomic_long from_new;
	pthread_t th;
};

static bool
pid_old(const struct hammer *h, pid_t p)
{
	for (int i = 0; i < h->nnot_new; i++)
		if (h->not_new[i] == p)
			return true;
	return false;
}

static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;
	char buf[256];

	while (!atomic_load(&h->stop)) {
		int e = ask_tcp(h->port, buf, sizeof(buf));
		if (e == 0) {
			atomic_fetch_add(&h->ok, 1);
			if (h->nnot_new > 0 && !pid_old(h, answer_pid(buf)))
				atomic_fetch_add(&h->from_new, 1);
		} else if (e == ECONNREFUSED) {
			atomic_fetch_add(&h->refused, 1);
		} else if (e == ECONNRESET || e == EPIPE) {
			atomic_fetch_add(&h->reset, 1);
		} else {
			atomic_fetch_add(&h->other, 1);
		}
		t_sleep_ms(1);
	}
	return NULL;
}

static void
hammer_start(struct hammer *h, int port)
{
	memset(h, 0, sizeof(*h));
	h->port = port;
	cr_assert_eq(pthread_create(&h->th, NULL, hammer_run, h), 0);
	cr_assert(T_WAIT(atomic_load(&h->ok) >= 20, T_WAIT_MS),
	    "the hammer got no answers");
}

/* Waits for n more answers, then stops the thread. */
static void
hammer_stop(struct hammer *h, long more)
{
	long want = atomic_load(&h->ok) + more;

	cr_assert(T_WAIT(atomic_load(&h->ok) >= want, T_WAIT_MS),
	    "answers stopped coming");
	atomic_store(&h->stop, true);
	pthread_join(h->th, NULL);
}

static void
hammer_report(struct hammer *h, const char *what)
{
	fprintf(stderr, "listen: %s: %ld answers (%ld from new pids), %ld "
	    "refused, %ld reset, %ld other errors\n", what,
	    atomic_load(&h->ok), atomic_load(&h->from_new),
	    atomic_load(&h->refused), atomic_load(&h->reset),
	    atomic_load(&h->other));
}

static int
log_count(const char *needle)
{
	char *log = t_read(env.log), *p = log;
	int n = 0;

	while (p != NULL && (p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	free(log);
	return n;
}

/* --- cases ---------------------------------------------------------------- */

Test(scenario_listen, a_child_gets_its_sockets_as_systemd_passes_them)
{
	int port = free_port();
	char sock[200], buf[256], want[256], env_pid[32];
	json_t *s, *listen;
	struct stat st;
	pid_t pid;

	t_path(&env, "web.sock", sock, sizeof(sock));
	t_conf(&env, "[worker web]\ncommand = %s\nready = notify\n"
	    "listen = tcp:127.0.0.1:%d\nlisten = unix:web.sock\n"
	    "listen_name = http admin\n", SERVER, port);
	t_supd_start(&env);
	pid = t_pid(&env, "web");
	cr_assert_gt(pid, 0);
	cr_assert_eq(ask_tcp(port, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "pid=%d fds=2 names=http:admin fd=3\n",
	    (int)pid);
	cr_assert_str_eq(buf, want);
	cr_assert_eq(ask_unix(sock, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "pid=%d fds=2 names=http:admin fd=4\n",
	    (int)pid);
	cr_assert_str_eq(buf, want);
	/* LISTEN_PID is the child's own pid, set between fork and exec. */
	cr_assert(t_proc_env(pid, "LISTEN_PID", env_pid, sizeof(env_pid)));
	cr_assert_eq(atol(env_pid), (long)pid);
	cr_assert(lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0660, "mode %o", st.st_mode & 0777);
	s = t_status(&env);
	listen = json_object_get(t_kid(s, "web"), "listen");
	cr_assert_eq(json_array_size(listen), 2);
	snprintf(want, sizeof(want), "tcp:127.0.0.1:%d", port);
	cr_assert_str_eq(json_string_value(json_array_get(listen, 0)), want);
	snprintf(want, sizeof(want), "unix:%s", sock);
	cr_assert_str_eq(json_string_value(json_array_get(listen, 1)), want);
	json_decref(s);
	/* An orderly stop removes the socket file supd made. */
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	cr_assert(lstat(sock, &st) != 0 && errno == ENOENT,
	    "%s is still there after supd stopped", sock);
}

Test(scenario_listen, connections_during_a_kill_9_restart_wait_in_the_backlog)
{
	int port = free_port();
	struct hammer h;
	char buf[256];
	pid_t old, fresh;
	int64_t t0;

	/* The replacement accepts only 500 ms after its start. */
	t_conf(&env, "[worker web]\ncommand = %s --ready-after 500\n"
	    "ready = notify\nlisten = tcp:127.0.0.1:%d\n", SERVER, port);
	t_supd_start(&env);
	old = t_pid(&env, "web");
	hammer_start(&h, port);
	h.not_new[h.nnot_new++] = old;
	t_kill(old, SIGKILL);
	/* Made while no process accepts: queued, answered by the next. */
	t0 = t_now_ms();
	cr_assert_eq(ask_tcp(port, buf, sizeof(buf)), 0, "refused or reset");
	fresh = answer_pid(buf);
	cr_assert(fresh != old && fresh > 0, "answered by %d", (int)fresh);
	fprintf(stderr, "listen: a connection made right after kill -9 was "
	    "answered by the replacement after %lld ms\n",
	    (long long)(t_now_ms() - t0));
	cr_assert(T_WAIT(atomic_load(&h.from_new) >= 20, T_WAIT_MS));
	hammer_stop(&h, 20);
	hammer_report(&h, "kill -9 of the child");
	cr_assert_eq(atomic_load(&h.refused), 0);
	cr_assert_eq(atomic_load(&h.other), 0);
	/* One connection in the hands of the killed process at most. */
	cr_assert_leq(atomic_load(&h.reset), 1);
}

Test(scenario_listen, a_rolling_restart_of_a_pool_of_4_refuses_no_connection)
{
	int port = free_port();
	struct hammer h;
	pid_t old[4];
	char name[16], *out = NULL, *err = NULL;
	int64_t t0, took;
	int rc;

	t_conf(&env, "[worker web]\ncommand = %s --ready-after 300 --work 2\n"
	    "ready = notify\ninstances = 4\nlisten = tcp:127.0.0.1:%d\n",
	    SERVER, port);
	t_supd_start(&env);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "web.%d", i);
		old[i] = t_pid(&env, name);
	}
	hammer_start(&h, port);
	memcpy(h.not_new, old, sizeof(old));
	h.nnot_new = 4;
	t0 = t_now_ms();
	rc = t_ctl(&env, &out, &err, "restart", "web", "--rolling", NULL);
	took = t_now_ms() - t0;
	cr_assert_eq(rc, 0, "supctl: %s", err);
	/* Each replacement waited for the one before to be ready (300 ms
	 * each): one at a time, not all at once. */
	cr_assert_geq(took, 4 * 300 - 50, "took %lld ms", (long long)took);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "web.%d", i);
		cr_assert_neq(t_pid(&env, name), old[i], "%s not restarted",
		    name);
		cr_assert_str_eq(t_state(&env, name), "running");
	}
	hammer_stop(&h, 50);
	hammer_report(&h, "supctl restart web --rolling, pool of 4");
	fprintf(stderr, "listen: the rolling restart took %lld ms\n",
	    (long long)took);
	cr_assert_eq(atomic_load(&h.refused), 0);
	cr_assert_eq(atomic_load(&h.reset), 0);
	cr_assert_eq(atomic_load(&h.other), 0);
	cr_assert_geq(atomic_load(&h.from_new), 50);
	free(out);
	free(err);
}

Test(scenario_listen, a_rolling_restart_stops_at_the_first_that_does_not_start)
{
	int port = free_port();
	char flag[200], *err = NULL;
	pid_t p1, p2;
	FILE *f;

	t_path(&env, "fail", flag, sizeof(flag));
	t_conf(&env, "[worker web]\ncommand = %s --fail-if %s\n"
	    "ready = notify\ninstances = 3\nlisten = tcp:127.0.0.1:%d\n"
	    "backoff = 5s 5s\n", SERVER, flag, port);
	t_supd_start(&env);
	p1 = t_pid(&env, "web.1");
	p2 = t_pid(&env, "web.2");
	cr_assert_not_null(f = fopen(flag, "w"));
	fclose(f);
	cr_assert_eq(t_ctl(&env, NULL, &err, "restart", "web", "--rolling",
	    NULL), 1);
	cr_assert(strstr(err, "rolling restart stopped at web.0") != NULL,
	    "%s", err);
	cr_assert(strstr(err, "0 of 3 restarted") != NULL, "%s", err);
	free(err);
	/* The others still serve, untouched. */
	cr_assert_eq(t_pid(&env, "web.1"), p1);
	cr_assert_eq(t_pid(&env, "web.2"), p2);
	cr_assert_gt(pid_on(port), 0);
	/* Groups are refused: their order is their strategy's. */
	cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "root", "--rolling",
	    NULL), 2);
}

Test(scenario_listen, after_kill_9_of_supd_the_socket_is_taken_back)
{
	int port = free_port();
	struct hammer h;
	pid_t old, fresh;

	t_conf(&env, "[worker web]\ncommand = %s\nready = notify\n"
	    "listen = tcp:127.0.0.1:%d\n", SERVER, port);
	t_supd_start(&env);
	old = t_pid(&env, "web");
	hammer_start(&h, port);
	kill(env.supd, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	t_supd_start(&env);
	cr_assert_eq(t_pid(&env, "web"), old, "adopted, not restarted");
	cr_assert_eq(log_count("listen.taken"), 1, "%s", t_read(env.log));
	cr_assert_eq(log_count("listen.bound"), 1, "bound again");
	cr_assert_eq(log_count("Address already in use"), 0);
	/* The next child gets the same socket from the new supd. */
	h.not_new[h.nnot_new++] = old;
	t_kill(old, SIGKILL);
	cr_assert(T_WAIT((fresh = t_pid(&env, "web")) > 0 && fresh != old,
	    T_WAIT_MS));
	cr_assert(T_WAIT(atomic_load(&h.from_new) >= 20, T_WAIT_MS));
	hammer_stop(&h, 20);
	hammer_report(&h, "kill -9 of supd, then of the child");
	cr_assert_eq(atomic_load(&h.refused), 0);
	cr_assert_leq(atomic_load(&h.reset), 1);
	cr_assert_eq(pid_on(port), fresh);
}

Test(scenario_listen, a_reexec_hands_the_socket_over)
{
	int port = free_port();
	struct hammer h;
	pid_t old, fresh;

	t_conf(&env, "[worker web]\ncommand = %s\nready = notify\n"
	    "listen = tcp:127.0.0.1:%d\n", SERVER, port);
	t_supd_start(&env);
	old = t_pid(&env, "web");
	hammer_start(&h, port);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reexec", NULL), 0);
	cr_assert_eq(t_pid(&env, "web"), old);
	h.not_new[h.nnot_new++] = old;
	cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "web", NULL), 0);
	fresh = t_pid(&env, "web");
	cr_assert(fresh > 0 && fresh != old);
	cr_assert(T_WAIT(atomic_load(&h.from_new) >= 20, T_WAIT_MS));
	hammer_stop(&h, 20);
	hammer_report(&h, "supctl reexec, then a restart");
	cr_assert_eq(atomic_load(&h.refused), 0);
	cr_assert_eq(atomic_load(&h.reset), 0);
	/* Bound once, by the first image; never taken back or bound again. */
	cr_assert_eq(log_count("listen.bound"), 1, "%s", t_read(env.log));
	cr_assert_eq(log_count("listen.taken"), 0);
}

Test(scenario_listen, a_reload_restarts_only_the_child_whose_listen_changed)
{
	int pa = free_port(), pb = free_port(), pc = free_port();
	char *out = NULL;
	pid_t a, b;

	t_conf(&env, "[worker a]\ncommand = %s\nready = notify\n"
	    "listen = tcp:127.0.0.1:%d\n[worker b]\ncommand = %s\n"
	    "ready = notify\nlisten = tcp:127.0.0.1:%d\n", SERVER, pa, SERVER,
	    pb);
	t_supd_start(&env);
	a = t_pid(&env, "a");
	b = t_pid(&env, "b");
	t_conf(&env, "[worker a]\ncommand = %s\nready = notify\n"
	    "listen = tcp:127.0.0.1:%d\n[worker b]\ncommand = %s\n"
	    "ready = notify\nlisten = tcp:127.0.0.1:%d\n", SERVER, pa, SERVER,
	    pc);
	cr_assert_eq(t_ctl(&env, &out, NULL, "reload", "--json", NULL), 0);
	cr_assert(strstr(out, "listen") != NULL, "%s", out);
	free(out);
	cr_assert(T_WAIT(t_pid(&env, "b") != b && t_pid(&env, "b") > 0 &&
	    strcmp(t_state(&env, "b"), "running") == 0, T_WAIT_MS));
	cr_assert_eq(t_pid(&env, "a"), a, "a's socket did not change");
	cr_assert_eq(pid_on(pa), a);
	cr_assert_eq(pid_on(pc), t_pid(&env, "b"));
	/* The old socket is closed: nobody holds it any more. */
	cr_assert(T_WAIT(pid_on(pb) == 0, T_WAIT_MS));
}

Test(scenario_listen, unix_path_refuses_a_planted_symlink_or_file)
{
	char sock[200], target[200], *log;
	struct stat st;
	FILE *f;

	t_path(&env, "web.sock", sock, sizeof(sock));
	t_path(&env, "precious", target, sizeof(target));
	cr_assert_not_null(f = fopen(target, "w"));
	fputs("keep me\n", f);
	fclose(f);
	cr_assert(symlink(target, sock) == 0);
	t_conf(&env, "[worker web]\ncommand = %s\nready = notify\n"
	    "listen = unix:web.sock\n", SERVER);
	t_supd_spawn(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 2);
	log = t_read(env.log);
	cr_assert(strstr(log, "[worker web] cannot listen on unix:") != NULL &&
	    strstr(log, "is a symbolic link") != NULL, "%s", log);
	free(log);
	cr_assert(lstat(sock, &st) == 0 && S_ISLNK(st.st_mode));
	cr_assert(stat(target, &st) == 0 && S_ISREG(st.st_mode));
	/* A regular file in its place: not removed either. */
	unlink(sock);
	cr_assert_not_null(f = fopen(sock, "w"));
	fclose(f);
	t_supd_spawn(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 2);
	log = t_read(env.log);
	cr_assert(strstr(log, "exists and is not a socket") != NULL, "%s",
	    log);
	free(log);
	cr_assert(lstat(sock, &st) == 0 && S_ISREG(st.st_mode));
}

Test(scenario_listen, a_bind_conflict_is_a_clear_error_before_anything_starts)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port, other = free_port();
	char want[256], *log, *err = NULL;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    listen(fd, 1) == 0 && getsockname(fd, (struct sockaddr *)&a,
	    &len) == 0);
	port = ntohs(a.sin_port);
	t_conf(&env, "[worker web]\ncommand = %s\nready = notify\n"
	    "listen = tcp:127.0.0.1:%d\n", SERVER, port);
	t_supd_spawn(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 2);
	log = t_read(env.log);
	snprintf(want, sizeof(want), "%s:6: listen: [worker web] cannot "
	    "listen on tcp:127.0.0.1:%d: cannot bind: %s", env.conf, port,
	    strerror(EADDRINUSE));
	cr_assert(strstr(log, want) != NULL, "want %s in:\n%s", want, log);
	cr_assert(strstr(log, "child.start") == NULL, "%s", log);
	free(log);
	/* A reload to a taken port is refused, and nothing changes. */
	t_conf(&env, "[worker web]\ncommand = %s\nready = notify\n"
	    "listen = tcp:127.0.0.1:%d\n", SERVER, other);
	t_supd_start(&env);
	t_conf(&env, "[worker web]\ncommand = %s\nready = notify\n"
	    "listen = tcp:127.0.0.1:%d\n", SERVER, port);
	cr_assert_eq(t_ctl(&env, NULL, &err, "reload", NULL), 2);
	cr_assert(strstr(err, "cannot bind") != NULL, "%s", err);
	free(err);
	cr_assert_gt(pid_on(other), 0);
	close(fd);
}
