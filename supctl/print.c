/*
 * supctl/print.c — supctl's output for people: the status table
 * and the tree, from supd's JSON. Columns are aligned to their widest
 * cell; a missing value is "-". Scripts should use --json.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dur.h"
#include "supctl.h"

#define NCOLS 10
#define COL_HEALTH 7 /* shown only when some child has a health probe */
#define STATUS_MAX 40 /* a longer status is cut, with "..." */

/* STATE is one word and PID the next (awk '{print $3, $4}'); HEALTH
 * (healthy, unhealthy, unknown; "-" without a probe) is there only when
 * a child has a health probe; STATUS is what the child says of itself: a
 * libsup worker's initializing or degraded, and the status text of
 * either kind of child (sd_notify STATUS=, sup_status_text_set); free
 * text, it goes last but LAST EXIT. */
static const char *const heads[NCOLS] = {"NAME", "GROUP", "STATE", "PID",
    "RESTARTS", "UPTIME", "MEM", "HEALTH", "STATUS", "LAST EXIT"};

struct row {
	char cell[NCOLS][200];
};

static void
row_fill(struct row *r, json_t *c)
{
	json_t *pid = json_object_get(c, "pid");
	json_t *up = json_object_get(c, "uptime_ms");
	json_t *last = json_object_get(c, "last_exit");
	const char *state = json_string_value(json_object_get(c, "state"));
	const char *status = json_string_value(json_object_get(c, "status"));
	const char *text = json_string_value(json_object_get(c,
	    "status_text"));
	const char *health = json_string_value(json_object_get(c, "health"));
	char dbuf[32];
	int k;

	snprintf(r->cell[0], sizeof(r->cell[0]), "%s",
	    json_string_value(json_object_get(c, "name")));
	snprintf(r->cell[1], sizeof(r->cell[1]), "%s",
	    json_string_value(json_object_get(c, "group")));
	snprintf(r->cell[2], sizeof(r->cell[2]), "%s", state);
	if (json_is_integer(pid))
		snprintf(r->cell[3], sizeof(r->cell[3]), "%lld",
		    (long long)json_integer_value(pid));
	else
		strcpy(r->cell[3], "-");
	snprintf(r->cell[4], sizeof(r->cell[4]), "%lld",
	    (long long)json_integer_value(json_object_get(c, "restarts")));
	if (json_is_integer(up))
		dur_format(json_integer_value(up), r->cell[5],
		    sizeof(r->cell[5]));
	else if (json_is_integer(json_object_get(c, "backoff_ms")))
		snprintf(r->cell[5], sizeof(r->cell[5]), "in %s",
		    dur_format(json_integer_value(json_object_get(c,
		    "backoff_ms")), dbuf, sizeof(dbuf)));
	else
		strcpy(r->cell[5], "-");
	/* Its cgroup's memory when it has one: its escaped processes too. */
	if (json_is_integer(json_object_get(c, "memory_bytes")))
		snprintf(r->cell[6], sizeof(r->cell[6]), "%.1fM", (double)
		    json_integer_value(json_object_get(c, "memory_bytes")) /
		    (1024 * 1024));
	else if (json_is_integer(json_object_get(c, "rss_kb")))
		snprintf(r->cell[6], sizeof(r->cell[6]), "%.1fM", (double)
		    json_integer_value(json_object_get(c, "rss_kb")) / 1024);
	else
		strcpy(r->cell[6], "-");
	snprintf(r->cell[COL_HEALTH], sizeof(r->cell[0]), "%s",
	    health ? health : "-");
	/* "ready" is what running already says. */
	if (status != NULL && strcmp(status, "ready") == 0)
		status = NULL;
	k = snprintf(r->cell[8], STATUS_MAX + 1, "%s%s%s", status ? status :
	    "", status && text ? ": " : "", text ? text : "");
	if (k > STATUS_MAX)
		strcpy(r->cell[8] + STATUS_MAX - 3, "...");
	if (r->cell[8][0] == '\0')
		strcpy(r->cell[8], "-");
	snprintf(r->cell[9], sizeof(r->cell[9]), "%s", json_is_object(last) ?
	    json_string_value(json_object_get(last, "reason")) : "-");
}

