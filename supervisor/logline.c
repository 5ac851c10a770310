/*
 * supervisor/logline.c — lines out of a byte stream, and the rotation of
 * a log file (logline.h). No clock read and no descriptor of its own:
 * the caller passes the time and the directory.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logline.h"

static void
part_emit(struct logline_part *p, logline_emit_fn *emit, void *arg)
{
	emit(arg, p->buf, p->len);
	p->len = 0;
	p->cut = false;
}

/* Appends up to a line's worth; emits the part once it is full. */
static size_t
part_add(struct logline_part *p, const char *data, size_t len,
    int64_t now_ns, logline_emit_fn *emit, void *arg)
{
	size_t k = LOGLINE_MAX - p->len;

	if (k > len)
		k = len;
	if (p->len == 0)
		p->since_ns = now_ns;
	memcpy(p->buf + p->len, data, k);
	p->len += k;
	if (p->len == LOGLINE_MAX) {
		part_emit(p, emit, arg);
		p->cut = true; /* a newline right after ends nothing more */
	}
	return k;
}

bool
logline_split(struct logline_part *p, const char *data, size_t len,
    int64_t now_ns, logline_emit_fn *emit, void *arg)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t k = nl != NULL ? (size_t)(nl - data) : len;

		/* The common case: a whole line, nothing held before it. */
		if (nl != NULL && p->len == 0 && k <= LOGLINE_MAX) {
			if (k > 0 || !p->cut)
				emit(arg, data, k);
			p->cut = false;
			data += k + 1;
			len -= k + 1;
			continue;
		}
		if (p->buf == NULL && (p->buf = malloc(LOGLINE_MAX)) == NULL) {
			emit(arg, data, len < LOGLINE_MAX ? len : LOGLINE_MAX);
			return false;
		}
		if (k == 0 && nl != NULL) { /* the newline that ends p */
			part_emit(p, emit, arg);
			p->cut = false;
			data++;
			len--;
			continue;
		}
		p->cut = false;
		k = part_add(p, data, k, now_ns, emit, arg);
		data += k;
		len -= k;
	}
	return true;
}

void
logline_flush(struct logline_part *p, logline_emit_fn *emit, void *arg)
{
	if (p->len > 0)
		part_emit(p, emit, arg);
	p->cut = false;
}

void
logline_part_fini(struct logline_part *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = 0;
}

#define STAMP_LEN 24 /* 2026-12-05T06:17:25.123Z */

const char *
logline_text(const char *line)
{
	const char *tag = line + STAMP_LEN + 1;

	if (strnlen(line, STAMP_LEN + 5) < STAMP_LEN + 5 || line[10] != 'T' ||
	    line[STAMP_LEN - 1] != 'Z' || line[STAMP_LEN] != ' ' ||
	    (strncmp(tag, "out ", 4) != 0 && strncmp(tag, "err ", 4) != 0))
		return line;
	return tag + 4;
}
