/*
 * supervisor/recover.h — reading the database back after supd's death; children that left the config (recover.c).
 */
#ifndef SUPD_RECOVER_H
#define SUPD_RECOVER_H

#include <stdint.h>
#include "sup/err.h"

struct supd;

/* Restores nodes, adopts live children, notes dead ones. Before engine
 * start. */
void recover_load(struct supd *d);
/* After the root started: exits that happened while supd was down. */
void recover_apply(struct supd *d);
/* Ghosts: children that left the config, being stopped. */
void recover_ghost_event(struct supd *d, int index);
int64_t recover_ghost_deadline(struct supd *d);
void recover_ghost_deadlines(struct supd *d, int64_t now);
int recover_ghost_count(struct supd *d);
/* SIGKILL to every ghost still alive (supd is exiting). */
void recover_ghosts_kill(struct supd *d);

#endif
