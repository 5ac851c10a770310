/*
 * supervisor/notify.c — the sd_notify protocol (ready = notify, and the
 * handshake slot of ready = sup).
 *
 * One datagram socket for all children, as systemd has. It lives in the
 * abstract namespace, named after the run dir's device and inode, so that
 * children running as another user (user = ...) can reach it through a
 * 0700 run dir and a supd started again on the same run dir listens where
 * adopted children still send. Anyone may send to an abstract socket, so
 * the kernel's SCM_CREDENTIALS decide: a datagram counts only when its
 * sender is a child's main process or a member of the child's process
 * group (a helper the child forked, like systemd's NotifyAccess=all within
 * the unit). Others are dropped and counted.
 *
 * Understood: READY=1, STATUS=..., STOPPING=1, and for libsup workers
 * SUP_STATUS=initializing|ready|degraded. Other keys are ignored, as
 * systemd ignores keys it does not know.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "supd.h"

sup_err
notify_open(struct supd *d)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct stat st;
	socklen_t len;
	int fd, one = 1;

	if (stat(d->cfg->run_dir, &st) != 0)
		return SUP_ESYS | errno;
	snprintf(d->notify_addr, sizeof(d->notify_addr),
	    "@sup-notify/%llx/%llx", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	/* '@' stands for the leading NUL of an abstract address. */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(d->notify_addr));
	memcpy(a.sun_path + 1, d->notify_addr + 1, strlen(d->notify_addr) - 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return SUP_ESYS | errno;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, len) != 0) {
		int e = errno;
		close(fd);
		return SUP_ESYS | e;
	}
	d->notifyfd = fd;
	return SUP_OK;
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
line_apply(struct supd *d, struct supd_node *n, const char *line)
{
	if (strcmp(line, "READY=1") == 0) {
		if (n->state == NS_STARTING && n->w->ready != READY_NONE &&
		    n->exec_errno == 0) {
			log_event("child.ready", "name=%s pid=%d", n->name,
			    (int)n->pid);
			engine_ready(d, n);
		}
	} else if (strncmp(line, "STATUS=", 7) == 0) {
		snprintf(n->status_text, sizeof(n->status_text), "%s", line + 7);
	} else if (strcmp(line, "STOPPING=1") == 0) {
		log_event("child.stopping", "name=%s pid=%d", n->name,
		    (int)n->pid);
	} else if (strncmp(line, "SUP_STATUS=", 11) == 0) {
		const char *v = line + 11;
		if (strcmp(v, "initializing") == 0 || strcmp(v, "ready") == 0 ||
		    strcmp(v, "degraded") == 0)
			snprintf(n->sup_status, sizeof(n->sup_status), "%s", v);
	}
}

static void
datagram_apply(struct supd *d, struct supd_node *n, char *buf)
{
	char *save = NULL;

	for (char *l = strtok_r(buf, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save))
		line_apply(d, n, l);
}

void
notify_read(struct supd *d)
{
	char buf[4096];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;

	for (;;) {
		struct iovec iov = {buf, sizeof(buf) - 1};
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
		buf[len] = '\0';
		datagram_apply(d, n, buf);
	}
}
