/*
 * supervisor/ctl_proto.c — decoding supd's control requests (ctl_proto.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sig.h"
#include "ctl_proto.h"
#include "ipc/ipc.h"

static const char *const cmds[] = {
	[CTL_STATUS] = "status", [CTL_TREE] = "tree", [CTL_START] = "start",
	[CTL_STOP] = "stop", [CTL_RESTART] = "restart",
	[CTL_SIGNAL] = "signal", [CTL_SHUTDOWN] = "shutdown",
	[CTL_HISTORY] = "history", [CTL_VERSION] = "version",
};

static int
refuse(struct ctl_refusal *no, int code, bool malformed, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
refuse(struct ctl_refusal *no, int code, bool malformed, const char *fmt,
    ...)
{
	va_list ap;

	no->code = code;
	no->malformed = malformed;
	va_start(ap, fmt);
	vsnprintf(no->why, sizeof(no->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int
cmd_parse(const char *s, enum ctl_cmd *cmd)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(s, cmds[i]) == 0) {
			*cmd = (enum ctl_cmd)i;
			return 0;
		}
	return -1;
}

/* "names": an array of strings; required by the commands that act. */
static int
names_decode(struct ctl_req *req, struct ctl_refusal *no)
{
	json_t *names = json_object_get(req->json, "names"), *v;
	bool required = req->cmd == CTL_START || req->cmd == CTL_STOP ||
	    req->cmd == CTL_RESTART || req->cmd == CTL_SIGNAL;
	size_t i, n;

	if (names != NULL && !json_is_array(names))
		return refuse(no, 2, false, "\"names\" must be an array of "
		    "names");
	n = json_array_size(names);
	if (required && n == 0)
		return refuse(no, 2, false, "which child? give a name");
	if (n > 100000)
		return refuse(no, 2, false, "too many names");
	if ((req->names = calloc(n + 1, sizeof(*req->names))) == NULL)
		return refuse(no, 1, false, "supd is out of memory");
	json_array_foreach(names, i, v) {
		if ((req->names[i] = json_string_value(v)) == NULL)
			return refuse(no, 2, false, "names must be strings");
	}
	req->nnames = (int)n;
	return 0;
}

static int
fields_decode(struct ctl_req *req, struct ctl_refusal *no)
{
	json_t *j = req->json, *v;
	const char *s;

	req->nowait = json_is_true(json_object_get(j, "nowait"));
	if (req->cmd == CTL_SIGNAL) {
		s = json_string_value(json_object_get(j, "signal"));
		if (s == NULL || (req->sig = sig_parse(s)) < 0)
			return refuse(no, 2, false, "\"%.40s\" is not a signal "
			    "(like HUP, TERM, USR1 or a number)", s ? s : "");
	}
	if (req->cmd == CTL_HISTORY) {
		v = json_object_get(j, "name");
		if (v != NULL && !json_is_string(v))
			return refuse(no, 2, false, "\"name\" must be a name");
		req->name = json_string_value(v);
		req->since_ms = json_integer_value(json_object_get(j,
		    "since_ms"));
		json_int_t lim = json_integer_value(json_object_get(j,
		    "limit"));
		req->limit = lim > 0 && lim <= 100000 ? (int)lim : 1000;
	}
	return 0;
}

static int
decode(const void *frame, size_t len, struct ctl_req *req,
    struct ctl_refusal *no)
{
	const char *cmd;
	const void *body;
	size_t blen;

	memset(req, 0, sizeof(*req));
	if (ipc_frame_check(frame, len, IPC_TYPE_JSON, &body, &blen) != 0)
		return refuse(no, 2, true, "malformed request: bad frame "
		    "header (version or type)");
	req->json = json_loadb(body, blen, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(req->json))
		return refuse(no, 2, true, "malformed request: not a JSON "
		    "object");
	if ((cmd = json_string_value(json_object_get(req->json, "cmd"))) ==
	    NULL)
		return refuse(no, 2, false, "malformed request: no \"cmd\"");
	if (cmd_parse(cmd, &req->cmd) != 0)
		return refuse(no, 2, false, "unknown command \"%.40s\"", cmd);
	if (names_decode(req, no) != 0 || fields_decode(req, no) != 0)
		return -1;
	return 0;
}

int
ctl_req_decode(const void *frame, size_t len, struct ctl_req *req,
    struct ctl_refusal *no)
{
	int rc = decode(frame, len, req, no);

	if (rc != 0)
		ctl_req_fini(req);
	return rc;
}

void
ctl_req_fini(struct ctl_req *req)
{
	free(req->names);
	json_decref(req->json);
	memset(req, 0, sizeof(*req));
}
