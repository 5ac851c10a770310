/*
 * supervisor/logwire.c — the messages between supd and its log holder
 * (logwire.h): one packet each, descriptors attached, checked on receipt.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logwire.h"

sup_err
lw_send(int sock, const struct lw_msg *m, const int *fds, int nfd)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {(void *)m, sizeof(*m)};
	struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	if (nfd > 0) {
		memset(&u, 0, sizeof(u));
		h.msg_control = u.buf;
		h.msg_controllen = CMSG_SPACE((size_t)nfd * sizeof(int));
		c = CMSG_FIRSTHDR(&h);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfd * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfd * sizeof(int));
	}
	if (sendmsg(sock, &h, MSG_DONTWAIT | MSG_NOSIGNAL) == sizeof(*m))
		return SUP_OK;
	return SUP_ESYS | (errno ? errno : EIO);
}

/* The descriptors a packet carried, into fds (close-on-exec: asked). */
static int
fds_take(struct msghdr *h, int fds[2])
{
	int n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL;
	    c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int got[k > 0 ? k : 1];
		memcpy(got, CMSG_DATA(c), (size_t)k * sizeof(int));
		for (int i = 0; i < k; i++) {
			if (n < 2)
				fds[n++] = got[i];
			else
				close(got[i]);
		}
	}
	return n;
}

static bool
is_pipe(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* The descriptors a type carries. */
static int
fds_wanted(uint8_t type)
{
	return type == LW_ADD || type == LW_OUTPUT ? 2 : type == LW_HELD ? 1
									 : 0;
}

sup_err
lw_recv(int sock, struct lw_msg *m, int fds[2], int *nfd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {m, sizeof(*m)};
	struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	ssize_t got = recvmsg(sock, &h, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	bool ok = true;
	int n;

	if (got == 0)
		return SUP_ECLOSED;
	if (got < 0)
		return SUP_ESYS | errno;
	n = fds_take(&h, fds);
	if (got != sizeof(*m) || (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    m->version != LW_VERSION || n != fds_wanted(m->type) ||
	    memchr(m->name, '\0', sizeof(m->name)) == NULL || m->stream > 1 ||
	    m->sink > LW_INHERIT)
		ok = false;
	for (int i = 0; i < n && ok && m->type != LW_OUTPUT; i++)
		ok = is_pipe(fds[i]);
	if (!ok) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		return SUP_EPROTO;
	}
	*nfd = n;
	return SUP_OK;
}

bool
lw_peer_ours(int sock, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
	    cr.uid != geteuid())
		return false;
	*pid = cr.pid;
	return true;
}
