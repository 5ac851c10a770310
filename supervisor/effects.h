/*
 * supervisor/effects.h — what the engine decides, carried out (effects.c).
 */
#ifndef SUPD_EFFECTS_H
#define SUPD_EFFECTS_H

#include <stdbool.h>
#include <stdint.h>
#include "engine.h"

struct supd;

/* Gives the engine one event and carries out its actions; from inside a
 * batch of actions (a spawn that failed), it waits for the batch to end.
 * (A settle cut short leaves no event waiting: groups' steps only.) */
void effects_event(struct supd *d, enum eng_event_type type,
    struct supd_node *n);
/* The same, for an exit: normal is a normal exit (status 0). */
void effects_exited(struct supd *d, struct supd_node *n,
    enum child_exit how);
/* The same, for a running child that is hung (watchdog.c, health.c):
 * the engine stops it, and its exit is a failure. */
void effects_hung(struct supd *d, struct supd_node *n, enum node_hung why);
/* Settles the tree: events that waited, then groups' steps, each batch
 * carried out, until the engine has nothing more to do. */
void effects_settle(struct supd *d);
/* The same for about slice_ns at most: true when the tree is settled,
 * false when the rest waits for the next call. A start of thousands of
 * children goes on between the loop's turns, and supd answers meanwhile. */
bool effects_settle_for(struct supd *d, int64_t slice_ns);
/* Whether supd is stopping the whole tree. */
bool effects_shutting_down(const struct supd *d);

#endif
