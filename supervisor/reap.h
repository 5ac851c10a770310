/*
 * supervisor/reap.h — SIGCHLD: every exited child, reaped (reap.c).
 */
#ifndef SUPD_REAP_H
#define SUPD_REAP_H

struct supd;

#include <sys/types.h>

/* Every exited child, reaped: waitpid(-1) until none is left. The kernel
 * answers each call by walking all of supd's children. */
void reap_all(struct supd *d);

/*
 * A SIGCHLD that named pid: a worker's exit is reaped now, with a waitpid
 * of that pid, which costs the same with ten children or ten thousand, so
 * its restart waits for no sweep. Signals coalesce, so the same SIGCHLD
 * may stand for other exits too: reap_all() then runs at the end of the
 * loop's turn (d->reap_due), once the tree has acted on this one (one
 * sweep a turn, off the restart's path).
 */
void reap_signalled(struct supd *d, pid_t pid);

#endif
