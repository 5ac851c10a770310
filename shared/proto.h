/*
 * shared/proto.h — the control protocol between supctl and supd: one
 * module, read by both sides (doc/protocol.md tells the story).
 *
 * Transport: nng req/rep at ipc://RUN/ctl. Each message is one frame
 * (ipc.h: a version byte, type 'J', then a JSON object), built by
 * proto_frame() and read back by proto_unframe() on both sides.
 *
 * A request is {"cmd": C, ...} with C one of enum proto_cmd's names and
 * the fields below. A reply is {"ok": true, ...} or {"ok": false, "code":
 * N, "error": "...", "hint": "..."}, where N is one of enum proto_code:
 * the exit status supctl then uses (DESIGN.md section 5).
 *
 * proto_req_decode() checks a whole request before supd acts on it: the
 * frame, the JSON, the command, the type of every field the command reads.
 * It is a pure function of the bytes (tests/fuzz/ctl.c feeds it anything).
 */
#ifndef SUP_SHARED_PROTO_H
#define SUP_SHARED_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A reply's code, and supctl's exit status (DESIGN.md section 5). */
enum proto_code {
	PROTO_OK = 0,		/* done */
	PROTO_FAILED = 1,	/* failed (or supd refused) */
	PROTO_USAGE = 2,	/* the request itself is wrong */
	PROTO_NOT_RUNNING = 3,	/* no supd on that run dir */
	PROTO_NO_CHILD = 4,	/* no child of that name */
};

enum proto_cmd {
	PROTO_STATUS,
	PROTO_TREE,
	PROTO_START,
	PROTO_STOP,
	PROTO_RESTART,
	PROTO_SIGNAL,
	PROTO_SHUTDOWN,
	PROTO_HISTORY,
	PROTO_VERSION,
	PROTO_RELOAD,
	PROTO_REEXEC,
};

/* Field names of requests and replies. */
#define PROTO_F_CMD "cmd"
#define PROTO_F_NAMES "names"	  /* [NAME...]: status, start, stop... */
#define PROTO_F_SIGNAL "signal"	  /* "HUP", "9": signal */
#define PROTO_F_NOWAIT "nowait"	  /* bool: start, stop, restart */
#define PROTO_F_ROLLING "rolling" /* bool: restart, one at a time */
#define PROTO_F_NAME "name"	  /* NAME: history of one child */
#define PROTO_F_SINCE "since_ms"  /* wall clock ms: history */
#define PROTO_F_LIMIT "limit"	  /* rows: history */
#define PROTO_F_TOKEN "token"	  /* the requester's, echoed: reload, reexec */
#define PROTO_F_DRY_RUN "dry_run" /* bool: reload */
#define PROTO_F_OK "ok"
#define PROTO_F_CODE "code"
#define PROTO_F_ERROR "error"
#define PROTO_F_HINT "hint"

#define PROTO_MAX_REQUEST (64 * 1024)	/* larger: an error reply */
#define PROTO_HARD_MAX (1024 * 1024)	/* larger: nng drops the connection */
#define PROTO_HISTORY_LIMIT 1000	/* rows when a request gives none */
#define PROTO_HISTORY_MAX 100000

/* The command's name on the wire ("status"). */
const char *proto_cmd_name(enum proto_cmd cmd);

/* --- framing: both sides ---------------------------------------------- */

/*
 * o (consumed) as one frame, malloc'd; its length in *len. NULL when out
 * of memory.
 */
char *proto_frame(json_t *o, size_t *len);

/* The JSON object in frame (len bytes), or NULL when it is not one. */
json_t *proto_unframe(const void *frame, size_t len);

/* s as a JSON string; text that is not UTF-8 (a path: bytes) is made
 * printable (utf8.h) instead of failing the whole message; NULL: null. */
json_t *proto_text(const char *s);

/* --- supctl's side ---------------------------------------------------- */

/* {"cmd": cmd}, to add fields to; NULL when out of memory. */
json_t *proto_request(enum proto_cmd cmd);

/*
 * Whether reply r says ok. When not, *code is its code (PROTO_FAILED if
 * it gives none that makes sense), and *error and *hint point into r
 * (NULL when absent).
 */
bool proto_reply_ok(const json_t *r, enum proto_code *code,
    const char **error, const char **hint);

/* --- supd's side ------------------------------------------------------ */

/* {"ok": true}, to add fields to. */
json_t *proto_ok(void);
/* {"ok": false, "code": code, "error": error, "hint": hint (if any)}. */
json_t *proto_error(enum proto_code code, const char *error,
    const char *hint);

struct proto_req {
	json_t *json;	     /* owned: the object; the strings below are in it */
	enum proto_cmd cmd;
	const char **names;  /* owned array of borrowed strings */
	int nnames;
	int sig;	     /* PROTO_SIGNAL: the signal (0: none, a probe) */
	bool nowait;	     /* start, stop, restart: answer at once */
	bool rolling;	     /* restart: one worker at a time, each after
			      * the previous one's replacement is ready */
	const char *name;    /* PROTO_HISTORY: one child's, or NULL */
	int64_t since_ms;    /* PROTO_HISTORY: 0: from the start */
	int limit;	     /* PROTO_HISTORY: 1..PROTO_HISTORY_MAX rows */
	const char *token;   /* PROTO_RELOAD, PROTO_REEXEC: "" when none */
	bool dry_run;	     /* PROTO_RELOAD */
};

/* A reload's or reexec's token is at most this long. */
#define PROTO_TOKEN_MAX 64

/* How a request was refused: the reply's code and whether it counts as
 * malformed (status: bad_requests). */
struct proto_refusal {
	enum proto_code code;
	bool malformed;
	char why[256];
};

/*
 * Decodes frame (len bytes). Returns 0 and fills *req (release it with
 * proto_req_fini()), or -1 and says why in *no. Never reads past len.
 */
int proto_req_decode(const void *frame, size_t len, struct proto_req *req,
    struct proto_refusal *no);
void proto_req_fini(struct proto_req *req);

#endif
