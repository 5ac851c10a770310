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
 * The whole state is the struct below, described by its schema: the
 * runtime fills it from --field=value arguments, checkpoints it after each
 * call that changed it (checkpoint = each, the default), and gives it back
 * after a kill -9. init returns at once; the (simulated) slow load runs in
 * handle_continue after supd was told we are ready.
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
	int64_t capacity;  /* required */
	int64_t load_ms;   /* how long the load takes, for the demo */
	char *data;	   /* the table: "KEY\tVALUE\n" lines */
	int64_t keys, puts, dels;
	int64_t gets;	   /* not in the schema: a read costs no checkpoint */
};

static const struct sup_field fields[] = {
	SUP_FIELD(struct kv, capacity, SUP_INT64, SUP_REQUIRED, NULL),
	SUP_FIELD(struct kv, load_ms, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct kv, data, SUP_TEXT, SUP_OPTIONAL, ""),
	SUP_FIELD(struct kv, keys, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct kv, puts, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct kv, dels, SUP_INT64, SUP_OPTIONAL, "0"),
};

/* The line "KEY\t..." of the table, or NULL. */
static char *
line_find(const char *data, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = data; p && *p; p = strchr(p, '\n') + 1) {
		if (strncmp(p, key, n) == 0 && p[n] == '\t')
			return (char *)p;
		if (strchr(p, '\n') == NULL)
			break;
	}
	return NULL;
}

/* The table without the line of key. */
static void
line_del(struct kv *s, const char *key)
{
	char *p = line_find(s->data, key), *end;

	if (p == NULL)
		return;
	end = strchr(p, '\n');
	memmove(p, end + 1, strlen(end + 1) + 1);
	s->keys--;
}

static const char *
put(struct kv *s, const char *key, const char *value)
{
	size_t old = strlen(s->data);
	char *grown;

	line_del(s, key);
	if (s->keys >= s->capacity)
		return "full";
	grown = malloc(old + strlen(key) + strlen(value) + 3);
	if (grown == NULL)
		return "out of memory";
	sprintf(grown, "%s%s\t%s\n", s->data, key, value);
	free(s->data);
	s->data = grown; /* the runtime owns it from here on */
	s->keys++;
	s->puts++;
	return "ok";
}

static int
kv_init(sup_worker *w, void *state, bool recovering)
{
	struct kv *s = state;

	sup_status_text(w, recovering ? "recovered from the last checkpoint"
				      : "new");
	/* Ready now; the slow part follows in handle_continue. */
	return s->load_ms > 0 ? SUP_RET_CONTINUE : SUP_RET_OK;
}

static int
kv_continue(sup_worker *w, void *state)
{
	struct kv *s = state;
	struct timespec t = {s->load_ms / 1000, (s->load_ms % 1000) * 1000000};
	char text[64];

	nanosleep(&t, NULL); /* loading an index from disk, say */
	snprintf(text, sizeof(text), "loaded, %lld keys", (long long)s->keys);
	sup_status_text(w, text);
	return SUP_RET_OK;
}

static int
kv_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	struct kv *s = state;
	char msg[4096], *key, *value, *line, out[4200];

	(void)w;
	if (len >= sizeof(msg)) {
		sup_reply_error(from, "message too long");
		return SUP_RET_OK;
	}
	memcpy(msg, req, len);
	msg[len] = '\0';
	key = strchr(msg, ' ');
	if (key != NULL)
		*key++ = '\0';
	if (key != NULL && strpbrk(key, "\t\n") != NULL) {
		sup_reply_error(from, "no tabs or newlines");
		return SUP_RET_OK;
	}
	if (strcmp(msg, "put") == 0 && key && (value = strchr(key, ' '))) {
		*value++ = '\0';
		const char *r = put(s, key, value);
		sup_reply(from, r, strlen(r));
	} else if (strcmp(msg, "get") == 0 && key) {
		s->gets++;
		if ((line = line_find(s->data, key)) == NULL) {
			sup_reply(from, "not_found", 9);
		} else {
			value = strchr(line, '\t') + 1;
			sup_reply(from, value, (size_t)(strchr(value, '\n') -
			    value));
		}
	} else if (strcmp(msg, "del") == 0 && key) {
		line_del(s, key);
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
