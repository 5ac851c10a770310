/*
 * supervisor/notify.c — the sd_notify protocol (ready = notify, and the
 * handshake slot of ready = sup).
 *
 * One datagram socket for all children, as systemd has. It lives in the
 * abstract namespace, so that children running as another user (user =
 * ...) can reach it through a 0700 run dir, under a random name (nobody
 * can take it first) kept in RUN/notify.addr, so that a supd started again
 * on the same run dir listens where adopted children still send. Anyone may send to an abstract socket, so
 * the kernel's SCM_CREDENTIALS decide: a datagram counts only when its
 * sender is a child's main process or a member of the child's process
 * group (a helper the child forked, like systemd's NotifyAccess=all within
 * the unit). Others are dropped and counted.
 *
 * Understood: READY=1, STATUS=..., STOPPING=1, WATCHDOG=1, WATCHDOG=trigger,
 * WATCHDOG_USEC= (watchdog.c), and for libsup workers
 * SUP_STATUS=initializing|ready|degraded|ignored. Other keys are ignored, as
 * systemd ignores keys it does not know.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/utf8.h"
#include "effects.h"
#include "notify.h"
#include "sdnotify.h"
#include "supd.h"
#include "tree.h"
#include "watchdog.h"

/* A name nobody can guess (and squat before us): 64 random bits. */
static void
addr_new(char *buf, size_t n)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint64_t)clk_mono_ns() ^ (uint64_t)getpid() << 40;
	snprintf(buf, n, "@sup-notify/%016llx", (unsigned long long)r);
}

/* The name of the previous supd on this run dir, for adopted children. */
static bool
addr_previous(struct supd *d, char *buf, size_t n)
{
	int fd = rundir_openat(&d->run, RUN_NOTIFY_ADDR, NULL, O_RDONLY, 0);
	ssize_t len;

	if (fd < 0)
		return false;
	len = read(fd, buf, n - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* "@sup-notify/" and 16 hex digits, as addr_new() makes them. */
	return strncmp(buf, "@sup-notify/", 12) == 0 && strlen(buf) == 28 &&
	    strspn(buf + 12, "0123456789abcdef") == 16;
}

/* Written aside, then renamed: a reader never sees half a name. 0600
 * whatever the umask: the name is what lets a process talk to supd. */
static void
addr_save(struct supd *d)
{
	int dir = rundir_fd(&d->run, RUNDIR_TOP), fd;
	char line[sizeof(d->notify_addr) + 1], name[32], tmp[40];
	int len = snprintf(line, sizeof(line), "%s\n", d->notify_addr);
	bool ok;

	rundir_name(RUN_NOTIFY_ADDR, NULL, name, sizeof(name));
	snprintf(tmp, sizeof(tmp), "%s.new", name);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	ok = fchmod(fd, 0600) == 0 && write(fd, line, (size_t)len) == len;
	if (close(fd) == 0 && ok)
		renameat(dir, tmp, dir, name);
	else
		unlinkat(dir, tmp, 0);
}

static int
addr_bind(int fd, const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len = strlen(name);

	if (len >= sizeof(a.sun_path))
		return -1;
	/* '@' stands for the leading NUL of an abstract address. */
	memcpy(a.sun_path + 1, name + 1, len - 1);
	return bind(fd, (struct sockaddr *)&a,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
}

sup_err
notify_open(struct supd *d)
{
	int fd, one = 1;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return SUP_ESYS | errno;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0)
		goto fail;
	/* The previous supd's name first: adopted children still send there.
	 * If someone holds it, a new random name (adopted children then lose
	 * their STATUS lines, nothing else). */
	if (!addr_previous(d, d->notify_addr, sizeof(d->notify_addr)) ||
	    addr_bind(fd, d->notify_addr) != 0) {
		addr_new(d->notify_addr, sizeof(d->notify_addr));
		if (addr_bind(fd, d->notify_addr) != 0)
			goto fail;
	}
	addr_save(d);
	d->notifyfd = fd;
	return SUP_OK;
fail:
	{
		int e = errno;
		close(fd);
		return SUP_ESYS | e;
	}
}

/* The child a sender speaks for: its main pid, or its process group. */
static struct supd_node *
sender_node(struct supd *d, pid_t pid)
{
	struct supd_node *n = tree_by_pid(d, pid);
	pid_t pg;

	if (n != NULL)
		return n;
	pg = getpgid(pid);
	return pg > 0 ? tree_by_pid(d, pg) : NULL;
}

static void
datagram_apply(struct supd *d, struct supd_node *n, const struct sdn_msg *m)
{
	if (m->has_status) {
		free(n->status_text); /* NULL out of memory: no status */
		n->status_text = strndup(m->status, STATUS_TEXT_MAX);
	}
	if (m->sup_status[0] != '\0')
		snprintf(n->sup_status, sizeof(n->sup_status), "%s",
		    m->sup_status);
	watchdog_notify(d, n, m);
	if (m->stopping)
		LOG_EV("child.stopping", log_str("name", n->name),
		    log_num("pid", (int)n->pid));
	if (m->ready && n->state == NS_STARTING && n->w->ready != READY_NONE &&
	    n->exec_errno == 0) {
		LOG_EV("child.ready", log_str("name", n->name),
		    log_num("pid", (int)n->pid));
		effects_event(d, EV_READY, n);
	}
}

void
notify_read(struct supd *d)
{
	char buf[SDN_MAX + 1];
	struct sdn_msg msg;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;

	for (;;) {
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = &ctl, .msg_controllen = sizeof(ctl)};
		struct ucred *cred = NULL;
		struct supd_node *n;
		ssize_t len = recvmsg(d->notifyfd, &m, MSG_CMSG_CLOEXEC);

		if (len < 0)
			return; /* EAGAIN: drained */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL;
		    c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_CREDENTIALS)
				cred = (struct ucred *)CMSG_DATA(c);
		/* A datagram may carry fds (FDSTORE=1): we keep none. */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL;
		    c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_RIGHTS)
				for (int *fd = (int *)CMSG_DATA(c);
				    (char *)fd < (char *)c + c->cmsg_len; fd++)
					close(*fd);
		if (cred == NULL || (n = sender_node(d, cred->pid)) == NULL ||
		    n->w == NULL) {
			log_debug("notify: dropped a datagram from pid %d",
			    cred ? (int)cred->pid : -1);
			continue;
		}
		if (sdn_parse(buf, (size_t)len, &msg) != 0 ||
		    (m.msg_flags & MSG_TRUNC) != 0) {
			log_debug("notify: refused a datagram from %s (pid %d)",
			    n->name, (int)cred->pid);
			continue;
		}
		datagram_apply(d, n, &msg);
	}
}
