/*
 * supervisor/watch.h — the fds the loop waits on (watch.c).
 */
#ifndef SUPD_WATCH_H
#define SUPD_WATCH_H

#include <stdbool.h>

#include "sup/err.h"

struct supd;

enum watch_source { SRC_SIGNAL = 1, SRC_TIMER, SRC_NOTIFY, SRC_CTL, SRC_PIDFD,
	SRC_GHOST, SRC_EVENTS, SRC_EVENTS_SUBS, SRC_HTTP, SRC_PROBE,
	SRC_HOLDER, SRC_CGROUP };
/* Adds fd to the loop; index says which node or ghost it is about.
 * SUP_ESYS | errno when epoll refuses it. */
sup_err watch_add(struct supd *d, int fd, enum watch_source src, int index);
void watch_del(struct supd *d, int fd);
/* Whether the loop waits for fd (added with watch_add) to be writable
 * too. */
void watch_out(struct supd *d, int fd, enum watch_source src, int index,
    bool out);

#endif
