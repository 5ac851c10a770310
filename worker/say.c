/*
 * worker/say.c — what a worker says: lines on its stderr (its log, which
 * supd keeps), and the sd_notify datagrams supd reads from it (READY=1,
 * STATUS=, SUP_STATUS=). Nothing here waits or fails loudly: a worker
 * whose supd is gone goes on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/utf8.h"
#include "wrk.h"

void
wrk_log(sup_worker *w, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", w->name[0] ? w->name : "worker", msg);
}

void
wrk_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (path == NULL || strlen(path) >= sizeof(a.sun_path))
		return;
	strcpy(a.sun_path, path);
	if (a.sun_path[0] == '@')
		a.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	(void)!sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)));
	close(fd);
}

SUP_API void
sup_status_text_set(sup_worker *w, const char *text)
{
	char msg[320];

	utf8_clean(w->status_text, sizeof(w->status_text), text ? text : "");
	snprintf(msg, sizeof(msg), "STATUS=%s", w->status_text);
	wrk_notify(msg);
}
