/*
 * tests/unit/supervisor/restart_test.c — the restart rules of DESIGN.md
 * section 3 as pure functions (restart.h).
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/restart.h"

TestSuite(supd_restart);

/* splitmix64: a fixed-seed stream of 64-bit random numbers. */
static uint64_t
next_rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* d = min(max, first * 2^(k-2)) for k >= 2, computed without overflow. */
static int64_t
nominal(const struct cfg_backoff *b, unsigned k)
{
	int64_t d = b->first_ms;

	for (unsigned i = 2; i < k; i++) {
		if (d >= b->max_ms)
			break;
		d *= 2;
	}
	return d < b->max_ms ? d : b->max_ms;
}

/* --- backoff step --------------------------------------------------------- */

Test(supd_restart, backoff_step_counts_consecutive_failures)
{
	cr_assert_eq(rst_backoff_step(0, 0, 10000), 1);
	cr_assert_eq(rst_backoff_step(1, 500, 10000), 2);
	cr_assert_eq(rst_backoff_step(2, 9999, 10000), 3);
	cr_assert_eq(rst_backoff_step(7, 0, 10000), 8);
}

Test(supd_restart, backoff_step_starts_over_after_uptime_reaches_reset)
{
	cr_assert_eq(rst_backoff_step(5, 10000, 10000), 1);
	cr_assert_eq(rst_backoff_step(5, 10001, 10000), 1);
	cr_assert_eq(rst_backoff_step(40, 3600000, 10000), 1);
}

Test(supd_restart, backoff_step_just_below_reset_still_counts)
{
	cr_assert_eq(rst_backoff_step(5, 9999, 10000), 6);
}

Test(supd_restart, a_long_failure_streak_never_looks_like_a_first_failure)
{
	unsigned k = 1;

	for (int i = 0; i < 1000; i++) {
		unsigned next = rst_backoff_step(k, 0, 10000);
		cr_assert_geq(next, 2, "step went from %u back to %u", k, next);
		k = next;
	}
	cr_assert_geq(rst_backoff_step(UINT_MAX, 0, 10000), 2);
	cr_assert_geq(rst_backoff_step(UINT_MAX - 1, 0, 10000), 2);
}

/* --- backoff delay -------------------------------------------------------- */

Test(supd_restart, the_first_restart_is_immediate)
{
	struct cfg_backoff b = {100, 30000, 10000};
	uint64_t s = 1;

	for (int i = 0; i < 1000; i++)
		cr_assert_eq(rst_backoff_delay(&b, 1, next_rnd(&s)), 0);
	cr_assert_eq(rst_backoff_delay(&b, 1, UINT64_MAX), 0);
}

Test(supd_restart, backoff_doubles_until_cap)
{
	struct cfg_backoff b = {100, 30000, 10000};
	/* d for k = 2, 3, ...: 100, 200, 400, ... 25600, then the cap. */
	static const int64_t d[] = {100, 200, 400, 800, 1600, 3200, 6400,
	    12800, 25600, 30000, 30000, 30000};
	uint64_t s = 42;

	for (unsigned k = 2; k < 2 + sizeof(d) / sizeof(d[0]); k++) {
		int64_t want = d[k - 2], lo = INT64_MAX, hi = -1;
		for (int i = 0; i < 2000; i++) {
			int64_t v = rst_backoff_delay(&b, k, next_rnd(&s));
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		cr_assert_geq(lo, want / 2, "k=%u: %lld below d/2=%lld", k,
		    (long long)lo, (long long)(want / 2));
		cr_assert_leq(hi, want, "k=%u: %lld above d=%lld", k,
		    (long long)hi, (long long)want);
		/* Jitter: the values spread over the range, not one point. */
		cr_assert_lt(lo, want * 3 / 4, "k=%u: no low values (min %lld)",
		    k, (long long)lo);
		cr_assert_gt(hi, want * 3 / 4,
		    "k=%u: no high values (max %lld)", k, (long long)hi);
	}
}

Test(supd_restart, backoff_delay_stays_within_half_to_full_for_random_input)
{
	uint64_t s = 7;

	for (int i = 0; i < 200000; i++) {
		struct cfg_backoff b;
		unsigned k = (unsigned)(next_rnd(&s) % 80) + 2;
		uint64_t rnd = next_rnd(&s);
		int64_t d, v;

		b.first_ms = (int64_t)(next_rnd(&s) % 5000) + 1;
		b.max_ms = b.first_ms + (int64_t)(next_rnd(&s) % 600000);
		b.reset_ms = 10000;
		d = nominal(&b, k);
		v = rst_backoff_delay(&b, k, rnd);
		cr_assert(v >= d / 2 && v <= d,
		    "first=%lld max=%lld k=%u rnd=%llu: %lld not in "
		    "[%lld, %lld]",
		    (long long)b.first_ms, (long long)b.max_ms, k,
		    (unsigned long long)rnd, (long long)v, (long long)(d / 2),
		    (long long)d);
	}
}

Test(supd_restart, the_cap_holds_for_very_large_k)
{
	struct cfg_backoff b = {100, 30000, 10000};
	static const unsigned ks[] = {64, 65, 100, 1000, 100000, UINT_MAX};
	uint64_t s = 3;

	for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
		for (int i = 0; i < 1000; i++) {
			int64_t v = rst_backoff_delay(&b, ks[j], next_rnd(&s));
			cr_assert(v >= 15000 && v <= 30000, "k=%u: %lld", ks[j],
			    (long long)v);
		}
	}
}

