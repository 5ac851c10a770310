/*
 * worker/frame.c — what a worker receives, decoded (wrk.h: wrk_frame).
 *
 * A request is a frame: the protocol version, a type (WRK_CALL, WRK_CAST,
 * WRK_SYS), then the payload, at most SUP_MAX_MSG bytes. Anything else
 * is refused with a reason, never acted on. A pure function of the
 * bytes, so that the fuzzer (tests/fuzz/) can feed it anything.
 */
#include <stdio.h>
#include <string.h>

#include "ipc/ipc.h"
#include "wrk.h"

static int
refuse(struct wrk_frame *m, const char *why)
{
	m->kind = WRK_BAD;
	m->why = why;
	return -1;
}

int
wrk_frame_decode(const void *frame, size_t len, struct wrk_frame *m)
{
	const unsigned char *f = frame;

	memset(m, 0, sizeof(*m));
	if (len < 2 || f[0] != IPC_VERSION)
		return refuse(m, "malformed message: bad frame header");
	if (len - 2 > SUP_MAX_MSG)
		return refuse(m, "message too big");
	m->body = f + 2;
	m->len = len - 2;
	switch (f[1]) {
	case WRK_CALL:
		m->kind = WRK_CALL;
		return 0;
	case WRK_CAST:
		m->kind = WRK_CAST;
		return 0;
	case WRK_SYS:
		if (m->len == 4 && memcmp(m->body, "ping", 4) == 0)
			m->kind = WRK_SYS_PING;
		else if (m->len == 6 && memcmp(m->body, "status", 6) == 0)
			m->kind = WRK_SYS_STATUS;
		else
			return refuse(m, "unknown runtime command");
		return 0;
	default:
		return refuse(m, "malformed message: unknown type");
	}
}

/* The first word of a text request ("get" of "get user:1"), or "call". */
void
wrk_message_type(const void *req, size_t len, char *out, size_t n)
{
	const char *r = req;
	size_t i = 0;

	while (i < len && i + 1 < n && i < 24 && ((r[i] >= 'a' && r[i] <= 'z')
	    || (r[i] >= 'A' && r[i] <= 'Z') || (r[i] >= '0' && r[i] <= '9') ||
	    r[i] == '_' || r[i] == '-' || r[i] == '.')) {
		out[i] = r[i];
		i++;
	}
	out[i] = '\0';
	if (i == 0 || (i < len && r[i] != ' ' && r[i] != '\n'))
		snprintf(out, n, "call");
}
