/*
 * kv-worker — a key-value store as a libsup worker (a GenServer).
 *
 *   kv-worker --capacity=N [--load-ms=MS]
 *
 * Protocol, one text message per call:
 *   put KEY VALUE   -> ok          (or full, when capacity keys are held)
 *   get KEY         -> the value   (or not_found)
 *   del KEY         -> ok
 *   stats           -> keys=N puts=N gets=N dels=N (gets: since start)
 *
 * The pairs live in a published table, "kv": the worker writes it, and
 * any process can read it without calling the worker (examples/kv-read.c),
 * also while the worker is busy or down. The counters are the state
 * struct below, described by its schema: the runtime fills it from
 * --field=value arguments, checkpoints it after each call that changed it
 * (checkpoint = each, the default) in the same transaction as the table,
 * and gives it back after a kill -9. init returns at once; the
 * (simulated) slow load runs in handle_continue after supd was told we
 * are ready.
 *
 * In sup.conf:
 *   [worker kv]
 *   command = ./build/examples/kv-worker --capacity=1000 --load-ms=2000
 *   ready   = sup
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sup/sup.h"

struct kv {
	int64_t capacity; /* required */
	int64_t load_ms;  /* how long the load takes, for the demo */
	int64_t keys, puts, dels;
	int64_t gets;	  /* not in the schema: a read costs no checkpoint */
};

static const struct sup_field fields[] = {
	SUP_FIELD(struct kv, capacity, SUP_INT64, SUP_REQUIRED, NULL),
	SUP_FIELD(struct kv, load_ms, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct kv, keys, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct kv, puts, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct kv, dels, SUP_INT64, SUP_OPTIONAL, "0"),
};

static bool
has(sup_worker *w, const char *key)
{
	void *v;
	size_t n;

	if (sup_table_get(sup_worker_name(w), "kv", key, &v, &n) != SUP_OK)
		return false;
	free(v);
	return true;
}

static const char *
put(sup_worker *w, struct kv *s, const char *key, const char *value)
{
	bool new = !has(w, key);

	if (new && s->keys >= s->capacity)
		return "full";
	if (sup_table_put(w, "kv", key, value, strlen(value)) != SUP_OK)
		return "error: the key is longer than 255 bytes, or no memory";
	s->keys += new;
	s->puts++;
	return "ok";
}

static void
get(sup_worker *w, struct kv *s, const char *key, sup_from *from)
{
	void *v;
	size_t n;

	s->gets++;
	if (sup_table_get(sup_worker_name(w), "kv", key, &v, &n) != SUP_OK) {
		sup_reply(from, "not_found", 9);
		return;
	}
	sup_reply(from, v, n);
	free(v);
}

static enum sup_ret
kv_init(sup_worker *w, void *state, bool recovering)
{
	struct kv *s = state;

	sup_status_text_set(w, recovering
	    ? "recovered from the last checkpoint" : "new");
	/* Ready now; the slow part follows in handle_continue. */
	return s->load_ms > 0 ? SUP_RET_CONTINUE : SUP_RET_OK;
}

static enum sup_ret
kv_continue(sup_worker *w, void *state)
{
	struct kv *s = state;
	struct timespec t = {s->load_ms / 1000, (s->load_ms % 1000) * 1000000};
	char text[64];

	nanosleep(&t, NULL); /* warming a cache from disk, say */
	snprintf(text, sizeof(text), "loaded, %lld keys", (long long)s->keys);
	sup_status_text_set(w, text);
	return SUP_RET_OK;
}

static enum sup_ret
kv_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	struct kv *s = state;
	char msg[4096], *key, *value, out[128];

	if (len >= sizeof(msg)) {
		sup_reply_error(from, "message too long");
		return SUP_RET_OK;
	}
	memcpy(msg, req, len);
	msg[len] = '\0';
	key = strchr(msg, ' ');
	if (key != NULL)
		*key++ = '\0';
	if (key != NULL && (key[0] == '\0' || key[0] == ' '))
		key = NULL; /* no empty key */
	if (strcmp(msg, "put") == 0 && key && (value = strchr(key, ' '))) {
		*value++ = '\0';
		const char *r = put(w, s, key, value);
		sup_reply(from, r, strlen(r));
	} else if (strcmp(msg, "get") == 0 && key) {
		get(w, s, key, from);
	} else if (strcmp(msg, "del") == 0 && key) {
		s->keys -= has(w, key);
		sup_table_del(w, "kv", key);
		s->dels++;
		sup_reply(from, "ok", 2);
	} else if (strcmp(msg, "stats") == 0) {
		snprintf(out, sizeof(out), "keys=%lld puts=%lld gets=%lld "
		    "dels=%lld", (long long)s->keys, (long long)s->puts,
		    (long long)s->gets, (long long)s->dels);
		sup_reply(from, out, strlen(out));
	} else {
		sup_reply_error(from, "expected put K V, get K, del K or stats");
	}
	return SUP_RET_OK;
}

static const struct sup_ops ops = {
	.size = sizeof(struct sup_ops),
	.name = "kv",
	.state_size = sizeof(struct kv),
	.fields = fields,
	.nfields = sizeof(fields) / sizeof(fields[0]),
	.checkpoint = SUP_CHECKPOINT_EACH,
	.init = kv_init,
	.handle_continue = kv_continue,
	.handle_call = kv_call,
};

int
main(int argc, char **argv)
{
	return sup_worker_main(&ops, argc, argv);
}
