/*
 * tests/scenario/systemd_test.c — supd under a service manager: with
 * NOTIFY_SOCKET set, supd speaks sd_notify to it (supervisor/manager.c).
 * The manager here is a real AF_UNIX datagram socket the test binds, at
 * a path or at an abstract address, as systemd does; it also reads each
 * sender's pid (SCM_CREDENTIALS), as systemd's NotifyAccess=main does.
 *
 * READY=1 comes once root is ready and not before; STATUS= follows the
 * tree; STOPPING=1 comes on SIGTERM; WATCHDOG=1 comes when WATCHDOG_USEC
 * asks for it, for supd's pid, and then only: otherwise an idle supd
 * makes no wake-up. No child ever gets the manager's socket.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_systemd, 90);

#define CHILD T_HELPER("t-child")
#define NMSG 512

/* The service manager: its socket and every datagram it got. */
struct mgr {
	int fd;
	char addr[200];	/* as NOTIFY_SOCKET says it: a path or @name */
	char *msg[NMSG];
	pid_t from[NMSG];
	int n;
};

static struct mgr mgr;

static void
mgr_open(bool abstract)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t len;
	int one = 1;

	memset(&mgr, 0, sizeof(mgr));
	if (abstract)
		snprintf(mgr.addr, sizeof(mgr.addr), "@sup-test-manager/%s",
		    strrchr(env.dir, '/') + 1);
	else
		snprintf(mgr.addr, sizeof(mgr.addr), "%s/manager.sock",
		    env.dir);
	cr_assert(strlen(mgr.addr) < sizeof(a.sun_path));
	memcpy(a.sun_path, mgr.addr, strlen(mgr.addr));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(mgr.addr) + (abstract ? 0 : 1));
	if (abstract)
		a.sun_path[0] = '\0';
	mgr.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	cr_assert(mgr.fd >= 0);
	cr_assert(setsockopt(mgr.fd, SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof(one)) == 0);
	cr_assert(bind(mgr.fd, (struct sockaddr *)&a, len) == 0, "bind %s",
	    mgr.addr);
}

/* Reads what arrived (waiting up to ms for the first datagram). */
static void
mgr_read(int ms)
{
	struct pollfd p = {.fd = mgr.fd, .events = POLLIN};
	char buf[4096];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;

	if (ms > 0)
		poll(&p, 1, ms);
	while (mgr.n < NMSG) {
		struct iovec iov = {buf, sizeof(buf) - 1};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = &ctl, .msg_controllen = sizeof(ctl)};
		ssize_t len = recvmsg(mgr.fd, &m, 0);
		struct cmsghdr *c;

		if (len < 0)
			return;
		buf[len] = '\0';
		mgr.from[mgr.n] = -1;
		for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_CREDENTIALS)
				mgr.from[mgr.n] = ((struct ucred *)
				    CMSG_DATA(c))->pid;
		mgr.msg[mgr.n++] = strdup(buf);
	}
}

/* How many datagrams so far hold text (a whole line, or its start when
 * text ends in '*'). */
static int
mgr_count(const char *text)
{
	size_t tl = strlen(text);
	bool prefix = tl > 0 && text[tl - 1] == '*';
	int c = 0;

	mgr_read(0);
	if (prefix)
		tl--;
	for (int i = 0; i < mgr.n; i++)
		for (const char *l = mgr.msg[i]; l != NULL && *l != '\0';) {
			size_t ll = strcspn(l, "\n");
			if (strncmp(l, text, tl) == 0 && (prefix || ll == tl)) {
				c++;
				break;
			}
			l = l[ll] == '\n' ? l + ll + 1 : NULL;
		}
	return c;
}

/* The index of the first datagram that is exactly text, or -1. */
static int
mgr_index(const char *text)
{
	mgr_read(0);
	for (int i = 0; i < mgr.n; i++)
		if (strcmp(mgr.msg[i], text) == 0)
			return i;
	return -1;
}

static bool
mgr_wait(const char *text, int n)
{
	int64_t end = t_now_ms() + T_WAIT_MS;

	while (mgr_count(text) < n && t_now_ms() < end)
		mgr_read(100);
	return mgr_count(text) >= n;
}

static char *
mgr_dump(void)
{
	static char buf[16384];
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < mgr.n && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "[%s] ",
		    mgr.msg[i]);
	return buf;
}

/* Every datagram came from supd itself (NotifyAccess=main holds). */
static void
mgr_assert_from_supd(void)
{
	mgr_read(0);
	for (int i = 0; i < mgr.n; i++)
		cr_assert_eq(mgr.from[i], env.supd, "datagram %d (%s) from pid "
		    "%d, not supd (%d)", i, mgr.msg[i], (int)mgr.from[i],
		    (int)env.supd);
}

/*
 * Starts supd with NOTIFY_SOCKET (and WATCHDOG_USEC, and WATCHDOG_PID:
 * "self" for supd's own pid), as t_supd_spawn() does otherwise; the
 * test waits for READY=1 itself.
 */
