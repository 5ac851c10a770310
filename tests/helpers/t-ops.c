/*
 * t-ops — struct sup_ops as programs built with other sup.h versions give
 * it, for tests of libsup.so.0's compatibility. T_OPS in the environment
 * says which:
 *   (unset)  the struct of this sup.h, size = sizeof(struct sup_ops)
 *   old      a program built before task_threads, hibernate and
 *            hibernate_after existed: size ends at terminate, and the
 *            bytes past it hold garbage that crashes the worker if read
 *            (a hibernate hook at address 1, due 1 ms after each message)
 *   zero     size never set (0)
 *   newer    a program built with a newer sup.h: one member more than
 *            this libsup knows
 *   cut      a size that ends inside a member
 * Calls: "get" the counter; "later MS" counts +1 from a timer MS ms
 * from now and replies "ok"; "version" the library's version, then the
 * header's: "0.1.0 0.1.0 0 1 0".
 * Or run as `t-ops version`, outside supd: prints the same line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup/sup.h"

struct st {
	int64_t counter;
};

static const struct sup_field fields[] = {
	SUP_FIELD(struct st, counter, SUP_INT64, SUP_OPTIONAL, "0"),
};

static int
version(char *buf, size_t n)
{
	return snprintf(buf, n, "%s %s %d %d %d", sup_version(),
	    SUP_VERSION_STRING, SUP_VERSION_MAJOR, SUP_VERSION_MINOR,
	    SUP_VERSION_PATCH);
}

static enum sup_ret
o_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	struct st *s = state;
	char m[64], out[64];
	int n;

	snprintf(m, sizeof(m), "%.*s", (int)(len < 63 ? len : 63),
	    (const char *)req);
	if (strcmp(m, "get") == 0)
		n = snprintf(out, sizeof(out), "%lld", (long long)s->counter);
	else if (strncmp(m, "later ", 6) == 0 &&
	    sup_timer_start(w, atol(m + 6), "later") > 0)
		n = snprintf(out, sizeof(out), "ok");
	else if (strcmp(m, "version") == 0)
		n = version(out, sizeof(out));
	else
		return sup_reply_error(from, "unknown request"), SUP_RET_OK;
	sup_reply(from, out, (size_t)n);
	return SUP_RET_OK;
}

static enum sup_ret
o_info(sup_worker *w, void *state, const struct sup_info *info)
{
	(void)w;
	if (info->kind == SUP_TIMER)
		((struct st *)state)->counter++;
	return SUP_RET_OK;
}

/* Room for this sup.h's struct and one member more (T_OPS=newer). */
static union {
	struct sup_ops ops;
	unsigned char bytes[sizeof(struct sup_ops) + sizeof(void *)];
} u;

int
main(int argc, char **argv)
{
	const char *which = getenv("T_OPS");
	char line[64];

	if (argc == 2 && strcmp(argv[1], "version") == 0) {
		version(line, sizeof(line));
		printf("%s\n", line);
		return 0;
	}
	u.ops = (struct sup_ops){
		.size = sizeof(struct sup_ops),
		.name = "t-ops",
		.state_size = sizeof(struct st),
		.fields = fields,
		.nfields = 1,
		.checkpoint = SUP_CHECKPOINT_EACH,
		.handle_call = o_call,
		.handle_info = o_info,
	};
	if (which == NULL) {
	} else if (strcmp(which, "old") == 0) {
		u.ops.size = offsetof(struct sup_ops, task_threads);
		/* What an older program has there is none of ours: were it
		 * read, the worker would crash 1 ms after a message. */
		u.ops.task_threads = -1;
		u.ops.hibernate = (void (*)(sup_worker *, void *))(uintptr_t)1;
		u.ops.hibernate_after = 1;
	} else if (strcmp(which, "zero") == 0) {
		u.ops.size = 0;
	} else if (strcmp(which, "newer") == 0) {
		u.ops.size = sizeof(u.bytes);
		memset(u.bytes + sizeof(struct sup_ops), 0xff, sizeof(void *));
	} else if (strcmp(which, "cut") == 0) {
		u.ops.size = offsetof(struct sup_ops, name) + 1;
	} else {
		fprintf(stderr, "t-ops: T_OPS=%s: unknown\n", which);
		return 2;
	}
	return sup_worker_main(&u.ops, argc, argv);
}
