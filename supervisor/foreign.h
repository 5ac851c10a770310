/*
 * supervisor/foreign.h — the files under RUN of a worker of another user (foreign.c).
 */
#ifndef SUPD_FOREIGN_H
#define SUPD_FOREIGN_H

#include <stdbool.h>

struct cfg_worker;
struct supd;
struct supd_node;

/* Whether w runs as another user than supd (its files under RUN are
 * then that user's: rundir.h). */
bool foreign_is(const struct cfg_worker *w);

/* Makes what n needs under RUN when it is a libsup worker of another
 * user (its directory, its database files), owned by that user. Logged
 * when it cannot: the worker then fails to start, and says why. */
void foreign_files_give(struct supd *d, struct supd_node *n);

#endif
