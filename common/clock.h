/*
 * common/clock.h — monotonic and wall-clock time.
 *
 * Deadlines and durations use the monotonic clock in nanoseconds; only
 * log lines and user-facing timestamps use the wall clock.
 */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>

#define CLK_NS_PER_MS INT64_C(1000000)

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t clk_mono_ns(void);

/*
 * The monotonic time ms milliseconds after now_ns, saturating: however
 * long ms is (a duration from a config, a row, an environment variable),
 * the deadline never wraps into the past; CLK_NEVER at the most.
 */
#define CLK_NEVER (INT64_MAX / 2)
int64_t clk_after(int64_t now_ns, int64_t ms);

/* CLOCK_BOOTTIME in milliseconds: the clock of /proc start times. */
int64_t clk_boot_ms(void);

/* CLOCK_REALTIME in milliseconds since the epoch. */
int64_t clk_real_ms(void);

/* Writes real_ms as "2026-11-26T01:40:00.123Z" (24 bytes + NUL) to buf. */
void clk_iso8601(int64_t real_ms, char buf[32]);

#endif
