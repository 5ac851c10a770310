/*
 * tests/unit/shared/config_test.c — sup.conf as DESIGN.md section 5
 * describes it: every key, every default, path resolution, and one clear
 * "file:line: key: what was expected" error for each kind of bad input.
 *
 * Each test writes its files into its own mkdtemp() directory under /tmp,
 * removed afterwards.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/dur.h"
#include "shared/config.h"

static char tdir[64];	 /* the test's temp dir, as mkdtemp made it */
static char conf[128];	 /* tdir/sup.conf */
static char defrun[128]; /* the default_run_dir given to cfg_load */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	remove(path);
	return 0;
}

static void
setup(void)
{
	char tmpl[] = "/tmp/sup-config-test-XXXXXX";

	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp: %s", strerror(errno));
	snprintf(tdir, sizeof(tdir), "%s", tmpl);
	snprintf(conf, sizeof(conf), "%s/sup.conf", tdir);
	snprintf(defrun, sizeof(defrun), "%s/default-run", tdir);
}

static void
teardown(void)
{
	if (tdir[0] != '\0')
		nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(supd_config, .init = setup, .fini = teardown);

/* tdir/name, in one of a few rotating buffers. */
static const char *
tpath(const char *name)
{
	static char bufs[8][PATH_MAX + 64];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, PATH_MAX + 64, "%s/%s", tdir, name);
	return b;
}

/* Writes tdir/name with the given mode. */
static void
put(const char *name, const char *text, mode_t mode)
{
	const char *p = tpath(name);
	FILE *f = fopen(p, "w");

	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(p, mode), 0);
}

static void
mkdir_t(const char *name)
{
	cr_assert_eq(mkdir(tpath(name), 0755), 0, "mkdir %s: %s", name,
	    strerror(errno));
}

/* Every error message, one a line, for failure reports. */
static const char *
all_errs(const struct cfg_errors *e)
{
	static char buf[16384];
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < e->n && len < sizeof(buf) - 1; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "  %s\n",
		    e->msgs[i]);
	if (e->n == 0)
		snprintf(buf, sizeof(buf), "  (no errors)\n");
	return buf;
}

/* Whether one message contains every string of the NULL-terminated list. */
static bool
has_err(const struct cfg_errors *e, ...)
{
	for (int i = 0; i < e->n; i++) {
		const char *want;
		bool all = true;
		va_list ap;

		va_start(ap, e);
		while ((want = va_arg(ap, const char *)) != NULL) {
			if (strstr(e->msgs[i], want) == NULL)
				all = false;
		}
		va_end(ap);
		if (all)
			return true;
	}
	return false;
}

/* "CONF:LINE: KEY: " (or "CONF:LINE: " without a key), rotating buffers. */
static const char *
at(int line, const char *key)
{
	static char bufs[8][PATH_MAX + 128];
	static int i;
	char *b = bufs[i++ % 8];

	if (key != NULL)
		snprintf(b, PATH_MAX + 128, "%s:%d: %s: ", conf, line, key);
	else
		snprintf(b, PATH_MAX + 128, "%s:%d: ", conf, line);
	return b;
}

/* Some error contains all the given strings. */
#define ERR_HAS(e, ...)                                                    \
	cr_assert(has_err((e), __VA_ARGS__, (const char *)NULL),           \
	    "expected an error with all of: %s\ngot:\n%s", #__VA_ARGS__,     \
	    all_errs(e))
/* No error contains all the given strings. */
#define ERR_HASNT(e, ...)                                                  \
	cr_assert_not(has_err((e), __VA_ARGS__, (const char *)NULL),       \
	    "unexpected error with all of: %s\ngot:\n%s", #__VA_ARGS__,      \
	    all_errs(e))
/* Exactly one error, and it contains all the given strings. */
#define ERR_ONLY(e, ...)                                                   \
	do {                                                               \
		ERR_HAS(e, __VA_ARGS__);                                   \
		cr_assert_eq((e)->n, 1,                                    \
		    "expected exactly one error, got:\n%s", all_errs(e));  \
	} while (0)

/* Writes text to sup.conf and loads it. */
static sup_err
load(const char *text, unsigned flags, struct sup_config **c,
    struct cfg_errors *e)
{
	put("sup.conf", text, 0644);
	*c = NULL;
	return cfg_load(conf, defrun, flags, c, e);
}

/* Loads text and fails the test unless it is valid. */
static struct sup_config *
load_ok_flags(const char *text, unsigned flags)
{
	struct cfg_errors e;
	struct sup_config *c;
	sup_err rv = load(text, flags, &c, &e);

	cr_assert_eq(rv, SUP_OK, "cfg_load = %d (%s); errors:\n%s", rv,
	    sup_strerror(rv), all_errs(&e));
	cr_assert_eq(e.n, 0, "errors on success:\n%s", all_errs(&e));
	cr_assert_not_null(c);
	cfg_errors_fini(&e);
	return c;
}

static struct sup_config *
load_ok(const char *text)
{
	return load_ok_flags(text, 0);
}

/* Loads text and fails the test unless it is refused with SUP_EINVAL. */
static void
load_bad_flags(const char *text, unsigned flags, struct cfg_errors *e)
{
	struct sup_config *c;
	sup_err rv = load(text, flags, &c, e);
	bool got = c != NULL;

	cfg_free(c);
	cr_assert_eq(rv, SUP_EINVAL, "cfg_load = %d (%s), expected SUP_EINVAL;"
	    " errors:\n%s", rv, sup_strerror(rv), all_errs(e));
	cr_assert_not(got, "a config was returned with the errors");
	cr_assert_gt(e->n, 0, "refused without an error message");
}

static void
load_bad(const char *text, struct cfg_errors *e)
{
	load_bad_flags(text, 0, e);
}

static struct cfg_worker *
worker(const struct sup_config *c, const char *name)
{
	for (int i = 0; i < c->nworkers; i++) {
		if (strcmp(c->workers[i]->name, name) == 0)
			return c->workers[i];
	}
	cr_assert_fail("no worker %s in the config", name);
	return NULL;
}

static struct cfg_group *
group(const struct sup_config *c, const char *name)
{
	struct cfg_group *g = cfg_group_find(c, name);

	cr_assert_not_null(g, "no group %s in the config", name);
	return g;
}

/* The argv of w is exactly the NULL-terminated list that follows. */
static void
argv_is(const struct cfg_worker *w, ...)
{
	const char *want;
	int i = 0;
	va_list ap;

	cr_assert_not_null(w->argv);
	va_start(ap, w);
	while ((want = va_arg(ap, const char *)) != NULL) {
		cr_assert_not_null(w->argv[i], "argv of %s: too few words",
		    w->name);
		cr_assert_str_eq(w->argv[i], want, "argv[%d] of %s", i,
		    w->name);
		i++;
	}
	va_end(ap);
	cr_assert_null(w->argv[i], "argv of %s: too many words (argv[%d] = "
	    "[%s])", w->name, i, w->argv[i]);
}

/* ------------------------------------------------------------------------
 * A valid file
 */

static const char full_conf[] =
    "; every key of sup.conf\n"			/* 1 */
    "[supervisor]\n"				/* 2 */
    "run_dir    = ./run\n"				/* 3 */
    "state      = ./data/state.db\n"		/* 4 */
    "strategy   = one_for_all\n"			/* 5 */
    "intensity  = 7\n"				/* 6 */
    "period     = 20s\n"				/* 7 */
    "shutdown   = 1m\n"				/* 8 */
    "on_give_up = stay\n"			/* 9 */
    "durability = power\n"			/* 10 */
    "\n"					/* 11 */
    "[group backend]\n"				/* 12 */
    "parent        = root\n"			/* 13 */
    "strategy      = rest_for_one\n"		/* 14 */
    "intensity     = 3\n"			/* 15 */
    "period        = 5s\n"			/* 16 */
    "shutdown      = 30s\n"			/* 17 */
    "backoff       = 200ms 10s\n"		/* 18 */
    "backoff_reset = 1m\n"			/* 19 */
    "\n"					/* 20 */
    "[group cache]\n"				/* 21 */
    "parent   = backend\n"			/* 22 */
    "strategy = one_for_one\n"			/* 23 */
    "\n"					/* 24 */
    "[worker kv]\n"				/* 25 */
    "group         = backend\n"			/* 26 */
    "command       = ./bin/kv-worker --capacity=1000 'two words'\n" /* 27 */
    "restart       = transient\n"		/* 28 */
    "instances     = 1\n"			/* 29 */
    "ready         = sup\n"			/* 30 */
    "start_timeout = 2.5s\n"			/* 31 */
    "shutdown      = 3s\n"			/* 32 */
    "stop_signal   = INT\n"			/* 33 */
    "backoff       = 50ms 5s\n"			/* 34 */
    "backoff_reset = 20s\n"			/* 35 */
    "directory     = ./srv\n"			/* 36 */
    "user          = nobody\n"			/* 37 */
    "env           = LANG=C.UTF-8 \"GREETING=hello world\"\n" /* 38 */
    "env           = EXTRA=1\n"			/* 39 */
    "stdout        = null\n"			/* 40 */
    "\n"					/* 41 */
    "[worker pool]\n"				/* 42 */
    "group       = cache\n"			/* 43 */
    "command     = /bin/sleep 100\n"		/* 44 */
    "instances   = 4\n"			/* 45 */
    "ready       = notify\n"			/* 46 */
    "restart     = temporary\n"		/* 47 */
    "shutdown    = brutal_kill\n"		/* 48 */
    "stop_signal = SIGHUP\n"			/* 49 */
    "stdout      = inherit\n";			/* 50 */

