/*
 * bench/calls.c — libsup calls and checkpoints, beside their floors
 * measured in the same run:
 *   call round trip (64-byte request and reply) vs a raw AF_UNIX
 *     request/response round trip between two processes
 *   both again over bare nng 1.5.2 REQ/REP (a one-thread raw REP echo
 *     server in another process): what nng alone costs on this machine
 *   calls/s with 8 concurrent callers (one process, 8 threads) vs the same
 *     8 callers on bare nng
 *   a pool of 4 under 8 callers routing by key, each call 500 us of CPU
 *     and a checkpoint, vs one worker taking the same calls
 *   call round trip with telemetry on (a subscriber to the event stream)
 *     vs off, and the events/s one worker emits
 *   published-table reads/s from 1 and 2 processes vs calls/s for the
 *     same data
 *   checkpoints/s of a 10-field state vs raw SQLite single-row commits/s
 *     (WAL, synchronous=NORMAL: the worker's own settings)
 *   restart to ready of a libsup worker after kill -9, and its RSS and
 *     threads; its RSS with 100 MB of cache, then hibernated
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "sup/sup.h"
#include "bench.h"

#define WORKER SUP_BUILD_DIR "/bench/child/bench-worker"
#define SUPD SUP_BUILD_DIR "/bin/supd"

static char dir[64], run[128];

/* The floor: 64 bytes there and back over a Unix socket pair. */
static double
floor_rtt(int rounds)
{
	int sv[2];
	char buf[64] = {0};
	int64_t *lat = calloc((size_t)rounds, sizeof(*lat));
	pid_t pid;

	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		while (read(sv[1], buf, 64) == 64)
			(void)!write(sv[1], buf, 64);
		_exit(0);
	}
	close(sv[1]);
	for (int i = 0; i < rounds; i++) {
		int64_t t0 = now_ns();
		(void)!write(sv[0], buf, 64);
		(void)!read(sv[0], buf, 64);
		lat[i] = now_ns() - t0;
	}
	close(sv[0]);
	waitpid(pid, NULL, 0);
	double m = median_us(lat, rounds);
	free(lat);
	return m;
}

/* The nng floor's server: a raw REP socket echoing in one thread, like a
 * worker's loop without anything in it. Forked before this process starts
 * any nng thread (nng must not run in a forked child that has not exec'd). */
static pid_t
nng_echo_start(const char *url)
{
	pid_t pid = fork();
	nng_socket s;
	nng_msg *m;

	if (pid != 0)
		return pid;
	if (nng_rep0_open_raw(&s) != 0 || nng_listen(s, url, NULL, 0) != 0)
		_exit(1);
	while (nng_recvmsg(s, &m, 0) == 0)
		if (nng_sendmsg(s, m, 0) != 0)
			nng_msg_free(m);
	_exit(0);
}

static nng_socket
nng_req_dial(const char *url)
{
	nng_socket s;

	if (nng_req0_open(&s) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)
	    != 0 || nng_dial(s, url, NULL, 0) != 0) {
		fprintf(stderr, "bench: cannot dial %s\n", url);
		exit(1);
	}
	return s;
}

static int
nng_round_trip(nng_socket s, const char *req)
{
	char rep[64];
	size_t n = sizeof(rep);

	if (nng_send(s, (void *)req, 64, 0) != 0)
		return -1;
	return nng_recv(s, rep, &n, 0) == 0 && n == 64 ? 0 : -1;
}

static double
nng_rtt(const char *url, int rounds)
{
	nng_socket s = nng_req_dial(url);
	int64_t *lat = calloc((size_t)rounds, sizeof(*lat));
	char req[64];

	memset(req, 'z', sizeof(req));
	for (int i = 0; i < rounds; i++) {
		int64_t t0 = now_ns();
		if (nng_round_trip(s, req) != 0) {
			fprintf(stderr, "bench: bare nng call failed\n");
			exit(1);
		}
		lat[i] = now_ns() - t0;
	}
	nng_close(s);
	double m = median_us(lat, rounds);
	free(lat);
	return m;
}

