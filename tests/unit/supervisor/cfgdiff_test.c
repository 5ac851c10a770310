/*
 * tests/unit/supervisor/cfgdiff_test.c — what a reload changes (cfgdiff.h),
 * from two config texts: which nodes are added, removed, restarted or
 * changed in place, and which keys decided it. One row per rule.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/cfgdiff.h"

struct row {
	const char *name;
	const char *old_text, *new_text;
	const char *want; /* "kind name (what); ..." in the diff's order */
	const char *refused; /* a part of the refusal, or NULL */
};

#define W(name, rest) "[worker " name "]\ncommand = /bin/sleep 9\n" rest

static const struct row rows[] = {
	{"identical", W("a", ""), W("a", ""), "", NULL},
	{"comments do not count", W("a", ""), "; hi\n" W("a", ""), "", NULL},
	{"added", W("a", ""), W("a", "") W("b", ""), "added b", NULL},
	{"removed", W("a", "") W("b", ""), W("a", ""), "removed b", NULL},
	{"removed in reverse order", W("a", "") W("b", "") W("c", ""),
	    W("a", ""), "removed c; removed b", NULL},
	{"command restarts", W("a", ""),
	    "[worker a]\ncommand = /bin/sleep 10\n",
	    "restarted a (command)", NULL},
	{"env restarts", W("a", "env = A=1\n"), W("a", "env = A=2\n"),
	    "restarted a (env)", NULL},
	{"ready restarts", W("a", ""), W("a", "ready = notify\n"),
	    "restarted a (ready)", NULL},
	{"directory restarts", W("a", ""), W("a", "directory = /tmp\n"),
	    "restarted a (directory)", NULL},
	{"stdout restarts", W("a", ""), W("a", "stdout = null\n"),
	    "restarted a (stdout)", NULL},
	{"restart keys win", W("a", ""),
	    "[worker a]\ncommand = /bin/sleep 10\nbackoff = 1s 2s\n",
	    "restarted a (command)", NULL},
	{"backoff in place", W("a", ""), W("a", "backoff = 1s 2s\n"),
	    "changed a (backoff)", NULL},
	{"timeouts and signal in place", W("a", ""),
	    W("a", "shutdown = 1s\nstop_signal = INT\nstart_timeout = 9s\n"),
	    "changed a (start_timeout, shutdown, stop_signal)", NULL},
	{"restart type in place", W("a", ""), W("a", "restart = transient\n"),
	    "changed a (restart)", NULL},
	{"moved to a group in place", "[group g]\n" W("a", ""),
	    "[group g]\n" W("a", "group = g\n"), "changed a (group)", NULL},
	{"pool grows", W("p", "instances = 2\n"), W("p", "instances = 3\n"),
	    "added p.2", NULL},
	{"pool shrinks", W("p", "instances = 3\n"), W("p", "instances = 2\n"),
	    "removed p.2", NULL},
	{"pool to one", W("p", "instances = 2\n"), W("p", ""),
	    "added p; removed p.1; removed p.0", NULL},
	{"pool changed", W("p", "instances = 2\n"),
	    "[worker p]\ncommand = /bin/sleep 1\ninstances = 2\n",
	    "restarted p.0 (command); restarted p.1 (command)", NULL},
	{"group keys in place", "[group g]\n",
	    "[group g]\nstrategy = one_for_all\nintensity = 1\nperiod = 1s\n",
	    "changed g (strategy, intensity, period)", NULL},
	{"root keys in place", W("a", ""),
	    "[supervisor]\nintensity = 1\non_give_up = stay\n" W("a", ""),
	    "changed root (intensity, on_give_up)", NULL},
	{"http in place", W("a", ""), "[supervisor]\nhttp = 9464\n" W("a", ""),
	    "changed root (http)", NULL},
	{"http port in place", "[supervisor]\nhttp = 9464\n" W("a", ""),
	    "[supervisor]\nhttp = 9465\n" W("a", ""), "changed root (http)",
	    NULL},
	{"a watchdog restarts: WATCHDOG_USEC is in its environment",
	    W("a", "ready = notify\n"),
	    W("a", "ready = notify\nwatchdog = 5s\n"),
	    "restarted a (watchdog)", NULL},
	{"a new watchdog interval restarts",
	    W("a", "ready = sup\nwatchdog = 5s\n"),
	    W("a", "ready = sup\nwatchdog = 10s\n"),
	    "restarted a (watchdog)", NULL},
	{"a health probe applies in place", W("a", ""),
	    W("a", "health = /bin/true\n"), "changed a (health)", NULL},
	{"a new probe command applies in place",
	    W("a", "health = /bin/true\n"), W("a", "health = /bin/false\n"),
	    "changed a (health)", NULL},
	{"health tuning applies in place", W("a", "health = /bin/true\n"),
	    W("a", "health = /bin/true\nhealth_interval = 1s\n"
	    "health_retries = 9\n"), "changed a (health tuning)", NULL},
	{"dropping the probe applies in place",
	    W("a", "health = /bin/true\nhealth_timeout = 1s\n"), W("a", ""),
	    "changed a (health, health tuning)", NULL},
	{"group becomes a worker", "[group x]\n", W("x", ""),
	    "added x; removed x", NULL},
	{"listen added restarts", W("a", ""), W("a", "listen = tcp:8080\n"),
	    "restarted a (listen)", NULL},
	{"listen changed restarts", W("a", "listen = tcp:8080\n"),
	    W("a", "listen = tcp:8081\n"), "restarted a (listen)", NULL},
	{"listen unchanged keeps the child", W("a", "listen = tcp:8080\n"),
	    W("a", "listen = tcp:127.0.0.1:8080\nbackoff = 1s 2s\n"),
	    "changed a (backoff)", NULL},
	{"listen order restarts", W("a", "listen = tcp:1 tcp:2\n"),
	    W("a", "listen = tcp:2 tcp:1\n"), "restarted a (listen)", NULL},
	{"listen_name restarts", W("a", "listen = tcp:1\n"),
	    W("a", "listen = tcp:1\nlisten_name = web\n"),
	    "restarted a (listen)", NULL},
	{"a pool's listen restarts each instance",
	    W("p", "instances = 2\nlisten = tcp:1\n"),
	    W("p", "instances = 2\nlisten = unix:/tmp/p.sock\n"),
	    "restarted p.0 (listen); restarted p.1 (listen)", NULL},
	{"run_dir refused", W("a", ""), "[supervisor]\nrun_dir = /tmp/o\n"
	    W("a", ""), "", "run_dir cannot change"},
	{"state refused", W("a", ""), "[supervisor]\nstate = off\n" W("a", ""),
	    "", "state cannot change"},
};