Test(supd_restart, the_cap_holds_with_the_largest_cap_a_config_allows)
{
	/* dur_parse refuses 9.2e15 ms and more; 1 ms doubles past it. */
	struct cfg_backoff b = {1, 9199999999999999LL, 10000};
	static const unsigned ks[] = {60, 64, 80, 200, UINT_MAX};

	for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
		for (uint64_t r = UINT64_MAX - 50; r != 50; r++) {
			int64_t v = rst_backoff_delay(&b, ks[j], r);
			cr_assert(v >= b.max_ms / 2 && v <= b.max_ms,
			    "k=%u rnd=%llu: %lld", ks[j], (unsigned long long)r,
			    (long long)v);
		}
	}
}

Test(supd_restart, a_zero_first_delay_means_no_backoff)
{
	struct cfg_backoff b = {0, 30000, 10000};
	uint64_t s = 9;

	for (unsigned k = 1; k < 100; k++)
		cr_assert_eq(rst_backoff_delay(&b, k, next_rnd(&s)), 0,
		    "k=%u", k);
}

Test(supd_restart, first_equal_to_cap_waits_the_cap_at_most)
{
	struct cfg_backoff b = {5000, 5000, 10000};
	uint64_t s = 11;

	for (unsigned k = 2; k < 50; k++) {
		int64_t v = rst_backoff_delay(&b, k, next_rnd(&s));
		cr_assert(v >= 2500 && v <= 5000, "k=%u: %lld", k,
		    (long long)v);
	}
}

/* --- intensity window ----------------------------------------------------- */

Test(supd_restart, intensity_zero_gives_up_on_the_first_restart)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 0));
	cr_assert(rst_window_add(&w, 1000, 0, 10000));
	rst_window_fini(&w);
}

Test(supd_restart, more_than_intensity_restarts_within_period_give_up)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 3));
	cr_assert_not(rst_window_add(&w, 0, 3, 10000));
	cr_assert_not(rst_window_add(&w, 100, 3, 10000));
	cr_assert_not(rst_window_add(&w, 200, 3, 10000));
	cr_assert(rst_window_add(&w, 300, 3, 10000),
	    "the 4th restart within the period must exceed intensity 3");
	rst_window_fini(&w);
}

Test(supd_restart, restarts_older_than_period_no_longer_count)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 3));
	cr_assert_not(rst_window_add(&w, 0, 3, 10000));
	cr_assert_not(rst_window_add(&w, 1000, 3, 10000));
	cr_assert_not(rst_window_add(&w, 2000, 3, 10000));
	/* The one at 0 is 10.5 s old: three within the period. */
	cr_assert_not(rst_window_add(&w, 10500, 3, 10000));
	/* The ones at 1000 and 2000 are gone too: two within the period. */
	cr_assert_not(rst_window_add(&w, 12500, 3, 10000));
	cr_assert_not(rst_window_add(&w, 12600, 3, 10000));
	cr_assert(rst_window_add(&w, 12700, 3, 10000));
	rst_window_fini(&w);
}

