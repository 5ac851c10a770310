/*
 * supctl/top_model.c — the rows of supctl top: the tree's order and
 * depth from supd's tree reply, each node's state from its status reply,
 * each process's memory and CPU from /proc.
 *
 * Only the pids supd reported are read in /proc (supctl runs on supd's
 * machine); a process /proc does not show (gone, or hidden by hidepid)
 * keeps the RSS supd measured and no CPU.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/proc.h"
#include "top.h"

#define SNAPSHOT_TIMEOUT_MS 5000

/* The status object of name in arr (children or groups), or NULL. */
static json_t *
status_of(json_t *arr, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(arr, i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")),
		    name) == 0)
			return c;
	return NULL;
}

static int64_t
int_or(json_t *v, int64_t dflt)
{
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static void
str_set(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s != NULL && s[0] != '\0' ? s : "-");
}

static void
row_fill(struct top_row *r, json_t *s, bool group, int depth)
{
	json_t *last = json_object_get(s, "last_exit");

	memset(r, 0, sizeof(*r));
	str_set(r->name, sizeof(r->name), json_string_value(
	    json_object_get(s, "name")));
	str_set(r->state, sizeof(r->state), json_string_value(
	    json_object_get(s, "state")));
	/* health: added by health checks; absent before them. */
	str_set(r->health, sizeof(r->health), json_string_value(
	    json_object_get(s, "health")));
	str_set(r->reason, sizeof(r->reason), json_is_object(last) ?
	    json_string_value(json_object_get(last, "reason")) : NULL);
	r->group = group;
	r->depth = depth;
	r->pid = (pid_t)int_or(json_object_get(s, "pid"), 0);
	r->restarts = int_or(json_object_get(s, "restarts"), 0);
	r->up_ms = int_or(json_object_get(s, "uptime_ms"), -1);
	r->backoff_ms = int_or(json_object_get(s, "backoff_ms"), -1);
	r->rss_kb = int_or(json_object_get(s, "rss_kb"), -1);
	r->cpu = -1;
}

/* Appends node t of the tree (and what is under it) when status holds
 * it: a status of some names holds only the nodes under them. */
static void
tree_walk(json_t *t, json_t *status, int depth, struct top_row *rows,
    int *n, int cap)
{
	bool group = strcmp(json_string_value(json_object_get(t, "kind")),
	    "group") == 0;
	json_t *s = status_of(json_object_get(status, group ? "groups" :
	    "children"), json_string_value(json_object_get(t, "name")));
	json_t *k;
	size_t i;

	if (s != NULL && *n < cap)
		row_fill(&rows[(*n)++], s, group, depth);
	json_array_foreach(json_object_get(t, "children"), i, k)
		tree_walk(k, status, depth + 1, rows, n, cap);
}

/* The samples of the processes that are still the same ones. */
static void
samples_keep(struct top_row *rows, int n, const struct top_view *old)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < old->nrows; j++) {
			const struct top_row *o = &old->rows[j];
			if (rows[i].pid > 0 && o->pid == rows[i].pid &&
			    strcmp(o->name, rows[i].name) == 0) {
				rows[i].ticks = o->ticks;
				rows[i].ticks_ms = o->ticks_ms;
				rows[i].cpu = o->cpu;
				break;
			}
		}
}

/* Some names asked for: their rows start at the left all the same. */
static void
depth_trim(struct top_row *rows, int n)
{
	int min = n > 0 ? rows[0].depth : 0;

	for (int i = 1; i < n; i++)
		if (rows[i].depth < min)
			min = rows[i].depth;
	for (int i = 0; i < n; i++)
		rows[i].depth -= min;
}

static json_t *
names_req(enum proto_cmd cmd, int argc, char **argv)
{
	json_t *r = proto_request(cmd), *a = json_array();

	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	json_object_set_new(r, PROTO_F_NAMES, a);
	return r;
}

