/*
 * shared/config_cgroup.c — a worker's cgroup limits and whether supd
 * uses cgroups at all (supd's cgroup.c and cgroup_child.c act on them).
 *
 *   [supervisor]
 *   cgroups        = auto     ; auto (where the machine allows) | off
 *   [worker api]
 *   memory_max     = 512M     ; its cgroup's memory and swap: OOM past it
 *   pids_max       = 100      ; processes and threads in its cgroup
 *   memory_restart = 400M     ; restarted, as a failure, once past it
 *
 * Rule checked: memory_restart below memory_max (at or past it, the
 * kernel's OOM killer acts first and memory_restart never would).
 */
#include <string.h>

#include "common/size.h"
#include "config_parse.h"

#define PIDS_MAX_MAX 4194304 /* the kernel's pid_max ceiling */

/* A size larger than 0, into *out; false after an error. */
static bool
positive_size(struct parser *p, const char *k, const char *v, int64_t *out)
{
	int64_t n;
	sup_err e = size_parse(v, &n);

	if (e == SUP_ETOOBIG)
		cfg_err(p, p->line, k, "\"%s\" is larger than the largest "
		    "size, 1024T", v);
	else if (e != SUP_OK || n == 0)
		cfg_err(p, p->line, k, "\"%s\" is not a size larger than 0 "
		    "(like 512M, 64K or 2G)", v);
	else {
		*out = n;
		return true;
	}
	return false;
}

void
cfg_set_memory(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	struct cfg_worker *w = s->worker;

	if (positive_size(p, k, v, k[7] == 'm' ? &w->memory_max :
	    &w->memory_restart))
		w->memory_line = p->line;
}

void
cfg_set_pids_max(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	cfg_int_value(p, k, v, 1, PIDS_MAX_MAX, &s->worker->pids_max);
}

void
cfg_set_cgroups(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	(void)s;
	if (strcmp(v, "auto") == 0 || strcmp(v, "off") == 0)
		p->c->cgroups_off = v[1] == 'f';
	else
		cfg_err(p, p->line, k, "\"%s\" is not one of auto, off", v);
}

void
cfg_cgroup_check(struct parser *p)
{
	for (int i = 0; i < p->c->nworkers; i++) {
		const struct cfg_worker *w = p->c->workers[i];
		if (w->memory_restart > 0 && w->memory_max > 0 &&
		    w->memory_restart >= w->memory_max)
			cfg_err(p, w->memory_line, "memory_restart", "[worker "
			    "%s]: must be below memory_max (the OOM killer "
			    "would act first)", w->name);
	}
}
