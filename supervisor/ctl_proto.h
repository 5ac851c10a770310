/*
 * supervisor/ctl_proto.h — supd's control requests, decoded.
 *
 * A request is one frame (ipc.h: version, type 'J', then a JSON object):
 *   {"cmd": C, "names": [NAME...], "signal": "HUP", "nowait": bool,
 *    "name": NAME, "since_ms": N, "limit": N}
 * with C one of the commands below. ctl_req_decode() checks all of it
 * before anything acts: the frame, the JSON, the command, the type of
 * every field the command reads (names an array of strings, given when
 * the command needs them; a signal that is one). It is a pure function
 * of the bytes: the control server (ctl.c) resolves names and acts, and
 * the fuzzer (tests/fuzz/) feeds it anything.
 */
#ifndef SUPD_CTL_PROTO_H
#define SUPD_CTL_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ctl_cmd {
	CTL_STATUS,
	CTL_TREE,
	CTL_START,
	CTL_STOP,
	CTL_RESTART,
	CTL_SIGNAL,
	CTL_SHUTDOWN,
	CTL_HISTORY,
	CTL_VERSION,
};

struct ctl_req {
	json_t *json;	     /* owned: the object; the strings below are in it */
	enum ctl_cmd cmd;
	const char **names;  /* owned array of borrowed strings */
	int nnames;
	int sig;	     /* CTL_SIGNAL: the signal (0: none, a probe) */
	bool nowait;	     /* start, stop, restart: answer at once */
	const char *name;    /* CTL_HISTORY: one child's, or NULL */
	int64_t since_ms;    /* CTL_HISTORY: 0: from the start */
	int limit;	     /* CTL_HISTORY: rows, 1..100000 (default 1000) */
};

/* How a request was refused: the reply's code (the exit status supctl
 * uses) and whether it counts as malformed (status: bad_requests). */
struct ctl_refusal {
	int code;
	bool malformed;
	char why[256];
};

/*
 * Decodes frame (len bytes). Returns 0 and fills *req (release it with
 * ctl_req_fini()), or -1 and says why in *no. Never reads past len.
 */
int ctl_req_decode(const void *frame, size_t len, struct ctl_req *req,
    struct ctl_refusal *no);
void ctl_req_fini(struct ctl_req *req);

#endif
