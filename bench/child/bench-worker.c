/*
 * bench-worker — the libsup worker the call benchmarks talk to.
 *   any message      echoed back (the round-trip and throughput figures)
 *   "ckpt N"         N checkpoints of its 10-field state, each changing
 *                    every field; replies the nanoseconds they took
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sup/sup.h"
#include "../bench.h"

struct st {
	int64_t f0, f1, f2, f3, f4, f5, f6, f7, f8, f9;
};

#define F(m) SUP_FIELD(struct st, m, SUP_INT64, SUP_OPTIONAL, "0")
static const struct sup_field fields[] = {F(f0), F(f1), F(f2), F(f3), F(f4),
    F(f5), F(f6), F(f7), F(f8), F(f9)};

/* A cache of small blocks (freed by hibernation). */
static void **cache;
static size_t ncache;

static void
b_hibernate(sup_worker *w, void *state)
{
	(void)w;
	(void)state;
	while (ncache > 0)
		free(cache[--ncache]);
	free(cache);
	cache = NULL;
}

static void
cache_fill(long mb)
{
	size_t n = (size_t)mb * 256;

	if ((cache = realloc(cache, (ncache + n) * sizeof(*cache))) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if ((cache[ncache] = malloc(4000)) != NULL)
			memset(cache[ncache++], 'c', 4000);
}

static enum sup_ret
b_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	int64_t *f = state, t0;
	char out[32];
	long n;

	if (len > 5 && memcmp(req, "ckpt ", 5) == 0) {
		n = atol((const char *)req + 5);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			for (int k = 0; k < 10; k++)
				f[k]++;
			sup_checkpoint_commit(w);
		}
		snprintf(out, sizeof(out), "%lld", (long long)(now_ns() - t0));
		sup_reply(from, out, strlen(out));
		return SUP_RET_OK;
	}
	if (len > 6 && memcmp(req, "cache ", 6) == 0) {
		cache_fill(atol((const char *)req + 6));
		sup_reply(from, "ok", 2);
		return SUP_RET_OK;
	}
	if (len == 9 && memcmp(req, "hibernate", 9) == 0) {
		sup_reply(from, "ok", 2);
		return SUP_RET_HIBERNATE;
	}
	if (len > 5 && memcmp(req, "emit ", 5) == 0) {
		/* N telemetry events; replies the ns they took. */
		n = atol((const char *)req + 5);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			struct sup_measure x = {"i", (double)i};
			sup_telemetry_emit("tick", &x, 1, NULL, 0);
		}
		snprintf(out, sizeof(out), "%lld", (long long)(now_ns() - t0));
		sup_reply(from, out, strlen(out));
		return SUP_RET_OK;
	}
	if (len > 5 && memcmp(req, "work ", 5) == 0) {
		/* US microseconds of CPU, then a checkpoint: a call with
		 * real work in it. */
		t0 = now_ns() + atol((const char *)req + 5) * 1000;
		while (now_ns() < t0)
			;
		for (int k = 0; k < 10; k++)
			f[k]++;
		sup_checkpoint_commit(w);
		sup_reply(from, "ok", 2);
		return SUP_RET_OK;
	}
	sup_reply(from, req, len);
	return SUP_RET_OK;
}

/* A 64-byte value in table "t", for the published-table readers. */
static enum sup_ret
b_init(sup_worker *w, void *state, bool recovering)
{
	char v[64];

	(void)state;
	(void)recovering;
	memset(v, 'v', sizeof(v));
	sup_table_put(w, "t", "k", v, sizeof(v));
	return SUP_RET_OK;
}

static const struct sup_ops ops = {
	.size = sizeof(struct sup_ops),
	.name = "bench",
	.init = b_init,
	.state_size = sizeof(struct st),
	.fields = fields,
	.nfields = 10,
	.checkpoint = SUP_CHECKPOINT_MANUAL,
	.handle_call = b_call,
	.hibernate = b_hibernate,
};

int
main(int argc, char **argv)
{
	/* The floor of a restart: this binary loaded (SQLite, libc...; nng
	 * is linked in), and nothing done. */
	if (argc > 1 && strcmp(argv[1], "--exit") == 0)
		return 0;
	return sup_worker_main(&ops, argc, argv);
}
