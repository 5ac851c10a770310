/*
 * supervisor/holder.c — the log holder process (holder.h).
 *
 * Sections: sinks (a child's log file, or supd's stdout/stderr, shared
 * by its pipes), lines (prefix, buffer, write, live rotation), pipes
 * (read, EOF, the partial-line deadline), the connection to supd
 * (LW_ADD in, LW_HELD and LW_HELLO out), and the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/strmap.h"
#include "holder.h"
#include "logline.h"
#include "logwire.h"

#define OUT_BUF (256 * 1024)
#define SEND_WAIT_MS 5000

/* Where the lines of one child go: its file, or supd's stdout/stderr. */
struct sink {
	struct lw_msg cfg;	/* the newest LW_ADD's settings */
	int fd;			/* the log file; -1: closed (no pipe) */
	int64_t size;		/* bytes in it, as we wrote them */
	int refs;		/* pipes writing here */
};

struct hpipe {
	int fd;
	uint8_t stream;		/* 0 stdout, 1 stderr */
	uint64_t spawn_id;
	struct sink *sink;	/* borrowed: from the holder's map */
	struct logline_part part;
	int index;		/* in holder.pipes */
};

struct holder {
	struct rundir run;	/* only fd[RUNDIR_LOG] is open */
	int ep, conn, lsock, timer;
	bool timer_armed;
	struct strmap sinks;	/* name -> struct sink (owned, never freed
				 * until exit: a name comes back) */
	struct hpipe **pipes;	/* owned */
	int npipes, cap;
	char *out;		/* owned: OUT_BUF bytes being gathered */
	size_t outlen;
	int outfd;		/* where out goes */
	int64_t now_real_ms;	/* the time of the read being cut */
	char stamp[32];
};

/* Tags in epoll: a pipe is its struct; the rest are these. */
static char tag_conn, tag_listen, tag_timer;

/* --- lines ----------------------------------------------------------- */

static void
out_flush(struct holder *h)
{
	size_t off = 0;

	while (off < h->outlen) {
		ssize_t w = write(h->outfd, h->out + off, h->outlen - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* a full disk: those lines are lost, not us */
		off += (size_t)w;
	}
	h->outlen = 0;
}

static void
out_add(struct holder *h, const char *s, size_t n)
{
	if (h->outlen + n > OUT_BUF)
		out_flush(h);
	memcpy(h->out + h->outlen, s, n);
	h->outlen += n;
}

static void
sink_rotate(struct holder *h, struct sink *s)
{
	close(s->fd);
	(void)rundir_rotate(&h->run, RUN_LOG, s->cfg.name, s->cfg.keep);
	s->fd = rundir_openat(&h->run, RUN_LOG, s->cfg.name, O_WRONLY |
	    O_APPEND | O_CREAT, 0600);
	s->size = 0;
	if (s->fd >= 0 && s->cfg.chown)
		(void)!fchown(s->fd, s->cfg.uid, s->cfg.gid);
	if (s->fd < 0)
		log_warn("cannot open %s/log/%s.log: %s", h->run.path, s->cfg.name,
		    strerror(errno));
}

/* What line_emit() needs: the holder and the pipe the line came from. */
struct emit_ctx {
	struct holder *h;
	struct hpipe *p;
};

/* One line of p's: prefix, text, newline, gathered; rotated after it. */
static void
line_emit(void *arg, const char *line, size_t len)
{
	struct emit_ctx *c = arg;
	struct holder *h = c->h;
	struct sink *s = c->p->sink;
	size_t before = h->outlen;
	int fd = s->cfg.sink == LW_INHERIT ? 1 + c->p->stream : s->fd;

	if (fd < 0)
		return;
	if (fd != h->outfd) {
		out_flush(h);
		h->outfd = fd;
	}
	if (s->cfg.flags & LW_TIMESTAMPS) {
		out_add(h, h->stamp, strlen(h->stamp));
		out_add(h, " ", 1);
	}
	if (s->cfg.sink == LW_INHERIT) {
		out_add(h, s->cfg.name, strlen(s->cfg.name));
		out_add(h, " | ", 3);
	} else
		out_add(h, c->p->stream ? "err " : "out ", 4);
	out_add(h, line, len);
	out_add(h, "\n", 1);
	if (s->cfg.sink != LW_FILE)
		return;
	/* A flush between the two adds undercounts by what went before it:
	 * the size is what the file got, near enough for a limit. */
	s->size += (int64_t)(h->outlen > before ? h->outlen - before : len);
	if (s->cfg.max_size > 0 && s->size > s->cfg.max_size) {
		out_flush(h);
		sink_rotate(h, s);
		h->outfd = s->fd;
	}
}

/* --- sinks ----------------------------------------------------------- */

static struct sink *
sink_get(struct holder *h, const struct lw_msg *m)
{
	struct sink *s = strmap_get(&h->sinks, m->name);
	struct stat st;

	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return NULL;
		s->fd = -1;
		s->cfg = *m;
		if (strmap_put(&h->sinks, s->cfg.name, s) != 0) {
			free(s);
			return NULL;
		}
	}
	/* Settings change at a spawn (a reload): the newest win. */
	memcpy(&s->cfg, m, offsetof(struct lw_msg, name));
	if (m->sink != LW_FILE || s->fd >= 0)
		return s;
	s->fd = rundir_openat(&h->run, RUN_LOG, m->name, O_WRONLY | O_APPEND |
	    O_CREAT, 0600);
	if (s->fd < 0) {
		log_warn("cannot open %s/log/%s.log: %s%s; its lines are lost",
		    h->run.path, m->name, strerror(errno), errno == ELOOP ?
		    " (a symbolic link: not followed)" : "");
		return s;
	}
	s->size = fstat(s->fd, &st) == 0 ? st.st_size : 0;
	if (m->chown)
		(void)!fchown(s->fd, m->uid, m->gid);
	if (m->max_size > 0 && s->size > m->max_size)
		sink_rotate(h, s);
	return s;
}

