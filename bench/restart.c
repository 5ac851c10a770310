/*
 * bench/restart.c — how fast supd brings killed children back, beside the
 * physical floor measured in the same run, plus supd's memory and idle
 * wake-ups.
 *
 * The floor is the smallest supervisor there can be: a C loop that waits
 * for its child and spawns it again at once, with posix_spawn (glibc's
 * clone(CLONE_VM|CLONE_VFORK), the fastest way to start a process), no
 * config, no logging, no bookkeeping. Latency is measured from the
 * SIGKILL to the replacement's first instruction: bench-stamp is static
 * and reads CLOCK_MONOTONIC before anything else, then reports on a FIFO.
 *
 * With persistence on (as users run it) and off (state = off), side by
 * side; and the time a new supd takes to adopt 1000 live children after
 * kill -9 of the old one.
 *
 * Output, one line per figure: NAME value unit (floor value unit, ratio R)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define STAMP SUP_BUILD_DIR "/bench/child/bench-stamp"
#define SUPD SUP_BUILD_DIR "/bin/supd"

extern char **environ;

static char dir[64], fifo[128], conf[128];
static FILE *stamps;

/* Blocks until a child reports; returns its stamp, fills *pid. */
static int64_t
stamp_read(pid_t *pid)
{
	long long ns;
	int p;

	if (fscanf(stamps, "%d %lld", &p, &ns) != 2) {
		fprintf(stderr, "bench: lost the stamp FIFO\n");
		exit(1);
	}
	*pid = p;
	return ns;
}

static double
median3(double v[3])
{
	double a = v[0], b = v[1], c = v[2];

	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

static pid_t
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

static double
floor_single(int rounds)
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

static double
floor_mass(int n)
{
	pid_t *pids = calloc((size_t)n, sizeof(*pids)), seen;
	int64_t t0, last = 0;

	for (int i = 0; i < n; i++)
		pids[i] = floor_spawn();
	for (int i = 0; i < n; i++)
		stamp_read(&seen);
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++) {
		waitpid(-1, NULL, 0);
		pids[i] = floor_spawn();
	}
	for (int i = 0; i < n; i++) {
		int64_t s = stamp_read(&seen);
		last = s > last ? s : last;
	}
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(-1, NULL, 0);
	free(pids);
	return (double)(last - t0) / 1e6;
}

static void
conf_write(int instances, bool persist, const char *stamp_to)
{
	FILE *f = fopen(conf, "w");

	fprintf(f, "[supervisor]\nrun_dir = %s/run\nintensity = 10000\n"
	    "period = 1s\n%s[worker b]\ncommand = %s %s\ninstances = %d\n"
	    "stdout = null\nbackoff = 0 0\n", dir, persist ? "" :
	    "state = off\n", STAMP, stamp_to, instances);
	fclose(f);
}

/* Starts supd; with ready_fd, returns once it wrote "ready" there. */
static pid_t
supd_exec(bool wait_ready)
{
	int p[2];
	pid_t pid;
	char fd[16], buf[16];

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
	if (wait_ready && read(p[0], buf, sizeof(buf)) <= 0) {
		fprintf(stderr, "bench: supd did not start\n");
		exit(1);
	}
	close(p[0]);
	return pid;
}

static pid_t
supd_start(int instances, bool persist)
{
	conf_write(instances, persist, fifo);
	return supd_exec(false);
}

static void
supd_stop(pid_t supd)
{
	kill(supd, SIGTERM);
	waitpid(supd, NULL, 0);
}

static double
supd_single(int rounds, bool persist)
{
	int64_t *lat = calloc((size_t)rounds, sizeof(*lat)), t0;
	pid_t supd = supd_start(1, persist), pid;

	stamp_read(&pid);
	for (int i = 0; i < rounds; i++) {
		t0 = now_ns();
		kill(pid, SIGKILL);
		lat[i] = stamp_read(&pid) - t0;
	}
	supd_stop(supd);
	double m = median_us(lat, rounds);
	free(lat);
	return m;
}

static long
kb_field(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			v = atol(line + strlen(key));
	if (f)
		fclose(f);
	return v;
}

/* Context switches of every thread of pid. */
static long
ctxt_switches(pid_t pid)
{
	char path[128];
	long sum = 0;

	for (int t = pid; t < pid + 64; t++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, t);
		if (access(path, R_OK) != 0)
			continue;
		sum += kb_field(path, "voluntary_ctxt_switches:");
		sum += kb_field(path, "nonvoluntary_ctxt_switches:");
	}
	return sum;
}