static double
call_rtt(int rounds)
{
	char req[64];
	int64_t *lat = calloc((size_t)rounds, sizeof(*lat));
	void *r;
	size_t n;

	memset(req, 'x', sizeof(req));
	for (int i = 0; i < rounds; i++) {
		int64_t t0 = now_ns();
		if (sup_call("bench", req, 64, &r, &n, 5000) != SUP_OK) {
			fprintf(stderr, "bench: call failed\n");
			exit(1);
		}
		lat[i] = now_ns() - t0;
		free(r);
	}
	double m = median_us(lat, rounds);
	free(lat);
	return m;
}

/* A subscriber to supd's event stream, draining it in a thread. */
static atomic_int sub_stop;
static atomic_long sub_got;

static void *
sub_drain(void *arg)
{
	nng_socket *s = arg;
	nng_msg *m;

	while (!atomic_load(&sub_stop))
		if (nng_recvmsg(*s, &m, 0) == 0) {
			nng_msg_free(m);
			atomic_fetch_add(&sub_got, 1);
		}
	return NULL;
}

static nng_socket sub_sock;
static pthread_t sub_thread;

static void
subscriber_start(void)
{
	char url[200];

	snprintf(url, sizeof(url), "ipc://%s/events", run);
	nng_sub0_open(&sub_sock);
	nng_socket_set(sub_sock, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_ms(sub_sock, NNG_OPT_RECVTIMEO, 100);
	nng_socket_set_int(sub_sock, NNG_OPT_RECVBUF, 8192);
	nng_dial(sub_sock, url, NULL, 0);
	atomic_store(&sub_stop, 0);
	pthread_create(&sub_thread, NULL, sub_drain, &sub_sock);
	/* Connected through supd to the worker: its events arrive. */
	for (int i = 0; i < 500 && atomic_load(&sub_got) == 0; i++) {
		void *r;
		size_t n;
		if (sup_call("bench", "x", 1, &r, &n, 5000) == SUP_OK)
			free(r);
		usleep(10000);
	}
}

static void
subscriber_stop(void)
{
	atomic_store(&sub_stop, 1);
	pthread_join(sub_thread, NULL);
	nng_close(sub_sock);
}

/* Events/s the worker emits with a subscriber listening. */
static double
emit_rate(long n)
{
	char req[32];
	void *r;
	size_t len;
	double ns = 0;

	snprintf(req, sizeof(req), "emit %ld", n);
	if (sup_call("bench", req, strlen(req), &r, &len, 60000) == SUP_OK) {
		ns = atof(r);
		free(r);
	}
	return ns > 0 ? n * 1e9 / ns : 0;
}

static atomic_int stop;
static long counts[8];
static char echo_url[160];

/* What caller() sends, and to whom: set before each throughput(). */
static struct {
	const char *to;	 /* a worker, or a pool with by_key */
	bool by_key;	 /* sup_pool_call, a new key each call */
	const char *req;
	size_t len;
} load;

static char echo_req[64];

/* A call with work in it: 500 us of CPU, then a 10-field checkpoint. */
#define WORK_REQ "work 500"

static void *
caller(void *arg)
{
	long *count = arg;
	char key[32];
	void *r;
	size_t n;
	sup_err e;

	for (long i = 0; !atomic_load(&stop); i++) {
		if (load.by_key) {
			snprintf(key, sizeof(key), "%p-%ld", arg, i);
			e = sup_pool_call(load.to, key, load.req, load.len, &r,
			    &n, 5000);
		} else {
			e = sup_call(load.to, load.req, load.len, &r, &n, 5000);
		}
		if (e == SUP_OK) {
			free(r);
			(*count)++;
		}
	}
	return NULL;
}

static void
load_set(const char *to, bool by_key, const char *req, size_t len)
{
	load.to = to;
	load.by_key = by_key;
	load.req = req;
	load.len = len;
}

static void *
caller_nng(void *arg)
{
	long *count = arg;
	nng_socket s = nng_req_dial(echo_url);
	char req[64];

	memset(req, 'y', sizeof(req));
	while (!atomic_load(&stop))
		if (nng_round_trip(s, req) == 0)
			(*count)++;
	nng_close(s);
	return NULL;
}

static double
throughput(void *(*fn)(void *), int threads, int ms)
{
	pthread_t t[8];
	long total = 0;

	atomic_store(&stop, 0);
	for (int i = 0; i < threads; i++) {
		counts[i] = 0;
		pthread_create(&t[i], NULL, fn, &counts[i]);
	}
	usleep((useconds_t)ms * 1000);
	atomic_store(&stop, 1);
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += counts[i];
	}
	return (double)total * 1000.0 / ms;
}

