/*
 * supctl/logs.h — shared by logs.c (the verb), logs_merge.c (the last
 * lines of several logs, merged by time) and logs_follow.c (-f).
 *
 * A log line as supd writes it starts with its time and stream:
 *   2026-12-05T06:17:25.123Z out hello world
 * The stamp is fixed-width, so comparing stamps as strings compares
 * times. A line without one (log_timestamps = false, an older log) takes
 * the stamp of the nearest stamped line above it in its file; with none,
 * it sorts before every stamped line.
 */
#ifndef SUPCTL_LOGS_H
#define SUPCTL_LOGS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shared/config.h"

/* "2026-12-05T06:17:25.123Z": the stamp's length. */
#define LOG_STAMP_LEN 24
/* A child's name, or a hostile file name made printable (\xHH). */
#define LOG_NAME_MAX (4 * CFG_NAME_MAX + 8)

/* Which logs of RUN/log: every one, or those of names (children, and
 * pools: a name whose instances' logs NAME.0.log, NAME.1.log... exist). */
struct log_sel {
	char **names; /* borrowed: supctl's argv */
	int n;	      /* 0: every log */
};

/*
 * Whether the file leaf of RUN/log ("kv.0.log") is a selected log; its
 * child's name ("kv.0") then goes to name (n bytes). Rotated files
 * (kv.0.log.1) are no log of their own.
 */
bool log_sel_match(const struct log_sel *s, const char *leaf, char *name,
    size_t n);

/* How lines are printed. */
struct log_out {
	bool prefix; /* "NAME | " before each line (several logs) */
	bool json;   /* {"name", "t", "stream", "line"} a line */
	int width;   /* the widest name printed so far */
};

/* Makes room for name in the column of names. */
void log_out_fit(struct log_out *o, const char *name);

/* Prints one line of name's log (len bytes, no newline). */
void log_out_line(struct log_out *o, const char *name, const char *line,
    size_t len);

/* Says that RUN/log/NAME.log is not read, and why (errno: log_open's). */
void log_refused(const char *name);

/* Whether line (len bytes) starts with a stamp. */
bool log_stamped(const char *line, size_t len);

/*
 * Opens leaf in dir for reading: a regular file reached without a
 * link (O_NOFOLLOW, and O_NONBLOCK, so that a FIFO planted there cannot
 * hang us). -1 with errno otherwise (ELOOP: a link; EINVAL: not a file).
 */
int log_open(int dir, const char *leaf);

/* A reader of dir from its first entry (closedir() it), or NULL. */
DIR *log_dir_read(int dir);

/* logs_follow.c: -f, every selected log as it grows, files that appear
 * included (a child started later, a new instance, a rotation). */
struct log_follow;

/* Watches dir (before it is read, so that nothing created meanwhile is
 * missed). NULL with errno when inotify cannot be had. */
struct log_follow *log_follow_new(int dir, const struct log_sel *sel,
    struct log_out *out);

/*
 * Follows name's log fd (owned from now on; -1 is ignored), from its
 * start unless log_follow_at() says where. Returns its index, or -1 (and
 * fd closed) when it is followed already (the same file) or cannot be.
 */
int log_follow_add(struct log_follow *f, const char *name, int fd);
void log_follow_at(struct log_follow *f, int i, off_t off);

/* Prints what each log gets, as it comes, until an error; returns the
 * exit status. */
int log_follow_run(struct log_follow *f);
void log_follow_free(struct log_follow *f);

/* logs_merge.c: the last n lines of the selected logs in dir, merged by
 * time (the rotated NAME.log.1 ... when NAME.log holds fewer); each log
 * then handed to f (may be NULL) where it was left. Returns how many
 * logs were selected. */
int log_merge(int dir, const struct log_sel *sel, struct log_out *out,
    long n, struct log_follow *f);

#endif
