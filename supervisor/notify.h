/*
 * supervisor/notify.h — the sd_notify socket children report readiness on (notify.c).
 */
#ifndef SUPD_NOTIFY_H
#define SUPD_NOTIFY_H

#include "sup/err.h"

struct supd;

sup_err notify_open(struct supd *d);
void notify_read(struct supd *d);

#endif