static long proc_field(pid_t pid, const char *file, const char *key);

/* RSS of the worker holding 100 MB of cache, then hibernated; the floor
 * is the RSS it had before the cache. */
static void
hibernation(struct sup_where *w)
{
	long base = proc_field(w->pid, "status", "VmRSS:"), full, after;
	void *r;
	size_t n;

	if (sup_call("bench", "cache 100", 9, &r, &n, 60000) == SUP_OK)
		free(r);
	full = proc_field(w->pid, "status", "VmRSS:");
	if (sup_call("bench", "hibernate", 9, &r, &n, 60000) == SUP_OK)
		free(r);
	/* The reply leaves before the worker hibernates: the next call is
	 * answered once it has. */
	if (sup_call("bench", "x", 1, &r, &n, 60000) == SUP_OK)
		free(r);
	after = proc_field(w->pid, "status", "VmRSS:");
	printf("hibernate_rss %ld kB with 100 MB of cache, %ld kB hibernated "
	    "(floor: %ld kB before the cache)\n", full, after, base);
}

/*
 * Reads of the worker's published table by procs processes at once, for
 * ms: reads/s in all. Forked children use SQLite only, never nng (which
 * must not run in a forked child), and the parent has read nothing yet.
 */
static double
table_reads(int procs, int ms)
{
	long total = 0, n;
	int fds[2];
	pid_t pids[8];

	if (procs > 8 || pipe(fds) != 0)
		return 0;
	for (int i = 0; i < procs; i++) {
		if ((pids[i] = fork()) != 0)
			continue;
		int64_t end = now_ns() + (int64_t)ms * 1000000;
		void *v;
		size_t len;
		n = 0;
		while (now_ns() < end)
			if (sup_table_get("bench", "t", "k", &v, &len) ==
			    SUP_OK) {
				free(v);
				n++;
			}
		(void)!write(fds[1], &n, sizeof(n));
		_exit(0);
	}
	close(fds[1]);
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))
		total += n;
	close(fds[0]);
	for (int i = 0; i < procs; i++)
		waitpid(pids[i], NULL, 0);
	return (double)total * 1000.0 / ms;
}

/* sup_lookup() of the worker, median of n; *floor: what it must do at
 * least, the same four reads of its registry in one read transaction on
 * a connection kept open, a stat of the file and a read of the pid's
 * /proc/PID/stat (is it the process the registry names?). */
static double
lookup_us(int n, double *floor)
{
	static const char *const keys[] = {"pid", "start", "endpoint",
	    "status"};
	int64_t *lat = calloc((size_t)n, sizeof(*lat));
	char path[192], proc[64], buf[512];
	struct sup_where w;
	struct stat st;
	sqlite3 *db;
	sqlite3_stmt *s;
	double m;

	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();
		sup_lookup("bench", &w);
		lat[i] = now_ns() - t0;
	}
	m = median_us(lat, n);
	snprintf(proc, sizeof(proc), "/proc/%d/stat", (int)w.pid);
	snprintf(path, sizeof(path), "%s/state/bench.db", run);
	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &s,
	    NULL);
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();
		stat(path, &st);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (int k = 0; k < 4; k++) {
			sqlite3_bind_text(s, 1, keys[k], -1, SQLITE_STATIC);
			sqlite3_step(s);
			sqlite3_reset(s);
		}
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		int fd = open(proc, O_RDONLY | O_CLOEXEC);
		(void)!read(fd, buf, sizeof(buf));
		close(fd);
		lat[i] = now_ns() - t0;
	}
	*floor = median_us(lat, n);
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(lat);
	return m;
}

