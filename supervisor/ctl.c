/*
 * supervisor/ctl.c — the control server (ctl.h).
 *
 * Every request is checked in this order before anything acts on it: the
 * peer's uid (supd's own or root, from the socket's credentials), the
 * size, the frame header, the JSON, the command, the names. Each failure
 * gets an error reply and a counter, never a crash. Requests that change
 * the tree (start, stop, restart NAME) become waiters, answered once
 * every named node got where it was sent, or failed on the way.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup/sup.h"
#include "child.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rundir.h"
#include "common/sig.h"
#include "ctl.h"
#include "effects.h"
#include "ipc/ipc.h"
#include "persist.h"
#include "shared/proto.h"
#include "tree.h"

enum wait_op { WAIT_STOP, WAIT_START, WAIT_RESTART, WAIT_ROLLING };

struct supd_waiter {
	struct supd_waiter *next; /* owned */
	ipc_req *req;		  /* owned */
	enum wait_op op;
	int n;
	int at;			  /* WAIT_ROLLING: nodes[at] is restarting */
	uint64_t spawn_id;	  /* WAIT_ROLLING: its spawn before that */
	struct supd_node *nodes[]; /* borrowed: the tree outlives waiters */
};

/* --- replies ------------------------------------------------------------ */

void
ctl_reply(struct supd *d, ipc_req *r, json_t *o)
{
	/* A reply that cannot be built still answers: supctl must not
	 * wait out its timeout for nothing. */
	static const char fallback[] = "{\"ok\":false,\"code\":1,\"error\":"
	    "\"supd could not build its reply (out of memory?)\"}";
	size_t len;
	char *frame = proto_frame(o, &len);

	if (frame == NULL && (frame = proto_frame(json_loads(fallback, 0,
	    NULL), &len)) == NULL) {
		ipc_req_free(r);
		return;
	}
	if (ipc_req_reply(r, frame, len) != SUP_OK)
		d->lost_replies++; /* the peer left, or nng refused */
	free(frame);
}

void
ctl_reply_error(struct supd *d, ipc_req *r, enum proto_code code,
    const char *hint, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_reply(d, r, proto_error(code, msg, hint));
}

static void
reply_ok(struct supd *d, ipc_req *r)
{
	ctl_reply(d, r, proto_ok());
}

/* --- waiters ------------------------------------------------------------ */

/* 1: done, 0: not yet, -1: failed (why says so). */
static int
target_outcome(const struct supd_node *n, enum wait_op op, char *why,
    size_t len)
{
	if (op == WAIT_STOP)
		return ((n->state == NS_STOPPED || n->state == NS_FAILED) &&
		    !node_pending_stop(n)) ? 1 : 0;
	if (n->state == NS_RUNNING && n->pending == PEND_NONE)
		return 1;
	if (n->state == NS_BACKOFF || n->state == NS_FAILED ||
	    (n->state == NS_STOPPED && n->pending == PEND_NONE)) {
		snprintf(why, len, "%s did not start: %s%s", n->name,
		    node_exit_reason(n, "stopped"),
		    n->state == NS_BACKOFF ? " (restarting after a backoff "
		    "delay)" : "");
		return -1;
	}
	return 0;
}

static void rolling_issue(struct supd *d, struct supd_waiter *w);

/*
 * A rolling restart: 1 when its last node is running again, 0 while
 * nodes[at] is on its way (the next is issued once it is running),
 * -1 when one did not start (why says which, and how far it got).
 */
static int
rolling_outcome(struct supd *d, struct supd_waiter *w, char *why,
    size_t len)
{
	const struct supd_node *n = w->nodes[w->at];
	char inner[400];
	int o = target_outcome(n, WAIT_RESTART, inner, sizeof(inner));

	/* Running as before: the restart has not been carried out yet. */
	if (o == 0 || (o == 1 && n->spawn_id == w->spawn_id))
		return 0;
	if (o < 0) {
		snprintf(why, len, "rolling restart stopped at %s: %s (%d of "
		    "%d restarted; %s)", n->name, inner, w->at, w->n,
		    w->at + 1 < w->n ? "the rest untouched" :
		    "it was the last");
		return -1;
	}
	if (++w->at == w->n)
		return 1;
	if (effects_shutting_down(d)) {
		snprintf(why, len, "rolling restart stopped: supd is shutting "
		    "down (%d of %d restarted)", w->at, w->n);
		return -1;
	}
	rolling_issue(d, w);
	return 0;
}

