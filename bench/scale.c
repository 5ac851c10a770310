/*
 * bench/scale.c — large trees: cold start of N `ready = none` children
 * (N = 100, 500, 2000) and a 10,000-child tree (one pool of 10,000, then
 * 100 groups of 100), each beside its floor measured in the same run.
 *
 * The floor of a start is a bare loop that posix_spawns the same static
 * child N times (stamps.h); a start ends at the last child's first
 * instruction (its CLOCK_MONOTONIC stamp). supd's figure runs from the
 * fork of a new supd on an empty run dir, with persistence on, so it
 * holds supd's own start too (reported alone beside it). The floor of a
 * stop is the same loop signalling all its children at once and reaping
 * them.
 *
 * While the 10,000 start, a thread asks `status` over and over: supd must
 * answer between batches of spawns, not only once all are up.
 *
 * The floor puts its children in no cgroup: supd's figures run with
 * `cgroups = off` to compare like with like, and the pool of 10,000 is
 * started, asked and stopped once more with cgroups on (a cgroup a child,
 * where the machine allows), to show what they cost at that scale.
 *
 * `scale pool` runs only the pool of 10,000: its start, status and stop.
 *
 * Output, one line per figure: NAME value unit (floor value unit, ratio R)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "ipc/ipc.h"
#include "stamps.h"

#define BIG 10000
#define RESTARTS 51

static char dir[64], conf[128], ctl[160];
static const char *cgroups = "off";

/* One pool of n, or groups groups of n / groups workers each. */
static void
conf_write(int n, int groups)
{
	FILE *f = fopen(conf, "w");

	/* Killed on purpose, again and again: no give-up. */
	fprintf(f, "[supervisor]\nrun_dir = %s/run\nintensity = 10000\n"
	    "period = 1s\ncgroups = %s\n", dir, cgroups);
	if (groups == 0)
		fprintf(f, "[worker b]\ncommand = %s %s\ninstances = %d\n"
		    "stdout = null\n", STAMP, fifo, n);
	for (int g = 0; g < groups; g++) {
		fprintf(f, "[group g%d]\n", g);
		for (int i = 0; i < n / groups; i++)
			fprintf(f, "[worker w%d_%d]\ngroup = g%d\ncommand = %s "
			    "%s\nstdout = null\n", g, i, g, STAMP, fifo);
	}
	fclose(f);
}

static void
run_dir_clear(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/run", dir);
	if (system(cmd) != 0)
		exit(1);
}

static void
supd_stop(pid_t supd)
{
	kill(supd, SIGTERM);
	waitpid(supd, NULL, 0);
}

/* One request on the control socket; its reply (free it) or NULL. */
static char *
ctl_call(const char *json, size_t *len, int timeout_ms)
{
	char req[256];
	void *reply = NULL;
	int n = snprintf(req, sizeof(req), "\x01J%s", json);

	if (ipc_call(ctl, req, (size_t)n, &reply, len, timeout_ms) != SUP_OK)
		return NULL;
	return reply;
}

/* Median of rounds calls of json, in ms. */
static double
ctl_ms(const char *json, int rounds)
{
	int64_t v[64], t;
	size_t len;

	for (int i = 0; i < rounds; i++) {
		t = now_ns();
		free(ctl_call(json, &len, 30000));
		v[i] = now_ns() - t;
	}
	return median_us(v, rounds) / 1000;
}

static int
count(const char *hay, size_t len, const char *needle)
{
	int c = 0;
	const char *p = hay, *end = hay + len;

	while ((p = memmem(p, (size_t)(end - p), needle, strlen(needle)))) {
		c++;
		p += strlen(needle);
	}
	return c;
}

static double
floor_start(int n, pid_t *pids)
{
	int64_t t0;

	stamps_open(dir);
	t0 = now_ns();

	for (int i = 0; i < n; i++)
		pids[i] = floor_spawn();
	return (double)(stamps_last(n, NULL) - t0) / 1e6;
}

/* supd from its fork to the last of n children's first instruction. */
static double
supd_cold(int n, int groups, pid_t *supd, pid_t *pids)
{
	int64_t t0;

	run_dir_clear();
	stamps_open(dir);
	conf_write(n, groups);
	t0 = now_ns();
	*supd = supd_launch(conf, NULL);
	return (double)(stamps_last(n, pids) - t0) / 1e6;
}

/* supd's own start: from its fork to root ready, with one child. */
static double
supd_alone_ms(void)
{
	int64_t v[3], t;
	pid_t supd, seen;
	int fd;

	for (int i = 0; i < 3; i++) {
		run_dir_clear();
		conf_write(1, 0);
		t = now_ns();
		supd = supd_launch(conf, &fd);
		ready_wait(fd);
		v[i] = now_ns() - t;
		stamp_read(&seen);
		supd_stop(supd);
	}
	return median_us(v, 3) / 1000;
}