static void
sink_put(struct sink *s)
{
	if (--s->refs == 0 && s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
}

/* --- pipes ----------------------------------------------------------- */

static void
stamp_now(struct holder *h)
{
	h->now_real_ms = clk_real_ms();
	clk_iso8601(h->now_real_ms, h->stamp);
}

static void
timer_arm(struct holder *h, int64_t at_ns)
{
	struct itimerspec its = {{0, 0}, {at_ns / 1000000000,
	    at_ns % 1000000000}};

	timerfd_settime(h->timer, TFD_TIMER_ABSTIME, &its, NULL);
	h->timer_armed = at_ns != 0;
}

static void
pipe_add(struct holder *h, int fd, int stream, struct sink *s,
    uint64_t spawn_id)
{
	struct hpipe *p = calloc(1, sizeof(*p));
	struct epoll_event ev = {.events = EPOLLIN};

	if (p != NULL && h->npipes == h->cap) {
		int cap = h->cap ? 2 * h->cap : 64;
		struct hpipe **v = realloc(h->pipes, (size_t)cap * sizeof(*v));
		if (v == NULL) {
			free(p);
			p = NULL;
		} else {
			h->pipes = v;
			h->cap = cap;
		}
	}
	ev.data.ptr = p;
	if (p == NULL || (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) ||
	    epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		log_error("cannot hold a pipe of %s: %s", s->cfg.name,
		    strerror(errno));
		free(p);
		close(fd); /* supd keeps its own end: it hands it again */
		return;
	}
	*p = (struct hpipe){.fd = fd, .stream = (uint8_t)stream,
	    .spawn_id = spawn_id, .sink = s, .index = h->npipes};
	s->refs++;
	h->pipes[h->npipes++] = p;
}

static void
pipe_close(struct holder *h, struct hpipe *p)
{
	struct emit_ctx c = {h, p};

	stamp_now(h);
	logline_flush(&p->part, line_emit, &c);
	out_flush(h);
	logline_part_fini(&p->part);
	/* supd's copy keeps the pipe open: closing ours alone would leave
	 * it in the epoll set, pointing at p. */
	epoll_ctl(h->ep, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	sink_put(p->sink);
	h->pipes[p->index] = h->pipes[--h->npipes];
	h->pipes[p->index]->index = p->index;
	free(p);
}

static void
pipe_read(struct holder *h, struct hpipe *p)
{
	static char buf[64 * 1024];
	struct emit_ctx c = {h, p};
	ssize_t n;

	/* A few reads at a time: one busy child does not starve the rest. */
	for (int i = 0; i < 4; i++) {
		n = read(p->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			pipe_close(h, p);
			return;
		}
		stamp_now(h);
		logline_split(&p->part, buf, (size_t)n, clk_mono_ns(),
		    line_emit, &c);
		if ((size_t)n < sizeof(buf))
			break;
	}
	out_flush(h);
	if (p->part.len > 0 && !h->timer_armed)
		timer_arm(h, p->part.since_ns + HOLDER_PARTIAL_MS *
		    CLK_NS_PER_MS);
}

/* Partial lines that waited their time go out as lines; the timer is
 * set for the next one, or disarmed. */
static void
partials_run(struct holder *h)
{
	int64_t now = clk_mono_ns(), next = 0;
	uint64_t ticks;

	(void)!read(h->timer, &ticks, sizeof(ticks));
	stamp_now(h);
	for (int i = 0; i < h->npipes; i++) {
		struct hpipe *p = h->pipes[i];
		struct emit_ctx c = {h, p};
		int64_t due = p->part.since_ns + HOLDER_PARTIAL_MS *
		    CLK_NS_PER_MS;
		if (p->part.len == 0)
			continue;
		if (due <= now) {
			logline_flush(&p->part, line_emit, &c);
			out_flush(h);
		} else if (next == 0 || due < next)
			next = due;
	}
	timer_arm(h, next);
}

/* --- the connection to supd ------------------------------------------ */

/* Sends, waiting a while for room: a supd that connected reads. */
static bool
send_wait(int sock, const struct lw_msg *m, const int *fds, int nfd)
{
	struct pollfd pf = {sock, POLLOUT, 0};
	sup_err e;

	while ((e = lw_send(sock, m, fds, nfd)) == (SUP_ESYS | EAGAIN))
		if (poll(&pf, 1, SEND_WAIT_MS) <= 0)
			return false;
	return e == SUP_OK;
}

static void
conn_drop(struct holder *h)
{
	epoll_ctl(h->ep, EPOLL_CTL_DEL, h->conn, NULL);
	close(h->conn);
	h->conn = -1;
}

/* A new supd: every pipe held goes back to it, then LW_HELLO. */
static void
conn_hand_back(struct holder *h)
{
	struct lw_msg m;

	for (int i = 0; i < h->npipes; i++) {
		struct hpipe *p = h->pipes[i];
		m = p->sink->cfg;
		m.version = LW_VERSION;
		m.type = LW_HELD;
		m.stream = p->stream;
		m.spawn_id = p->spawn_id;
		if (!send_wait(h->conn, &m, &p->fd, 1)) {
			log_warn("supd does not take the pipes back: %s",
			    strerror(errno));
			conn_drop(h);
			return;
		}
	}
	memset(&m, 0, sizeof(m));
	m.version = LW_VERSION;
	m.type = LW_HELLO;
	if (!send_wait(h->conn, &m, NULL, 0))
		conn_drop(h);
}

static void
conn_accept(struct holder *h)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &tag_conn};
	int fd = accept4(h->lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	pid_t pid;

	if (fd < 0)
		return;
	/* One supd at a time, of our own uid. */
	if (h->conn >= 0 || !lw_peer_ours(fd, &pid) ||
	    epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		return;
	}
	h->conn = fd;
	conn_hand_back(h);
}

static void
conn_add(struct holder *h, const struct lw_msg *m, const int fds[2])
{
	struct sink *s = sink_get(h, m);

	for (int i = 0; i < 2; i++) {
		if (s == NULL)
			close(fds[i]);
		else
			pipe_add(h, fds[i], i, s, m->spawn_id);
	}
}

static void
conn_read(struct holder *h)
{
	struct lw_msg m;
	int fds[2], nfd;
	sup_err e;

	while ((e = lw_recv(h->conn, &m, fds, &nfd)) == SUP_OK ||
	    e == SUP_EPROTO) {
		if (e == SUP_OK && m.type == LW_OUTPUT) {
			out_flush(h); /* what was for the old ones */
			for (int i = 0; i < 2; i++) {
				dup2(fds[i], STDOUT_FILENO + i);
				close(fds[i]);
			}
			continue;
		}
		if (e == SUP_EPROTO || m.type != LW_ADD) {
			for (int i = 0; e == SUP_OK && i < nfd; i++)
				close(fds[i]);
			log_warn("a message from supd that is not one: "
			    "dropped");
			continue;
		}
		conn_add(h, &m, fds);
	}
	if (e != (SUP_ESYS | EAGAIN) && e != (SUP_ESYS | EINTR))
		conn_drop(h); /* supd is gone, or stopped: pipes go on */
}

/* --- the loop -------------------------------------------------------- */

static bool
holder_init(struct holder *h, const char *run)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct sigaction ign = {.sa_handler = SIG_IGN};

	/* A gone reader of stdout is EPIPE; a terminal's hangup or ^C is
	 * supd's business: the holder drains until its pipes end. */
	sigaction(SIGPIPE, &ign, NULL);
	sigaction(SIGHUP, &ign, NULL);
	sigaction(SIGINT, &ign, NULL);
	proc_nofile_raise(NULL);
	rundir_init(&h->run);
	snprintf(h->run.path, sizeof(h->run.path), "%s", run);
	h->run.fd[RUNDIR_LOG] = HOLDER_FD_LOGDIR;
	h->conn = fcntl(HOLDER_FD_CONN, F_GETFD) == 0 ? HOLDER_FD_CONN : -1;
	h->lsock = HOLDER_FD_LISTEN;
	if (listen(h->lsock, 8) != 0)
		return false;
	h->outfd = -1;
	for (int fd = HOLDER_FD_CONN; fd <= HOLDER_FD_LOGDIR; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (h->conn >= 0)
		fcntl(h->conn, F_SETFL, O_NONBLOCK);
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	h->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	h->out = malloc(OUT_BUF);
	if (h->ep < 0 || h->timer < 0 || h->out == NULL)
		return false;
	ev.data.ptr = &tag_timer;
	epoll_ctl(h->ep, EPOLL_CTL_ADD, h->timer, &ev);
	ev.data.ptr = &tag_listen;
	epoll_ctl(h->ep, EPOLL_CTL_ADD, h->lsock, &ev);
	ev.data.ptr = &tag_conn;
	return h->conn < 0 || epoll_ctl(h->ep, EPOLL_CTL_ADD, h->conn,
	    &ev) == 0;
}

int
holder_main(int argc, char **argv)
{
	static struct holder h;
	struct epoll_event ev[64];

	log_init("supd log holder", false);
	if (argc != 3 || !holder_init(&h, argv[2])) {
		log_error("cannot start: %s", argc != 3 ? "usage: supd "
		    "--log-holder RUN" : strerror(errno));
		return 1;
	}
	/* Done when no supd is there to add a pipe and every pipe ended. */
	while (h.conn >= 0 || h.npipes > 0) {
		int n = epoll_wait(h.ep, ev, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		for (int i = 0; i < n; i++) {
			void *t = ev[i].data.ptr;
			if (t == &tag_conn && h.conn >= 0)
				conn_read(&h);
			else if (t == &tag_listen)
				conn_accept(&h);
			else if (t == &tag_timer)
				partials_run(&h);
			else if (t != &tag_conn)
				pipe_read(&h, t);
		}
	}
	return 0;
}