static void
supd_managed(const char *watchdog_usec, const char *watchdog_pid)
{
	env.reaped = false;
	env.supd = fork();
	cr_assert(env.supd >= 0);
	if (env.supd == 0) {
		int log = open(env.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		char self[16];

		setenv("SUP_TEST_DIR", env.dir, 1);
		unsetenv("SUP_RUN_DIR");
		setenv("NOTIFY_SOCKET", mgr.addr, 1);
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
		if (watchdog_usec != NULL)
			setenv("WATCHDOG_USEC", watchdog_usec, 1);
		snprintf(self, sizeof(self), "%d", (int)getpid());
		if (watchdog_pid != NULL)
			setenv("WATCHDOG_PID", strcmp(watchdog_pid, "self") == 0
			    ? self : watchdog_pid, 1);
		dup2(log, 1);
		dup2(log, 2);
		setpgid(0, 0);
		execl(T_BIN("supd"), "supd", "-c", env.conf, "-v", (char *)NULL);
		_exit(127);
	}
}

static void
ready_wait(void)
{
	cr_assert(mgr_wait("READY=1", 1), "no READY=1; got %s; supd's log:\n%s",
	    mgr_dump(), t_read(env.log));
}

Test(scenario_systemd, ready_comes_once_root_is_ready_and_not_before)
{
	pid_t w;
	int status_at, ready_at;

	t_conf(&env, "[worker w]\ncommand = " CHILD " --ready-on-usr1\n"
	    "ready = notify\nstart_timeout = 60s\n");
	mgr_open(false);
	supd_managed(NULL, NULL);
	/* w runs, and waits to be told before it says READY=1. */
	cr_assert(T_WAIT(strcmp(t_state(&env, "w"), "starting") == 0,
	    T_WAIT_MS));
	cr_assert(mgr_wait("STATUS=0 running, 1 starting, 0 backoff, 0 failed; "
	    "0 restarts", 1), "%s", mgr_dump());
	cr_assert_eq(mgr_count("READY=1"), 0, "READY=1 before root was "
	    "ready: %s", mgr_dump());
	t_wait_handles(&env, "w", SIGUSR1);
	w = t_pid(&env, "w");
	t_kill(w, SIGUSR1);
	ready_wait();
	cr_assert_str_eq(t_state(&env, "w"), "running");
	/* The tree as it is when READY=1 goes: the STATUS= just before. */
	status_at = mgr_index("STATUS=1 running, 0 backoff, 0 failed; "
	    "0 restarts");
	ready_at = mgr_index("READY=1");
	cr_assert(status_at >= 0 && status_at < ready_at, "%s", mgr_dump());
	cr_assert_eq(mgr_count("READY=1"), 1, "%s", mgr_dump());
	mgr_assert_from_supd();
}

Test(scenario_systemd, status_follows_a_child_killed_and_restarted)
{
	const char *last = NULL;

	t_conf(&env, "[worker a]\ncommand = " CHILD "\n"
	    "[worker b]\ncommand = " CHILD "\n");
	mgr_open(false);
	supd_managed(NULL, NULL);
	ready_wait();
	cr_assert(mgr_wait("STATUS=2 running, 0 backoff, 0 failed; 0 restarts",
	    1), "%s", mgr_dump());
	t_kill(t_pid(&env, "b"), SIGKILL);
	cr_assert(mgr_wait("STATUS=2 running, 0 backoff, 0 failed; 1 restart",
	    1), "%s", mgr_dump());
	cr_assert_eq(t_restarts(&env, "b"), 1);
	/* Sent when it changed, never twice the same in a row. */
	for (int i = 0; i < mgr.n; i++) {
		if (strncmp(mgr.msg[i], "STATUS=", 7) != 0)
			continue;
		cr_assert(last == NULL || strcmp(last, mgr.msg[i]) != 0,
		    "the same STATUS= twice: %s", mgr_dump());
		last = mgr.msg[i];
	}
	mgr_assert_from_supd();
}

Test(scenario_systemd, stopping_comes_on_sigterm_then_supd_exits_0)
{
	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	mgr_open(false);
	supd_managed(NULL, NULL);
	ready_wait();
	cr_assert_eq(mgr_count("STOPPING=1"), 0);
	t_kill(env.supd, SIGTERM);
	cr_assert(mgr_wait("STOPPING=1", 1), "%s", mgr_dump());
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0, "%s", t_read(env.log));
	mgr_read(0);
	cr_assert_eq(mgr_count("STOPPING=1"), 1, "%s", mgr_dump());
	mgr_assert_from_supd();
}

/* The lines of an environment file that name key. */
static bool
env_file_has(const char *path, const char *key, char *val, size_t n)
{
	int nl;
	char **l = t_lines(path, &nl);
	bool found = false;

	cr_assert_not_null(l, "%s was not written", path);
	for (int i = 0; i < nl; i++)
		if (strncmp(l[i], key, strlen(key)) == 0 &&
		    l[i][strlen(key)] == '=') {
			snprintf(val, n, "%s", l[i] + strlen(key) + 1);
			found = true;
		}
	t_lines_free(l);
	return found;
}

