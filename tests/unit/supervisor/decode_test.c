/*
 * tests/unit/supervisor/decode_test.c — what supd decodes from outside:
 * control requests (ctl_proto.h), sd_notify datagrams (sdnotify.h) and
 * a worker's telemetry (relay.h). The fuzzers (tests/fuzz/) feed them
 * anything; these pin what each must say.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc.h"
#include "supervisor/ctl_proto.h"
#include "supervisor/relay.h"
#include "supervisor/sdnotify.h"

TestSuite(supd_decode);

/* A control frame around json. */
static int
decode(const char *json, struct ctl_req *req, struct ctl_refusal *no)
{
	char frame[1024];
	size_t n = strlen(json);

	frame[0] = IPC_VERSION;
	frame[1] = IPC_TYPE_JSON;
	memcpy(frame + 2, json, n);
	return ctl_req_decode(frame, n + 2, req, no);
}

static void
refused(const char *json, int code, bool malformed, const char *why)
{
	struct ctl_refusal no;
	struct ctl_req req;

	cr_assert_eq(decode(json, &req, &no), -1, "%s was taken", json);
	cr_assert_eq(no.code, code, "%s: code %d", json, no.code);
	cr_assert_eq(no.malformed, malformed, "%s", json);
	cr_assert(strstr(no.why, why) != NULL, "%s: %s", json, no.why);
	cr_assert_null(req.json);
}

Test(supd_decode, control_requests_are_decoded_whole)
{
	struct ctl_refusal no;
	struct ctl_req req;

	cr_assert_eq(decode("{\"cmd\":\"signal\",\"names\":[\"kv\",\"db\"],"
	    "\"signal\":\"HUP\"}", &req, &no), 0, "%s", no.why);
	cr_assert_eq(req.cmd, CTL_SIGNAL);
	cr_assert_eq(req.nnames, 2);
	cr_assert_str_eq(req.names[1], "db");
	cr_assert_eq(req.sig, SIGHUP);
	ctl_req_fini(&req);
	cr_assert_eq(decode("{\"cmd\":\"history\",\"name\":\"kv\","
	    "\"limit\":999999}", &req, &no), 0);
	cr_assert_str_eq(req.name, "kv");
	cr_assert_eq(req.limit, 1000, "a limit out of range is the default");
	ctl_req_fini(&req);
	cr_assert_eq(decode("{\"cmd\":\"stop\",\"names\":[\"kv\"],"
	    "\"nowait\":true}", &req, &no), 0);
	cr_assert(req.nowait);
	ctl_req_fini(&req);
}

Test(supd_decode, control_requests_are_refused_with_a_reason)
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

Test(supd_decode, a_frame_of_another_version_or_type_is_malformed)
{
	struct ctl_refusal no;
	struct ctl_req req;
	char bad[] = {9, IPC_TYPE_JSON, '{', '}'};

	cr_assert_eq(ctl_req_decode(bad, sizeof(bad), &req, &no), -1);
	cr_assert(no.malformed);
	cr_assert_eq(ctl_req_decode(bad, 1, &req, &no), -1);
	bad[0] = IPC_VERSION;
	bad[1] = 'X';
	cr_assert_eq(ctl_req_decode(bad, sizeof(bad), &req, &no), -1);
}

Test(supd_decode, a_datagram_says_ready_status_and_stopping)
{
	static const char d[] = "STATUS=loading\nREADY=1\nFOO=bar\n"
	    "STATUS=ready\nSUP_STATUS=degraded\nSTOPPING=1";
	struct sdn_msg m;

	cr_assert_eq(sdn_parse(d, sizeof(d) - 1, &m), 0);
	cr_assert(m.ready && m.stopping && m.has_status);
	cr_assert_str_eq(m.status, "ready", "the later line wins");
	cr_assert_str_eq(m.sup_status, "degraded");
}

Test(supd_decode, a_datagram_with_a_nul_is_refused_whole)
{
	static const char d[] = "READY=1\0STOPPING=1";
	struct sdn_msg m;

	cr_assert_eq(sdn_parse(d, sizeof(d) - 1, &m), -1);
}

Test(supd_decode, only_exact_values_count)
{
	static const char d[] = "READY=11\nSUP_STATUS=readyish\nREADY\n"
	    "STATUS=\xff\x01ok";
	struct sdn_msg m;

	cr_assert_eq(sdn_parse(d, sizeof(d) - 1, &m), 0);
	cr_assert_not(m.ready);
	cr_assert_str_eq(m.sup_status, "");
	cr_assert_str_eq(m.status, "??ok", "not UTF-8, made printable");
}

Test(supd_decode, telemetry_is_relayed_under_the_senders_name)
{
	static const char msg[] = "kv {\"src\":\"kv\",\"seq\":1}\n"
	    "garbage\nkv.1 {\"seq\":2}\n";
	char *out = NULL;
	size_t n;
	int bad;

	cr_assert_eq(relay_rewrite("liar", msg, sizeof(msg) - 1, &out, &n,
	    &bad), 0);
	cr_assert_eq(bad, 1);
	cr_assert_str_eq(out, "liar {\"src\":\"liar\",\"seq\":1}\n"
	    "liar {\"seq\":2,\"src\":\"liar\"}\n");
	free(out);
	cr_assert_eq(relay_rewrite("liar", "x\ny", 3, &out, &n, &bad), -1);
	cr_assert_eq(bad, 2);
	cr_assert_null(out);
}
