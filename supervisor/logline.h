/*
 * supervisor/logline.h — a child's output cut into lines, and its log
 * files rotated: what the log holder (holder.h) does to every byte, and
 * what supd does to a log at a spawn (child.c).
 *
 * The line format (DESIGN.md, "Logs"), fixed: supctl parses it.
 *   2026-12-05T06:17:25.123Z out hello world
 * RFC 3339 UTC with milliseconds, "out" or "err", the line as written
 * without its newline. A line longer than LOGLINE_MAX is cut into pieces
 * of LOGLINE_MAX bytes, each its own line with the same prefix.
 */
#ifndef SUPD_LOGLINE_H
#define SUPD_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGLINE_MAX 16384

/* A line not ended yet: held until its newline, LOGLINE_MAX bytes, the
 * end of its pipe or its deadline (holder.c). */
struct logline_part {
	char *buf;	  /* owned: LOGLINE_MAX bytes, allocated at first use */
	size_t len;
	int64_t since_ns; /* monotonic: when its first byte came */
	bool cut;	  /* a LOGLINE_MAX piece just went out */
};

typedef void logline_emit_fn(void *arg, const char *line, size_t len);

/*
 * Cuts data into lines: emit() for each complete one (without its
 * newline) and for each LOGLINE_MAX piece; the rest waits in p. Returns
 * false when p could not get its buffer (the rest is then emitted as a
 * line: nothing is dropped).
 */
bool logline_split(struct logline_part *p, const char *data, size_t len,
    int64_t now_ns, logline_emit_fn *emit, void *arg);

/* Emits what waits in p as a line, if anything. */
void logline_flush(struct logline_part *p, logline_emit_fn *emit, void *arg);

void logline_part_fini(struct logline_part *p);

/* The text of a stamped line (what follows "TIME out " or "TIME err "),
 * or line itself when it is not one. Borrows line. */
const char *logline_text(const char *line);


#endif