static struct sup_config *
parse(const char *text)
{
	struct sup_config *c = NULL;
	struct cfg_errors errs;
	sup_err e = cfg_load_text("/tmp/cfgdiff/sup.conf", text, strlen(text),
	    "/tmp/cfgdiff/run", 0, &c, &errs);

	cr_assert_eq(e, SUP_OK, "%s: %s", text, errs.n ? errs.msgs[0] : "?");
	return c;
}

static void
render(const struct cfg_diff *d, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < d->n && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s %s%s%s%s",
		    i ? "; " : "", cfg_diff_kind_name(d->v[i].kind),
		    d->v[i].name, d->v[i].what[0] ? " (" : "", d->v[i].what,
		    d->v[i].what[0] ? ")" : "");
}

#define NROWS ((int)(sizeof(rows) / sizeof(rows[0])))

/* Rows go by index: Criterion copies parameters into the test's
 * process, and a struct of pointers is better not copied. */
static int row_ids[NROWS];

ParameterizedTestParameters(cfgdiff, rules)
{
	for (int i = 0; i < NROWS; i++)
		row_ids[i] = i;
	return cr_make_param_array(int, row_ids, NROWS);
}

ParameterizedTest(int *id, cfgdiff, rules)
{
	const struct row *r = &rows[*id];
	struct sup_config *a = parse(r->old_text), *b = parse(r->new_text);
	struct cfg_diff d;
	char got[1024];

	cr_assert_eq(cfg_diff(a, b, &d), SUP_OK, "%s", r->name);
	render(&d, got, sizeof(got));
	if (r->refused != NULL)
		cr_assert(strstr(d.refused, r->refused) != NULL, "%s: %s",
		    r->name, d.refused);
	else
		cr_assert_str_eq(d.refused, "", "%s", r->name);
	cr_assert_str_eq(got, r->want, "%s", r->name);
	cfg_diff_fini(&d);
	cfg_free(a);
	cfg_free(b);
}

/* The JSON a reply carries: names for added and removed, keys for the
 * others. */
Test(cfgdiff, json)
{
	struct sup_config *a = parse(W("a", "") W("b", "")),
	    *b = parse("[worker a]\ncommand = /bin/sleep 1\n" W("c", ""));
	struct cfg_diff d;
	json_t *j;
	char *s;

	cr_assert_eq(cfg_diff(a, b, &d), SUP_OK);
	j = cfg_diff_json(&d);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	cr_assert_str_eq(s, "{\"added\":[\"c\"],\"changed\":[],\"removed\":"
	    "[\"b\"],\"restarted\":[{\"name\":\"a\",\"what\":\"command\"}]}");
	free(s);
	json_decref(j);
	cfg_diff_fini(&d);
	cfg_free(a);
	cfg_free(b);
}
