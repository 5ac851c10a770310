/*
 * ipc/ipc.h — request/reply over nng IPC sockets, without nng in sight.
 *
 * The only module that includes <nng/nng.h>. A server is a raw REP socket
 * whose requests are received from an event loop (a pollable fd) and may
 * be answered later, out of order (a deferred reply). A client call is
 * one REQ exchange with a deadline and at-most-once delivery.
 *
 * Frames: byte 0 is the protocol version (IPC_VERSION), byte 1 the body
 * type, then the body. ipc_frame_check() validates the header before
 * anything reads the body.
 *
 * nng traps handled here (DESIGN.md section 8): REQ resend is infinite
 * (a call never runs twice), dialers reconnect after 10 ms, not 1 s;
 * the 1.5.2 listener bug is cured at its root (epipe.c).
 */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sup/err.h"

#define IPC_VERSION 1
#define IPC_TYPE_JSON 'J'

/* Registers the path of one of our listeners for ipc/epipe.c (the cure
 * for nng 1.5.2's listener bug); its use also pulls that file into a
 * program linked with a static libsup. */
void ipc_epipe_cure(const char *path);

typedef struct ipc_server ipc_server;
typedef struct ipc_req ipc_req;

/*
 * Listens on ipc://path with a socket file of mode 0600. Requests larger
 * than hard_max bytes are dropped by nng with their connection (the
 * caller checks a smaller limit itself, so it can answer). Returns a new
 * server; close it with ipc_server_close(). SUP_EIPC|e on nng errors.
 * Call with every signal the process handles blocked: nng's threads
 * inherit the caller's mask.
 */
sup_err ipc_server_open(const char *path, size_t hard_max, ipc_server **out);

/* A fd that polls readable when a request may be waiting. Borrowed. */
int ipc_server_fd(ipc_server *s);

/*
 * Takes the next waiting request without blocking. Returns SUP_OK and a
 * new request (answer it with ipc_req_reply() or drop it with
 * ipc_req_free()), or SUP_EBUSY when none is waiting.
 */
sup_err ipc_server_recv(ipc_server *s, ipc_req **out);

/* Releases nng's threads and memory; call once, last, at exit. */
void ipc_fini(void);

/* Closes the server and unlinks its socket file. Accepts NULL. */
void ipc_server_close(ipc_server *s);

/* The request's bytes as received (a frame, not yet checked). Borrowed. */
const void *ipc_req_data(const ipc_req *r, size_t *len);

/* The peer's uid and pid from the socket's credentials; -1 if unknown. */
int64_t ipc_req_peer_uid(const ipc_req *r);
int64_t ipc_req_peer_pid(const ipc_req *r);

/*
 * Sends body as the reply to r and frees r, whatever happens: a peer that
 * left simply never gets it. Never blocks.
 */
sup_err ipc_req_reply(ipc_req *r, const void *body, size_t len);

/* Frees a request without answering it. Accepts NULL. */
void ipc_req_free(ipc_req *r);

/*
 * Validates a frame header: SUP_EPROTO if it is too short, has another
 * version or another type than want. On success *body and *blen are the
 * rest.
 */
sup_err ipc_frame_check(const void *frame, size_t len, int want,
    const void **body, size_t *blen);

/*
 * One call: sends req (already framed) to ipc://path and waits for the
 * reply until timeout_ms (INT64_MAX waits forever). Returns a new reply in
 * *reply (free() it) and its length. SUP_ETIMEDOUT when the deadline
 * passes, SUP_EDOWN when the server went away mid-call. The request is
 * sent at most once.
 */
sup_err ipc_call(const char *path, const void *req, size_t len, void **reply,
    size_t *rlen, int64_t timeout_ms);

/*
 * A kept connection for many calls, from any number of threads: one REQ
 * socket, a context per call (nng's way to run calls concurrently on one
 * socket), never resending, redialling 10 ms after a peer restarts.
 */
typedef struct ipc_client ipc_client;

/* Returns a new client of ipc://path; close it with ipc_client_close().
 * peer_uid >= 0: only a server running as that uid is talked to (a
 * connection to another is closed before it carries anything). */