/* The floor: single-row commits in WAL with synchronous=NORMAL. */
static double
floor_commits(int n)
{
	char path[192];
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t t0;

	snprintf(path, sizeof(path), "%s/floor.db", dir);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "CREATE TABLE t (k INTEGER PRIMARY KEY, v);", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO t VALUES (1, ?)", -1,
	    &s, NULL);
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_int(s, 1, i);
		sqlite3_step(s);
		sqlite3_reset(s);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	double per_s = (double)n * 1e9 / (double)(now_ns() - t0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return per_s;
}

static double
checkpoints(int n)
{
	char req[32];
	void *r;
	size_t len;
	double ns;

	snprintf(req, sizeof(req), "ckpt %d", n);
	if (sup_call("bench", req, strlen(req), &r, &len, 60000) != SUP_OK)
		return 0;
	ns = atof(r);
	free(r);
	return (double)n * 1e9 / ns;
}

/* The number after key in /proc/PID/file ("status", "smaps_rollup"). */
static long
proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			v = atol(line + strlen(key));
	fclose(f);
	return v;
}

/* The floor of a restart: fork + exec of the same binary until it has
 * loaded and exits at once (bench-worker --exit). Median of 15. */
static double
exec_floor(void)
{
	int64_t lat[15], t0;

	for (int i = 0; i < 15; i++) {
		t0 = now_ns();
		pid_t p = fork();
		if (p == 0) {
			execl(WORKER, "bench-worker", "--exit", (char *)NULL);
			_exit(127);
		}
		waitpid(p, NULL, 0);
		lat[i] = now_ns() - t0;
	}
	return median_us(lat, 15) / 1000.0;
}

/* Median of 15: kill -9, then calls until one is answered. */
static double
restart_to_ready(void)
{
	int64_t lat[15];
	struct sup_where w;
	void *r;
	size_t n;

	for (int i = 0; i < 15; i++) {
		while (sup_lookup("bench", &w) != SUP_OK)
			usleep(1000);
		int64_t t0 = now_ns();
		kill(w.pid, SIGKILL);
		while (sup_call("bench", "ping", 4, &r, &n, 1000) != SUP_OK)
			usleep(200);
		free(r);
		lat[i] = now_ns() - t0;
		usleep(100000); /* the worker settles before the next kill */
	}
	return median_us(lat, 15) / 1000.0;
}

