/*
 * supervisor/ctl.h — supd's control server: supctl's requests over nng
 * req/rep at ipc://RUN/ctl (the protocol: shared/proto.h), answered now
 * or when the tree gets where it was sent.
 */
#ifndef SUPD_CTL_H
#define SUPD_CTL_H

#include <jansson.h>

#include "ipc/ipc.h"
#include "shared/proto.h"
#include "supd.h"

#define CTL_MAX_WAITERS 1024

/* Listens on RUN/ctl. Fatal-zone only (before the loop). */
sup_err ctl_open(struct supd *d);
void ctl_close(struct supd *d);
/* Answers every waiting request. */
void ctl_read(struct supd *d);
/* Answers the deferred requests whose nodes got where they were sent. */
void ctl_waiters_check(struct supd *d);
/* Answers every deferred request with an error (supd is going away). */
void ctl_waiters_fail_all(struct supd *d, const char *why);

/* Sends o (consumed) as r's reply and frees r; an error reply. */
void ctl_reply(struct supd *d, ipc_req *r, json_t *o);
void ctl_reply_error(struct supd *d, ipc_req *r, enum proto_code code,
    const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ctl_reload.c: supctl reload [--dry-run] and supctl reexec. */
void ctl_reload(struct supd *d, ipc_req *r, const struct proto_req *req);
void ctl_reexec(struct supd *d, ipc_req *r, const struct proto_req *req);

/* ctl_json.c. sel, nsel: the nodes asked for (a group stands for the
 * workers under it); sel NULL: all. */
/* The status object as a reply frame, written as text a row at a time:
 * a new buffer of *len bytes (free it), or NULL when out of memory. */
char *ctl_status_frame(struct supd *d, struct supd_node *const *sel,
    int nsel, size_t *len);
/* The same object (that text, parsed): a new reference, or NULL. */
json_t *ctl_status_json(struct supd *d, struct supd_node *const *sel,
    int nsel);
json_t *ctl_tree_json(struct supd *d);

#endif
