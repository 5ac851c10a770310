/*
 * supervisor/watchdog.h — systemd's WatchdogSec for supd's children
 * (watchdog.c): a child with watchdog = D that sends no WATCHDOG=1
 * within D is hung, and stopped as a failure.
 */
#ifndef SUPD_WATCHDOG_H
#define SUPD_WATCHDOG_H

#include <stdint.h>

#include "sup/err.h"

struct supd;
struct supd_node;
struct sdn_msg;

/* Finds the workers with a watchdog in d's tree (built). SUP_ENOMEM. */
sup_err watchdog_init(struct supd *d);
void watchdog_fini(struct supd *d);
/*
 * The earliest moment a watched child is hung (monotonic ns), or 0: no
 * watchdog armed, and no wake-up for it. Arms the watchdog of a child
 * that became ready (a fresh interval: also after a recovery or a
 * re-exec), disarms that of one that is not running.
 */
int64_t watchdog_deadline(struct supd *d);
/* Stops, as hung, each watched child whose interval passed by now. */
void watchdog_run(struct supd *d, int64_t now);
/* What n sent on the notify socket: WATCHDOG=1 feeds its watchdog,
 * WATCHDOG_USEC= changes its interval, WATCHDOG=trigger makes it hung. */
void watchdog_notify(struct supd *d, struct supd_node *n,
    const struct sdn_msg *m);

#endif