static pid_t
supd_start(void)
{
	char conf[192];
	FILE *f;
	pid_t pid;
	struct sup_where w;

	snprintf(conf, sizeof(conf), "%s/sup.conf", dir);
	f = fopen(conf, "w");
	/* No cgroup, as the floor's fork + exec (bench/cgroup.c). */
	fprintf(f, "[supervisor]\nrun_dir = %s\nintensity = 100\n"
	    "cgroups = off\n"
	    "[worker bench]\ncommand = %s\nready = sup\nstdout = null\n"
	    "backoff = 0 0\n[worker pool]\ncommand = %s\nready = sup\n"
	    "stdout = null\ninstances = 4\n", run, WORKER, WORKER);
	fclose(f);
	if ((pid = fork()) == 0) {
		int null = fileno(fopen("/dev/null", "w"));
		dup2(null, 2);
		execl(SUPD, "supd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	setenv("SUP_RUN_DIR", run, 1); /* the default tree, for sup_call() */
	for (int i = 0; i < 500 && (sup_lookup("bench", &w) != SUP_OK ||
	    sup_lookup("pool.3", &w) != SUP_OK); i++)
		usleep(10000);
	return pid;
}

int
main(void)
{
	double f, fn, c, tp, ftp, fc, ck, rr, t1, t2, tc, pw, sw, c1, c2, er;
	struct sup_where w;
	pid_t supd, echo;
	char cmd[128];

	strcpy(dir, "/tmp/sup-bench-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(echo_url, sizeof(echo_url), "ipc://%s/echo", dir);
	echo = nng_echo_start(echo_url);
	supd = supd_start();
	f = floor_rtt(20000);
	fn = nng_rtt(echo_url, 20000);
	c = call_rtt(20000);
	printf("call_rtt_64b_median %.1f us (floor %.1f us raw AF_UNIX, ratio "
	    "%.2f; bare nng %.1f us, ratio %.2f)\n", c, f, c / f, fn, c / fn);
	ftp = throughput(caller_nng, 8, 2000);
	memset(echo_req, 'y', sizeof(echo_req));
	load_set("bench", false, echo_req, sizeof(echo_req));
	tp = throughput(caller, 8, 2000);
	printf("calls_per_s_8_callers %.0f calls/s (floor: bare nng %.0f "
	    "calls/s, ratio %.2f)\n", tp, ftp, tp / ftp);
	t1 = table_reads(1, 2000);
	t2 = table_reads(2, 2000);
	tc = throughput(caller, 2, 2000);
	printf("table_reads_per_s %.0f with 1 process, %.0f with 2 (floor: "
	    "calls/s for the same 64 bytes, 2 callers: %.0f; ratio %.2f)\n",
	    t1, t2, tc, t2 / tc);
	load_set("pool", true, WORK_REQ, strlen(WORK_REQ));
	pw = throughput(caller, 8, 2000);
	load_set("bench", false, WORK_REQ, strlen(WORK_REQ));
	sw = throughput(caller, 8, 2000);
	printf("pool4_calls_per_s_8_callers %.0f calls/s, each 500 us of work "
	    "and a checkpoint (floor: one worker, same calls %.0f calls/s; "
	    "ratio %.2f, bound by %ld cores)\n", pw, sw, pw / sw,
	    sysconf(_SC_NPROCESSORS_ONLN));
	subscriber_start();
	c2 = call_rtt(20000);
	er = emit_rate(200000);
	subscriber_stop();
	c1 = call_rtt(20000);
	printf("telemetry_call_rtt_64b_median %.1f us with a subscriber "
	    "(floor: %.1f us with none; overhead %.1f%%)\n", c2, c1,
	    (c2 / c1 - 1) * 100);
	printf("telemetry_events_per_s %.0f events/s emitted by one worker "
	    "with a subscriber (floor: none)\n", er);
	fc = floor_commits(20000);
	ck = checkpoints(20000);
	printf("checkpoints_per_s_10_fields %.0f /s (floor %.0f single-row "
	    "commits/s, ratio %.2f)\n", ck, fc, ck / fc);
	double lf, lk = lookup_us(2000, &lf);
	printf("sup_lookup_median %.1f us (floor %.1f us: the same four "
	    "reads in one transaction on a kept connection, a stat and "
	    "/proc/PID/stat; ratio %.2f)\n", lk, lf, lk / lf);
	rr = restart_to_ready();
	double ef = exec_floor();
	printf("worker_restart_to_ready_after_kill9 %.1f ms (floor %.1f ms: "
	    "fork + exec of the same binary, loaded, exiting at once; ratio "
	    "%.1f)\n", rr, ef, rr / ef);
	sup_lookup("bench", &w);
	long pss = proc_field(w.pid, "smaps_rollup", "Pss:");
	long thr = proc_field(w.pid, "status", "Threads:");
	/* Each thread has a 16 kB kernel stack that PSS does not count. */
	long per = pss + thr * 16;
	printf("worker_rss %ld kB, threads %ld; PSS %ld kB with 5 workers "
	    "running, %ld kB with the threads' kernel stacks: about %ld "
	    "workers in 24 GiB (floor: none; nng 1.5.2 starts its threads "
	    "at a fixed count, with no knob to shrink them)\n",
	    proc_field(w.pid, "status", "VmRSS:"), thr, pss, per,
	    per > 0 ? 24L * 1024 * 1024 / per : 0);
	hibernation(&w);
	kill(supd, SIGTERM);
	kill(echo, SIGKILL);
	waitpid(supd, NULL, 0);
	waitpid(echo, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