void
ctl_waiters_check(struct supd *d)
{
	struct supd_waiter **pp = &d->waiters, *w;
	bool flushed = false;
	char why[600];

	while ((w = *pp) != NULL) {
		int done = 1;
		if (w->op == WAIT_ROLLING)
			done = rolling_outcome(d, w, why, sizeof(why));
		for (int i = 0; i < w->n && done == 1 &&
		    w->op != WAIT_ROLLING; i++) {
			int o = target_outcome(w->nodes[i], w->op, why,
			    sizeof(why));
			done = o < done ? o : done;
		}
		if (done == 0) {
			pp = &w->next;
			continue;
		}
		if (!flushed) { /* an answer reports what is on disk */
			persist_flush(d);
			flushed = true;
		}
		if (done == 1)
			reply_ok(d, w->req);
		else
			ctl_reply_error(d, w->req, PROTO_FAILED, NULL, "%s", why);
		*pp = w->next;
		free(w);
	}
}

void
ctl_waiters_fail_all(struct supd *d, const char *why)
{
	while (d->waiters != NULL) {
		struct supd_waiter *w = d->waiters;
		d->waiters = w->next;
		ctl_reply_error(d, w->req, PROTO_FAILED, NULL, "%s", why);
		free(w);
	}
}

static int
waiters_count(const struct supd *d)
{
	int n = 0;

	for (const struct supd_waiter *w = d->waiters; w; w = w->next)
		n++;
	return n;
}

static struct supd_waiter *
waiter_add(struct supd *d, ipc_req *r, enum wait_op op,
    struct supd_node **nodes, int n)
{
	struct supd_waiter *w = malloc(sizeof(*w) + (size_t)n * sizeof(*nodes));

	if (w == NULL) {
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "supd is out of memory");
		return NULL;
	}
	w->req = r;
	w->op = op;
	w->n = n;
	w->at = 0;
	w->spawn_id = 0;
	memcpy(w->nodes, nodes, (size_t)n * sizeof(*nodes));
	w->next = d->waiters;
	d->waiters = w;
	return w;
}

/*
 * A start or restart of n asked for while a stop of n is still under way:
 * n will not reach stopped, so each stop waiting on it is answered now,
 * and says why.
 */
static void
stops_supersede(struct supd *d, const struct supd_node *n)
{
	struct supd_waiter **pp = &d->waiters, *w;
	bool hit;

	while ((w = *pp) != NULL) {
		hit = false;
		for (int i = 0; i < w->n && w->op == WAIT_STOP; i++)
			hit |= w->nodes[i] == n;
		if (!hit) {
			pp = &w->next;
			continue;
		}
		ctl_reply_error(d, w->req, PROTO_FAILED, NULL, "%s did not stay "
		    "stopped: a start "
		    "was asked for before it had stopped", n->name);
		*pp = w->next;
		free(w);
	}
}

/* --- commands ----------------------------------------------------------- */

/*
 * Resolves the request's names into nodes (a pool name yields every
 * instance; a node named twice counts once). Returns a new array (free
 * it) and its length in *n, or NULL after sending the error reply.
 */
static struct supd_node **
names_resolve(struct supd *d, ipc_req *r, const struct proto_req *req,
    int *np)
{
	struct supd_node **out, **one;
	bool *seen;
	int n = 0;

	out = calloc((size_t)d->nnodes + 1, sizeof(*out));
	one = calloc((size_t)d->nnodes + 1, sizeof(*one));
	seen = calloc((size_t)d->nnodes + 1, sizeof(*seen));
	if (out == NULL || one == NULL || seen == NULL) {
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "supd is out of memory");
		goto fail;
	}
	for (int i = 0; i < req->nnames; i++) {
		const char *name = req->names[i];
		int k = tree_resolve(d, name, one, d->nnodes);
		if (k == 0) {
			const char *hint = tree_suggest(d, name);
			ctl_reply_error(d, r, PROTO_NO_CHILD, hint,
			    "no such child: %s",
			    name);
			goto fail;
		}
		for (int j = 0; j < k; j++)
			if (!seen[one[j]->order]) {
				seen[one[j]->order] = true;
				out[n++] = one[j];
			}
	}
	free(one);
	free(seen);
	*np = n;
	return out;
fail:
	free(out);
	free(one);
	free(seen);
	return NULL;
}

