/*
 * tests/scenario/status_test.c — `supctl status --json` keeps its
 * contract (DESIGN.md section 5, supctl(1)): every documented key, in
 * its order, with its type, for a tree that shows them all (a pool, a
 * group, a child stopped by the user, one in backoff, one with a health
 * probe and a watchdog, one that exited with a reason, one with
 * sockets); and text from outside comes out as the same JSON value as
 * before supd wrote its status as text: a STATUS= line with quotes and
 * backslashes, one that is not UTF-8, and a run dir whose path holds a
 * quote, a backslash, a tab and a byte that is not UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "tests/t.h"

#define CHILD T_HELPER("t-child")
#define WATCHDOG T_HELPER("t-watchdog")

T_SCENARIO_SUITE(status, 90);

/* A key and its types: s string, i integer, b boolean, o object, a
 * array, n null. */
struct key {
	const char *name;
	const char *types;
};

static const struct key supervisor_keys[] = {
    {"pid", "i"}, {"uptime_ms", "i"}, {"state", "s"}, {"persisting", "b"},
    {"started_at", "s"}, {"version", "s"}, {"run_dir", "s"},
    {"config", "s"}, {"bad_requests", "i"}, {"refused_requests", "i"},
    {"lost_replies", "i"}, {"orphans_reaped", "i"},
    {"persist_error", "sn"}, {"state_db", "sn"}, {"recovered", "b"},
    {"events_lost", "i"}, {"adopted", "i"}, {"bad_events", "i"},
    {"reexecs", "i"}, {"log_holder", "o"}, {"cgroups", "s"},
    {"cgroups_path", "sn"}, {"cgroups_note", "sn"}, {"rss_kb", "in"},
    {"open_fds", "in"}, {"reloads", "i"}, {"http", "sn"}, {NULL, NULL},
};

/* A worker's keys up to health, which health_keys or no_health_keys
 * follow, then backoff_ms in backoff. */
static const struct key worker_keys[] = {
    {"name", "s"}, {"group", "s"}, {"state", "s"}, {"status", "sn"},
    {"status_text", "sn"}, {"pid", "in"}, {"restarts", "i"},
    {"uptime_ms", "in"}, {"last_exit", "on"}, {"restart", "s"},
    {"ready", "s"}, {"stopped_by_user", "b"}, {"rss_kb", "in"},
    {"memory_bytes", "in"}, {"cpu_usec", "in"},
    {"restarts_by_reason", "o"}, {"listen", "a"}, {NULL, NULL},
};
static const struct key health_keys[] = {
    {"health", "s"}, {"health_failures", "i"}, {"health_output", "sn"},
    {"watchdog_ms", "in"}, {NULL, NULL},
};
static const struct key no_health_keys[] = {
    {"health", "n"}, {"watchdog_ms", "in"}, {NULL, NULL},
};
static const struct key backoff_keys[] = {{"backoff_ms", "i"}, {NULL, NULL}};

static const struct key group_keys[] = {
    {"name", "s"}, {"parent", "sn"}, {"state", "s"}, {"strategy", "s"},
    {"restarts", "i"}, {"intensity", "i"}, {"period_ms", "i"},
    {"recent_restarts", "i"}, {"stopped_by_user", "b"}, {NULL, NULL},
};

static const struct key exit_keys[] = {
    {"code", "in"}, {"signal", "in"}, {"reason", "s"}, {"at", "s"},
    {NULL, NULL},
};
static const struct key log_holder_keys[] = {
    {"pid", "in"}, {"restarts", "i"}, {NULL, NULL},
};
static const struct key reason_keys[] = {
    {"exit", "i"}, {"signal", "i"}, {"start_timeout", "i"},
    {"sibling", "i"}, {"group", "i"}, {"other", "i"}, {"watchdog", "i"},
    {"health", "i"}, {"memory", "i"}, {NULL, NULL},
};

static char
type_of(json_t *v)
{
	return json_is_string(v) ? 's' : json_is_integer(v) ? 'i' :
	    json_is_boolean(v) ? 'b' : json_is_object(v) ? 'o' :
	    json_is_array(v) ? 'a' : json_is_null(v) ? 'n' : '?';
}

/* The keys of o from iter on are keys[], in order, each of its type;
 * returns the iterator past them. */
static void *
keys_in_order(json_t *o, void *iter, const struct key *keys,
    const char *where)
{
	for (; keys->name != NULL; keys++, iter = json_object_iter_next(o,
	    iter)) {
		cr_assert_not_null(iter, "%s: no %s (or not in its place)",
		    where, keys->name);
		cr_assert_str_eq(json_object_iter_key(iter), keys->name,
		    "%s: %s where %s belongs", where,
		    json_object_iter_key(iter), keys->name);
		cr_assert(strchr(keys->types, type_of(json_object_iter_value(
		    iter))) != NULL, "%s.%s: type %c, not one of %s", where,
		    keys->name, type_of(json_object_iter_value(iter)),
		    keys->types);
	}
	return iter;
}

static void
exactly(json_t *o, const struct key *keys, const char *where)
{
	cr_assert_null(keys_in_order(o, json_object_iter(o), keys, where),
	    "%s: a key past the documented ones", where);
}

static void
worker_exactly(json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	void *it = keys_in_order(c, json_object_iter(c), worker_keys, name);
	bool probe = json_is_string(json_object_get(c, "health"));

	it = keys_in_order(c, it, probe ? health_keys : no_health_keys, name);
	if (strcmp(json_string_value(json_object_get(c, "state")),
	    "backoff") == 0)
		it = keys_in_order(c, it, backoff_keys, name);
	cr_assert_null(it, "%s: a key past the documented ones", name);
	if (json_is_object(json_object_get(c, "last_exit")))
		exactly(json_object_get(c, "last_exit"), exit_keys, name);
	exactly(json_object_get(c, "restarts_by_reason"), reason_keys, name);
}

