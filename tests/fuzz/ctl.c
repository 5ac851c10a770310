/*
 * tests/fuzz/ctl.c — supd's control requests (ctl_req_decode): any frame
 * is decoded or refused with a reason and an exit code supctl knows.
 */
#include "fuzz.h"
#include "supervisor/ctl_proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_refusal no;
	struct ctl_req req;

	if (ctl_req_decode(data, size, &req, &no) != 0) {
		FUZZ_CHECK(no.code >= 1 && no.code <= 4);
		FUZZ_CHECK(no.why[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(req.json != NULL && req.cmd <= CTL_VERSION);
	FUZZ_CHECK(req.nnames >= 0);
	for (int i = 0; i < req.nnames; i++)
		FUZZ_CHECK(req.names[i] != NULL);
	if (req.cmd == CTL_START || req.cmd == CTL_STOP ||
	    req.cmd == CTL_RESTART || req.cmd == CTL_SIGNAL)
		FUZZ_CHECK(req.nnames > 0);
	if (req.cmd == CTL_SIGNAL)
		FUZZ_CHECK(req.sig >= 0 && req.sig < 65);
	if (req.cmd == CTL_HISTORY)
		FUZZ_CHECK(req.limit >= 1 && req.limit <= 100000);
	ctl_req_fini(&req);
	return 0;
}
