/*
 * supervisor/logholder.c — supd's side of the log holder (logholder.h):
 * start it, connect to one left running, hand it pipes, start it again
 * when it dies, let it go at an orderly exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/rundir.h"
#include "holder.h"
#include "logholder.h"
#include "logwire.h"
#include "spawn.h"
#include "supd.h"
#include "tree.h"
#include "watch.h"

#define CONNECT_WAIT_MS 5000
#define EXIT_WAIT_MS 5000
#define QUICK_DEATHS_MAX 5

void
logholder_init(struct supd *d)
{
	d->lh = (struct logholder){.pidfd = -1, .conn = -1};
}

bool
logholder_wants(const struct cfg_worker *w)
{
	return (w->out == OUT_LOG && w->log_timestamps) ||
	    (w->out == OUT_INHERIT && w->log_prefix);
}

/*
 * The children whose pipes go through the holder, and how many may: the
 * holder keeps three descriptors a child (two pipes, the file), supd two,
 * under the same RLIMIT_NOFILE. Past that, a child writes its file itself
 * (no stamps), said once, rather than a holder out of descriptors
 * dropping pipes that nobody would read.
 */
static int piped;
static bool over_said;

#define FD_RESERVE 512

static int
piped_max(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
		return INT_MAX;
	return r.rlim_cur > FD_RESERVE ? (int)((r.rlim_cur - FD_RESERVE) / 3)
				       : 0;
}

int
logholder_pipes(struct supd_node *n, int wr[2])
{
	int p[2][2], max = piped_max();

	if (n->logr[0] < 0 && n->logr[1] < 0 && piped >= max) {
		if (!over_said)
			log_warn("%d children write through the log holder, "
			    "as many as RLIMIT_NOFILE allows: %s and those "
			    "after it write their logs without timestamps",
			    piped, n->name);
		over_said = true;
		return -2;
	}
	over_said = false;
	if (pipe2(p[0], O_CLOEXEC) != 0)
		return -1;
	if (pipe2(p[1], O_CLOEXEC) != 0) {
		close(p[0][0]);
		close(p[0][1]);
		return -1;
	}
	logholder_forget(n);
	for (int i = 0; i < 2; i++) {
		n->logr[i] = p[i][0];
		wr[i] = p[i][1];
	}
	piped++;
	return 0;
}

void
logholder_forget(struct supd_node *n)
{
	if (n->logr[0] >= 0 || n->logr[1] >= 0)
		piped--;
	for (int i = 0; i < 2; i++)
		if (n->logr[i] >= 0) {
			close(n->logr[i]);
			n->logr[i] = -1;
		}
	n->log_sent = false;
}

/* What waits in the pipe fd, teed into a pipe of our own and read from
 * there: its last len bytes into buf. */
