/*
 * ipc/reqrep.c — nng request/reply for supd's control socket and for
 * clients (ipc.h).
 *
 * Server: a raw REP socket. Raw mode hands each request over with its
 * routing header (pipe id and request id); keeping that header on the
 * reply message routes the reply back, so replies may come in any order
 * and at any later time, from the event loop's thread only.
 *
 * Client: a REQ socket per call, dialled without blocking, never resending.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <nng/transport/ipc/ipc.h>

#include "ipc.h"
#include "ipc_int.h"

/* One-shot closes not finished (close_bounded): no nng_fini then. */
static atomic_int closing;

struct ipc_server {
	nng_socket sock;
	nng_listener l;
	char url[256 + 8];
	const char *path; /* borrowed: inside url */
	int fd;
};

struct ipc_req {
	nng_msg *msg; /* owned */
	ipc_server *s; /* borrowed: outlives its requests */
};

const char *ipc_err_str(int code);

/* Renders SUP_EIPC errors for sup_strerror() (common/err.c's weak hook). */
const char *
ipc_err_str(int code)
{
	return nng_strerror(code);
}

static sup_err
listen_start(ipc_server *s)
{
	int rv;

	ipc_epipe_cure(s->path);
	if ((rv = nng_listener_create(&s->l, s->sock, s->url)) != 0)
		return SUP_EIPC | rv;
	if ((rv = nng_listener_set_int(s->l, NNG_OPT_IPC_PERMISSIONS, 0600)) !=
		0 ||
	    (rv = nng_listener_start(s->l, 0)) != 0) {
		nng_listener_close(s->l);
		return SUP_EIPC | rv;
	}
	return SUP_OK;
}

sup_err
ipc_server_open(const char *path, size_t hard_max, ipc_server **out)
{
	ipc_server *s = calloc(1, sizeof(*s));
	sup_err err;
	int rv;

	if (s == NULL)
		return SUP_ENOMEM;
	if ((size_t)snprintf(s->url, sizeof(s->url), "ipc://%s", path) >=
	    sizeof(s->url)) {
		free(s);
		return SUP_ETOOBIG;
	}
	s->path = s->url + 6;
	if ((rv = nng_rep0_open_raw(&s->sock)) != 0) {
		free(s);
		return SUP_EIPC | rv;
	}
	/* A raw REP socket queues no sends by default: a second reply sent
	 * right after a first finds no room and is lost. */
	if ((rv = nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, hard_max)) !=
		0 ||
	    (rv = nng_socket_set_int(s->sock, NNG_OPT_SENDBUF, 1024)) != 0 ||
	    (rv = nng_socket_get_int(s->sock, NNG_OPT_RECVFD, &s->fd)) != 0) {
		err = SUP_EIPC | rv;
		goto fail;
	}
	if ((err = listen_start(s)) != SUP_OK)
		goto fail;
	*out = s;
	return SUP_OK;
fail:
	nng_close(s->sock);
	free(s);
	return err;
}

int
ipc_server_fd(ipc_server *s)
{
	return s->fd;
}

sup_err
ipc_server_recv(ipc_server *s, ipc_req **out)
{
	ipc_req *r;
	nng_msg *m;
	int rv;

	rv = nng_recvmsg(s->sock, &m, NNG_FLAG_NONBLOCK);
	if (rv == NNG_EAGAIN)
		return SUP_EBUSY;
	if (rv != 0)
		return SUP_EIPC | rv;
	if ((r = malloc(sizeof(*r))) == NULL) {
		nng_msg_free(m);
		return SUP_ENOMEM;
	}
	r->msg = m;
	r->s = s;
	*out = r;
	return SUP_OK;
}

void
ipc_fini(void)
{
	/* A close still stuck (see close_bounded) would make nng_fini wait
	 * on it, or pull nng away under it: leave nng to the exit then. */
	if (atomic_load(&closing) == 0)
		nng_fini();
}

void
ipc_server_close(ipc_server *s)
{
	if (s == NULL)
		return;
	ipc_close_bounded(s->sock);
	unlink(s->path);
	free(s);
}

const void *
ipc_req_data(const ipc_req *r, size_t *len)
{
	*len = nng_msg_len(r->msg);
	return nng_msg_body(r->msg);
}

static int64_t
peer_opt(const ipc_req *r, const char *opt)
{
	nng_pipe p = nng_msg_get_pipe(r->msg);
	uint64_t v;

	if (nng_pipe_get_uint64(p, opt, &v) != 0)
		return -1;
	return (int64_t)v;
}

int64_t
ipc_req_peer_uid(const ipc_req *r)
{
	return peer_opt(r, NNG_OPT_IPC_PEER_UID);
}

int64_t
ipc_req_peer_pid(const ipc_req *r)
{
	return peer_opt(r, NNG_OPT_IPC_PEER_PID);
}