static void
cmd_status(struct supd *d, ipc_req *r, const struct proto_req *req)
{
	int n;
	struct supd_node **sel = names_resolve(d, r, req, &n);

	if (sel == NULL)
		return;
	size_t len;
	char *frame = ctl_status_frame(d, req->nnames > 0 ? sel : NULL, n,
	    &len);

	if (frame == NULL)
		ctl_reply(d, r, NULL); /* says it could not be built */
	else if (ipc_req_reply(r, frame, len) != SUP_OK)
		d->lost_replies++;
	free(frame);
	free(sel);
}

static int change_refused(struct supd *d, ipc_req *r,
    struct supd_node **t, int n, enum wait_op op);
static void change_apply(struct supd *d, ipc_req *r, bool nowait,
    struct supd_node **t, int n, enum wait_op op);

/* A child can run only where every group above it runs. */
static const struct supd_node *
stopped_ancestor(const struct supd_node *n)
{
	for (const struct supd_node *g = n->parent; g != NULL; g = g->parent)
		if (g->state != NS_RUNNING && g->state != NS_STARTING)
			return g;
	return NULL;
}

static void cmd_rolling(struct supd *d, ipc_req *r, struct supd_node **t,
    int n);

static void
cmd_change(struct supd *d, ipc_req *r, const struct proto_req *req,
    enum wait_op op)
{
	int n;
	struct supd_node **t = names_resolve(d, r, req, &n);

	if (t == NULL)
		return;
	if (req->rolling && op == WAIT_RESTART)
		cmd_rolling(d, r, t, n);
	else if (change_refused(d, r, t, n, op) == 0)
		change_apply(d, r, req->nowait, t, n, op);
	free(t);
}
/* Refuses what cannot be done; returns 0 when the request may go on. */
static int
change_refused(struct supd *d, ipc_req *r, struct supd_node **t, int n,
    enum wait_op op)
{
	const struct supd_node *g;

	if (effects_shutting_down(d) || d->exiting) {
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "supd is shutting down");
		return -1;
	}
	for (int i = 0; i < n && op != WAIT_STOP; i++)
		if ((g = stopped_ancestor(t[i])) != NULL) {
			ctl_reply_error(d, r, PROTO_FAILED, NULL, "%s cannot "
			    "start: its group %s "
			    "is %s (start %s first)", t[i]->name, g->name,
			    node_state_name(g->state), g->name);
			return -1;
		}
	if (waiters_count(d) >= CTL_MAX_WAITERS) {
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "too many requests "
		    "waiting; try later");
		return -1;
	}
	return 0;
}

static void
change_apply(struct supd *d, ipc_req *r, bool nowait, struct supd_node **t,
    int n, enum wait_op op)
{
	for (int i = 0; i < n; i++) {
		const char *what = op == WAIT_STOP ? "stop" : op == WAIT_START ?
		    "start" : "restart";
		char who[48];
		snprintf(who, sizeof(who), "supctl (uid %lld)",
		    (long long)ipc_req_peer_uid(r));
		LOG_EV("ctl.request", log_str("cmd", what),
		    log_str("name", t[i]->name));
		persist_event(d, t[i]->name, what, 0, NULL, "requested", who);
		if (op != WAIT_STOP)
			stops_supersede(d, t[i]);
		if (op == WAIT_STOP)
			effects_event(d, EV_USER_STOP, t[i]);
		else if (op == WAIT_START)
			effects_event(d, EV_USER_START, t[i]);
		else
			effects_event(d, EV_USER_RESTART, t[i]);
	}
	/* What a person asked for is on disk before anything is done. */
	persist_flush(d);
	if (nowait)
		reply_ok(d, r);
	else
		waiter_add(d, r, op, t, n);
}

/* One restart, as change_apply() makes it, of the waiter's next node. */
static void
rolling_issue(struct supd *d, struct supd_waiter *w)
{
	struct supd_node *n = w->nodes[w->at];
	char who[64];

	snprintf(who, sizeof(who), "supctl (uid %lld), rolling",
	    (long long)ipc_req_peer_uid(w->req));
	w->spawn_id = n->spawn_id;
	LOG_EV("ctl.request", log_str("cmd", "restart"),
	    log_str("name", n->name), log_num("rolling", w->at + 1),
	    log_num("of", w->n));
	persist_event(d, n->name, "restart", 0, NULL, "requested", who);
	stops_supersede(d, n);
	effects_event(d, EV_USER_RESTART, n);
	persist_flush(d);
	/* Acted on at the loop's next turn, a slice at a time (loop.c): it
	 * may be about to wait. */
	d->settling = true;
}

