/*
 * supervisor/ghost.c — children that left the config, stopped in reverse
 * order, one at a time (ghost.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/sig.h"
#include "ghost.h"
#include "persist.h"
#include "state/state.h"
#include "supd.h"
#include "tree.h"
#include "watch.h"

struct ghost {
	char name[CFG_NAME_MAX + 16];
	pid_t pid;
	int pidfd;		/* -1 once it is gone */
	int position;		/* in the old tree: stopped last first */
	int sig;		/* its stop_signal (SIGKILL: brutal_kill) */
	int64_t shutdown_ms;	/* INT64_MAX: infinity */
	bool signalled;
	int64_t deadline_ns;	/* SIGKILL then; 0: none */
};

/* Who decided a removal: a reload, or a supd started on a new config. */
static const char *
removed_by(const struct supd *d)
{
	return d->ho.mode == HANDOVER_RELOAD ? "reload" : "config";
}

bool
ghost_add(struct supd *d, const struct st_node *r, pid_t pid,
    int64_t start)
{
	struct ghost *g = realloc(d->ghosts, (size_t)(d->nghosts + 1) *
	    sizeof(*g));

	if (g == NULL)
		return false;
	d->ghosts = g;
	g = &d->ghosts[d->nghosts++];
	*g = (struct ghost){.pid = pid, .position = r->position,
	    .shutdown_ms = r->shutdown_ms,
	    .sig = r->shutdown_ms == 0 ? SIGKILL : r->stop_signal > 0 ?
	    r->stop_signal : SIGTERM};
	snprintf(g->name, sizeof(g->name), "%s", r->name);
	g->pidfd = proc_pidfd_same(pid, start); /* -1: gone already */
	persist_event(d, g->name, "removed", pid, NULL,
	    "left the config: stopped", removed_by(d));
	if (g->pidfd < 0) /* gone already: nothing to find again */
		persist_row_drop(d, g->name);
	return true;
}

static int
by_position_desc(const void *a, const void *b)
{
	return ((const struct ghost *)b)->position -
	    ((const struct ghost *)a)->position;
}

static void
ghost_stop(struct ghost *g)
{
	g->signalled = true;
	if (g->shutdown_ms > 0 && g->shutdown_ms != INT64_MAX)
		g->deadline_ns = clk_after(clk_mono_ns(), g->shutdown_ms);
	LOG_EV("config.removed", log_str("name", g->name),
	    log_num("pid", (int)g->pid), log_num("signal", g->sig),
	    log_str("note", "left the config: stopping it"));
	if (sig_group(g->pid, g->sig) != 0)
		sig_proc(g->pid, g->sig);
	sig_group(g->pid, SIGCONT);
}

/* Stops the next ghost alive, unless one is being stopped. */
static void
ghost_next(struct supd *d)
{
	for (int i = 0; i < d->nghosts; i++) {
		struct ghost *g = &d->ghosts[i];
		if (g->pidfd < 0)
			continue;
		if (!g->signalled)
			ghost_stop(g);
		return;
	}
}

void
ghosts_begin(struct supd *d)
{
	if (d->nghosts > 1)
		qsort(d->ghosts, (size_t)d->nghosts, sizeof(*d->ghosts),
		    by_position_desc);
	for (int i = 0; i < d->nghosts; i++) {
		struct ghost *g = &d->ghosts[i];
		if (g->pidfd >= 0 && watch_add(d, g->pidfd, SRC_GHOST, i) !=
		    SUP_OK) {
			/* Unwatched, it could never be seen to go: stopped
			 * now, and not waited for. */
			close(g->pidfd);
			g->pidfd = -1;
			ghost_stop(g);
		}
	}
	ghost_next(d);
}

void
ghost_gone(struct supd *d, int i)
{
	struct ghost *g = &d->ghosts[i];

	if (g->pidfd < 0)
		return;
	close(g->pidfd);
	g->pidfd = -1;
	g->deadline_ns = 0;
	sig_group(g->pid, SIGKILL); /* what is left of its process group */
	/* Gone: its row can go (a name back in the config has its own). */
	if (tree_find(d, g->name) == NULL)
		persist_row_drop(d, g->name);
	LOG_EV("config.removed", log_str("name", g->name),
	    log_num("pid", (int)g->pid), log_str("note", "stopped"));
	ghost_next(d);
}

int
ghost_count(const struct supd *d)
{
	int n = 0;

	for (int i = 0; i < d->nghosts; i++)
		n += d->ghosts[i].pidfd >= 0;
	return n;
}

void
ghosts_stop_all(struct supd *d)
{
	for (int i = 0; i < d->nghosts; i++)
		if (d->ghosts[i].pidfd >= 0 && !d->ghosts[i].signalled)
			ghost_stop(&d->ghosts[i]);
}

void
ghosts_kill(struct supd *d)
{
	for (int i = 0; i < d->nghosts; i++)
		if (d->ghosts[i].pidfd >= 0) {
			sig_group(d->ghosts[i].pid, SIGKILL);
			sig_proc(d->ghosts[i].pid, SIGKILL);
		}
}

int64_t
ghost_deadline(const struct supd *d)
{
	int64_t t = 0;

	for (int i = 0; i < d->nghosts; i++)
		if (d->ghosts[i].deadline_ns && (t == 0 ||
		    d->ghosts[i].deadline_ns < t))
			t = d->ghosts[i].deadline_ns;
	return t;
}

void
ghost_deadlines(struct supd *d, int64_t now)
{
	for (int i = 0; i < d->nghosts; i++) {
		struct ghost *g = &d->ghosts[i];
		if (g->deadline_ns == 0 || g->deadline_ns > now)
			continue;
		g->deadline_ns = 0;
		LOG_EV("config.removed", log_str("name", g->name),
		    log_num("pid", (int)g->pid),
		    log_str("note", "killed after its shutdown time"));
		sig_group(g->pid, SIGKILL);
		sig_proc(g->pid, SIGKILL);
	}
}
