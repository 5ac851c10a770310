/*
 * supervisor/health.h — exec health probes (health.c): health = CMD run
 * by supd every health_interval while a worker is running; after
 * health_retries failures in a row the worker is hung, and stopped as a
 * failure.
 */
#ifndef SUPD_HEALTH_H
#define SUPD_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sup/err.h"

struct supd;
struct supd_node;

/* What the probes said of a worker's current process. */
enum health_state {
	HEALTH_UNKNOWN,	  /* no probe has answered yet */
	HEALTH_HEALTHY,	  /* the last probe exited 0 */
	HEALTH_UNHEALTHY, /* the last probe failed */
};

/* Finds the workers with a health probe in d's tree (built), and gives
 * each its probe state. SUP_ENOMEM. */
sup_err health_init(struct supd *d);
/* Kills the probes still running (supd exits), frees. */
void health_fini(struct supd *d);
/* Kills the probes still running, their results dropped (supd is about
 * to re-exec: the next image starts every worker's health unknown). */
void health_probes_kill(struct supd *d);

/*
 * The next moment a probe starts or times out (monotonic ns), or 0: no
 * probe to run, and no wake-up for it. Starts the count of a worker that
 * became ready (a fresh state: also after a recovery or a re-exec); a
 * probe of a process that is no longer running is killed.
 */
int64_t health_deadline(struct supd *d);
/* Starts the probes due by now; kills those past health_timeout. */
void health_run(struct supd *d, int64_t now);
/* The output pipe of the probe of d->nodes[index] is readable. */
void health_output(struct supd *d, int index);
/* pid was reaped with wstatus: true if it was a probe (its result is
 * counted, and what is left of its process group killed). */
bool health_reaped(struct supd *d, pid_t pid, int wstatus);

/* n's state, NULL when it has no probe; "unknown" while it has no
 * process. Static storage. */
const char *health_name(const struct supd_node *n);
/* n's failures in a row, and the last line of its last probe's output
 * ("" when none). */
int health_failures(const struct supd_node *n);
const char *health_last_line(const struct supd_node *n);

#endif
