/*
 * ipc/pubsub.c — publish/subscribe over nng IPC, for telemetry: a
 * publisher never waits for its subscribers (nng's PUB drops what a slow
 * one cannot take), and subscribers dial, so that a publisher that comes
 * and goes (a restarting worker) is found again by nng's redial.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>

#include "ipc.h"
#include "ipc_int.h"

struct ipc_pub {
	nng_socket sock;
	nng_listener l;
	volatile int subscribers; /* pipes attached (nng's threads) */
	int notify_fd;		  /* written to when that changes; or -1 */
};

/* What a dialer's peer must run as (ipc_sub_dial). */
struct expect {
	uint32_t dialer;
	int64_t uid;
};

struct ipc_sub {
	nng_socket sock;
	int fd;
	pthread_mutex_t mu;	/* expects: nng's threads read them */
	struct expect *expects; /* owned */
	int nexpects;
};

static void
pub_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ipc_pub *pub = arg;

	uint64_t one = 1;

	(void)p;
	__atomic_add_fetch(&pub->subscribers, ev == NNG_PIPE_EV_ADD_POST ? 1
	    : -1, __ATOMIC_RELAXED);
	if (pub->notify_fd >= 0)
		(void)!write(pub->notify_fd, &one, sizeof(one));
}

sup_err
ipc_pub_open(const char *path, int notify_fd, ipc_pub **out)
{
	char url[4200];
	ipc_pub *p;
	int rv;

	if ((size_t)snprintf(url, sizeof(url), "ipc://%s", path) >= sizeof(url))
		return SUP_ETOOBIG;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return SUP_ENOMEM;
	ipc_epipe_cure(path);
	p->notify_fd = notify_fd;
	if ((rv = nng_pub0_open(&p->sock)) != 0) {
		free(p);
		return SUP_EIPC | rv;
	}
	nng_pipe_notify(p->sock, NNG_PIPE_EV_ADD_POST, pub_pipe, p);
	nng_pipe_notify(p->sock, NNG_PIPE_EV_REM_POST, pub_pipe, p);
	if ((rv = nng_listener_create(&p->l, p->sock, url)) != 0 ||
	    (rv = nng_listener_set_int(p->l, NNG_OPT_IPC_PERMISSIONS, 0600)) !=
		0 ||
	    (rv = nng_listener_start(p->l, 0)) != 0) {
		nng_close(p->sock);
		free(p);
		return SUP_EIPC | rv;
	}
	*out = p;
	return SUP_OK;
}

int
ipc_pub_subscribers(const ipc_pub *p)
{
	return p == NULL ? 0 : __atomic_load_n(&p->subscribers,
	    __ATOMIC_RELAXED);
}

sup_err
ipc_pub_send(ipc_pub *p, const void *data, size_t len)
{
	nng_msg *m;
	int rv;

	if ((rv = nng_msg_alloc(&m, 0)) != 0)
		return SUP_EIPC | rv;
	if ((rv = nng_msg_append(m, data, len)) != 0 ||
	    (rv = nng_sendmsg(p->sock, m, NNG_FLAG_NONBLOCK)) != 0) {
		nng_msg_free(m);
		return SUP_EIPC | rv;
	}
	return SUP_OK;
}

void
ipc_pub_close(ipc_pub *p)
{
	if (p == NULL)
		return;
	ipc_close_bounded(p->sock);
	free(p);
}

/*
 * nng's thread, before a connection joins: the publisher at the end of
 * a path must run as the uid the dial expected. A path can lead
 * elsewhere (a link in a directory its worker's user owns): the
 * peer's credentials decide.
 */
static void
sub_pipe_check(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ipc_sub *s = arg;
	uint32_t d = (uint32_t)nng_dialer_id(nng_pipe_dialer(p));
	int64_t want = -1;
	uint64_t uid;

	(void)ev;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < s->nexpects; i++)
		if (s->expects[i].dialer == d)
			want = s->expects[i].uid;
	pthread_mutex_unlock(&s->mu);
	if (want >= 0 && (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) !=
	    0 || (int64_t)uid != want))
		nng_pipe_close(p);
}

