/*
 * supervisor/recover.h — reading the database back after supd's death (recover.c); the
 * children that left the config are ghost.h's.
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

#endif
