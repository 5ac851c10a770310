/*
 * supervisor/health.c — exec health probes (health.h): Docker's
 * HEALTHCHECK and process-compose's exec probes, run by supd.
 *
 * A worker with health = CMD has its probe run health_interval after it
 * is ready, then health_interval after each probe ends. The probe runs as
 * the worker does (its user, directory, umask and environment, with
 * SUP_PID naming the worker's process), spawned as a child is (spawn.c:
 * the loop is suspended only until the probe execs), in its own process
 * group, its stdin /dev/null and its stdout and stderr into a pipe that
 * the loop reads without blocking. Exit 0 is healthy; anything else, or
 * still running after health_timeout (its group is then SIGKILLed), is a
 * failure. After health_retries failures in a row (those within
 * health_start_period of the start do not count until a probe passed),
 * the worker is hung: the engine stops it and its exit is a failure,
 * "health check failed: " and the last line the probe wrote.
 *
 * Invariants:
 *  - Only the workers with a probe are looked at (d->health_nodes), and
 *    only a running one has a deadline: without them, health_deadline()
 *    is 0 and supd makes no wake-up for probes.
 *  - At most one probe per worker runs; its result counts only for the
 *    process it was started for, still running. A probe of a process
 *    that stopped is killed, and its result dropped.
 *  - Whatever is left of a probe's process group is killed when the
 *    probe is reaped: no probe outlives its result. A probe dies with
 *    supd too (PR_SET_PDEATHSIG): after a kill -9 nobody would time it
 *    out.
 *  - Of a probe's output, only the last line is kept (HEALTH_LINE_MAX
 *    bytes of it), and at most PROBE_READ_MAX bytes are read per turn
 *    of the loop: a probe that floods its pipe cannot hold supd.
 *  - Nothing is kept across a supd restart or re-exec: an adopted
 *    worker's health starts unknown, its first probe an interval later.
 *
 * Sections: the list; output; a probe's life; deadlines; what status
 * shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "common/clock.h"
#include "common/dur.h"
#include "common/log.h"
#include "common/sig.h"
#include "common/utf8.h"
#include "effects.h"
#include "health.h"
#include "restart.h"
#include "spawn.h"
#include "supd.h"
#include "watch.h"

#define HEALTH_LINE_MAX 200
#define PROBE_READ_MAX (64 * 1024)

struct health {
	enum health_state state;
	int failures;		/* in a row, counted */
	bool passed;		/* a probe passed: the start period is over */
	pid_t about_pid;	/* the process all this is about */
	uint64_t about_spawn;
	int64_t ready_ns;	/* when it was found running */
	int64_t next_ns;	/* the next probe starts; 0: none planned */

	pid_t probe;		/* running; 0: none */
	pid_t probe_for;	/* the worker's pid when it started */
	uint64_t probe_spawn;
	int64_t kill_ns;	/* its health_timeout */
	bool timed_out;		/* SIGKILLed at its timeout */
	bool dropped;		/* SIGKILLed: its process is gone */
	int exec_errno;		/* it could not exec (it exits 127) */
	int fd;			/* its stdout and stderr; -1: closed */
	char cur[HEALTH_LINE_MAX]; /* the line being read */
	size_t curlen;
	char last[HEALTH_LINE_MAX]; /* its last line so far */
	char output[HEALTH_LINE_MAX]; /* the last probe's, printable */
};

/* --- the list ------------------------------------------------------------ */

sup_err
health_init(struct supd *d)
{
	int n = 0;

	for (int i = 0; i < d->nnodes; i++)
		n += !d->nodes[i]->is_group && d->nodes[i]->w->health != NULL;
	d->nhealth = 0;
	if (n == 0)
		return SUP_OK;
	if ((d->health_nodes = calloc((size_t)n, sizeof(*d->health_nodes))) ==
	    NULL)
		return SUP_ENOMEM;
	for (int i = 0; i < d->nnodes; i++) {
		struct supd_node *k = d->nodes[i];
		if (k->is_group || k->w->health == NULL)
			continue;
		if ((k->health = calloc(1, sizeof(*k->health))) == NULL)
			return SUP_ENOMEM;
		k->health->fd = -1;
		d->health_nodes[d->nhealth++] = k;
	}
	return SUP_OK;
}

static void out_close(struct supd *d, struct health *h);

static void
probe_kill(struct health *h)
{
	if (h->probe > 0 && !h->dropped) {
		sig_group(h->probe, SIGKILL);
		h->dropped = true;
	}
}

void
health_probes_kill(struct supd *d)
{
	for (int i = 0; i < d->nhealth; i++)
		probe_kill(d->health_nodes[i]->health);
}

void
health_fini(struct supd *d)
{
	for (int i = 0; i < d->nhealth; i++) {
		struct supd_node *n = d->health_nodes[i];
		probe_kill(n->health);
		out_close(d, n->health);
		free(n->health);
		n->health = NULL;
	}
	free(d->health_nodes);
	d->health_nodes = NULL;
	d->nhealth = 0;
}