static const char *
str(json_t *status, const char *child, const char *key)
{
	json_t *c = t_kid(status, child);

	cr_assert_not_null(c, "no child %s", child);
	return json_string_value(json_object_get(c, key));
}

/* kid's key is the string want. */
static bool
kid_is(const char *kid, const char *key, const char *want)
{
	json_t *s = t_status(&env);
	const char *v = s != NULL ? json_string_value(json_object_get(
	    t_kid(s, kid), key)) : NULL;
	bool same = v != NULL && strcmp(v, want) == 0;

	json_decref(s);
	return same;
}

/* What t-child --status-garbage sends after STATUS=. */
static void
garbage(char out[401])
{
	for (int k = 0; k < 400; k += 2) {
		out[k] = (char)0xc3;
		out[k + 1] = (char)((k + 7) % 3 ? 0xa9 : 0xff);
	}
	out[400] = '\0';
}

/* The tree that shows every key, started and brought where it shows
 * them. */
static void
tree_start(void)
{
	/* A path proto_text() made printable: not UTF-8, with a tab. */
	snprintf(env.run, sizeof(env.run), "%s/r\"u\\n\t\xff", env.dir);
	t_conf(&env, "intensity = 1000\nperiod = 60s\n"
	    "[worker p]\ncommand = " CHILD "\ninstances = 2\n"
	    "[group g]\nstrategy = rest_for_one\n"
	    "[worker quoted]\ngroup = g\nready = notify\n"
	    "command = " CHILD " \"--status=a\\\"b\\\\c\" --ready-after=10\n"
	    "[worker garbled]\nready = notify\n"
	    "command = " CHILD " --status-garbage --ready-after=10\n"
	    "[worker stopme]\ncommand = " CHILD "\n"
	    "[worker boff]\nbackoff = 60s 60s\n"
	    "command = " CHILD " --exit-after=50 --code=3\n"
	    "[worker probed]\ncommand = " WATCHDOG "\nready = notify\n"
	    "watchdog = 5s\nhealth_interval = 1s\n"
	    "health = /bin/sh -c \"echo 'ok \\\" ok'\"\n"
	    "[worker died]\nrestart = temporary\n"
	    "command = " CHILD " --exit-after=50 --kill-self=9\n"
	    "[worker sock]\ncommand = " CHILD "\nlisten = unix:s.sock\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "stopme", NULL), 0);
	cr_assert(T_WAIT(kid_is("boff", "state", "backoff"), T_WAIT_MS));
	cr_assert(T_WAIT(kid_is("probed", "health", "healthy"), T_WAIT_MS));
	cr_assert(T_WAIT(kid_is("died", "state", "stopped"), T_WAIT_MS));
	cr_assert(T_WAIT(kid_is("quoted", "state", "running"), T_WAIT_MS));
	cr_assert(T_WAIT(kid_is("garbled", "state", "running"), T_WAIT_MS));
}

Test(status, every_documented_key_is_there_in_order_with_its_type)
{
	json_t *s, *c, *g;
	size_t i;

	tree_start();
	cr_assert_not_null(s = t_status(&env), "%s", t_status_err);
	cr_assert_null(json_object_get(s, "ok"), "supctl drops \"ok\"");
	exactly(json_object_get(s, "supervisor"), supervisor_keys,
	    "supervisor");
	exactly(json_object_get(json_object_get(s, "supervisor"),
	    "log_holder"), log_holder_keys, "log_holder");
	cr_assert_eq(json_array_size(json_object_get(s, "children")), 9);
	json_array_foreach(json_object_get(s, "children"), i, c)
		worker_exactly(c);
	cr_assert_eq(json_array_size(json_object_get(s, "groups")), 2);
	json_array_foreach(json_object_get(s, "groups"), i, g)
		exactly(g, group_keys, json_string_value(json_object_get(g,
		    "name")));
	/* What each one was brought to. */
	cr_assert(json_is_true(json_object_get(t_kid(s, "stopme"),
	    "stopped_by_user")));
	cr_assert_str_eq(str(s, "died", "state"), "stopped");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    t_kid(s, "died"), "last_exit"), "reason")),
	    "killed by signal 9 (KILL)");
	cr_assert_str_eq(str(s, "probed", "health_output"), "ok \" ok");
	cr_assert_str_eq(json_string_value(json_object_get(t_group(s, "g"),
	    "parent")), "root");
	json_decref(s);
}

Test(status, text_from_outside_is_the_same_json_value_as_before)
{
	char sock[300], run[300], raw[401], want[401];
	json_t *s, *l;

	tree_start();
	cr_assert_not_null(s = t_status(&env), "%s", t_status_err);
	cr_assert_str_eq(str(s, "quoted", "status_text"), "a\"b\\c");
	/* supd keeps a STATUS= cleaned and cut to 255 bytes (sdnotify.c). */
	garbage(raw);
	utf8_clean(want, 256, raw);
	cr_assert_str_eq(str(s, "garbled", "status_text"), want);
	/* Not UTF-8 as a whole: each invalid byte and each control
	 * character made '?', as proto_text() did. */
	snprintf(run, sizeof(run), "%s/r\"u\\n??", env.dir);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    s, "supervisor"), "run_dir")), run);
	snprintf(sock, sizeof(sock), "unix:%s/s.sock", env.dir);
	l = json_object_get(t_kid(s, "sock"), "listen");
	cr_assert_eq(json_array_size(l), 1);
	cr_assert_str_eq(json_string_value(json_array_get(l, 0)), sock);
	json_decref(s);
}
