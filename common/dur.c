/*
 * common/dur.c — parsing and formatting durations (see dur.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dur.h"


static const struct {
	const char *unit;
	int64_t ms;
} units[] = { /* "ms" before "m" */
	{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
};

/* Digits at *p into *v; returns how many. More than 15 (way past
 * DUR_MAX_MS in any unit) make *v INT64_MAX, to be refused as too long. */
static int
digits(const char **p, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (isdigit((unsigned char)**p)) {
		if (++n <= 15)
			*v = *v * 10 + (**p - '0');
		else
			*v = INT64_MAX;
		(*p)++;
	}
	return n;
}

/* One term: NUMBER[.FRACTION]UNIT, exact in milliseconds (or, when
 * !exact, a part of a millisecond dropped). */
static sup_err
term_parse(const char **p, bool only, bool exact, int64_t *ms)
{
	int64_t ip, fp = 0, unit = -1, scale = 1;
	int nd = 0;

	if (digits(p, &ip) <= 0)
		return SUP_EINVAL;
	if (**p == '.') {
		(*p)++;
		if ((nd = digits(p, &fp)) <= 0 || nd > 9)
			return SUP_EINVAL;
		for (int i = 0; i < nd; i++)
			scale *= 10;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].unit);
		if (strncmp(*p, units[i].unit, n) == 0) {
			unit = units[i].ms;
			*p += n;
			break;
		}
	}
	if (unit < 0) {
		if (!only || **p != '\0') /* a bare number means seconds */
			return SUP_EINVAL;
		unit = 1000;
	}
	if (exact && (fp * unit) % scale != 0)
		return SUP_EINVAL; /* not whole milliseconds */
	if (ip > DUR_MAX_MS / unit || ip * unit + fp * unit / scale > DUR_MAX_MS)
		return SUP_ETOOBIG;
	*ms = ip * unit + fp * unit / scale;
	return SUP_OK;
}

static sup_err
parse(const char *s, bool exact, int64_t *ms)
{
	const char *p = s;
	int64_t total = 0, t;
	sup_err e;

	if (strcmp(s, "infinity") == 0) {
		*ms = DUR_INFINITY;
		return SUP_OK;
	}
	/* Terms like 1h30m; no signs, spaces, exponents or hex anywhere. */
	do {
		bool only = p == s && strpbrk(s, "mshd") == NULL;
		if ((e = term_parse(&p, only, exact, &t)) != SUP_OK)
			return e;
		if (t > DUR_MAX_MS - total)
			return SUP_ETOOBIG;
		total += t;
	} while (*p != '\0');
	*ms = total;
	return SUP_OK;
}

sup_err
dur_parse(const char *s, int64_t *ms)
{
	return parse(s, true, ms);
}

bool
dur_finer_than_ms(const char *s)
{
	int64_t ms;

	return parse(s, true, &ms) == SUP_EINVAL &&
	    parse(s, false, &ms) == SUP_OK;
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
