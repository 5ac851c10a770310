/*
 * supervisor/logholder.h — supd's side of the log holder (holder.h).
 *
 * A child whose lines the holder writes (stdout = log with
 * log_timestamps, stdout = inherit with log_prefix) gets two pipes per
 * spawn; the holder gets their read ends (one sendmsg), and supd keeps a
 * dup of each while the child runs, never reading it: a holder that dies
 * costs the child nothing (its pipe buffers), and the holder supd starts
 * again is handed every one. A supd killed -9 costs nothing either: the
 * holder goes on, and the next supd connects to RUN/log.sock and is
 * handed the pipes back. Both gone at once: a child's next write gets
 * EPIPE (the double fault, supd(8)).
 */
#ifndef SUPD_LOGHOLDER_H
#define SUPD_LOGHOLDER_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared/config.h"

struct supd;
struct supd_node;

struct logholder {
	pid_t pid;		/* 0: none running */
	int pidfd;		/* watched (SRC_HOLDER 0); -1: none */
	int conn;		/* watched (SRC_HOLDER 1); -1: none */
	bool pending;		/* some pipes wait for room on conn */
	int64_t started_ns;
	int quick_deaths;	/* in a row, each within a second of its start */
	unsigned long restarts;	/* started again after a death */
};

void logholder_init(struct supd *d);

/* Whether w's output goes through the holder. */
bool logholder_wants(const struct cfg_worker *w);

/*
 * After recovery read the tree: a holder left by a previous supd is
 * connected to, and hands back the pipes of the children adopted. Can
 * block a few seconds (startup only).
 */
void logholder_connect(struct supd *d);

/* Gives the holder supd's stdout and stderr as they are now, where the
 * lines of stdout = inherit go: after a connect, and after supd.log was
 * rotated (supdlog.c). */
void logholder_output(struct supd *d);

/*
 * Makes n's two pipes: the write ends into wr (the caller closes them
 * once the child has them), the read ends kept in n. -1 with errno when
 * they cannot be made, -2 when as many children as RLIMIT_NOFILE allows
 * go through the holder already (said once): the child then writes its
 * file directly.
 */
int logholder_pipes(struct supd_node *n, int wr[2]);

/* n spawned: its read ends go to the holder (started if need be). */
void logholder_give(struct supd *d, struct supd_node *n);

/* n's process is gone (or never started): its read ends are closed. */
void logholder_forget(struct supd_node *n);

/*
 * The last bytes (at most len) still unread in n's stderr pipe, else its
 * stdout pipe, copied without taking them from the holder (tee(2)).
 * Returns how many; 0 when the pipes are empty or n has none.
 */
ssize_t logholder_peek(const struct supd_node *n, char *buf, size_t len);

/* The loop's: the holder's pidfd (index 0) or connection (1) woke. */
void logholder_event(struct supd *d, int index);

/* Whether pid, reaped by supd, was the holder (it is not an orphan). */
bool logholder_reaped(struct supd *d, pid_t pid);

/*
 * Orderly exit, after the last child: supd lets go of every pipe and of
 * the holder, which exits once every pipe ended; waited for up to a few
 * seconds so that what the children wrote is in the files.
 */
void logholder_close(struct supd *d);

#endif
