/*
 * worker/say.c — what a worker says: lines on its stderr (its log, which
 * supd keeps), and the sd_notify datagrams supd reads from it (READY=1,
 * STATUS=, SUP_STATUS=, WATCHDOG=1). Nothing here waits or fails loudly:
 * a worker whose supd is gone goes on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

void
wrk_watchdog_start(sup_worker *w)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv(
	    "WATCHDOG_PID");
	unsigned long long v, p;
	char *end;

	w->wd_ns = w->wd_due_ns = 0;
	if (usec == NULL || *usec == '\0')
		return;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > INT64_MAX / 1000)
		return;
	/* Meant for another process (one that exec'd us): not ours. */
	if (pid != NULL && *pid != '\0') {
		p = strtoull(pid, &end, 10);
		if (*end != '\0' || p != (unsigned long long)getpid())
			return;
	}
	/* Half the interval, as sd_watchdog_enabled(3) advises. */
	w->wd_ns = (int64_t)v * 1000 / 2;
	if (w->wd_ns == 0)
		w->wd_ns = 1;
	w->wd_due_ns = wrk_now_ns() + w->wd_ns;
}

void
wrk_watchdog_feed(sup_worker *w, int64_t now)
{
	if (w->wd_ns == 0 || w->wd_due_ns > now)
		return;
	wrk_notify("WATCHDOG=1");
	w->wd_due_ns = now + w->wd_ns;
}
