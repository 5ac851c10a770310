/*
 * supervisor/ctl_json.c — what supd tells supctl: the status object of
 * DESIGN.md section 5 and the tree.
 *
 * The status object is written as text (common/jsonw.h), a row at a
 * time: the reply of 10,000 children is never a tree of jansson values
 * (building, dumping and freeing them cost most of a status). The text
 * is its only source: ctl_status_json() parses it back for the HTTP
 * endpoints. The tree is a jansson value.
 *
 * Field names and meanings are a contract with scripts: add fields
 * freely, never rename or remove one (supctl(1) lists them).
 */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "sup/sup.h"
#include "cgroup.h"
#include "common/clock.h"
#include "common/jsonw.h"
#include "common/proc.h"
#include "ctl.h"
#include "effects.h"
#include "health.h"
#include "ipc/http.h"
#include "ipc/ipc.h"
#include "listen.h"
#include "reasons.h"
#include "state/state.h"
#include "supd.h"
#include "tree.h"


/* --- one worker --------------------------------------------------------- */

/* v, or null when it has none. */
static void
int_if(struct jsonw *w, const char *k, bool has, long long v)
{
	jsonw_key(w, k);
	if (has)
		jsonw_int(w, v);
	else
		jsonw_null(w);
}

/* s, or null when it is NULL or empty. */
static void
str_or_null(struct jsonw *w, const char *k, const char *s)
{
	jsonw_kstr(w, k, s != NULL && s[0] != '\0' ? s : NULL);
}

static void
exit_write(struct jsonw *w, const struct node_exit *x)
{
	char at[32];

	jsonw_key(w, "last_exit");
	if (!x->valid) {
		jsonw_null(w);
		return;
	}
	clk_iso8601(x->at_ms, at);
	jsonw_obj_begin(w);
	int_if(w, "code", x->has_code, x->code);
	int_if(w, "signal", x->sig != 0, x->sig);
	jsonw_kstr(w, "reason", x->reason != NULL ? x->reason : "");
	jsonw_kstr(w, "at", at);
	jsonw_obj_end(w);
}

/* What watches a child that could hang: its health probe and its
 * watchdog (null: it has none). */