Test(supd_config, a_full_config_sets_supervisor_keys)
{
	struct sup_config *c = load_ok(full_conf);

	cr_assert_str_eq(c->run_dir, tpath("run"));
	cr_assert_str_eq(c->state_path, tpath("data/state.db"));
	cr_assert_str_eq(c->root->name, "root");
	cr_assert_null(c->root->parent);
	cr_assert_eq(c->root->strategy, STRAT_ONE_FOR_ALL);
	cr_assert_eq(c->root->intensity, 7);
	cr_assert_eq(c->root->period_ms, 20000);
	cr_assert_eq(c->root->shutdown_ms, 60000);
	cr_assert_eq(c->on_give_up, GIVE_UP_STAY);
	cr_assert_eq(c->durability, DURABILITY_POWER);
	cfg_free(c);
}

Test(supd_config, a_full_config_sets_nested_groups)
{
	struct sup_config *c = load_ok(full_conf);
	struct cfg_group *be, *ca;

	cr_assert_eq(c->ngroups, 3);
	be = group(c, "backend");
	ca = group(c, "cache");
	cr_assert_eq(be->parent, c->root);
	cr_assert_eq(ca->parent, be);
	cr_assert_eq(be->line, 12);
	cr_assert_eq(be->strategy, STRAT_REST_FOR_ONE);
	cr_assert_eq(be->intensity, 3);
	cr_assert_eq(be->period_ms, 5000);
	cr_assert_eq(be->shutdown_ms, 30000);
	cr_assert_eq(be->backoff.first_ms, 200);
	cr_assert_eq(be->backoff.max_ms, 10000);
	cr_assert_eq(be->backoff.reset_ms, 60000);
	cr_assert_eq(ca->strategy, STRAT_ONE_FOR_ONE);
	cfg_free(c);
}

Test(supd_config, a_full_config_sets_every_worker_key)
{
	struct sup_config *c = load_ok(full_conf);
	struct cfg_worker *w;

	cr_assert_eq(c->nworkers, 2);
	w = worker(c, "kv");
	cr_assert_eq(w->line, 25);
	cr_assert_eq(w->group, group(c, "backend"));
	cr_assert_str_eq(w->command,
	    "./bin/kv-worker --capacity=1000 'two words'");
	argv_is(w, "./bin/kv-worker", "--capacity=1000", "two words", NULL);
	cr_assert_str_eq(w->path, tpath("bin/kv-worker"));
	cr_assert_eq(w->restart, RESTART_TRANSIENT);
	cr_assert_eq(w->instances, 1);
	cr_assert_eq(w->ready, READY_SUP);
	cr_assert_eq(w->start_timeout_ms, 2500);
	cr_assert_eq(w->shutdown_ms, 3000);
	cr_assert_not(w->brutal_kill);
	cr_assert_eq(w->stop_signal, SIGINT);
	cr_assert_eq(w->backoff.first_ms, 50);
	cr_assert_eq(w->backoff.max_ms, 5000);
	cr_assert_eq(w->backoff.reset_ms, 20000);
	cr_assert_str_eq(w->directory, tpath("srv"));
	cr_assert(w->has_user);
	cr_assert_str_eq(w->user, "nobody");
	cr_assert_eq(w->nenv, 3);
	cr_assert_str_eq(w->env[0], "LANG=C.UTF-8");
	cr_assert_str_eq(w->env[1], "GREETING=hello world");
	cr_assert_str_eq(w->env[2], "EXTRA=1");
	cr_assert_null(w->env[3]);
	cr_assert_eq(w->out, OUT_NULL);
	cfg_free(c);
}

Test(supd_config, a_full_config_sets_a_pool)
{
	struct sup_config *c = load_ok(full_conf);
	struct cfg_worker *w = worker(c, "pool");

	cr_assert_eq(w->group, group(c, "cache"));
	argv_is(w, "/bin/sleep", "100", NULL);
	cr_assert_str_eq(w->path, "/bin/sleep");
	cr_assert_eq(w->instances, 4);
	cr_assert_eq(w->ready, READY_NOTIFY);
	cr_assert_eq(w->restart, RESTART_TEMPORARY);
	cr_assert(w->brutal_kill);
	cr_assert_eq(w->stop_signal, SIGHUP);
	cr_assert_eq(w->out, OUT_INHERIT);
	cfg_free(c);
}

Test(supd_config, the_design_example_loads)
{
	/* DESIGN.md section 5, comments and all. */
	struct sup_config *c = load_ok(
	    "[supervisor]\n"
	    "run_dir    = ./run          ; control socket, endpoints, logs; "
	    "created 0700\n"
	    "state      = ./run/state.db\n"
	    "strategy   = one_for_one    ; one_for_one | one_for_all | "
	    "rest_for_one\n"
	    "intensity  = 5\n"
	    "period     = 10s\n"
	    "on_give_up = exit           ; exit | stay\n"
	    "durability = crash          ; crash | power\n"
	    "\n"
	    "[group backend]             ; a nested supervisor\n"
	    "parent     = root\n"
	    "strategy   = rest_for_one\n"
	    "intensity  = 3\n"
	    "period     = 5s\n"
	    "\n"
	    "[worker kv]\n"
	    "group         = backend     ; default root; children start in "
	    "file order\n"
	    "command       = ./build/examples/kv-worker --capacity=1000   ; "
	    "argv, shell-style quoting, no shell\n"
	    "restart       = permanent   ; permanent | transient | temporary\n"
	    "instances     = 1           ; N > 1: a pool kv.0 \xe2\x80\xa6 "
	    "kv.N-1\n"
	    "ready         = sup         ; sup | notify | none\n"
	    "start_timeout = 5s\n"
	    "shutdown      = 5s          ; or brutal_kill\n"
	    "stop_signal   = TERM\n"
	    "backoff       = 100ms 30s   ; first delay, cap\n"
	    "backoff_reset = 10s\n"
	    "directory     = /srv/kv\n"
	    "user          = kv          ; only when supd runs as root\n"
	    "env           = LANG=C.UTF-8\n"
	    "stdout        = log         ; log (RUN/log/NAME.log, rotated) | "
	    "inherit | null\n");
	struct cfg_worker *w = worker(c, "kv");

	cr_assert_str_eq(c->run_dir, tpath("run"));
	cr_assert_str_eq(c->state_path, tpath("run/state.db"));
	cr_assert_eq(group(c, "backend")->strategy, STRAT_REST_FOR_ONE);
	argv_is(w, "./build/examples/kv-worker", "--capacity=1000", NULL);
	cr_assert_str_eq(w->path, tpath("build/examples/kv-worker"));
	cr_assert_eq(w->ready, READY_SUP);
	cr_assert_eq(w->stop_signal, SIGTERM);
	cr_assert_str_eq(w->directory, "/srv/kv");
	cr_assert_str_eq(w->user, "kv");
	cr_assert_eq(w->out, OUT_LOG);
	cfg_free(c);
}

/* ------------------------------------------------------------------------
 * Defaults
 */

Test(supd_config, only_command_is_required_and_the_rest_defaults)
{
	struct sup_config *c = load_ok("[worker w]\ncommand = /bin/true\n");
	struct cfg_worker *w;

	cr_assert_eq(c->nworkers, 1);
	w = worker(c, "w");
	cr_assert_eq(w->group, c->root);
	cr_assert_eq(w->restart, RESTART_PERMANENT);
	cr_assert_eq(w->instances, 1);
	cr_assert_eq(w->ready, READY_NONE);
	cr_assert_eq(w->start_timeout_ms, 5000);
	cr_assert_eq(w->shutdown_ms, 5000);
	cr_assert_not(w->brutal_kill);
	cr_assert_eq(w->stop_signal, SIGTERM);
	cr_assert_eq(w->stop_signal, 15);
	cr_assert_eq(w->backoff.first_ms, 100);
	cr_assert_eq(w->backoff.max_ms, 30000);
	cr_assert_eq(w->backoff.reset_ms, 10000);
	cr_assert_null(w->directory);
	cr_assert_not(w->has_user);
	cr_assert_eq(w->nenv, 0);
	cr_assert_eq(w->out, OUT_LOG);
	cfg_free(c);
}

Test(supd_config, the_root_group_defaults_without_a_supervisor_section)
{
	struct sup_config *c = load_ok("[worker w]\ncommand = /bin/true\n");

	cr_assert_not_null(c->root);
	cr_assert_str_eq(c->root->name, "root");
	cr_assert_null(c->root->parent);
	cr_assert_eq(c->root->strategy, STRAT_ONE_FOR_ONE);
	cr_assert_eq(c->root->intensity, 5);
	cr_assert_eq(c->root->period_ms, 10000);
	cr_assert_eq(c->root->shutdown_ms, DUR_INFINITY);
	cr_assert_eq(c->on_give_up, GIVE_UP_EXIT);
	cr_assert_eq(c->durability, DURABILITY_CRASH);
	cfg_free(c);
}