/* The selection stays on its node when rows come or go (a reload). */
static void
sel_keep(struct top_view *v, const char *was)
{
	for (int i = 0; i < v->nrows; i++)
		if (strcmp(v->rows[i].name, was) == 0) {
			v->sel = i;
			return;
		}
	if (v->sel >= v->nrows)
		v->sel = v->nrows > 0 ? v->nrows - 1 : 0;
}

static void
view_replace(struct top_view *v, json_t *tree, json_t *status)
{
	json_t *sup = json_object_get(status, "supervisor");
	int cap = (int)(json_array_size(json_object_get(status, "children")) +
	    json_array_size(json_object_get(status, "groups")));
	struct top_row *rows = calloc((size_t)cap + 1, sizeof(*rows));
	char was[TOP_NAME_MAX];
	int n = 0;

	if (rows == NULL)
		return;
	snprintf(was, sizeof(was), "%s", v->sel < v->nrows ?
	    v->rows[v->sel].name : "");
	tree_walk(json_object_get(tree, "tree"), status, 0, rows, &n, cap);
	depth_trim(rows, n);
	samples_keep(rows, n, v);
	free(v->rows);
	v->rows = rows;
	v->nrows = n;
	v->snap_ms = clk_mono_ns() / CLK_NS_PER_MS;
	v->supd_pid = (pid_t)int_or(json_object_get(sup, "pid"), 0);
	v->supd_up_ms = int_or(json_object_get(sup, "uptime_ms"), 0);
	str_set(v->supd_state, sizeof(v->supd_state), json_string_value(
	    json_object_get(sup, "state")));
	sel_keep(v, was);
}

int
top_snapshot(struct ctl_opts *o, int argc, char **argv, struct top_view *v,
    sup_err *transport)
{
	json_t *tree, *status;
	int code;

	*transport = SUP_OK;
	tree = ctl_request_ex(o, proto_request(PROTO_TREE),
	    SNAPSHOT_TIMEOUT_MS, &code, transport);
	if (tree == NULL)
		return code;
	status = ctl_request_ex(o, names_req(PROTO_STATUS, argc, argv),
	    SNAPSHOT_TIMEOUT_MS, &code, transport);
	if (status == NULL) {
		json_decref(tree);
		return code;
	}
	view_replace(v, tree, status);
	json_decref(tree);
	json_decref(status);
	return PROTO_OK;
}

static void
row_sample(struct top_row *r, int64_t now_ms, long hz)
{
	struct proc_stat st;
	unsigned long long ticks, start;
	long long rss;
	int64_t life_ms;

	if (r->pid <= 0)
		return;
	if ((rss = proc_rss_kb(r->pid)) >= 0)
		r->rss_kb = rss;
	if (proc_stat_read(r->pid, &st) != SUP_OK)
		return;
	ticks = (unsigned long long)st.cpu_ticks;
	start = (unsigned long long)st.start_ticks;
	if (r->ticks_ms > 0 && now_ms > r->ticks_ms && ticks >= r->ticks) {
		r->cpu = 100.0 * (double)(ticks - r->ticks) / (double)hz *
		    1000.0 / (double)(now_ms - r->ticks_ms);
	} else {
		life_ms = clk_boot_ms() - (int64_t)(start * 1000 /
		    (unsigned long long)hz);
		r->cpu = life_ms > 0 ? 100.0 * (double)ticks / (double)hz *
		    1000.0 / (double)life_ms : 0;
	}
	r->ticks = ticks;
	r->ticks_ms = now_ms;
}

void
top_sample(struct top_view *v, int64_t now_ms)
{
	long hz = sysconf(_SC_CLK_TCK);

	if (hz <= 0)
		hz = 100;
	for (int i = 0; i < v->nrows; i++)
		row_sample(&v->rows[i], now_ms, hz);
}

void
top_view_fini(struct top_view *v)
{
	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
}
