/*
 * supervisor/cfgdiff.c — two configs compared node by node (cfgdiff.h).
 *
 * Both configs are flattened into entries named as the tree names its
 * nodes (root, groups, workers, kv.0 ... for a pool), the old ones sorted
 * by name, and each new entry looked up there: a reload of a 10,000-child
 * tree costs a sort, not a square.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgdiff.h"

struct entry {
	char name[CFG_NAME_MAX + 16];
	const struct cfg_group *g; /* one of g, w */
	const struct cfg_worker *w;
	bool seen;		   /* old entries: found in the new config */
	int pos;		   /* in its config's order */
};

struct flat {
	struct entry *v;
	int n;
};

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
	    ((const struct entry *)b)->name);
}

/* Last in the config first. */
static int
pos_desc(const void *a, const void *b)
{
	return ((const struct entry *)b)->pos - ((const struct entry *)a)->pos;
}

static int
entries_count(const struct sup_config *c)
{
	int n = c->ngroups;

	for (int i = 0; i < c->nworkers; i++)
		n += c->workers[i]->instances;
	return n;
}

/* Root, then the sections in file order, a pool's instances in order. */
static sup_err
flatten(const struct sup_config *c, struct flat *f)
{
	const struct cfg_item *it;

	f->n = 0;
	if ((f->v = calloc((size_t)entries_count(c) + 1, sizeof(*f->v))) ==
	    NULL)
		return SUP_ENOMEM;
	snprintf(f->v[f->n].name, sizeof(f->v->name), "%s", c->root->name);
	f->v[f->n].pos = f->n;
	f->v[f->n++].g = c->root;
	for (int i = 0; i < c->nitems; i++) {
		it = &c->items[i];
		if (it->is_group) {
			snprintf(f->v[f->n].name, sizeof(f->v->name), "%s",
			    it->u.group->name);
			f->v[f->n].pos = f->n;
			f->v[f->n++].g = it->u.group;
			continue;
		}
		for (int k = 0; k < it->u.worker->instances; k++) {
			struct entry *e = &f->v[f->n];
			e->pos = f->n++;
			if (it->u.worker->instances > 1)
				snprintf(e->name, sizeof(e->name), "%s.%d",
				    it->u.worker->name, k);
			else
				snprintf(e->name, sizeof(e->name), "%s",
				    it->u.worker->name);
			e->w = it->u.worker;
		}
	}
	return SUP_OK;
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static bool
strv_eq(char *const *a, char *const *b)
{
	for (; a != NULL && b != NULL && *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return (a == NULL || *a == NULL) && (b == NULL || *b == NULL);
}

static bool
backoff_eq(const struct cfg_backoff *a, const struct cfg_backoff *b)
{
	return a->first_ms == b->first_ms && a->max_ms == b->max_ms &&
	    a->reset_ms == b->reset_ms;
}

/* Appends key to the comma-separated list in what. */
static void
what_add(char *what, size_t n, const char *key)
{
	size_t len = strlen(what);

	snprintf(what + len, n - len, "%s%s", len ? ", " : "", key);
}

#define NOTE(cond, key)                                                   \
	do {                                                              \
		if (!(cond))                                              \
			what_add(what, n, key);                           \
	} while (0)

/* The same sockets, in the same order, with the same names. */
static bool
listen_eq(const struct cfg_worker *a, const struct cfg_worker *b)
{
	if (a->nlisten != b->nlisten)
		return false;
	for (int i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i].key, b->listen[i].key) != 0 ||
		    strcmp(a->listen[i].name, b->listen[i].name) != 0)
			return false;
	return true;
}

/* The keys that decide what runs: a change restarts the child. */
static void
worker_restart_keys(const struct cfg_worker *a, const struct cfg_worker *b,
    char *what, size_t n)
{
	NOTE(str_eq(a->path, b->path) && strv_eq(a->argv, b->argv),
	    "command");
	NOTE(a->nenv == b->nenv && strv_eq(a->env, b->env), "env");
	NOTE(str_eq(a->directory, b->directory), "directory");
	NOTE(a->has_user == b->has_user && str_eq(a->user, b->user) &&
	    a->uid == b->uid && a->gid == b->gid && a->ngroups == b->ngroups &&
	    (a->ngroups == 0 || memcmp(a->groups, b->groups,
	    (size_t)a->ngroups * sizeof(*a->groups)) == 0), "user");
	NOTE(a->umask == b->umask && a->umask_set == b->umask_set, "umask");
	NOTE(a->out == b->out, "stdout");
	NOTE(a->ready == b->ready, "ready");
	NOTE(str_eq(a->checkpoint, b->checkpoint), "checkpoint");
	NOTE(str_eq(a->hibernate_after, b->hibernate_after),
	    "hibernate_after");
	NOTE(listen_eq(a, b), "listen");
	/* WATCHDOG_USEC is in the child's environment: a process started
	 * without one would not feed the new watchdog. */
	NOTE(a->watchdog_ms == b->watchdog_ms, "watchdog");
}