Test(supd_config, a_group_defaults_to_one_for_one_5_in_10s_under_root)
{
	struct sup_config *c = load_ok("[supervisor]\n[group g]\n");
	struct cfg_group *g = group(c, "g");

	cr_assert_eq(g->parent, c->root);
	cr_assert_eq(g->strategy, STRAT_ONE_FOR_ONE);
	cr_assert_eq(g->intensity, 5);
	cr_assert_eq(g->period_ms, 10000);
	cr_assert_eq(g->shutdown_ms, DUR_INFINITY);
	cfg_free(c);
}

Test(supd_config, run_dir_defaults_to_the_given_one_and_state_lives_in_it)
{
	struct sup_config *c = load_ok("[worker w]\ncommand = /bin/true\n");
	char want[PATH_MAX + 32];

	snprintf(want, sizeof(want), "%s/state.db", defrun);
	cr_assert_str_eq(c->run_dir, defrun);
	cr_assert_str_eq(c->state_path, want);
	cfg_free(c);
}

Test(supd_config, state_defaults_to_state_db_in_the_configured_run_dir)
{
	struct sup_config *c = load_ok("[supervisor]\nrun_dir = ./myrun\n");

	cr_assert_str_eq(c->run_dir, tpath("myrun"));
	cr_assert_str_eq(c->state_path, tpath("myrun/state.db"));
	cfg_free(c);
}

Test(supd_config, values_are_not_case_folded_or_trimmed_inside)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nrestart = Permanent\n", &e);
	ERR_ONLY(&e, at(3, "restart"), "\"Permanent\"");
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * Paths
 */

Test(supd_config, relative_paths_are_relative_to_the_config_directory)
{
	struct sup_config *c = load_ok(
	    "[supervisor]\n"
	    "run_dir = run\n"
	    "state = ./a/../db/state.db\n"
	    "[worker w]\n"
	    "command = bin/w --flag\n"
	    "directory = work/./here\n");
	struct cfg_worker *w = worker(c, "w");

	cr_assert_str_eq(c->dir, tdir);
	cr_assert_str_eq(c->run_dir, tpath("run"));
	cr_assert_str_eq(c->state_path, tpath("db/state.db"));
	cr_assert_str_eq(w->path, tpath("bin/w"));
	argv_is(w, "bin/w", "--flag", NULL);
	cr_assert_str_eq(w->directory, tpath("work/here"));
	cfg_free(c);
}

Test(supd_config, parent_directory_references_leave_the_config_directory)
{
	struct sup_config *c = load_ok(
	    "[supervisor]\nrun_dir = ../sibling-run\n"
	    "[worker w]\ncommand = ../bin/w\n");
	char parent[PATH_MAX], want[PATH_MAX + 32];

	snprintf(parent, sizeof(parent), "%s", tdir);
	*strrchr(parent, '/') = '\0';
	snprintf(want, sizeof(want), "%s/sibling-run", parent);
	cr_assert_str_eq(c->run_dir, want);
	snprintf(want, sizeof(want), "%s/bin/w", parent);
	cr_assert_str_eq(worker(c, "w")->path, want);
	cfg_free(c);
}

Test(supd_config, absolute_paths_are_kept)
{
	struct sup_config *c = load_ok(
	    "[supervisor]\nrun_dir = /var/tmp/sup-run\nstate = /var/tmp/s.db\n"
	    "[worker w]\ncommand = /usr/bin/env A=1\ndirectory = /srv\n");
	struct cfg_worker *w = worker(c, "w");

	cr_assert_str_eq(c->run_dir, "/var/tmp/sup-run");
	cr_assert_str_eq(c->state_path, "/var/tmp/s.db");
	cr_assert_str_eq(w->path, "/usr/bin/env");
	cr_assert_str_eq(w->directory, "/srv");
	cfg_free(c);
}

Test(supd_config, a_command_without_a_slash_is_not_resolved_against_the_file)
{
	struct sup_config *c = load_ok("[worker w]\ncommand = sleep 1\n");
	struct cfg_worker *w = worker(c, "w");

	/* Looked up in PATH (only with CFG_CHECK_SYSTEM), never in tdir. */
	cr_assert_str_neq(w->path, tpath("sleep"));
	argv_is(w, "sleep", "1", NULL);
	cfg_free(c);
}

Test(supd_config, a_config_given_by_a_relative_path_resolves_from_its_dir)
{
	char real[PATH_MAX], want[PATH_MAX + 64];
	struct cfg_errors e;
	struct sup_config *c = NULL;
	sup_err rv;

	mkdir_t("sub");
	put("sub/my.conf", "[supervisor]\nrun_dir = run\n[worker w]\n"
	    "command = ./w\n", 0644);
	cr_assert_not_null(realpath(tdir, real));
	cr_assert_eq(chdir(tdir), 0);
	rv = cfg_load("sub/my.conf", defrun, 0, &c, &e);
	cr_assert_eq(rv, SUP_OK, "errors:\n%s", all_errs(&e));
	snprintf(want, sizeof(want), "%s/sub", real);
	cr_assert_str_eq(c->dir, want);
	snprintf(want, sizeof(want), "%s/sub/run", real);
	cr_assert_str_eq(c->run_dir, want);
	snprintf(want, sizeof(want), "%s/sub/w", real);
	cr_assert_str_eq(worker(c, "w")->path, want);
	cfg_free(c);
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * Order
 */

Test(supd_config, items_are_kept_in_file_order)
{
	struct sup_config *c = load_ok(
	    "[group g1]\n"
	    "[worker a]\ngroup = g1\ncommand = /bin/true\n"
	    "[worker b]\ncommand = /bin/true\n"
	    "[group g2]\nparent = g1\n"
	    "[worker c]\ngroup = g2\ncommand = /bin/true\n"
	    "[worker d]\ngroup = g1\ncommand = /bin/true\n");
	static const struct {
		bool is_group;
		const char *name;
	} want[] = {{true, "g1"}, {false, "a"}, {false, "b"}, {true, "g2"},
	    {false, "c"}, {false, "d"}};

	cr_assert_eq(c->nitems, 6);
	for (int i = 0; i < 6; i++) {
		const struct cfg_item *it = &c->items[i];
		cr_assert_eq(it->is_group, want[i].is_group, "item %d", i);
		cr_assert_str_eq(it->is_group ? it->u.group->name
					      : it->u.worker->name,
		    want[i].name, "item %d", i);
	}
	cr_assert_eq(c->nworkers, 4);
	cr_assert_str_eq(c->workers[0]->name, "a");
	cr_assert_str_eq(c->workers[1]->name, "b");
	cr_assert_str_eq(c->workers[2]->name, "c");
	cr_assert_str_eq(c->workers[3]->name, "d");
	cr_assert_eq(worker(c, "c")->group, group(c, "g2"));
	cr_assert_eq(group(c, "g2")->parent, group(c, "g1"));
	cfg_free(c);
}

Test(supd_config, a_group_may_be_referenced_before_it_is_defined)
{
	struct sup_config *c = load_ok(
	    "[worker a]\ngroup = later\ncommand = /bin/true\n"
	    "[group early]\nparent = later\n"
	    "[group later]\n");

	cr_assert_eq(worker(c, "a")->group, group(c, "later"));
	cr_assert_eq(group(c, "early")->parent, group(c, "later"));
	cfg_free(c);
}

Test(supd_config, env_may_be_repeated_and_accumulates_in_order)
{
	struct sup_config *c = load_ok(
	    "[worker w]\ncommand = /bin/true\n"
	    "env = A=1 B=2\nenv = 'C=x y'\nenv = D=\n");
	struct cfg_worker *w = worker(c, "w");

	cr_assert_eq(w->nenv, 4);
	cr_assert_str_eq(w->env[0], "A=1");
	cr_assert_str_eq(w->env[1], "B=2");
	cr_assert_str_eq(w->env[2], "C=x y");
	cr_assert_str_eq(w->env[3], "D=");
	cr_assert_null(w->env[4]);
	cfg_free(c);
}

Test(supd_config, stop_signal_accepts_names_sig_names_and_numbers)
{
	static const struct {
		const char *v;
		int sig;
	} cases[] = {{"TERM", SIGTERM}, {"SIGTERM", SIGTERM}, {"KILL", SIGKILL},
	    {"USR1", SIGUSR1}, {"2", SIGINT}, {"SIGQUIT", SIGQUIT}};
	char text[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sup_config *c;
		snprintf(text, sizeof(text),
		    "[worker w]\ncommand = /bin/true\nstop_signal = %s\n",
		    cases[i].v);
		c = load_ok(text);
		cr_assert_eq(worker(c, "w")->stop_signal, cases[i].sig, "%s",
		    cases[i].v);
		cfg_free(c);
	}
}

Test(supd_config, limits_themselves_are_accepted)
{
	struct sup_config *c = load_ok(
	    "[supervisor]\nintensity = 0\n"
	    "[group g]\nintensity = 10000\n"
	    "[worker w]\ncommand = /bin/true\ninstances = 10000\n"
	    "start_timeout = infinity\nshutdown = infinity\n"
	    "backoff = 0 0\nbackoff_reset = infinity\n");
	struct cfg_worker *w = worker(c, "w");

	cr_assert_eq(c->root->intensity, 0);
	cr_assert_eq(group(c, "g")->intensity, 10000);
	cr_assert_eq(w->instances, 10000);
	cr_assert_eq(w->start_timeout_ms, DUR_INFINITY);
	cr_assert_eq(w->shutdown_ms, DUR_INFINITY);
	cr_assert_eq(w->backoff.first_ms, 0);
	cr_assert_eq(w->backoff.max_ms, 0);
	cr_assert_eq(w->backoff.reset_ms, DUR_INFINITY);
	cfg_free(c);
}

Test(supd_config, a_name_of_64_characters_is_valid)
{
	char text[256], name[65];
	struct sup_config *c;

	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), "[worker %s]\ncommand = /bin/true\n",
	    name);
	c = load_ok(text);
	cr_assert_str_eq(c->workers[0]->name, name);
	cfg_free(c);
}

