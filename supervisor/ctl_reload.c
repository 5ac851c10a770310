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

void
ctl_reload(struct supd *d, ipc_req *r, const struct proto_req *req)
{
	if (!token_answered(d, r, req, HANDOVER_RELOAD))
		ctl_reply(d, r, reload_run(d, req->dry_run, req->token));
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