/*
 * supctl restart POOL --rolling: the workers named (a pool's instances in
 * order) restarted one at a time, each once the replacement of the one
 * before is ready, so that a pool sharing a listening socket always has
 * all but one instance accepting. Groups are refused: their children
 * have an order and a strategy of their own.
 */
static void
cmd_rolling(struct supd *d, ipc_req *r, struct supd_node **t, int n)
{
	struct supd_waiter *w;

	for (int i = 0; i < n; i++)
		if (t[i]->is_group) {
			ctl_reply_error(d, r, PROTO_USAGE, NULL, "--rolling "
			    "restarts workers and pools one instance at a "
			    "time: %s is a group", t[i]->name);
			return;
		}
	if (change_refused(d, r, t, n, WAIT_RESTART) != 0)
		return;
	if ((w = waiter_add(d, r, WAIT_ROLLING, t, n)) != NULL)
		rolling_issue(d, w);
}

static int
signal_node(struct supd_node *n, int sig, json_t *done)
{
	int k = 0;

	if (n->is_group) {
		for (int i = 0; i < n->nkids; i++)
			k += signal_node(n->kids[i], sig, done);
		return k;
	}
	if (n->pid <= 0)
		return 0;
	if (child_signal(n, sig) != 0)
		return 0;
	json_array_append_new(done, json_string(n->name));
	return 1;
}

/* The names in done (a JSON array), comma-separated, cut to fit buf. */
static const char *
targets_text(const json_t *done, char *buf, size_t len)
{
	size_t i, at = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(done, i, v) {
		int k = snprintf(buf + at, len - at, "%s%s", i ? "," : "",
		    json_string_value(v));
		if (k < 0 || (size_t)k >= len - at)
			break;
		at += (size_t)k;
	}
	return buf;
}

static void
cmd_signal(struct supd *d, ipc_req *r, const struct proto_req *req)
{
	int n, sig = req->sig, k = 0;
	struct supd_node **t = names_resolve(d, r, req, &n);
	char tbuf[512];
	json_t *done;

	if (t == NULL)
		return;
	done = json_array();
	for (int i = 0; i < n; i++)
		k += signal_node(t[i], sig, done);
	if (k == 0) {
		json_decref(done);
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "not running: nothing "
		    "to signal");
		free(t);
		return;
	}
	/* Named after what was asked for: the event reaches who follows
	 * that name (a pool's or a group's name stands for its children). */
	LOG_EV("ctl.signal", log_str("name", req->nnames == 1 ?
	    req->names[0] : "supd"),
	    log_str("targets", targets_text(done, tbuf, sizeof(tbuf))),
	    log_str("signal", sig == 0 ? "0" : sig_name(sig)),
	    log_num("count", k));
	free(t);
	ctl_reply(d, r, json_pack("{s:b, s:o}", PROTO_F_OK, 1, "signalled",
	    done));
}

static void
cmd_shutdown(struct supd *d, ipc_req *r)
{
	ctl_reply(d, r, json_pack("{s:b, s:i}", PROTO_F_OK, 1, "pid",
	    (int)getpid()));
	LOG_EV("ctl.request", log_str("cmd", "shutdown"));
	persist_event(d, "supd", "shutdown", getpid(), NULL, "requested",
	    "supctl");
	effects_event(d, EV_SHUTDOWN, NULL);
}

static int
history_row(void *arg, const struct st_event *e)
{
	json_t *rows = arg, *o;
	char at[32];

	clk_iso8601(e->at, at);
	o = json_pack("{s:s, s:I, s:o, s:o}", "at", at, "at_ms",
	    (json_int_t)e->at, "name", proto_text(e->name), "event",
	    proto_text(e->event));
	if (o == NULL)
		return 0;
	json_object_set_new(o, "pid", e->pid > 0 ? json_integer(e->pid)
						 : json_null());
	json_object_set_new(o, "code", e->has_code ? json_integer(e->code)
						   : json_null());
	json_object_set_new(o, "signal", e->signal ? json_integer(e->signal)
						   : json_null());
	json_object_set_new(o, "reason", proto_text(e->reason));
	json_object_set_new(o, "decided_by", proto_text(e->decided_by));
	json_array_append_new(rows, o);
	return 0;
}

