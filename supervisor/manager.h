/*
 * supervisor/manager.h — supd's own service manager (systemd, or anything
 * that speaks sd_notify), told how supd is doing (manager.c).
 *
 * Not to be confused with notify.h, the socket supd's children tell supd
 * on. Here supd is the one that sends: READY=1, STATUS=, STOPPING=1,
 * RELOADING=1 and WATCHDOG=1, one datagram each, to the address in
 * NOTIFY_SOCKET. Without NOTIFY_SOCKET every call is a no-op. No call
 * blocks (the socket is non-blocking) and none fails: a datagram the
 * manager cannot take is dropped, and the first such failure is logged
 * at debug level.
 */
#ifndef SUPD_MANAGER_H
#define SUPD_MANAGER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#define MANAGER_STATUS_MAX 160

struct manager {
	int fd;			  /* -1: no manager to tell */
	struct sockaddr_un addr;  /* NOTIFY_SOCKET: a path or @abstract */
	socklen_t addrlen;
	int64_t watchdog_ns;	  /* WATCHDOG=1 every this; 0: never */
	int64_t watchdog_due_ns;  /* the next WATCHDOG=1, monotonic */
	bool stopping;		  /* STOPPING=1 was sent */
	bool send_failed;	  /* a send failed (logged once) */
	char status[MANAGER_STATUS_MAX]; /* the last STATUS= sent */
};

/*
 * Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the
 * environment and opens a datagram socket when there is a manager.
 * WATCHDOG_USEC counts only when WATCHDOG_PID is unset or is supd's own
 * pid; WATCHDOG=1 then goes every WATCHDOG_USEC / 2, first that long
 * after now_ns. The environment is left as it is (a re-exec of supd finds
 * it again; children never get these variables: child.c). An address
 * supd cannot use is logged as a warning, and there is no manager. Never
 * fails.
 */
void manager_open(struct manager *m, int64_t now_ns);
void manager_close(struct manager *m);

/* READY=1: the tree is up (the first start, or the end of a reload). */
void manager_ready(struct manager *m);
/* STATUS=text (one line), sent only when it differs from the last one. */
void manager_status(struct manager *m, const char *text);
/* STOPPING=1, once: supd began to stop the whole tree. */
void manager_stopping(struct manager *m);
/*
 * RELOADING=1 with MONOTONIC_USEC=<CLOCK_MONOTONIC in µs>, as
 * Type=notify-reload wants it; call manager_ready() once the reload is
 * over, whether it changed anything or not.
 */
void manager_reloading(struct manager *m);

/* When the next WATCHDOG=1 is due (monotonic ns), or 0: never. */
int64_t manager_watchdog_deadline(const struct manager *m);
/* Sends WATCHDOG=1 if it is due at now_ns, and plans the next one. */
void manager_watchdog(struct manager *m, int64_t now_ns);

#endif
