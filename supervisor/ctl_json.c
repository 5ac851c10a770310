/*
 * supervisor/ctl_json.c — what supd tells supctl: the status object of
 * DESIGN.md section 5 and the tree, as jansson values.
 *
 * Field names and meanings are a contract with scripts: add fields
 * freely, never rename or remove one (supctl(1) lists them).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup/sup.h"
#include "cgroup.h"
#include "common/clock.h"
#include "common/proc.h"
#include "ctl.h"
#include "effects.h"
#include "health.h"
#include "ipc/http.h"
#include "ipc/ipc.h"
#include "listen.h"
#include "reasons.h"
#include "shared/proto.h"
#include "state/state.h"
#include "supd.h"
#include "tree.h"


static json_t *
str_or_null(const char *s)
{
	return (s != NULL && s[0] != '\0') ? proto_text(s) : json_null();
}

static json_t *
exit_json(const struct exit_info *x)
{
	char at[32];

	if (!x->valid)
		return json_null();
	clk_iso8601(x->at_ms, at);
	return json_pack("{s:o, s:o, s:o, s:s}",
	    "code", x->has_code ? json_integer(x->code) : json_null(),
	    "signal", x->sig ? json_integer(x->sig) : json_null(),
	    "reason", proto_text(x->reason), "at", at);
}

/* What watches a child that could hang: its health probe and its
 * watchdog (null: it has none). */
static void
hung_json(const struct supd_node *n, json_t *o)
{
	const char *h = health_name(n);

	json_object_set_new(o, "health", h ? json_string(h) : json_null());
	if (h != NULL) {
		json_object_set_new(o, "health_failures", json_integer(
		    health_failures(n)));
		json_object_set_new(o, "health_output",
		    str_or_null(health_last_line(n)));
	}
	json_object_set_new(o, "watchdog_ms", n->w->watchdog_ms > 0 ?
	    json_integer((json_int_t)(n->pid > 0 && n->wd_pid == n->pid ?
	    n->wd_ns / CLK_NS_PER_MS : n->w->watchdog_ms)) : json_null());
}

/*
 * A child's resident memory. In the status of a whole tree of more than
 * RSS_FRESH_MAX workers, read from /proc at most once a second: asked for
 * again and again (supctl top, a dashboard), it does not open thousands
 * of files each time (6 us each). Otherwise read now.
 */
#define RSS_TTL_NS (1000 * CLK_NS_PER_MS)
#define RSS_FRESH_MAX 100

static long long
rss_of(struct supd_node *n, int64_t now, bool cached)
{
	if (n->pid <= 0)
		return -1;
	if (!cached || n->rss_pid != n->pid || n->rss_ns == 0 ||
	    now - n->rss_ns >= RSS_TTL_NS) {
		n->rss_kb = proc_rss_kb(n->pid);
		n->rss_ns = now;
		n->rss_pid = n->pid;
	}
	return n->rss_kb;
}

/* What its cgroup holds: every process of it, escaped ones too (read
 * at most once a second in a big status, as rss_kb). */
static void
cgroup_json(struct supd *d, struct supd_node *n, json_t *o, int64_t now,
    bool cached)
{
	long long mem = -1, cpu = -1;

	if (n->pid > 0)
		cgroup_child_usage(d, n, now, cached ? RSS_TTL_NS : 0, &mem,
		    &cpu);

	json_object_set_new(o, "memory_bytes", mem >= 0 ? json_integer(mem)
						       : json_null());
	json_object_set_new(o, "cpu_usec", cpu >= 0 ? json_integer(cpu)
						    : json_null());
}

static json_t *
worker_json(struct supd *d, struct supd_node *n, int64_t now,
    bool rss_cached)
{
	bool has_pid = n->pid > 0;
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:o, s:o}",
	    "name", n->name, "group", n->parent->name,
	    "state", node_state_name(n->state),
	    "status", str_or_null(n->hold == HOLD_IGNORED ? "ignored" :
	        n->sup_status),
	    "status_text", str_or_null(n->status_text),
	    "pid", has_pid ? json_integer(n->pid) : json_null(),
	    "restarts", (json_int_t)n->restarts,
	    "uptime_ms", has_pid ? json_integer(clk_real_ms() -
	        n->spawned_real_ms) : json_null(),
	    "last_exit", exit_json(&n->last));

	json_object_set_new(o, "restart", json_string(
	    cfg_restart_name(n->w->restart)));
	json_object_set_new(o, "ready", json_string(
	    cfg_ready_name(n->w->ready)));
	json_object_set_new(o, "stopped_by_user", json_boolean(
	    n->hold == HOLD_STOPPED));
	long long rss = rss_of(n, now, rss_cached);
	json_object_set_new(o, "rss_kb", rss >= 0 ? json_integer(rss)
						  : json_null());
	cgroup_json(d, n, o, now, rss_cached);
	json_object_set_new(o, "restarts_by_reason", reasons_json(n));
	json_object_set_new(o, "listen", listen_json(n->w));
	hung_json(n, o);
	if (n->state == NS_BACKOFF)
		json_object_set_new(o, "backoff_ms", json_integer(
		    n->deadline_ns > now ? (n->deadline_ns - now) /
		    CLK_NS_PER_MS : 0));
	return o;
}