sup_err
ipc_req_reply(ipc_req *r, const void *body, size_t len)
{
	nng_msg *m = r->msg;
	int rv;

	/* Clearing the body keeps the header: the route back to the peer. */
	nng_msg_clear(m);
	if ((rv = nng_msg_append(m, body, len)) == 0)
		rv = nng_sendmsg(r->s->sock, m, NNG_FLAG_NONBLOCK);
	if (rv != 0)
		nng_msg_free(m);
	free(r);
	return rv == 0 ? SUP_OK : SUP_EIPC | rv;
}

void
ipc_req_free(ipc_req *r)
{
	if (r == NULL)
		return;
	nng_msg_free(r->msg);
	free(r);
}

/* --- client ---------------------------------------------------------- */

static nng_duration
ms_left(nng_time deadline)
{
	nng_time now = nng_clock();

	if (deadline == (nng_time)-1)
		return NNG_DURATION_INFINITE;
	return deadline > now ? (nng_duration)(deadline - now) : 1;
}

static sup_err client_dial(nng_socket s, const char *path, nng_dialer *d);

/* A send that redials what no connection took (IPC_REDIAL_MS, ipc.h). */
static int
send_redialing(nng_socket s, const char *path, nng_dialer *d, nng_msg *m,
    nng_time deadline)
{
	for (;;) {
		nng_duration t = ms_left(deadline);
		int rv;
		if (t == NNG_DURATION_INFINITE || t > IPC_REDIAL_MS)
			t = IPC_REDIAL_MS;
		nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, t);
		rv = nng_sendmsg(s, m, 0);
		if (rv != NNG_ETIMEDOUT || (deadline != (nng_time)-1 &&
		    nng_clock() >= deadline))
			return rv;
		nng_dialer_close(*d);
		if (client_dial(s, path, d) != SUP_OK)
			return rv;
	}
}

static sup_err
call_exchange(nng_socket s, const char *path, nng_dialer *d,
    const void *req, size_t len, void **reply, size_t *rlen,
    nng_time deadline)
{
	nng_msg *m;
	int rv;

	if ((rv = nng_msg_alloc(&m, 0)) != 0 ||
	    (rv = nng_msg_append(m, req, len)) != 0)
		return SUP_EIPC | rv;
	if ((rv = send_redialing(s, path, d, m, deadline)) != 0) {
		nng_msg_free(m);
		return rv == NNG_ETIMEDOUT ? SUP_ETIMEDOUT : SUP_EIPC | rv;
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, ms_left(deadline));
	if ((rv = nng_recvmsg(s, &m, 0)) != 0) {
		if (rv == NNG_ETIMEDOUT)
			return SUP_ETIMEDOUT;
		if (rv == NNG_ECONNRESET || rv == NNG_ECLOSED ||
		    rv == NNG_ECONNSHUT)
			return SUP_EDOWN;
		return SUP_EIPC | rv;
	}
	*rlen = nng_msg_len(m);
	if ((*reply = malloc(*rlen ? *rlen : 1)) == NULL) {
		nng_msg_free(m);
		return SUP_ENOMEM;
	}
	memcpy(*reply, nng_msg_body(m), *rlen);
	nng_msg_free(m);
	return SUP_OK;
}

struct ipc_client {
	nng_socket sock;
	nng_dialer d;	   /* the dialer of now (ipc_client_redial) */
	int64_t peer_uid;  /* the server must run as this uid; -1: any */
	atomic_uint up;	   /* the id of the connection up now; 0: none */
	atomic_uint refused; /* connections client_pipe_check closed since
			      * the last ipc_client_unstick() */
	pthread_mutex_t mu; /* one redial at a time */
};

/*
 * nng's thread, before a connection joins: a path can lead to another
 * server than the one meant (a link in a directory its user owns), so
 * the peer's credentials decide, not the path.
 */
static void
client_pipe_check(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ipc_client *c = arg;
	uint64_t uid;

	(void)ev;
	if (c->peer_uid >= 0 && (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID,
	    &uid) != 0 || (int64_t)uid != c->peer_uid)) {
		atomic_fetch_add(&c->refused, 1);
		nng_pipe_close(p);
	}
}

/* nng's thread: which connection is up, for ipc_client_redial(). */
static void
client_pipe_track(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ipc_client *c = arg;
	unsigned id = (unsigned)nng_pipe_id(p);

	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_store(&c->up, id);
	else
		atomic_compare_exchange_strong(&c->up, &id, 0);
}

