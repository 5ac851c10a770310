/*
 * worker/timers.c — the worker's one timer source: sup_timer_start()
 * timers, the inactivity timeout, periodic checkpoints and the retry of a
 * degraded handle_continue, all on one timerfd armed to the earliest.
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

static int
timer_due(sup_worker *w, int64_t now)
{
	int best = -1;

	for (int i = 0; i < w->ntimers; i++)
		if (w->timers[i].due_ns <= now && (best < 0 ||
		    w->timers[i].due_ns < w->timers[best].due_ns))
			best = i;
	return best;
}

void
wrk_timers_run(sup_worker *w)
{
	int64_t now = wrk_now_ns();
	uint64_t ticks;
	int i;

	(void)!read(w->timerfd, &ticks, sizeof(ticks));
	w->armed_ns = 0;
	if (wrk_telemetry_due() != 0 && wrk_telemetry_due() <= now)
		wrk_telemetry_flush();
	if (w->checkpoint_due_ns && w->checkpoint_due_ns <= now) {
		w->checkpoint_due_ns = 0;
		if (wrk_checkpoint_now(w) != SUP_OK) /* try again later */
			w->checkpoint_due_ns = clk_after(now, w->checkpoint_ms);
	}
	if (w->retry_due_ns && w->retry_due_ns <= now && !w->quit) {
		w->retry_due_ns = 0;
		wrk_wake(w);
		wrk_continue_run(w);
	}
	/* Only what was due when we woke: a timer re-armed at 0 ms from its
	 * own handle_info waits for the next turn, after the requests. */
	while (!w->quit && (i = timer_due(w, now)) >= 0) {
		struct sup_info info = {.kind = SUP_TIMER,
		    .timer = w->timers[i].id};
		char tag[64];
		memcpy(tag, w->timers[i].tag, sizeof(tag));
		info.tag = tag;
		w->timers[i] = w->timers[--w->ntimers]; /* fired: gone */
		wrk_wake(w); /* a message like any other */
		if (w->ops->handle_info != NULL) {
			w->in_callback = true;
			wrk_after(w, w->ops->handle_info(w, w->state, &info));
		}
	}
	if (!w->quit && w->hib_due_ns && w->hib_due_ns <= wrk_now_ns())
		wrk_hibernate(w);
	if (!w->quit && w->idle_due_ns && w->idle_due_ns <= wrk_now_ns()) {
		struct sup_info info = {.kind = SUP_TIMEOUT};
		wrk_wake(w);
		w->idle_due_ns = clk_after(wrk_now_ns(), w->idle_ms);
		if (w->ops->handle_info != NULL) {
			w->in_callback = true;
			wrk_after(w, w->ops->handle_info(w, w->state, &info));
		}
	}
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

void
wrk_timers_arm(sup_worker *w)
{
	struct itimerspec its = {{0, 0}, {0, 0}};
	int64_t t = earliest(w->checkpoint_due_ns, w->retry_due_ns);

	t = earliest(t, w->idle_due_ns);
	t = earliest(t, w->hib_due_ns);
	t = earliest(t, wrk_telemetry_due());
	for (int i = 0; i < w->ntimers; i++)
		t = earliest(t, w->timers[i].due_ns);
	if (t == w->armed_ns)
		return;
	if (t != 0) {
		its.it_value.tv_sec = t / 1000000000;
		its.it_value.tv_nsec = t % 1000000000;
	}
	/* Saturated deadlines (clk_after) are always valid: a failure here
	 * would stop every timer, so it is said, and retried at the next
	 * turn of the loop. */
	if (timerfd_settime(w->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		wrk_log(w, "cannot arm the timer for %lld ns: %s", (long long)t,
		    strerror(errno));
		w->armed_ns = -1;
		return;
	}
	w->armed_ns = t;
}