/* The newest events, oldest first, from supd's own database. */
static void
cmd_history(struct supd *d, ipc_req *r, const struct proto_req *req)
{
	json_t *rows;
	sup_err e;

	if (d->db == NULL) {
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "no history: %s",
		    d->persist_why);
		return;
	}
	persist_flush(d); /* what happened up to now is in it */
	rows = json_array();
	e = st_history_each(d->db, req->name, req->since_ms, req->limit,
	    history_row, rows);
	if (e != SUP_OK) {
		json_decref(rows);
		ctl_reply_error(d, r, PROTO_FAILED, NULL,
		    "cannot read the history: %s",
		    sup_strerror(e));
		return;
	}
	ctl_reply(d, r, json_pack("{s:b, s:o}", PROTO_F_OK, 1, "history",
	    rows));
}

static void
dispatch(struct supd *d, ipc_req *r, const struct proto_req *req)
{
	switch (req->cmd) {
	case PROTO_STATUS: cmd_status(d, r, req); break;
	case PROTO_TREE: ctl_reply(d, r, ctl_tree_json(d)); break;
	case PROTO_START: cmd_change(d, r, req, WAIT_START); break;
	case PROTO_STOP: cmd_change(d, r, req, WAIT_STOP); break;
	case PROTO_RESTART: cmd_change(d, r, req, WAIT_RESTART); break;
	case PROTO_SIGNAL: cmd_signal(d, r, req); break;
	case PROTO_SHUTDOWN: cmd_shutdown(d, r); break;
	case PROTO_HISTORY: cmd_history(d, r, req); break;
	case PROTO_RELOAD: ctl_reload(d, r, req); break;
	case PROTO_REEXEC: ctl_reexec(d, r, req); break;
	case PROTO_VERSION:
		ctl_reply(d, r, json_pack("{s:b, s:s, s:i}", PROTO_F_OK, 1,
		    "version",
		    SUP_VERSION_STRING, "pid", (int)getpid()));
		break;
	}
}

/* --- reading requests ---------------------------------------------------- */

static void
bad_request(struct supd *d, ipc_req *r, const char *what)
{
	d->bad_requests++;
	/* A flood must not flood the log: the first ten, then every 1000th. */
	if (d->bad_requests <= 10 || d->bad_requests % 1000 == 0)
		LOG_EV("ctl.bad_request", log_num("count", d->bad_requests),
		    log_str("reason", what));
	ctl_reply_error(d, r, PROTO_USAGE, NULL, "%s", what);
}

static bool
peer_allowed(struct supd *d, ipc_req *r)
{
	int64_t uid = ipc_req_peer_uid(r);

	if (uid == 0 || uid == (int64_t)geteuid())
		return true;
	d->refused_requests++;
	if (d->refused_requests <= 10 || d->refused_requests % 1000 == 0)
		LOG_EV("ctl.refused", log_num("uid", (long long)uid),
		    log_num("pid", (long long)ipc_req_peer_pid(r)));
	ctl_reply_error(d, r, PROTO_FAILED, NULL, "permission denied: uid %lld "
	    "may not control "
	    "this supd (it answers uid %u and root)", (long long)uid,
	    (unsigned)geteuid());
	return false;
}

static void
request_handle(struct supd *d, ipc_req *r)
{
	struct proto_refusal no;
	struct proto_req req;
	const void *frame;
	size_t flen;

	if (!peer_allowed(d, r))
		return;
	frame = ipc_req_data(r, &flen);
	if (flen > PROTO_MAX_REQUEST) {
		bad_request(d, r, "malformed request: request too large");
		return;
	}
	if (proto_req_decode(frame, flen, &req, &no) != 0) {
		if (no.malformed)
			bad_request(d, r, no.why);
		else
			ctl_reply_error(d, r, no.code, NULL, "%s", no.why);
		return;
	}
	dispatch(d, r, &req);
	proto_req_fini(&req);
}

void
ctl_read(struct supd *d)
{
	ipc_req *r;
	sup_err e;

	while ((e = ipc_server_recv(d->ctl, &r)) == SUP_OK)
		request_handle(d, r);
	if (e != SUP_EBUSY)
		log_warn("control socket: %s", sup_strerror(e));
}

sup_err
ctl_open(struct supd *d)
{
	char path[4096];

	if (!rundir_path(d->cfg->run_dir, RUN_CTL, NULL, path, sizeof(path)) ||
	    strlen(path) >= 108)
		return SUP_ETOOBIG;
	/* We hold the lock: a socket file here is a dead supd's. Removed, it
	 * is not probed by nng (which would connect to it to see). */
	rundir_unlinkat(&d->run, RUN_CTL, NULL);
	return ipc_server_open(path, PROTO_HARD_MAX, &d->ctl);
}

void
ctl_close(struct supd *d)
{
	ipc_server_close(d->ctl);
	d->ctl = NULL;
}
