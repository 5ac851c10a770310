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

#include "stamps.h"

static char dir[64], conf[128];

static double
floor_mass(int n)
{
	pid_t *pids = calloc((size_t)n, sizeof(*pids));
	int64_t t0, last;

	for (int i = 0; i < n; i++)
		pids[i] = floor_spawn();
	stamps_last(n, NULL);
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++) {
		waitpid(-1, NULL, 0);
		pids[i] = floor_spawn();
	}
	last = stamps_last(n, NULL);
	floor_kill_all(pids, n, SIGKILL);
	free(pids);
	return (double)(last - t0) / 1e6;
}

static void
conf_write(int instances, bool persist, const char *stamp_to)
{
	FILE *f = fopen(conf, "w");

	/* No cgroup, as the floor's children (bench/cgroup.c: their
	 * cost). */
	fprintf(f, "[supervisor]\nrun_dir = %s/run\nintensity = 10000\n"
	    "period = 1s\ncgroups = off\n%s[worker b]\ncommand = %s %s\n"
	    "instances = %d\nstdout = null\nbackoff = 0 0\n", dir, persist ?
	    "" : "state = off\n", STAMP, stamp_to, instances);
	fclose(f);
}

/* Starts supd; with wait_ready, returns once root is ready. */
static pid_t
supd_exec(bool wait_ready)
{
	int fd;
	pid_t pid = supd_launch(conf, wait_ready ? &fd : NULL);

	if (wait_ready)
		ready_wait(fd);
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
	pid_t supd = supd_start(1, persist);
	double m = supervised_restart_us(rounds);

	supd_stop(supd);
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

static void
idle_wakeups(pid_t supd)
{
	long c0, c1;

	sleep(1);
	c0 = ctxt_switches(supd);
	sleep(10);
	c1 = ctxt_switches(supd);
	printf("supd_idle_wakeups_10s %ld switches (floor 0, all threads)\n",
	    c1 - c0);
}

/* supd's proportional memory: all of it, and its anonymous part (heap,
 * stacks, data written), the rest being program and library text. */
struct pss {
	long all, anon; /* kB */
};

/* n killed at once until all run again; *pss: supd's PSS after. */
static double
supd_mass(int n, struct pss *pss, bool idle)
{
	pid_t supd = supd_start(n, true), *pids = calloc((size_t)n,
	    sizeof(*pids));
	int64_t t0, last;
	char path[64];

	stamps_last(n, pids);
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	last = stamps_last(n, NULL);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", supd);
	pss->all = kb_field(path, "Pss:");
	pss->anon = kb_field(path, "Pss_Anon:");
	if (idle)
		idle_wakeups(supd);
	supd_stop(supd);
	free(pids);
	return (double)(last - t0) / 1e6;
}

/* Three rounds of n killed at once, floor and supd side by side. */
static void
mass(int n, struct pss *pss, bool idle)
{
	double fl[3], on[3], f, s;

	for (int i = 0; i < 3; i++) {
		fl[i] = floor_mass(n);
		on[i] = supd_mass(n, pss, idle && i == 2);
	}
	f = median3(fl);
	s = median3(on);
	printf("mass_restart_%d %.1f ms (floor %.1f ms, ratio %.2f)\n", n, s,
	    f, s / f);
}

/* PSS at 500 and 2000 children: the growth per child, and the rest. */
static void
pss_report(struct pss k500, struct pss k2000)
{
	double per = (double)(k2000.all - k500.all) / 1500.0;
	char anon[64] = "n/a: no Pss_Anon in smaps_rollup";

	if (k500.anon >= 0)
		snprintf(anon, sizeof(anon), "%.2f MB", (double)k500.anon /
		    1024.0);
	printf("supd_pss_500_children %.2f MB, of which %s heap, stacks and "
	    "data (floor: none, target < 4 MB)\n", (double)k500.all / 1024.0,
	    anon);
	printf("supd_pss_2000_children %.2f MB: %.2f kB per child beyond a "
	    "base of %.2f MB (target < 2 kB per child)\n", (double)k2000.all /
	    1024.0, per, ((double)k500.all - per * 500) / 1024.0);
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
	double f1, s1;
	struct pss k500, k2000;

	strcpy(dir, "/tmp/sup-bench-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/sup.conf", dir);
	stamps_open(dir);
	/* Three rounds, floor and supd side by side each time: the machine
	 * drifts; a ratio within a round does not. The median round counts. */
	double fl[3], on[3], off[3];
	for (int i = 0; i < 3; i++) {
		fl[i] = floor_restart_us(rounds);
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
	mass(100, &k500, false);
	mass(500, &k500, true);
	mass(2000, &k2000, false);
	pss_report(k500, k2000);
	double adopt = adoption(1000);
	printf("adopt_1000_after_kill9 %.1f ms (floor: none, target < 100 ms; "
	    "ready after %.1f ms, then one status)\n", adopt, ready_ms);
	unlink(fifo);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
