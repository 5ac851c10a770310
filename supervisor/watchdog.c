/*
 * supervisor/watchdog.c — systemd's WatchdogSec for supd's children
 * (watchdog.h).
 *
 * A worker with watchdog = D gets WATCHDOG_USEC (D in microseconds) and
 * WATCHDOG_PID (its own pid) at each spawn (child.c), exactly as systemd
 * sets them, so that sd_watchdog_enabled(3) and sd_notify("WATCHDOG=1")
 * work unmodified; a libsup worker feeds it from its event loop. As in
 * systemd, the watchdog is armed once the child is ready (start_timeout
 * covers the start), each WATCHDOG=1 starts a new interval, and a child
 * that lets one pass is hung: the engine stops it (stop_signal, then
 * SIGKILL after shutdown) and its exit is a failure, "watchdog timeout".
 * WATCHDOG=trigger is a timeout now; WATCHDOG_USEC=N sets the interval of
 * the running process (0 turns its watchdog off), as systemd allows.
 *
 * Invariants:
 *  - Only the workers with a watchdog are looked at (d->wd_nodes), and
 *    only a running one is armed: with none, watchdog_deadline() is 0 and
 *    supd makes no wake-up for it.
 *  - Nothing is kept across a supd restart or re-exec: an adopted child's
 *    watchdog starts a fresh interval when the new supd finds it ready.
 *  - The state of a watchdog is about one process (its pid and spawn id):
 *    a new process starts from the config's interval again.
 */
#include <stdlib.h>

#include "common/clock.h"
#include "common/dur.h"
#include "common/log.h"
#include "effects.h"
#include "sdnotify.h"
#include "supd.h"
#include "watchdog.h"

sup_err
watchdog_init(struct supd *d)
{
	int n = 0;

	for (int i = 0; i < d->nnodes; i++)
		n += !d->nodes[i]->is_group && d->nodes[i]->w->watchdog_ms > 0;
	d->nwd = 0;
	if (n == 0)
		return SUP_OK;
	if ((d->wd_nodes = calloc((size_t)n, sizeof(*d->wd_nodes))) == NULL)
		return SUP_ENOMEM;
	for (int i = 0; i < d->nnodes; i++)
		if (!d->nodes[i]->is_group && d->nodes[i]->w->watchdog_ms > 0)
			d->wd_nodes[d->nwd++] = d->nodes[i];
	return SUP_OK;
}

void
watchdog_fini(struct supd *d)
{
	free(d->wd_nodes);
	d->wd_nodes = NULL;
	d->nwd = 0;
}

/* A watchdog runs for a ready child with a process. */
static bool
watched(const struct supd_node *n)
{
	return n->state == NS_RUNNING && n->pid > 0;
}

/* A ready process the watchdog has not seen yet. */
static bool
fresh(const struct supd_node *n)
{
	return watched(n) && (n->wd_pid != n->pid ||
	    n->wd_spawn != n->spawn_id);
}

/* n's watchdog, brought up to date with its process at now. */
static void
wd_sync(struct supd_node *n, int64_t now)
{
	if (!watched(n)) {
		n->wd_due_ns = 0;
		return;
	}
	if (!fresh(n))
		return;
	/* A process found ready for the first time: a fresh interval. */
	n->wd_pid = n->pid;
	n->wd_spawn = n->spawn_id;
	n->wd_triggered = false;
	n->wd_ns = clk_after(0, n->w->watchdog_ms);
	n->wd_due_ns = clk_after(now, n->w->watchdog_ms);
}

int64_t
watchdog_deadline(struct supd *d)
{
	int64_t now = 0, t = 0;

	for (int i = 0; i < d->nwd; i++) {
		struct supd_node *n = d->wd_nodes[i];
		if (now == 0 && fresh(n))
			now = clk_mono_ns();
		wd_sync(n, now);
		if (n->wd_due_ns != 0 && (t == 0 || n->wd_due_ns < t))
			t = n->wd_due_ns;
	}
	return t;
}

static void
hung(struct supd *d, struct supd_node *n, int64_t now)
{
	char buf[32];

	LOG_EV("child.watchdog", log_str("name", n->name),
	    log_num("pid", (int)n->pid), log_str("interval", dur_format(
	    n->wd_ns / CLK_NS_PER_MS, buf, sizeof(buf))),
	    log_str("note", n->wd_triggered ? "it sent WATCHDOG=trigger" :
	    "no WATCHDOG=1 within the interval"));
	(void)now;
	n->wd_due_ns = 0;
	d->activity = true;
	effects_hung(d, n, HUNG_WATCHDOG);
}

void
watchdog_run(struct supd *d, int64_t now)
{
	for (int i = 0; i < d->nwd; i++) {
		struct supd_node *n = d->wd_nodes[i];
		wd_sync(n, now);
		if (n->wd_due_ns != 0 && n->wd_due_ns <= now)
			hung(d, n, now);
	}
}

void
watchdog_notify(struct supd *d, struct supd_node *n, const struct sdn_msg *m)
{
	int64_t now;

	if (!m->watchdog && !m->watchdog_trigger && !m->has_watchdog_usec)
		return;
	/* Before it is ready, start_timeout is its watchdog (systemd arms
	 * WatchdogSec once the start is over too). */
	if (!watched(n))
		return;
	now = clk_mono_ns();
	if (m->watchdog_trigger) {
		n->wd_triggered = true;
		hung(d, n, now);
		return;
	}
	if (n->w->watchdog_ms == 0) /* not watched: no interval to change */
		return;
	wd_sync(n, now);
	if (m->has_watchdog_usec) {
		n->wd_ns = m->watchdog_usec >= (unsigned long long)CLK_NEVER /
		    1000 ? CLK_NEVER : (int64_t)m->watchdog_usec * 1000;
		log_debug("%s set its watchdog to %lld us", n->name,
		    (long long)m->watchdog_usec);
	}
	/* WATCHDOG_USEC=0: no watchdog for this process any more. */
	n->wd_due_ns = n->wd_ns > 0 ? (n->wd_ns >= CLK_NEVER - now ?
	    CLK_NEVER : now + n->wd_ns) : 0;
}
