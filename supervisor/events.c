/*
 * supervisor/events.c — the live event stream behind `supctl events`.
 *
 * supd publishes on ipc://RUN/events (nng PUB): its own lifecycle events
 * (each line it logs: child.start, child.ready, child.exit, child.kill,
 * group.give_up, ...) and, relayed as they come, the telemetry of every
 * libsup worker (worker/telemetry.c), which supd subscribes to, while
 * someone subscribes to supd, by dialling each one's RUN/w/NAME.ev: nng
 * redials a worker that restarts, and the dialling side is the
 * long-lived one (DESIGN.md section 8).
 * Nothing here waits: with no subscriber nothing is formatted, and a
 * subscriber too slow loses events, which it counts from the sequence
 * numbers.
 *
 * A message is "NAME " then a JSON object, NAME being the child it is
 * about ("supd" for supd itself): subscribers filter by prefix. supd's
 * own events: {"src":"supd","pid":P,"seq":N,"t_ms":T,"event":E,
 * "name":NAME,"text":"the log line's fields","fields":{"pid":123,
 * "reason":"..."}}, numbered per NAME: the log line and the message are
 * both rendered from the same event (log.h), never one from the other.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "child.h"
#include "common/clock.h"
#include "common/log.h"
#include "events.h"
#include "ipc/ipc.h"
#include "relay.h"
#include "shared/proto.h"
#include "supd.h"
#include "tree.h"
#include "watch.h"

#define RELAY_BUF 4096 /* events from workers waiting for supd */

static ipc_pub *pub;
static struct supd *sd;	  /* for the children's sequences */
static uint64_t supd_seq; /* of events about no child */

/* The child an event is about: its "name" field, or supd itself. */
static const char *
topic_of(const struct log_field *f, int nf)
{
	for (int i = 0; i < nf; i++)
		if (strcmp(f[i].key, "name") == 0 && f[i].str != NULL &&
		    f[i].str[0] != '\0')
			return f[i].str;
	return "supd";
}

static json_t *
fields_json(const struct log_field *f, int nf)
{
	json_t *o = json_object();

	for (int i = 0; i < nf && o != NULL; i++)
		json_object_set_new(o, f[i].key, f[i].str != NULL ?
		    proto_text(f[i].str) : json_integer(f[i].num));
	return o;
}

/* log.c's sink: every lifecycle event, published too. */
static void
publish(const char *event, const struct log_field *f, int nf,
    const char *text)
{
	const char *topic;
	char *body, *msg;
	struct supd_node *n;
	uint64_t *seq;
	json_t *o;
	int len;

	if (ipc_pub_subscribers(pub) == 0)
		return;
	topic = topic_of(f, nf);
	/* Numbered per topic, so that a subscriber to some children sees
	 * every number of theirs, and a gap only when it lost one. */
	n = sd != NULL ? tree_find(sd, topic) : NULL;
	seq = n != NULL ? &n->events_seq : &supd_seq;
	o = json_pack("{s:s, s:i, s:I, s:I, s:s, s:o, s:o, s:o}", "src",
	    "supd", "pid", (int)getpid(), "seq", (json_int_t)(*seq + 1),
	    "t_ms", (json_int_t)clk_real_ms(), "event", event, "name",
	    proto_text(topic), "text", proto_text(text), "fields",
	    fields_json(f, nf));
	body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (body != NULL && (len = asprintf(&msg, "%s %s", topic, body)) > 0) {
		(*seq)++;
		ipc_pub_send(pub, msg, (size_t)len);
		free(msg);
	}
	free(body);
}