static void
row_print(const struct row *r, const int *w, bool health)
{
	for (int i = 0; i < NCOLS; i++) {
		if (i == COL_HEALTH && !health)
			continue;
		if (i == NCOLS - 1)
			printf("%s\n", r->cell[i]);
		else
			printf("%-*s  ", w[i], r->cell[i]);
	}
}

bool
status_all_running(const json_t *reply)
{
	json_t *c;
	size_t i;

	if (json_array_size(json_object_get(reply, "children")) == 0)
		return false; /* named, yet nothing came back: not running */
	json_array_foreach(json_object_get(reply, "children"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "state")),
		    "running") != 0)
			return false;
	return true;
}

/* "supd pid 1234, running since 2026-...Z (up 5m), adopted 3 children" */
static void
supervisor_line(const json_t *reply)
{
	json_t *s = json_object_get(reply, "supervisor");
	json_int_t adopted = json_integer_value(json_object_get(s, "adopted"));
	const char *why = json_string_value(json_object_get(s,
	    "persist_error"));
	char up[32];

	dur_format(json_integer_value(json_object_get(s, "uptime_ms")), up,
	    sizeof(up));
	printf("supd pid %lld, %s since %s (up %s), run dir %s",
	    (long long)json_integer_value(json_object_get(s, "pid")),
	    json_string_value(json_object_get(s, "state")),
	    json_string_value(json_object_get(s, "started_at")), up,
	    json_string_value(json_object_get(s, "run_dir")));
	if (adopted > 0)
		printf(", adopted %lld from the previous supd",
		    (long long)adopted);
	putchar('\n');
	if (!json_is_true(json_object_get(s, "persisting")))
		printf("not persisting: %s\n", why ? why : "unknown");
}

void
print_status(const json_t *reply)
{
	json_t *kids = json_object_get(reply, "children"), *c;
	size_t n = json_array_size(kids), i;
	struct row *rows = calloc(n + 1, sizeof(*rows));
	bool health = false;
	int w[NCOLS];

	if (rows == NULL)
		return;
	supervisor_line(reply);
	for (int k = 0; k < NCOLS; k++) {
		snprintf(rows[0].cell[k], sizeof(rows[0].cell[k]), "%s",
		    heads[k]);
		w[k] = (int)strlen(heads[k]);
	}
	json_array_foreach(kids, i, c) {
		health |= json_is_string(json_object_get(c, "health"));
		row_fill(&rows[i + 1], c);
		for (int k = 0; k < NCOLS; k++)
			if ((int)strlen(rows[i + 1].cell[k]) > w[k])
				w[k] = (int)strlen(rows[i + 1].cell[k]);
	}
	for (size_t r = 0; r <= n; r++)
		row_print(&rows[r], w, health);
	free(rows);
}

/* "one_for_one 5/10s" */
static void
group_label(json_t *g, char *buf, size_t n)
{
	char per[32];

	dur_format(json_integer_value(json_object_get(g, "period_ms")), per,
	    sizeof(per));
	snprintf(buf, n, "%s, %lld in %s",
	    json_string_value(json_object_get(g, "strategy")),
	    (long long)json_integer_value(json_object_get(g, "intensity")),
	    per);
}

static void
tree_node(json_t *t, const char *prefix, bool last, bool top)
{
	json_t *kids = json_object_get(t, "children"), *k, *pid;
	bool group = strcmp(json_string_value(json_object_get(t, "kind")),
	    "group") == 0;
	char label[128] = "", sub[512];
	size_t i, n = json_array_size(kids);

	if (group)
		group_label(t, label, sizeof(label));
	pid = json_object_get(t, "pid");
	printf("%s%s%s  %s", prefix, top ? "" : last ? "`-- " : "|-- ",
	    json_string_value(json_object_get(t, "name")),
	    json_string_value(json_object_get(t, "state")));
	if (group)
		printf("  (%s)", label);
	if (json_is_integer(pid))
		printf("  pid %lld", (long long)json_integer_value(pid));
	if (json_integer_value(json_object_get(t, "restarts")) > 0)
		printf("  restarts %lld", (long long)json_integer_value(
		    json_object_get(t, "restarts")));
	putchar('\n');
	snprintf(sub, sizeof(sub), "%s%s", prefix,
	    top ? "" : last ? "    " : "|   ");
	json_array_foreach(kids, i, k)
		tree_node(k, sub, i + 1 == n, false);
}

void
print_tree(const json_t *reply)
{
	tree_node(json_object_get(reply, "tree"), "", true, true);
}