Test(supd_config, names_may_use_letters_digits_underscore_and_dash)
{
	struct sup_config *c = load_ok(
	    "[group Back_end-2]\n"
	    "[worker kv_store-1]\ngroup = Back_end-2\ncommand = /bin/true\n");

	cr_assert_eq(worker(c, "kv_store-1")->group, group(c, "Back_end-2"));
	cfg_free(c);
}

/* ------------------------------------------------------------------------
 * Sections: each mistake gets one error naming file, line and what to do
 */

Test(supd_config, an_unknown_section_type_is_an_error_with_a_suggestion)
{
	struct cfg_errors e;

	load_bad("[wroker kv]\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(1, NULL), "[wroker kv]", "unknown section",
	    "[supervisor], [group NAME] or [worker NAME]", "worker?");
	cfg_errors_fini(&e);
}

Test(supd_config, an_unrelated_section_type_gets_no_suggestion)
{
	struct cfg_errors e;

	load_bad("[worker a]\ncommand = /bin/true\n[service x]\nfoo = 1\n", &e);
	ERR_ONLY(&e, at(3, NULL), "[service x]", "unknown section");
	ERR_HASNT(&e, "did you mean");
	cfg_errors_fini(&e);
}

Test(supd_config, a_supervisor_section_with_a_name_is_an_error)
{
	struct cfg_errors e;

	load_bad("[supervisor main]\nintensity = 3\n", &e);
	ERR_ONLY(&e, at(1, NULL), "[supervisor main]",
	    "[supervisor] takes no name");
	cfg_errors_fini(&e);
}

Test(supd_config, a_worker_without_a_name_is_an_error)
{
	struct cfg_errors e;

	load_bad("[supervisor]\n[worker]\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(2, NULL), "[worker]", "expected [worker NAME]");
	cfg_errors_fini(&e);
}

Test(supd_config, a_group_without_a_name_is_an_error)
{
	struct cfg_errors e;

	load_bad("[group]\n", &e);
	ERR_ONLY(&e, at(1, NULL), "[group]", "expected [group NAME]");
	cfg_errors_fini(&e);
}

Test(supd_config, a_section_with_two_names_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker a b]\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(1, NULL), "[worker a b]", "expected [worker NAME]");
	cfg_errors_fini(&e);
}

Test(supd_config, a_name_with_a_dot_is_invalid)
{
	struct cfg_errors e;

	load_bad("[worker kv.1]\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(1, NULL), "[worker kv.1]",
	    "\"kv.1\" is not a valid name", "no dots");
	cfg_errors_fini(&e);
}

Test(supd_config, a_name_starting_with_a_dash_is_invalid)
{
	struct cfg_errors e;

	load_bad("[group -g]\n", &e);
	ERR_ONLY(&e, at(1, NULL), "\"-g\" is not a valid name");
	cfg_errors_fini(&e);
}

Test(supd_config, a_name_with_other_characters_is_invalid)
{
	struct cfg_errors e;

	load_bad("[worker k@v]\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(1, NULL), "\"k@v\" is not a valid name");
	cfg_errors_fini(&e);
}

Test(supd_config, a_name_of_65_characters_is_invalid)
{
	char text[256], name[66];
	struct cfg_errors e;

	memset(name, 'n', 65);
	name[65] = '\0';
	snprintf(text, sizeof(text), "[worker %s]\ncommand = /bin/true\n",
	    name);
	load_bad(text, &e);
	ERR_ONLY(&e, at(1, NULL), "is not a valid name", "1 to 64");
	cfg_errors_fini(&e);
}

Test(supd_config, a_much_longer_name_is_reported_as_an_invalid_name)
{
	char text[256], name[101];
	struct cfg_errors e;

	memset(name, 'n', 100);
	name[100] = '\0';
	snprintf(text, sizeof(text), "[worker %s]\ncommand = /bin/true\n",
	    name);
	load_bad(text, &e);
	/* One name was given: "expected [worker NAME]" would mislead. */
	ERR_ONLY(&e, at(1, NULL), "is not a valid name", "1 to 64");
	cfg_errors_fini(&e);
}

Test(supd_config, root_is_reserved_for_the_top_group)
{
	struct cfg_errors e;

	load_bad("[group root]\n", &e);
	ERR_ONLY(&e, at(1, NULL), "[group root]", "\"root\" is reserved");
	cfg_errors_fini(&e);
	load_bad("[worker root]\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(1, NULL), "[worker root]", "\"root\" is reserved");
	cfg_errors_fini(&e);
}

Test(supd_config, a_duplicate_worker_section_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker a]\ncommand = /bin/true\n"
		 "[worker a]\ncommand = /bin/false\n", &e);
	ERR_ONLY(&e, at(3, NULL), "[worker a]",
	    "already used by [worker a] at line 1");
	cfg_errors_fini(&e);
}

Test(supd_config, a_duplicate_group_section_is_an_error)
{
	struct cfg_errors e;

	load_bad("[group g]\n\n[group g]\n", &e);
	ERR_ONLY(&e, at(3, NULL), "[group g]",
	    "already used by [group g] at line 1");
	cfg_errors_fini(&e);
}

Test(supd_config, a_duplicate_supervisor_section_is_an_error)
{
	struct cfg_errors e;

	load_bad("[supervisor]\nintensity = 3\n[supervisor]\nintensity = 4\n",
	    &e);
	ERR_ONLY(&e, at(3, NULL), "[supervisor]", "duplicate section",
	    "first at line 1");
	cfg_errors_fini(&e);
}

Test(supd_config, a_name_shared_by_a_group_and_a_worker_is_an_error)
{
	struct cfg_errors e;

	load_bad("[group x]\n[worker x]\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(2, NULL), "[worker x]",
	    "already used by [group x] at line 1");
	cfg_errors_fini(&e);
	load_bad("[worker y]\ncommand = /bin/true\n[group y]\n", &e);
	ERR_ONLY(&e, at(3, NULL), "[group y]",
	    "already used by [worker y] at line 1");
	cfg_errors_fini(&e);
}

Test(supd_config, a_header_without_a_closing_bracket_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker a]\ncommand = /bin/true\n[worker b\n", &e);
	ERR_HAS(&e, at(3, NULL), "']'");
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * Keys
 */

Test(supd_config, an_unknown_key_is_an_error_with_a_suggestion)
{
	struct cfg_errors e;

	load_bad("[worker kv]\n"
		 "command = /bin/true\n"
		 "restrat = permanent\n", &e);
	ERR_ONLY(&e, at(3, "restrat"), "unknown key in [worker kv]",
	    "did you mean restart?");
	cfg_errors_fini(&e);
}

Test(supd_config, an_unknown_group_key_suggests_a_group_key)
{
	struct cfg_errors e;

	load_bad("[group g]\nstratgy = one_for_all\n", &e);
	ERR_ONLY(&e, at(2, "stratgy"), "unknown key in [group g]",
	    "did you mean strategy?");
	cfg_errors_fini(&e);
}

Test(supd_config, an_unknown_supervisor_key_suggests_a_supervisor_key)
{
	struct cfg_errors e;

	load_bad("[supervisor]\nrun_dri = ./run\n", &e);
	ERR_ONLY(&e, at(2, "run_dri"), "unknown key in [supervisor]",
	    "did you mean run_dir?");
	cfg_errors_fini(&e);
}

Test(supd_config, an_unrelated_unknown_key_gets_no_suggestion)
{
	struct cfg_errors e;

	load_bad("[worker kv]\ncommand = /bin/true\ncolour = red\n", &e);
	ERR_ONLY(&e, at(3, "colour"), "unknown key in [worker kv]");
	ERR_HASNT(&e, "did you mean");
	cfg_errors_fini(&e);
}

Test(supd_config, a_key_set_twice_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker a]\n"
		 "command = /bin/true\n"
		 "restart = transient\n"
		 "restart = temporary\n", &e);
	ERR_ONLY(&e, at(4, "restart"), "set twice in [worker a]",
	    "first at line 3");
	cfg_errors_fini(&e);
}

Test(supd_config, a_supervisor_key_set_twice_is_an_error)
{
	struct cfg_errors e;

	load_bad("[supervisor]\nintensity = 1\n\nintensity = 2\n", &e);
	ERR_ONLY(&e, at(4, "intensity"), "set twice in [supervisor]",
	    "first at line 2");
	cfg_errors_fini(&e);
}

Test(supd_config, command_is_not_allowed_in_a_group)
{
	struct cfg_errors e;

	load_bad("[group g]\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(2, "command"), "not allowed in [group g]");
	cfg_errors_fini(&e);
}

Test(supd_config, parent_is_not_allowed_in_a_worker)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nparent = root\n", &e);
	ERR_ONLY(&e, at(3, "parent"), "not allowed in [worker w]");
	cfg_errors_fini(&e);
}

