/*
 * tests/unit/common/dur_test.c — durations as users write them (dur.h).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/dur.h"

TestSuite(common_dur);

/* The value of s in ms; fails the test when s is refused. */
static int64_t
parsed(const char *s)
{
	int64_t ms = -12345;
	sup_err e = dur_parse(s, &ms);

	cr_assert_eq(e, SUP_OK, "dur_parse(\"%s\") refused it (%d)", s, e);
	return ms;
}

/* Fails the test unless s is refused with want, and *ms is left alone. */
static void
refused_as(const char *s, sup_err want)
{
	int64_t ms = -12345;
	sup_err e = dur_parse(s, &ms);

	cr_assert_eq(e, want, "dur_parse(\"%s\") = %d (%lld ms), expected %d",
	    s, e, (long long)ms, want);
	cr_assert_eq(ms, -12345, "dur_parse(\"%s\") wrote %lld on failure", s,
	    (long long)ms);
}

static void
refused(const char *s)
{
	refused_as(s, SUP_EINVAL);
}

Test(common_dur, milliseconds_are_read_as_written)
{
	cr_assert_eq(parsed("250ms"), 250);
	cr_assert_eq(parsed("1ms"), 1);
}

Test(common_dur, seconds_minutes_and_hours_are_converted_to_ms)
{
	cr_assert_eq(parsed("5s"), 5000);
	cr_assert_eq(parsed("2m"), 120000);
	cr_assert_eq(parsed("1h"), 3600000);
}

Test(common_dur, fractions_of_a_unit_are_accepted)
{
	cr_assert_eq(parsed("1.5s"), 1500);
	cr_assert_eq(parsed("0.25s"), 250);
	cr_assert_eq(parsed("1.5m"), 90000);
	cr_assert_eq(parsed("0.5h"), 1800000);
}

Test(common_dur, a_bare_number_is_seconds)
{
	cr_assert_eq(parsed("5"), 5000);
	cr_assert_eq(parsed("1.5"), 1500);
	cr_assert_eq(parsed("30"), 30000);
}

Test(common_dur, zero_is_a_duration)
{
	cr_assert_eq(parsed("0"), 0);
	cr_assert_eq(parsed("0ms"), 0);
	cr_assert_eq(parsed("0s"), 0);
}

Test(common_dur, infinity_is_the_largest_value)
{
	cr_assert_eq(parsed("infinity"), DUR_INFINITY);
}

/*
 * A value with at most three decimals of seconds is a whole number of
 * milliseconds: every one of them must be accepted, exactly.
 */
Test(common_dur, three_decimals_of_seconds_are_exact_milliseconds)
{
	char s[32];

	cr_expect_eq(parsed("1.001s"), 1001);
	for (int ms = 0; ms < 10000; ms++) {
		int64_t v = -1;
		snprintf(s, sizeof(s), "%d.%03ds", ms / 1000, ms % 1000);
		cr_assert_eq(dur_parse(s, &v), SUP_OK,
		    "\"%s\" is %d ms exactly but was refused", s, ms);
		cr_assert_eq(v, ms, "\"%s\" parsed as %lld", s, (long long)v);
	}
}

Test(common_dur, fractions_of_minutes_and_hours_that_are_whole_ms_are_exact)
{
	cr_expect_eq(parsed("0.0021m"), 126);   /* 0.126 s */
	cr_expect_eq(parsed("0.009h"), 32400);  /* 32.4 s */
	cr_expect_eq(parsed("0.25m"), 15000);
}

Test(common_dur, days_and_compound_durations_add_up)
{
	cr_assert_eq(parsed("1d"), 86400000);
	cr_assert_eq(parsed("1h30m"), 5400000);
	cr_assert_eq(parsed("1m30s"), 90000);
	cr_assert_eq(parsed("1s500ms"), 1500);
	cr_assert_eq(parsed("1d00h"), 86400000);
	refused("1h30");	/* a bare number only stands alone */
	refused("30 1h");
	refused("1h-30m");
	refused("1hh");
}

Test(common_dur, an_empty_string_is_refused)
{
	refused("");
}

Test(common_dur, negative_values_are_refused)
{
	refused("-1s");
	refused("-0");
	refused("+5s");
}

Test(common_dur, unknown_units_are_refused)
{
	refused("5x");
	refused("5S");
	refused("5sec");
	refused("5 s");
	refused("1w");
}

Test(common_dur, exponents_and_hex_are_refused)
{
	refused("1e3");
	refused("1e3ms");
	refused("0x10");
	refused("inf");
	refused("nan");
}

