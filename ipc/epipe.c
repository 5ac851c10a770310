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
 * So the cure is at the root, where nng sends: this sendmsg() comes
 * before libc's in the process (nng's references bind to the program's
 * own definition first), calls the next one (libc's, or a sanitizer's
 * interceptor: found with dlsym(RTLD_NEXT), so that cancellation and
 * interceptors work as before), and when a send with MSG_NOSIGNAL, as
 * nng's are, fails with EPIPE on a connection one of our own listeners
 * accepted (its local address is a path ipc_epipe_cure() registered),
 * reports ECONNRESET instead. Both mean that the peer is gone. Every
 * other send of the program is left exactly as it was. No healing is
 * needed, and nothing polls.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc.h"

typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sendmsg_fn next_sendmsg; /* libc's, or a sanitizer's before it */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char **paths;		/* owned: the paths our listeners bind */
static int npaths;

static void
next_find(void)
{
	next_sendmsg = (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
}

void
ipc_epipe_cure(const char *path)
{
	char **v, *p;

	pthread_mutex_lock(&mu);
	for (int i = 0; i < npaths; i++)
		if (strcmp(paths[i], path) == 0) {
			pthread_mutex_unlock(&mu);
			return;
		}
	if ((p = strdup(path)) != NULL &&
	    (v = realloc(paths, (size_t)(npaths + 1) * sizeof(*v))) != NULL) {
		paths = v;
		paths[npaths++] = p;
	} else {
		free(p);
	}
	pthread_mutex_unlock(&mu);
}

/* Whether fd is a connection one of our listeners accepted: its local
 * address is the listener's path. */
static bool
ours(int fd)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	bool found = false;

	if (getsockname(fd, (struct sockaddr *)&a, &len) != 0 ||
	    a.sun_family != AF_UNIX || len <= offsetof(struct sockaddr_un,
	    sun_path) || a.sun_path[0] == '\0')
		return false;
	a.sun_path[sizeof(a.sun_path) - 1] = '\0';
	pthread_mutex_lock(&mu);
	for (int i = 0; i < npaths && !found; i++)
		found = strcmp(paths[i], a.sun_path) == 0;
	pthread_mutex_unlock(&mu);
	return found;
}

__attribute__((visibility("default"))) ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t n;
	int e;

	pthread_once(&once, next_find);
	n = next_sendmsg != NULL ? next_sendmsg(fd, msg, flags) :
	    (ssize_t)syscall(SYS_sendmsg, fd, msg, flags);
	if (n >= 0 || errno != EPIPE || (flags & MSG_NOSIGNAL) == 0)
		return n;
	e = errno;
	errno = ours(fd) ? ECONNRESET : e;
	return n;
}
