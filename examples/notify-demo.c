/*
 * notify-demo — a service that takes a while to load and says when it is
 * ready, with the sd_notify protocol (what systemd's Type=notify expects;
 * in sup.conf: ready = notify). supd starts the next sibling only after
 * READY=1 arrives.
 *
 *   notify-demo [--load-ms=MS]
 *
 * SIGHUP reloads, as a database does: it says RELOADING=1, then READY=1
 * with its new status, and keeps running (supctl signal db HUP).
 *
 * sd_notify is one datagram to the socket named by $NOTIFY_SOCKET ('@'
 * means an abstract address). A program linked with libsystemd can call
 * sd_notify() instead; this one shows there is nothing more to it.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd, rc;

	if (path == NULL || strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	if (a.sun_path[0] == '@')
		a.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	rc = (int)sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, len);
	close(fd);
	return rc < 0 ? -1 : 0;
}

static volatile sig_atomic_t stop, reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		stop = 1;
}

int
main(int argc, char **argv)
{
	long load_ms = 1000;
	struct timespec ts;

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--load-ms=", 10) == 0)
			load_ms = atol(argv[i] + 10);
	struct sigaction sa = {.sa_handler = on_signal};
	int reloads = 0;
	char msg[64];

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	notify("STATUS=loading data");
	printf("notify-demo: loading for %ld ms\n", load_ms);
	ts.tv_sec = load_ms / 1000;
	ts.tv_nsec = (load_ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
	if (notify("READY=1\nSTATUS=serving") != 0)
		fprintf(stderr, "notify-demo: no NOTIFY_SOCKET (ready = notify "
		    "in sup.conf sets it)\n");
	printf("notify-demo: ready\n");
	while (!stop) {
		pause();
		if (reload && !stop) {
			reload = 0;
			notify("RELOADING=1");
			printf("notify-demo: reloading (SIGHUP)\n");
			reloads++;
			snprintf(msg, sizeof(msg), "READY=1\nSTATUS=serving, "
			    "reloaded %d time%s", reloads, reloads > 1 ? "s" :
			    "");
			notify(msg);
		}
	}
	notify("STOPPING=1");
	printf("notify-demo: stopping\n");
	return 0;
}
