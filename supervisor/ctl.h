/*
 * supervisor/ctl.h — supd's control server: supctl's requests over nng
 * req/rep at ipc://RUN/ctl, answered now or when the tree gets there.
 *
 * Protocol (one JSON object each way, framed by ipc/): a request is
 * {"cmd": "status" | "tree" | "start" | "stop" | "restart" | "signal" |
 * "shutdown" | "version", "names": [...], "signal": "HUP",
 * "nowait": false}; a reply is {"ok": true, ...} or {"ok": false,
 * "code": N, "error": "...", "hint": "..."} where code is the exit status
 * supctl should use (DESIGN.md section 5).
 */
#ifndef SUPD_CTL_H
#define SUPD_CTL_H

#include <jansson.h>

#include "supd.h"

#define CTL_MAX_REQUEST (64 * 1024)	/* larger: an error reply */
#define CTL_HARD_MAX (1024 * 1024)	/* larger: nng drops the connection */
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

/* ctl_json.c */
/* s as a JSON string; text that is not UTF-8 (a path: bytes) made
 * printable (utf8.h) instead of failing the whole reply; NULL: null. */
json_t *ctl_text(const char *s);
json_t *ctl_status_json(struct supd *d, struct supd_node *const *sel,
    int nsel);
json_t *ctl_tree_json(struct supd *d);

#endif
