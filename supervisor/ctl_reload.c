/*
 * supervisor/ctl_reload.c — supctl reload [--dry-run] and supctl reexec.
 *
 * Both end in an exec of supd (reload.h), which cuts the request's
 * connection: no reply comes from the old image. supctl sends the same
 * request again, with the same token, to the new image, which answers
 * with the result it was handed instead of acting twice. A token it does
 * not know is a new request (one lost in another's exec included).
 */
#include <string.h>
#include <unistd.h>

#include "sup/sup.h"
#include "ctl.h"
#include "effects.h"
#include "reload.h"

/* The token's request was carried out by the image before this one. */
static bool
token_answered(struct supd *d, ipc_req *r, const struct proto_req *req,
    enum handover_mode mode)
{
	json_t *o;

	if (req->token[0] == '\0' || d->ho.mode != mode ||
	    strcmp(req->token, d->ho.token) != 0)
		return false;
	o = d->ho.result != NULL ? json_deep_copy(d->ho.result) : NULL;
	if (o == NULL)
		o = json_object();
	json_object_set_new(o, PROTO_F_OK, json_true());
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "version", json_string(SUP_VERSION_STRING));
	json_object_set_new(o, "adopted", json_integer(d->adopted));
	json_object_set_new(o, "handover_us", json_integer(d->ho.took_us));
	ctl_reply(d, r, o);
	return true;
}

/* The config file's errors, every one, with exit status 2. */
static void
reply_config_errors(struct supd *d, ipc_req *r, json_t *errors)
{
	char msg[512];
	size_t n = json_array_size(errors);
	json_t *o;

	snprintf(msg, sizeof(msg), "%zu error%s in %s; nothing changed", n,
	    n == 1 ? "" : "s", d->cfg_path);
	o = proto_error(PROTO_USAGE, msg, NULL);
	json_object_set_new(o, "errors", errors);
	ctl_reply(d, r, o);
}

static bool
same_text(const struct sup_config *a, const struct sup_config *b)
{
	return a->text_len == b->text_len && memcmp(a->text, b->text,
	    a->text_len) == 0;
}

void
ctl_reload(struct supd *d, ipc_req *r, const struct proto_req *req)
{
	struct sup_config *c = NULL;
	struct cfg_diff diff;
	json_t *errors, *o;
	char why[512];
	sup_err e;

	if (token_answered(d, r, req, HANDOVER_RELOAD))
		return;
	if (effects_shutting_down(d)) {
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "supd is stopping: "
		    "nothing to reload");
		return;
	}
	/* systemd's notify-reload: RELOADING=1 now, READY=1 when over,
	 * from this image when nothing is applied, else from the next. */
	if (!req->dry_run)
		manager_reloading(&d->mgr);
	e = reload_check(d, &c, &diff, &errors);
	if (e != SUP_OK) {
		if (!req->dry_run)
			manager_ready(&d->mgr);
		if (e == SUP_EINVAL)
			reply_config_errors(d, r, errors);
		else
			ctl_reply_error(d, r, PROTO_FAILED, NULL, "cannot "
			    "reload: %s", sup_strerror(e));
		return;
	}
	if (diff.refused[0] != '\0')
		ctl_reply_error(d, r, PROTO_USAGE, NULL, "%s", diff.refused);
	else if ((o = json_pack("{s:b, s:b, s:b, s:o}", PROTO_F_OK, 1,
	    "dry_run", req->dry_run, "unchanged", diff.n == 0 &&
	    same_text(c, d->cfg), "diff", cfg_diff_json(&diff))) == NULL)
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "out of memory");
	else if (req->dry_run || json_is_true(json_object_get(o,
	    "unchanged")))
		ctl_reply(d, r, o);
	else {
		/* Returns only when it could not. */
		supd_reexec(d, HANDOVER_RELOAD, req->token, c, o, why,
		    sizeof(why));
		json_decref(o);
		ctl_reply_error(d, r, PROTO_FAILED, NULL, "cannot reload: %s",
		    why);
	}
	if (!req->dry_run)
		manager_ready(&d->mgr);
	cfg_diff_fini(&diff);
	cfg_free(c);
}

void
ctl_reexec(struct supd *d, ipc_req *r, const struct proto_req *req)
{
	json_t *o;
	char why[512];

	if (token_answered(d, r, req, HANDOVER_REEXEC))
		return;
	o = json_pack("{s:s}", "from_version", SUP_VERSION_STRING);
	supd_reexec(d, HANDOVER_REEXEC, req->token, NULL, o, why,
	    sizeof(why));
	json_decref(o);
	ctl_reply_error(d, r, PROTO_FAILED, NULL, "cannot re-exec: %s", why);
}