static ssize_t
pipe_peek(int fd, char *buf, size_t len)
{
	char chunk[4096];
	ssize_t got = 0, k;
	int p[2], unread = 0;

	if (ioctl(fd, FIONREAD, &unread) != 0 || unread <= 0 ||
	    pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return 0;
	if (tee(fd, p[1], (size_t)unread, SPLICE_F_NONBLOCK) > 0)
		while ((k = read(p[0], chunk, sizeof(chunk))) > 0) {
			size_t keep = (size_t)k > len ? len : (size_t)k;
			size_t old = (size_t)got + keep > len ? len - keep
							       : (size_t)got;
			memmove(buf, buf + (size_t)got - old, old);
			memcpy(buf + old, chunk + (size_t)k - keep, keep);
			got = (ssize_t)(old + keep);
		}
	close(p[0]);
	close(p[1]);
	return got;
}

ssize_t
logholder_peek(const struct supd_node *n, char *buf, size_t len)
{
	ssize_t got = 0;

	for (int i = 1; i >= 0 && got <= 0; i--)
		if (n->logr[i] >= 0)
			got = pipe_peek(n->logr[i], buf, len);
	return got;
}

/* The path of RUN/log.sock into sa; false when it does not fit. */
static bool
sock_addr(struct supd *d, struct sockaddr_un *sa)
{
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	return rundir_path(d->cfg->run_dir, RUN_LOG_SOCK, NULL, sa->sun_path,
	    sizeof(sa->sun_path));
}

/* RUN/log.sock, made anew (0600) and bound: the holder listens on it
 * (the kernel gives a connecting supd the credentials of the process
 * that called listen(): the holder's pid is what SO_PEERCRED says). */
static int
sock_listen(struct supd *d)
{
	struct sockaddr_un sa;
	int fd, rc;
	mode_t old;

	if (!sock_addr(d, &sa)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	rundir_unlinkat(&d->run, RUN_LOG_SOCK, NULL);
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
link_watch(struct supd *d, pid_t pid, int conn)
{
	struct logholder *h = &d->lh;

	h->pid = pid;
	h->conn = conn;
	h->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (h->pidfd >= 0)
		watch_add(d, h->pidfd, SRC_HOLDER, 0);
	watch_add(d, conn, SRC_HOLDER, 1);
}

/* Starts `supd --log-holder RUN` with its descriptors (holder.h). */
static sup_err
holder_spawn(struct supd *d)
{
	extern char **environ;
	char *argv[] = {"supd", "--log-holder", d->cfg->run_dir, NULL};
	int sv[2], fds[3], err = 0, step;
	struct spawn_req r = {.path = d->exe, .argv = argv, .envp = environ,
	    .fd_in = d->devnullfd, .fd_out = -1, .fd_err = -1, .pid_fd = -1,
	    .reset = &d->reset_sigs, .nofile = &d->nofile, .listen = fds,
	    .nlisten = 3};
	sup_err e;
	pid_t pid;

	if (d->exe == NULL)
		return SUP_ESYS | ENOENT;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return SUP_ESYS | errno;
	fds[0] = sv[1];
	fds[1] = sock_listen(d);
	fds[2] = rundir_fd(&d->run, RUNDIR_LOG);
	if (fds[1] < 0 || fds[2] < 0) {
		e = SUP_ESYS | errno;
		goto fail;
	}
	e = spawn_run(&r, &pid, &err, &step);
	if (e == SUP_OK && err != 0)
		e = SUP_ESYS | err; /* it exits 127: reaped as any orphan */
	if (e != SUP_OK)
		goto fail;
	close(fds[1]);
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	link_watch(d, pid, sv[0]);
	d->lh.started_ns = clk_mono_ns();
	LOG_EV("log_holder.start", log_num("pid", (int)pid));
	return SUP_OK;
fail:
	if (fds[1] >= 0)
		close(fds[1]);
	close(sv[0]);
	close(sv[1]);
	return e;
}

static void
msg_fill(struct lw_msg *m, const struct supd_node *n)
{
	const struct cfg_worker *w = n->w;

	memset(m, 0, sizeof(*m));
	m->version = LW_VERSION;
	m->type = LW_ADD;
	m->sink = w->out == OUT_INHERIT ? LW_INHERIT : LW_FILE;
	m->flags = w->log_timestamps ? LW_TIMESTAMPS : 0;
	m->chown = w->has_user;
	m->uid = w->uid;
	m->gid = w->gid;
	m->keep = (uint16_t)w->log_keep;
	m->max_size = w->log_max_size;
	m->spawn_id = n->spawn_id;
	snprintf(m->name, sizeof(m->name), "%s", n->name);
}

/* Kills a holder that broke its side of the protocol; its pidfd says
 * when it is gone, and a new one is started then. */
static void
holder_drop(struct supd *d, const char *why)
{
	struct logholder *h = &d->lh;

	log_warn("log holder (pid %d): %s: starting another", (int)h->pid,
	    why);
	if (h->conn >= 0) {
		watch_del(d, h->conn);
		close(h->conn);
		h->conn = -1;
	}
	if (h->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
}

/* Sends n's pipes: true when sent, or when they must wait for room. */
static bool
send_node(struct supd *d, struct supd_node *n)
{
	struct lw_msg m;
	sup_err e;

	msg_fill(&m, n);
	e = lw_send(d->lh.conn, &m, n->logr, 2);
	if (e == SUP_OK) {
		n->log_sent = true;
		return true;
	}
	if (e == (SUP_ESYS | EAGAIN) || e == (SUP_ESYS | ENOBUFS)) {
		if (!d->lh.pending)
			watch_out(d, d->lh.conn, SRC_HOLDER, 1, true);
		d->lh.pending = true;
		return false;
	}
	holder_drop(d, sup_strerror(e));
	return false;
}

/* Every pipe the holder does not have yet, in tree order. */
static void
send_all(struct supd *d)
{
	if (d->lh.pending)
		watch_out(d, d->lh.conn, SRC_HOLDER, 1, false);
	d->lh.pending = false;
	for (int i = 0; i < d->nnodes && d->lh.conn >= 0; i++) {
		struct supd_node *n = d->nodes[i];
		if (n->logr[0] >= 0 && !n->log_sent && !send_node(d, n))
			return;
	}
}

enum holder_there { HOLDER_NONE, HOLDER_THERE, HOLDER_NEW };

/* A holder to talk to: the one there, or a new one. */
static enum holder_there
holder_ensure(struct supd *d)
{
	sup_err e;

	if (d->lh.conn >= 0)
		return HOLDER_THERE;
	if (d->lh.pid > 0)
		return HOLDER_NONE; /* dropped, not gone: its pidfd will say */
	if (d->lh.quick_deaths >= QUICK_DEATHS_MAX)
		return HOLDER_NONE;
	if ((e = holder_spawn(d)) != SUP_OK) {
		log_error("cannot start the log holder: %s; children's "
		    "output waits in their pipes", sup_strerror(e));
		return HOLDER_NONE;
	}
	return HOLDER_NEW;
}

void
logholder_give(struct supd *d, struct supd_node *n)
{
	enum holder_there there;

	if (n->logr[0] < 0)
		return;
	/* A holder that kept dying gets one more try at each spawn. */
	if (d->lh.quick_deaths >= QUICK_DEATHS_MAX)
		d->lh.quick_deaths = QUICK_DEATHS_MAX - 1;
	there = holder_ensure(d);
	if (there == HOLDER_NEW)
		send_all(d);
	else if (there == HOLDER_THERE && !d->lh.pending)
		send_node(d, n); /* else it goes after those waiting */
}

/* The holder is gone: every pipe goes to a new one. */
static void
holder_gone(struct supd *d)
{
	struct logholder *h = &d->lh;
	bool quick = clk_mono_ns() - h->started_ns < CLK_NS_PER_MS * 1000;

	LOG_EV("log_holder.exit", log_num("pid", (int)h->pid));
	watch_del(d, h->pidfd);
	close(h->pidfd);
	if (h->conn >= 0) {
		watch_del(d, h->conn);
		close(h->conn);
	}
	*h = (struct logholder){.pidfd = -1, .conn = -1,
	    .quick_deaths = quick ? h->quick_deaths + 1 : 0,
	    .restarts = h->restarts};
	if (h->quick_deaths >= QUICK_DEATHS_MAX)
		log_error("the log holder died %d times in a row within a "
		    "second of its start: not started again until the next "
		    "spawn of a child", QUICK_DEATHS_MAX);
	for (int i = 0; i < d->nnodes; i++)
		d->nodes[i]->log_sent = false;
	for (int i = 0; i < d->nnodes; i++)
		if (d->nodes[i]->logr[0] >= 0) {
			if (holder_ensure(d) == HOLDER_NEW) {
				h->restarts++;
				send_all(d);
			}
			return;
		}
}

void
logholder_event(struct supd *d, int index)
{
	struct lw_msg m;
	int fds[2], nfd;
	sup_err e;

	if (index == 0) {
		if (d->lh.pidfd >= 0)
			holder_gone(d);
		return;
	}
	if (d->lh.conn < 0)
		return;
	e = lw_recv(d->lh.conn, &m, fds, &nfd);
	if (e == SUP_OK) {
		for (int i = 0; i < nfd; i++)
			close(fds[i]);
		holder_drop(d, "a message out of turn");
	} else if (e != (SUP_ESYS | EAGAIN))
		holder_drop(d, e == SUP_ECLOSED ? "it closed its connection"
		    : sup_strerror(e));
	if (d->lh.conn >= 0 && d->lh.pending)
		send_all(d);
}

bool
logholder_reaped(struct supd *d, pid_t pid)
{
	return pid > 0 && pid == d->lh.pid;
}

/* A pipe handed back: n's again if it is n's current spawn. */
static void
held_take(struct supd *d, const struct lw_msg *m, int fd)
{
	struct supd_node *n = tree_find(d, m->name);

	if (n == NULL || n->w == NULL || n->pid <= 0 ||
	    n->spawn_id != m->spawn_id || n->logr[m->stream] >= 0) {
		close(fd); /* the holder drains it to its end */
		return;
	}
	if (n->logr[0] < 0 && n->logr[1] < 0)
		piped++;
	n->logr[m->stream] = fd;
	n->log_sent = true;
}

/* Reads the hand-back until LW_HELLO; false when it does not come. */
static bool
held_read(struct supd *d, int fd)
{
	int64_t end = clk_mono_ns() + CONNECT_WAIT_MS * CLK_NS_PER_MS;
	struct pollfd pf = {fd, POLLIN, 0};
	struct lw_msg m;
	int fds[2], nfd;
	sup_err e;

	for (;;) {
		e = lw_recv(fd, &m, fds, &nfd);
		if (e == (SUP_ESYS | EAGAIN) || e == (SUP_ESYS | EINTR)) {
			int64_t left = (end - clk_mono_ns()) / CLK_NS_PER_MS;
			if (left <= 0 || poll(&pf, 1, (int)left) < 0)
				return false;
			continue;
		}
		if (e != SUP_OK)
			return false;
		if (m.type == LW_HELLO)
			return true;
		if (m.type == LW_HELD)
			held_take(d, &m, fds[0]);
		else
			for (int i = 0; i < nfd; i++)
				close(fds[i]);
	}
}

void
logholder_output(struct supd *d)
{
	struct lw_msg m = {.version = LW_VERSION, .type = LW_OUTPUT};
	int fds[2] = {STDOUT_FILENO, STDERR_FILENO};

	if (d->lh.conn >= 0)
		(void)lw_send(d->lh.conn, &m, fds, 2);
}

void
logholder_connect(struct supd *d)
{
	struct sockaddr_un sa;
	int fd, kept = 0;
	pid_t pid;

	if (!sock_addr(d, &sa) || (fd = socket(AF_UNIX, SOCK_SEQPACKET |
	    SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return;
	/* Connecting to a listening unix socket does not wait. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    !lw_peer_ours(fd, &pid) || pid <= 1 || !held_read(d, fd)) {
		close(fd);
		return;
	}
	link_watch(d, pid, fd);
	logholder_output(d); /* ours, not those of the supd it knew */
	for (int i = 0; i < d->nnodes; i++)
		kept += d->nodes[i]->logr[0] >= 0 || d->nodes[i]->logr[1] >= 0;
	LOG_EV("log_holder.adopt", log_num("pid", (int)pid),
	    log_num("children", kept));
}

void
logholder_close(struct supd *d)
{
	struct logholder *h = &d->lh;
	struct pollfd pf = {h->pidfd, POLLIN, 0};

	for (int i = 0; i < d->nnodes; i++)
		logholder_forget(d->nodes[i]);
	if (h->conn >= 0)
		close(h->conn);
	if (h->pidfd >= 0 && poll(&pf, 1, EXIT_WAIT_MS) == 0)
		log_warn("log holder (pid %d) still drains a pipe %d s after "
		    "the last child: a process the tree did not stop holds "
		    "it", (int)h->pid, EXIT_WAIT_MS / 1000);
	if (h->pidfd >= 0)
		close(h->pidfd);
	*h = (struct logholder){.pidfd = -1, .conn = -1};
}
