/*
 * supctl/top.c — supctl top [NAME...]: the tree, live, full screen.
 *
 * What refreshes it: supd's event stream (RUN/events, as supctl events
 * reads it). An event from supd says that something changed, and when;
 * the status reply says what is now true. So each burst of supd's events
 * is followed by one status snapshot (at most five a second, however
 * fast a child crash-loops), rather than supd's state machine being
 * guessed again here from the events alone. The only timer is a
 * one-second tick that redraws uptime and reads /proc for RSS and CPU:
 * nothing happens in supd while its tree is quiet.
 *
 * supd going away is seen at once (a pidfd on it); then the tick looks
 * at the run dir's lock (not at supd's socket) until a supd holds it
 * again, and a new snapshot brings the view back. The events stream
 * redials by itself.
 *
 * stdout not a terminal: one snapshot as text, then exit (top -b -n 1).
 *
 * Sections: the loop and its sources; keys and what they ask of supd;
 * the entry point.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/rundir.h"
#include "ipc/ipc.h"
#include "top.h"

#define ACTION_TIMEOUT_MS 10000
#define SNAP_GATHER_MS 20   /* a burst of events: one snapshot after it */
#define SNAP_MIN_GAP_MS 200 /* at most five snapshots a second */
#define MAX_KEYS 64

struct top {
	struct ctl_opts *o;	/* borrowed: verb_top's caller's */
	int argc;
	char **argv;		/* borrowed: the names asked for */
	struct top_view v;
	ipc_sub *sub;		/* owned */
	int sigfd, tick, pidfd;	/* owned; pidfd -1: supd not seen */
	pid_t watched;		/* the supd pidfd is on */
	int err_r, err_saved;	/* owned: stderr's pipe, and stderr */
	int64_t snap_due;	/* monotonic ms; 0: none due */
	int64_t snap_last;
	bool quit, dirty, clear;
};

static int64_t
now_ms(void)
{
	return clk_mono_ns() / CLK_NS_PER_MS;
}

static void
msg_set(struct top *t, const char *fmt, ...) __attribute__((format(printf,
    2, 3)));

static void
msg_set(struct top *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->v.msg, sizeof(t->v.msg), fmt, ap);
	va_end(ap);
	t->dirty = true;
}

/* --- the loop and its sources ----------------------------------------- */

/* What supctl said on stderr while the screen is ours (a refusal from
 * supd, a run dir it distrusts): its last line goes to the status line. */
