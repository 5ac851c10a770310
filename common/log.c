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
#include <sys/stat.h>
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

static long long log_max;
static log_rotate_fn *log_rotate;
static bool log_rotating;

void
log_set_limit(long long max, log_rotate_fn *rotate)
{
	log_max = rotate != NULL ? max : 0;
	log_rotate = rotate;
}

/* The size is fstat's, not a count of our own: children with stdout =
 * inherit write into the same file. */
static void
limit_check(size_t len)
{
	struct stat st;

	if (log_max <= 0 || log_rotating || fstat(STDERR_FILENO, &st) != 0 ||
	    st.st_size == 0 || st.st_size + (long long)len <= log_max)
		return;
	log_rotating = true;
	if (!log_rotate())
		log_max = 0;
	log_rotating = false;
}

static void
line_write(char *buf, size_t len, size_t cap)
{
	if (len >= cap - 1)
		len = cap - 2;
	buf[len++] = '\n';
	limit_check(len);
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);
		if (n <= 0)
			return;	/* nowhere left to say it */
		buf += n;
		len -= (size_t)n;
	}
}

static log_sink_fn *log_sink;

void
log_set_sink(log_sink_fn *sink)
{
	log_sink = sink;
}

/* Appends v to buf (at *n, cap bytes), quoted when it needs to be. */
static void
value_put(char *buf, size_t cap, size_t *n, const char *v)
{
	bool quote = v[0] == '\0' || strpbrk(v, " \t\"=\\\n\r") != NULL;

	if (quote && *n < cap)
		buf[(*n)++] = '"';
	for (; *v != '\0' && *n + 3 < cap; v++) {
		if (quote && (*v == '"' || *v == '\\'))
			buf[(*n)++] = '\\';
		buf[(*n)++] = (*v == '\n' || *v == '\r') ? ' ' : *v;
	}
	if (quote && *n < cap)
		buf[(*n)++] = '"';
}

void
log_emit(const char *event, const struct log_field *f, int nf)
{
	char buf[2048], ts[32];
	size_t n, head, cap = sizeof(buf) - 2;
	int k;

	clk_iso8601(clk_real_ms(), ts);
	k = snprintf(buf, cap, "%s %s %s", ts, log_prog, event);
	n = head = k > 0 && (size_t)k < cap ? (size_t)k : cap - 1;
	for (int i = 0; i < nf && n + 8 < cap; i++) {
		k = snprintf(buf + n, cap - n, " %s=", f[i].key);
		n += k > 0 ? (size_t)k : 0;
		if (n >= cap)
			n = cap - 1;
		if (f[i].str != NULL)
			value_put(buf, cap, &n, f[i].str);
		else if ((k = snprintf(buf + n, cap - n, "%lld", f[i].num)) > 0)
			n = n + (size_t)k < cap ? n + (size_t)k : cap - 1;
	}
	buf[n] = '\0';
	if (log_sink != NULL)
		log_sink(event, f, nf, buf + head + (nf > 0));
	line_write(buf, n, sizeof(buf));
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
