/*
 * supervisor/manager.c — sd_notify, supd's side of it toward its own
 * service manager (manager.h). Written here rather than taken from
 * libsystemd: it is one sendto() of KEY=VALUE lines to the address in
 * NOTIFY_SOCKET, and supd needs nothing else of libsystemd.
 *
 * Invariants:
 *  - No wake-up of its own: the loop asks manager_watchdog_deadline() when
 *    it arms its one timerfd, so with no WATCHDOG_USEC (or one meant for
 *    another pid) an idle supd still makes no wake-up at all.
 *  - STATUS= goes only when its text changed: as often as the tree
 *    changes, never on a clock.
 *  - Nothing here may stop supd: a send that fails is dropped (the
 *    manager may be restarting, its queue may be full); the first failure
 *    is logged at debug level, the next ones are not.
 *
 * Sections: the address; sending; the messages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "manager.h"

/* --- the address -------------------------------------------------------- */

/* NOTIFY_SOCKET as systemd sets it: an absolute path, or '@' for the
 * abstract namespace. Anything else (a vsock: address, a relative path,
 * one too long) is refused. */
static bool
addr_parse(struct manager *m, const char *s)
{
	size_t len = strlen(s);

	memset(&m->addr, 0, sizeof(m->addr));
	m->addr.sun_family = AF_UNIX;
	if ((s[0] != '/' && s[0] != '@') || len < 2 ||
	    len >= sizeof(m->addr.sun_path))
		return false;
	memcpy(m->addr.sun_path, s, len);
	if (s[0] == '@') {
		/* The leading NUL names the abstract namespace; the name's
		 * length is the address length, no NUL at the end. */
		m->addr.sun_path[0] = '\0';
		m->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path)
		    + len);
	} else
		m->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path)
		    + len + 1);
	return true;
}

/* WATCHDOG_USEC, when it is meant for this process: the interval between
 * two WATCHDOG=1 (half of it, as sd_watchdog_enabled(3) advises), in ns. */
static int64_t
watchdog_interval(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v, p;

	if (usec == NULL || *usec == '\0')
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > INT64_MAX / 1000)
		return 0;
	if (pid != NULL && *pid != '\0') {
		p = strtoull(pid, &end, 10);
		if (*end != '\0' || p != (unsigned long long)getpid())
			return 0;
	}
	return (int64_t)v * 1000 / 2;
}

void
manager_open(struct manager *m, int64_t now_ns)
{
	const char *s = getenv("NOTIFY_SOCKET");

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (s == NULL || *s == '\0')
		return;
	if (!addr_parse(m, s)) {
		log_warn("NOTIFY_SOCKET=%s: not an address supd can send to "
		    "(an absolute path or @name); not notifying", s);
		return;
	}
	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->fd < 0) {
		log_warn("cannot notify the service manager: socket: %s",
		    strerror(errno));
		return;
	}
	if ((m->watchdog_ns = watchdog_interval()) > 0)
		m->watchdog_due_ns = now_ns + m->watchdog_ns;
}

void
manager_close(struct manager *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->watchdog_ns = 0;
}

/* --- sending ------------------------------------------------------------ */

static void
send_text(struct manager *m, const char *text)
{
	ssize_t n;

	if (m->fd < 0)
		return;
	do
		n = sendto(m->fd, text, strlen(text), MSG_NOSIGNAL,
		    (const struct sockaddr *)&m->addr, m->addrlen);
	while (n < 0 && errno == EINTR);
	if (n < 0 && !m->send_failed) {
		m->send_failed = true;
		log_debug("cannot notify the service manager (%.*s...): %s; "
		    "not said again", (int)strcspn(text, "=\n"), text,
		    strerror(errno));
	}
}

/* --- the messages ------------------------------------------------------- */

void
manager_ready(struct manager *m)
{
	send_text(m, "READY=1");
}

void
manager_status(struct manager *m, const char *text)
{
	char msg[MANAGER_STATUS_MAX + 8];

	if (m->fd < 0 || strcmp(text, m->status) == 0)
		return;
	snprintf(m->status, sizeof(m->status), "%s", text);
	/* One line: a newline would start another assignment. */
	m->status[strcspn(m->status, "\n")] = '\0';
	snprintf(msg, sizeof(msg), "STATUS=%s", m->status);
	send_text(m, msg);
}

void
manager_stopping(struct manager *m)
{
	if (m->stopping)
		return;
	m->stopping = true;
	send_text(m, "STOPPING=1");
}

void
manager_reloading(struct manager *m)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRId64,
	    clk_mono_ns() / 1000);
	send_text(m, msg);
}

int64_t
manager_watchdog_deadline(const struct manager *m)
{
	return m->fd >= 0 && m->watchdog_ns > 0 ? m->watchdog_due_ns : 0;
}

void
manager_watchdog(struct manager *m, int64_t now_ns)
{
	if (manager_watchdog_deadline(m) == 0 || now_ns < m->watchdog_due_ns)
		return;
	send_text(m, "WATCHDOG=1");
	/* From now, not from when it was due: a loop that was late does
	 * not then send a burst to catch up. */
	m->watchdog_due_ns = now_ns + m->watchdog_ns;
}