Test(supd_config, supervisor_only_keys_are_not_allowed_elsewhere)
{
	struct cfg_errors e;

	load_bad("[group g]\nrun_dir = ./run\n"
		 "[worker w]\ncommand = /bin/true\nstate = ./s.db\n", &e);
	ERR_HAS(&e, at(2, "run_dir"), "not allowed in [group g]");
	ERR_HAS(&e, at(5, "state"), "not allowed in [worker w]");
	cr_assert_eq(e.n, 2, "%s", all_errs(&e));
	cfg_errors_fini(&e);
}

Test(supd_config, worker_keys_are_not_allowed_in_the_supervisor_section)
{
	struct cfg_errors e;

	load_bad("[supervisor]\ninstances = 3\n", &e);
	ERR_ONLY(&e, at(2, "instances"), "not allowed in [supervisor]");
	cfg_errors_fini(&e);
}

Test(supd_config, a_worker_without_a_command_is_an_error)
{
	struct cfg_errors e;

	load_bad("[supervisor]\n"
		 "[worker a]\n"
		 "restart = permanent\n", &e);
	ERR_ONLY(&e, at(2, NULL), "[worker a]", "command is required");
	cfg_errors_fini(&e);
}

Test(supd_config, an_empty_worker_section_is_still_checked)
{
	struct cfg_errors e;

	load_bad("[worker a]\n", &e);
	ERR_ONLY(&e, at(1, NULL), "[worker a]", "command is required");
	cfg_errors_fini(&e);
}

Test(supd_config, an_empty_command_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker a]\ncommand =\n", &e);
	ERR_HAS(&e, at(2, "command"), "empty");
	cfg_errors_fini(&e);
}

/*
 * A command that is present but wrong gets one error, on its own line: not
 * a second "command is required", which is false and points elsewhere.
 */
Test(supd_config, a_bad_command_is_not_also_reported_as_missing)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/echo \"oops\n", &e);
	ERR_ONLY(&e, at(2, "command"), "unbalanced double quote");
	cfg_errors_fini(&e);
	load_bad_flags("[worker w]\ncommand = ./nope\n", CFG_CHECK_SYSTEM, &e);
	ERR_ONLY(&e, at(2, "command"), tpath("nope"));
	cfg_errors_fini(&e);
}

Test(supd_config, an_empty_value_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker a]\ncommand = /bin/true\nrestart =\n", &e);
	ERR_ONLY(&e, at(3, "restart"), "empty value");
	cfg_errors_fini(&e);
}

Test(supd_config, an_unknown_group_is_an_error_with_a_suggestion)
{
	struct cfg_errors e;

	load_bad("[group backend]\n"
		 "[worker a]\n"
		 "group = backnd\n"
		 "command = /bin/true\n", &e);
	ERR_ONLY(&e, at(3, "group"), "no group named \"backnd\"",
	    "did you mean backend?");
	cfg_errors_fini(&e);
}

Test(supd_config, a_worker_is_not_a_group)
{
	struct cfg_errors e;

	load_bad("[worker a]\ncommand = /bin/true\n"
		 "[worker b]\ngroup = a\ncommand = /bin/true\n", &e);
	ERR_ONLY(&e, at(4, "group"), "no group named \"a\"");
	cfg_errors_fini(&e);
}

Test(supd_config, an_unknown_parent_is_an_error_with_a_suggestion)
{
	struct cfg_errors e;

	load_bad("[group backend]\n"
		 "[group cache]\n"
		 "parent = bakend\n", &e);
	ERR_ONLY(&e, at(3, "parent"), "no group named \"bakend\"",
	    "did you mean backend?");
	cfg_errors_fini(&e);
}

Test(supd_config, a_parent_cycle_is_an_error)
{
	struct cfg_errors e;

	load_bad("[group a]\n"
		 "parent = b\n"
		 "[group b]\n"
		 "parent = a\n", &e);
	/* At the header or at the parent key: either names the place. */
	cr_assert(has_err(&e, at(1, "parent"), "a", "cycle", NULL) ||
		  has_err(&e, at(2, "parent"), "a", "cycle", NULL),
	    "no cycle error for group a:\n%s", all_errs(&e));
	cr_assert(has_err(&e, at(3, "parent"), "b", "cycle", NULL) ||
		  has_err(&e, at(4, "parent"), "b", "cycle", NULL),
	    "no cycle error for group b:\n%s", all_errs(&e));
	cfg_errors_fini(&e);
}

Test(supd_config, a_group_that_is_its_own_parent_is_an_error)
{
	struct cfg_errors e;

	load_bad("[supervisor]\n[group a]\nparent = a\n", &e);
	cr_assert(has_err(&e, at(2, "parent"), "cycle", NULL) ||
		  has_err(&e, at(3, "parent"), "cycle", NULL),
	    "no cycle error:\n%s", all_errs(&e));
	cfg_errors_fini(&e);
}

Test(supd_config, a_longer_cycle_is_an_error)
{
	struct cfg_errors e;

	load_bad("[group a]\nparent = c\n"
		 "[group b]\nparent = a\n"
		 "[group c]\nparent = b\n"
		 "[worker w]\ngroup = b\ncommand = /bin/true\n", &e);
	ERR_HAS(&e, "parent", "group a", "cycle");
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * Values
 */

Test(supd_config, a_bad_strategy_lists_the_strategies)
{
	struct cfg_errors e;

	load_bad("[supervisor]\nintensity = 3\nstrategy = one_for_none\n", &e);
	ERR_ONLY(&e, at(3, "strategy"), "\"one_for_none\" is not one of "
	    "one_for_one, one_for_all, rest_for_one");
	cfg_errors_fini(&e);
	load_bad("[group g]\nstrategy = all\n", &e);
	ERR_ONLY(&e, at(2, "strategy"), "\"all\" is not one of one_for_one, "
	    "one_for_all, rest_for_one");
	cfg_errors_fini(&e);
}

Test(supd_config, a_bad_restart_lists_the_restart_types)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nrestart = always\n", &e);
	ERR_ONLY(&e, at(3, "restart"), "\"always\" is not one of permanent, "
	    "transient, temporary");
	cfg_errors_fini(&e);
}

Test(supd_config, a_bad_ready_lists_the_ready_modes)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nready = systemd\n", &e);
	ERR_ONLY(&e, at(3, "ready"), "\"systemd\" is not one of none, notify, "
	    "sup");
	cfg_errors_fini(&e);
}

Test(supd_config, a_bad_stdout_lists_the_choices)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nstdout = file\n", &e);
	ERR_ONLY(&e, at(3, "stdout"), "\"file\" is not one of log, inherit, "
	    "null");
	cfg_errors_fini(&e);
}

Test(supd_config, a_bad_on_give_up_lists_the_choices)
{
	struct cfg_errors e;

	load_bad("[supervisor]\non_give_up = retry\n", &e);
	ERR_ONLY(&e, at(2, "on_give_up"), "\"retry\" is not one of exit, stay");
	cfg_errors_fini(&e);
}

Test(supd_config, a_bad_durability_lists_the_choices)
{
	struct cfg_errors e;

	load_bad("[supervisor]\ndurability = disk\n", &e);
	ERR_ONLY(&e, at(2, "durability"), "\"disk\" is not one of crash, "
	    "power");
	cfg_errors_fini(&e);
}

Test(supd_config, a_misspelt_enum_value_gets_a_suggestion)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nrestart = transeint\n", &e);
	ERR_ONLY(&e, at(3, "restart"), "\"transeint\"", "transient?");
	cfg_errors_fini(&e);
}

Test(supd_config, a_bad_duration_says_what_a_duration_looks_like)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nstart_timeout = 5 sec\n",
	    &e);
	ERR_ONLY(&e, at(3, "start_timeout"), "\"5 sec\" is not a duration",
	    "5s");
	cfg_errors_fini(&e);
	load_bad("[group g]\nperiod = 10x\n", &e);
	ERR_ONLY(&e, at(2, "period"), "\"10x\" is not a duration");
	cfg_errors_fini(&e);
	load_bad("[worker w]\ncommand = /bin/true\nbackoff_reset = -1s\n", &e);
	ERR_ONLY(&e, at(3, "backoff_reset"), "\"-1s\" is not a duration");
	cfg_errors_fini(&e);
}

Test(supd_config, log_rotation_takes_a_size_and_a_count)
{
	struct cfg_errors e;
	struct sup_config *c;

	c = load_ok("[worker w]\ncommand = /bin/true\n"
	    "[worker v]\ncommand = /bin/true\nlog_max_size = 512K\n"
	    "log_keep = 2\n[worker u]\ncommand = /bin/true\n"
	    "log_max_size = 0\n");
	cr_assert_eq(c->workers[0]->log_max_size, 50LL * 1024 * 1024);
	cr_assert_eq(c->workers[0]->log_keep, 5);
	cr_assert_eq(c->workers[1]->log_max_size, 512 * 1024);
	cr_assert_eq(c->workers[1]->log_keep, 2);
	cr_assert_eq(c->workers[2]->log_max_size, 0);
	cfg_free(c);
	load_bad("[worker w]\ncommand = /bin/true\nlog_max_size = 5 MB\n",
	    &e);
	ERR_ONLY(&e, at(3, "log_max_size"), "\"5 MB\" is not a size",
	    "50M");
	cfg_errors_fini(&e);
	load_bad("[worker w]\ncommand = /bin/true\nlog_keep = 0\n", &e);
	ERR_ONLY(&e, at(3, "log_keep"), "from 1 to 100");
	cfg_errors_fini(&e);
}