Test(scenario_systemd, watchdog_comes_again_and_again_at_an_abstract_address)
{
	char a[256], b[256], v[256];

	t_path(&env, "a.env", a, sizeof(a));
	t_path(&env, "b.env", b, sizeof(b));
	t_conf(&env, "[worker a]\ncommand = " CHILD " --env=%s\n"
	    "[worker b]\ncommand = " CHILD " --env=%s --ready-after=0\n"
	    "ready = notify\n", a, b);
	mgr_open(true);
	supd_managed("200000", "self");
	ready_wait();
	/* Every 100 ms; five of them take half a second, or more on a
	 * busy machine: no timing is asserted. */
	cr_assert(mgr_wait("WATCHDOG=1", 5), "%s", mgr_dump());
	mgr_assert_from_supd();
	/* No child got the manager's socket, nor its watchdog. */
	cr_assert(!env_file_has(a, "NOTIFY_SOCKET", v, sizeof(v)),
	    "a (ready = none) got NOTIFY_SOCKET=%s", v);
	cr_assert(env_file_has(b, "NOTIFY_SOCKET", v, sizeof(v)));
	cr_assert(strncmp(v, "@sup-notify/", 12) == 0 && strcmp(v, mgr.addr) !=
	    0, "b got NOTIFY_SOCKET=%s, not supd's own", v);
	cr_assert(!env_file_has(a, "WATCHDOG_USEC", v, sizeof(v)));
	cr_assert(!env_file_has(b, "WATCHDOG_USEC", v, sizeof(v)));
	cr_assert(!env_file_has(a, "WATCHDOG_PID", v, sizeof(v)));
	cr_assert(!env_file_has(b, "WATCHDOG_PID", v, sizeof(v)));
}

/* Context switches of supd's main thread, the one its loop runs in. */
static long
loop_switches(void)
{
	char path[96], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status",
	    (int)env.supd, (int)env.supd);
	cr_assert_not_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "voluntary_ctxt_switches:", 24) == 0)
			n = atol(line + 24);
	fclose(f);
	return n;
}

/*
 * An absence can only be watched for a while. A watchdog (every 100 ms
 * here) would wake supd's loop in every one of these one-second windows;
 * an idle supd sleeps through one of them. Up to five windows, so that
 * the last commit after the start (10 ms later) or a busy machine cannot
 * fail the test.
 */
static void
assert_no_watchdog(void)
{
	bool quiet = false;

	ready_wait();
	for (int i = 0; i < 5 && !quiet; i++) {
		long c0 = loop_switches();
		t_sleep_ms(1000);
		quiet = loop_switches() == c0;
	}
	cr_assert(quiet, "supd's loop woke up in each of five idle seconds");
	cr_assert_eq(mgr_count("WATCHDOG=1"), 0, "%s", mgr_dump());
	mgr_read(0);
	for (int i = 0; i < mgr.n; i++)
		cr_assert(strcmp(mgr.msg[i], "READY=1") == 0 ||
		    strncmp(mgr.msg[i], "STATUS=", 7) == 0,
		    "unexpected datagram: %s", mgr.msg[i]);
}

Test(scenario_systemd, no_watchdog_and_no_wakeup_without_watchdog_usec)
{
	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	mgr_open(false);
	supd_managed(NULL, NULL);
	assert_no_watchdog();
}

Test(scenario_systemd, no_watchdog_when_it_is_meant_for_another_pid)
{
	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	mgr_open(true);
	supd_managed("200000", "1");
	assert_no_watchdog();
}

/* Type=notify-reload: RELOADING=1 with MONOTONIC_USEC, then READY=1 from
 * the new image, for a reload applied, refused or with nothing to do. */
Test(scenario_systemd, reloading_then_ready_around_each_reload)
{
	int reloading, ready;

	t_conf(&env, "[worker w]\ncommand = " CHILD "\n");
	mgr_open(false);
	supd_managed(NULL, NULL);
	ready_wait();
	t_conf(&env, "[worker w]\ncommand = " CHILD "\n"
	    "[worker x]\ncommand = " CHILD "\n");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	cr_assert(mgr_wait("RELOADING=1", 1), "%s", mgr_dump());
	cr_assert(mgr_wait("READY=1", 2), "%s", mgr_dump());
	mgr_read(0);
	for (reloading = 0; reloading < mgr.n; reloading++)
		if (strncmp(mgr.msg[reloading], "RELOADING=1\nMONOTONIC_USEC=",
		    27) == 0)
			break;
	cr_assert_lt(reloading, mgr.n, "RELOADING=1 without MONOTONIC_USEC:"
	    " %s", mgr_dump());
	for (ready = reloading; ready < mgr.n; ready++)
		if (strcmp(mgr.msg[ready], "READY=1") == 0)
			break;
	cr_assert_lt(ready, mgr.n, "no READY=1 after RELOADING=1: %s",
	    mgr_dump());
	cr_assert_str_eq(t_state(&env, "x"), "running");
	/* A bad config: refused, and READY=1 all the same. */
	t_conf(&env, "strategy = none\n");
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 2);
	cr_assert(mgr_wait("RELOADING=1*", 2), "%s", mgr_dump());
	cr_assert(mgr_wait("READY=1", 3), "%s", mgr_dump());
	mgr_assert_from_supd();
}
