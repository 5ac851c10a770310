/*
 * supervisor/tree.c — the supervision tree built from the config,
 * lookups by name and pid, and its one-line summary (tree_summary).
 *
 * Every group of the config becomes a node; every worker becomes one node,
 * or one per instance for a pool (kv.0 ... kv.N-1). A group's children are
 * the sections naming it as parent or group, in file order. d->nodes lists
 * all nodes in preorder (a group before its children), the order status
 * shows them in. Lookups by name and by pid are hashed (an exit or a
 * request costs the same with 10,000 children as with ten); a pool name
 * ("kv" for every kv.N) and suggestions scan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/suggest.h"
#include "supd.h"
#include "tree.h"

static const char *const state_names[] = {
	[NS_STOPPED] = "stopped", [NS_STARTING] = "starting",
	[NS_RUNNING] = "running", [NS_BACKOFF] = "backoff",
	[NS_STOPPING] = "stopping", [NS_FAILED] = "failed",
};

const char *
node_state_name(enum node_state s)
{
	return state_names[s];
}

void
node_exit_set(struct supd_node *n, const struct exit_info *x)
{
	free(n->last.reason);
	n->last = (struct node_exit){.valid = x->valid,
	    .has_code = x->has_code, .start_timeout = x->start_timeout,
	    .hung = x->hung, .code = x->code, .sig = x->sig,
	    .at_ms = x->at_ms, .reason = strdup(x->reason)};
}

static struct supd_node *
node_new(const char *name, int instance)
{
	struct supd_node *n = calloc(1, sizeof(*n));
	char buf[CFG_NAME_MAX + 16];

	if (n == NULL)
		return NULL;
	if (instance >= 0)
		snprintf(buf, sizeof(buf), "%s.%d", name, instance);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	if ((n->name = strdup(buf)) == NULL) {
		free(n);
		return NULL;
	}
	n->instance = instance;
	n->pidfd = -1;
	n->logr[0] = n->logr[1] = -1;
	return n;
}

static bool
kid_add(struct supd_node *g, struct supd_node *k)
{
	struct supd_node **v = realloc(g->kids, (size_t)(g->nkids + 1) *
	    sizeof(*v));

	if (v == NULL)
		return false;
	g->kids = v;
	k->parent = g;
	k->index = g->nkids;
	g->kids[g->nkids++] = k;
	return true;
}

/* Group nodes, indexed like cfg->groups. */
static sup_err
groups_build(struct supd *d, struct supd_node **gn)
{
	const struct sup_config *c = d->cfg;

	for (int i = 0; i < c->ngroups; i++) {
		const struct cfg_group *cg = c->groups[i];
		if ((gn[i] = node_new(cg->name, -1)) == NULL)
			return SUP_ENOMEM;
		gn[i]->is_group = true;
		gn[i]->g = cg;
		gn[i]->backoff = &cg->backoff;
		if (!rst_window_init(&gn[i]->window, cg->intensity))
			return SUP_ENOMEM;
	}
	return SUP_OK;
}

static struct supd_node *
group_node_of(const struct sup_config *c, struct supd_node **gn,
    const struct cfg_group *cg)
{
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == cg)
			return gn[i];
	return NULL;
}

/* FNV-1a over what a running process was started with: a change of any
 * of it means the process must be restarted to take it. */
static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return (h ^ 0xff) * 0x100000001b3u; /* a separator */
}

