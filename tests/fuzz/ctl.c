/*
 * tests/fuzz/ctl.c — supd's control requests (proto_req_decode): any frame
 * is decoded or refused with a reason and an exit code supctl knows.
 */
#include <string.h>

#include "fuzz.h"
#include "shared/proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_refusal no;
	struct proto_req req;

	if (proto_req_decode(data, size, &req, &no) != 0) {
		FUZZ_CHECK(no.code >= 1 && no.code <= 4);
		FUZZ_CHECK(no.why[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(req.json != NULL && req.cmd <= PROTO_REEXEC);
	FUZZ_CHECK(req.nnames >= 0);
	for (int i = 0; i < req.nnames; i++)
		FUZZ_CHECK(req.names[i] != NULL);
	if (req.cmd == PROTO_START || req.cmd == PROTO_STOP ||
	    req.cmd == PROTO_RESTART || req.cmd == PROTO_SIGNAL)
		FUZZ_CHECK(req.nnames > 0);
	if (req.cmd == PROTO_SIGNAL)
		FUZZ_CHECK(req.sig >= 0 && req.sig < 65);
	if (req.cmd == PROTO_HISTORY)
		FUZZ_CHECK(req.limit >= 1 && req.limit <= 100000);
	if (req.cmd == PROTO_RELOAD || req.cmd == PROTO_REEXEC)
		FUZZ_CHECK(req.token != NULL &&
		    strlen(req.token) <= PROTO_TOKEN_MAX);
	proto_req_fini(&req);
	return 0;
}
