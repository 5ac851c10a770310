/*
 * supervisor/reload.c — reload and re-exec (reload.h).
 *
 * Why an exec for a reload too: the recovery path already knows how to
 * take over a running tree from committed rows (adopt the live, restart
 * what changed, stop what left, start what is new, keep counts, backoffs
 * and manual stops), and it is tested against kill -9 at every moment.
 * A reload is that takeover with a new config, and a re-exec with the
 * same one; neither needs a second way to mutate a live tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup/sup.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/trust.h"
#include "ctl.h"
#include "effects.h"
#include "ghost.h"
#include "listen.h"
#include "health.h"
#include "persist.h"
#include "reload.h"
#include "shared/proto.h"
#include "supd.h"
#include "tree.h"

sup_err
reload_check(struct supd *d, struct sup_config **cfg, struct cfg_diff *diff,
    json_t **errors)
{
	struct cfg_errors errs;
	sup_err e;

	*errors = NULL;
	e = cfg_load(d->cfg_path, NULL, CFG_CHECK_SYSTEM, cfg, &errs);
	if (e != SUP_OK) {
		*errors = json_array();
		for (int i = 0; i < errs.n; i++)
			json_array_append_new(*errors, json_string(
			    errs.msgs[i]));
		cfg_errors_fini(&errs);
		return SUP_EINVAL;
	}
	if ((e = cfg_diff(d->cfg, *cfg, diff)) != SUP_OK) {
		cfg_free(*cfg);
		*cfg = NULL;
	}
	return e;
}

/* Why supd cannot hand its tree over now, or NULL. */
static const char *
handover_refused(struct supd *d)
{
	if (d->exe == NULL)
		return "supd cannot find its own binary (/proc/self/exe)";
	if (d->cfg->state_off)
		return "state = off: without its database a new supd could not "
		    "adopt the children";
	if (d->db == NULL || !d->persisting)
		return "the state database cannot be written, and a new supd "
		    "adopts the children from it";
	if (effects_shutting_down(d))
		return "supd is stopping";
	/* They are known to this image alone (their rows are gone). */
	if (ghost_count(d) > 0)
		return "children that left the config are still stopping; "
		    "try again once they are gone (supctl status no longer "
		    "lists them; supd's log says config.removed ... stopped)";
	return NULL;
}

sup_err
supd_reexec(struct supd *d, enum handover_mode mode, const char *token,
    const struct sup_config *next, json_t *result, char *why, size_t n)
{
	const struct sup_config *c = next != NULL ? next : d->cfg;
	const char *no = handover_refused(d);
	struct handover h = {
		.mode = mode, .result = result, .lock_fd = d->lockfd,
		.config = c->text, .config_len = c->text_len,
		.start_ns = d->start_ns, .start_real_ms = d->start_real_ms,
		.reloads = d->reloads + (mode == HANDOVER_RELOAD),
		.reexecs = d->reexecs + (mode == HANDOVER_REEXEC),
		.listen = listen_handover_json(d),
	};
	sup_err e;
	int exe_fd;

	if (no != NULL) {
		snprintf(why, n, "%s", no);
		json_decref(h.listen);
		return SUP_EREFUSED;
	}
	/* The binary run as root must be one no other user could have put
	 * there: opened through trusted directories, ours or root's, closed
	 * to others, and exec'd from that descriptor (no switch between). */
	if ((e = trust_file_open(d->exe, O_RDONLY, 0, TRUST_MINE_OR_ROOT,
	    &exe_fd, why, n)) != SUP_OK) {
		if (e != SUP_EREFUSED)
			snprintf(why, n, "cannot open %s: %s", d->exe,
			    sup_strerror(e));
		json_decref(h.listen);
		return e;
	}
	snprintf(h.token, sizeof(h.token), "%s", token ? token : "");
	effects_settle(d);
	ctl_waiters_fail_all(d, "supd re-executed itself before this was "
	    "done; see supctl status");
	persist_flush(d);
	if (!d->persisting) {
		snprintf(why, n, "the state database cannot be written: %s",
		    d->persist_why);
		close(exe_fd);
		json_decref(h.listen);
		return SUP_EREFUSED;
	}
	LOG_EV(mode == HANDOVER_RELOAD ? "supd.reload" : "supd.reexec",
	    log_str("binary", d->exe), log_num("children", d->nworkers),
	    log_str("note", "handing the tree over to a new image"));
	h.exec_ns = clk_mono_ns();
	/* The next image starts every worker's health anew. */
	health_probes_kill(d);
	e = handover_exec(exe_fd, d->exe, d->cfg_path, d->verbose, &h);
	close(exe_fd);
	json_decref(h.listen);
	snprintf(why, n, "cannot exec %s: %s", d->exe, sup_strerror(e));
	LOG_EV("supd.reexec_failed", log_str("binary", d->exe),
	    log_str("error", sup_strerror(e)));
	return e;
}

/* The config file's errors, every one, with exit status 2. */
static json_t *
config_errors(struct supd *d, json_t *errors)
{
	char msg[512];
	size_t n = json_array_size(errors);
	json_t *o;

	snprintf(msg, sizeof(msg), "%zu error%s in %s; nothing changed", n,
	    n == 1 ? "" : "s", d->cfg_path);
	o = proto_error(PROTO_USAGE, msg, NULL);
	json_object_set_new(o, "errors", errors);
	return o;
}

static bool
same_text(const struct sup_config *a, const struct sup_config *b)
{
	return a->text_len == b->text_len && memcmp(a->text, b->text,
	    a->text_len) == 0;
}

