/*
 * ipc/http.c — an HTTP server on nng's own (nng/supplemental/http),
 * answered from an event loop (http.h).
 *
 * One handler takes every path and method. It runs on nng's threads and
 * only queues the request: when the queue is full it answers 503 itself,
 * at once; else it links the request, registers cancel() with nng and
 * makes the eventfd readable. The loop's thread takes requests
 * (ipc_http_next) and answers them (ipc_http_reply): the answer goes
 * back to nng with the request's aio, and nng writes it.
 *
 * Invariants, all under h->mu:
 *   - every request not yet answered is on h->live, taken or not;
 *   - its aio is finished exactly once: by ipc_http_reply, by cancel()
 *     (nng closed the connection first) or by ipc_http_close();
 *   - the eventfd is written only while a request is queued, and read
 *     (cleared) only when none is.
 * The struct itself is freed by the handler's destructor, once nng can
 * call handle() or cancel() no more.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "common/hostport.h"
#include "http.h"

#define BODY_MAX 4096 /* a GET has none; more is refused by nng (400) */

struct ipc_http_req {
	ipc_http_req *next; /* on h->live */
	nng_aio *aio;	    /* borrowed: nng's; NULL once nng cancelled */
	ipc_http *h;	    /* borrowed: outlives its requests */
	bool taken;	    /* by ipc_http_next: the loop answers it */
	char method[16];
	char path[256];
};

struct ipc_http {
	nng_http_server *srv;
	nng_http_handler *hd; /* owned until added, then the server's */
	pthread_mutex_t mu;
	int efd;
	bool closed;
	ipc_http_req *live; /* owned list, oldest first */
	int queued, queue_max;
	char addr[HOSTPORT_TEXT_MAX];
};

/* --- nng's threads ----------------------------------------------------- */

