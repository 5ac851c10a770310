/*
 * ipc/http.h — a small HTTP/1.1 server answered from an event loop,
 * without nng in sight (nng's own HTTP server does the protocol).
 *
 * nng reads and parses requests on its threads and queues each one; a
 * fd polls readable while requests wait. The loop takes them one by one
 * and answers each from its own thread, whenever it likes: nothing here
 * ever waits on a peer. Writing the answer is nng's work too, so a peer
 * that reads slowly or not at all never holds the loop.
 *
 * Bounds: at most queue_max requests wait (one more is answered 503 at
 * once, by nng's thread); every answer closes its connection; a request
 * body beyond 4 KiB is refused (400) by nng. nng 1.5.2 has no limit on
 * connections and no timeout on a request that never ends: such a peer
 * costs one fd and a few KiB, and never a moment of the loop's time.
 */
#ifndef IPC_HTTP_H
#define IPC_HTTP_H

#include <stddef.h>

#include "sup/err.h"

typedef struct ipc_http ipc_http;
typedef struct ipc_http_req ipc_http_req;

/*
 * Listens on hostport ("127.0.0.1:9464", "[::1]:9464"; port 0: any free
 * one). Returns a new server; close it with ipc_http_close(). SUP_EIPC|e
 * on nng errors (NNG_EADDRINUSE...). Call with every signal the process
 * handles blocked: nng's threads inherit the caller's mask.
 */
sup_err ipc_http_open(const char *hostport, int queue_max, ipc_http **out);

/* A fd (an eventfd) that polls readable while requests wait. Borrowed. */
int ipc_http_fd(const ipc_http *h);

/* The address it listens on, with the port it got ("127.0.0.1:41234").
 * Borrowed: lives as long as h. */
const char *ipc_http_addr(const ipc_http *h);

/*
 * Takes the next waiting request without blocking: SUP_OK and a request
 * to answer with ipc_http_reply(), or SUP_EBUSY when none waits (the fd
 * then no longer polls readable).
 */
sup_err ipc_http_next(ipc_http *h, ipc_http_req **out);

/* "GET", "HEAD"...; the path without its query ("/metrics"), or "" when
 * it was too long to be one of ours. Borrowed from r. */
const char *ipc_http_req_method(const ipc_http_req *r);
const char *ipc_http_req_path(const ipc_http_req *r);

struct ipc_http_answer {
	int status;	  /* 200, 404... */
	const char *type; /* Content-Type */
	const char *allow; /* the Allow header of a 405, or NULL */
	const void *body; /* borrowed: copied */
	size_t len;
};

/*
 * Answers r and frees it, whatever happens: a peer that left never gets
 * it. Never blocks. SUP_ENOMEM or SUP_EIPC|e when the answer could not
 * be made (the connection is then closed).
 */
sup_err ipc_http_reply(ipc_http_req *r, const struct ipc_http_answer *a);

/*
 * Stops listening, closes every connection (a request still waiting is
 * dropped with it) and releases h. Accepts NULL.
 */
void ipc_http_close(ipc_http *h);

#endif
