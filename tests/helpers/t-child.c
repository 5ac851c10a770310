/*
 * t-child — the process scenario tests supervise. Each option is one
 * behaviour, acted on in argv order where order matters.
 *
 *   --stamp=FILE        first thing: append "PID MONO_NS NAME" to FILE
 *   --env=FILE          write the environment, one variable per line
 *   --whoami=FILE       write "uid gid cwd umask" (umask in octal)
 *   --grandchild=FILE   fork a grandchild that sleeps; write its pid
 *   --daemon=FILE       daemonize a grandchild as daemons do (fork, setsid,
 *                       fork, the middle one exits): out of the process
 *                       group, an orphan; it writes its pid, then waits
 *                       for a signal
 *   --ignore-term       ignore SIGTERM (only SIGKILL stops it)
 *   --term-exit=N       on SIGTERM exit with status N
 *   --ready-after=MS    send READY=1 on $NOTIFY_SOCKET after MS
 *   --ready-on-usr1     send READY=1 on $NOTIFY_SOCKET once SIGUSR1 came
 *   --status=TEXT       send STATUS=TEXT on $NOTIFY_SOCKET first
 *   --exit-after=MS     exit after MS (or a random MS in MIN-MAX) ...
 *   --code=N            ... with status N (default 0)
 *   --kill-self=SIG     ... or by signal SIG instead
 *   --print=TEXT        print TEXT and a newline on stdout
 *   --status-garbage    send a 400-byte STATUS= that is not UTF-8
 * Then it waits for a signal.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int term_code = -1;
static volatile sig_atomic_t usr1_seen;

static void
on_usr1(int sig)
{
	(void)sig;
	usr1_seen = 1;
}

static void
on_term(int sig)
{
	(void)sig;
	_exit(term_code);
}

static long long
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static void
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (path == NULL || strlen(path) >= sizeof(a.sun_path))
		return;
	strcpy(a.sun_path, path);
	if (a.sun_path[0] == '@')
		a.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)));
	close(fd);
}

static void
write_file(const char *path, const char *mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* fmt into f; false when it did not all reach the file. */
static bool
put(FILE *f, const char *fmt, va_list ap)
{
	bool ok = vfprintf(f, fmt, ap) >= 0;

	return fclose(f) == 0 && ok;
}

/* mode "w" writes the file whole, by a rename where the directory lets
 * us: a test that reads it never sees it empty or half written. */
static void
write_file(const char *path, const char *mode, const char *fmt, ...)
{
	char tmp[4096];
	FILE *f;
	va_list ap;

	if (mode[0] == 'w' && (size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp",
	    path, (int)getpid()) < sizeof(tmp) && (f = fopen(tmp, "w")) !=
	    NULL) {
		va_start(ap, fmt);
		bool ok = put(f, fmt, ap);
		va_end(ap);
		if (ok && rename(tmp, path) == 0)
			return;
		unlink(tmp);
	}
	if ((f = fopen(path, mode)) == NULL)
		return;
	va_start(ap, fmt);
	put(f, fmt, ap);
	va_end(ap);
}

static const char *
opt(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(arg, name, n) == 0 ? arg + n : NULL;
}

int
main(int argc, char **argv)
{
	extern char **environ;
	long exit_after = -1, ready_after = -1;
	bool ready_on_usr1 = false;
	int code = 0, kill_sig = 0;
	const char *v;
	char cwd[512];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((v = opt(a, "--stamp=")) != NULL) {
			write_file(v, "a", "%d %lld %s\n", (int)getpid(),
			    mono_ns(), getenv("SUP_NAME") ? getenv("SUP_NAME")
							  : "-");
		} else if ((v = opt(a, "--env=")) != NULL) {
			FILE *f = fopen(v, "w");
			for (char **e = environ; f && *e; e++)
				fprintf(f, "%s\n", *e);
			if (f)
				fclose(f);
		} else if ((v = opt(a, "--whoami=")) != NULL) {
			mode_t m = umask(0);
			umask(m);
			write_file(v, "w", "%u %u %s %03o\n", (unsigned)getuid(),
			    (unsigned)getgid(), getcwd(cwd, sizeof(cwd)),
			    (unsigned)m);
		} else if ((v = opt(a, "--grandchild=")) != NULL) {
			pid_t g = fork();
			if (g == 0) {
				for (;;)
					pause();
			}
			write_file(v, "w", "%d\n", (int)g);
		} else if ((v = opt(a, "--daemon=")) != NULL) {
			pid_t mid = fork();
			if (mid == 0) {
				setsid();
				if (fork() == 0) {
					write_file(v, "w", "%d\n", (int)getpid());
					for (;;)
						pause();
				}
				_exit(0);
			}
			waitpid(mid, NULL, 0);
		} else if (strcmp(a, "--ready-on-usr1") == 0) {
			sigset_t usr1;
			sigemptyset(&usr1);
			sigaddset(&usr1, SIGUSR1);
			/* Held until sigsuspend(): none is lost before. */
			sigprocmask(SIG_BLOCK, &usr1, NULL);
			ready_on_usr1 = true;
			signal(SIGUSR1, on_usr1);
		} else if (strcmp(a, "--ignore-term") == 0) {
			signal(SIGTERM, SIG_IGN);
		} else if ((v = opt(a, "--term-exit=")) != NULL) {
			term_code = atoi(v);
			signal(SIGTERM, on_term);
		} else if ((v = opt(a, "--ready-after=")) != NULL) {
			ready_after = atol(v);
		} else if ((v = opt(a, "--status=")) != NULL) {
			char msg[256];
			snprintf(msg, sizeof(msg), "STATUS=%s", v);
			notify(msg);
		} else if ((v = opt(a, "--exit-after=")) != NULL) {
			long lo = atol(v), hi = lo;
			const char *dash = strchr(v, '-');
			if (dash != NULL)
				hi = atol(dash + 1);
			srand((unsigned)getpid() ^ (unsigned)mono_ns());
			exit_after = lo + (hi > lo ? rand() % (hi - lo + 1) : 0);
		} else if ((v = opt(a, "--code=")) != NULL) {
			code = atoi(v);
		} else if ((v = opt(a, "--kill-self=")) != NULL) {
			kill_sig = atoi(v);
		} else if (strcmp(a, "--status-garbage") == 0) {
			char msg[512] = "STATUS=";
			for (int k = 7; k < 407; k += 2) {
				msg[k] = (char)0xc3; /* a 2-byte lead, then */
				msg[k + 1] = (char)(k % 3 ? 0xa9 : 0xff);
			}
			msg[407] = '\0';
			notify(msg);
		} else if ((v = opt(a, "--print=")) != NULL) {
			printf("%s\n", v);
			fflush(stdout);
		} else {
			fprintf(stderr, "t-child: unknown option %s\n", a);
			return 64;
		}
	}
	if (ready_after >= 0) {
		msleep(ready_after);
		notify("READY=1");
	}
	if (ready_on_usr1) {
		sigset_t none;
		sigemptyset(&none);
		while (!usr1_seen)
			sigsuspend(&none);
		notify("READY=1");
	}
	if (exit_after >= 0) {
		msleep(exit_after);
		if (kill_sig)
			kill(getpid(), kill_sig);
		return code;
	}
	for (;;)
		pause();
}