/* Subscribes to every ready = sup worker's telemetry. */
static void
workers_dial(struct supd *d)
{
	char path[PATH_MAX + 8], ep[PATH_MAX];
	sup_err e;

	if ((e = ipc_sub_open(RELAY_BUF, &d->events_in)) != SUP_OK ||
	    (e = ipc_sub_subscribe(d->events_in, "", 0)) != SUP_OK ||
	    (e = watch_add(d, ipc_sub_fd(d->events_in), SRC_EVENTS, 0)) !=
		SUP_OK) {
		log_warn("no telemetry from the workers: %s", sup_strerror(e));
		ipc_sub_close(d->events_in);
		d->events_in = NULL;
		return;
	}
	for (int i = 0; i < d->nnodes; i++) {
		const struct supd_node *n = d->nodes[i];
		d->nodes[i]->ev_dialer = 0;
		if (n->is_group || n->w->ready != READY_SUP)
			continue;
		/* The worker publishes beside its endpoint (telemetry.c). */
		snprintf(path, sizeof(path), "%s.ev", child_endpoint(d, n, ep,
		    sizeof(ep)));
		if ((e = ipc_sub_dial(d->events_in, path, n->w->has_user ?
		    (int64_t)n->w->uid : (int64_t)geteuid(),
		    &d->nodes[i]->ev_dialer)) != SUP_OK)
			log_warn("no telemetry from %s: %s", n->name,
			    sup_strerror(e));
	}
}

static void
workers_undial(struct supd *d)
{
	if (d->events_in == NULL)
		return;
	watch_del(d, ipc_sub_fd(d->events_in));
	ipc_sub_close(d->events_in);
	d->events_in = NULL;
}

sup_err
events_open(struct supd *d)
{
	char path[PATH_MAX];
	sup_err e;

	if (!rundir_path(d->cfg->run_dir, RUN_EVENTS, NULL, path,
	    sizeof(path)) || strlen(path) >= 108)
		return SUP_ETOOBIG;
	sd = d;
	if ((d->events_subs_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return SUP_ESYS | errno;
	/* We hold the lock: a dead supd's. */
	rundir_unlinkat(&d->run, RUN_EVENTS, NULL);
	if ((e = ipc_pub_open(path, d->events_subs_fd, &pub)) != SUP_OK) {
		close(d->events_subs_fd); /* no stream: nothing to watch */
		d->events_subs_fd = -1;
		return e;
	}
	log_set_sink(publish);
	return SUP_OK;
}

int
events_fd(const struct supd *d)
{
	return d->events_subs_fd;
}

/*
 * Someone subscribed, or the last one left: the workers are listened to
 * only while someone listens to supd, so that a worker nobody watches
 * makes no events at all (its emits cost one atomic load).
 */
void
events_subscribers(struct supd *d)
{
	uint64_t v;

	while (read(d->events_subs_fd, &v, sizeof(v)) > 0)
		;
	if (ipc_pub_subscribers(pub) > 0 && d->events_in == NULL)
		workers_dial(d);
	else if (ipc_pub_subscribers(pub) == 0)
		workers_undial(d);
}

/* The worker a message came from: the one supd dialled it through. */
static const struct supd_node *
sender_of(const struct supd *d, uint32_t dialer)
{
	for (int i = 0; dialer != 0 && i < d->nnodes; i++)
		if (d->nodes[i]->ev_dialer == dialer)
			return d->nodes[i];
	return NULL;
}

void
events_read(struct supd *d)
{
	const struct supd_node *n;
	size_t len, olen;
	uint32_t from;
	char *out;
	void *buf;
	int bad;

	/* Relayed under the name supd knows the sender by, never the one
	 * it gives itself (relay.h). */
	while (d->events_in != NULL &&
	    ipc_sub_recv(d->events_in, &buf, &len, 0, &from) == SUP_OK) {
		n = sender_of(d, from);
		bad = 0;
		if (n != NULL && ipc_pub_subscribers(pub) > 0 &&
		    relay_rewrite(n->name, buf, len, &out, &olen, &bad) == 0) {
			ipc_pub_send(pub, out, olen);
			free(out);
		}
		if (n == NULL || bad > 0)
			d->bad_events += n == NULL ? 1 : (unsigned long)bad;
		free(buf);
	}
}

void
events_close(struct supd *d)
{
	log_set_sink(NULL);
	workers_undial(d);
	ipc_pub_close(pub);
	pub = NULL;
	if (d->events_subs_fd >= 0)
		close(d->events_subs_fd);
	d->events_subs_fd = -1;
	rundir_unlinkat(&d->run, RUN_EVENTS, NULL);
}
