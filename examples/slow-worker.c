/*
 * slow-worker — replying later without blocking (a GenServer that keeps
 * its `from` and answers with sup_reply() when the work is done).
 *
 *   work MS   -> "done MS", MS milliseconds later
 *   ping      -> pong, at once, even while work is pending
 *   pending   -> how many works are in flight
 *
 * The loop is never blocked: each "work" call arms a timer and returns;
 * the timer's handle_info answers the caller it kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup/sup.h"

#define MAX_PENDING 1024

struct pending {
	uint64_t timer;
	sup_from *from;
	long ms;
};

struct slow {
	int64_t done; /* works finished, checkpointed */
};

static struct pending pending[MAX_PENDING];

static const struct sup_field fields[] = {
	SUP_FIELD(struct slow, done, SUP_INT64, SUP_OPTIONAL, "0"),
};

static int
slow_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	char msg[64];

	(void)state;
	snprintf(msg, sizeof(msg), "%.*s", (int)(len < 63 ? len : 63),
	    (const char *)req);
	if (strcmp(msg, "ping") == 0) {
		sup_reply(from, "pong", 4);
		return SUP_RET_OK;
	}
	if (strcmp(msg, "pending") == 0) {
		char out[16];
		int n = 0;
		for (int i = 0; i < MAX_PENDING; i++)
			n += pending[i].from != NULL;
		n = snprintf(out, sizeof(out), "%d", n);
		sup_reply(from, out, (size_t)n);
		return SUP_RET_OK;
	}
	if (strncmp(msg, "work ", 5) != 0) {
		sup_reply_error(from, "expected work MS, ping or pending");
		return SUP_RET_OK;
	}
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i].from == NULL) {
			pending[i].ms = atol(msg + 5);
			pending[i].from = from; /* answered later */
			pending[i].timer = sup_send_after(w, pending[i].ms,
			    "work");
			return SUP_RET_OK;
		}
	sup_reply_error(from, "busy: too much work pending");
	return SUP_RET_OK;
}

static int
slow_info(sup_worker *w, void *state, const struct sup_info *info)
{
	struct slow *s = state;
	char out[64];

	(void)w;
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i].from != NULL && pending[i].timer == info->timer) {
			int n = snprintf(out, sizeof(out), "done %ld",
			    pending[i].ms);
			sup_reply(pending[i].from, out, (size_t)n);
			pending[i].from = NULL;
			s->done++;
		}
	return SUP_RET_OK;
}

static const struct sup_ops ops = {
	.name = "slow",
	.state_size = sizeof(struct slow),
	.fields = fields,
	.nfields = 1,
	.checkpoint = 1000, /* at most once a second */
	.handle_call = slow_call,
	.handle_info = slow_info,
};

int
main(int argc, char **argv)
{
	return sup_worker_main(&ops, argc, argv);
}
