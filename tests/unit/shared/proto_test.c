/*
 * tests/unit/shared/proto_test.c — the control protocol (proto.h): a
 * request as supctl builds it is what supd decodes; a request supd must
 * refuse says why; replies carry their code both ways.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc.h"
#include "shared/proto.h"

TestSuite(shared_proto);

/* A control frame around json. */
static int
decode(const char *json, struct proto_req *req, struct proto_refusal *no)
{
	char frame[1024];
	size_t n = strlen(json);

	frame[0] = IPC_VERSION;
	frame[1] = IPC_TYPE_JSON;
	memcpy(frame + 2, json, n);
	return proto_req_decode(frame, n + 2, req, no);
}

static void
refused(const char *json, int code, bool malformed, const char *why)
{
	struct proto_refusal no;
	struct proto_req req;

	cr_assert_eq(decode(json, &req, &no), -1, "%s was taken", json);
	cr_assert_eq(no.code, code, "%s: code %d", json, no.code);
	cr_assert_eq(no.malformed, malformed, "%s", json);
	cr_assert(strstr(no.why, why) != NULL, "%s: %s", json, no.why);
	cr_assert_null(req.json);
}

Test(shared_proto, control_requests_are_decoded_whole)
{
	struct proto_refusal no;
	struct proto_req req;

	cr_assert_eq(decode("{\"cmd\":\"signal\",\"names\":[\"kv\",\"db\"],"
	    "\"signal\":\"HUP\"}", &req, &no), 0, "%s", no.why);
	cr_assert_eq(req.cmd, PROTO_SIGNAL);
	cr_assert_eq(req.nnames, 2);
	cr_assert_str_eq(req.names[1], "db");
	cr_assert_eq(req.sig, SIGHUP);
	proto_req_fini(&req);
	cr_assert_eq(decode("{\"cmd\":\"signal\",\"names\":[\"kv\"],"
	    "\"signal\":\"0\"}", &req, &no), 0, "0 is a probe: %s", no.why);
	cr_assert_eq(req.sig, 0);
	proto_req_fini(&req);
	cr_assert_eq(decode("{\"cmd\":\"history\",\"name\":\"kv\","
	    "\"limit\":999999}", &req, &no), 0);
	cr_assert_str_eq(req.name, "kv");
	cr_assert_eq(req.limit, 1000, "a limit out of range is the default");
	proto_req_fini(&req);
	cr_assert_eq(decode("{\"cmd\":\"stop\",\"names\":[\"kv\"],"
	    "\"nowait\":true}", &req, &no), 0);
	cr_assert(req.nowait);
	proto_req_fini(&req);
}

Test(shared_proto, control_requests_are_refused_with_a_reason)
{
	refused("[1,2]", 2, true, "not a JSON object");
	refused("{\"cmd\":\"status\",\"cmd\":\"tree\"}", 2, true,
	    "not a JSON object");
	refused("{\"names\":[]}", 2, false, "no \"cmd\"");
	refused("{\"cmd\":\"selfdestruct\"}", 2, false, "unknown command");
	refused("{\"cmd\":\"stop\",\"names\":\"kv\"}", 2, false,
	    "must be an array");
	refused("{\"cmd\":\"stop\",\"names\":[]}", 2, false, "which child");
	refused("{\"cmd\":\"stop\",\"names\":[1]}", 2, false,
	    "names must be strings");
	refused("{\"cmd\":\"signal\",\"names\":[\"kv\"],\"signal\":\"NOPE\"}",
	    2, false, "is not a signal");
	refused("{\"cmd\":\"history\",\"name\":7}", 2, false, "must be a name");
}

Test(shared_proto, a_frame_of_another_version_or_type_is_malformed)
{
	struct proto_refusal no;
	struct proto_req req;
	char bad[] = {9, IPC_TYPE_JSON, '{', '}'};

	cr_assert_eq(proto_req_decode(bad, sizeof(bad), &req, &no), -1);
	cr_assert(no.malformed);
	cr_assert_eq(proto_req_decode(bad, 1, &req, &no), -1);
	bad[0] = IPC_VERSION;
	bad[1] = 'X';
	cr_assert_eq(proto_req_decode(bad, sizeof(bad), &req, &no), -1);
}

Test(shared_proto, a_request_supctl_frames_is_what_supd_decodes)
{
	json_t *r = proto_request(PROTO_RESTART), *a = json_array();
	struct proto_refusal no;
	struct proto_req req;
	size_t len;
	char *frame;

	json_array_append_new(a, json_string("kv"));
	json_object_set_new(r, PROTO_F_NAMES, a);
	json_object_set_new(r, PROTO_F_NOWAIT, json_true());
	cr_assert_not_null(frame = proto_frame(r, &len));
	cr_assert_eq(proto_req_decode(frame, len, &req, &no), 0, "%s", no.why);
	cr_assert_eq(req.cmd, PROTO_RESTART);
	cr_assert_eq(req.nnames, 1);
	cr_assert_str_eq(req.names[0], "kv");
	cr_assert(req.nowait);
	proto_req_fini(&req);
	free(frame);
}

Test(shared_proto, every_command_has_its_own_name)
{
	for (int i = PROTO_STATUS; i <= PROTO_VERSION; i++)
		for (int j = i + 1; j <= PROTO_VERSION; j++)
			cr_assert_str_neq(proto_cmd_name(i), proto_cmd_name(j));
	cr_assert_str_eq(proto_cmd_name(PROTO_SHUTDOWN), "shutdown");
}

Test(shared_proto, an_error_reply_carries_its_code_and_hint_back)
{
	enum proto_code code = PROTO_OK;
	const char *err = NULL, *hint = NULL;
	size_t len;
	char *frame = proto_frame(proto_error(PROTO_NO_CHILD,
	    "no such child: kb", "kv"), &len);
	json_t *r = proto_unframe(frame, len);

	cr_assert_not_null(r);
	cr_assert_not(proto_reply_ok(r, &code, &err, &hint));
	cr_assert_eq(code, PROTO_NO_CHILD);
	cr_assert_str_eq(err, "no such child: kb");
	cr_assert_str_eq(hint, "kv");
	json_decref(r);
	free(frame);
	frame = proto_frame(proto_ok(), &len);
	r = proto_unframe(frame, len);
	cr_assert(proto_reply_ok(r, &code, &err, &hint));
	json_decref(r);
	free(frame);
}

Test(shared_proto, a_reply_with_a_code_out_of_range_is_a_failure)
{
	enum proto_code code = PROTO_OK;
	const char *err, *hint;
	json_t *r = json_pack("{s:b, s:i}", "ok", 0, "code", 77);

	cr_assert_not(proto_reply_ok(r, &code, &err, &hint));
	cr_assert_eq(code, PROTO_FAILED);
	cr_assert_null(err);
	json_decref(r);
}

Test(shared_proto, text_that_is_not_utf8_is_sent_printable)
{
	json_t *j = proto_text("/tmp/\xff\xfe/run");

	cr_assert(json_is_string(j));
	cr_assert_null(strchr(json_string_value(j), '\xff'));
	json_decref(j);
	j = proto_text(NULL);
	cr_assert(json_is_null(j));
}

Test(shared_proto, a_frame_that_is_not_an_object_is_nothing)
{
	char arr[] = {IPC_VERSION, IPC_TYPE_JSON, '[', ']'};
	char bad[] = {IPC_VERSION, 'X', '{', '}'};

	cr_assert_null(proto_unframe(arr, sizeof(arr)));
	cr_assert_null(proto_unframe(bad, sizeof(bad)));
	cr_assert_null(proto_unframe(arr, 1));
}
