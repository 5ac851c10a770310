/*
 * common/log.h — supd's and supctl's diagnostics.
 *
 * Two shapes. Lifecycle events (log_emit), one line each, for people and
 * for grep:
 *   2026-11-26T01:40:00.123Z supd child.exit name=kv pid=1240 signal=9
 * and diagnostics in the Unix shape:
 *   supd: warning: cannot open run/log/kv.log: Permission denied
 * Everything goes to stderr (a file when supd runs in the background).
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>

/* Sets the program name used in every line. Borrows prog: static storage. */
void log_init(const char *prog, bool verbose);

/* True when -v was given. */
bool log_verbose(void);

/*
 * A lifecycle event is data: a name and fields, in order. log_emit()
 * renders it as one line, "TIME PROG EVENT key=value ...", a string value
 * quoted when it needs it (log_quote), and gives the same event to the
 * sink (supd publishes it: supervisor/events.c).
 */
struct log_field {
	const char *key;
	const char *str;  /* the value, or NULL: the value is num */
	long long num;
};

static inline struct log_field
log_str(const char *key, const char *value)
{
	return (struct log_field){.key = key, .str = value ? value : ""};
}

static inline struct log_field
log_num(const char *key, long long value)
{
	return (struct log_field){.key = key, .num = value};
}

void log_emit(const char *event, const struct log_field *f, int n);

/* LOG_EV("child.stop", log_str("name", n->name), log_num("pid", pid)) */
#define LOG_EV(event, ...) \
	log_emit((event), (const struct log_field[]){__VA_ARGS__}, \
	    (int)(sizeof((const struct log_field[]){__VA_ARGS__}) / \
	    sizeof(struct log_field)))

/* A function that also gets every event: its fields, and the text of the
 * line after the event's name. NULL: none. */
typedef void log_sink_fn(const char *event, const struct log_field *f,
    int n, const char *text);
void log_set_sink(log_sink_fn *sink);

/*
 * A limit on the file stderr is: before a line that would take it past
 * max bytes, rotate() is called (between two lines: each is one write),
 * and the line goes to whatever fd 2 is then. A rotate() that returns
 * false ends the limit. max 0: none (the default). Lines rotate() logs
 * itself go out without a check.
 */
typedef bool log_rotate_fn(void);
void log_set_limit(long long max, log_rotate_fn *rotate);

/* "prog: warning: ..." */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: error: ..." */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: debug: ..." only when verbose. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Returns s quoted for a key=value log line when it needs quoting (spaces,
 * quotes, '=' or control characters), else s itself. Uses one of a few
 * rotating static buffers: valid until the fourth next call.
 */
const char *log_quote(const char *s);

#endif