/* Dials ipc://path on s; the dialer into *d (may be NULL). */
static sup_err
client_dial(nng_socket s, const char *path, nng_dialer *d)
{
	char url[256 + 8];
	int rv;

	if ((size_t)snprintf(url, sizeof(url), "ipc://%s", path) >= sizeof(url))
		return SUP_ETOOBIG;
	/* Non-blocking dial: a server not there yet is retried until the
	 * deadline instead of failing at once. */
	if ((rv = nng_dial(s, url, d, NNG_FLAG_NONBLOCK)) != 0)
		return SUP_EIPC | rv;
	return SUP_OK;
}

/*
 * check: the client whose peer uid a connection must have, or NULL (a
 * one-shot call). A one-shot call redials every few milliseconds: it is
 * short-lived, and its server may be coming back (supd re-executing); a
 * long-lived client backs off to 200 ms, not to spin on a worker that
 * stays down (ipc_client_redial() dials at once when it is back).
 */
static sup_err
req_socket(const char *path, nng_socket *s, nng_dialer *d, ipc_client *check)
{
	sup_err e;
	int rv;

	if ((rv = nng_req0_open(s)) != 0)
		return SUP_EIPC | rv;
	/* Never resend: a call must not run twice (DESIGN.md section 8). */
	nng_socket_set_ms(*s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(*s, NNG_OPT_RECONNMINT, 2);
	nng_socket_set_ms(*s, NNG_OPT_RECONNMAXT, check != NULL ? 200 : 5);
	nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, 64u << 20);
	if (check != NULL) {
		nng_pipe_notify(*s, NNG_PIPE_EV_ADD_PRE, client_pipe_check,
		    check);
		nng_pipe_notify(*s, NNG_PIPE_EV_ADD_POST, client_pipe_track,
		    check);
		nng_pipe_notify(*s, NNG_PIPE_EV_REM_POST, client_pipe_track,
		    check);
	}
	if ((e = client_dial(*s, path, check != NULL ? &check->d : d)) !=
	    SUP_OK)
		nng_close(*s);
	return e;
}

sup_err
ipc_client_open(const char *path, int64_t peer_uid, ipc_client **out)
{
	ipc_client *c = calloc(1, sizeof(*c));
	sup_err e;

	if (c == NULL)
		return SUP_ENOMEM;
	c->peer_uid = peer_uid;
	pthread_mutex_init(&c->mu, NULL);
	if ((e = req_socket(path, &c->sock, NULL, c)) != SUP_OK) {
		pthread_mutex_destroy(&c->mu);
		free(c);
		return e;
	}
	*out = c;
	return SUP_OK;
}

bool
ipc_client_connected(ipc_client *c)
{
	return atomic_load(&c->up) != 0;
}

/*
 * nng redials a server that went away on its own, backing off: 2 ms, then
 * up to 4, 8, 16 ... 200 ms between tries. A worker restarted by supd is
 * back a few ms after its death, in the middle of a back-off; when the
 * caller knows the new server listens, a new dialer connects now. Done
 * only while no connection is up: one that nng made to the new server
 * may already carry a call.
 */
sup_err
ipc_client_redial(ipc_client *c, const char *path)
{
	sup_err e = SUP_OK;

	pthread_mutex_lock(&c->mu);
	if (atomic_load(&c->up) == 0) {
		nng_dialer_close(c->d);
		e = client_dial(c->sock, path, &c->d);
	}
	pthread_mutex_unlock(&c->mu);
	return e;
}

sup_err
ipc_client_unstick(ipc_client *c, const char *path)
{
	if (atomic_exchange(&c->refused, 0) != 0)
		return SUP_OK;
	return ipc_client_redial(c, path);
}

void
ipc_client_close(ipc_client *c)
{
	if (c == NULL)
		return;
	/* A close still stuck may yet call client_pipe_check(c): c then
	 * stays, like the socket, to the process's exit. */
	if (ipc_close_bounded(c->sock)) {
		pthread_mutex_destroy(&c->mu);
		free(c);
	}
}

static sup_err
recv_err(int rv)
{
	if (rv == NNG_ETIMEDOUT)
		return SUP_ETIMEDOUT;
	if (rv == NNG_ECONNRESET || rv == NNG_ECLOSED || rv == NNG_ECONNSHUT)
		return SUP_EDOWN;
	return SUP_EIPC | rv;
}

/* One send or receive on a context, with nng's aio (1.5.2 has no
 * nng_ctx_sendmsg). */
static int
ctx_io(nng_ctx ctx, nng_aio *aio, bool send, nng_duration t)
{
	nng_aio_set_timeout(aio, t);
	if (send)
		nng_ctx_send(ctx, aio);
	else
		nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	return nng_aio_result(aio);
}

/* Without a connection, how long a request waits for one before the
 * caller is told to look again (ipc.h). */
#define UNSENT_MS 2

