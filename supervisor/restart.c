/*
 * supervisor/restart.c — restart math: backoff, intensity window,
 * strategy ranges, restart types (restart.h). No clock, no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/sig.h"
#include "restart.h"

unsigned
rst_backoff_step(unsigned prev, int64_t uptime_ms, int64_t reset_ms)
{
	if (uptime_ms >= reset_ms)
		return 1;
	return prev < 64 ? prev + 1 : 64;
}

int64_t
rst_backoff_delay(const struct cfg_backoff *b, unsigned step, uint64_t rnd)
{
	int64_t d = b->first_ms;

	if (step <= 1 || d == 0)
		return 0;
	for (unsigned k = 2; k < step && d < b->max_ms; k++)
		d *= 2;
	if (d > b->max_ms)
		d = b->max_ms;
	/* Jitter in [d/2, d] spreads siblings that failed together. */
	int64_t lo = d / 2;
	return lo + (int64_t)(rnd % (uint64_t)(d - lo + 1));
}

/* Slots a window starts with: most groups never restart more often. */
#define RST_WINDOW_FIRST 8

bool
rst_window_init(struct rst_window *w, int intensity)
{
	w->max = intensity + 1;
	w->cap = w->max < RST_WINDOW_FIRST ? w->max : RST_WINDOW_FIRST;
	w->n = 0;
	w->head = 0;
	w->t = malloc((size_t)w->cap * sizeof(*w->t));
	return w->t != NULL;
}

/* Twice the slots (at most max), the oldest moved to slot 0. */
static bool
window_grow(struct rst_window *w)
{
	int cap = w->cap > w->max / 2 ? w->max : w->cap * 2;
	int64_t *t = malloc((size_t)cap * sizeof(*t));

	if (t == NULL)
		return false;
	for (int i = 0; i < w->n; i++)
		t[i] = w->t[(w->head + i) % w->cap];
	free(w->t);
	w->t = t;
	w->cap = cap;
	w->head = 0;
	return true;
}

void
rst_window_push(struct rst_window *w, int64_t t_ms)
{
	if (w->n == w->cap && (w->cap == w->max || !window_grow(w))) {
		w->head = (w->head + 1) % w->cap; /* over anyway: dropped */
		w->n--;
	}
	w->t[(w->head + w->n) % w->cap] = t_ms;
	w->n++;
}

void
rst_window_fini(struct rst_window *w)
{
	free(w->t);
	w->t = NULL;
}

/* An empty ring that grew for a burst goes back to its first size: a
 * group that once restarted 5000 times does not keep 40 kB for good. */
static void
window_shrink(struct rst_window *w)
{
	int64_t *t;

	if (w->n > 0 || w->cap <= RST_WINDOW_FIRST)
		return;
	if ((t = realloc(w->t, RST_WINDOW_FIRST * sizeof(*t))) != NULL) {
		w->t = t;
		w->cap = RST_WINDOW_FIRST;
	}
	w->head = 0;
}

void
rst_window_clear(struct rst_window *w)
{
	w->n = 0;
	w->head = 0;
	window_shrink(w);
}

bool
rst_in_period(int64_t t_ms, int64_t now_ms, int64_t period_ms)
{
	return now_ms - t_ms <= period_ms;
}

static void
window_expire(struct rst_window *w, int64_t now_ms, int64_t period_ms)
{
	while (w->n > 0 && !rst_in_period(w->t[w->head], now_ms, period_ms)) {
		w->head = (w->head + 1) % w->cap;
		w->n--;
	}
}

bool
rst_window_add(struct rst_window *w, int64_t now_ms, int intensity,
    int64_t period_ms)
{
	window_expire(w, now_ms, period_ms);
	window_shrink(w);
	rst_window_push(w, now_ms);
	return w->n > intensity;
}

int
rst_window_count(const struct rst_window *w, int64_t now_ms,
    int64_t period_ms)
{
	int c = 0;

	for (int i = 0; i < w->n; i++)
		c += rst_in_period(w->t[(w->head + i) % w->cap], now_ms,
		    period_ms);
	return c;
}

void
rst_strategy_range(enum cfg_strategy s, int f, int n, int *lo, int *hi)
{
	switch (s) {
	case STRAT_ONE_FOR_ALL:
		*lo = 0;
		*hi = n - 1;
		break;
	case STRAT_REST_FOR_ONE:
		*lo = f;
		*hi = n - 1;
		break;
	case STRAT_ONE_FOR_ONE:
	default:
		*lo = f;
		*hi = f;
		break;
	}
}

bool
rst_should_restart(enum cfg_restart type, bool normal_exit)
{
	switch (type) {
	case RESTART_PERMANENT:
		return true;
	case RESTART_TRANSIENT:
		return !normal_exit;
	case RESTART_TEMPORARY:
	default:
		return false;
	}
}

void
rst_exit_describe(int wstatus, char *buf, size_t n)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, n, "exited with status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, n, "killed by signal %d (%s)%s", WTERMSIG(wstatus),
		    sig_name(WTERMSIG(wstatus)),
		    WCOREDUMP(wstatus) ? ", core dumped" : "");
	else
		snprintf(buf, n, "wait status %#x", (unsigned)wstatus);
}

bool
rst_exit_normal(const struct cfg_exit_set *set, bool has_code, int code,
    int sig)
{
	if (has_code)
		return code >= 0 && code <= 255 &&
		    (set->codes[code / 8] & (1u << (code % 8))) != 0;
	return sig >= 1 && sig <= 64 && (set->sigs & (1ull << (sig - 1))) != 0;
}
