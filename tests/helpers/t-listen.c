/*
 * t-listen — a server that takes its listening sockets from supd as a
 * systemd socket-activated program does (sd_listen_fds(3)'s protocol,
 * written out: LISTEN_PID must be our pid, LISTEN_FDS sockets from fd 3,
 * LISTEN_FDNAMES their names), and answers each connection with one line:
 *
 *   pid=PID fds=N names=NAMES fd=FD
 *
 * (FD: the socket it came in on), then closes it. SIGTERM is taken only
 * between connections: one in flight is answered first, then it exits 0,
 * leaving what waits in the backlog to the next process.
 *
 *   t-listen [--ready-after MS] [--work MS] [--fail-if FILE]
 *
 * --ready-after: READY=1 to NOTIFY_SOCKET (when set) MS after the start
 * (it accepts nothing before); --work: each answer takes MS; --fail-if:
 * exits 1 at once when FILE exists. Exits 3 when the environment is
 * wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t term;

static void
on_term(int sig)
{
	(void)sig;
	term = 1;
}

static void
ms_sleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
notify(const char *msg)
{
	const char *addr = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (addr == NULL || addr[0] == '\0' || strlen(addr) >=
	    sizeof(a.sun_path))
		return;
	memcpy(a.sun_path, addr, strlen(addr));
	if (a.sun_path[0] == '@')
		a.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(addr));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	(void)!sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, len);
	close(fd);
}

static void
serve(int lfd, const char *fds, const char *names, long work)
{
	char line[512];
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), n;

	if (c < 0)
		return; /* EAGAIN: a sibling took it */
	if (work > 0)
		ms_sleep(work);
	n = snprintf(line, sizeof(line), "pid=%d fds=%s names=%s fd=%d\n",
	    (int)getpid(), fds, names, lfd);
	(void)!write(c, line, (size_t)n);
	close(c);
}

int
main(int argc, char **argv)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS"),
	    *names = getenv("LISTEN_FDNAMES");
	long ready_after = 0, work = 0;
	struct sigaction sa = {.sa_handler = on_term};
	struct pollfd p[16];
	sigset_t block, during;
	int n;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--ready-after") == 0)
			ready_after = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--work") == 0)
			work = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--fail-if") == 0 &&
		    access(argv[i + 1], F_OK) == 0)
			return 1;
	}
	if (pid == NULL || atol(pid) != (long)getpid() || fds == NULL ||
	    (n = atoi(fds)) < 1 || n > 16) {
		fprintf(stderr, "t-listen: LISTEN_PID=%s (we are %d), "
		    "LISTEN_FDS=%s: not for us\n", pid ? pid : "(none)",
		    (int)getpid(), fds ? fds : "(none)");
		return 3;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (fstat(3 + i, &st) != 0 || !S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "t-listen: fd %d is not a socket\n",
			    3 + i);
			return 3;
		}
		/* Shared with the siblings of a pool: a connection one of
		 * them took must not leave us blocked in accept. */
		fcntl(3 + i, F_SETFL, fcntl(3 + i, F_GETFL) | O_NONBLOCK);
		p[i] = (struct pollfd){.fd = 3 + i, .events = POLLIN};
	}
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &during);
	sigdelset(&during, SIGTERM);
	if (ready_after > 0)
		ms_sleep(ready_after);
	notify("READY=1\nSTATUS=serving");
	/* SIGTERM is let in only while waiting: never mid-answer. */
	while (!term) {
		if (ppoll(p, (nfds_t)n, NULL, &during) < 0)
			continue;
		for (int i = 0; i < n; i++)
			if (p[i].revents & POLLIN)
				serve(p[i].fd, fds, names ? names : "", work);
	}
	return 0;
}