static void
worker_hash(const struct cfg_worker *w, char out[17])
{
	uint64_t h = 0xcbf29ce484222325u;
	char num[32];

	h = fnv(h, w->path);
	for (char **a = w->argv; a != NULL && *a != NULL; a++)
		h = fnv(h, *a);
	for (int i = 0; i < w->nenv; i++)
		h = fnv(h, w->env[i]);
	h = fnv(h, w->directory);
	h = fnv(h, w->has_user ? w->user : "");
	h = fnv(h, w->checkpoint);
	if (w->hibernate_after != NULL) /* hashes made before it stay */
		h = fnv(h, w->hibernate_after);
	if (w->umask_set) { /* likewise */
		snprintf(num, sizeof(num), "umask %o", (unsigned)w->umask);
		h = fnv(h, num);
	}
	for (int i = 0; i < w->nlisten; i++) { /* none: hashes stay */
		h = fnv(h, w->listen[i].key);
		h = fnv(h, w->listen[i].name);
	}
	if (w->watchdog_ms > 0) { /* WATCHDOG_USEC; hashes before it stay */
		snprintf(num, sizeof(num), "watchdog %lld",
		    (long long)w->watchdog_ms);
		h = fnv(h, num);
	}
	/* Log rotation does not change what runs: not in the hash; nor does
	 * a health probe (supd runs it). */
	snprintf(num, sizeof(num), "%d", (int)w->out);
	h = fnv(h, num);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static sup_err
workers_add(struct supd_node *g, const struct cfg_worker *w)
{
	char hash[17];

	worker_hash(w, hash);
	for (int i = 0; i < w->instances; i++) {
		struct supd_node *n = node_new(w->name,
		    w->instances > 1 ? i : -1);
		if (n == NULL)
			return SUP_ENOMEM;
		n->w = w;
		n->backoff = &w->backoff;
		memcpy(n->config_hash, hash, sizeof(hash));
		/* The pool's own window, kept by its first instance. */
		if ((i == 0 && w->instances > 1 && !rst_window_init(&n->window,
		    cfg_pool_intensity(w))) || !kid_add(g, n)) {
			rst_window_fini(&n->window);
			free(n->name);
			free(n);
			return SUP_ENOMEM;
		}
	}
	return SUP_OK;
}

static void index_build(struct supd *d);

static void
preorder(struct supd *d, struct supd_node *n)
{
	n->order = d->nnodes;
	d->nodes[d->nnodes++] = n;
	d->nworkers += !n->is_group;
	for (int i = 0; i < n->nkids; i++)
		preorder(d, n->kids[i]);
}

static int
count_nodes(const struct sup_config *c)
{
	int n = c->ngroups;

	for (int i = 0; i < c->nworkers; i++)
		n += c->workers[i]->instances;
	return n;
}

sup_err
tree_build(struct supd *d)
{
	const struct sup_config *c = d->cfg;
	struct supd_node **gn = calloc((size_t)c->ngroups, sizeof(*gn));
	sup_err rv;

	if (gn == NULL)
		return SUP_ENOMEM;
	d->nodes = calloc((size_t)count_nodes(c), sizeof(*d->nodes));
	if (d->nodes == NULL || (rv = groups_build(d, gn)) != SUP_OK) {
		rv = SUP_ENOMEM;
		goto out;
	}
	for (int i = 0; i < c->nitems; i++) {
		const struct cfg_item *it = &c->items[i];
		if (it->is_group) {
			struct supd_node *g = group_node_of(c, gn, it->u.group);
			struct supd_node *p = group_node_of(c, gn,
			    it->u.group->parent);
			rv = kid_add(p, g) ? SUP_OK : SUP_ENOMEM;
		} else {
			rv = workers_add(group_node_of(c, gn,
			    it->u.worker->group), it->u.worker);
		}
		if (rv != SUP_OK)
			goto out;
	}
	d->root = gn[0];
	d->nnodes = d->nworkers = 0;
	preorder(d, d->root);
	index_build(d);
out:
	if (rv != SUP_OK && d->root == NULL) /* not yet in d->nodes */
		for (int i = 0; i < c->ngroups; i++)
			if (gn[i] != NULL) {
				rst_window_fini(&gn[i]->window);
				free(gn[i]->kids);
				free(gn[i]->name);
				free(gn[i]);
			}
	free(gn);
	return rv;
}

void
tree_free(struct supd *d)
{
	for (int i = 0; i < d->nnodes; i++) {
		struct supd_node *n = d->nodes[i];
		rst_window_fini(&n->window);
		free(n->kids);
		free(n->name);
		free(n->status_text);
		free(n->last.reason);
		free(n);
	}
	free(d->nodes);
	strmap_free(&d->by_name);
	free(d->by_pid);
	d->by_pid = NULL;
	d->by_pid_cap = 0;
	d->nodes = NULL;
	d->nnodes = 0;
	d->root = NULL;
}

/* Indexes of names and pids: recovery looks up every row, supctl any
 * name, the reaper every pid. Without memory for them, lookups scan. */
static void
index_build(struct supd *d)
{
	size_t cap = 16;

	while (cap < (size_t)d->nnodes * 2)
		cap *= 2;
	strmap_free(&d->by_name);
	free(d->by_pid);
	d->by_pid = calloc(cap, sizeof(*d->by_pid));
	d->by_pid_cap = d->by_pid != NULL ? cap : 0;
	for (int i = 0; i < d->nnodes; i++)
		if (strmap_put(&d->by_name, d->nodes[i]->name,
		    d->nodes[i]) != 0) {
			strmap_free(&d->by_name);
			return;
		}
}

struct supd_node *
tree_find(struct supd *d, const char *name)
{
	if (d->by_name.n != (size_t)d->nnodes) {
		for (int i = 0; i < d->nnodes; i++)
			if (strcmp(d->nodes[i]->name, name) == 0)
				return d->nodes[i];
		return NULL;
	}
	return strmap_get(&d->by_name, name);
}

static size_t
pid_slot(const struct supd *d, pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (d->by_pid_cap - 1);
}

struct supd_node *
tree_by_pid(struct supd *d, pid_t pid)
{
	if (pid <= 0)
		return NULL;
	if (d->by_pid_cap == 0) { /* no memory for the index: a scan */
		for (int i = 0; i < d->nnodes; i++)
			if (d->nodes[i]->pid == pid)
				return d->nodes[i];
		return NULL;
	}
	for (struct supd_node *n = d->by_pid[pid_slot(d, pid)]; n != NULL;
	    n = n->pid_next)
		if (n->pid == pid)
			return n;
	return NULL;
}

void
tree_pid_set(struct supd *d, struct supd_node *n, pid_t pid)
{
	struct supd_node **pp;

	if (n->pid == pid)
		return;
	if (d->by_pid_cap == 0) {
		n->pid = pid;
		return;
	}
	if (n->pid > 0) {
		for (pp = &d->by_pid[pid_slot(d, n->pid)]; *pp != NULL;
		    pp = &(*pp)->pid_next)
			if (*pp == n) {
				*pp = n->pid_next;
				break;
			}
		n->pid_next = NULL;
	}
	n->pid = pid;
	if (pid > 0) {
		pp = &d->by_pid[pid_slot(d, pid)];
		n->pid_next = *pp;
		*pp = n;
	}
}

int
tree_resolve(struct supd *d, const char *name, struct supd_node **out,
    int cap)
{
	struct supd_node *n = tree_find(d, name);
	int k = 0;

	if (n != NULL) {
		if (cap > 0)
			out[0] = n;
		return 1;
	}
	for (int i = 0; i < d->nnodes && k < cap; i++) {
		n = d->nodes[i];
		if (n->w != NULL && n->instance >= 0 &&
		    strcmp(n->w->name, name) == 0)
			out[k++] = n;
	}
	return k;
}

const char *
tree_suggest(struct supd *d, const char *name)
{
	const char **names = calloc((size_t)d->nnodes + 1, sizeof(*names));
	const char *hint;
	size_t n = 0;

	if (names == NULL)
		return NULL;
	for (int i = 0; i < d->nnodes; i++) {
		const struct supd_node *x = d->nodes[i];
		names[n++] = x->name;
		/* A pool answers to its own name too. */
		if (x->instance == 0)
			names[n - 1] = x->w->name;
	}
	hint = suggest(name, names, n);
	free(names);
	return hint;
}

bool
tree_is_ancestor(const struct supd_node *a, const struct supd_node *n)
{
	for (; n != NULL; n = n->parent)
		if (n == a)
			return true;
	return false;
}

void
tree_summary(const struct supd *d, char *buf, size_t n)
{
	static const enum node_state some[] = {NS_STARTING, NS_STOPPING,
	    NS_STOPPED};
	int count[NS_FAILED + 1] = {0};
	unsigned long restarts = 0;
	size_t o;

	for (int i = 0; i < d->nnodes; i++) {
		const struct supd_node *k = d->nodes[i];
		if (k->state == NS_FAILED)
			count[NS_FAILED]++;
		else if (!k->is_group) {
			count[k->state]++;
			restarts += k->restarts;
		}
	}
	o = (size_t)snprintf(buf, n, "%d running", count[NS_RUNNING]);
	for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++)
		if (count[some[i]] > 0 && o < n)
			o += (size_t)snprintf(buf + o, n - o, ", %d %s",
			    count[some[i]], node_state_name(some[i]));
	if (o < n)
		snprintf(buf + o, n - o, ", %d backoff, %d failed; %lu "
		    "restart%s", count[NS_BACKOFF], count[NS_FAILED], restarts,
		    restarts == 1 ? "" : "s");
}