static void
stderr_read(struct top *t)
{
	char buf[2048], *nl, *line;
	ssize_t n;

	while ((n = read(t->err_r, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		while (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		line = (nl = strrchr(buf, '\n')) != NULL ? nl + 1 : buf;
		if (line[0] != '\0')
			msg_set(t, "%s", line);
	}
}

/* Watches the supd that holds the run dir's lock (its pid in our
 * namespace, not the one it gives itself, which differs in a
 * container), unless it is the one watched already. */
static void
pidfd_watch(struct top *t)
{
	int code;
	pid_t pid = ctl_supd_pid(t->o, true, &code);

	if (pid == t->watched && t->pidfd >= 0)
		return;
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = pid > 1 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	t->watched = t->pidfd >= 0 ? pid : 0;
}

/* One snapshot now; a supd that cannot be reached is waited for. */
static void
snapshot_take(struct top *t)
{
	sup_err transport;
	int code;

	t->snap_due = 0;
	t->snap_last = now_ms();
	code = top_snapshot(t->o, t->argc, t->argv, &t->v, &transport);
	t->dirty = true;
	if (code != PROTO_OK) {
		stderr_read(t);
		if (transport != SUP_OK || t->pidfd < 0)
			t->v.connected = false;
		return;
	}
	t->v.connected = true;
	pidfd_watch(t);
	top_sample(&t->v, now_ms());
}

static void
snapshot_soon(struct top *t)
{
	int64_t due = now_ms() + SNAP_GATHER_MS;

	if (due < t->snap_last + SNAP_MIN_GAP_MS)
		due = t->snap_last + SNAP_MIN_GAP_MS;
	if (t->snap_due == 0)
		t->snap_due = due;
}

static bool
row_named(const struct top *t, const char *name)
{
	for (int i = 0; i < t->v.nrows; i++)
		if (strcmp(t->v.rows[i].name, name) == 0)
			return true;
	return false;
}

/* One line of the stream: "TOPIC {json}". supd's own events change the
 * tree; the workers' telemetry (src: the worker) does not. */
static void
event_note(struct top *t, const char *line)
{
	const char *body = strchr(line, ' '), *src;
	char topic[TOP_NAME_MAX];
	json_t *j;

	/* One snapshot is coming: it will show what this event did. A
	 * child crash-looping a thousand times a second costs a parse per
	 * snapshot, not per event. */
	if (t->snap_due != 0)
		return;
	if (body == NULL || (j = json_loads(body + 1, 0, NULL)) == NULL)
		return;
	snprintf(topic, sizeof(topic), "%.*s", (int)(body - line), line);
	src = json_string_value(json_object_get(j, "src"));
	if (src != NULL && strcmp(src, "supd") == 0 && (t->argc == 0 ||
	    strcmp(topic, "supd") == 0 || row_named(t, topic)))
		snapshot_soon(t);
	json_decref(j);
}

static void
events_read(struct top *t)
{
	size_t len;
	void *buf;

	while (ipc_sub_recv(t->sub, &buf, &len, 0, NULL) == SUP_OK) {
		char *save, *l;
		for (l = strtok_r(buf, "\n", &save); l != NULL;
		    l = strtok_r(NULL, "\n", &save))
			event_note(t, l);
		free(buf);
	}
}

/* Each second: uptime and /proc; and, while supd is away, whether a
 * supd holds the run dir's lock again. */
static void
tick_read(struct top *t)
{
	uint64_t n;
	int code;

	if (read(t->tick, &n, sizeof(n)) < 0 && errno == EAGAIN)
		return;
	if (!t->v.connected && ctl_supd_pid(t->o, true, &code) > 0)
		snapshot_take(t);
	top_sample(&t->v, now_ms());
	t->dirty = true;
}

static void
supd_gone(struct top *t)
{
	close(t->pidfd);
	t->pidfd = -1;
	t->v.connected = false;
	t->snap_due = 0;
	t->dirty = true;
}

/* WINCH redraws; TERM, HUP and INT quit (INT not when ignore_int: the
 * ^C a pager took reached us too). */
static void
signals_read(struct top *t, bool ignore_int)
{
	struct signalfd_siginfo si;

	while (read(t->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			term_size(&t->v.lines, &t->v.cols);
			t->dirty = t->clear = true;
		} else if (si.ssi_signo != SIGINT || !ignore_int) {
			t->quit = true;
		}
	}
}

/* --- keys and what they ask of supd ----------------------------------- */

/* supctl start|stop|restart NAME, answered at once (nowait): what
 * follows shows in the rows as supd's events come. */
static void
action(struct top *t, enum proto_cmd cmd, const char *verb)
{
	const char *name;
	json_t *req, *a, *r;
	sup_err transport = SUP_OK;
	int code;

	if (t->v.nrows == 0)
		return;
	name = t->v.rows[t->v.sel].name;
	req = proto_request(cmd);
	a = json_array();
	json_array_append_new(a, json_string(name));
	json_object_set_new(req, PROTO_F_NAMES, a);
	json_object_set_new(req, PROTO_F_NOWAIT, json_true());
	r = ctl_request_ex(t->o, req, ACTION_TIMEOUT_MS, &code, &transport);
	if (r != NULL)
		msg_set(t, "%s %s: requested", verb, name);
	else if (transport != SUP_OK)
		msg_set(t, "%s %s: cannot reach supd: %s", verb, name,
		    sup_strerror(transport));
	else
		stderr_read(t);
	json_decref(r);
}

static void
log_show(struct top *t)
{
	char path[PATH_MAX];
	const char *name;
	int fd, st;

	if (t->v.nrows == 0)
		return;
	name = t->v.rows[t->v.sel].name;
	if (!rundir_path(t->o->run_dir, RUN_LOG, name, path, sizeof(path)) ||
	    (fd = rundir_openat(&t->o->run, RUN_LOG, name, O_RDONLY, 0)) < 0) {
		msg_set(t, "no log for %s (a worker with stdout = log that "
		    "ran)", name);
		return;
	}
	close(fd);
	st = term_pager(path, t->err_saved);
	signals_read(t, true);
	term_size(&t->v.lines, &t->v.cols);
	t->dirty = t->clear = true;
	if (st == -1 || (WIFEXITED(st) && WEXITSTATUS(st) == 127))
		msg_set(t, "cannot run %s: set PAGER", getenv("PAGER") ?
		    getenv("PAGER") : "less");
}

static void
select_move(struct top *t, int by)
{
	int s = t->v.sel + by;

	if (s >= t->v.nrows)
		s = t->v.nrows - 1;
	if (s < 0)
		s = 0;
	t->v.sel = s;
	t->v.msg[0] = '\0';
	t->dirty = true;
}

static void
key_do(struct top *t, int k)
{
	int page = t->v.lines > 4 ? t->v.lines - 3 : 1;

	switch (k) {
	case 'q': case 'Q': case 3 /* ^C */: t->quit = true; break;
	case 'j': case KEY_DOWN: select_move(t, 1); break;
	case 'k': case KEY_UP: select_move(t, -1); break;
	case KEY_PGDN: case ' ': select_move(t, page); break;
	case KEY_PGUP: select_move(t, -page); break;
	case 'g': case KEY_HOME: select_move(t, -t->v.nrows); break;
	case 'G': case KEY_END: select_move(t, t->v.nrows); break;
	case 'r': action(t, PROTO_RESTART, "restart"); break;
	case 's': action(t, PROTO_STOP, "stop"); break;
	case 'S': action(t, PROTO_START, "start"); break;
	case 'l': case '\r': log_show(t); break;
	case 12 /* ^L */: t->dirty = t->clear = true; break;
	default: break;
	}
}

static void
keys_read(struct top *t)
{
	int keys[MAX_KEYS], n = term_keys(keys, MAX_KEYS);

	for (int i = 0; i < n && !t->quit; i++)
		key_do(t, keys[i]);
}

static void
redraw(struct top *t)
{
	if (t->clear)
		(void)!write(STDOUT_FILENO, "\033[2J", 4);
	top_draw(&t->v, now_ms());
	t->dirty = t->clear = false;
}

static int
poll_timeout(const struct top *t)
{
	int64_t left;

	if (t->snap_due == 0)
		return -1;
	left = t->snap_due - now_ms();
	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

static void
live_loop(struct top *t)
{
	struct pollfd p[6];

	while (!t->quit) {
		if (t->dirty)
			redraw(t);
		p[0] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
		p[1] = (struct pollfd){t->sigfd, POLLIN, 0};
		p[2] = (struct pollfd){t->tick, POLLIN, 0};
		p[3] = (struct pollfd){ipc_sub_fd(t->sub), POLLIN, 0};
		p[4] = (struct pollfd){t->err_r, POLLIN, 0};
		p[5] = (struct pollfd){t->pidfd, POLLIN, 0}; /* -1: skipped */
		if (poll(p, 6, poll_timeout(t)) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			signals_read(t, false);
		if (p[0].revents & (POLLHUP | POLLERR))
			t->quit = true; /* the terminal went away */
		else if (p[0].revents)
			keys_read(t);
		if (p[3].revents)
			events_read(t);
		if (p[4].revents)
			stderr_read(t);
		if (p[5].revents)
			supd_gone(t);
		if (p[2].revents)
			tick_read(t);
		/* Events flow: a supd is there, even one we thought gone. */
		if (t->snap_due != 0 && now_ms() >= t->snap_due)
			snapshot_take(t);
	}
}

/* --- the entry point -------------------------------------------------- */

/* The fds of the live view: the stream, the tick, stderr's pipe. */
static int
live_open(struct top *t)
{
	struct itimerspec one = {{1, 0}, {1, 0}};
	char path[PATH_MAX];
	int pfd[2];

	t->tick = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->tick < 0 || timerfd_settime(t->tick, 0, &one, NULL) != 0)
		return -1;
	rundir_path(t->o->run_dir, RUN_EVENTS, NULL, path, sizeof(path));
	if (ipc_sub_open(1024, &t->sub) != SUP_OK ||
	    ipc_sub_subscribe(t->sub, "", 0) != SUP_OK ||
	    ipc_sub_dial(t->sub, path, -1, NULL) != SUP_OK)
		return -1;
	/* The screen is ours: what supctl would say on stderr goes to the
	 * status line instead. */
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	t->err_r = pfd[0];
	t->err_saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	dup2(pfd[1], STDERR_FILENO);
	close(pfd[1]);
	pidfd_watch(t);
	term_size(&t->v.lines, &t->v.cols);
	return term_enter();
}

static void
live_close(struct top *t)
{
	term_leave();
	if (t->err_saved >= 0) {
		dup2(t->err_saved, STDERR_FILENO);
		close(t->err_saved);
	}
	if (t->err_r >= 0)
		close(t->err_r);
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (t->tick >= 0)
		close(t->tick);
	ipc_sub_close(t->sub); /* bounded: nng 1.5.2 can hang in a close */
}

static int
live_run(struct top *t)
{
	int code = PROTO_OK;

	t->v.connected = true;
	t->dirty = true;
	if (live_open(t) != 0) {
		live_close(t);
		ctl_say("top: cannot set up the live view: %s",
		    strerror(errno));
		return PROTO_FAILED;
	}
	live_loop(t);
	live_close(t);
	return code;
}

/* Blocked before nng starts its threads, which inherit the mask: they
 * then reach only our signalfd. */
static int
signals_take(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int
verb_top(struct ctl_opts *o, int argc, char **argv)
{
	struct top t = {.o = o, .argc = argc, .argv = argv, .sigfd = -1,
	    .tick = -1, .pidfd = -1, .err_r = -1, .err_saved = -1};
	bool live = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	sup_err transport;
	int code;

	if (live && (t.sigfd = signals_take()) < 0) {
		ctl_say("top: signalfd: %s", strerror(errno));
		return PROTO_FAILED;
	}
	code = top_snapshot(o, argc, argv, &t.v, &transport);
	if (transport != SUP_OK) {
		ctl_say("cannot talk to supd: %s", sup_strerror(transport));
	} else if (code == PROTO_OK && live) {
		t.snap_last = now_ms();
		code = live_run(&t);
	} else if (code == PROTO_OK) {
		t.v.connected = true;
		top_sample(&t.v, now_ms());
		top_print(&t.v, now_ms());
	}
	top_view_fini(&t.v);
	if (t.sigfd >= 0)
		close(t.sigfd);
	return code;
}