static json_t *
group_json(const struct supd_node *g, int64_t now)
{
	return json_pack("{s:s, s:o, s:s, s:s, s:I, s:i, s:I, s:i, s:b}",
	    "name", g->name,
	    "parent", g->parent ? json_string(g->parent->name) : json_null(),
	    "state", node_state_name(g->state),
	    "strategy", cfg_strategy_name(g->g->strategy),
	    "restarts", (json_int_t)g->restarts,
	    "intensity", g->g->intensity,
	    "period_ms", (json_int_t)g->g->period_ms,
	    "recent_restarts", rst_window_count(&g->window,
	        now / CLK_NS_PER_MS, g->g->period_ms),
	    "stopped_by_user", g->hold == HOLD_STOPPED);
}

static const char *
supd_state(const struct supd *d)
{
	if (effects_shutting_down(d))
		return "stopping";
	return node_state_name(d->root->state);
}

static json_t *
int_or_null(long long v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

/* What supd says of itself: its memory, its fds, its reloads, its HTTP
 * address. */
static void
supd_self_json(const struct supd *d, json_t *o)
{
	json_object_set_new(o, "rss_kb", int_or_null(proc_rss_kb(getpid())));
	json_object_set_new(o, "open_fds", int_or_null(proc_fd_count()));
	json_object_set_new(o, "reloads", json_integer(
	    (json_int_t)d->reloads));
	json_object_set_new(o, "http", d->http != NULL ?
	    json_string(ipc_http_addr(d->http)) : json_null());
}

static json_t *
supervisor_json(const struct supd *d, int64_t now)
{
	char at[32];
	json_t *o;

	clk_iso8601(d->start_real_ms, at);
	o = json_pack("{s:i, s:I, s:s, s:b, s:s, s:s, s:o, s:o, s:I, s:I}",
	    "pid", (int)getpid(),
	    "uptime_ms", (json_int_t)((now - d->start_ns) / CLK_NS_PER_MS),
	    "state", supd_state(d), "persisting", d->persisting,
	    "started_at", at, "version", SUP_VERSION_STRING,
	    "run_dir", proto_text(d->cfg->run_dir),
	    "config", proto_text(d->cfg_abs),
	    "bad_requests", (json_int_t)d->bad_requests,
	    "refused_requests", (json_int_t)d->refused_requests);
	json_object_set_new(o, "lost_replies", json_integer(
	    (json_int_t)d->lost_replies));
	json_object_set_new(o, "orphans_reaped", json_integer(
	    (json_int_t)d->orphans_reaped));
	json_object_set_new(o, "persist_error", d->persisting ? json_null() :
	    proto_text(d->persist_why));
	json_object_set_new(o, "state_db", str_or_null(d->cfg->state_path));
	json_object_set_new(o, "recovered", json_boolean(d->recovered));
	json_object_set_new(o, "events_lost", json_integer(
	    (json_int_t)d->events_lost));
	json_object_set_new(o, "adopted", json_integer(d->adopted));
	json_object_set_new(o, "bad_events", json_integer(
	    (json_int_t)d->bad_events));
	json_object_set_new(o, "reexecs", json_integer(
	    (json_int_t)d->reexecs));
	json_object_set_new(o, "log_holder", json_pack("{s:o, s:I}", "pid",
	    d->lh.pid > 0 ? json_integer(d->lh.pid) : json_null(),
	    "restarts", (json_int_t)d->lh.restarts));
	json_object_set_new(o, "cgroups", json_string(d->cg.mode));
	json_object_set_new(o, "cgroups_path", d->cg.path[0] ?
	    proto_text(d->cg.path) : json_null());
	json_object_set_new(o, "cgroups_note", d->cg.why[0] ?
	    proto_text(d->cg.why) : json_null());
	supd_self_json(d, o);
	return o;
}

/* sel: the nodes asked for (a group stands for the workers under it). */
static bool
selected(const struct supd_node *n, struct supd_node *const *sel, int nsel)
{
	if (sel == NULL)
		return true;
	for (int i = 0; i < nsel; i++)
		if (tree_is_ancestor(sel[i], n))
			return true;
	return false;
}

/* Each selected node's object, in order, to put(o, is_group, arg), which
 * takes it. */
static void
status_each(struct supd *d, struct supd_node *const *sel, int nsel,
    int64_t now, void (*put)(json_t *o, bool group, void *arg), void *arg)
{
	bool cached = sel == NULL && d->nworkers > RSS_FRESH_MAX;

	for (int i = 0; i < d->nnodes; i++) {
		struct supd_node *n = d->nodes[i];
		json_t *o;
		if (!selected(n, sel, nsel))
			continue;
		o = n->is_group ? group_json(n, now) : worker_json(d, n,
		    now, cached);
		/* Never drop a node silently: a row that cannot be built
		 * still says which node it is. */
		if (o == NULL)
			o = json_pack("{s:s, s:s}", "name", n->name, "error",
			    "cannot render this node");
		put(o, n->is_group, arg);
	}
}

static void
array_put(json_t *o, bool group, void *arg)
{
	json_t **arrays = arg;

	json_array_append_new(arrays[group], o);
}

json_t *
ctl_status_json(struct supd *d, struct supd_node *const *sel, int nsel)
{
	int64_t now = clk_mono_ns();
	json_t *arrays[2] = {json_array(), json_array()};

	status_each(d, sel, nsel, now, array_put, arrays);
	return json_pack("{s:b, s:o, s:o, s:o}", "ok", 1,
	    "supervisor", supervisor_json(d, now), "children", arrays[0],
	    "groups", arrays[1]);
}

/*
 * The same object as text, written a node at a time: the reply of
 * thousands of children is never one tree of jansson values (whose
 * freeing cost more than its making), each node's freed once written.
 */
struct text {
	char *p;
	size_t n, cap;
	bool failed;
	size_t items[2]; /* written to each array */
	FILE *groups;	 /* the groups' array, written after the children */
	char *gbuf;
	size_t glen;
};

static int
text_add(const char *buf, size_t len, void *arg)
{
	struct text *t = arg;

	if (t->n + len + 1 > t->cap) {
		size_t cap = (t->cap + len) * 2;
		char *p = realloc(t->p, cap);
		if (p == NULL) {
			t->failed = true;
			return -1;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->n, buf, len);
	t->n += len;
	return 0;
}

static void
text_str(struct text *t, const char *s)
{
	if (text_add(s, strlen(s), t) != 0)
		t->failed = true;
}

static void
text_put(json_t *o, bool group, void *arg)
{
	struct text *t = arg;
	size_t k = t->items[group]++;

	if (group) {
		if (t->groups == NULL || (k > 0 && fputc(',', t->groups) ==
		    EOF) || json_dumpf(o, t->groups, JSON_COMPACT) != 0)
			t->failed = true;
	} else if ((k > 0 && text_add(",", 1, t) != 0) ||
	    json_dump_callback(o, text_add, t, JSON_COMPACT) != 0) {
		t->failed = true;
	}
	json_decref(o);
}

char *
ctl_status_frame(struct supd *d, struct supd_node *const *sel, int nsel,
    size_t *len)
{
	int64_t now = clk_mono_ns();
	struct text t = {0};
	json_t *sup = supervisor_json(d, now);
	const char head[] = {IPC_VERSION, IPC_TYPE_JSON};

	t.groups = open_memstream(&t.gbuf, &t.glen);
	if (text_add(head, sizeof(head), &t) != 0)
		t.failed = true;
	text_str(&t, "{\"ok\":true,\"supervisor\":");
	if (json_dump_callback(sup, text_add, &t, JSON_COMPACT) != 0)
		t.failed = true;
	json_decref(sup);
	text_str(&t, ",\"children\":[");
	status_each(d, sel, nsel, now, text_put, &t);
	if (t.groups == NULL || fclose(t.groups) != 0)
		t.failed = true;
	text_str(&t, "],\"groups\":[");
	if (t.gbuf != NULL && text_add(t.gbuf, t.glen, &t) != 0)
		t.failed = true;
	text_str(&t, "]}");
	free(t.gbuf);
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	*len = t.n;
	return t.p;
}

static json_t *
tree_node_json(const struct supd_node *n)
{
	json_t *o, *kids;

	if (!n->is_group)
		return json_pack("{s:s, s:s, s:s, s:o, s:I}", "name", n->name,
		    "kind", "worker", "state", node_state_name(n->state),
		    "pid", n->pid > 0 ? json_integer(n->pid) : json_null(),
		    "restarts", (json_int_t)n->restarts);
	kids = json_array();
	for (int i = 0; i < n->nkids; i++)
		json_array_append_new(kids, tree_node_json(n->kids[i]));
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:o}",
	    "name", n->name, "kind", "group",
	    "state", node_state_name(n->state),
	    "strategy", cfg_strategy_name(n->g->strategy),
	    "intensity", n->g->intensity,
	    "period_ms", (json_int_t)n->g->period_ms,
	    "restarts", (json_int_t)n->restarts, "children", kids);
	return o;
}

json_t *
ctl_tree_json(struct supd *d)
{
	return json_pack("{s:b, s:o}", "ok", 1, "tree",
	    tree_node_json(d->root));
}
