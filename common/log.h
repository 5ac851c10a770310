/*
 * common/log.h — supd's and supctl's diagnostics.
 *
 * Two shapes. Lifecycle events, one line each, for people and for grep:
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
 * Logs a lifecycle event: a timestamp, the program, the event name, then
 * the caller's key=value pairs (fmt). Values with spaces must be quoted by
 * the caller, e.g. with log_quote().
 */
/* A function that also gets every log_event() (its event and the text
 * after it), or NULL. supd publishes them (supervisor/events.c). */
void log_set_sink(void (*sink)(const char *event, const char *text));

void log_event(const char *event, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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