/* After the check: the reply, unless the handover to c happened. */
static json_t *
reload_apply(struct supd *d, const struct sup_config *c,
    const struct cfg_diff *diff, bool dry_run, const char *token)
{
	char why[768], msg[800];
	json_t *o;

	if (diff->refused[0] != '\0')
		return proto_error(PROTO_USAGE, diff->refused, NULL);
	/* New sockets bound now: a conflict refuses the reload while the
	 * tree runs on; they go to the new image with the others. */
	if (listen_prepare(d, c, why, sizeof(why)) != SUP_OK) {
		snprintf(msg, sizeof(msg), "%s; nothing changed", why);
		return proto_error(PROTO_USAGE, msg, NULL);
	}
	o = json_pack("{s:b, s:b, s:b, s:o}", PROTO_F_OK, 1, "dry_run",
	    dry_run, "unchanged", diff->n == 0 && same_text(c, d->cfg),
	    "diff", cfg_diff_json(diff));
	if (o == NULL || dry_run || json_is_true(json_object_get(o,
	    "unchanged"))) {
		listen_unprepare(d);
		return o != NULL ? o : proto_error(PROTO_FAILED,
		    "out of memory", NULL);
	}
	/* Returns only when it could not. */
	supd_reexec(d, HANDOVER_RELOAD, token, c, o, why, sizeof(why));
	listen_unprepare(d);
	json_decref(o);
	snprintf(msg, sizeof(msg), "cannot reload: %s", why);
	return proto_error(PROTO_FAILED, msg, NULL);
}

json_t *
reload_run(struct supd *d, bool dry_run, const char *token)
{
	struct sup_config *c = NULL;
	struct cfg_diff diff;
	json_t *errors, *o;
	sup_err e;

	if (effects_shutting_down(d))
		return proto_error(PROTO_FAILED, "supd is stopping: nothing to "
		    "reload", NULL);
	/* systemd's notify-reload: RELOADING=1 now, READY=1 when over,
	 * from this image when nothing is applied, else from the next. */
	if (!dry_run)
		manager_reloading(&d->mgr);
	e = reload_check(d, &c, &diff, &errors);
	if (e == SUP_EINVAL)
		o = config_errors(d, errors);
	else if (e != SUP_OK)
		o = proto_error(PROTO_FAILED, "cannot reload: out of memory",
		    NULL); /* reload_check's only other error */
	else {
		o = reload_apply(d, c, &diff, dry_run, token);
		cfg_diff_fini(&diff);
		cfg_free(c);
	}
	if (!dry_run)
		manager_ready(&d->mgr);
	return o;
}

void
reload_signal(struct supd *d)
{
	json_t *o = reload_run(d, false, ""), *v;
	const char *error = json_string_value(json_object_get(o, "error"));
	size_t i;

	json_array_foreach(json_object_get(o, "errors"), i, v)
		log_error("%s", json_string_value(v));
	if (error != NULL)
		LOG_EV("supd.reload_refused", log_str("reason", error),
		    log_str("note", "the config in force is kept"));
	else
		LOG_EV("supd.reload", log_str("note", "nothing changed"));
	json_decref(o);
}

/* --- the new image ------------------------------------------------------ */

static json_t *
handed_diff(struct supd *d, const char *kind)
{
	json_t *diff = json_object_get(d->ho.result, "diff");

	return d->ho.mode == HANDOVER_RELOAD ? json_object_get(diff, kind)
					     : NULL;
}

void
reload_mark(struct supd *d)
{
	json_t *v = handed_diff(d, "restarted"), *it;
	struct supd_node *n;
	size_t i;

	json_array_foreach(v, i, it) {
		n = tree_find(d, json_string_value(json_object_get(it,
		    "name")));
		if (n != NULL && !n->is_group)
			n->reload_restart = true;
	}
}

static void
note_kind(struct supd *d, const char *kind)
{
	json_t *v = handed_diff(d, kind), *it;
	const char *name, *what;
	char reason[320];
	size_t i;

	json_array_foreach(v, i, it) {
		name = json_is_string(it) ? json_string_value(it) :
		    json_string_value(json_object_get(it, "name"));
		what = json_string_value(json_object_get(it, "what"));
		if (name == NULL)
			continue;
		snprintf(reason, sizeof(reason), "%s%s%s", kind, what ? ": " :
		    "", what ? what : "");
		LOG_EV("config.reload", log_str("name", name),
		    log_str("change", kind), log_str("keys", what ? what : ""));
		persist_event(d, name, "reload", 0, NULL, reason, "reload");
	}
}

void
reload_note(struct supd *d)
{
	int64_t took = (clk_mono_ns() - d->ho.exec_ns) / 1000;

	if (d->ho.mode == HANDOVER_NONE)
		return;
	d->ho.took_us = took;
	if (d->ho.mode == HANDOVER_RELOAD) {
		/* Removed ones are recorded as recovery stops them. */
		note_kind(d, "added");
		note_kind(d, "restarted");
		note_kind(d, "changed");
	}
	LOG_EV(d->ho.mode == HANDOVER_RELOAD ? "supd.reloaded" :
	    "supd.reexeced", log_num("pid", (int)getpid()),
	    log_num("adopted", d->adopted), log_num("handover_us", took));
	persist_event(d, "supd", d->ho.mode == HANDOVER_RELOAD ? "reload" :
	    "reexec", getpid(), NULL, d->ho.mode == HANDOVER_RELOAD ?
	    "config reloaded" : "re-executed " SUP_VERSION_STRING,
	    d->ho.mode == HANDOVER_RELOAD ? "reload" : "supctl");
}
