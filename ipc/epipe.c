/*
 * ipc/epipe.c — keeps nng 1.5.2's listeners listening (DESIGN.md section
 * 8; upstream #1518, fixed in nng 1.6).
 *
 * The bug: a peer that connects and closes before nng has sent its 8-byte
 * handshake makes that send fail with EPIPE, which nng 1.5.2 maps to
 * NNG_ECLOSED, the code that also means "this listener was closed". The
 * listener then stops accepting for good: every later peer completes its
 * handshake and is never heard (supd's control socket, its event stream,
 * a worker's endpoint). nng takes ECONNRESET, "the peer went away", as
 * what it is, and keeps accepting.
 *
 * So the cure is at the root, where nng sends: this sendmsg() replaces
 * libc's for the whole process (nng's references bind to the program's
 * own definition first) and reports a broken Unix stream connection as
 * ECONNRESET instead of EPIPE, for sends that ask for MSG_NOSIGNAL, as
 * nng's do. Both mean that the peer is gone; nothing else changes. No
 * healing is needed, and nothing polls.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipc.h"

static int
unix_stream(int fd)
{
	int domain = 0, type = 0;
	socklen_t len = sizeof(domain);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
		return 0;
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
		return 0;
	return domain == AF_UNIX && type == SOCK_STREAM;
}

__attribute__((visibility("default"))) ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t n = (ssize_t)syscall(SYS_sendmsg, fd, msg, flags);

	if (n < 0 && errno == EPIPE && (flags & MSG_NOSIGNAL) != 0 &&
	    unix_stream(fd))
		errno = ECONNRESET;
	return n;
}

/* Referenced by every listener's setup, so that a static link of libsup
 * takes this file (and its sendmsg) in. */
void
ipc_epipe_cure(void)
{
}