sup_err
ipc_client_call(ipc_client *c, const void *req, size_t len, void **reply,
    size_t *rlen, int64_t timeout_ms)
{
	bool forever = timeout_ms >= INT32_MAX;
	bool unsent = !ipc_client_connected(c) && timeout_ms > UNSENT_MS;
	nng_duration t = forever ? NNG_DURATION_INFINITE
				 : (nng_duration)timeout_ms;
	nng_time end = nng_clock() + (nng_time)(forever ? 0 : timeout_ms);
	nng_aio *aio = NULL;
	nng_msg *m = NULL;
	nng_ctx ctx;
	sup_err e;
	int rv;

	if ((rv = nng_ctx_open(&ctx, c->sock)) != 0)
		return SUP_EIPC | rv;
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0 ||
	    (rv = nng_msg_alloc(&m, 0)) != 0 ||
	    (rv = nng_msg_append(m, req, len)) != 0) {
		e = SUP_EIPC | rv;
		goto out;
	}
	nng_aio_set_msg(aio, m);
	if ((rv = ctx_io(ctx, aio, true, unsent ? UNSENT_MS : t)) != 0) {
		/* m is still ours: freed below, never sent. */
		e = unsent && rv == NNG_ETIMEDOUT ? SUP_EBUSY : recv_err(rv);
		goto out;
	}
	m = NULL;
	if (!forever) { /* the wait gets what the send left */
		nng_time now = nng_clock();
		t = end > now ? (nng_duration)(end - now) : 1;
	}
	if ((rv = ctx_io(ctx, aio, false, t)) != 0) {
		e = recv_err(rv);
		goto out;
	}
	m = nng_aio_get_msg(aio);
	*rlen = nng_msg_len(m);
	if ((*reply = malloc(*rlen ? *rlen : 1)) == NULL) {
		e = SUP_ENOMEM;
		goto out;
	}
	memcpy(*reply, nng_msg_body(m), *rlen);
	e = SUP_OK;
out:
	/* Closing the context drops a late reply: nng matches replies to
	 * requests by id. */
	nng_ctx_close(ctx);
	if (m != NULL)
		nng_msg_free(m);
	nng_aio_free(aio);
	return e;
}

/*
 * nng_close() of 1.5.2 can deadlock, rarely, with a pipe going away at the
 * same time (upstream #1543, fixed after 1.5.2; seen here about once in
 * a few hundred test runs, stuck in nng_close after the exchange was
 * over). A one-shot call must not hang its caller for that: the close
 * runs in a thread of its own, waited for at most CLOSE_WAIT_MS; if it is
 * stuck, the caller goes on and the thread is left to the process's exit.
 */
#define CLOSE_WAIT_MS 5000

struct closer {
	nng_socket s;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int refs;
};

static void
closer_put(struct closer *c)
{
	bool last;

	pthread_mutex_lock(&c->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->mu);
	if (last) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c);
	}
}

static void *
closer_run(void *arg)
{
	struct closer *c = arg;

	nng_close(c->s);
	atomic_fetch_sub(&closing, 1);
	pthread_mutex_lock(&c->mu);
	c->done = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	closer_put(c);
	return NULL;
}

bool
ipc_close_bounded(nng_socket s)
{
	bool done;
	struct closer *c = calloc(1, sizeof(*c));
	struct timespec until;
	pthread_condattr_t ca;
	pthread_attr_t a;
	pthread_t t;
	int rv = -1;

	if (c != NULL) {
		c->s = s;
		c->refs = 2;
		pthread_mutex_init(&c->mu, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&c->cv, &ca);
		pthread_condattr_destroy(&ca);
		atomic_fetch_add(&closing, 1);
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		rv = pthread_create(&t, &a, closer_run, c);
		pthread_attr_destroy(&a);
	}
	if (rv != 0) { /* no thread: close here, as before */
		if (c != NULL) {
			atomic_fetch_sub(&closing, 1);
			closer_put(c);
			closer_put(c);
		}
		nng_close(s);
		return true;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += CLOSE_WAIT_MS / 1000;
	pthread_mutex_lock(&c->mu);
	while (!c->done && pthread_cond_timedwait(&c->cv, &c->mu, &until) == 0)
		;
	done = c->done;
	pthread_mutex_unlock(&c->mu);
	closer_put(c);
	return done;
}

sup_err
ipc_call(const char *path, const void *req, size_t len, void **reply,
    size_t *rlen, int64_t timeout_ms)
{
	nng_time deadline;
	nng_dialer d;
	nng_socket s;
	sup_err err;

	deadline = timeout_ms == INT64_MAX ? (nng_time)-1
					    : nng_clock() + (nng_time)timeout_ms;
	if ((err = req_socket(path, &s, &d, NULL)) != SUP_OK)
		return err;
	err = call_exchange(s, path, &d, req, len, reply, rlen, deadline);
	ipc_close_bounded(s);
	return err;
}
