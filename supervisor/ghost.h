/*
 * supervisor/ghost.h — the processes of nodes that left the config (a
 * reload, or a supd started on an edited config): ghosts, stopped as OTP
 * terminates children, one at a time in reverse of the old config's order,
 * each with the stop_signal and shutdown its row recorded, SIGKILL after.
 * Watched through a pidfd (a ghost may not be supd's child).
 */
#ifndef SUPD_GHOST_H
#define SUPD_GHOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct supd;
struct st_node;

/* Records the live process pid of row r, started at start (boot clock
 * ms, proc_same), unless it is gone already; nothing is signalled yet.
 * Its row is deleted once it is gone. False: out of memory. */
bool ghost_add(struct supd *d, const struct st_node *r, pid_t pid,
    int64_t start);
/* Once every row is read: watches the ghosts and stops the first. */
void ghosts_begin(struct supd *d);
/* Ghost i's pidfd: it exited; the next one is stopped. */
void ghost_gone(struct supd *d, int i);
/* The earliest SIGKILL due, or 0; SIGKILL those due at now. */
int64_t ghost_deadline(const struct supd *d);
void ghost_deadlines(struct supd *d, int64_t now);
/* Ghosts still alive. */
int ghost_count(const struct supd *d);
/* supd is exiting: every ghost not yet stopped is stopped now. */
void ghosts_stop_all(struct supd *d);
/* SIGKILL to every ghost still alive (supd's last act). */
void ghosts_kill(struct supd *d);

#endif
