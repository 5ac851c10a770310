/*
 * shared/config_health.c — hung is not alive: a worker's watchdog and
 * its health check (supd's watchdog.c and health.c act on them).
 *
 *   [worker api]
 *   ready    = notify         ; or sup: libsup feeds the watchdog itself
 *   watchdog = 10s            ; WATCHDOG=1 at least this often
 *   health   = ./check --quick   ; exit 0 = healthy
 *   health_interval = 10s     ; from the end of a probe to the next
 *   health_timeout  = 5s      ; a probe still running then fails
 *   health_retries  = 3       ; consecutive failures that restart it
 *   health_start_period = 30s ; failures this soon after ready: not counted
 *
 * Rules checked: a watchdog needs a child that speaks (ready = notify or
 * sup; with ready = none nobody could feed it), and the health_* keys
 * need a health probe to tune.
 */
#include <stdlib.h>

#include "common/argv.h"
#include "common/dur.h"
#include "common/mem.h"
#include "config_parse.h"

#define HEALTH_RETRIES_MAX 1000

/* A finite duration longer than 0, into *out; false after an error. */
static bool
positive_dur(struct parser *p, const char *k, const char *v, int64_t *out)
{
	int64_t ms;

	if (!cfg_dur_value(p, k, v, false, &ms))
		return false;
	if (ms == 0) {
		cfg_err(p, p->line, k, "must be longer than 0");
		return false;
	}
	*out = ms;
	return true;
}

void
cfg_set_watchdog(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	/* A wrong value is one error: no second one about ready. */
	if (positive_dur(p, k, v, &s->worker->watchdog_ms))
		s->worker->watchdog_line = p->line;
}

void
cfg_set_health(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	struct cfg_worker *w = s->worker;
	char **argv, *path;

	w->health_line = p->line;
	if (!cfg_command_value(p, k, v, &argv, &path))
		return;
	free(w->health);
	free(w->health_argv);
	free(w->health_path);
	w->health = xstrdup(v);
	w->health_argv = argv;
	w->health_path = path;
}

/* health_interval, health_timeout, health_start_period. */
void
cfg_set_health_dur(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	struct cfg_worker *w = s->worker;
	int64_t ms;

	if (w->health_opts_line == 0)
		w->health_opts_line = p->line;
	if (k[7] == 'i') /* health_interval */
		positive_dur(p, k, v, &w->health_interval_ms);
	else if (k[7] == 't') /* health_timeout */
		positive_dur(p, k, v, &w->health_timeout_ms);
	else if (cfg_dur_value(p, k, v, false, &ms)) /* health_start_period */
		w->health_start_period_ms = ms;
}

void
cfg_set_health_retries(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	if (s->worker->health_opts_line == 0)
		s->worker->health_opts_line = p->line;
	cfg_int_value(p, k, v, 1, HEALTH_RETRIES_MAX,
	    &s->worker->health_retries);
}

static void
worker_check(struct parser *p, const struct cfg_worker *w)
{
	if (w->watchdog_line != 0 && w->ready == READY_NONE)
		cfg_err(p, w->watchdog_line, "watchdog", "[worker %s] has "
		    "ready = none: nothing would send WATCHDOG=1; set ready = "
		    "notify (a program that speaks sd_notify) or ready = sup "
		    "(a libsup worker, which feeds it from its loop)",
		    w->name);
	if (w->health_opts_line != 0 && w->health_line == 0)
		cfg_err(p, w->health_opts_line, NULL, "[worker %s] tunes a "
		    "health check it does not have: add health = COMMAND (a "
		    "probe that exits 0 when the child is healthy)", w->name);
}

void
cfg_health_check(struct parser *p)
{
	for (int i = 0; i < p->c->nworkers; i++)
		worker_check(p, p->c->workers[i]);
}