Test(supd_config, hibernate_after_takes_a_duration_or_infinity)
{
	struct cfg_errors e;
	struct sup_config *c;

	load_bad("[worker w]\ncommand = /bin/true\nhibernate_after = later\n",
	    &e);
	ERR_ONLY(&e, at(3, "hibernate_after"), "\"later\" is not a duration",
	    "infinity");
	cfg_errors_fini(&e);
	load_bad("[worker w]\ncommand = /bin/true\nhibernate_after = 0\n", &e);
	ERR_ONLY(&e, at(3, "hibernate_after"), "must be more than 0");
	cfg_errors_fini(&e);
	c = load_ok("[worker w]\ncommand = /bin/true\nhibernate_after = 30s\n"
	    "[worker v]\ncommand = /bin/true\nhibernate_after = infinity\n");
	cr_assert_str_eq(c->workers[0]->hibernate_after, "30s");
	cr_assert_str_eq(c->workers[1]->hibernate_after, "infinity");
	cfg_free(c);
}

Test(supd_config, a_bad_shutdown_mentions_infinity_and_brutal_kill)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nshutdown = soon\n", &e);
	ERR_ONLY(&e, at(3, "shutdown"), "\"soon\" is not a duration",
	    "infinity", "brutal_kill");
	cfg_errors_fini(&e);
}

Test(supd_config, a_period_must_be_finite_and_positive)
{
	struct cfg_errors e;

	load_bad("[supervisor]\nperiod = infinity\n", &e);
	ERR_ONLY(&e, at(2, "period"), "finite");
	cfg_errors_fini(&e);
	load_bad("[supervisor]\nperiod = 0\n", &e);
	ERR_ONLY(&e, at(2, "period"), "longer than 0");
	cfg_errors_fini(&e);
}

Test(supd_config, a_start_timeout_of_zero_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nstart_timeout = 0s\n", &e);
	ERR_ONLY(&e, at(3, "start_timeout"), "longer than 0");
	cfg_errors_fini(&e);
}

Test(supd_config, intensity_out_of_range_is_an_error)
{
	struct cfg_errors e;

	load_bad("[supervisor]\nintensity = -1\n", &e);
	ERR_ONLY(&e, at(2, "intensity"), "\"-1\" is not a whole number from 0 "
	    "to 10000");
	cfg_errors_fini(&e);
	load_bad("[group g]\nintensity = 10001\n", &e);
	ERR_ONLY(&e, at(2, "intensity"), "\"10001\" is not a whole number "
	    "from 0 to 10000");
	cfg_errors_fini(&e);
	load_bad("[group g]\nintensity = 5x\n", &e);
	ERR_ONLY(&e, at(2, "intensity"), "\"5x\" is not a whole number");
	cfg_errors_fini(&e);
	load_bad("[group g]\nintensity = 99999999999999999999\n", &e);
	ERR_ONLY(&e, at(2, "intensity"), "is not a whole number");
	cfg_errors_fini(&e);
}

Test(supd_config, zero_instances_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\ninstances = 0\n", &e);
	ERR_ONLY(&e, at(3, "instances"), "\"0\" is not a whole number from 1 "
	    "to 10000");
	cfg_errors_fini(&e);
}

Test(supd_config, too_many_instances_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\ninstances = 10001\n", &e);
	ERR_ONLY(&e, at(3, "instances"), "\"10001\" is not a whole number "
	    "from 1 to 10000");
	cfg_errors_fini(&e);
}

Test(supd_config, a_backoff_first_delay_longer_than_its_cap_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nbackoff = 1s 100ms\n", &e);
	ERR_ONLY(&e, at(3, "backoff"), "first delay (1s)",
	    "longer than the cap (100ms)");
	cfg_errors_fini(&e);
}

Test(supd_config, a_backoff_with_three_words_is_an_error)
{
	struct cfg_errors e;

	load_bad("[group g]\nbackoff = 100ms 1s 5s\n", &e);
	ERR_ONLY(&e, at(2, "backoff"), "expected a first delay and a cap",
	    "100ms 30s");
	cfg_errors_fini(&e);
}

Test(supd_config, a_backoff_with_a_bad_duration_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nbackoff = 100ms fast\n", &e);
	ERR_ONLY(&e, at(3, "backoff"), "\"fast\" is not a duration");
	cfg_errors_fini(&e);
}

Test(supd_config, a_bad_stop_signal_is_an_error)
{
	static const char *const bad[] = {"TERMINATE", "0", "999", "15x",
	    "SIG", "-9"};
	char text[128], quoted[64];
	struct cfg_errors e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		    "[worker w]\ncommand = /bin/true\nstop_signal = %s\n",
		    bad[i]);
		load_bad(text, &e);
		snprintf(quoted, sizeof(quoted), "\"%s\" is not a signal",
		    bad[i]);
		ERR_ONLY(&e, at(3, "stop_signal"), quoted, "TERM");
		cfg_errors_fini(&e);
	}
}

Test(supd_config, env_must_be_name_equals_value)
{
	static const char *const bad[] = {"FOO", "1X=y", "=x", "A-B=c",
	    "OK=1 BAD"};
	static const char *const word[] = {"FOO", "1X=y", "=x", "A-B=c",
	    "BAD"};
	char text[128], quoted[64];
	struct cfg_errors e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		    "[worker w]\ncommand = /bin/true\nenv = %s\n", bad[i]);
		load_bad(text, &e);
		snprintf(quoted, sizeof(quoted), "\"%s\" is not NAME=VALUE",
		    word[i]);
		ERR_ONLY(&e, at(3, "env"), quoted);
		cfg_errors_fini(&e);
	}
}

Test(supd_config, env_with_bad_quoting_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nenv = \"A=1\n", &e);
	ERR_ONLY(&e, at(3, "env"), "unbalanced double quote");
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * Syntax
 */

Test(supd_config, a_line_without_an_equals_sign_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker a]\n"
		 "command = /bin/true\n"
		 "this line has no equals sign\n", &e);
	ERR_ONLY(&e, at(3, NULL), "expected \"key = value\"");
	cfg_errors_fini(&e);
}

Test(supd_config, a_key_outside_any_section_is_an_error)
{
	struct cfg_errors e;

	load_bad("command = /bin/true\n"
		 "[worker a]\n"
		 "command = /bin/true\n", &e);
	ERR_ONLY(&e, at(1, "command"), "outside of any section",
	    "[supervisor]");
	cfg_errors_fini(&e);
}

Test(supd_config, comments_and_blank_lines_are_ignored)
{
	struct sup_config *c = load_ok(
	    "; a comment\n"
	    "# another\n"
	    "\n"
	    "   \n"
	    "[worker a] ; trailing comment\n"
	    "  command = /bin/echo hi   ; a comment after a blank\n"
	    "\trestart = transient\n");
	struct cfg_worker *w = worker(c, "a");

	argv_is(w, "/bin/echo", "hi", NULL);
	cr_assert_eq(w->restart, RESTART_TRANSIENT);
	cfg_free(c);
}

Test(supd_config, a_blank_semicolon_in_a_quoted_command_is_an_error_with_a_hint)
{
	struct cfg_errors e;

	load_bad("[worker sh]\n"
		 "command = sh -c \"a ; b\"\n", &e);
	ERR_ONLY(&e, at(2, "command"), "unbalanced double quote", "comment",
	    "a; b");
	cfg_errors_fini(&e);
	load_bad("[worker sh]\n"
		 "command = sh -c 'a ; b'\n", &e);
	ERR_ONLY(&e, at(2, "command"), "unbalanced single quote", "comment");
	cfg_errors_fini(&e);
	load_bad("[worker sh]\n"
		 "command = sh -c \"a\t; b\"\n", &e);
	ERR_ONLY(&e, at(2, "command"), "unbalanced double quote", "comment");
	cfg_errors_fini(&e);
}

Test(supd_config, a_semicolon_without_a_blank_before_stays_in_the_command)
{
	struct sup_config *c = load_ok("[worker sh]\n"
				       "command = sh -c \"a; b\"\n");

	argv_is(worker(c, "sh"), "sh", "-c", "a; b", NULL);
	cfg_free(c);
}

Test(supd_config, an_unbalanced_quote_without_a_semicolon_gets_no_comment_hint)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/echo \"oops\n", &e);
	ERR_ONLY(&e, at(2, "command"), "unbalanced double quote");
	ERR_HASNT(&e, "comment");
	cfg_errors_fini(&e);
}

Test(supd_config, a_trailing_backslash_in_a_command_is_an_error)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/echo a\\\n", &e);
	ERR_ONLY(&e, at(2, "command"), "trailing backslash");
	cfg_errors_fini(&e);
}

