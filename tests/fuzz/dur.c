/*
 * tests/fuzz/dur.c — durations (dur_parse, dur_format): what parses is
 * at most DUR_MAX_MS (or infinity), its deadline never wraps, and what
 * dur_format writes parses back.
 */
#include "common/clock.h"
#include "common/dur.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), buf[64];
	int64_t ms = -7, back;
	sup_err e;

	if (s == NULL)
		return 0;
	e = dur_parse(s, &ms);
	FUZZ_CHECK(e == SUP_OK || e == SUP_EINVAL || e == SUP_ETOOBIG);
	if (e != SUP_OK) {
		FUZZ_CHECK(ms == -7);
		free(s);
		return 0;
	}
	FUZZ_CHECK(ms == DUR_INFINITY || (ms >= 0 && ms <= DUR_MAX_MS));
	FUZZ_CHECK(clk_after(INT64_C(1) << 50, ms) >= INT64_C(1) << 50);
	FUZZ_CHECK(dur_parse(dur_format(ms, buf, sizeof(buf)), &back) ==
	    SUP_OK);
	FUZZ_CHECK(ms == DUR_INFINITY ? back == ms : back <= DUR_MAX_MS);
	free(s);
	return 0;
}
