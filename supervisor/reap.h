/*
 * supervisor/reap.h — SIGCHLD: every exited child, reaped (reap.c).
 */
#ifndef SUPD_REAP_H
#define SUPD_REAP_H

struct supd;

void reap_all(struct supd *d);

#endif
