/*
 * supervisor/loop.h — the only place supd blocks (loop.c).
 */
#ifndef SUPD_LOOP_H
#define SUPD_LOOP_H

#include <signal.h>
#include "sup/err.h"

struct supd;

/* The signals supd reads from its signalfd (blocked everywhere else). */
void loop_signals(sigset_t *set);
sup_err loop_init(struct supd *d);
void loop_run(struct supd *d);

#endif
