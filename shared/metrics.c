/*
 * shared/metrics.c — the tree's state in the Prometheus text exposition
 * format, version 0.0.4 (metrics.h). Made from a status object alone:
 * supctl renders supd's reply, supd its own object, and both print the
 * same families, in the same order, with the same numbers.
 *
 * Every family has its HELP and TYPE lines, even with no sample.
 * Counters end in _total and print as integers; gauges print as
 * integers when they count bytes or states, with three decimals when
 * they are seconds.
 */
#include <stdbool.h>
#include <string.h>

#include "metrics.h"

/* A label value: backslash, quote and newline escaped. */
static void
label(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A sample's value, as the family prints it. */
struct value {
	bool ok;	/* there is one */
	bool seconds;	/* %.3f, else an integer */
	long long n;	/* the integer, or milliseconds when seconds */
};

static void
value_print(FILE *f, struct value v)
{
	long long a = v.n < 0 ? -v.n : v.n; /* a wall clock stepped back */

	if (v.seconds)
		fprintf(f, " %s%lld.%03lld\n", v.n < 0 ? "-" : "", a / 1000,
		    a % 1000);
	else
		fprintf(f, " %lld\n", v.n);
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* One sample per child, labelled with its name and group. */
static void
per_child(FILE *f, json_t *kids, const char *name, const char *type,
    const char *help, struct value (*value)(json_t *c))
{
	json_t *c;
	size_t i;

	head(f, name, type, help);
	json_array_foreach(kids, i, c) {
		struct value v = value(c);
		if (!v.ok)
			continue;
		fprintf(f, "%s{name=\"", name);
		label(f, str(c, "name"));
		fputs("\",group=\"", f);
		label(f, str(c, "group"));
		fputs("\"}", f);
		value_print(f, v);
	}
}

static struct value
integer(json_t *o, const char *key, long long scale)
{
	json_t *j = json_object_get(o, key);

	return (struct value){.ok = json_is_integer(j),
	    .n = (long long)json_integer_value(j) * scale};
}

static struct value
running(json_t *c)
{
	const char *s = str(c, "state");

	return (struct value){.ok = true, .n = s != NULL &&
	    strcmp(s, "running") == 0};
}

static struct value
restarts(json_t *c)
{
	return integer(c, "restarts", 1);
}

static struct value
uptime(json_t *c)
{
	struct value v = integer(c, "uptime_ms", 1);

	v.seconds = true;
	return v;
}

static struct value
rss(json_t *c)
{
	return integer(c, "rss_kb", 1024);
}

static struct value
cg_memory(json_t *c)
{
	return integer(c, "memory_bytes", 1);
}

static struct value
cg_cpu(json_t *c)
{
	struct value v = integer(c, "cpu_usec", 1);

	v.n /= 1000; /* milliseconds, printed as seconds */
	v.seconds = true;
	return v;
}

/* 1 healthy, 0 unhealthy; no sample without a probe, or no answer yet. */
static struct value
healthy(json_t *c)
{
	const char *h = str(c, "health");

	return (struct value){.ok = h != NULL && (strcmp(h, "healthy") == 0 ||
	    strcmp(h, "unhealthy") == 0), .n = h != NULL && strcmp(h,
	    "healthy") == 0};
}

/* sup_child_restarts_by_reason_total: one sample per child and reason. */
static void
by_reason(FILE *f, json_t *kids)
{
	const char *name = "sup_child_restarts_by_reason_total", *why;
	json_t *c, *n;
	size_t i;

	head(f, name, "counter", "Restarts of the child since supd started, "
	    "by reason (exit, signal, start_timeout, sibling, group, other, "
	    "watchdog, health, memory).");
	json_array_foreach(kids, i, c) {
		json_object_foreach(json_object_get(c, "restarts_by_reason"),
		    why, n) {
			fprintf(f, "%s{name=\"", name);
			label(f, str(c, "name"));
			fputs("\",reason=\"", f);
			label(f, why);
			fputs("\"}", f);
			value_print(f, (struct value){.n =
			    (long long)json_integer_value(n)});
		}
	}
}

/* A family of one sample about supd, when status has it. */
static void
single(FILE *f, const char *name, const char *type, const char *help,
    struct value v)
{
	head(f, name, type, help);
	if (!v.ok)
		return;
	fputs(name, f);
	value_print(f, v);
}

static void
supervisor(FILE *f, json_t *s)
{
	struct value up = integer(s, "uptime_ms", 1);

	up.seconds = true;
	single(f, "sup_supervisor_uptime_seconds", "gauge",
	    "Seconds since supd started.", up);
	single(f, "sup_supervisor_persisting", "gauge",
	    "1 when supd's database takes its writes.", (struct value){
	    .ok = true, .n = json_is_true(json_object_get(s, "persisting"))});
	single(f, "sup_supd_resident_memory_bytes", "gauge",
	    "Resident memory of supd itself.", integer(s, "rss_kb", 1024));
	single(f, "sup_supd_open_fds", "gauge",
	    "File descriptors supd has open.", integer(s, "open_fds", 1));
	single(f, "sup_supd_reloads_total", "counter",
	    "Configuration reloads since supd started.",
	    integer(s, "reloads", 1));
}

void
metrics_write(FILE *f, json_t *status)
{
	json_t *kids = json_object_get(status, "children");

	supervisor(f, json_object_get(status, "supervisor"));
	per_child(f, kids, "sup_child_running", "gauge",
	    "1 when the child is running (and ready).", running);
	per_child(f, kids, "sup_child_restarts_total", "counter",
	    "Restarts of the child since it was first started.", restarts);
	per_child(f, kids, "sup_child_uptime_seconds", "gauge",
	    "Seconds since the child's process started.", uptime);
	per_child(f, kids, "sup_child_resident_memory_bytes", "gauge",
	    "Resident memory of the child's process.", rss);
	per_child(f, kids, "sup_child_memory_bytes", "gauge",
	    "Memory of the child's cgroup: every process in it (no sample "
	    "without a cgroup).", cg_memory);
	per_child(f, kids, "sup_child_cpu_seconds_total", "counter",
	    "CPU time of the child's cgroup since it was made (no sample "
	    "without a cgroup).", cg_cpu);
	per_child(f, kids, "sup_child_healthy", "gauge",
	    "1 when the child's last health probe passed, 0 when it failed "
	    "(no sample: no probe, or none answered yet).", healthy);
	by_reason(f, kids);
}
