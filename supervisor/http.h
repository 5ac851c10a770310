/*
 * supervisor/http.h — supd's HTTP endpoints (http.c): GET /metrics,
 * /healthz, /readyz and /status on [supervisor] http = ADDRESS:PORT.
 * Nothing served changes the tree.
 */
#ifndef SUPD_HTTP_H
#define SUPD_HTTP_H

#include "sup/err.h"

struct supd;

/* Requests waiting at most; one more is answered 503 by nng's thread. */
#define SUPD_HTTP_QUEUE 64

/* Listens when the config says http = (else does nothing). Fatal-zone
 * only (before the loop): SUP_EIPC|e when the address cannot be had. */
sup_err supd_http_open(struct supd *d);
/* Answers every waiting request, from supd's state, now. */
void supd_http_read(struct supd *d);
/* Stops listening and drops what still waits. Accepts no server. */
void supd_http_close(struct supd *d);

#endif
