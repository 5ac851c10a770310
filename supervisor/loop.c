/*
 * supervisor/loop.c — the only place supd blocks.
 *
 * One epoll over: a signalfd (SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1,
 * all blocked before nng started a thread), one timerfd armed to the
 * earliest deadline in the tree (start timeout, kill after shutdown,
 * end of a backoff), the sd_notify socket, the control socket's
 * pollable fd and, with http =, the HTTP requests' eventfd. No polling
 * and no sleeps: with no deadline pending the timer is disarmed and an
 * idle supd makes no wake-ups at all. The exceptions are asked for:
 * a service manager that sets WATCHDOG_USEC gets WATCHDOG=1 through the
 * same timer (manager.h), and a child with watchdog = or health = is
 * watched through it (watchdog.h, health.h): only those wake supd up.
 *
 * After each batch of events the tree is settled (effects_settle), deferred
 * replies are answered, and the timer is re-armed.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cgroup.h"
#include "child.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/sig.h"
#include "ctl.h"
#include "effects.h"
#include "events.h"
#include "http.h"
#include "ipc/http.h"
#include "ipc/ipc.h"
#include "loop.h"
#include "manager.h"
#include "notify.h"
#include "persist.h"
#include "reap.h"
#include "ghost.h"
#include "health.h"
#include "logholder.h"
#include "recover.h"
#include "reload.h"
#include "supd.h"
#include "tree.h"
#include "watch.h"
#include "watchdog.h"

void
loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
}

sup_err
loop_init(struct supd *d)
{
	sigset_t set;
	sup_err e;

	loop_signals(&set);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->epfd < 0 || d->sigfd < 0 || d->timerfd < 0)
		return SUP_ESYS | errno;
	if ((e = watch_add(d, d->sigfd, SRC_SIGNAL, 0)) != SUP_OK ||
	    (e = watch_add(d, d->timerfd, SRC_TIMER, 0)) != SUP_OK ||
	    (e = watch_add(d, d->notifyfd, SRC_NOTIFY, 0)) != SUP_OK ||
	    (e = watch_add(d, ipc_server_fd(d->ctl), SRC_CTL, 0)) != SUP_OK)
		return e;
	if (d->events_subs_fd >= 0 &&
	    (e = watch_add(d, events_fd(d), SRC_EVENTS_SUBS, 0)) != SUP_OK)
		return e;
	if (d->http != NULL &&
	    (e = watch_add(d, ipc_http_fd(d->http), SRC_HTTP, 0)) != SUP_OK)
		return e;
	if ((e = watchdog_init(d)) != SUP_OK || (e = health_init(d)) != SUP_OK)
		return e;
	return SUP_OK;
}

static void
signals_read(struct supd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD)
			d->activity = true;
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_signalled(d, (pid_t)si.ssi_pid);
			break;
		case SIGTERM:
		case SIGINT:
			LOG_EV("supd.signal",
			    log_str("signal", sig_name((int)si.ssi_signo)),
			    log_num("from_pid", si.ssi_pid));
			effects_event(d, EV_SHUTDOWN, NULL);
			break;
		case SIGUSR1:
			/* Older supctl and libsup sent it to heal a listener
			 * (ipc/epipe.c keeps them from breaking now). */
			break;
		case SIGHUP:
			LOG_EV("supd.signal", log_str("signal", "HUP"),
			    log_num("from_pid", si.ssi_pid),
			    log_str("note", "reloading the config"));
			if (!effects_shutting_down(d))
				reload_signal(d);
			break;
		}
	}
}

static void
deadlines_run(struct supd *d)
{
	int64_t now = clk_mono_ns(), t;
	uint64_t ticks;

	(void)!read(d->timerfd, &ticks, sizeof(ticks));
	d->timer_armed_ns = 0;
	if ((t = engine_next_deadline(&d->eng)) != 0 && t <= now) {
		effects_event(d, EV_TIMER, NULL);
		d->activity = true;
	}
	ghost_deadlines(d, now);
	manager_watchdog(&d->mgr, now);
	watchdog_run(d, now);
	health_run(d, now);
	cgroup_run(d, now);
	if (d->flush_due_ns != 0 && d->flush_due_ns <= now) {
		d->flush_due_ns = 0;
		persist_flush(d);
	}
}

