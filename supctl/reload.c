/*
 * supctl/reload.c — supctl reload [--dry-run] and supctl reexec.
 *
 * supd carries both out by exec'ing itself (supd(8), RELOAD and UPGRADE),
 * which cuts the connection the request came on. So the request carries
 * a token, and supctl sends it again until an image of supd answers: the
 * new one knows the token and replies with what was done. An error (a bad
 * config: every file:line message, exit 2) comes from the old image,
 * which then goes on unchanged.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "supctl.h"

#define HANDOVER_TIMEOUT_MS 60000

static void
token_new(char *buf, size_t n)
{
	unsigned char r[16] = {0};

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		int64_t t = clk_mono_ns() ^ ((int64_t)getpid() << 32);
		memcpy(r, &t, sizeof(t));
	}
	for (size_t i = 0; i < sizeof(r) && 2 * i + 2 < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", r[i]);
}

/* cmd with a token, sent until some supd answers it. */
static json_t *
handover_request(struct ctl_opts *o, enum proto_cmd cmd, bool dry_run,
    int *code)
{
	int64_t wait = o->timeout_ms >= 0 ? o->timeout_ms : HANDOVER_TIMEOUT_MS;
	int64_t end = clk_mono_ns() / 1000000 + wait;
	struct timespec pause = {0, 2 * 1000 * 1000};
	char token[40] = "";

	token_new(token, sizeof(token));
	for (;;) {
		json_t *req = proto_request(cmd), *r;
		int64_t left = end - clk_mono_ns() / 1000000;
		sup_err cut = SUP_OK;

		json_object_set_new(req, PROTO_F_TOKEN, json_string(token));
		json_object_set_new(req, PROTO_F_DRY_RUN, json_boolean(dry_run));
		r = ctl_request_ex(o, req, left > 1 ? left : 1, code, &cut);
		/* A reply, an error reply (printed), or no supd at all. */
		if (r != NULL || cut == SUP_OK)
			return r;
		if (cut != SUP_EDOWN || left <= 1) {
			ctl_say("no answer from supd within %llds after the %s: "
			    "see supctl status and supd's log",
			    (long long)wait / 1000, proto_cmd_name(cmd));
			return NULL;
		}
		nanosleep(&pause, NULL); /* the new image is coming up */
	}
}

static void
names_print(const char *label, const json_t *v)
{
	size_t i;
	json_t *it;

	json_array_foreach(v, i, it) {
		const char *what = json_string_value(json_object_get(it, "what"));
		printf("  %-10s %s%s%s%s\n", label, json_is_string(it) ?
		    json_string_value(it) :
		    json_string_value(json_object_get(it, "name")),
		    what ? " (" : "", what ? what : "", what ? ")" : "");
	}
}

static void
diff_print(const json_t *r)
{
	const json_t *diff = json_object_get(r, "diff");
	bool dry = json_is_true(json_object_get(r, "dry_run"));
	size_t n = json_array_size(json_object_get(diff, "added")) +
	    json_array_size(json_object_get(diff, "removed")) +
	    json_array_size(json_object_get(diff, "restarted")) +
	    json_array_size(json_object_get(diff, "changed"));

	if (n == 0) {
		printf("%s\n", dry ? "nothing would change" : "nothing changed");
		return;
	}
	if (dry)
		printf("would change (dry run, nothing applied):\n");
	else
		printf("reloaded (supd pid %lld, %lld children adopted in "
		    "%.1f ms):\n", json_integer_value(json_object_get(r, "pid")),
		    json_integer_value(json_object_get(r, "adopted")),
		    (double)json_integer_value(json_object_get(r,
		    "handover_us")) / 1000);
	names_print("added", json_object_get(diff, "added"));
	names_print("removed", json_object_get(diff, "removed"));
	names_print("restarted", json_object_get(diff, "restarted"));
	names_print("changed", json_object_get(diff, "changed"));
}

static int
reply_out(struct ctl_opts *o, json_t *r, void (*print)(const json_t *))
{
	if (o->json) {
		json_dumpf(r, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	} else
		print(r);
	json_decref(r);
	return PROTO_OK;
}

int
verb_reload(struct ctl_opts *o, int argc)
{
	json_t *r;
	int code;

	if (argc != 0) {
		ctl_say("usage: supctl reload [--dry-run] [--json]");
		return PROTO_USAGE;
	}
	if ((r = handover_request(o, PROTO_RELOAD, o->dry_run, &code)) == NULL)
		return code;
	return reply_out(o, r, diff_print);
}

static void
reexec_print(const json_t *r)
{
	printf("supd re-executed (pid %lld, %s -> %s): %lld children adopted "
	    "in %.1f ms\n", json_integer_value(json_object_get(r, "pid")),
	    json_string_value(json_object_get(r, "from_version")),
	    json_string_value(json_object_get(r, "version")),
	    json_integer_value(json_object_get(r, "adopted")),
	    (double)json_integer_value(json_object_get(r, "handover_us")) /
	    1000);
}

int
verb_reexec(struct ctl_opts *o, int argc)
{
	json_t *r;
	int code;

	if (argc != 0 || o->dry_run) {
		ctl_say("usage: supctl reexec [--json]");
		return PROTO_USAGE;
	}
	if ((r = handover_request(o, PROTO_REEXEC, false, &code)) == NULL)
		return code;
	return reply_out(o, r, reexec_print);
}
