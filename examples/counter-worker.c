/*
 * counter-worker — one shard of a pool of counters (write-heavy work
 * spread over processes by key).
 *
 *   [worker counter]
 *   command   = ./build/examples/counter-worker
 *   ready     = sup
 *   instances = 4          ; counter.0 ... counter.3
 *
 * Protocol, one text message per call:
 *   incr KEY [N]   -> KEY's count on this shard after adding N (1)
 *   get KEY        -> KEY's count on this shard (0 if never counted here)
 *   total          -> all this shard ever counted
 * and the cast "incr KEY [N]", which counts without an answer.
 *
 * Callers route each key to one shard with sup_pool_call() (or `supctl
 * call counter --key KEY`), so the shards count different keys in
 * parallel, and ask all of them with sup_pool_multicall()
 * (examples/counter-client.c). Counts live in the published table
 * "counts", committed before each reply: a kill -9 loses none.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup/sup.h"

struct counter {
	int64_t total;
};

static const struct sup_field fields[] = {
	SUP_FIELD(struct counter, total, SUP_INT64, SUP_OPTIONAL, "0"),
};

static int64_t
count_of(sup_worker *w, const char *key)
{
	void *v;
	size_t n;
	int64_t c = 0;

	if (sup_table_get(sup_worker_name(w), "counts", key, &v, &n) ==
	    SUP_OK) {
		c = strtoll(v, NULL, 10);
		free(v);
	}
	return c;
}

/* "incr KEY [N]": adds N (1) to KEY's count; its new count in out. */
static const char *
incr(sup_worker *w, struct counter *s, char *args, char *out, size_t n)
{
	char *save, *key = strtok_r(args, " ", &save);
	char *by = strtok_r(NULL, " ", &save), *end;
	long long b = by ? strtoll(by, &end, 10) : 1;

	if (key == NULL || strtok_r(NULL, " ", &save) != NULL ||
	    (by != NULL && (*end != '\0' || b <= 0)))
		return "expected incr KEY [N], N > 0";
	snprintf(out, n, "%" PRId64, count_of(w, key) + (int64_t)b);
	if (sup_table_put(w, "counts", key, out, strlen(out)) != SUP_OK)
		return "keys are 1 to 255 bytes";
	s->total += (int64_t)b;
	return NULL;
}

static enum sup_ret
counter_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	struct counter *s = state;
	char msg[512], out[32];
	const char *err = NULL;

	snprintf(msg, sizeof(msg), "%.*s", (int)(len < 511 ? len : 511),
	    (const char *)req);
	if (strncmp(msg, "incr ", 5) == 0)
		err = incr(w, s, msg + 5, out, sizeof(out));
	else if (strncmp(msg, "get ", 4) == 0 && msg[4] != '\0')
		snprintf(out, sizeof(out), "%" PRId64, count_of(w, msg + 4));
	else if (strcmp(msg, "total") == 0)
		snprintf(out, sizeof(out), "%" PRId64, s->total);
	else
		err = "expected incr KEY [N], get KEY or total";
	if (err != NULL)
		sup_reply_error(from, err);
	else
		sup_reply(from, out, strlen(out));
	return SUP_RET_OK;
}

/* A cast "incr KEY [N]" counts without answering. */
static enum sup_ret
counter_cast(sup_worker *w, void *state, const void *msg, size_t len)
{
	char buf[512], out[32];

	snprintf(buf, sizeof(buf), "%.*s", (int)(len < 511 ? len : 511),
	    (const char *)msg);
	if (strncmp(buf, "incr ", 5) == 0)
		incr(w, state, buf + 5, out, sizeof(out));
	return SUP_RET_OK;
}

static const struct sup_ops ops = {
	.size = sizeof(struct sup_ops),
	.name = "counter",
	.state_size = sizeof(struct counter),
	.fields = fields,
	.nfields = 1,
	.handle_call = counter_call,
	.handle_cast = counter_cast,
};

int
main(int argc, char **argv)
{
	return sup_worker_main(&ops, argc, argv);
}