/* The keys supd reads at each decision: a change applies in place. */
static void
worker_inplace_keys(const struct cfg_worker *a, const struct cfg_worker *b,
    char *what, size_t n)
{
	NOTE(str_eq(a->group_name, b->group_name), "group");
	NOTE(a->restart == b->restart, "restart");
	NOTE(a->significant == b->significant, "significant");
	NOTE(a->pool_intensity == b->pool_intensity &&
	    a->pool_period_ms == b->pool_period_ms, "pool intensity");
	NOTE(a->start_timeout_ms == b->start_timeout_ms, "start_timeout");
	NOTE(a->shutdown_ms == b->shutdown_ms &&
	    a->brutal_kill == b->brutal_kill, "shutdown");
	NOTE(a->stop_signal == b->stop_signal, "stop_signal");
	NOTE(memcmp(&a->normal_exit, &b->normal_exit,
	    sizeof(a->normal_exit)) == 0, "normal_exit");
	NOTE(memcmp(&a->ignore_exit, &b->ignore_exit,
	    sizeof(a->ignore_exit)) == 0, "ignore_exit");
	NOTE(backoff_eq(&a->backoff, &b->backoff), "backoff");
	NOTE(a->log_max_size == b->log_max_size && a->log_keep == b->log_keep,
	    "log rotation");
	/* The log holder is told at each spawn: the next one has them. */
	NOTE(a->log_timestamps == b->log_timestamps, "log_timestamps");
	NOTE(a->log_prefix == b->log_prefix, "log_prefix");
	/* supd runs the probe: the next one is the new one. */
	NOTE(str_eq(a->health_path, b->health_path) &&
	    strv_eq(a->health_argv, b->health_argv), "health");
	NOTE(a->health_interval_ms == b->health_interval_ms &&
	    a->health_timeout_ms == b->health_timeout_ms &&
	    a->health_retries == b->health_retries &&
	    a->health_start_period_ms == b->health_start_period_ms,
	    "health tuning");
	/* Applied to the running child's cgroup by the next image. */
	NOTE(a->memory_max == b->memory_max, "memory_max");
	NOTE(a->memory_restart == b->memory_restart, "memory_restart");
	NOTE(a->pids_max == b->pids_max, "pids_max");
}

static void
group_keys(const struct cfg_group *a, const struct cfg_group *b,
    char *what, size_t n)
{
	NOTE(str_eq(a->parent_name, b->parent_name), "parent");
	NOTE(a->strategy == b->strategy, "strategy");
	NOTE(a->intensity == b->intensity, "intensity");
	NOTE(a->period_ms == b->period_ms, "period");
	NOTE(a->shutdown_ms == b->shutdown_ms, "shutdown");
	NOTE(backoff_eq(&a->backoff, &b->backoff), "backoff");
	NOTE(a->start_failure == b->start_failure, "on_start_failure");
	NOTE(a->restart == b->restart, "restart");
	NOTE(a->auto_shutdown == b->auto_shutdown, "auto_shutdown");
}

#undef NOTE

static sup_err
item_add(struct cfg_diff *d, enum diff_kind kind, const struct entry *e,
    const char *what)
{
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 16;
		struct diff_item *v = realloc(d->v, (size_t)cap * sizeof(*v));
		if (v == NULL)
			return SUP_ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n] = (struct diff_item){.kind = kind, .is_group = e->g != NULL};
	snprintf(d->v[d->n].name, sizeof(d->v->name), "%s", e->name);
	snprintf(d->v[d->n].what, sizeof(d->v->what), "%s", what);
	d->n++;
	return SUP_OK;
}