/* --- output -------------------------------------------------------------- */

/* The last line wins; a line longer than we keep keeps its start. */
static void
out_take(struct health *h, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (h->curlen > 0) {
				memcpy(h->last, h->cur, h->curlen);
				h->last[h->curlen] = '\0';
			}
			h->curlen = 0;
		} else if (buf[i] != '\r' && h->curlen < sizeof(h->cur) - 1)
			h->cur[h->curlen++] = buf[i];
	}
}

static void
out_close(struct supd *d, struct health *h)
{
	if (h->curlen > 0) { /* a last line without its newline */
		memcpy(h->last, h->cur, h->curlen);
		h->last[h->curlen] = '\0';
		h->curlen = 0;
	}
	if (h->fd < 0)
		return;
	watch_del(d, h->fd);
	close(h->fd);
	h->fd = -1;
}

/* What is in the pipe now, PROBE_READ_MAX at most; closed at its end. */
static void
out_read(struct supd *d, struct health *h)
{
	char buf[4096];
	size_t total = 0;
	ssize_t k;

	while (h->fd >= 0 && total < PROBE_READ_MAX) {
		k = read(h->fd, buf, sizeof(buf));
		if (k > 0) {
			out_take(h, buf, (size_t)k);
			total += (size_t)k;
		} else if (k < 0 && errno == EINTR) {
			continue;
		} else if (k < 0 && errno == EAGAIN) {
			return;
		} else {
			out_close(d, h); /* its end (or a broken pipe) */
		}
	}
}

void
health_output(struct supd *d, int index)
{
	if (index >= 0 && index < d->nnodes && d->nodes[index]->health != NULL)
		out_read(d, d->nodes[index]->health);
}

/* --- a probe's life ------------------------------------------------------ */

/* Health runs for a ready worker with a process. */
static bool
watched(const struct supd_node *n)
{
	return n->state == NS_RUNNING && n->pid > 0;
}