Test(supd_config, a_long_line_is_not_cut)
{
	char arg[1001], text[2048];
	struct sup_config *c;
	struct cfg_worker *w;

	memset(arg, 'x', 1000);
	arg[1000] = '\0';
	memcpy(arg + 990, "-END", 4);
	snprintf(text, sizeof(text),
	    "[worker w]\n"
	    "command = /bin/echo %s\n"
	    "restart = transient\n", arg);
	c = load_ok(text);
	w = worker(c, "w");
	argv_is(w, "/bin/echo", arg, NULL);
	cr_assert_eq(strlen(w->argv[1]), 1000);
	cr_assert_eq(w->restart, RESTART_TRANSIENT);
	cfg_free(c);
}

Test(supd_config, line_numbers_stay_right_after_a_long_line)
{
	char arg[301], text[1024];
	struct cfg_errors e;

	memset(arg, 'y', 300);
	arg[300] = '\0';
	snprintf(text, sizeof(text),
	    "[worker w]\n"
	    "command = /bin/true\n"
	    "env = LONG=%s\n"
	    "colour = red\n", arg);
	load_bad(text, &e);
	ERR_ONLY(&e, at(4, "colour"), "unknown key");
	cfg_errors_fini(&e);
}

Test(supd_config, a_long_bad_value_is_reported_on_its_own_line)
{
	char arg[301], text[1024];
	struct cfg_errors e;

	memset(arg, 'z', 300);
	arg[300] = '\0';
	snprintf(text, sizeof(text),
	    "[worker w]\n"
	    "command = /bin/true\n"
	    "restart = %s\n"
	    "ready = sup\n", arg);
	load_bad(text, &e);
	ERR_ONLY(&e, at(3, "restart"), "is not one of permanent");
	cfg_errors_fini(&e);
}

Test(supd_config, several_errors_are_reported_at_once)
{
	struct cfg_errors e;

	load_bad("[supervisor]\n"			/* 1 */
		 "strategy = one_for_none\n"		/* 2 */
		 "intensity = lots\n"			/* 3 */
		 "[worker a]\n"				/* 4 */
		 "command = /bin/true\n"		/* 5 */
		 "restart = sometimes\n"		/* 6 */
		 "[worker b]\n"				/* 7 */
		 "command = /bin/true\n"		/* 8 */
		 "colour = red\n"			/* 9 */
		 "group = nowhere\n"			/* 10 */
		 "[worker c]\n",			/* 11 */
	    &e);
	ERR_HAS(&e, at(2, "strategy"), "one_for_none");
	ERR_HAS(&e, at(3, "intensity"), "lots");
	ERR_HAS(&e, at(6, "restart"), "sometimes");
	ERR_HAS(&e, at(9, "colour"), "unknown key");
	ERR_HAS(&e, at(10, "group"), "nowhere");
	ERR_HAS(&e, at(11, NULL), "command is required");
	cr_assert_eq(e.n, 6, "expected 6 errors, got:\n%s", all_errs(&e));
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * The file itself
 */

Test(supd_config, a_missing_file_is_a_system_error)
{
	struct cfg_errors e;
	struct sup_config *c = NULL;
	const char *p = tpath("nope.conf");
	sup_err rv = cfg_load(p, defrun, 0, &c, &e);

	cr_assert_eq(SUP_ERR_TAG(rv), SUP_ESYS, "rv = %#x", (unsigned)rv);
	cr_assert_eq(SUP_ERR_CODE(rv), ENOENT);
	cr_assert_null(c);
	cr_assert_eq(e.n, 1, "%s", all_errs(&e));
	cr_assert(strstr(e.msgs[0], p) != NULL, "%s", e.msgs[0]);
	cr_assert(strstr(e.msgs[0], strerror(ENOENT)) != NULL, "%s",
	    e.msgs[0]);
	cfg_errors_fini(&e);
}

Test(supd_config, a_path_through_a_file_is_a_system_error)
{
	struct cfg_errors e;
	struct sup_config *c = NULL;
	const char *p = tpath("plain/sup.conf");
	sup_err rv;

	put("plain", "not a dir\n", 0644);
	rv = cfg_load(p, defrun, 0, &c, &e);
	cr_assert_eq(SUP_ERR_TAG(rv), SUP_ESYS, "rv = %#x", (unsigned)rv);
	cr_assert_eq(SUP_ERR_CODE(rv), ENOTDIR);
	cr_assert_null(c);
	ERR_HAS(&e, p, strerror(ENOTDIR));
	cfg_errors_fini(&e);
}

Test(supd_config, an_unreadable_file_is_a_system_error)
{
	struct cfg_errors e;
	struct sup_config *c = NULL;
	sup_err rv;

	if (geteuid() == 0) {
		teardown(); /* a skipped test does not run .fini */
		cr_skip_test("root reads a mode 000 file");
	}
	put("sup.conf", "[worker a]\ncommand = /bin/true\n", 0000);
	rv = cfg_load(conf, defrun, 0, &c, &e);
	cr_assert_eq(SUP_ERR_TAG(rv), SUP_ESYS, "rv = %#x", (unsigned)rv);
	cr_assert_eq(SUP_ERR_CODE(rv), EACCES);
	cr_assert_null(c);
	ERR_HAS(&e, conf, strerror(EACCES));
	cfg_errors_fini(&e);
}

Test(supd_config, a_directory_is_not_a_config_file)
{
	struct cfg_errors e;
	struct sup_config *c = NULL;
	sup_err rv;

	mkdir_t("conf.d");
	rv = cfg_load(tpath("conf.d"), defrun, 0, &c, &e);
	cr_assert_neq(rv, SUP_OK);
	cr_assert_eq(SUP_ERR_TAG(rv), SUP_ESYS, "rv = %#x", (unsigned)rv);
	cr_assert_null(c);
	ERR_HAS(&e, tpath("conf.d"));
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * CFG_CHECK_SYSTEM
 */

Test(supd_config, check_system_refuses_a_missing_executable)
{
	struct cfg_errors e;

	load_bad_flags("[worker w]\ncommand = ./nope --x\n", CFG_CHECK_SYSTEM,
	    &e);
	ERR_ONLY(&e, at(2, "command"), tpath("nope"), strerror(ENOENT));
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_refuses_a_file_that_is_not_executable)
{
	struct cfg_errors e;

	put("script", "#!/bin/sh\n", 0644);
	load_bad_flags("[worker w]\ncommand = ./script\n", CFG_CHECK_SYSTEM,
	    &e);
	ERR_ONLY(&e, at(2, "command"), tpath("script"), strerror(EACCES));
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_refuses_a_directory_as_the_executable)
{
	struct cfg_errors e;

	mkdir_t("bin");
	load_bad_flags("[worker w]\ncommand = ./bin\n", CFG_CHECK_SYSTEM, &e);
	ERR_ONLY(&e, at(2, "command"), tpath("bin"));
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_refuses_an_empty_program_name)
{
	struct cfg_errors e;

	load_bad_flags("[worker w]\ncommand = '' arg\n", CFG_CHECK_SYSTEM, &e);
	ERR_ONLY(&e, at(2, "command"));
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_accepts_an_executable_file)
{
	struct sup_config *c;

	mkdir_t("bin");
	put("bin/w", "#!/bin/sh\nexit 0\n", 0755);
	c = load_ok_flags("[worker w]\ncommand = ./bin/w -v\n",
	    CFG_CHECK_SYSTEM);
	cr_assert_str_eq(worker(c, "w")->path, tpath("bin/w"));
	cfg_free(c);
}

Test(supd_config, check_system_refuses_a_name_not_in_path)
{
	struct cfg_errors e;

	load_bad_flags("[worker w]\ncommand = sup-test-no-such-program -x\n",
	    CFG_CHECK_SYSTEM, &e);
	ERR_ONLY(&e, at(2, "command"), "\"sup-test-no-such-program\"",
	    "not an executable in PATH");
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_looks_a_name_up_in_path)
{
	char path[PATH_MAX + 64];
	struct sup_config *c;

	mkdir_t("bin");
	mkdir_t("bin2");
	put("bin2/mytool", "#!/bin/sh\nexit 0\n", 0755);
	put("bin/mytool", "not executable\n", 0644);
	snprintf(path, sizeof(path), "%s:%s", tpath("bin"), tpath("bin2"));
	cr_assert_eq(setenv("PATH", path, 1), 0);
	c = load_ok_flags("[worker w]\ncommand = mytool --go\n",
	    CFG_CHECK_SYSTEM);
	cr_assert_str_eq(worker(c, "w")->path, tpath("bin2/mytool"));
	argv_is(worker(c, "w"), "mytool", "--go", NULL);
	cfg_free(c);
}

Test(supd_config, check_system_skips_directories_named_like_the_program)
{
	char path[PATH_MAX + 64];
	struct cfg_errors e;

	mkdir_t("bin");
	mkdir_t("bin/mytool");
	snprintf(path, sizeof(path), "%s", tpath("bin"));
	cr_assert_eq(setenv("PATH", path, 1), 0);
	load_bad_flags("[worker w]\ncommand = mytool\n", CFG_CHECK_SYSTEM, &e);
	ERR_ONLY(&e, at(2, "command"), "\"mytool\"", "not an executable");
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_refuses_a_directory_that_is_a_file)
{
	struct cfg_errors e;

	put("afile", "x\n", 0644);
	load_bad_flags("[worker w]\ncommand = /bin/true\ndirectory = ./afile\n",
	    CFG_CHECK_SYSTEM, &e);
	ERR_ONLY(&e, at(3, "directory"), tpath("afile"), "not a directory");
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_refuses_a_missing_directory)
{
	struct cfg_errors e;

	load_bad_flags("[worker w]\ncommand = /bin/true\ndirectory = gone\n",
	    CFG_CHECK_SYSTEM, &e);
	ERR_ONLY(&e, at(3, "directory"), tpath("gone"), strerror(ENOENT));
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_refuses_an_unknown_user)
{
	struct cfg_errors e;

	load_bad_flags("[worker w]\ncommand = /bin/true\n"
		       "user = sup-test-no-such-user\n", CFG_CHECK_SYSTEM, &e);
	ERR_ONLY(&e, at(3, "user"), "no user named \"sup-test-no-such-user\"");
	cfg_errors_fini(&e);
}

Test(supd_config, check_system_resolves_the_current_user)
{
	struct passwd *pw = getpwuid(geteuid());
	char text[256];
	struct sup_config *c;
	struct cfg_worker *w;

	cr_assert_not_null(pw);
	mkdir_t("work");
	snprintf(text, sizeof(text), "[worker w]\ncommand = /bin/true\n"
	    "directory = work\nuser = %s\n", pw->pw_name);
	c = load_ok_flags(text, CFG_CHECK_SYSTEM);
	w = worker(c, "w");
	cr_assert(w->has_user);
	cr_assert_eq(w->uid, pw->pw_uid);
	cr_assert_eq(w->gid, pw->pw_gid);
	cr_assert_str_eq(w->home, pw->pw_dir);
	cr_assert_geq(w->ngroups, 1);
	cr_assert_str_eq(w->directory, tpath("work"));
	cfg_free(c);
}

Test(supd_config, without_check_system_the_system_is_not_consulted)
{
	struct sup_config *c;
	struct cfg_worker *w;

	put("afile", "x\n", 0644);
	c = load_ok(
	    "[worker a]\ncommand = ./nope\ndirectory = ./afile\n"
	    "user = sup-test-no-such-user\n"
	    "[worker b]\ncommand = sup-test-no-such-program\n"
	    "directory = gone\n");
	w = worker(c, "a");
	cr_assert_str_eq(w->path, tpath("nope"));
	cr_assert_str_eq(w->directory, tpath("afile"));
	cr_assert(w->has_user);
	cr_assert_str_eq(w->user, "sup-test-no-such-user");
	w = worker(c, "b");
	cr_assert_str_eq(w->path, "sup-test-no-such-program");
	cr_assert_str_eq(w->directory, tpath("gone"));
	cfg_free(c);
}

Test(supd_config, check_system_reports_every_system_problem_at_once)
{
	struct cfg_errors e;

	put("afile", "x\n", 0644);
	load_bad_flags("[worker a]\n"
		       "command = ./nope\n"
		       "directory = ./afile\n"
		       "user = sup-test-no-such-user\n",
	    CFG_CHECK_SYSTEM, &e);
	ERR_HAS(&e, at(2, "command"), tpath("nope"));
	ERR_HAS(&e, at(3, "directory"), "not a directory");
	ERR_HAS(&e, at(4, "user"), "sup-test-no-such-user");
	cfg_errors_fini(&e);
}

Test(supd_config, a_utf8_byte_order_mark_is_not_part_of_the_first_line)
{
	struct sup_config *c = load_ok("\xef\xbb\xbf[supervisor]\n"
	    "intensity = 7\n[worker w]\ncommand = /bin/true\n");

	cr_assert_eq(c->root->intensity, 7);
	cfg_free(c);
}

Test(supd_config, an_env_value_cut_by_the_comment_trap_gets_the_hint)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nenv = A=1 \"B=x ; y\"\n",
	    &e);
	ERR_ONLY(&e, at(3, "env"), "unbalanced double quote",
	    "starts a comment");
	cfg_errors_fini(&e);
}

