/*
 * supervisor/restart.h — the restart decisions of DESIGN.md section 3 as
 * pure functions: the clock and randomness are passed in, nothing forks,
 * so every rule is unit-tested without a process.
 */
#ifndef SUPD_RESTART_H
#define SUPD_RESTART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/config.h"


/*
 * The consecutive-failure count after a failure: 1 when the child had
 * stayed up for at least reset_ms (the count starts over), else prev + 1.
 */
unsigned rst_backoff_step(unsigned prev, int64_t uptime_ms, int64_t reset_ms);

/*
 * The delay before the k-th consecutive restart (k = step, from 1): none
 * for the first; then d = min(max, first * 2^(k-2)) with jitter: a value
 * in [d/2, d] chosen by rnd (any 64-bit random number).
 */
int64_t rst_backoff_delay(const struct cfg_backoff *b, unsigned step,
    uint64_t rnd);

/*
 * A group's restart intensity window: the times of its recent restarts,
 * up to intensity + 1 of them. The ring starts small and doubles as
 * restarts come, so a group with intensity = 10000 that restarts little
 * costs bytes, not 80 kB; init with rst_window_init().
 */
struct rst_window {
	int64_t *t; /* owned: ring of restart times (ms, monotonic) */
	int cap;    /* slots allocated, at most max */
	int max;    /* intensity + 1; 0: no window */
	int n;	    /* entries in the ring */
	int head;   /* index of the oldest */
};

/* Returns false on ENOMEM. */
bool rst_window_init(struct rst_window *w, int intensity);
/*
 * Appends a restart at t_ms (the newest), growing the ring toward max;
 * when it is full (or cannot grow: ENOMEM), the oldest is dropped. For
 * restarts read back in time order; rst_window_add() for a new one.
 */
void rst_window_push(struct rst_window *w, int64_t t_ms);
void rst_window_fini(struct rst_window *w);
/* Forgets every restart (a group restarted by its parent starts fresh). */
void rst_window_clear(struct rst_window *w);

/*
 * Records a restart at now_ms. Returns true when it makes more than
 * intensity restarts within the last period_ms: the group gives up.
 * (Should the ring fail to grow, the oldest restart is forgotten: the
 * count errs low, never toward a give-up that did not happen.)
 */
bool rst_window_add(struct rst_window *w, int64_t now_ms, int intensity,
    int64_t period_ms);

/*
 * Whether a restart at t_ms still counts at now_ms: OTP's rule
 * (supervisor.erl keeps a restart while Now - Then =< Period), in
 * milliseconds: one exactly period_ms old still counts.
 */
bool rst_in_period(int64_t t_ms, int64_t now_ms, int64_t period_ms);

/* Restarts recorded within the last period_ms (for status). */
int rst_window_count(const struct rst_window *w, int64_t now_ms,
    int64_t period_ms);

/*
 * The siblings a strategy restarts when child f of n fails: [*lo, *hi]
 * (one_for_one: f alone; one_for_all: all; rest_for_one: f and after).
 */
void rst_strategy_range(enum cfg_strategy s, int f, int n, int *lo, int *hi);

/*
 * Whether an exit is normal for normal_exit = set: the exit status
 * (has_code) or the signal that killed the process is in the set.
 */
bool rst_exit_normal(const struct cfg_exit_set *set, bool has_code,
    int code, int sig);

/* Whether an exit of a child of this restart type is restarted. */
bool rst_should_restart(enum cfg_restart type, bool normal_exit);

/*
 * Describes a wait status: "exited with status 1", "killed by signal 9
 * (KILL)", "killed by signal 11 (SEGV), core dumped".
 */
void rst_exit_describe(int wstatus, char *buf, size_t n);

#endif
