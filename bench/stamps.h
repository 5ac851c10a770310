/*
 * bench/stamps.h — the FIFO on which bench-stamp children report "PID NS"
 * (their first instruction's CLOCK_MONOTONIC), and the floor: children
 * started by posix_spawn (glibc's clone(CLONE_VM|CLONE_VFORK), the fastest
 * way to start a process) from a bare loop with no bookkeeping.
 */
#ifndef SUP_BENCH_STAMPS_H
#define SUP_BENCH_STAMPS_H

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define STAMP SUP_BUILD_DIR "/bench/child/bench-stamp"
#define SUPD SUP_BUILD_DIR "/bin/supd"
#define SUPCTL SUP_BUILD_DIR "/bin/supctl"

extern char **environ;

static char fifo[128];
static FILE *stamps;

/* Makes DIR/stamps afresh (nothing left from an earlier phase) and opens
 * it O_RDWR: it never reads EOF while children come and go. */
static inline void
stamps_open(const char *dir)
{
	if (stamps != NULL)
		fclose(stamps);
	snprintf(fifo, sizeof(fifo), "%s/stamps", dir);
	unlink(fifo);
	mkfifo(fifo, 0600);
	stamps = fdopen(open(fifo, O_RDWR), "r");
}

/* Blocks until a child reports; returns its stamp, fills *pid. */
static inline int64_t
stamp_read(pid_t *pid)
{
	long long ns;
	int p;

	/* The pids read here are signalled: never one <= 1. */
	if (fscanf(stamps, "%d %lld", &p, &ns) != 2 || p <= 1) {
		fprintf(stderr, "bench: lost the stamp FIFO\n");
		exit(1);
	}
	*pid = p;
	return ns;
}

/* The latest of n stamps; fills pids[] when not NULL. */
static inline int64_t
stamps_last(int n, pid_t *pids)
{
	int64_t last = 0, s;
	pid_t pid;

	for (int i = 0; i < n; i++) {
		s = stamp_read(&pid);
		last = s > last ? s : last;
		if (pids != NULL)
			pids[i] = pid;
	}
	return last;
}

static inline double
median3(double v[3])
{
	double a = v[0], b = v[1], c = v[2];

	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

static inline pid_t
floor_spawn(void)
{
	char *argv[] = {STAMP, fifo, NULL};
	pid_t pid;

	if (posix_spawn(&pid, STAMP, NULL, NULL, argv, environ) != 0) {
		perror("posix_spawn");
		exit(1);
	}
	return pid;
}

/* Signals the floor's n children and reaps them all. */
static inline void
floor_kill_all(pid_t *pids, int n, int sig)
{
	for (int i = 0; i < n; i++)
		kill(pids[i], sig);
	for (int i = 0; i < n; i++)
		waitpid(-1, NULL, 0);
}

/* Median latency (us) of rounds restarts of the floor's one child: from
 * the SIGKILL to the replacement's first instruction. */
static inline double
floor_restart_us(int rounds)
{
	int64_t *lat = calloc((size_t)rounds, sizeof(*lat)), t0;
	pid_t pid = floor_spawn(), seen;

	stamp_read(&seen);
	for (int i = 0; i < rounds; i++) {
		t0 = now_ns();
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = floor_spawn();
		lat[i] = stamp_read(&seen) - t0;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	double m = median_us(lat, rounds);
	free(lat);
	return m;
}

/* The same for a supervisor's one child, whose first stamp is next on
 * the FIFO: it restarts the child itself. */
static inline double
supervised_restart_us(int rounds)
{
	int64_t *lat = calloc((size_t)rounds, sizeof(*lat)), t0;
	pid_t pid;

	stamp_read(&pid);
	for (int i = 0; i < rounds; i++) {
		t0 = now_ns();
		kill(pid, SIGKILL);
		lat[i] = stamp_read(&pid) - t0;
	}
	double m = median_us(lat, rounds);
	free(lat);
	return m;
}

/* A new supd on conf; *ready_fd (when not NULL) reads "ready" once its
 * root is (ready_wait()). Its stderr goes to /dev/null. */
static inline pid_t
supd_launch(const char *conf, int *ready_fd)
{
	int p[2];
	pid_t pid;
	char fd[16];

	if (pipe(p) != 0)
		exit(1);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		close(p[0]);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		execl(SUPD, "supd", "-c", conf, "--ready-fd", fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (ready_fd != NULL)
		*ready_fd = p[0];
	else
		close(p[0]);
	return pid;
}

static inline void
ready_wait(int fd)
{
	char buf[16];

	if (read(fd, buf, sizeof(buf)) <= 0) {
		fprintf(stderr, "bench: supd did not start\n");
		exit(1);
	}
	close(fd);
}

#endif