sup_err ipc_client_open(const char *path, int64_t peer_uid,
    ipc_client **out);
void ipc_client_close(ipc_client *c);
/*
 * Tells c that a new server listens on ipc://path (a worker restarted):
 * unless a connection is up already, c dials it now instead of at the
 * end of nng's reconnect back-off. Never blocks on the peer.
 */
sup_err ipc_client_redial(ipc_client *c, const char *path);
/*
 * A request of c's stayed unsent IPC_REDIAL_MS (below) while its server
 * lives: c dials again, as ipc_client_redial(), unless connections were
 * made and refused by c's peer check since the last such call: nng's
 * dialer lives then, and retries (nng 1.5.2 also leaks ~0.8 kB for each
 * dialer closed after a refusal).
 */
sup_err ipc_client_unstick(ipc_client *c, const char *path);
/* Whether c has a connection up now (a call goes out at once). */
bool ipc_client_connected(ipc_client *c);
/*
 * One call on c, as ipc_call(). SUP_EDOWN when the connection the request
 * went out on closed before the reply came (the peer died): the request
 * is never sent again. SUP_EBUSY when no connection was up and none came
 * within 2 ms: the request was not sent; the caller may see whether its
 * server is dead (nng would reach a new one only at its next try) and
 * call again.
 */
sup_err ipc_client_call(ipc_client *c, const void *req, size_t len,
    void **reply, size_t *rlen, int64_t timeout_ms);

/*
 * nng 1.5.2's dialer gives up for good when a connection it made is
 * closed during nng's handshake (measured: a server that accepts and
 * closes once, then a real one; the request is never sent): a server
 * exec'ing, or dying, in the moment a call connects. A request that no
 * connection took within IPC_REDIAL_MS goes to a new dialer: unsent, it
 * reached nobody, so sending it on is not sending it twice. ipc_call()
 * does it itself; a caller of ipc_client_call() calls ipc_client_unstick()
 * when its requests stay unsent that long.
 */
#define IPC_REDIAL_MS 250

/* --- publish/subscribe (pubsub.c): telemetry ------------------------- */

typedef struct ipc_pub ipc_pub;
typedef struct ipc_sub ipc_sub;

/* Publishes on ipc://path (0600). Sends never wait: a subscriber too slow
 * to take a message loses it. notify_fd (an eventfd, or -1) is written
 * to whenever a subscriber comes or goes. */
sup_err ipc_pub_open(const char *path, int notify_fd, ipc_pub **out);
/* How many subscribers are connected now (publish nothing when 0). */
int ipc_pub_subscribers(const ipc_pub *p);
sup_err ipc_pub_send(ipc_pub *p, const void *data, size_t len);
void ipc_pub_close(ipc_pub *p);

/* A subscriber keeping up to recv_buf messages (at most 8192) before
 * nng drops new ones. Dial any number of publishers; each is redialled
 * when it goes away and comes back. */
sup_err ipc_sub_open(size_t recv_buf, ipc_sub **out);
/* Receives the messages that start with prefix (len 0: all). */
sup_err ipc_sub_subscribe(ipc_sub *s, const void *prefix, size_t len);
/* *id (may be NULL): the dialer's id, which ipc_sub_recv() gives back
 * for each message that came through it. peer_uid >= 0: only a
 * publisher running as that uid is heard (a connection to another is
 * closed before it carries anything). */
sup_err ipc_sub_dial(ipc_sub *s, const char *path, int64_t peer_uid,
    uint32_t *id);
/* Polls readable when a message may be waiting. Borrowed. */
int ipc_sub_fd(const ipc_sub *s);
/* The next message (NUL-terminated copy; free it), waiting up to
 * timeout_ms (0: not at all; -1: for ever). SUP_EBUSY when none came.
 * *from (may be NULL): the id of the dialer it came through. */
sup_err ipc_sub_recv(ipc_sub *s, void **buf, size_t *len, int64_t timeout_ms,
    uint32_t *from);
void ipc_sub_close(ipc_sub *s);

#endif
