/*
 * shared/proto.c — the control protocol (proto.h): command names,
 * framing, replies, and the decoding of a request.
 *
 * Sections: names; framing; supctl's side; supd's side.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sig.h"
#include "common/utf8.h"
#include "ipc/ipc.h"
#include "proto.h"

static const char *const cmds[] = {
	[PROTO_STATUS] = "status", [PROTO_TREE] = "tree",
	[PROTO_START] = "start", [PROTO_STOP] = "stop",
	[PROTO_RESTART] = "restart", [PROTO_SIGNAL] = "signal",
	[PROTO_SHUTDOWN] = "shutdown", [PROTO_HISTORY] = "history",
	[PROTO_VERSION] = "version", [PROTO_RELOAD] = "reload",
	[PROTO_REEXEC] = "reexec",
};

const char *
proto_cmd_name(enum proto_cmd cmd)
{
	return (size_t)cmd < sizeof(cmds) / sizeof(cmds[0]) ? cmds[cmd] : "?";
}

/* --- framing ------------------------------------------------------------ */

char *
proto_frame(json_t *o, size_t *len)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL, *frame;
	size_t n = text != NULL ? strlen(text) : 0;

	json_decref(o);
	if (text == NULL || (frame = malloc(n + 2)) == NULL) {
		free(text);
		return NULL;
	}
	frame[0] = IPC_VERSION;
	frame[1] = IPC_TYPE_JSON;
	memcpy(frame + 2, text, n);
	free(text);
	*len = n + 2;
	return frame;
}