static void
answer_now(nng_aio *aio, uint16_t status)
{
	nng_http_res *res;

	if (nng_http_res_alloc_error(&res, status) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_http_res_set_header(res, "Connection", "close");
	if (status == NNG_HTTP_STATUS_SERVICE_UNAVAILABLE)
		nng_http_res_set_header(res, "Retry-After", "1");
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* Unlinks r from h->live (h->mu held). */
static void
live_unlink(ipc_http *h, ipc_http_req *r)
{
	for (ipc_http_req **pp = &h->live; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			if (!r->taken)
				h->queued--;
			return;
		}
}

/*
 * nng closed the connection (or the server) before the answer: the aio
 * is finished here; a request the loop took is only marked, and freed
 * by the loop's answer.
 */
static void
cancel(nng_aio *aio, void *arg, int rv)
{
	ipc_http *h = arg;
	ipc_http_req *r;

	pthread_mutex_lock(&h->mu);
	for (r = h->live; r != NULL && r->aio != aio; r = r->next)
		;
	if (r != NULL) {
		r->aio = NULL;
		nng_aio_finish(aio, rv);
		if (!r->taken) {
			live_unlink(h, r);
			free(r);
		}
	}
	pthread_mutex_unlock(&h->mu);
}

static void
req_fill(ipc_http_req *r, nng_http_req *req)
{
	const char *m = nng_http_req_get_method(req);
	const char *u = nng_http_req_get_uri(req);
	size_t len = strcspn(u, "?#");

	snprintf(r->method, sizeof(r->method), "%s", m);
	if (len < sizeof(r->path)) {
		memcpy(r->path, u, len);
		r->path[len] = '\0';
	}
}

static void
handle(nng_aio *aio)
{
	nng_http_handler *hd = nng_aio_get_input(aio, 1);
	ipc_http *h = nng_http_handler_get_data(hd);
	ipc_http_req *r = calloc(1, sizeof(*r)), **pp;

	if (r != NULL)
		req_fill(r, nng_aio_get_input(aio, 0));
	pthread_mutex_lock(&h->mu);
	if (r == NULL || h->closed || h->queued >= h->queue_max) {
		pthread_mutex_unlock(&h->mu);
		free(r);
		answer_now(aio, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
		return;
	}
	r->aio = aio;
	r->h = h;
	for (pp = &h->live; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = r;
	h->queued++;
	nng_aio_defer(aio, cancel, h);
	(void)!eventfd_write(h->efd, 1);
	pthread_mutex_unlock(&h->mu);
}

/* The handler's destructor: nng calls neither function above any more. */
static void
server_free(void *arg)
{
	ipc_http *h = arg;

	pthread_mutex_destroy(&h->mu);
	free(h);
}

/* --- the loop's thread ------------------------------------------------- */

static void
addr_note(ipc_http *h, const char *hostport)
{
	nng_sockaddr sa;
	char ip[HOSTPORT_ADDR_MAX];

	snprintf(h->addr, sizeof(h->addr), "%s", hostport);
	if (nng_http_server_get_addr(h->srv, &sa) != 0)
		return;
	if (sa.s_family == NNG_AF_INET && inet_ntop(AF_INET,
	    &sa.s_in.sa_addr, ip, sizeof(ip)) != NULL)
		snprintf(h->addr, sizeof(h->addr), "%s:%u", ip,
		    ntohs(sa.s_in.sa_port));
	else if (sa.s_family == NNG_AF_INET6 && inet_ntop(AF_INET6,
	    sa.s_in6.sa_addr, ip, sizeof(ip)) != NULL)
		snprintf(h->addr, sizeof(h->addr), "[%s]:%u", ip,
		    ntohs(sa.s_in6.sa_port));
}

/* One handler for every path and method: the loop decides. */
static int
handler_add(ipc_http *h)
{
	int rv;

	if ((rv = nng_http_handler_alloc(&h->hd, "/", handle)) != 0)
		return rv;
	if ((rv = nng_http_handler_set_method(h->hd, NULL)) != 0 ||
	    (rv = nng_http_handler_set_tree(h->hd)) != 0 ||
	    (rv = nng_http_handler_collect_body(h->hd, true, BODY_MAX)) != 0 ||
	    (rv = nng_http_handler_set_data(h->hd, h, server_free)) != 0 ||
	    (rv = nng_http_server_add_handler(h->srv, h->hd)) != 0) {
		nng_http_handler_set_data(h->hd, NULL, NULL);
		nng_http_handler_free(h->hd);
		return rv;
	}
	return 0;
}

sup_err
ipc_http_open(const char *hostport, int queue_max, ipc_http **out)
{
	ipc_http *h = calloc(1, sizeof(*h));
	char url[HOSTPORT_TEXT_MAX + 16];
	nng_url *u = NULL;
	int rv;

	if (h == NULL)
		return SUP_ENOMEM;
	if ((h->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		rv = errno;
		free(h);
		return SUP_ESYS | rv;
	}
	pthread_mutex_init(&h->mu, NULL);
	h->queue_max = queue_max;
	snprintf(url, sizeof(url), "http://%s/", hostport);
	if ((rv = nng_url_parse(&u, url)) != 0 ||
	    (rv = nng_http_server_hold(&h->srv, u)) != 0)
		goto fail;
	nng_url_free(u);
	u = NULL;
	if ((rv = handler_add(h)) != 0)
		goto fail_srv;
	/* From here on the handler owns h: server_free() frees it. */
	if ((rv = nng_http_server_start(h->srv)) != 0) {
		close(h->efd);
		nng_http_server_release(h->srv);
		return SUP_EIPC | rv;
	}
	addr_note(h, hostport);
	*out = h;
	return SUP_OK;
fail_srv:
	nng_http_server_release(h->srv);
fail:
	if (u != NULL)
		nng_url_free(u);
	close(h->efd);
	server_free(h);
	return SUP_EIPC | rv;
}

int
ipc_http_fd(const ipc_http *h)
{
	return h->efd;
}

const char *
ipc_http_addr(const ipc_http *h)
{
	return h->addr;
}

sup_err
ipc_http_next(ipc_http *h, ipc_http_req **out)
{
	ipc_http_req *r;
	eventfd_t v;

	pthread_mutex_lock(&h->mu);
	for (r = h->live; r != NULL && r->taken; r = r->next)
		;
	if (r == NULL) {
		(void)!eventfd_read(h->efd, &v);
		pthread_mutex_unlock(&h->mu);
		return SUP_EBUSY;
	}
	r->taken = true;
	h->queued--;
	pthread_mutex_unlock(&h->mu);
	*out = r;
	return SUP_OK;
}

const char *
ipc_http_req_method(const ipc_http_req *r)
{
	return r->method;
}

const char *
ipc_http_req_path(const ipc_http_req *r)
{
	return r->path;
}

static int
res_make(const struct ipc_http_answer *a, nng_http_res **out)
{
	nng_http_res *res;
	int rv;

	if ((rv = nng_http_res_alloc(&res)) != 0)
		return rv;
	if ((rv = nng_http_res_set_status(res, (uint16_t)a->status)) != 0 ||
	    (rv = nng_http_res_set_header(res, "Content-Type", a->type)) !=
	    0 ||
	    (rv = nng_http_res_set_header(res, "Connection", "close")) != 0 ||
	    (a->allow != NULL && (rv = nng_http_res_set_header(res, "Allow",
	    a->allow)) != 0) ||
	    (rv = nng_http_res_copy_data(res, a->body, a->len)) != 0) {
		nng_http_res_free(res);
		return rv;
	}
	*out = res;
	return 0;
}

sup_err
ipc_http_reply(ipc_http_req *r, const struct ipc_http_answer *a)
{
	ipc_http *h = r->h;
	nng_http_res *res = NULL;
	int rv = res_make(a, &res);

	pthread_mutex_lock(&h->mu);
	live_unlink(h, r);
	if (r->aio != NULL && rv == 0) {
		nng_aio_set_output(r->aio, 0, res);
		res = NULL;
		nng_aio_finish(r->aio, 0);
	} else if (r->aio != NULL) {
		nng_aio_finish(r->aio, rv);
	}
	pthread_mutex_unlock(&h->mu);
	if (res != NULL)
		nng_http_res_free(res);
	free(r);
	if (rv != 0)
		return rv == NNG_ENOMEM ? SUP_ENOMEM : SUP_EIPC | rv;
	return SUP_OK;
}

void
ipc_http_close(ipc_http *h)
{
	ipc_http_req *r;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->closed = true;
	while ((r = h->live) != NULL) {
		h->live = r->next;
		if (r->aio != NULL)
			nng_aio_finish(r->aio, NNG_ECLOSED);
		free(r);
	}
	h->queued = 0;
	close(h->efd);
	h->efd = -1;
	pthread_mutex_unlock(&h->mu);
	/* A hard stop: every connection is closed; then the last hold
	 * goes, and with the server the handler and h (server_free). */
	nng_http_server_stop(h->srv);
	nng_http_server_release(h->srv);
}
