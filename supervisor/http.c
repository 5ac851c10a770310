/*
 * supervisor/http.c — supd's HTTP endpoints (http.h).
 *
 * ipc/http.c queues the requests nng parsed and makes a fd readable;
 * the loop calls supd_http_read(), which answers each one from supd's
 * own state, in the loop's thread, at once: building an answer reads
 * the tree and never waits on a peer. Only GET (and HEAD, which nng
 * answers without the body) is served; nothing changes the tree.
 *
 *   /metrics   the Prometheus text of supctl metrics (shared/metrics.c)
 *   /healthz   200 while root runs (or starts); 503 once it gave up or
 *              supd is stopping
 *   /readyz    200 once root is ready and while it runs; else 503
 *   /status    the object of supctl status --json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostport.h"
#include "common/log.h"
#include "ctl.h"
#include "effects.h"
#include "http.h"
#include "ipc/http.h"
#include "shared/metrics.h"
#include "supd.h"

#define TEXT "text/plain; charset=utf-8"

static sup_err
answer(ipc_http_req *r, int status, const char *type, const char *body,
    size_t len)
{
	struct ipc_http_answer a = {.status = status, .type = type,
	    .body = body, .len = len};

	if (status == 405)
		a.allow = "GET, HEAD";
	return ipc_http_reply(r, &a);
}

static sup_err
answer_text(ipc_http_req *r, int status, const char *text)
{
	return answer(r, status, TEXT, text, strlen(text));
}

static bool
stopping(const struct supd *d)
{
	return effects_shutting_down(d) || d->exiting;
}

static sup_err
get_healthz(struct supd *d, ipc_http_req *r)
{
	enum node_state s = d->root->state;

	if (stopping(d))
		return answer_text(r, 503, "stopping: supd is shutting "
		    "down\n");
	if (s == NS_FAILED)
		return answer_text(r, 503, "failed: root gave up\n");
	if (s == NS_STOPPED)
		return answer_text(r, 503, "stopped: root is not running\n");
	return answer_text(r, 200, "ok\n");
}

static sup_err
get_readyz(struct supd *d, ipc_http_req *r)
{
	char text[64];

	if (!stopping(d) && d->announced && d->root->state == NS_RUNNING)
		return answer_text(r, 200, "ready\n");
	snprintf(text, sizeof(text), "not ready: %s\n", stopping(d) ?
	    "supd is shutting down" : d->root->state == NS_FAILED ?
	    "root gave up" : "root is starting");
	return answer_text(r, 503, text);
}

/* Writes what GET /metrics serves of supd's status object s. */
static bool
metrics_put(FILE *f, json_t *s)
{
	metrics_write(f, s);
	return true;
}

/* Writes s as supctl status --json prints it: without "ok", indented. */
static bool
status_put(FILE *f, json_t *s)
{
	json_object_del(s, "ok");
	return json_dumpf(s, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
	    fputc('\n', f) != EOF;
}

/* Answers 200 with what put() writes of supd's status object, or 500
 * when it could not be made. */
static sup_err
answer_status(struct supd *d, ipc_http_req *r, const char *type,
    bool (*put)(FILE *f, json_t *s))
{
	json_t *s = ctl_status_json(d, NULL, 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool ok = f != NULL && s != NULL && put(f, s);
	sup_err e;

	json_decref(s);
	if (f != NULL && fclose(f) != 0)
		ok = false;
	e = ok ? answer(r, 200, type, buf, len) : answer_text(r, 500,
	    "supd could not build its answer (out of memory?)\n");
	free(buf);
	return e;
}

static sup_err
get_metrics(struct supd *d, ipc_http_req *r)
{
	return answer_status(d, r, METRICS_CONTENT_TYPE, metrics_put);
}

static sup_err
get_status(struct supd *d, ipc_http_req *r)
{
	return answer_status(d, r, "application/json", status_put);
}

static const struct endpoint {
	const char *path;
	sup_err (*get)(struct supd *d, ipc_http_req *r);
} endpoints[] = {
	{"/metrics", get_metrics},
	{"/healthz", get_healthz},
	{"/readyz", get_readyz},
	{"/status", get_status},
};

static sup_err
request_answer(struct supd *d, ipc_http_req *r)
{
	const char *m = ipc_http_req_method(r), *p = ipc_http_req_path(r);

	for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		if (strcmp(p, endpoints[i].path) != 0)
			continue;
		if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)
			return answer_text(r, 405, "method not allowed: only "
			    "GET (and HEAD)\n");
		return endpoints[i].get(d, r);
	}
	return answer_text(r, 404, "not found: supd serves /metrics, "
	    "/healthz, /readyz and /status\n");
}

void
supd_http_read(struct supd *d)
{
	ipc_http_req *r;
	sup_err e;

	while (ipc_http_next(d->http, &r) == SUP_OK)
		if ((e = request_answer(d, r)) != SUP_OK)
			log_debug("http: cannot answer: %s", sup_strerror(e));
}

sup_err
supd_http_open(struct supd *d)
{
	char hp[HOSTPORT_TEXT_MAX];
	sup_err e;

	if (!d->cfg->http_on)
		return SUP_OK;
	hostport_format(&d->cfg->http, hp, sizeof(hp));
	if ((e = ipc_http_open(hp, SUPD_HTTP_QUEUE, &d->http)) != SUP_OK)
		return e;
	LOG_EV("http.listen", log_str("address", ipc_http_addr(d->http)));
	return SUP_OK;
}

void
supd_http_close(struct supd *d)
{
	ipc_http_close(d->http);
	d->http = NULL;
}
