/*
 * common/dur.h — durations as users write them: "250ms", "5s", "2m",
 * "1h", "1d", "1.5s", "1h30m", a bare number (seconds), or "infinity".
 */
#ifndef COMMON_DUR_H
#define COMMON_DUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sup/err.h"

#define DUR_INFINITY INT64_MAX /* milliseconds */
/* The longest finite duration: 36500 days (100 years). Added to any
 * monotonic time in nanoseconds it stays far from overflow. */
#define DUR_MAX_MS (INT64_C(36500) * 86400000)
#define DUR_MAX_TEXT "36500d"

/*
 * Parses s into milliseconds (DUR_INFINITY for "infinity"): one or more
 * terms NUMBER[.FRACTION]UNIT (ms, s, m, h, d), or a lone NUMBER meaning
 * seconds. Returns SUP_ETOOBIG for more than DUR_MAX_MS, SUP_EINVAL for
 * anything else: an empty string, a sign, a blank, a value that is not
 * whole milliseconds, an unknown unit.
 */
sup_err dur_parse(const char *s, int64_t *ms);

/* Whether s would be a duration but for a part of a millisecond
 * ("1.0005s"): then a message can say why it is refused. */
bool dur_finer_than_ms(const char *s);

/*
 * Formats ms the way a person reads it: "250ms", "5s", "1.5s", "2m",
 * "1h30m", "infinity"; what it writes dur_parse() reads back (to within
 * the tenth of a second shown below a minute). Writes at most n bytes to
 * buf; returns buf.
 */
char *dur_format(int64_t ms, char *buf, size_t n);

#endif