/* The root's own keys that only a new supd can change. */
static void
refusals(const struct sup_config *a, const struct sup_config *b,
    struct cfg_diff *d)
{
	if (!str_eq(a->run_dir, b->run_dir))
		snprintf(d->refused, sizeof(d->refused), "run_dir cannot "
		    "change on a reload (%s in force, %s in the file): stop "
		    "supd and start it with the new config", a->run_dir,
		    b->run_dir);
	else if (a->state_off != b->state_off ||
	    !str_eq(a->state_path, b->state_path))
		snprintf(d->refused, sizeof(d->refused), "state cannot change "
		    "on a reload (%s in force, %s in the file): stop supd and "
		    "start it with the new config", a->state_off ? "off" :
		    a->state_path, b->state_off ? "off" : b->state_path);
}

/* One entry of the new config against its old self, if any. */
static sup_err
entry_compare(struct cfg_diff *d, const struct entry *e, struct entry *old,
    const struct sup_config *a, const struct sup_config *b)
{
	char what[256] = "";

	if (old == NULL || (old->g == NULL) != (e->g == NULL)) {
		return item_add(d, DIFF_ADDED, e, "");
	}
	old->seen = true;
	if (e->w != NULL) {
		worker_restart_keys(old->w, e->w, what, sizeof(what));
		if (what[0] != '\0')
			return item_add(d, DIFF_RESTARTED, e, what);
		worker_inplace_keys(old->w, e->w, what, sizeof(what));
	} else {
		group_keys(old->g, e->g, what, sizeof(what));
		if (e->g == b->root) {
			if (a->on_give_up != b->on_give_up)
				what_add(what, sizeof(what), "on_give_up");
			if (a->durability != b->durability)
				what_add(what, sizeof(what), "durability");
			if (a->cgroups_off != b->cgroups_off)
				what_add(what, sizeof(what), "cgroups");
			if (a->http_on != b->http_on || (a->http_on &&
			    (strcmp(a->http.addr, b->http.addr) != 0 ||
			    a->http.port != b->http.port)))
				what_add(what, sizeof(what), "http");
			if (a->log_max_size != b->log_max_size)
				what_add(what, sizeof(what), "log_max_size");
			if (a->log_keep != b->log_keep)
				what_add(what, sizeof(what), "log_keep");
		}
	}
	return what[0] != '\0' ? item_add(d, DIFF_CHANGED, e, what) : SUP_OK;
}

sup_err
cfg_diff(const struct sup_config *a, const struct sup_config *b,
    struct cfg_diff *d)
{
	struct flat fa, fb;
	sup_err e = SUP_OK;

	*d = (struct cfg_diff){0};
	refusals(a, b, d);
	if (flatten(a, &fa) != SUP_OK)
		return SUP_ENOMEM;
	if (flatten(b, &fb) != SUP_OK) {
		free(fa.v);
		return SUP_ENOMEM;
	}
	qsort(fa.v, (size_t)fa.n, sizeof(*fa.v), entry_cmp);
	for (int i = 0; i < fb.n && e == SUP_OK; i++)
		e = entry_compare(d, &fb.v[i], bsearch(&fb.v[i], fa.v,
		    (size_t)fa.n, sizeof(*fa.v), entry_cmp), a, b);
	free(fb.v);
	/* Removed: the old entries not seen, last in the old order first. */
	qsort(fa.v, (size_t)fa.n, sizeof(*fa.v), pos_desc);
	for (int i = 0; i < fa.n && e == SUP_OK; i++)
		if (!fa.v[i].seen)
			e = item_add(d, DIFF_REMOVED, &fa.v[i], "");
	free(fa.v);
	if (e != SUP_OK)
		cfg_diff_fini(d);
	return e;
}

void
cfg_diff_fini(struct cfg_diff *d)
{
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

const char *
cfg_diff_kind_name(enum diff_kind k)
{
	static const char *const names[] = {
		[DIFF_ADDED] = "added", [DIFF_REMOVED] = "removed",
		[DIFF_RESTARTED] = "restarted", [DIFF_CHANGED] = "changed",
	};
	return names[k];
}

json_t *
cfg_diff_json(const struct cfg_diff *d)
{
	json_t *o = json_pack("{s:[], s:[], s:[], s:[]}", "added", "removed",
	    "restarted", "changed");

	for (int i = 0; o != NULL && i < d->n; i++) {
		const struct diff_item *it = &d->v[i];
		json_t *a = json_object_get(o, cfg_diff_kind_name(it->kind));
		if (it->kind == DIFF_ADDED || it->kind == DIFF_REMOVED)
			json_array_append_new(a, json_string(it->name));
		else
			json_array_append_new(a, json_pack("{s:s, s:s}",
			    "name", it->name, "what", it->what));
	}
	return o;
}
