/*
 * worker/timers.c — the worker's one timer source: sup_timer_start()
 * timers, the inactivity timeout, periodic checkpoints, hibernation,
 * the retry of a degraded handle_continue and supd's watchdog (WATCHDOG=1
 * every half WATCHDOG_USEC, only when supd set it), all on one timerfd
 * armed to the earliest. This file answers what is due and when; the runtime's
 * loop (runtime.c) runs what is due, as supd's loop runs its deadlines.
 *
 * Timers are few (a worker's periodic jobs): a small array scanned for
 * the earliest beats a heap in code and in time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "wrk.h"

int64_t
wrk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

SUP_API uint64_t
sup_timer_start(sup_worker *w, int64_t ms, const char *tag)
{
	struct wrk_timer *t = realloc(w->timers, (size_t)(w->ntimers + 1) *
	    sizeof(*t));

	if (t == NULL)
		return 0;
	w->timers = t;
	t = &w->timers[w->ntimers++];
	t->id = ++w->timer_seq;
	t->due_ns = clk_after(wrk_now_ns(), ms);
	snprintf(t->tag, sizeof(t->tag), "%s", tag ? tag : "");
	return t->id;
}

SUP_API bool
sup_timer_cancel(sup_worker *w, uint64_t timer)
{
	for (int i = 0; i < w->ntimers; i++)
		if (w->timers[i].id == timer) {
			w->timers[i] = w->timers[--w->ntimers];
			return true;
		}
	return false;
}

SUP_API void
sup_timeout_set(sup_worker *w, int64_t ms)
{
	w->idle_ms = ms > 0 ? ms : 0;
	w->idle_due_ns = ms > 0 ? clk_after(wrk_now_ns(), ms) : 0;
}

bool
wrk_timer_take(sup_worker *w, int64_t now, struct sup_info *info,
    char tag[64])
{
	int best = -1;

	for (int i = 0; i < w->ntimers; i++)
		if (w->timers[i].due_ns <= now && (best < 0 ||
		    w->timers[i].due_ns < w->timers[best].due_ns))
			best = i;
	if (best < 0)
		return false;
	memcpy(tag, w->timers[best].tag, 64);
	*info = (struct sup_info){.kind = SUP_TIMER,
	    .timer = w->timers[best].id, .tag = tag};
	w->timers[best] = w->timers[--w->ntimers]; /* fired: gone */
	return true;
}

static int64_t
earliest(int64_t a, int64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

int64_t
wrk_timers_next(const sup_worker *w, int64_t also)
{
	int64_t t = earliest(w->checkpoint_due_ns, w->retry_due_ns);

	t = earliest(t, w->idle_due_ns);
	t = earliest(t, w->hib_due_ns);
	t = earliest(t, w->wd_due_ns);
	t = earliest(t, also);
	for (int i = 0; i < w->ntimers; i++)
		t = earliest(t, w->timers[i].due_ns);
	return t;
}

int
wrk_timerfd_arm(sup_worker *w, int64_t t)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (t == w->armed_ns)
		return 0;
	if (t != 0) {
		its.it_value.tv_sec = t / 1000000000;
		its.it_value.tv_nsec = t % 1000000000;
	}
	/* Saturated deadlines (clk_after) are always valid: on a failure
	 * all the same, armed_ns = -1 makes the loop look again soon. */
	if (timerfd_settime(w->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		w->armed_ns = -1;
		return errno;
	}
	w->armed_ns = t;
	return 0;
}