json_t *
proto_unframe(const void *frame, size_t len)
{
	const void *body;
	size_t blen;
	json_t *o;

	if (ipc_frame_check(frame, len, IPC_TYPE_JSON, &body, &blen) != 0)
		return NULL;
	o = json_loadb(body, blen, JSON_REJECT_DUPLICATES, NULL);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
proto_text(const char *s)
{
	size_t n = s != NULL ? strlen(s) + 1 : 0;
	char *clean;
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* Not UTF-8 (a path, a reason quoting one): made printable, never
	 * longer than it was. */
	if ((clean = malloc(n)) == NULL)
		return json_null();
	j = json_string(utf8_clean(clean, n, s));
	free(clean);
	return j != NULL ? j : json_null();
}

/* --- supctl's side ----------------------------------------------------- */

json_t *
proto_request(enum proto_cmd cmd)
{
	return json_pack("{s:s}", PROTO_F_CMD, proto_cmd_name(cmd));
}

bool
proto_reply_ok(const json_t *r, enum proto_code *code, const char **error,
    const char **hint)
{
	json_int_t c;

	if (json_is_true(json_object_get(r, PROTO_F_OK)))
		return true;
	c = json_integer_value(json_object_get(r, PROTO_F_CODE));
	*code = c > PROTO_OK && c <= PROTO_NO_CHILD ? (enum proto_code)c :
	    PROTO_FAILED;
	*error = json_string_value(json_object_get(r, PROTO_F_ERROR));
	*hint = json_string_value(json_object_get(r, PROTO_F_HINT));
	return false;
}

/* --- supd's side ------------------------------------------------------- */

json_t *
proto_ok(void)
{
	return json_pack("{s:b}", PROTO_F_OK, 1);
}

json_t *
proto_error(enum proto_code code, const char *error, const char *hint)
{
	json_t *o = json_pack("{s:b, s:i, s:o}", PROTO_F_OK, 0, PROTO_F_CODE,
	    (int)code, PROTO_F_ERROR, proto_text(error));

	if (o != NULL && hint != NULL)
		json_object_set_new(o, PROTO_F_HINT, proto_text(hint));
	return o;
}

/* A wrong request: PROTO_USAGE, malformed or not. Returns -1. */
static int
refuse(struct proto_refusal *no, bool malformed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(struct proto_refusal *no, bool malformed, const char *fmt, ...)
{
	va_list ap;

	no->code = PROTO_USAGE;
	no->malformed = malformed;
	va_start(ap, fmt);
	vsnprintf(no->why, sizeof(no->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int
oom(struct proto_refusal *no)
{
	no->code = PROTO_FAILED;
	no->malformed = false;
	snprintf(no->why, sizeof(no->why), "supd is out of memory");
	return -1;
}

static int
cmd_parse(const char *s, enum proto_cmd *cmd)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(s, cmds[i]) == 0) {
			*cmd = (enum proto_cmd)i;
			return 0;
		}
	return -1;
}

/* "names": an array of strings; required by the commands that act. */
static int
names_decode(struct proto_req *req, struct proto_refusal *no)
{
	json_t *names = json_object_get(req->json, PROTO_F_NAMES), *v;
	bool required = req->cmd == PROTO_START || req->cmd == PROTO_STOP ||
	    req->cmd == PROTO_RESTART || req->cmd == PROTO_SIGNAL;
	size_t i, n;

	if (names != NULL && !json_is_array(names))
		return refuse(no, false, "\"names\" must be an array of "
		    "names");
	n = json_array_size(names);
	if (required && n == 0)
		return refuse(no, false, "which child? give a name");
	if (n > PROTO_HISTORY_MAX)
		return refuse(no, false, "too many names");
	if ((req->names = calloc(n + 1, sizeof(*req->names))) == NULL)
		return oom(no);
	json_array_foreach(names, i, v) {
		if ((req->names[i] = json_string_value(v)) == NULL)
			return refuse(no, false, "names must be strings");
	}
	req->nnames = (int)n;
	return 0;
}

static int
fields_decode(struct proto_req *req, struct proto_refusal *no)
{
	json_t *j = req->json, *v;
	const char *s;

	req->nowait = json_is_true(json_object_get(j, PROTO_F_NOWAIT));
	req->rolling = req->cmd == PROTO_RESTART &&
	    json_is_true(json_object_get(j, PROTO_F_ROLLING));
	if (req->cmd == PROTO_SIGNAL) {
		s = json_string_value(json_object_get(j, PROTO_F_SIGNAL));
		/* 0 sends nothing: a probe that the process is there, as
		 * kill -0 is. */
		if (s != NULL && strcmp(s, "0") == 0)
			req->sig = 0;
		else if (s == NULL || (req->sig = sig_parse(s)) < 0)
			return refuse(no, false, "\"%.40s\" is not a signal "
			    "(like HUP, TERM, USR1, a number, or 0 to probe)",
			    s ? s : "");
	}
	if (req->cmd == PROTO_HISTORY) {
		v = json_object_get(j, PROTO_F_NAME);
		if (v != NULL && !json_is_string(v))
			return refuse(no, false, "\"name\" must be a name");
		req->name = json_string_value(v);
		req->since_ms = json_integer_value(json_object_get(j,
		    PROTO_F_SINCE));
		json_int_t lim = json_integer_value(json_object_get(j,
		    PROTO_F_LIMIT));
		req->limit = lim > 0 && lim <= PROTO_HISTORY_MAX ? (int)lim :
		    PROTO_HISTORY_LIMIT;
	}
	if (req->cmd == PROTO_RELOAD || req->cmd == PROTO_REEXEC) {
		v = json_object_get(j, PROTO_F_TOKEN);
		req->token = v != NULL ? json_string_value(v) : "";
		if (req->token == NULL || strlen(req->token) > PROTO_TOKEN_MAX)
			return refuse(no, false, "\"token\" must be a string "
			    "of at most %d bytes", PROTO_TOKEN_MAX);
		req->dry_run = json_is_true(json_object_get(j,
		    PROTO_F_DRY_RUN));
	}
	return 0;
}

static int
decode(const void *frame, size_t len, struct proto_req *req,
    struct proto_refusal *no)
{
	const char *cmd;
	const void *body;
	size_t blen;

	memset(req, 0, sizeof(*req));
	if (ipc_frame_check(frame, len, IPC_TYPE_JSON, &body, &blen) != 0)
		return refuse(no, true, "malformed request: bad "
		    "frame header (version or type)");
	if ((req->json = proto_unframe(frame, len)) == NULL)
		return refuse(no, true, "malformed request: not a "
		    "JSON object");
	cmd = json_string_value(json_object_get(req->json, PROTO_F_CMD));
	if (cmd == NULL)
		return refuse(no, false, "malformed request: no "
		    "\"cmd\"");
	if (cmd_parse(cmd, &req->cmd) != 0)
		return refuse(no, false, "unknown command "
		    "\"%.40s\"", cmd);
	if (names_decode(req, no) != 0 || fields_decode(req, no) != 0)
		return -1;
	return 0;
}

int
proto_req_decode(const void *frame, size_t len, struct proto_req *req,
    struct proto_refusal *no)
{
	int rc = decode(frame, len, req, no);

	if (rc != 0)
		proto_req_fini(req);
	return rc;
}

void
proto_req_fini(struct proto_req *req)
{
	free(req->names);
	json_decref(req->json);
	memset(req, 0, sizeof(*req));
}