static void
hung_write(struct jsonw *w, const struct supd_node *n)
{
	const char *h = health_name(n);

	jsonw_kstr(w, "health", h);
	if (h != NULL) {
		jsonw_kint(w, "health_failures", health_failures(n));
		str_or_null(w, "health_output", health_last_line(n));
	}
	int_if(w, "watchdog_ms", n->w->watchdog_ms > 0, n->pid > 0 &&
	    n->wd_pid == n->pid ? n->wd_ns / CLK_NS_PER_MS :
	    n->w->watchdog_ms);
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

/* Its memory: resident, and what its cgroup holds (every process of it,
 * escaped ones too; read at most once a second in a big status, as
 * rss_kb). */
static void
memory_write(struct jsonw *w, struct supd *d, struct supd_node *n,
    int64_t now, bool cached)
{
	long long mem = -1, cpu = -1;

	jsonw_kcount(w, "rss_kb", rss_of(n, now, cached));
	if (n->pid > 0)
		cgroup_child_usage(d, n, now, cached ? RSS_TTL_NS : 0, &mem,
		    &cpu);
	jsonw_kcount(w, "memory_bytes", mem);
	jsonw_kcount(w, "cpu_usec", cpu);
}

static void
worker_write(struct jsonw *w, struct supd *d, struct supd_node *n,
    int64_t now, bool cached)
{
	bool has_pid = n->pid > 0;

	jsonw_obj_begin(w);
	jsonw_kstr(w, "name", n->name);
	jsonw_kstr(w, "group", n->parent->name);
	jsonw_kstr(w, "state", node_state_name(n->state));
	str_or_null(w, "status", n->hold == HOLD_IGNORED ? "ignored" :
	    n->sup_status);
	str_or_null(w, "status_text", n->status_text);
	int_if(w, "pid", has_pid, n->pid);
	jsonw_kint(w, "restarts", n->restarts);
	int_if(w, "uptime_ms", has_pid, clk_real_ms() - n->spawned_real_ms);
	exit_write(w, &n->last);
	jsonw_kstr(w, "restart", cfg_restart_name(n->w->restart));
	jsonw_kstr(w, "ready", cfg_ready_name(n->w->ready));
	jsonw_kbool(w, "stopped_by_user", n->hold == HOLD_STOPPED);
	memory_write(w, d, n, now, cached);
	reasons_write(w, "restarts_by_reason", n);
	listen_keys_write(w, "listen", n->w);
	hung_write(w, n);
	if (n->state == NS_BACKOFF)
		jsonw_kint(w, "backoff_ms", n->deadline_ns > now ?
		    (n->deadline_ns - now) / CLK_NS_PER_MS : 0);
	jsonw_obj_end(w);
}

/* --- one group, supd itself --------------------------------------------- */

static void
group_write(struct jsonw *w, const struct supd_node *g, int64_t now)
{
	jsonw_obj_begin(w);
	jsonw_kstr(w, "name", g->name);
	jsonw_kstr(w, "parent", g->parent ? g->parent->name : NULL);
	jsonw_kstr(w, "state", node_state_name(g->state));
	jsonw_kstr(w, "strategy", cfg_strategy_name(g->g->strategy));
	jsonw_kint(w, "restarts", g->restarts);
	jsonw_kint(w, "intensity", g->g->intensity);
	jsonw_kint(w, "period_ms", g->g->period_ms);
	jsonw_kint(w, "recent_restarts", rst_window_count(&g->window,
	    now / CLK_NS_PER_MS, g->g->period_ms));
	jsonw_kbool(w, "stopped_by_user", g->hold == HOLD_STOPPED);
	jsonw_obj_end(w);
}

static const char *
supd_state(const struct supd *d)
{
	if (effects_shutting_down(d))
		return "stopping";
	return node_state_name(d->root->state);
}

/* Its counters of what went wrong, and of what it did. */
static void
supd_counts_write(struct jsonw *w, const struct supd *d)
{
	jsonw_kint(w, "bad_requests", d->bad_requests);
	jsonw_kint(w, "refused_requests", d->refused_requests);
	jsonw_kint(w, "lost_replies", d->lost_replies);
	jsonw_kint(w, "orphans_reaped", d->orphans_reaped);
	jsonw_kstr(w, "persist_error", d->persisting ? NULL :
	    d->persist_why);
	str_or_null(w, "state_db", d->cfg->state_path);
	jsonw_kbool(w, "recovered", d->recovered);
	jsonw_kint(w, "events_lost", d->events_lost);
	jsonw_kint(w, "adopted", d->adopted);
	jsonw_kint(w, "bad_events", d->bad_events);
	jsonw_kint(w, "reexecs", d->reexecs);
}

/* What supd says of itself beyond the tree: its log holder, its
 * cgroups, its memory, its fds, its reloads, its HTTP address. */
static void
supd_self_write(struct jsonw *w, const struct supd *d)
{
	jsonw_key(w, "log_holder");
	jsonw_obj_begin(w);
	int_if(w, "pid", d->lh.pid > 0, d->lh.pid);
	jsonw_kint(w, "restarts", d->lh.restarts);
	jsonw_obj_end(w);
	jsonw_kstr(w, "cgroups", d->cg.mode);
	str_or_null(w, "cgroups_path", d->cg.path);
	str_or_null(w, "cgroups_note", d->cg.why);
	jsonw_kcount(w, "rss_kb", proc_rss_kb(getpid()));
	jsonw_kcount(w, "open_fds", proc_fd_count());
	jsonw_kint(w, "reloads", d->reloads);
	jsonw_kstr(w, "http", d->http != NULL ? ipc_http_addr(d->http) :
	    NULL);
}

static void
supervisor_write(struct jsonw *w, const struct supd *d, int64_t now)
{
	char at[32];

	clk_iso8601(d->start_real_ms, at);
	jsonw_key(w, "supervisor");
	jsonw_obj_begin(w);
	jsonw_kint(w, "pid", getpid());
	jsonw_kint(w, "uptime_ms", (now - d->start_ns) / CLK_NS_PER_MS);
	jsonw_kstr(w, "state", supd_state(d));
	jsonw_kbool(w, "persisting", d->persisting);
	jsonw_kstr(w, "started_at", at);
	jsonw_kstr(w, "version", SUP_VERSION_STRING);
	jsonw_kstr(w, "run_dir", d->cfg->run_dir);
	jsonw_kstr(w, "config", d->cfg_abs);
	supd_counts_write(w, d);
	supd_self_write(w, d);
	jsonw_obj_end(w);
}

/* --- the status object -------------------------------------------------- */

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

/* The array under key k: each selected worker (groups: each selected
 * group), in tree order. */
static void
rows_write(struct jsonw *w, const char *k, struct supd *d,
    struct supd_node *const *sel, int nsel, bool groups, int64_t now)
{
	bool cached = sel == NULL && d->nworkers > RSS_FRESH_MAX;

	jsonw_key(w, k);
	jsonw_arr_begin(w);
	for (int i = 0; i < d->nnodes; i++) {
		struct supd_node *n = d->nodes[i];
		if (n->is_group != groups || !selected(n, sel, nsel))
			continue;
		if (groups)
			group_write(w, n, now);
		else
			worker_write(w, d, n, now, cached);
	}
	jsonw_arr_end(w);
}

/* The status object of DESIGN.md section 5, with "ok": true first. */
static void
status_write(struct jsonw *w, struct supd *d, struct supd_node *const *sel,
    int nsel)
{
	int64_t now = clk_mono_ns();

	jsonw_obj_begin(w);
	jsonw_kbool(w, "ok", true);
	supervisor_write(w, d, now);
	rows_write(w, "children", d, sel, nsel, false, now);
	rows_write(w, "groups", d, sel, nsel, true, now);
	jsonw_obj_end(w);
}

/* About what a worker's row takes (bytes): the text is allocated once,
 * not grown from nothing by doubling. */
#define ROW_BYTES 768

char *
ctl_status_frame(struct supd *d, struct supd_node *const *sel, int nsel,
    size_t *len)
{
	const char head[] = {IPC_VERSION, IPC_TYPE_JSON};
	struct jsonw w;

	jsonw_init(&w, sel == NULL ? (size_t)d->nnodes * ROW_BYTES : 0);
	jsonw_raw(&w, head, sizeof(head));
	status_write(&w, d, sel, nsel);
	return jsonw_take(&w, len);
}

json_t *
ctl_status_json(struct supd *d, struct supd_node *const *sel, int nsel)
{
	struct jsonw w;
	size_t len;
	char *text;
	json_t *o;

	jsonw_init(&w, sel == NULL ? (size_t)d->nnodes * ROW_BYTES : 0);
	status_write(&w, d, sel, nsel);
	if ((text = jsonw_take(&w, &len)) == NULL)
		return NULL;
	o = json_loadb(text, len, 0, NULL);
	free(text);
	return o;
}

/* --- the tree ----------------------------------------------------------- */

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