/*
 * The window's edge is OTP's: supervisor.erl keeps a restart while
 * Now - Then =< Period (in seconds there, in milliseconds here), so a
 * restart exactly one period old still counts; a millisecond more and
 * it does not.
 */
Test(supd_restart, a_restart_exactly_one_period_old_still_counts)
{
	struct rst_window w;

	cr_assert(rst_in_period(0, 10000, 10000));
	cr_assert_not(rst_in_period(0, 10001, 10000));
	cr_assert(rst_window_init(&w, 1));
	cr_assert_not(rst_window_add(&w, 0, 1, 10000));
	cr_assert_eq(rst_window_count(&w, 10000, 10000), 1);
	cr_assert(rst_window_add(&w, 10000, 1, 10000),
	    "2 restarts within 10 s, the first exactly 10 s old: over 1");
	rst_window_clear(&w);
	cr_assert_not(rst_window_add(&w, 0, 1, 10000));
	cr_assert_not(rst_window_add(&w, 10001, 1, 10000));
	rst_window_fini(&w);
}

/* A large intensity is counted whole, however small the ring starts. */
Test(supd_restart, a_large_intensity_is_counted_whole)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 10000));
	cr_assert_lt(w.cap, 100, "slots for restarts that came, not 10001");
	for (int i = 0; i < 10000; i++)
		cr_assert_not(rst_window_add(&w, i, 10000, 100000), "%d", i);
	cr_assert(rst_window_add(&w, 10000, 10000, 100000));
	cr_assert_eq(rst_window_count(&w, 10000, 100000), 10001);
	rst_window_fini(&w);
}

/* A ring that wrapped keeps its order when it grows: the oldest still
 * expire first. */
Test(supd_restart, a_wrapped_window_grows_in_order)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 20));
	for (int t = 0; t < 80; t += 10)
		cr_assert_not(rst_window_add(&w, t, 20, 100));
	/* 0 expires, 105 takes its slot: the ring is full and wrapped. */
	cr_assert_not(rst_window_add(&w, 105, 20, 100));
	cr_assert_not(rst_window_add(&w, 106, 20, 100)); /* grows */
	cr_assert_eq(w.n, 9);
	/* 10..70 are over at 175: 105, 106 and 175 are left. */
	cr_assert_not(rst_window_add(&w, 175, 20, 100));
	cr_assert_eq(w.n, 3);
	cr_assert_eq(w.t[w.head], 105);
	rst_window_fini(&w);
}

/* The slots of a burst are given back once it is over. */
Test(supd_restart, a_window_shrinks_after_a_burst)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 1000));
	for (int t = 0; t < 100; t++)
		cr_assert_not(rst_window_add(&w, t, 1000, 1000));
	cr_assert_geq(w.cap, 100);
	cr_assert_not(rst_window_add(&w, 5000, 1000, 1000));
	cr_assert_eq(w.n, 1);
	cr_assert_lt(w.cap, 100);
	rst_window_clear(&w);
	cr_assert_eq(w.n, 0);
	rst_window_fini(&w);
}

/* Restarts read back beyond intensity + 1 keep the newest. */
Test(supd_restart, a_restored_window_keeps_the_newest)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 2));
	for (int t = 1; t <= 4; t++)
		rst_window_push(&w, t);
	cr_assert_eq(w.n, 3);
	cr_assert_eq(w.t[w.head], 2);
	rst_window_fini(&w);
}

/*
 * normal_exit: what counts as normal for a transient child (OTP's
 * supervisor_SUITE: transient_normal, transient_shutdown). OTP's
 * supervisor.erl does not restart a transient child that ended with
 * normal, shutdown or {shutdown, _}; for a process, shutdown is a death
 * by SIGTERM, so the default is status 0 and SIGTERM.
 */