static void
cold_start(int n, double alone)
{
	double fl[3], on[3], f, s;
	pid_t *pids = calloc((size_t)n, sizeof(*pids)), supd;

	for (int i = 0; i < 3; i++) {
		fl[i] = floor_start(n, pids);
		floor_kill_all(pids, n, SIGKILL);
		on[i] = supd_cold(n, 0, &supd, NULL);
		supd_stop(supd);
	}
	f = median3(fl);
	s = median3(on);
	printf("cold_start_%d %.1f ms (floor %.1f ms, ratio %.2f; supd's own "
	    "start with one child %.1f ms)\n", n, s, f, s / f, alone);
	free(pids);
}

/* The status poller, asking every POLL_MS as a dashboard would: answers
 * seen and the longest wait for one. */
#define POLL_MS 500

static atomic_bool starting;
static int answers;
static int64_t longest;

static void *
poller(void *arg)
{
	int64_t t, first = 0;
	size_t len;
	char *r;

	(void)arg;
	while (atomic_load(&starting)) {
		t = now_ns();
		if ((r = ctl_call("{\"cmd\":\"status\"}", &len, 60000))) {
			if (first++ && now_ns() - t > longest)
				longest = now_ns() - t;
			answers++;
			free(r);
			usleep(POLL_MS * 1000);
		} else {
			usleep(1000); /* no control socket yet */
		}
	}
	return NULL;
}

static pid_t kids[BIG]; /* supd's, as their stamps named them */

/* Starts the 10,000 with the poller asking status throughout. */
static double
big_start(int groups, pid_t *supd)
{
	pthread_t th;
	double ms;

	answers = 0;
	longest = 0;
	atomic_store(&starting, true);
	pthread_create(&th, NULL, poller, NULL);
	ms = supd_cold(BIG, groups, supd, kids);
	atomic_store(&starting, false);
	pthread_join(th, NULL);
	return ms;
}

/* `supctl stop b`: the whole pool, as supctl runs it. */
static double
pool_stop_ms(void)
{
	char cmd[256];
	int64_t t = now_ns();

	snprintf(cmd, sizeof(cmd), "%s -r %s/run stop b", SUPCTL, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: supctl stop b failed\n");
	return (double)(now_ns() - t) / 1e6;
}

/* kill -9 of supd, a new one: ms until root ready, and how many of the
 * 10,000 it shows running (every one adopted, none restarted). */
static double
recover_ms(pid_t *supd, int *running)
{
	int64_t t;
	size_t len;
	char *r;
	int fd;

	kill(*supd, SIGKILL);
	waitpid(*supd, NULL, 0);
	t = now_ns();
	*supd = supd_launch(conf, &fd);
	ready_wait(fd);
	t = now_ns() - t;
	r = ctl_call("{\"cmd\":\"status\"}", &len, 60000);
	*running = r ? count(r, len, "\"state\":\"running\",\"status\"") :
	    -1;
	free(r);
	return (double)t / 1e6;
}

static long
ctxt_switches(pid_t pid)
{
	char path[128], line[256];
	long sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "ctxt_switches:"))
			sum += atol(strchr(line, ':') + 1);
	fclose(f);
	return sum;
}

/* The median time from a SIGKILL of one of many children to its
 * replacement's first instruction; victims: the pids to pick from. */
static double
restart_us(pid_t *victims, int n, bool floor)
{
	int64_t lat[RESTARTS], t0;
	pid_t pid;

	for (int i = 0; i < RESTARTS; i++) {
		int k = (i * 7919) % n;
		t0 = now_ns();
		kill(victims[k], SIGKILL);
		if (floor) {
			waitpid(victims[k], NULL, 0);
			victims[k] = floor_spawn();
		}
		lat[i] = stamp_read(&pid) - t0;
		if (!floor)
			victims[k] = pid;
	}
	return median_us(lat, RESTARTS);
}

/* status of the pool of 10,000: warm, cold (each child's memory read
 * again) and of one child. */
static void
status_figures(void)
{
	double st, cold, one;

	sleep(2); /* what status read of the children is stale (1 s) */
	cold = ctl_ms("{\"cmd\":\"status\"}", 1);
	st = ctl_ms("{\"cmd\":\"status\"}", 5);
	one = ctl_ms("{\"cmd\":\"status\",\"names\":[\"b.5000\"]}", 21);
	printf("status_10000 %.1f ms (target < 100 ms; %.1f ms when each "
	    "child's memory is read again from /proc); status_name_10000 "
	    "%.2f ms (target < 5 ms)\n", st, cold, one);
}