static double
supd_mass(int n, bool report_rest)
{
	pid_t supd = supd_start(n, true), *pids = calloc((size_t)n,
	    sizeof(*pids));
	int64_t t0, last = 0;
	char path[64];

	for (int i = 0; i < n; i++)
		stamp_read(&pids[i]);
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++) {
		int64_t s = stamp_read(&pids[i]);
		last = s > last ? s : last;
	}
	if (report_rest) {
		long c0, c1;
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", supd);
		printf("supd_pss_%d_children %.2f MB (floor: none, target < 4 MB)\n",
		    n, (double)kb_field(path, "Pss:") / 1024.0);
		sleep(1);
		c0 = ctxt_switches(supd);
		sleep(10);
		c1 = ctxt_switches(supd);
		printf("supd_idle_wakeups_10s %ld switches (floor 0, all "
		    "threads)\n", c1 - c0);
	}
	supd_stop(supd);
	free(pids);
	return (double)(last - t0) / 1e6;
}

/* "supctl status" once; returns when it answered. */
static void
status_once(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "%s/bin/supctl -r %s/run status >/dev/null",
	    SUP_BUILD_DIR, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: status failed\n");
}

/* From the exec of a new supd to all n adopted and status answered. */
static double ready_ms;

static double
adoption(int n)
{
	pid_t old, fresh;
	int64_t t0;
	double ms;

	conf_write(n, true, "/dev/null");
	old = supd_exec(true);
	kill(old, SIGKILL);
	waitpid(old, NULL, 0);
	t0 = now_ns();
	fresh = supd_exec(true); /* ready: root runs, every child adopted */
	ready_ms = (double)(now_ns() - t0) / 1e6;
	status_once();
	ms = (double)(now_ns() - t0) / 1e6;
	supd_stop(fresh);
	return ms;
}

int
main(void)
{
	int rounds = 150;
	double f1, s1, f100, s100, f500, s500;

	strcpy(dir, "/tmp/sup-bench-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(fifo, sizeof(fifo), "%s/stamps", dir);
	snprintf(conf, sizeof(conf), "%s/sup.conf", dir);
	mkfifo(fifo, 0600);
	/* O_RDWR: the FIFO never reads EOF while children come and go. */
	stamps = fdopen(open(fifo, O_RDWR), "r");
	/* Three rounds, floor and supd side by side each time: the machine
	 * drifts; a ratio within a round does not. The median round counts. */
	double fl[3], on[3], off[3];
	for (int i = 0; i < 3; i++) {
		fl[i] = floor_single(rounds);
		on[i] = supd_single(rounds, true);
		off[i] = supd_single(rounds, false);
	}
	f1 = median3(fl);
	s1 = median3(on);
	fprintf(stderr, "rounds: floor %.0f %.0f %.0f, supd %.0f %.0f %.0f, "
	    "state off %.0f %.0f %.0f us\n", fl[0], fl[1], fl[2], on[0], on[1],
	    on[2], off[0], off[1], off[2]);
	printf("restart_latency_median %.0f us (floor %.0f us, ratio %.2f)\n",
	    s1, f1, s1 / f1);
	s1 = median3(off);
	printf("restart_latency_median_state_off %.0f us (floor %.0f us, "
	    "ratio %.2f)\n", s1, f1, s1 / f1);
	for (int i = 0; i < 3; i++) {
		fl[i] = floor_mass(100);
		on[i] = supd_mass(100, false);
	}
	f100 = median3(fl);
	s100 = median3(on);
	printf("mass_restart_100 %.1f ms (floor %.1f ms, ratio %.2f)\n", s100,
	    f100, s100 / f100);
	for (int i = 0; i < 3; i++) {
		fl[i] = floor_mass(500);
		on[i] = supd_mass(500, i == 2);
	}
	f500 = median3(fl);
	s500 = median3(on);
	printf("mass_restart_500 %.1f ms (floor %.1f ms, ratio %.2f)\n", s500,
	    f500, s500 / f500);
	double adopt = adoption(1000);
	printf("adopt_1000_after_kill9 %.1f ms (floor: none, target < 100 ms; "
	    "ready after %.1f ms, then one status)\n", adopt, ready_ms);
	unlink(fifo);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