Test(supd_config, env_may_not_set_what_supd_sets)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\nenv = SUP_NAME=x\n"
	    "env = NOTIFY_SOCKET=/x\n", &e);
	ERR_HAS(&e, at(3, "env"), "\"SUP_NAME=x\" is reserved");
	ERR_HAS(&e, at(4, "env"), "\"NOTIFY_SOCKET=/x\" is reserved");
	cfg_errors_fini(&e);
}

/* --- what the parser cannot be trusted with (issue 9) ------------------ */

/* Writes len bytes to sup.conf and loads them, expecting a refusal. */
static void
load_bytes_bad(const char *buf, size_t len, struct cfg_errors *e)
{
	struct sup_config *c = NULL;
	FILE *f = fopen(tpath("sup.conf"), "w");
	sup_err rv;

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	rv = cfg_load(conf, defrun, 0, &c, e);
	cfg_free(c);
	cr_assert_eq(rv, SUP_EINVAL, "cfg_load = %d; errors:\n%s", rv,
	    all_errs(e));
}

/* A NUL made inih cut the line, and the next with it: [worker b] was
 * lost and its keys went to a. */
Test(supd_config, a_nul_byte_is_an_error_naming_its_line)
{
	static const char text[] = "[worker a]\ncommand = /bin/true\n"
	    "env = X=1\0junk\n[worker b]\ncommand = /bin/false\n";
	struct cfg_errors e;

	load_bytes_bad(text, sizeof(text) - 1, &e);
	ERR_ONLY(&e, at(3, NULL), "a NUL byte");
	cfg_errors_fini(&e);
}

Test(supd_config, a_line_longer_than_the_maximum_is_an_error_naming_its_line)
{
	size_t n = CFG_LINE_MAX + 100;
	char *text = malloc(n + 64);
	struct cfg_errors e;
	int k;

	k = sprintf(text, "[worker a]\ncommand = /bin/true\nenv = X=");
	memset(text + k, 'y', n);
	strcpy(text + k + n, "\n[worker b]\n");
	load_bytes_bad(text, strlen(text), &e);
	ERR_ONLY(&e, at(3, NULL), "longer than 65536");
	cfg_errors_fini(&e);
	free(text);
}

Test(supd_config, a_long_line_within_the_maximum_is_read_whole)
{
	size_t n = 20000;
	char *text = malloc(n + 128), want[64];
	struct sup_config *c;
	int k;

	k = sprintf(text, "[worker a]\ncommand = /bin/true\nenv = X=");
	memset(text + k, 'y', n);
	strcpy(text + k + n, "\n[worker b]\ncommand = /bin/false\n");
	c = load_ok(text);
	cr_assert_eq(c->nworkers, 2);
	cr_assert_eq(strlen(worker(c, "a")->env[0]), n + 2);
	snprintf(want, sizeof(want), "X=yyy");
	cr_assert(strncmp(worker(c, "a")->env[0], want, 5) == 0);
	cfg_free(c);
	free(text);
}

Test(supd_config, a_size_past_the_largest_is_refused_not_wrapped)
{
	struct cfg_errors e;
	struct sup_config *c;

	load_bad("[worker w]\ncommand = /bin/true\n"
	    "log_max_size = 17179869184G\n", &e);
	ERR_ONLY(&e, at(3, "log_max_size"), "larger than the largest size");
	cfg_errors_fini(&e);
	load_bad("[worker w]\ncommand = /bin/true\n"
	    "log_max_size = 99999999999999999999999\n", &e);
	ERR_ONLY(&e, at(3, "log_max_size"), "larger than the largest size");
	cfg_errors_fini(&e);
	c = load_ok("[worker w]\ncommand = /bin/true\nlog_max_size = 1024T\n");
	cr_assert_eq(c->workers[0]->log_max_size, INT64_C(1) << 50);
	cfg_free(c);
}

/* Issue 9: 200000d overflowed supd's nanosecond deadlines. */
Test(supd_config, a_duration_past_the_longest_is_refused)
{
	struct cfg_errors e;

	load_bad("[worker w]\ncommand = /bin/true\n"
	    "start_timeout = 200000d\n", &e);
	ERR_ONLY(&e, at(3, "start_timeout"), "longer than the longest "
	    "duration, 36500d", "infinity");
	cfg_errors_fini(&e);
	load_bad("[supervisor]\nperiod = 99999999999999999999\n", &e);
	ERR_ONLY(&e, at(2, "period"), "longer than the longest");
	cfg_errors_fini(&e);
}

Test(supd_config, umask_is_an_octal_mode)
{
	struct cfg_errors e;
	struct sup_config *c;

	c = load_ok("[worker w]\ncommand = /bin/true\numask = 027\n"
	    "[worker v]\ncommand = /bin/true\n");
	cr_assert_eq(worker(c, "w")->umask, 027);
	cr_assert_eq(worker(c, "v")->umask, 022);
	cfg_free(c);
	load_bad("[worker w]\ncommand = /bin/true\numask = 0o22\n", &e);
	ERR_ONLY(&e, at(3, "umask"), "is not a umask");
	cfg_errors_fini(&e);
	load_bad("[worker w]\ncommand = /bin/true\numask = 1777\n", &e);
	ERR_ONLY(&e, at(3, "umask"), "is not a umask");
	cfg_errors_fini(&e);
	load_bad("[worker w]\ncommand = /bin/true\numask = 9\n", &e);
	ERR_ONLY(&e, at(3, "umask"), "is not a umask");
	cfg_errors_fini(&e);
}