static void
probe_start(struct supd *d, struct supd_node *n, int64_t now)
{
	const struct cfg_worker *w = n->w;
	struct health *h = n->health;
	struct spawn_req r = {
		.path = w->health_path, .argv = w->health_argv,
		.envp = child_probe_env(d, n), .dir = w->directory,
		.uid = w->uid, .umask = w->umask,
		.set_user = w->has_user && geteuid() == 0,
		.gid = w->gid, .groups = w->groups, .ngroups = w->ngroups,
		.fd_in = d->devnullfd, .pid_fd = -1, .reset = &d->reset_sigs,
		.nofile = &d->nofile, .die_with_supd = true,
	};
	int p[2], step;
	pid_t pid;
	sup_err e;

	h->next_ns = 0;
	/* supd's own trouble is not the worker's failure: try again. */
	if (pipe2(p, O_CLOEXEC) != 0) {
		log_warn("cannot run %s's health probe: pipe: %s", n->name,
		    strerror(errno));
		h->next_ns = clk_after(now, w->health_interval_ms);
		return;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	r.fd_out = r.fd_err = p[1];
	e = spawn_run(&r, &pid, &h->exec_errno, &step);
	close(p[1]);
	if (e != SUP_OK) {
		close(p[0]);
		log_warn("cannot run %s's health probe: %s", n->name,
		    sup_strerror(e));
		h->next_ns = clk_after(now, w->health_interval_ms);
		return;
	}
	h->probe = pid;
	h->probe_for = n->pid;
	h->probe_spawn = n->spawn_id;
	h->kill_ns = clk_after(now, w->health_timeout_ms);
	h->timed_out = h->dropped = false;
	h->curlen = 0;
	h->last[0] = '\0';
	h->fd = p[0];
	/* Without the pipe in the loop the probe still counts; only its
	 * words are lost. */
	if (watch_add(d, h->fd, SRC_PROBE, n->order) != SUP_OK) {
		close(h->fd);
		h->fd = -1;
	}
}

/* The last line of a probe that failed, or why it failed. */
static void
failure_line(const struct supd_node *n, const struct health *h,
    int wstatus, char *buf, size_t len)
{
	char t[32];

	if (h->timed_out)
		snprintf(buf, len, "timed out after %s (health_timeout)",
		    dur_format(n->w->health_timeout_ms, t, sizeof(t)));
	else if (h->exec_errno != 0)
		snprintf(buf, len, "cannot run %s: %s", n->w->health_path,
		    strerror(h->exec_errno));
	else if (h->last[0] != '\0')
		utf8_clean(buf, len, h->last);
	else
		rst_exit_describe(wstatus, buf, len);
}

static void
probe_passed(struct supd_node *n, struct health *h)
{
	enum health_state was = h->state;

	h->state = HEALTH_HEALTHY;
	h->failures = 0;
	h->passed = true;
	utf8_clean(h->output, sizeof(h->output), h->last);
	if (was != HEALTH_HEALTHY)
		LOG_EV("child.health", log_str("name", n->name),
		    log_num("pid", (int)n->pid), log_str("health", "healthy"));
}

/* Returns true when n is hung now. */
static bool
probe_failed(struct supd_node *n, struct health *h, int wstatus,
    int64_t now)
{
	const struct cfg_worker *w = n->w;
	bool early = !h->passed && now - h->ready_ns <
	    w->health_start_period_ms * CLK_NS_PER_MS;

	failure_line(n, h, wstatus, h->output, sizeof(h->output));
	if (!early) {
		h->failures++;
		h->state = HEALTH_UNHEALTHY;
	}
	LOG_EV("child.health", log_str("name", n->name),
	    log_num("pid", (int)n->pid), log_str("health", early ? "starting"
	    : "unhealthy"), log_num("failures", h->failures),
	    log_num("retries", w->health_retries),
	    log_str("output", h->output));
	return h->failures >= w->health_retries;
}

static void
probe_done(struct supd *d, struct supd_node *n, int wstatus)
{
	struct health *h = n->health;
	pid_t pid = h->probe;
	int64_t now = clk_mono_ns();
	bool ok;

	out_read(d, h);
	/* A grandchild that keeps the pipe open does not hold the result;
	 * it dies with the group now. */
	out_close(d, h);
	sig_group(pid, SIGKILL);
	h->probe = 0;
	if (!watched(n) || h->probe_for != n->pid || h->probe_spawn !=
	    n->spawn_id || (h->dropped && !h->timed_out))
		return; /* its process is gone: nothing to say of it */
	ok = !h->timed_out && h->exec_errno == 0 && WIFEXITED(wstatus) &&
	    WEXITSTATUS(wstatus) == 0;
	if (ok)
		probe_passed(n, h);
	else if (probe_failed(n, h, wstatus, now)) {
		d->activity = true;
		effects_hung(d, n, HUNG_HEALTH);
		return;
	}
	h->next_ns = clk_after(now, n->w->health_interval_ms);
}

bool
health_reaped(struct supd *d, pid_t pid, int wstatus)
{
	for (int i = 0; i < d->nhealth; i++)
		if (d->health_nodes[i]->health->probe == pid) {
			probe_done(d, d->health_nodes[i], wstatus);
			return true;
		}
	return false;
}

/* --- deadlines ----------------------------------------------------------- */

/* A ready process its health has not seen yet. */
static bool
fresh(const struct supd_node *n)
{
	return watched(n) && (n->health->about_pid != n->pid ||
	    n->health->about_spawn != n->spawn_id);
}

/* n's health, brought up to date with its process at now. */
static void
h_sync(struct supd_node *n, int64_t now)
{
	struct health *h = n->health;

	if (!watched(n)) {
		h->next_ns = 0;
		probe_kill(h);
		return;
	}
	if (!fresh(n))
		return;
	probe_kill(h); /* one started for an earlier process */
	h->about_pid = n->pid;
	h->about_spawn = n->spawn_id;
	h->state = HEALTH_UNKNOWN;
	h->failures = 0;
	h->passed = false;
	h->output[0] = '\0';
	h->ready_ns = now;
	h->next_ns = clk_after(now, n->w->health_interval_ms);
}

int64_t
health_deadline(struct supd *d)
{
	int64_t now = 0, t = 0, dl;

	for (int i = 0; i < d->nhealth; i++) {
		struct supd_node *n = d->health_nodes[i];
		struct health *h = n->health;
		if (now == 0 && fresh(n))
			now = clk_mono_ns();
		h_sync(n, now);
		/* A probe killed at its timeout is reaped soon: no
		 * deadline. */
		dl = h->probe > 0 ? (h->dropped ? 0 : h->kill_ns) : h->next_ns;
		if (dl != 0 && (t == 0 || dl < t))
			t = dl;
	}
	return t;
}

void
health_run(struct supd *d, int64_t now)
{
	for (int i = 0; i < d->nhealth; i++) {
		struct supd_node *n = d->health_nodes[i];
		struct health *h = n->health;
		h_sync(n, now);
		if (h->probe > 0 && !h->dropped && h->kill_ns <= now) {
			h->timed_out = true;
			probe_kill(h);
		} else if (h->probe == 0 && h->next_ns != 0 &&
		    h->next_ns <= now)
			probe_start(d, n, now);
	}
}

/* --- what status shows --------------------------------------------------- */

const char *
health_name(const struct supd_node *n)
{
	static const char *const names[] = {"unknown", "healthy",
	    "unhealthy"};

	if (n->health == NULL)
		return NULL;
	if (n->pid <= 0 || n->health->about_pid != n->pid)
		return names[HEALTH_UNKNOWN];
	return names[n->health->state];
}

int
health_failures(const struct supd_node *n)
{
	return n->health != NULL && n->health->about_pid == n->pid ?
	    n->health->failures : 0;
}

const char *
health_last_line(const struct supd_node *n)
{
	return n->health != NULL ? n->health->output : "";
}
