/*
 * slow-worker — compute-heavy calls offloaded to task threads
 * (sup_task_start), so that the worker keeps serving while they run.
 *
 *   work MS   -> "done MS", after MS milliseconds of CPU on a task thread
 *   ping      -> pong, at once, even while work is running
 *   pending   -> how many works are started and not answered yet
 *   stats     -> works=N: how many works this worker ever accepted
 *
 * handle_call hands "work" to sup_task_start() and returns: the loop is
 * free for the next message, and the task answers its caller with sup_reply()
 * when done. A task must not touch the state (the loop owns it): it works
 * on its own argument. Two tasks run at once (task_threads = 2); more
 * wait their turn.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sup/sup.h"

struct slow {
	int64_t works; /* accepted, checkpointed */
};

static const struct sup_field fields[] = {
	SUP_FIELD(struct slow, works, SUP_INT64, SUP_OPTIONAL, "0"),
};

static atomic_int pending;

static int64_t
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* On a task thread: ms of CPU (a render, a hash, a compression...). */
static void
work(void *arg, sup_from *from)
{
	long ms = (long)(intptr_t)arg;
	int64_t end = now_ms() + ms;
	volatile uint64_t x = 1;
	char out[32];
	int n;

	while (now_ms() < end)
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005u + 1;
	n = snprintf(out, sizeof(out), "done %ld", ms);
	atomic_fetch_sub(&pending, 1);
	sup_reply(from, out, (size_t)n);
}

static enum sup_ret
slow_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	struct slow *s = state;
	char msg[64], out[32];
	long ms;

	snprintf(msg, sizeof(msg), "%.*s", (int)(len < 63 ? len : 63),
	    (const char *)req);
	if (strcmp(msg, "ping") == 0) {
		sup_reply(from, "pong", 4);
	} else if (strcmp(msg, "pending") == 0) {
		snprintf(out, sizeof(out), "%d", atomic_load(&pending));
		sup_reply(from, out, strlen(out));
	} else if (strcmp(msg, "stats") == 0) {
		snprintf(out, sizeof(out), "works=%lld", (long long)s->works);
		sup_reply(from, out, strlen(out));
	} else if (sscanf(msg, "work %ld", &ms) == 1 && ms >= 0 &&
	    ms <= 3600000) {
		atomic_fetch_add(&pending, 1);
		if (sup_task_start(w, work, (void *)(intptr_t)ms, from) !=
		    SUP_OK) {
			atomic_fetch_sub(&pending, 1);
			sup_reply_error(from, "busy: too much work waiting");
		} else {
			s->works++;
		}
	} else {
		sup_reply_error(from, "expected work MS, ping, pending or "
		    "stats");
	}
	return SUP_RET_OK;
}

static const struct sup_ops ops = {
	.size = sizeof(struct sup_ops),
	.name = "slow",
	.state_size = sizeof(struct slow),
	.fields = fields,
	.nfields = 1,
	.checkpoint = 1000, /* at most once a second */
	.handle_call = slow_call,
	.task_threads = 2,
};

int
main(int argc, char **argv)
{
	return sup_worker_main(&ops, argc, argv);
}
