/*
 * supctl/metrics.c — supctl metrics: the tree's state in the
 * Prometheus text exposition format (version 0.0.4), for a node
 * exporter's textfile collector or a scrape through a small wrapper.
 * Made from supd's status reply: one request, nothing kept.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "supctl.h"

/* A label value: backslash, quote and newline escaped. */
static void
label(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
}

static void
head(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample per child: value from its status object. */
static void
per_child(json_t *kids, const char *name, const char *type,
    const char *help, double (*value)(json_t *c, int *ok))
{
	json_t *c;
	size_t i;
	int ok;

	head(name, type, help);
	json_array_foreach(kids, i, c) {
		double v = value(c, &ok);
		if (!ok)
			continue;
		printf("%s{name=\"", name);
		label(json_string_value(json_object_get(c, "name")));
		printf("\",group=\"");
		label(json_string_value(json_object_get(c, "group")));
		printf("\"} %.17g\n", v);
	}
}

static double
running(json_t *c, int *ok)
{
	*ok = 1;
	return strcmp(json_string_value(json_object_get(c, "state")) ?: "",
	    "running") == 0;
}

static double
restarts(json_t *c, int *ok)
{
	*ok = 1;
	return (double)json_integer_value(json_object_get(c, "restarts"));
}

static double
uptime(json_t *c, int *ok)
{
	json_t *u = json_object_get(c, "uptime_ms");

	*ok = json_is_integer(u);
	return (double)json_integer_value(u) / 1000.0;
}

static double
rss(json_t *c, int *ok)
{
	json_t *r = json_object_get(c, "rss_kb");

	*ok = json_is_integer(r);
	return (double)json_integer_value(r) * 1024.0;
}

int
verb_metrics(struct ctl_opts *o, int argc)
{
	json_t *r, *s, *kids;
	int code;

	if (argc != 0) {
		ctl_say("usage: supctl metrics");
		return PROTO_USAGE;
	}
	r = ctl_request(o, proto_request(PROTO_STATUS), 10000, &code);
	if (r == NULL)
		return code;
	s = json_object_get(r, "supervisor");
	kids = json_object_get(r, "children");
	head("sup_supervisor_uptime_seconds", "gauge",
	    "Seconds since supd started.");
	printf("sup_supervisor_uptime_seconds %.3f\n",
	    (double)json_integer_value(json_object_get(s, "uptime_ms")) /
	    1000.0);
	head("sup_supervisor_persisting", "gauge",
	    "1 when supd's database takes its writes.");
	printf("sup_supervisor_persisting %d\n",
	    json_is_true(json_object_get(s, "persisting")));
	per_child(kids, "sup_child_running", "gauge",
	    "1 when the child is running (and ready).", running);
	per_child(kids, "sup_child_restarts_total", "counter",
	    "Restarts of the child since it was first started.", restarts);
	per_child(kids, "sup_child_uptime_seconds", "gauge",
	    "Seconds since the child's process started.", uptime);
	per_child(kids, "sup_child_resident_memory_bytes", "gauge",
	    "Resident memory of the child's process.", rss);
	json_decref(r);
	return PROTO_OK;
}
