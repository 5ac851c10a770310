/*
 * supctl/supctl.h — shared by supctl's files: options and the request
 * helper. Exit statuses are the protocol's reply codes (shared/proto.h).
 */
#ifndef SUPCTL_H
#define SUPCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/rundir.h"
#include "common/trust.h"
#include "shared/proto.h"
#include "sup/err.h"


struct ctl_opts {
	const char *run_dir_arg; /* -r */
	const char *config;	 /* -c */
	bool json;		 /* --json */
	int64_t timeout_ms;	 /* --timeout; -1: the verb's default */
	int64_t since_ms;	 /* --since; -1: all */
	const char *key;	 /* --key: call the shard it goes to */
	bool all;		 /* --all: call every shard */
	long long count;	 /* --count: events to show; 0: no end */
	bool follow;		 /* logs -f */
	bool dry_run;		 /* reload --dry-run */
	bool rolling;		 /* restart --rolling */
	long lines;		 /* logs --lines; 0: the default */
	char *run_dir;		 /* owned: resolved */
	struct rundir run;	 /* run_dir, once ctl_run() opened it */
};

/* Prints "supctl: ..." to stderr. */
void ctl_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Sends req (consumed) to supd and returns its reply object, or NULL with
 * *code set to the exit status to use (the error was printed). A reply
 * with "ok": false is printed (with its hint) and NULL returned.
 */
json_t *ctl_request(struct ctl_opts *o, json_t *req, int64_t timeout_ms,
    int *code);

/* The same, but a transport error (supd unreachable, gone mid-call) is
 * left in *transport, unprinted, for the caller to judge. */
json_t *ctl_request_ex(struct ctl_opts *o, json_t *req, int64_t timeout_ms,
    int *code, sup_err *transport);

/*
 * o->run, opened (once) and trusted: it belongs to us or root, and so
 * does every directory above it (rundir.h). NULL when not; then *code is
 * the exit status to use (PROTO_NOT_RUNNING when it does not exist,
 * PROTO_USAGE when supctl does not trust it) and, unless quiet, supctl said
 * why.
 */
struct rundir *ctl_run(struct ctl_opts *o, bool quiet, int *code);

/*
 * Whether the database at path may be read: every directory above it
 * trusted, the file owned as owner says and closed to others. Says why
 * not and sets *code (PROTO_USAGE) for SUP_EREFUSED; other errors (no such
 * file: SUP_ESYS | ENOENT) are left to the caller.
 */
sup_err ctl_db_check(const char *path, enum trust_owner owner, int *code);

/*
 * The pid of the supd running on o->run_dir, as its lock and the pid it
 * wrote agree (never a pid <= 1), or 0: then *code is the exit status to
 * use, and supctl said why (quiet: not when supd simply is not running).
 */
pid_t ctl_supd_pid(struct ctl_opts *o, bool quiet, int *code);

/* print.c */
void print_status(const json_t *reply);
void print_tree(const json_t *reply);
/* True when every child in the reply is running. */
bool status_all_running(const json_t *reply);

/* call.c: call, cast and state of libsup workers */
int verb_call(struct ctl_opts *o, bool cast, int argc, char **argv);
int verb_state(struct ctl_opts *o, int argc, char **argv);

/* logs.c, metrics.c */
int verb_logs(struct ctl_opts *o, int argc, char **argv);
int verb_metrics(struct ctl_opts *o, int argc);
/* reload.c */
int verb_reload(struct ctl_opts *o, int argc);
int verb_reexec(struct ctl_opts *o, int argc);

/* events.c */
int verb_events(struct ctl_opts *o, int argc, char **argv);

/* top.c */
int verb_top(struct ctl_opts *o, int argc, char **argv);

/* history.c */
int verb_history(struct ctl_opts *o, int argc, char **argv);

/* start.c: starts supd in the background; returns an exit status. */
int daemon_start(struct ctl_opts *o);
/* supctl stop: orderly shutdown, waits for supd to exit. */
int daemon_stop(struct ctl_opts *o);

#endif
