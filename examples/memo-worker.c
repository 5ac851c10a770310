/*
 * memo-worker — a cache that gives its memory back when idle
 * (hibernation, like a gen_server returning `hibernate`).
 *
 *   load MB     fills MB megabytes of cache (say, warmed from disk)
 *   size        the cache's size in MB
 *   hibernate   replies ok, then hibernates at once
 *   stats       loads=N: how many loads it ever did (checkpointed)
 *
 * Hibernating commits the state, calls the hibernate hook below (which
 * drops the cache: it can be rebuilt) and returns freed memory to the
 * OS; the worker then sleeps until the next message. With
 * hibernate_after = 60s in its sup.conf section it does so by itself
 * after a minute without messages. Watch the RSS column of
 * `supctl status` before and after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup/sup.h"

#define BLOCK 4000 /* small blocks: they stay in malloc's heap when freed */

struct memo {
	int64_t loads;
};

static const struct sup_field fields[] = {
	SUP_FIELD(struct memo, loads, SUP_INT64, SUP_OPTIONAL, "0"),
};

static void **blocks;
static size_t nblocks;

static void
drop(sup_worker *w, void *state)
{
	(void)w;
	(void)state;
	while (nblocks > 0)
		free(blocks[--nblocks]);
	free(blocks);
	blocks = NULL;
}

static const char *
load(struct memo *s, long mb)
{
	size_t n = (size_t)mb * (1024 * 1024 / BLOCK);
	void **b;

	if (mb <= 0 || mb > 4096)
		return "expected load MB, 1 to 4096";
	if ((b = realloc(blocks, (nblocks + n) * sizeof(*b))) == NULL)
		return "out of memory";
	blocks = b;
	for (size_t i = 0; i < n; i++) {
		if ((blocks[nblocks] = malloc(BLOCK)) == NULL)
			return "out of memory";
		memset(blocks[nblocks++], 'm', BLOCK);
	}
	s->loads++;
	return NULL;
}

static enum sup_ret
memo_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	struct memo *s = state;
	char msg[64], out[64];
	const char *err = NULL;
	long mb;

	(void)w;
	snprintf(msg, sizeof(msg), "%.*s", (int)(len < 63 ? len : 63),
	    (const char *)req);
	if (sscanf(msg, "load %ld", &mb) == 1)
		err = load(s, mb);
	if (err == NULL && strncmp(msg, "load ", 5) == 0) {
		snprintf(out, sizeof(out), "ok");
	} else if (strcmp(msg, "size") == 0) {
		snprintf(out, sizeof(out), "%zu", nblocks * BLOCK >> 20);
	} else if (strcmp(msg, "stats") == 0) {
		snprintf(out, sizeof(out), "loads=%lld", (long long)s->loads);
	} else if (strcmp(msg, "hibernate") == 0) {
		sup_reply(from, "ok", 2);
		return SUP_RET_HIBERNATE;
	} else {
		sup_reply_error(from, err ? err : "expected load MB, size, "
		    "hibernate or stats");
		return SUP_RET_OK;
	}
	sup_reply(from, out, strlen(out));
	return SUP_RET_OK;
}

static const struct sup_ops ops = {
	.size = sizeof(struct sup_ops),
	.name = "memo",
	.state_size = sizeof(struct memo),
	.fields = fields,
	.nfields = 1,
	.handle_call = memo_call,
	.hibernate = drop,
};

int
main(int argc, char **argv)
{
	return sup_worker_main(&ops, argc, argv);
}
