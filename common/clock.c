/*
 * common/clock.c — monotonic and wall-clock time (see clock.h).
 */
#include <stdio.h>
#include <time.h>

#include "clock.h"

int64_t
clk_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
clk_after(int64_t now_ns, int64_t ms)
{
	if (ms <= 0)
		return now_ns;
	if (ms >= (CLK_NEVER - now_ns) / CLK_NS_PER_MS)
		return CLK_NEVER;
	return now_ns + ms * CLK_NS_PER_MS;
}

int64_t
clk_boot_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clk_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clk_iso8601(int64_t real_ms, char buf[32])
{
	time_t secs = (time_t)(real_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
	    tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
	    tm.tm_sec % 100, (int)(real_ms % 1000));
}