static void
timer_arm_earliest(struct supd *d)
{
	struct itimerspec its = {{0, 0}, {0, 0}};
	int64_t t = ghost_deadline(d);
	int64_t dl = engine_next_deadline(&d->eng);
	int64_t wd = manager_watchdog_deadline(&d->mgr);
	/* None unless a child has a watchdog, a health probe, or (v2)
	 * memory_restart. */
	int64_t hung[3] = {watchdog_deadline(d), health_deadline(d),
	    cgroup_deadline(d)};

	if (d->flush_due_ns != 0 && (t == 0 || d->flush_due_ns < t))
		t = d->flush_due_ns;
	if (dl != 0 && (t == 0 || dl < t))
		t = dl;
	for (int i = 0; i < 3; i++)
		if (hung[i] != 0 && (t == 0 || hung[i] < t))
			t = hung[i];
	/* The only deadline of supd's own: none unless the service manager
	 * asked for WATCHDOG=1 (manager.c). */
	if (wd != 0 && (t == 0 || wd < t))
		t = wd;
	if (t == d->timer_armed_ns)
		return;
	if (t != 0) {
		its.it_value.tv_sec = t / 1000000000;
		its.it_value.tv_nsec = t % 1000000000;
	}
	/* Deadlines saturate (clk_after), so this cannot fail on a value;
	 * if it fails all the same, every deadline would stop: say so, and
	 * try again at the next turn. */
	if (timerfd_settime(d->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		log_error("cannot arm the timer for %lld ns: %s", (long long)t,
		    strerror(errno));
		d->timer_armed_ns = -1;
		return;
	}
	d->timer_armed_ns = t;
}

/*
 * Tells whoever waits on --ready-fd (supctl start) how the first start
 * ended: "ready" once root runs, or "failed" when root gave up and supd
 * stays (on_give_up = stay), so nobody waits for a start that is over.
 */
static void
ready_announce(struct supd *d)
{
	const char *msg;

	if (d->announced)
		return;
	if (d->root->state == NS_RUNNING)
		msg = "ready\n";
	else if (d->root->state == NS_FAILED)
		msg = "failed\n";
	else
		return;
	d->announced = true;
	/* What is announced is on disk: the tree as it started. */
	persist_flush(d);
	if (msg[0] == 'r')
		LOG_EV("supd.ready", log_num("children", d->nworkers));
	/* Failed too: with on_give_up = stay, supd is up as asked, and says
	 * so (STATUS= counts the failure); a manager left waiting would
	 * kill it at its start timeout. */
	manager_ready(&d->mgr);
	if (d->ready_fd >= 0) {
		(void)!write(d->ready_fd, msg, strlen(msg));
		close(d->ready_fd);
		d->ready_fd = -1;
	}
}

/* STATUS= for supd's service manager: sent when the summary changed. */
static void
status_tell(struct supd *d)
{
	char text[MANAGER_STATUS_MAX];

	if (d->mgr.fd < 0)
		return;
	tree_summary(d, text, sizeof(text));
	manager_status(&d->mgr, text);
}

/*
 * Commits what changed, in batches: a burst of exits costs a commit every
 * FLUSH_MS, not one per loop turn. Nothing is lost to a kill -9 meanwhile
 * that recovery does not find again: a spawn is named by its spawn record,
 * an exit is seen as a death while supd was down. Idle, nothing is armed.
 */
#define FLUSH_MS 10

static void
flush_schedule(struct supd *d)
{
	if (d->activity && !d->cfg->state_off && d->flush_due_ns == 0)
		d->flush_due_ns = clk_mono_ns() + FLUSH_MS * CLK_NS_PER_MS;
	d->activity = false;
}

static void
source_dispatch(struct supd *d, uint64_t tag)
{
	int index = (int)(uint32_t)tag;
	enum watch_source src = (enum watch_source)(tag >> 32);

	/* Anything but the timer, HTTP and a probe's output may change the
	 * tree; the timer says so itself when a deadline of the tree passed,
	 * and a SIGCHLD when a child of the tree exited (not a probe). */
	if (src != SRC_TIMER && src != SRC_HTTP && src != SRC_PROBE &&
	    src != SRC_SIGNAL && src != SRC_HOLDER)
		d->activity = true;
	switch (src) {
	case SRC_SIGNAL: signals_read(d); break;
	case SRC_TIMER: deadlines_run(d); break;
	case SRC_NOTIFY: notify_read(d); break;
	case SRC_CTL: ctl_read(d); break;
	case SRC_EVENTS: events_read(d); break;
	case SRC_EVENTS_SUBS: events_subscribers(d); break;
	case SRC_HTTP: supd_http_read(d); break;
	case SRC_PIDFD:
		if (index < d->nnodes && d->nodes[index]->pidfd >= 0)
			effects_exited(d, d->nodes[index],
			    child_adopted_gone(d, d->nodes[index]));
		break;
	case SRC_GHOST:
		ghost_gone(d, index);
		break;
	case SRC_PROBE:
		health_output(d, index);
		break;
	case SRC_HOLDER:
		logholder_event(d, index);
		break;
	case SRC_CGROUP:
		cgroup_memory_event(d, index);
		break;
	}
}

/*
 * The tree settled, a slice at a time: what is left (the rest of a start
 * of thousands) goes on at the next turn, after whatever the loop has to
 * answer meanwhile. Done when it is over and the children that left the
 * config are gone too.
 */
#define SETTLE_SLICE_MS 5

static void
settle(struct supd *d)
{
	d->settling = !effects_settle_for(d, SETTLE_SLICE_MS * CLK_NS_PER_MS);
	if (d->exiting)
		ghosts_stop_all(d); /* those still waiting their turn */
	if (d->exiting && ghost_count(d) == 0 && !d->settling)
		d->quit = true;
}

void
loop_run(struct supd *d)
{
	struct epoll_event ev[32];

	settle(d);
	persist_flush(d);
	while (!d->quit) {
		status_tell(d);
		ready_announce(d);
		ctl_waiters_check(d);
		timer_arm_earliest(d);
		/* A timer that could not be armed: look again in a second;
		 * a settle that goes on: only what is there already. */
		int n = epoll_wait(d->epfd, ev, 32, d->settling ? 0 :
		    d->timer_armed_ns < 0 ? 1000 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* EBADF, EFAULT or EINVAL: our own epoll set is broken,
			 * an invariant, not an outside error. Spinning on it
			 * would burn a core and supervise nothing; a supd
			 * started again adopts every child. */
			log_error("the event loop cannot wait: epoll_wait: %s",
			    strerror(errno));
			abort();
		}
		for (int i = 0; i < n; i++)
			source_dispatch(d, ev[i].data.u64);
		settle(d);
		/* The exits a SIGCHLD stood for beside the one it named, once
		 * the tree has acted on that one (reap.h). */
		if (d->reap_due) {
			d->reap_due = false;
			reap_all(d);
			settle(d);
		}
		flush_schedule(d);
	}
	ctl_waiters_check(d);
	persist_flush(d);
}
