/*
 * common/log.c — event and diagnostic lines on stderr (see log.h).
 *
 * Each line is formatted into one buffer and written with a single
 * write(2), so lines from supd and from children sharing the file never
 * interleave mid-line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static const char *log_prog = "sup";
static bool log_verb;

void
log_init(const char *prog, bool verbose)
{
	log_prog = prog;
	log_verb = verbose;
}

bool
log_verbose(void)
{
	return log_verb;
}

static void
line_write(char *buf, size_t len, size_t cap)
{
	if (len >= cap - 1)
		len = cap - 2;
	buf[len++] = '\n';
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);
		if (n <= 0)
			return;	/* nowhere left to say it */
		buf += n;
		len -= (size_t)n;
	}
}

static void (*log_sink)(const char *event, const char *text);

void
log_set_sink(void (*sink)(const char *event, const char *text))
{
	log_sink = sink;
}

void
log_event(const char *event, const char *fmt, ...)
{
	char buf[2048], ts[32];
	va_list ap;
	int n, head;

	clk_iso8601(clk_real_ms(), ts);
	head = n = snprintf(buf, sizeof(buf), "%s %s %s ", ts, log_prog, event);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = (int)sizeof(buf) - 1;
	if (log_sink != NULL)
		log_sink(event, buf + head);
	line_write(buf, (size_t)n, sizeof(buf));
}

static void
diag(const char *level, const char *fmt, va_list ap)
{
	char buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "%s: %s", log_prog, level);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	line_write(buf, (size_t)n, sizeof(buf));
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag("warning: ", fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag("error: ", fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verb)
		return;
	va_start(ap, fmt);
	diag("debug: ", fmt, ap);
	va_end(ap);
}

const char *
log_quote(const char *s)
{
	static char bufs[4][512];
	static int next;
	char *b, *p;

	if (s[0] != '\0' && strpbrk(s, " \t\"=\\\n\r") == NULL)
		return s;
	b = bufs[next];
	next = (next + 1) % 4;
	p = b;
	*p++ = '"';
	for (; *s != '\0' && p < b + sizeof(bufs[0]) - 3; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = (*s == '\n' || *s == '\r') ? ' ' : *s;
	}
	*p++ = '"';
	*p = '\0';
	return b;
}