Test(common_dur, sub_millisecond_values_are_refused)
{
	refused("1.0005s");
	refused("0.5ms");
	refused("0.0001s");
	/* ...and can be told apart, for a message that says why. */
	cr_assert(dur_finer_than_ms("1.0005s"));
	cr_assert(dur_finer_than_ms("1m0.0001s"));
	cr_assert_not(dur_finer_than_ms("1.5s"));
	cr_assert_not(dur_finer_than_ms("5 sec"));
	cr_assert_not(dur_finer_than_ms("1e3"));
}

Test(common_dur, a_unit_without_a_number_is_refused)
{
	refused("s");
	refused("ms");
	refused(".5s");
	refused("5.s");
}

Test(common_dur, surrounding_blanks_are_refused)
{
	refused(" 5s");
	refused("5s ");
	refused("infinity ");
}

static void
too_long(const char *s)
{
	refused_as(s, SUP_ETOOBIG);
}

Test(common_dur, overflow_is_refused_as_too_long)
{
	too_long("99999999999999999999");
	too_long("9223372036854775807ms");
	too_long("99999999999999h");
}

/* Issue 9: 200000d passed the parser, then overflowed the nanosecond
 * deadlines and stopped every timer of supd. */
Test(common_dur, nothing_longer_than_36500_days_is_a_duration)
{
	cr_assert_eq(parsed("36500d"), DUR_MAX_MS);
	cr_assert_eq(parsed(DUR_MAX_TEXT), DUR_MAX_MS);
	too_long("36500d1ms");
	too_long("36501d");
	too_long("200000d");
	too_long("36499d24h1ms");
	/* DUR_MAX_MS in ns, added to a monotonic clock of centuries, fits. */
	cr_assert(DUR_MAX_MS < INT64_MAX / 1000000 / 2);
}

Test(common_dur, format_uses_the_largest_unit_that_reads_well)
{
	char buf[32];

	cr_assert_str_eq(dur_format(250, buf, sizeof(buf)), "250ms");
	cr_assert_str_eq(dur_format(5000, buf, sizeof(buf)), "5s");
	cr_assert_str_eq(dur_format(1500, buf, sizeof(buf)), "1.5s");
	cr_assert_str_eq(dur_format(120000, buf, sizeof(buf)), "2m");
	cr_assert_str_eq(dur_format(5400000, buf, sizeof(buf)), "1h30m");
	cr_assert_str_eq(dur_format(DUR_INFINITY, buf, sizeof(buf)),
	    "infinity");
}

Test(common_dur, format_returns_its_buffer)
{
	char buf[32];

	cr_assert_eq(dur_format(5000, buf, sizeof(buf)), buf);
}

Test(common_dur, format_then_parse_gives_the_same_value)
{
	static const int64_t vals[] = {250, 5000, 1500, 120000, DUR_INFINITY};
	char buf[32];

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		dur_format(vals[i], buf, sizeof(buf));
		cr_assert_eq(parsed(buf), vals[i], "%lld -> \"%s\"",
		    (long long)vals[i], buf);
	}
}

Test(common_dur, parse_then_format_gives_the_canonical_text)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"250ms", "250ms"}, {"5s", "5s"}, {"1.5s", "1.5s"},
	    {"2m", "2m"}, {"120s", "2m"}, {"90m", "1h30m"},
	    {"1.5h", "1h30m"}, {"infinity", "infinity"},
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_str_eq(dur_format(parsed(cases[i].in), buf,
				     sizeof(buf)), cases[i].out, "from \"%s\"",
		    cases[i].in);
}

Test(common_dur, format_never_writes_past_its_buffer)
{
	char buf[16];

	memset(buf, 'X', sizeof(buf));
	dur_format(DUR_INFINITY, buf, 4);
	cr_assert_str_eq(buf, "inf");
	for (size_t i = 4; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 'X', "byte %zu overwritten", i);
}

/* Deadlines from durations saturate: never a deadline in the past. */
Test(common_dur, deadlines_saturate_instead_of_wrapping)
{
	int64_t now = INT64_C(123456789000);

	cr_assert_eq(clk_after(now, 250), now + 250 * CLK_NS_PER_MS);
	cr_assert_eq(clk_after(now, 0), now);
	cr_assert_eq(clk_after(now, -5), now);
	cr_assert_eq(clk_after(now, DUR_INFINITY), CLK_NEVER);
	cr_assert_eq(clk_after(now, INT64_MAX / 1000), CLK_NEVER);
	cr_assert_gt(clk_after(now, DUR_MAX_MS), now);
	cr_assert_leq(clk_after(now, DUR_MAX_MS), CLK_NEVER);
}
