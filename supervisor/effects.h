/*
 * supervisor/effects.h — what the engine decides, carried out (effects.c).
 */
#ifndef SUPD_EFFECTS_H
#define SUPD_EFFECTS_H

#include <stdbool.h>
#include "engine.h"

struct supd;

/* Gives the engine one event and carries out its actions; from inside a
 * batch of actions (a spawn that failed), the event waits for the batch
 * to end. */
void effects_event(struct supd *d, enum eng_event_type type,
    struct supd_node *n);
/* The same, for an exit: normal is a normal exit (status 0). */
void effects_exited(struct supd *d, struct supd_node *n,
    enum child_exit how);
/* Settles the tree: events that waited, then groups' steps, each batch
 * carried out, until the engine has nothing more to do. */
void effects_settle(struct supd *d);
/* Whether supd is stopping the whole tree. */
bool effects_shutting_down(const struct supd *d);

#endif