Test(supd_restart, normal_exit_is_a_set_of_statuses_and_signals)
{
	struct cfg_exit_set def = {{1}, 1ull << (SIGTERM - 1)};
	struct cfg_exit_set wrapper = {{1}, 0};

	wrapper.codes[143 / 8] |= 1u << (143 % 8);
	cr_assert(rst_exit_normal(&def, true, 0, 0));
	cr_assert(rst_exit_normal(&def, false, 0, SIGTERM));
	cr_assert_not(rst_exit_normal(&def, true, 1, 0));
	cr_assert_not(rst_exit_normal(&def, true, 143, 0));
	cr_assert_not(rst_exit_normal(&def, false, 0, SIGKILL));
	cr_assert_not(rst_exit_normal(&def, false, 0, SIGINT));
	cr_assert(rst_exit_normal(&wrapper, true, 143, 0));
	cr_assert_not(rst_exit_normal(&wrapper, false, 0, SIGTERM));
	cr_assert_not(rst_exit_normal(&def, true, 256, 0));
	cr_assert_not(rst_exit_normal(&def, false, 0, 65));
}

Test(supd_restart, steady_restarts_slower_than_the_limit_never_give_up)
{
	struct rst_window w;
	int64_t t = 0;

	/* 3 per 10 s allowed; one every 3.5 s keeps at most 3 in a window. */
	cr_assert(rst_window_init(&w, 3));
	for (int i = 0; i < 1000; i++, t += 3500)
		cr_assert_not(rst_window_add(&w, t, 3, 10000),
		    "restart %d at %lld ms gave up", i, (long long)t);
	rst_window_fini(&w);
}

Test(supd_restart, the_window_keeps_giving_up_while_restarts_stay_fast)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 2));
	cr_assert_not(rst_window_add(&w, 0, 2, 5000));
	cr_assert_not(rst_window_add(&w, 10, 2, 5000));
	for (int64_t t = 20; t < 200; t += 10)
		cr_assert(rst_window_add(&w, t, 2, 5000), "t=%lld",
		    (long long)t);
	rst_window_fini(&w);
}

Test(supd_restart, a_cleared_window_starts_fresh)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 3));
	for (int64_t t = 0; t < 3; t++)
		cr_assert_not(rst_window_add(&w, t * 100, 3, 10000));
	rst_window_clear(&w);
	cr_assert_eq(rst_window_count(&w, 400, 10000), 0);
	cr_assert_not(rst_window_add(&w, 400, 3, 10000));
	cr_assert_not(rst_window_add(&w, 500, 3, 10000));
	cr_assert_not(rst_window_add(&w, 600, 3, 10000));
	cr_assert(rst_window_add(&w, 700, 3, 10000));
	rst_window_fini(&w);
}

Test(supd_restart, window_count_is_the_restarts_within_the_period)
{
	struct rst_window w;

	cr_assert(rst_window_init(&w, 5));
	cr_assert_eq(rst_window_count(&w, 0, 10000), 0);
	rst_window_add(&w, 0, 5, 10000);
	rst_window_add(&w, 1000, 5, 10000);
	rst_window_add(&w, 2000, 5, 10000);
	cr_assert_eq(rst_window_count(&w, 2500, 10000), 3);
	cr_assert_eq(rst_window_count(&w, 10500, 10000), 2);
	cr_assert_eq(rst_window_count(&w, 11500, 10000), 1);
	cr_assert_eq(rst_window_count(&w, 12500, 10000), 0);
	rst_window_fini(&w);
}

/* --- strategies ----------------------------------------------------------- */

Test(supd_restart, one_for_one_restarts_the_failed_child_alone)
{
	int lo = -1, hi = -1;

	rst_strategy_range(STRAT_ONE_FOR_ONE, 2, 5, &lo, &hi);
	cr_assert_eq(lo, 2);
	cr_assert_eq(hi, 2);
	rst_strategy_range(STRAT_ONE_FOR_ONE, 0, 1, &lo, &hi);
	cr_assert_eq(lo, 0);
	cr_assert_eq(hi, 0);
}

