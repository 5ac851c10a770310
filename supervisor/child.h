/*
 * supervisor/child.h — a worker's process: spawn, signals, exit (child.c).
 */
#ifndef SUPD_CHILD_H
#define SUPD_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "node.h"
#include "sup/err.h"

struct supd;

/* The path of n's endpoint (a libsup worker's socket) into buf. */
const char *child_endpoint(const struct supd *d, const struct supd_node *n,
    char *buf, size_t len);

/* How a spawn went. */
enum child_spawned {
	CHILD_SPAWNED,	    /* it runs; readiness to come (or an exit) */
	CHILD_SPAWNED_READY, /* it runs, and is ready so (ready = none) */
	CHILD_EXEC_FAILED,  /* it runs, but could not exec: it exits 127 */
	CHILD_SPAWN_FAILED, /* no process: why is in n->last */
};
/* Spawns n (restart: it counts as one; cause, by: what decided it). */
enum child_spawned child_spawn(struct supd *d, struct supd_node *n,
    bool restart, enum node_cause cause, const struct supd_node *by);
/* Sends the stop signal (or SIGKILL) to n's process group. */
void child_signal_stop(struct supd *d, struct supd_node *n);
/* The process of n was reaped with this wait status: its exit is
 * recorded and logged. Returns how it ended (normal_exit, ignore_exit,
 * a libsup worker's SUP_STATUS=ignored), for the engine. */
enum child_exit child_reaped(struct supd *d, struct supd_node *n,
    int wstatus);
/* Why hung n was stopped, for its exit reason: "watchdog timeout", or
 * "health check failed: " and the last line of the probe. Returns buf. */
const char *child_hung_reason(const struct supd_node *n, char *buf,
    size_t len);
/* The environment a health probe of n runs with: the child's (its env =,
 * its user's identity, supd's own), SUP_NAME, SUP_RUN_DIR, SUP_ENDPOINT,
 * SUP_INSTANCE and SUP_PID (the child's pid). Static storage, valid
 * until the next call. */
char *const *child_probe_env(struct supd *d, const struct supd_node *n);
/* SIGKILL to n's process group now. */
void child_kill(struct supd *d, struct supd_node *n);
/* sig to n's process group, or to n alone if it left it (through its
 * pidfd when it has one). 0, or -1 with errno. */
int child_signal(struct supd_node *n, int sig);

/* An adopted child's pidfd polled readable: it is gone; recorded as
 * child_reaped() does, and how it ended returned. */
enum child_exit child_adopted_gone(struct supd *d, struct supd_node *n);
/* Watches pid (not our child) through a pidfd. */
sup_err child_adopt(struct supd *d, struct supd_node *n, pid_t pid,
    int64_t start);
/* A re-exec: pid is still supd's own child (handover.h), reaped through
 * SIGCHLD as any child it spawned: no pidfd, no /proc check needed. */
void child_keep(struct supd *d, struct supd_node *n, pid_t pid,
    int64_t start);

#endif
