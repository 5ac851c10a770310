/*
 * supctl/top.h — what the files of supctl top share: the view (one row
 * per node of the tree, as the last status snapshot and /proc say), its
 * drawing, and the terminal.
 *
 * top.c runs the loop (events, keys, the one-second tick), top_model.c
 * turns supd's replies and /proc into rows, top_draw.c turns rows into
 * text, top_term.c owns the terminal (raw mode, keys, the pager).
 */
#ifndef SUPCTL_TOP_H
#define SUPCTL_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "supctl.h"

#define TOP_NAME_MAX 96

/* One node of the tree: a group or a worker. */
struct top_row {
	char name[TOP_NAME_MAX];
	char state[16];
	char health[16];	/* "-" when supd says nothing of it */
	char reason[160];	/* the last exit's reason, or "-" */
	bool group;
	int depth;		/* 0: root */
	pid_t pid;		/* 0: no process */
	long long restarts;
	int64_t up_ms;		/* at the snapshot; -1: no process */
	int64_t backoff_ms;	/* at the snapshot; -1: not in backoff */
	long long rss_kb;	/* -1: unknown */
	double cpu;		/* percent of one CPU; < 0: unknown */
	/* The last /proc sample of pid: utime + stime, and when. */
	unsigned long long ticks;
	int64_t ticks_ms;	/* monotonic ms; 0: no sample yet */
};

struct top_view {
	struct top_row *rows;	/* owned */
	int nrows;
	int64_t snap_ms;	/* monotonic ms of the snapshot */
	pid_t supd_pid;
	char supd_state[16];
	int64_t supd_up_ms;	/* at the snapshot */
	bool connected;		/* false: supd went away, we wait for it */
	int sel;		/* the selected row */
	int top;		/* the first row shown */
	char msg[256];		/* the status line */
	int lines, cols;	/* the terminal's size */
};

/* top_model.c */

/*
 * Asks supd for the tree and the status of names (none: all) and
 * replaces v's rows with them; what /proc said of a process still there
 * is kept. Returns PROTO_OK, or the exit status to use; then *transport
 * is set when supd could not be reached (nothing was printed for that).
 */
int top_snapshot(struct ctl_opts *o, int argc, char **argv,
    struct top_view *v, sup_err *transport);
/* Reads /proc for every row with a process: its RSS and its CPU share
 * since the last sample (the first: since it started, as ps(1) does). */
void top_sample(struct top_view *v, int64_t now_ms);
void top_view_fini(struct top_view *v);

/* top_draw.c */

/* The snapshot as text, for a pipe or a file (supctl top | cat). */
void top_print(const struct top_view *v, int64_t now_ms);
/* The whole screen, in one write. */
void top_draw(struct top_view *v, int64_t now_ms);

/* top_term.c */

enum {
	KEY_UP = 0x100,
	KEY_DOWN,
	KEY_PGUP,
	KEY_PGDN,
	KEY_HOME,
	KEY_END,
};

/* Raw mode on the terminal (stdin), the alternate screen, no cursor.
 * -1 when stdin is no terminal. */
int term_enter(void);
/* Back to how term_enter() found it; harmless when not entered. */
void term_leave(void);
/* The terminal's size (24x80 when it does not say). */
void term_size(int *lines, int *cols);
/* The keys waiting on stdin, decoded, up to max; the count. */
int term_keys(int *keys, int max);
/*
 * Runs $PAGER (else less +G) on path with the terminal given back to it,
 * stderr restored to err_fd, and signals unblocked in it; waits for it,
 * then takes the terminal again. Returns its wait status, or -1.
 */
int term_pager(const char *path, int err_fd);

#endif