Test(supd_restart, one_for_all_restarts_every_sibling)
{
	int lo = -1, hi = -1;

	rst_strategy_range(STRAT_ONE_FOR_ALL, 2, 5, &lo, &hi);
	cr_assert_eq(lo, 0);
	cr_assert_eq(hi, 4);
	rst_strategy_range(STRAT_ONE_FOR_ALL, 4, 5, &lo, &hi);
	cr_assert_eq(lo, 0);
	cr_assert_eq(hi, 4);
}

Test(supd_restart, rest_for_one_restarts_the_failed_child_and_later_ones)
{
	int lo = -1, hi = -1;

	rst_strategy_range(STRAT_REST_FOR_ONE, 2, 5, &lo, &hi);
	cr_assert_eq(lo, 2);
	cr_assert_eq(hi, 4);
	rst_strategy_range(STRAT_REST_FOR_ONE, 0, 5, &lo, &hi);
	cr_assert_eq(lo, 0);
	cr_assert_eq(hi, 4);
	rst_strategy_range(STRAT_REST_FOR_ONE, 4, 5, &lo, &hi);
	cr_assert_eq(lo, 4);
	cr_assert_eq(hi, 4);
}

/* --- restart types -------------------------------------------------------- */

Test(supd_restart, permanent_children_are_always_restarted)
{
	cr_assert(rst_should_restart(RESTART_PERMANENT, true));
	cr_assert(rst_should_restart(RESTART_PERMANENT, false));
}

Test(supd_restart, transient_children_are_restarted_after_abnormal_exits_only)
{
	cr_assert_not(rst_should_restart(RESTART_TRANSIENT, true));
	cr_assert(rst_should_restart(RESTART_TRANSIENT, false));
}

Test(supd_restart, temporary_children_are_never_restarted)
{
	cr_assert_not(rst_should_restart(RESTART_TEMPORARY, true));
	cr_assert_not(rst_should_restart(RESTART_TEMPORARY, false));
}

/* --- exit descriptions ---------------------------------------------------- */

/* The wait status of a real child that runs how (0: exit 1, else signal). */
static int
real_status(int sig)
{
	int st = 0;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (sig != 0) {
			signal(sig, SIG_DFL);
			kill(getpid(), sig);
		}
		_exit(1);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return st;
}

Test(supd_restart, an_exit_status_is_described)
{
	char buf[128];

	rst_exit_describe(real_status(0), buf, sizeof(buf));
	cr_assert_str_eq(buf, "exited with status 1");
	rst_exit_describe(W_EXITCODE(0, 0), buf, sizeof(buf));
	cr_assert_str_eq(buf, "exited with status 0");
	rst_exit_describe(W_EXITCODE(255, 0), buf, sizeof(buf));
	cr_assert_str_eq(buf, "exited with status 255");
}

Test(supd_restart, a_signal_is_described_by_number_and_name)
{
	char buf[128];

	rst_exit_describe(real_status(SIGKILL), buf, sizeof(buf));
	cr_assert_str_eq(buf, "killed by signal 9 (KILL)");
	rst_exit_describe(real_status(SIGTERM), buf, sizeof(buf));
	cr_assert_str_eq(buf, "killed by signal 15 (TERM)");
}

Test(supd_restart, a_core_dump_is_mentioned)
{
	char buf[128];

	rst_exit_describe(W_EXITCODE(0, SIGSEGV) | WCOREFLAG, buf, sizeof(buf));
	cr_assert_str_eq(buf, "killed by signal 11 (SEGV), core dumped");
	rst_exit_describe(W_EXITCODE(0, SIGSEGV), buf, sizeof(buf));
	cr_assert_str_eq(buf, "killed by signal 11 (SEGV)");
}

Test(supd_restart, exit_describe_never_writes_past_its_buffer)
{
	char buf[32];

	memset(buf, 'X', sizeof(buf));
	rst_exit_describe(W_EXITCODE(0, SIGKILL), buf, 8);
	cr_assert_str_eq(buf, "killed ");
	for (size_t i = 8; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 'X', "byte %zu overwritten", i);
}