/* `scale pool`: the pool of 10,000 started, asked, one child restarted
 * RESTARTS times, stopped; nothing else and no floor (a quicker loop
 * while working on one of these). */
static void
pool_only(void)
{
	pid_t supd;
	double ms = big_start(0, &supd);

	printf("start_10000_pool %.0f ms\n", ms);
	status_figures();
	printf("restart_latency_in_10000 %.0f us\n", restart_us(kids, BIG,
	    false));
	sleep(1); /* the batch commit of what was just done */
	printf("stop_10000_pool %.0f ms\n", pool_stop_ms());
	supd_stop(supd);
}

static void
big_pool(double floor_ms, double kill_ms, double floor_restart)
{
	pid_t supd;
	int running;
	double ms = big_start(0, &supd), stop, rec, re;
	long c0;

	printf("start_10000_pool %.0f ms (floor %.0f ms, ratio %.2f); status "
	    "answered %d times during it, longest wait %.0f ms\n", ms,
	    floor_ms, ms / floor_ms, answers, (double)longest / 1e6);
	status_figures();
	re = restart_us(kids, BIG, false);
	printf("restart_latency_in_10000 %.0f us (floor %.0f us: the bare "
	    "loop with 10000 children, ratio %.2f)\n", re, floor_restart,
	    re / floor_restart);
	sleep(1); /* the batch commit of what was just done */
	c0 = ctxt_switches(supd);
	sleep(10);
	printf("idle_wakeups_10000_10s %ld switches of supd's main thread "
	    "(floor 0)\n", ctxt_switches(supd) - c0);
	rec = recover_ms(&supd, &running);
	printf("recover_10000_after_kill9 %.0f ms until root ready; %d of "
	    "10000 running after it\n", rec, running);
	stop = pool_stop_ms();
	printf("stop_10000_pool %.0f ms (floor %.0f ms: kill all and reap, "
	    "ratio %.2f)\n", stop, kill_ms, stop / kill_ms);
	supd_stop(supd);
}

/* The pool of 10,000 with a cgroup a child: start, status, stop. */
static void
big_pool_cgroups(double floor_ms, double kill_ms)
{
	pid_t supd;
	double ms, st, stop;

	cgroups = "auto";
	ms = big_start(0, &supd);
	st = ctl_ms("{\"cmd\":\"status\"}", 5);
	stop = pool_stop_ms();
	printf("start_10000_pool_cgroups %.0f ms (floor %.0f ms, ratio %.2f); "
	    "status %.1f ms; stop %.0f ms (floor %.0f ms, ratio %.2f)\n", ms,
	    floor_ms, ms / floor_ms, st, stop, kill_ms, stop / kill_ms);
	supd_stop(supd);
	cgroups = "off";
}

static void
big_groups(double floor_ms)
{
	pid_t supd;
	double ms = big_start(100, &supd), st, one;

	printf("start_10000_in_100_groups %.0f ms (floor %.0f ms, ratio "
	    "%.2f); status answered %d times during it, longest wait %.0f "
	    "ms\n", ms, floor_ms, ms / floor_ms, answers,
	    (double)longest / 1e6);
	st = ctl_ms("{\"cmd\":\"status\"}", 5);
	one = ctl_ms("{\"cmd\":\"status\",\"names\":[\"w50_50\"]}", 21);
	printf("status_10000_groups %.1f ms; status_name %.2f ms\n", st, one);
	supd_stop(supd);
}

int
main(int argc, char **argv)
{
	pid_t *pids = calloc(BIG, sizeof(*pids));
	double alone, floor_ms, kill_ms, floor_restart;
	int64_t t;
	char cmd[128];

	strcpy(dir, "/tmp/sup-bench-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/sup.conf", dir);
	snprintf(ctl, sizeof(ctl), "%s/run/ctl", dir);
	stamps_open(dir);
	if (argc > 1 && strcmp(argv[1], "pool") == 0) {
		pool_only();
		goto done;
	}
	alone = supd_alone_ms();
	cold_start(100, alone);
	cold_start(500, alone);
	cold_start(2000, alone);
	floor_ms = floor_start(BIG, pids);
	floor_restart = restart_us(pids, BIG, true);
	t = now_ns();
	floor_kill_all(pids, BIG, SIGTERM);
	kill_ms = (double)(now_ns() - t) / 1e6;
	big_pool(floor_ms, kill_ms, floor_restart);
	big_pool_cgroups(floor_ms, kill_ms);
	big_groups(floor_ms);
done:
	unlink(fifo);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	free(pids);
	return system(cmd) == 0 ? 0 : 1;
}
