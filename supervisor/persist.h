/*
 * supervisor/persist.h — what is written to the database, and when (persist.c).
 */
#ifndef SUPD_PERSIST_H
#define SUPD_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "node.h"
#include "sup/err.h"

struct supd;
struct st_node;

/* Opens the database. SUP_EREFUSED (why in refused) when it is not one
 * to trust (trust.h); any other failure leaves supd running from memory
 * (persisting false, with the reason). */
sup_err persist_open(struct supd *d, bool reset, char *refused, size_t rn);
/* Marks the database as in use by a running supd (boot id, not a clean
 * exit yet): a kill -9 leaves it so. */
void persist_mark_running(struct supd *d);
/* Last flush; clean: every child was stopped in order (the next supd
 * starts anew instead of taking over). */
void persist_close(struct supd *d, bool clean);
/* Writes every changed node and the queued events in one transaction. */
void persist_flush(struct supd *d);
/* After a recovery: n as its row was, so only changes are written. */
void persist_saved_from_row(struct supd_node *n, const struct st_node *r);
/* Deletes name's row at the next flush (it left the config, and has no
 * process any more). */
void persist_row_drop(struct supd *d, const char *name);
/* Queues a history event (x, reason and decided_by may be NULL). */
void persist_event(struct supd *d, const char *name, const char *event,
    pid_t pid, const struct exit_info *x, const char *reason,
    const char *decided_by);

#endif
