/*
 * common/dur.c — parsing and formatting durations (see dur.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dur.h"

static const struct {
	const char *unit;
	double ms;
} units[] = {
	{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"", 1000},
};

sup_err
dur_parse(const char *s, int64_t *ms)
{
	char *end;
	double v, out;

	if (strcmp(s, "infinity") == 0) {
		*ms = DUR_INFINITY;
		return SUP_OK;
	}
	/* Only [0-9]+(.[0-9]+)? before the unit: no signs, exponents, hex. */
	end = (char *)s;
	while (isdigit((unsigned char)*end))
		end++;
	if (end == s)
		return SUP_EINVAL;
	if (*end == '.') {
		if (!isdigit((unsigned char)end[1]))
			return SUP_EINVAL;
		for (end++; isdigit((unsigned char)*end); end++)
			;
	}
	v = strtod(s, NULL);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		out = v * units[i].ms;
		/* Below a millisecond or beyond ~290 million years: refuse. */
		if (!isfinite(out) || out >= 9.2e15 ||
		    (out != 0 && out < 1) || out != floor(out))
			return SUP_EINVAL;
		*ms = (int64_t)out;
		return SUP_OK;
	}
	return SUP_EINVAL;
}

char *
dur_format(int64_t ms, char *buf, size_t n)
{
	if (ms == DUR_INFINITY)
		snprintf(buf, n, "infinity");
	else if (ms < 1000)
		snprintf(buf, n, "%lldms", (long long)ms);
	else if (ms < 60000 && ms % 1000 == 0)
		snprintf(buf, n, "%llds", (long long)(ms / 1000));
	else if (ms < 60000)
		snprintf(buf, n, "%.1fs", (double)ms / 1000);
	else if (ms < 3600000 && ms % 60000 == 0)
		snprintf(buf, n, "%lldm", (long long)(ms / 60000));
	else if (ms < 3600000)
		snprintf(buf, n, "%lldm%02llds", (long long)(ms / 60000),
		    (long long)(ms / 1000 % 60));
	else if (ms < 86400000 && ms % 3600000 == 0)
		snprintf(buf, n, "%lldh", (long long)(ms / 3600000));
	else if (ms < 86400000)
		snprintf(buf, n, "%lldh%02lldm", (long long)(ms / 3600000),
		    (long long)(ms / 60000 % 60));
	else
		snprintf(buf, n, "%lldd%02lldh", (long long)(ms / 86400000),
		    (long long)(ms / 3600000 % 24));
	return buf;
}