sup_err
ipc_sub_open(size_t recv_buf, ipc_sub **out)
{
	ipc_sub *s = calloc(1, sizeof(*s));
	int rv;

	if (s == NULL)
		return SUP_ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	if ((rv = nng_sub0_open(&s->sock)) != 0) {
		free(s);
		return SUP_EIPC | rv;
	}
	if ((rv = nng_socket_set_int(s->sock, NNG_OPT_RECVBUF,
	    (int)(recv_buf > 8192 ? 8192 : recv_buf ? recv_buf : 1))) != 0 ||
	    (rv = nng_socket_set_ms(s->sock, NNG_OPT_RECONNMINT, 10)) != 0 ||
	    (rv = nng_socket_set_ms(s->sock, NNG_OPT_RECONNMAXT, 200)) != 0 ||
	    (rv = nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ,
		64 * 1024)) != 0 ||
	    (rv = nng_socket_get_int(s->sock, NNG_OPT_RECVFD, &s->fd)) != 0 ||
	    (rv = nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_PRE, sub_pipe_check,
		s)) != 0) {
		nng_close(s->sock);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return SUP_EIPC | rv;
	}
	*out = s;
	return SUP_OK;
}

sup_err
ipc_sub_subscribe(ipc_sub *s, const void *prefix, size_t len)
{
	int rv = nng_socket_set(s->sock, NNG_OPT_SUB_SUBSCRIBE, prefix, len);

	return rv == 0 ? SUP_OK : SUP_EIPC | rv;
}

sup_err
ipc_sub_dial(ipc_sub *s, const char *path, int64_t peer_uid, uint32_t *id)
{
	struct expect *x;
	char url[4200];
	nng_dialer d;
	int rv;

	if ((size_t)snprintf(url, sizeof(url), "ipc://%s", path) >= sizeof(url))
		return SUP_ETOOBIG;
	/* Created, its expectation noted, then started: no connection can
	 * join before the check knows what to check. */
	if ((rv = nng_dialer_create(&d, s->sock, url)) != 0)
		return SUP_EIPC | rv;
	pthread_mutex_lock(&s->mu);
	x = realloc(s->expects, (size_t)(s->nexpects + 1) * sizeof(*x));
	if (x != NULL) {
		s->expects = x;
		x[s->nexpects++] = (struct expect){(uint32_t)nng_dialer_id(d),
		    peer_uid};
	}
	pthread_mutex_unlock(&s->mu);
	if (x == NULL) {
		nng_dialer_close(d);
		return SUP_ENOMEM;
	}
	/* Non-blocking: a publisher not there yet is dialled again. */
	if ((rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK)) != 0)
		return SUP_EIPC | rv;
	if (id != NULL)
		*id = (uint32_t)nng_dialer_id(d);
	return SUP_OK;
}

int
ipc_sub_fd(const ipc_sub *s)
{
	return s->fd;
}

sup_err
ipc_sub_recv(ipc_sub *s, void **buf, size_t *len, int64_t timeout_ms,
    uint32_t *from)
{
	nng_msg *m;
	int rv;

	if (timeout_ms >= 0)
		nng_socket_set_ms(s->sock, NNG_OPT_RECVTIMEO,
		    timeout_ms > INT32_MAX ? NNG_DURATION_INFINITE
					   : (nng_duration)timeout_ms);
	rv = nng_recvmsg(s->sock, &m, timeout_ms == 0 ? NNG_FLAG_NONBLOCK : 0);
	if (rv == NNG_EAGAIN || rv == NNG_ETIMEDOUT)
		return SUP_EBUSY;
	if (rv != 0)
		return SUP_EIPC | rv;
	*len = nng_msg_len(m);
	if ((*buf = malloc(*len + 1)) == NULL) {
		nng_msg_free(m);
		return SUP_ENOMEM;
	}
	memcpy(*buf, nng_msg_body(m), *len);
	((char *)*buf)[*len] = '\0';
	if (from != NULL)
		*from = (uint32_t)nng_dialer_id(nng_pipe_dialer(
		    nng_msg_get_pipe(m)));
	nng_msg_free(m);
	return SUP_OK;
}

void
ipc_sub_close(ipc_sub *s)
{
	if (s == NULL)
		return;
	/* A close left to its thread may still call sub_pipe_check(s): s
	 * then stays, like the socket, to the process's exit. */
	if (!ipc_close_bounded(s->sock))
		return;
	pthread_mutex_destroy(&s->mu);
	free(s->expects);
	free(s);
}
