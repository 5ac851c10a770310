/*
 * t-epipe — a program linked with libsup sends on a Unix socket whose
 * peer has gone: it must see EPIPE, as without libsup (libsup's sendmsg
 * changes only connections of its own listeners: ipc/epipe.c).
 * Prints "EPIPE" or what it got instead.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sup/sup.h"

int
main(void)
{
	struct sup_where where;
	char byte = 'x';
	struct iovec iov = {&byte, 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	int sv[2];

	(void)sup_lookup("nobody-here", &where); /* libsup is linked in */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 1;
	close(sv[1]);
	if (sendmsg(sv[0], &m, MSG_NOSIGNAL) >= 0)
		return 1;
	printf("%s\n", errno == EPIPE ? "EPIPE" : strerror(errno));
	return 0;
}
