/*
 * tests/unit/shared/config_test.c — sup.conf as DESIGN.md section 5
 * describes it: every key, every default, path resolution, and one clear
 * "file:line: key: what was expected" error for each kind of bad input.
 *
 * Nearly every case is a row of one of three tables, each row run as a
 * test of its own:
 *
 *   accepted[]    a config that loads, and what some fields then hold:
 *                 "kv.restart = transient" is a field of the worker or
 *                 group kv, "run_dir = {tdir}/run" one of the config
 *                 (fields[] lists them); NULL is a null pointer.
 *   refused[]     a config refused with SUP_EINVAL, and its errors: each
 *                 starts "file:line: key: " and contains some strings.
 *   unreadable[]  a file cfg_load cannot read: SUP_ESYS | errno.
 *
 * A row is named after the test it replaced (NAME#k when one test became
 * several rows). In texts and expected strings, {tdir} is the test's temp
 * dir, {defrun} the default run dir, {parent} the parent of {tdir}, {x*N}
 * N x's, {NUL} a NUL byte and {ENOENT} strerror(ENOENT).
 *
 * Each test writes its files into its own mkdtemp() directory under /tmp,
 * removed afterwards.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/dur.h"
#include "supervisor/restart.h"
#include "common/hostport.h"
#include "shared/config.h"

static char tdir[64];	 /* the test's temp dir, as mkdtemp made it */
static char conf[128];	 /* tdir/sup.conf */
static char defrun[128]; /* the default_run_dir given to cfg_load */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
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

#define NROWS(a) (sizeof(a) / sizeof(a[0]))

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

/* s with its {tokens} replaced (see the top); *len, if given, gets the
 * length, NUL bytes included. Returns a new string; free() it. */
static char *
expand(const char *s, size_t *len)
{
	char *out = NULL, tok[32], ch;
	const char *end;
	unsigned count;
	size_t n;
	FILE *f = open_memstream(&out, &n);

	cr_assert_not_null(f);
	for (; *s != '\0'; s++) {
		if (*s != '{' || (end = strchr(s, '}')) == NULL) {
			fputc(*s, f);
			continue;
		}
		snprintf(tok, sizeof(tok), "%.*s", (int)(end - s - 1), s + 1);
		s = end;
		if (strcmp(tok, "tdir") == 0)
			fputs(tdir, f);
		else if (strcmp(tok, "defrun") == 0)
			fputs(defrun, f);
		else if (strcmp(tok, "parent") == 0)
			fprintf(f, "%.*s", (int)(strrchr(tdir, '/') - tdir),
			    tdir);
		else if (strcmp(tok, "NUL") == 0)
			fputc('\0', f);
		else if (strcmp(tok, "ENOENT") == 0)
			fputs(strerror(ENOENT), f);
		else if (strcmp(tok, "EACCES") == 0)
			fputs(strerror(EACCES), f);
		else if (sscanf(tok, "%c*%u", &ch, &count) == 2)
			while (count-- > 0)
				fputc(ch, f);
		else
			cr_assert_fail("unknown token {%s}", tok);
	}
	fclose(f);
	if (len != NULL)
		*len = n;
	return out;
}

/* Writes tdir/name (text expanded) with the given mode. */
static void
put(const char *name, const char *text, mode_t mode)
{
	const char *p = tpath(name);
	size_t len;
	char *buf = expand(text, &len);
	FILE *f = fopen(p, "w");

	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
	cr_assert_eq(chmod(p, mode), 0);
}

static void
mkdir_t(const char *name)
{
	cr_assert_eq(mkdir(tpath(name), 0755), 0, "mkdir %s: %s", name,
	    strerror(errno));
}

/* A file (or, without text, a directory) a row makes before the load. */
struct t_file {
	const char *name;
	const char *text;
	mode_t mode;
};

/* Makes a row's files and sets its $PATH. */
static void
row_setup(const struct t_file *files, size_t nfiles, const char *path)
{
	for (size_t i = 0; i < nfiles && files[i].name != NULL; i++) {
		if (files[i].text == NULL)
			mkdir_t(files[i].name);
		else
			put(files[i].name, files[i].text, files[i].mode);
	}
	if (path != NULL) {
		char *p = expand(path, NULL);
		cr_assert_eq(setenv("PATH", p, 1), 0);
		free(p);
	}
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

/* Whether one message contains every string of want[0..n). */
static bool
has_all(const struct cfg_errors *e, const char *const *want, size_t n)
{
	for (int i = 0; i < e->n; i++) {
		size_t k = 0;
		while (k < n && strstr(e->msgs[i], want[k]) != NULL)
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/* Writes text to sup.conf and loads it. */
static sup_err
load(const char *text, unsigned flags, struct sup_config **c,
    struct cfg_errors *e)
{
	put("sup.conf", text, 0644);
	*c = NULL;
	return cfg_load(conf, defrun, flags, c, e);
}

/* Loads text and fails test `what` unless it is valid. */
static struct sup_config *
load_ok(const char *what, const char *text, unsigned flags)
{
	struct cfg_errors e;
	struct sup_config *c;
	sup_err rv = load(text, flags, &c, &e);

	cr_assert_eq(rv, SUP_OK, "%s: cfg_load = %d (%s); errors:\n%s", what,
	    rv, sup_strerror(rv), all_errs(&e));
	cr_assert_eq(e.n, 0, "%s: errors on success:\n%s", what, all_errs(&e));
	cr_assert_not_null(c, "%s", what);
	cfg_errors_fini(&e);
	return c;
}

static struct cfg_worker *
worker_find(const struct sup_config *c, const char *name)
{
	for (int i = 0; i < c->nworkers; i++)
		if (strcmp(c->workers[i]->name, name) == 0)
			return c->workers[i];
	return NULL;
}

/* ------------------------------------------------------------------------
 * Fields as text, for the "lhs = value" lines of accepted[]
 */

enum owner { OF_CONFIG, OF_GROUP, OF_WORKER };
enum kind {
	K_STRATEGY, K_RESTART, K_READY, K_STDOUT, K_GIVE_UP, K_DURABILITY,
	K_INT, K_I64, K_MS, K_BOOL, K_MODE, K_STR, K_ARGV, K_GROUP, K_ITEMS,
	K_WORKERS, K_HOSTPORT
};

/* The enum kinds' words, by value, as sup.conf spells them. */
static const char *const *const words[] = {
	[K_STRATEGY] = (const char *const[]){
	    [STRAT_ONE_FOR_ONE] = "one_for_one",
	    [STRAT_ONE_FOR_ALL] = "one_for_all",
	    [STRAT_REST_FOR_ONE] = "rest_for_one", NULL},
	[K_RESTART] = (const char *const[]){[RESTART_PERMANENT] = "permanent",
	    [RESTART_TRANSIENT] = "transient",
	    [RESTART_TEMPORARY] = "temporary", NULL},
	[K_READY] = (const char *const[]){[READY_NONE] = "none",
	    [READY_NOTIFY] = "notify", [READY_SUP] = "sup", NULL},
	[K_STDOUT] = (const char *const[]){[OUT_LOG] = "log",
	    [OUT_INHERIT] = "inherit", [OUT_NULL] = "null", NULL},
	[K_GIVE_UP] = (const char *const[]){[GIVE_UP_EXIT] = "exit",
	    [GIVE_UP_STAY] = "stay", NULL},
	[K_DURABILITY] = (const char *const[]){[DURABILITY_CRASH] = "crash",
	    [DURABILITY_POWER] = "power", NULL},
};
_Static_assert(sizeof(enum cfg_strategy) == sizeof(int) &&
	sizeof(enum cfg_restart) == sizeof(int) &&
	sizeof(enum cfg_ready) == sizeof(int) &&
	sizeof(enum cfg_stdout) == sizeof(int) &&
	sizeof(enum cfg_give_up) == sizeof(int) &&
	sizeof(enum cfg_durability) == sizeof(int),
    "enum fields are read as int");

static const struct field {
	const char *name;
	enum owner of;
	size_t off;
	enum kind kind;
} fields[] = {
#define CF(m, k) {#m, OF_CONFIG, offsetof(struct sup_config, m), k}
#define GF(m, k) {#m, OF_GROUP, offsetof(struct cfg_group, m), k}
#define WF(m, k) {#m, OF_WORKER, offsetof(struct cfg_worker, m), k}
	CF(dir, K_STR), CF(run_dir, K_STR), CF(state_path, K_STR),
	CF(on_give_up, K_GIVE_UP), CF(durability, K_DURABILITY),
	CF(ngroups, K_INT), CF(nworkers, K_INT), CF(nitems, K_INT),
	CF(items, K_ITEMS), CF(workers, K_WORKERS),
	CF(http_on, K_BOOL), CF(http, K_HOSTPORT), CF(cgroups_off, K_BOOL),

	GF(name, K_STR), GF(line, K_INT), GF(parent, K_GROUP),
	GF(strategy, K_STRATEGY), GF(intensity, K_INT), GF(period_ms, K_MS),
	GF(shutdown_ms, K_MS), GF(backoff.first_ms, K_MS),
	GF(backoff.max_ms, K_MS), GF(backoff.reset_ms, K_MS),

	WF(name, K_STR), WF(line, K_INT), WF(group, K_GROUP),
	WF(command, K_STR), WF(argv, K_ARGV), WF(path, K_STR),
	WF(restart, K_RESTART), WF(instances, K_INT), WF(ready, K_READY),
	WF(start_timeout_ms, K_MS), WF(shutdown_ms, K_MS),
	WF(brutal_kill, K_BOOL), WF(stop_signal, K_INT),
	WF(backoff.first_ms, K_MS), WF(backoff.max_ms, K_MS),
	WF(backoff.reset_ms, K_MS), WF(directory, K_STR),
	WF(has_user, K_BOOL), WF(user, K_STR), WF(nenv, K_INT),
	WF(env, K_ARGV), WF(out, K_STDOUT), WF(log_max_size, K_I64),
	WF(log_keep, K_INT), WF(hibernate_after, K_STR), WF(umask, K_MODE),
	WF(nlisten, K_INT),
	WF(watchdog_ms, K_MS), WF(health, K_STR), WF(health_argv, K_ARGV),
	WF(health_path, K_STR), WF(health_interval_ms, K_MS),
	WF(health_timeout_ms, K_MS), WF(health_start_period_ms, K_MS),
	WF(health_retries, K_INT), WF(memory_max, K_I64),
	WF(memory_restart, K_I64), WF(pids_max, K_INT),
#undef CF
#undef GF
#undef WF
};

/* A word as a shell needs it: bare, or in single quotes. */
static void
quote(FILE *f, const char *w)
{
	static const char bare[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:@%+,";

	if (*w != '\0' && strspn(w, bare) == strlen(w)) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (; *w != '\0'; w++)
		*w == '\'' ? fputs("'\\''", f) : fputc(*w, f);
	fputc('\'', f);
}

/* A group by name: "root" for c->root, its name when c finds it by that
 * name, else words no row expects. */
static void
group_print(FILE *f, const struct sup_config *c, const struct cfg_group *g)
{
	if (g == c->root)
		fputs("root", f);
	else if (strcmp(g->name, "root") && cfg_group_find(c, g->name) == g)
		fputs(g->name, f);
	else
		fputs("(a group not in the config)", f);
}

static void
field_print(FILE *f, const struct sup_config *c, enum kind k, const void *p)
{
	int64_t ms;
	int v, n;

	switch (k) {
	case K_INT:
		fprintf(f, "%d", *(const int *)p);
		break;
	case K_I64:
		fprintf(f, "%" PRId64, *(const int64_t *)p);
		break;
	case K_MS:
		if ((ms = *(const int64_t *)p) == DUR_INFINITY)
			fputs("infinity", f);
		else
			fprintf(f, "%" PRId64, ms);
		break;
	case K_BOOL:
		fputs(*(const bool *)p ? "true" : "false", f);
		break;
	case K_MODE:
		fprintf(f, "0%o", (unsigned)*(const mode_t *)p);
		break;
	case K_STR:
		fputs(*(char *const *)p, f);
		break;
	case K_HOSTPORT: {
		char hp[HOSTPORT_TEXT_MAX];
		fputs(hostport_format(p, hp, sizeof(hp)), f);
		break;
	}
	case K_ARGV:
		for (char *const *w = *(char *const *const *)p; *w; w++) {
			quote(f, *w);
			fputs(w[1] ? " " : "", f);
		}
		break;
	case K_GROUP:
		group_print(f, c, *(struct cfg_group *const *)p);
		break;
	case K_ITEMS:
		for (int i = 0; i < c->nitems; i++) {
			const struct cfg_item *it = &c->items[i];
			fprintf(f, "%s[%s ", i ? " " : "",
			    it->is_group ? "group" : "worker");
			quote(f, it->is_group ? it->u.group->name
					      : it->u.worker->name);
			fputc(']', f);
		}
		break;
	case K_WORKERS:
		for (int i = 0; i < c->nworkers; i++) {
			fputs(i ? " " : "", f);
			quote(f, c->workers[i]->name);
		}
		break;
	default: /* an enum */
		v = *(const int *)p;
		for (n = 0; words[k][n] != NULL; n++)
			;
		if (v >= 0 && v < n)
			fputs(words[k][v], f);
		else
			fprintf(f, "(not a value: %d)", v);
	}
}

/*
 * The value of lhs as text: "field" of the config, or "NAME.field" of
 * worker or group NAME ("root.field" of c->root). NULL for a null
 * pointer (string, argv or group). Returns a new string; free() it.
 */
static char *
render(const char *row, const struct sup_config *c, const char *lhs)
{
	const char *dot = strchr(lhs, '.'), *fname = dot ? dot + 1 : lhs, *p;
	const void *obj = c;
	enum owner of = OF_CONFIG;
	const struct field *fd = NULL;
	char name[CFG_NAME_MAX + 2], *out = NULL;
	size_t len;
	FILE *f;

	if (dot != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)(dot - lhs), lhs);
		if (strcmp(name, "root") == 0)
			obj = c->root, of = OF_GROUP;
		else if ((obj = worker_find(c, name)) != NULL)
			of = OF_WORKER;
		else if ((obj = cfg_group_find(c, name)) != NULL)
			of = OF_GROUP;
		cr_assert_not_null(obj, "%s: no group or worker %s", row,
		    name);
	}
	for (size_t i = 0; i < NROWS(fields); i++)
		if (fields[i].of == of && strcmp(fields[i].name, fname) == 0)
			fd = &fields[i];
	cr_assert_not_null(fd, "%s: no field %s", row, lhs);
	p = (const char *)obj + fd->off;
	if ((fd->kind == K_STR || fd->kind == K_ARGV || fd->kind == K_GROUP) &&
	    *(void *const *)p == NULL)
		return NULL;
	cr_assert_not_null(f = open_memstream(&out, &len));
	field_print(f, c, fd->kind, p);
	fclose(f);
	return out;
}

/* One "lhs = value" or "lhs != value" line of an accepted[] row. */
static void
check(const char *row, const struct sup_config *c, const char *spec)
{
	char lhs[96], op[3], *want, *got;
	int at = -1;
	bool eq;

	cr_assert(sscanf(spec, "%95s %2s %n", lhs, op, &at) == 2 && at > 0 &&
		  (strcmp(op, "=") == 0 || strcmp(op, "!=") == 0),
	    "%s: cannot read [%s]", row, spec);
	want = expand(spec + at, NULL);
	got = render(row, c, lhs);
	eq = strcmp(want, "NULL") == 0 ? got == NULL
				       : got != NULL && strcmp(got, want) == 0;
	cr_assert(op[0] == '=' ? eq : got != NULL && !eq,
	    "%s: %s: got %s, expected %s %s", row, lhs, got ? got : "NULL",
	    op, want);
	free(want);
	free(got);
}

/* ------------------------------------------------------------------------
 * Configs that load
 */

#define SYS CFG_CHECK_SYSTEM
#define STR_(x) #x
#define SIGNUM(s) STR_(s) /* "15" for SIGTERM */
#define DIR_(name) {name, NULL, 0755}
#define EXE "#!/bin/sh\nexit 0\n"
#define W "[worker w]\ncommand = /bin/true\n" /* lines 1 and 2 */

struct ok_row {
	const char *name;
	const char *text;
	const char *want[32]; /* "lhs = value" or "lhs != value" */
	unsigned flags;
	struct t_file files[4];
	const char *path; /* $PATH for the load, when set */
};

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

/* DESIGN.md section 5, comments and all. */
static const char design_conf[] =
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
    "inherit | null\n";

static const struct ok_row accepted[] = {
	{"a_full_config_sets_supervisor_keys", full_conf, .want = {
	    "run_dir = {tdir}/run", "state_path = {tdir}/data/state.db",
	    "root.name = root", "root.parent = NULL",
	    "root.strategy = one_for_all", "root.intensity = 7",
	    "root.period_ms = 20000", "root.shutdown_ms = 60000",
	    "on_give_up = stay", "durability = power"}},
	{"a_full_config_sets_nested_groups", full_conf, .want = {
	    "ngroups = 3", "backend.parent = root", "cache.parent = backend",
	    "backend.line = 12", "backend.strategy = rest_for_one",
	    "backend.intensity = 3", "backend.period_ms = 5000",
	    "backend.shutdown_ms = 30000", "backend.backoff.first_ms = 200",
	    "backend.backoff.max_ms = 10000",
	    "backend.backoff.reset_ms = 60000",
	    "cache.strategy = one_for_one"}},
	{"a_full_config_sets_every_worker_key", full_conf, .want = {
	    "nworkers = 2", "kv.line = 25", "kv.group = backend",
	    "kv.command = ./bin/kv-worker --capacity=1000 'two words'",
	    "kv.argv = ./bin/kv-worker --capacity=1000 'two words'",
	    "kv.path = {tdir}/bin/kv-worker", "kv.restart = transient",
	    "kv.instances = 1", "kv.ready = sup",
	    "kv.start_timeout_ms = 2500", "kv.shutdown_ms = 3000",
	    "kv.brutal_kill = false", "kv.stop_signal = " SIGNUM(SIGINT),
	    "kv.backoff.first_ms = 50", "kv.backoff.max_ms = 5000",
	    "kv.backoff.reset_ms = 20000", "kv.directory = {tdir}/srv",
	    "kv.has_user = true", "kv.user = nobody", "kv.nenv = 3",
	    "kv.env = LANG=C.UTF-8 'GREETING=hello world' EXTRA=1",
	    "kv.out = null"}},
	{"a_full_config_sets_a_pool", full_conf, .want = {
	    "pool.group = cache", "pool.argv = /bin/sleep 100",
	    "pool.path = /bin/sleep", "pool.instances = 4",
	    "pool.ready = notify", "pool.restart = temporary",
	    "pool.brutal_kill = true", "pool.stop_signal = " SIGNUM(SIGHUP),
	    "pool.out = inherit"}},
	{"the_design_example_loads", design_conf, .want = {
	    "run_dir = {tdir}/run", "state_path = {tdir}/run/state.db",
	    "backend.strategy = rest_for_one",
	    "kv.argv = ./build/examples/kv-worker --capacity=1000",
	    "kv.path = {tdir}/build/examples/kv-worker", "kv.ready = sup",
	    "kv.stop_signal = " SIGNUM(SIGTERM), "kv.directory = /srv/kv",
	    "kv.user = kv", "kv.out = log"}},

	/* Defaults */
	{"only_command_is_required_and_the_rest_defaults", W, .want = {
	    "nworkers = 1", "w.group = root", "w.restart = permanent",
	    "w.instances = 1", "w.ready = none", "w.start_timeout_ms = 5000",
	    "w.shutdown_ms = 5000", "w.brutal_kill = false",
	    "w.stop_signal = " SIGNUM(SIGTERM), "w.stop_signal = 15",
	    "w.backoff.first_ms = 100", "w.backoff.max_ms = 30000",
	    "w.backoff.reset_ms = 10000", "w.directory = NULL",
	    "w.has_user = false", "w.nenv = 0", "w.out = log"}},
	{"the_root_group_defaults_without_a_supervisor_section", W, .want = {
	    "root.name = root", "root.parent = NULL",
	    "root.strategy = one_for_one", "root.intensity = 5",
	    "root.period_ms = 10000", "root.shutdown_ms = infinity",
	    "on_give_up = exit", "durability = crash"}},
	{"a_group_defaults_to_one_for_one_5_in_10s_under_root",
	    "[supervisor]\n[group g]\n", .want = {"g.parent = root",
	    "g.strategy = one_for_one", "g.intensity = 5",
	    "g.period_ms = 10000", "g.shutdown_ms = infinity"}},
	/* Hung is not alive (issue 15). */
	{"watchdog_and_health_are_off_by_default", W, .want = {
	    "w.watchdog_ms = 0", "w.health = NULL", "w.health_argv = NULL",
	    "w.health_interval_ms = 10000", "w.health_timeout_ms = 5000",
	    "w.health_retries = 3", "w.health_start_period_ms = 0"}},
	{"a_watchdog_takes_a_duration",
	    W "ready = notify\nwatchdog = 2500ms\n",
	    .want = {"w.watchdog_ms = 2500"}},
	{"a_libsup_worker_may_have_a_watchdog",
	    W "ready = sup\nwatchdog = 1m\n",
	    .want = {"w.watchdog_ms = 60000"}},
	{"a_health_check_is_a_command_with_its_tuning",
	    W "health = /bin/sh -c 'curl -fs localhost:8080/ready'\n"
	    "health_interval = 30s\nhealth_timeout = 2s\nhealth_retries = 5\n"
	    "health_start_period = 1m\n", .want = {
	    "w.health = /bin/sh -c 'curl -fs localhost:8080/ready'",
	    "w.health_argv = /bin/sh -c 'curl -fs localhost:8080/ready'",
	    "w.health_path = /bin/sh", "w.health_interval_ms = 30000",
	    "w.health_timeout_ms = 2000", "w.health_retries = 5",
	    "w.health_start_period_ms = 60000", "w.ready = none"}},
	{"cgroup_limits_are_off_by_default_and_cgroups_auto", W, .want = {
	    "cgroups_off = false", "w.memory_max = 0", "w.memory_restart = 0",
	    "w.pids_max = 0"}},
	{"cgroup_limits_take_sizes_and_a_count",
	    "[supervisor]\ncgroups = off\n[worker w]\ncommand = /bin/true\n"
	    "memory_max = 512M\nmemory_restart = 400M\npids_max = 100\n",
	    .want = {"cgroups_off = true", "w.memory_max = 536870912",
	    "w.memory_restart = 419430400", "w.pids_max = 100"}},
	{"a_health_program_is_looked_up_in_path_like_a_command",
	    W "health = true\n", .want = {"w.health_path != true"},
	    .flags = SYS},
	{"a_relative_health_program_is_relative_to_the_config",
	    W "health = ./check.sh --deep\n", .want = {
	    "w.health_path = {tdir}/check.sh",
	    "w.health_argv = ./check.sh --deep"}},
	{"run_dir_defaults_to_the_given_one_and_state_lives_in_it", W,
	    .want = {"run_dir = {defrun}", "state_path = {defrun}/state.db"}},
	{"state_defaults_to_state_db_in_the_configured_run_dir",
	    "[supervisor]\nrun_dir = ./myrun\n", .want = {
	    "run_dir = {tdir}/myrun", "state_path = {tdir}/myrun/state.db"}},

	/* Paths */
	{"relative_paths_are_relative_to_the_config_directory",
	    "[supervisor]\nrun_dir = run\nstate = ./a/../db/state.db\n"
	    "[worker w]\ncommand = bin/w --flag\ndirectory = work/./here\n",
	    .want = {"dir = {tdir}", "run_dir = {tdir}/run",
	    "state_path = {tdir}/db/state.db", "w.path = {tdir}/bin/w",
	    "w.argv = bin/w --flag", "w.directory = {tdir}/work/here"}},
	{"parent_directory_references_leave_the_config_directory",
	    "[supervisor]\nrun_dir = ../sibling-run\n"
	    "[worker w]\ncommand = ../bin/w\n", .want = {
	    "run_dir = {parent}/sibling-run", "w.path = {parent}/bin/w"}},
	{"absolute_paths_are_kept",
	    "[supervisor]\nrun_dir = /var/tmp/sup-run\nstate = /var/tmp/s.db\n"
	    "[worker w]\ncommand = /usr/bin/env A=1\ndirectory = /srv\n",
	    .want = {"run_dir = /var/tmp/sup-run",
	    "state_path = /var/tmp/s.db", "w.path = /usr/bin/env",
	    "w.directory = /srv"}},
	/* Looked up in PATH (only with CFG_CHECK_SYSTEM), never in tdir. */
	{"a_command_without_a_slash_is_not_resolved_against_the_file",
	    "[worker w]\ncommand = sleep 1\n",
	    .want = {"w.path != {tdir}/sleep", "w.argv = sleep 1"}},

	/* Order and values */
	{"items_are_kept_in_file_order",
	    "[group g1]\n"
	    "[worker a]\ngroup = g1\ncommand = /bin/true\n"
	    "[worker b]\ncommand = /bin/true\n"
	    "[group g2]\nparent = g1\n"
	    "[worker c]\ngroup = g2\ncommand = /bin/true\n"
	    "[worker d]\ngroup = g1\ncommand = /bin/true\n", .want = {
	    "nitems = 6", "items = [group g1] [worker a] [worker b] "
	    "[group g2] [worker c] [worker d]", "nworkers = 4",
	    "workers = a b c d", "c.group = g2", "g2.parent = g1"}},
	{"a_group_may_be_referenced_before_it_is_defined",
	    "[worker a]\ngroup = later\ncommand = /bin/true\n"
	    "[group early]\nparent = later\n[group later]\n",
	    .want = {"a.group = later", "early.parent = later"}},
	{"env_may_be_repeated_and_accumulates_in_order",
	    W "env = A=1 B=2\nenv = 'C=x y'\nenv = D=\n",
	    .want = {"w.nenv = 4", "w.env = A=1 B=2 'C=x y' D="}},
	{"stop_signal_accepts_names_sig_names_and_numbers#1",
	    W "stop_signal = TERM\n",
	    .want = {"w.stop_signal = " SIGNUM(SIGTERM)}},
	{"stop_signal_accepts_names_sig_names_and_numbers#2",
	    W "stop_signal = SIGTERM\n",
	    .want = {"w.stop_signal = " SIGNUM(SIGTERM)}},
	{"stop_signal_accepts_names_sig_names_and_numbers#3",
	    W "stop_signal = KILL\n",
	    .want = {"w.stop_signal = " SIGNUM(SIGKILL)}},
	{"stop_signal_accepts_names_sig_names_and_numbers#4",
	    W "stop_signal = USR1\n",
	    .want = {"w.stop_signal = " SIGNUM(SIGUSR1)}},
	{"stop_signal_accepts_names_sig_names_and_numbers#5",
	    W "stop_signal = 2\n",
	    .want = {"w.stop_signal = " SIGNUM(SIGINT)}},
	{"stop_signal_accepts_names_sig_names_and_numbers#6",
	    W "stop_signal = SIGQUIT\n",
	    .want = {"w.stop_signal = " SIGNUM(SIGQUIT)}},
	{"limits_themselves_are_accepted",
	    "[supervisor]\nintensity = 0\n[group g]\nintensity = 10000\n"
	    W "instances = 10000\nstart_timeout = infinity\n"
	    "shutdown = infinity\nbackoff = 0 0\nbackoff_reset = infinity\n",
	    .want = {"root.intensity = 0", "g.intensity = 10000",
	    "w.instances = 10000", "w.start_timeout_ms = infinity",
	    "w.shutdown_ms = infinity", "w.backoff.first_ms = 0",
	    "w.backoff.max_ms = 0", "w.backoff.reset_ms = infinity"}},
	{"a_name_of_64_characters_is_valid",
	    "[worker {n*64}]\ncommand = /bin/true\n",
	    .want = {"workers = {n*64}"}},
	{"names_may_use_letters_digits_underscore_and_dash",
	    "[group Back_end-2]\n"
	    "[worker kv_store-1]\ngroup = Back_end-2\ncommand = /bin/true\n",
	    .want = {"kv_store-1.group = Back_end-2"}},
	{"log_rotation_takes_a_size_and_a_count#1",
	    W "[worker v]\ncommand = /bin/true\nlog_max_size = 512K\n"
	    "log_keep = 2\n[worker u]\ncommand = /bin/true\n"
	    "log_max_size = 0\n",
	    .want = {"workers = w v u", "w.log_max_size = 52428800" /* 50M */,
	    "w.log_keep = 5", "v.log_max_size = 524288" /* 512K */,
	    "v.log_keep = 2", "u.log_max_size = 0"}},
	{"hibernate_after_takes_a_duration_or_infinity#3",
	    W "hibernate_after = 30s\n"
	    "[worker v]\ncommand = /bin/true\nhibernate_after = infinity\n",
	    .want = {"workers = w v", "w.hibernate_after = 30s",
	    "v.hibernate_after = infinity"}},
	{"a_size_past_the_largest_is_refused_not_wrapped#3",
	    W "log_max_size = 1024T\n", .want = {"workers = w",
	    "w.log_max_size = 1125899906842624" /* 1 << 50 */}},
	{"umask_is_an_octal_mode#1",
	    W "umask = 027\n[worker v]\ncommand = /bin/true\n",
	    .want = {"w.umask = 027", "v.umask = 022"}},
	{"http_is_off_unless_given", W, .want = {"http_on = false"}},
	{"http_takes_a_port_alone_for_loopback#1",
	    "[supervisor]\nhttp = 9464\n",
	    .want = {"http_on = true", "http = 127.0.0.1:9464"}},
	{"http_takes_a_port_alone_for_loopback#2",
	    "[supervisor]\nhttp = :9464\n", .want = {"http = 127.0.0.1:9464"}},
	{"http_takes_an_ipv4_address", "[supervisor]\nhttp = 0.0.0.0:9100\n",
	    .want = {"http_on = true", "http = 0.0.0.0:9100"}},
	{"http_takes_an_ipv6_address_in_brackets",
	    "[supervisor]\nhttp = [::1]:9464\n",
	    .want = {"http = [::1]:9464"}},
	{"http_port_0_is_any_free_port", "[supervisor]\nhttp = 127.0.0.1:0\n",
	    .want = {"http = 127.0.0.1:0"}},

	/* listen (more in listen_keys_and_names_are_normalized) */
	{"listen_is_none_unless_given", W, .want = {"w.nlisten = 0"}},
	{"listen_takes_several_addresses_a_line_and_repeats",
	    W "listen = tcp:127.0.0.1:8080 tcp:[::1]:8080\n"
	    "listen = unix:app.sock\n", .want = {"w.nlisten = 3"}},

	/* Syntax */
	{"comments_and_blank_lines_are_ignored",
	    "; a comment\n# another\n\n   \n"
	    "[worker a] ; trailing comment\n"
	    "  command = /bin/echo hi   ; a comment after a blank\n"
	    "\trestart = transient\n",
	    .want = {"a.argv = /bin/echo hi", "a.restart = transient"}},
	{"a_semicolon_without_a_blank_before_stays_in_the_command",
	    "[worker sh]\ncommand = sh -c \"a; b\"\n",
	    .want = {"sh.argv = sh -c 'a; b'"}},
	{"a_long_line_is_not_cut",
	    "[worker w]\ncommand = /bin/echo {x*990}-END{x*6}\n"
	    "restart = transient\n", .want = {
	    "w.argv = /bin/echo {x*990}-END{x*6}", "w.restart = transient"}},
	{"a_long_line_within_the_maximum_is_read_whole",
	    "[worker a]\ncommand = /bin/true\nenv = X={y*20000}\n"
	    "[worker b]\ncommand = /bin/false\n",
	    .want = {"nworkers = 2", "a.env = X={y*20000}"}},
	{"a_utf8_byte_order_mark_is_not_part_of_the_first_line",
	    "\xef\xbb\xbf[supervisor]\nintensity = 7\n" W,
	    .want = {"root.intensity = 7"}},

	/* CFG_CHECK_SYSTEM */
	{"check_system_accepts_an_executable_file",
	    "[worker w]\ncommand = ./bin/w -v\n", .want = {
	    "w.path = {tdir}/bin/w"}, .flags = SYS,
	    .files = {DIR_("bin"), {"bin/w", EXE, 0755}}},
	{"check_system_looks_a_name_up_in_path",
	    "[worker w]\ncommand = mytool --go\n", .want = {
	    "w.path = {tdir}/bin2/mytool", "w.argv = mytool --go"},
	    .flags = SYS, .path = "{tdir}/bin:{tdir}/bin2",
	    .files = {DIR_("bin"), DIR_("bin2"), {"bin2/mytool", EXE, 0755},
	    {"bin/mytool", "not executable\n", 0644}}},
	{"without_check_system_the_system_is_not_consulted",
	    "[worker a]\ncommand = ./nope\ndirectory = ./afile\n"
	    "user = sup-test-no-such-user\n"
	    "[worker b]\ncommand = sup-test-no-such-program\n"
	    "directory = gone\n", .want = {"a.path = {tdir}/nope",
	    "a.directory = {tdir}/afile", "a.has_user = true",
	    "a.user = sup-test-no-such-user",
	    "b.path = sup-test-no-such-program", "b.directory = {tdir}/gone"},
	    .files = {{"afile", "x\n", 0644}}},
};

/*
 * The parameter is a row's index: Criterion runs each in a new process,
 * exec'd (so at other addresses), and copies the parameter's bytes only.
 */
static int row_ids[256];

static struct criterion_test_params
row_params(size_t n)
{
	for (size_t i = 0; i < n; i++)
		row_ids[i] = (int)i;
	return cr_make_param_array(int, row_ids, n);
}

_Static_assert(NROWS(accepted) <= NROWS(row_ids), "row_ids is too short");

ParameterizedTestParameters(supd_config, accepted)
{
	return row_params(NROWS(accepted));
}

ParameterizedTest(int *id, supd_config, accepted)
{
	const struct ok_row *r = &accepted[*id];
	struct sup_config *c;

	cr_log_info("%s", r->name);
	row_setup(r->files, NROWS(r->files), r->path);
	c = load_ok(r->name, r->text, r->flags);
	for (size_t i = 0; i < NROWS(r->want) && r->want[i] != NULL; i++)
		check(r->name, c, r->want[i]);
	cfg_free(c);
}

/* ------------------------------------------------------------------------
 * Configs refused: each mistake gets an error naming file, line and what
 * to do
 */

struct want_err {
	int line;	    /* it starts "CONF:line: "; 0: any message */
	int or_line;	    /* or "CONF:or_line: ", when not 0 */
	const char *key;    /* then "key: "; NULL: the line is enough */
	const char *has[5]; /* and it contains all of these */
};
#define E(line, key, ...) {line, 0, key, {__VA_ARGS__}}
#define EITHER(line, or_line, key, ...) {line, or_line, key, {__VA_ARGS__}}
#define ONE(line, key, ...) .n = 1, .errs = {E(line, key, __VA_ARGS__)}
#define ANY 0

struct bad_row {
	const char *name;
	const char *text;
	int n; /* exactly n errors, or ANY number */
	struct want_err errs[6];
	const char *hasnt; /* no message contains it */
	unsigned flags;
	struct t_file files[4];
	const char *path;
};

static const struct bad_row refused[] = {
	/* Sections */
	{"an_unknown_section_type_is_an_error_with_a_suggestion",
	    "[wroker kv]\ncommand = /bin/true\n",
	    ONE(1, NULL, "[wroker kv]", "unknown section",
	    "[supervisor], [group NAME] or [worker NAME]", "worker?")},
	{"an_unrelated_section_type_gets_no_suggestion",
	    "[worker a]\ncommand = /bin/true\n[service x]\nfoo = 1\n",
	    ONE(3, NULL, "[service x]", "unknown section"),
	    .hasnt = "did you mean"},
	{"a_supervisor_section_with_a_name_is_an_error",
	    "[supervisor main]\nintensity = 3\n",
	    ONE(1, NULL, "[supervisor main]", "[supervisor] takes no name")},
	{"a_worker_without_a_name_is_an_error",
	    "[supervisor]\n[worker]\ncommand = /bin/true\n",
	    ONE(2, NULL, "[worker]", "expected [worker NAME]")},
	{"a_group_without_a_name_is_an_error", "[group]\n",
	    ONE(1, NULL, "[group]", "expected [group NAME]")},
	{"a_section_with_two_names_is_an_error",
	    "[worker a b]\ncommand = /bin/true\n",
	    ONE(1, NULL, "[worker a b]", "expected [worker NAME]")},
	{"a_name_with_a_dot_is_invalid",
	    "[worker kv.1]\ncommand = /bin/true\n", ONE(1, NULL,
	    "[worker kv.1]", "\"kv.1\" is not a valid name", "no dots")},
	{"a_name_starting_with_a_dash_is_invalid", "[group -g]\n",
	    ONE(1, NULL, "\"-g\" is not a valid name")},
	{"a_name_with_other_characters_is_invalid",
	    "[worker k@v]\ncommand = /bin/true\n",
	    ONE(1, NULL, "\"k@v\" is not a valid name")},
	{"a_name_of_65_characters_is_invalid",
	    "[worker {n*65}]\ncommand = /bin/true\n",
	    ONE(1, NULL, "is not a valid name", "1 to 64")},
	/* One name was given: "expected [worker NAME]" would mislead. */
	{"a_much_longer_name_is_reported_as_an_invalid_name",
	    "[worker {n*100}]\ncommand = /bin/true\n",
	    ONE(1, NULL, "is not a valid name", "1 to 64")},
	{"root_is_reserved_for_the_top_group#1", "[group root]\n",
	    ONE(1, NULL, "[group root]", "\"root\" is reserved")},
	{"root_is_reserved_for_the_top_group#2",
	    "[worker root]\ncommand = /bin/true\n",
	    ONE(1, NULL, "[worker root]", "\"root\" is reserved")},
	{"a_duplicate_worker_section_is_an_error",
	    "[worker a]\ncommand = /bin/true\n"
	    "[worker a]\ncommand = /bin/false\n", ONE(3, NULL, "[worker a]",
	    "already used by [worker a] at line 1")},
	{"a_duplicate_group_section_is_an_error", "[group g]\n\n[group g]\n",
	    ONE(3, NULL, "[group g]", "already used by [group g] at line 1")},
	{"a_duplicate_supervisor_section_is_an_error",
	    "[supervisor]\nintensity = 3\n[supervisor]\nintensity = 4\n",
	    ONE(3, NULL, "[supervisor]", "duplicate section",
	    "first at line 1")},
	{"a_name_shared_by_a_group_and_a_worker_is_an_error#1",
	    "[group x]\n[worker x]\ncommand = /bin/true\n",
	    ONE(2, NULL, "[worker x]", "already used by [group x] at line 1")},
	{"a_name_shared_by_a_group_and_a_worker_is_an_error#2",
	    "[worker y]\ncommand = /bin/true\n[group y]\n",
	    ONE(3, NULL, "[group y]", "already used by [worker y] at line 1")},
	{"a_header_without_a_closing_bracket_is_an_error",
	    "[worker a]\ncommand = /bin/true\n[worker b\n",
	    .n = ANY, .errs = {E(3, NULL, "']'")}},

	/* Keys */
	{"an_unknown_key_is_an_error_with_a_suggestion",
	    "[worker kv]\ncommand = /bin/true\nrestrat = permanent\n",
	    ONE(3, "restrat", "unknown key in [worker kv]",
	    "did you mean restart?")},
	{"an_unknown_group_key_suggests_a_group_key",
	    "[group g]\nstratgy = one_for_all\n",
	    ONE(2, "stratgy", "unknown key in [group g]",
	    "did you mean strategy?")},
	{"an_unknown_supervisor_key_suggests_a_supervisor_key",
	    "[supervisor]\nrun_dri = ./run\n",
	    ONE(2, "run_dri", "unknown key in [supervisor]",
	    "did you mean run_dir?")},
	{"an_unrelated_unknown_key_gets_no_suggestion",
	    "[worker kv]\ncommand = /bin/true\ncolour = red\n",
	    ONE(3, "colour", "unknown key in [worker kv]"),
	    .hasnt = "did you mean"},
	{"a_key_set_twice_is_an_error",
	    "[worker a]\ncommand = /bin/true\nrestart = transient\n"
	    "restart = temporary\n",
	    ONE(4, "restart", "set twice in [worker a]", "first at line 3")},
	{"a_supervisor_key_set_twice_is_an_error",
	    "[supervisor]\nintensity = 1\n\nintensity = 2\n",
	    ONE(4, "intensity", "set twice in [supervisor]",
	    "first at line 2")},
	{"command_is_not_allowed_in_a_group",
	    "[group g]\ncommand = /bin/true\n",
	    ONE(2, "command", "not allowed in [group g]")},
	{"parent_is_not_allowed_in_a_worker", W "parent = root\n",
	    ONE(3, "parent", "not allowed in [worker w]")},
	{"supervisor_only_keys_are_not_allowed_elsewhere",
	    "[group g]\nrun_dir = ./run\n" W "state = ./s.db\n",
	    .n = 2, .errs = {E(2, "run_dir", "not allowed in [group g]"),
	    E(5, "state", "not allowed in [worker w]")}},
	{"worker_keys_are_not_allowed_in_the_supervisor_section",
	    "[supervisor]\ninstances = 3\n",
	    ONE(2, "instances", "not allowed in [supervisor]")},
	{"a_worker_without_a_command_is_an_error",
	    "[supervisor]\n[worker a]\nrestart = permanent\n",
	    ONE(2, NULL, "[worker a]", "command is required")},
	{"an_empty_worker_section_is_still_checked", "[worker a]\n",
	    ONE(1, NULL, "[worker a]", "command is required")},
	{"an_empty_command_is_an_error", "[worker a]\ncommand =\n",
	    .n = ANY, .errs = {E(2, "command", "empty")}},
	/* A command that is present but wrong gets one error, on its own
	 * line: not a second "command is required", false and elsewhere. */
	{"a_bad_command_is_not_also_reported_as_missing#1",
	    "[worker w]\ncommand = /bin/echo \"oops\n",
	    ONE(2, "command", "unbalanced double quote")},
	{"a_bad_command_is_not_also_reported_as_missing#2",
	    "[worker w]\ncommand = ./nope\n",
	    ONE(2, "command", "{tdir}/nope"), .flags = SYS},
	{"an_empty_value_is_an_error",
	    "[worker a]\ncommand = /bin/true\nrestart =\n",
	    ONE(3, "restart", "empty value")},
	{"an_unknown_group_is_an_error_with_a_suggestion",
	    "[group backend]\n[worker a]\ngroup = backnd\n"
	    "command = /bin/true\n", ONE(3, "group",
	    "no group named \"backnd\"", "did you mean backend?")},
	{"a_worker_is_not_a_group",
	    "[worker a]\ncommand = /bin/true\n"
	    "[worker b]\ngroup = a\ncommand = /bin/true\n",
	    ONE(4, "group", "no group named \"a\"")},
	{"an_unknown_parent_is_an_error_with_a_suggestion",
	    "[group backend]\n[group cache]\nparent = bakend\n",
	    ONE(3, "parent", "no group named \"bakend\"",
	    "did you mean backend?")},
	/* At the header or at the parent key: either names the place. */
	{"a_parent_cycle_is_an_error",
	    "[group a]\nparent = b\n[group b]\nparent = a\n",
	    .n = ANY, .errs = {EITHER(1, 2, "parent", "a", "cycle"),
	    EITHER(3, 4, "parent", "b", "cycle")}},
	{"a_group_that_is_its_own_parent_is_an_error",
	    "[supervisor]\n[group a]\nparent = a\n",
	    .n = ANY, .errs = {EITHER(2, 3, "parent", "cycle")}},
	{"a_longer_cycle_is_an_error",
	    "[group a]\nparent = c\n[group b]\nparent = a\n[group c]\n"
	    "parent = b\n[worker w]\ngroup = b\ncommand = /bin/true\n",
	    .n = ANY, .errs = {E(0, NULL, "parent", "group a", "cycle")}},

	/* Values */
	{"values_are_not_case_folded_or_trimmed_inside",
	    W "restart = Permanent\n", ONE(3, "restart", "\"Permanent\"")},
	{"a_bad_strategy_lists_the_strategies#1",
	    "[supervisor]\nintensity = 3\nstrategy = one_for_none\n",
	    ONE(3, "strategy", "\"one_for_none\" is not one of one_for_one, "
	    "one_for_all, rest_for_one")},
	{"a_bad_strategy_lists_the_strategies#2",
	    "[group g]\nstrategy = all\n", ONE(2, "strategy",
	    "\"all\" is not one of one_for_one, one_for_all, rest_for_one")},
	{"a_bad_restart_lists_the_restart_types", W "restart = always\n",
	    ONE(3, "restart",
	    "\"always\" is not one of permanent, transient, temporary")},
	{"a_bad_ready_lists_the_ready_modes", W "ready = systemd\n",
	    ONE(3, "ready", "\"systemd\" is not one of none, notify, sup")},
	{"a_bad_stdout_lists_the_choices", W "stdout = file\n",
	    ONE(3, "stdout", "\"file\" is not one of log, inherit, null")},
	{"a_bad_on_give_up_lists_the_choices",
	    "[supervisor]\non_give_up = retry\n",
	    ONE(2, "on_give_up", "\"retry\" is not one of exit, stay")},
	{"a_bad_durability_lists_the_choices",
	    "[supervisor]\ndurability = disk\n",
	    ONE(2, "durability", "\"disk\" is not one of crash, power")},
	{"a_misspelt_enum_value_gets_a_suggestion", W "restart = transeint\n",
	    ONE(3, "restart", "\"transeint\"", "transient?")},
	{"a_bad_duration_says_what_a_duration_looks_like#1",
	    W "start_timeout = 5 sec\n",
	    ONE(3, "start_timeout", "\"5 sec\" is not a duration", "5s")},
	{"a_bad_duration_says_what_a_duration_looks_like#2",
	    "[group g]\nperiod = 10x\n",
	    ONE(2, "period", "\"10x\" is not a duration")},
	{"a_bad_duration_says_what_a_duration_looks_like#3",
	    W "backoff_reset = -1s\n",
	    ONE(3, "backoff_reset", "\"-1s\" is not a duration")},
	{"a_duration_finer_than_a_millisecond_says_so",
	    "[group g]\nperiod = 1.0005s\n",
	    ONE(2, "period", "\"1.0005s\" is finer than a millisecond",
	    "whole milliseconds")},
	{"log_rotation_takes_a_size_and_a_count#2", W "log_max_size = 5 MB\n",
	    ONE(3, "log_max_size", "\"5 MB\" is not a size", "50M")},
	{"log_rotation_takes_a_size_and_a_count#3", W "log_keep = 0\n",
	    ONE(3, "log_keep", "from 1 to 100")},
	{"hibernate_after_takes_a_duration_or_infinity#1",
	    W "hibernate_after = later\n", ONE(3, "hibernate_after",
	    "\"later\" is not a duration", "infinity")},
	{"hibernate_after_takes_a_duration_or_infinity#2",
	    W "hibernate_after = 0\n",
	    ONE(3, "hibernate_after", "must be more than 0")},
	{"a_bad_shutdown_mentions_infinity_and_brutal_kill",
	    W "shutdown = soon\n", ONE(3, "shutdown",
	    "\"soon\" is not a duration", "infinity", "brutal_kill")},
	{"a_period_must_be_finite_and_positive#1",
	    "[supervisor]\nperiod = infinity\n", ONE(2, "period", "finite")},
	{"a_period_must_be_finite_and_positive#2",
	    "[supervisor]\nperiod = 0\n", ONE(2, "period", "longer than 0")},
	{"a_start_timeout_of_zero_is_an_error", W "start_timeout = 0s\n",
	    ONE(3, "start_timeout", "longer than 0")},
	{"intensity_out_of_range_is_an_error#1",
	    "[supervisor]\nintensity = -1\n", ONE(2, "intensity",
	    "\"-1\" is not a whole number from 0 to 10000")},
	{"intensity_out_of_range_is_an_error#2",
	    "[group g]\nintensity = 10001\n", ONE(2, "intensity",
	    "\"10001\" is not a whole number from 0 to 10000")},
	{"intensity_out_of_range_is_an_error#3",
	    "[group g]\nintensity = 5x\n",
	    ONE(2, "intensity", "\"5x\" is not a whole number")},
	{"intensity_out_of_range_is_an_error#4",
	    "[group g]\nintensity = 99999999999999999999\n",
	    ONE(2, "intensity", "is not a whole number")},
	{"zero_instances_is_an_error", W "instances = 0\n",
	    ONE(3, "instances",
	    "\"0\" is not a whole number from 1 to 10000")},
	{"too_many_instances_is_an_error", W "instances = 10001\n",
	    ONE(3, "instances",
	    "\"10001\" is not a whole number from 1 to 10000")},
	{"a_backoff_first_delay_longer_than_its_cap_is_an_error",
	    W "backoff = 1s 100ms\n", ONE(3, "backoff", "first delay (1s)",
	    "longer than the cap (100ms)")},
	{"a_backoff_with_three_words_is_an_error",
	    "[group g]\nbackoff = 100ms 1s 5s\n", ONE(2, "backoff",
	    "expected a first delay and a cap", "100ms 30s")},
	{"a_backoff_with_a_bad_duration_is_an_error",
	    W "backoff = 100ms fast\n",
	    ONE(3, "backoff", "\"fast\" is not a duration")},
	{"a_bad_stop_signal_is_an_error#1", W "stop_signal = TERMINATE\n",
	    ONE(3, "stop_signal", "\"TERMINATE\" is not a signal", "TERM")},
	{"a_bad_stop_signal_is_an_error#2", W "stop_signal = 0\n",
	    ONE(3, "stop_signal", "\"0\" is not a signal", "TERM")},
	{"a_bad_stop_signal_is_an_error#3", W "stop_signal = 999\n",
	    ONE(3, "stop_signal", "\"999\" is not a signal", "TERM")},
	{"a_bad_stop_signal_is_an_error#4", W "stop_signal = 15x\n",
	    ONE(3, "stop_signal", "\"15x\" is not a signal", "TERM")},
	{"a_bad_stop_signal_is_an_error#5", W "stop_signal = SIG\n",
	    ONE(3, "stop_signal", "\"SIG\" is not a signal", "TERM")},
	{"a_bad_normal_exit_is_an_error#1", W "normal_exit = 0 TERMINATE\n",
	    ONE(3, "normal_exit", "\"TERMINATE\" is neither an exit status",
	    "(0 to 255)", "TERM")},
	{"a_bad_normal_exit_is_an_error#2", W "normal_exit = 256\n",
	    ONE(3, "normal_exit", "\"256\" is neither an exit status")},
	{"a_bad_normal_exit_is_an_error#3", W "normal_exit = 1x\n",
	    ONE(3, "normal_exit", "\"1x\" is neither")},
	{"a_bad_normal_exit_is_an_error#4", W "normal_exit =\n",
	    ONE(3, "normal_exit", "empty value")},
	{"a_bad_on_start_failure_is_an_error",
	    "[supervisor]\non_start_failure = abrot\n",
	    ONE(2, "on_start_failure", "\"abrot\" is not one of retry, abort",
	    "abort?")},
	{"on_start_failure_is_not_a_worker_key", W "on_start_failure = abort\n",
	    ONE(3, "on_start_failure", "not allowed in [worker w]")},
	{"ignore_exit_takes_statuses_only", W "ignore_exit = 77 TERM\n",
	    ONE(3, "ignore_exit", "\"TERM\" is not an exit status (0 to 255)")},
	{"a_significant_child_is_not_permanent",
	    "[supervisor]\nauto_shutdown = any_significant\n" W
	    "significant = true\n", ONE(5, "significant", "a permanent child "
	    "never ends on its own", "OTP's rule")},
	{"a_never_group_refuses_significant_children",
	    W "restart = transient\nsignificant = true\n",
	    ONE(4, "significant", "group root has auto_shutdown = never")},
	{"a_group_that_shuts_itself_down_is_not_permanent",
	    "[group g]\nauto_shutdown = all_significant\n",
	    ONE(2, "auto_shutdown", "[group g] would be started again")},
	{"a_bad_auto_shutdown_is_an_error",
	    "[supervisor]\nauto_shutdown = always\n",
	    ONE(2, "auto_shutdown", "\"always\" is not one of never, "
	    "any_significant, all_significant")},
	{"a_bad_pool_intensity_is_an_error", W "pool_intensity = -1\n",
	    ONE(3, "pool_intensity", "-1")},
	{"a_zero_pool_period_is_an_error", W "pool_period = 0\n",
	    ONE(3, "pool_period", "must be longer than 0")},
	{"normal_exit_is_a_worker_key", "[group g]\nnormal_exit = 0\n",
	    ONE(2, "normal_exit", "not allowed in [group g]")},
	{"a_bad_stop_signal_is_an_error#6", W "stop_signal = -9\n",
	    ONE(3, "stop_signal", "\"-9\" is not a signal", "TERM")},
	{"env_must_be_name_equals_value#1", W "env = FOO\n",
	    ONE(3, "env", "\"FOO\" is not NAME=VALUE")},
	{"env_must_be_name_equals_value#2", W "env = 1X=y\n",
	    ONE(3, "env", "\"1X=y\" is not NAME=VALUE")},
	{"env_must_be_name_equals_value#3", W "env = =x\n",
	    ONE(3, "env", "\"=x\" is not NAME=VALUE")},
	{"env_must_be_name_equals_value#4", W "env = A-B=c\n",
	    ONE(3, "env", "\"A-B=c\" is not NAME=VALUE")},
	{"env_must_be_name_equals_value#5", W "env = OK=1 BAD\n",
	    ONE(3, "env", "\"BAD\" is not NAME=VALUE")},
	{"env_with_bad_quoting_is_an_error", W "env = \"A=1\n",
	    ONE(3, "env", "unbalanced double quote")},
	{"env_may_not_set_what_supd_sets",
	    W "env = SUP_NAME=x\nenv = NOTIFY_SOCKET=/x\n", .n = ANY, .errs = {
	    E(3, "env", "\"SUP_NAME=x\" is reserved"),
	    E(4, "env", "\"NOTIFY_SOCKET=/x\" is reserved")}},
	{"env_may_not_set_the_watchdog_variables",
	    W "env = WATCHDOG_USEC=1000000 WATCHDOG_PID=1\n",
	    ONE(3, "env", "\"WATCHDOG_USEC=1000000\" is reserved",
	    "WATCHDOG_*")},
	{"a_watchdog_needs_a_child_that_reports",
	    W "watchdog = 10s\n", ONE(3, "watchdog", "[worker w] has ready "
	    "= none", "ready = notify", "ready = sup")},
	{"a_watchdog_needs_a_child_that_reports#ready_after_it",
	    W "watchdog = 10s\nready = none\n", ONE(3, "watchdog",
	    "ready = none")},
	{"a_bad_watchdog_duration_is_one_error",
	    W "watchdog = often\n", ONE(3, "watchdog",
	    "\"often\" is not a duration")},
	{"a_watchdog_is_finite_and_positive#1",
	    W "ready = notify\nwatchdog = 0\n", ONE(4, "watchdog",
	    "longer than 0")},
	{"a_watchdog_is_finite_and_positive#2",
	    W "ready = notify\nwatchdog = infinity\n", ONE(4, "watchdog",
	    "finite")},
	{"a_health_check_needs_a_command#1", W "health = \n",
	    ONE(3, "health", "empty value")},
	{"a_health_check_needs_a_command#2", W "health = 'unbalanced\n",
	    ONE(3, "health", "unbalanced single quote")},
	{"a_health_check_needs_an_existing_program",
	    W "health = ./nope\n", ONE(3, "health", "{tdir}/nope",
	    "{ENOENT}"), .flags = SYS},
	{"a_bad_health_interval_says_what_a_duration_looks_like",
	    W "health = /bin/true\nhealth_interval = 10 s\n",
	    ONE(4, "health_interval", "\"10 s\" is not a duration")},
	{"a_health_timeout_is_finite_and_positive#1",
	    W "health = /bin/true\nhealth_timeout = 0ms\n",
	    ONE(4, "health_timeout", "longer than 0")},
	{"a_health_timeout_is_finite_and_positive#2",
	    W "health = /bin/true\nhealth_timeout = infinity\n",
	    ONE(4, "health_timeout", "finite")},
	{"health_retries_is_a_count_from_1",
	    W "health = /bin/true\nhealth_retries = 0\n",
	    ONE(4, "health_retries", "from 1 to 1000")},
	{"a_health_start_period_may_be_0_but_not_infinity",
	    W "health = /bin/true\nhealth_start_period = infinity\n",
	    ONE(4, "health_start_period", "finite")},
	{"health_tuning_without_a_health_check_is_an_error",
	    W "health_interval = 5s\nhealth_retries = 2\n",
	    ONE(3, NULL, "[worker w] tunes a health check", "health = ")},
	{"health_keys_belong_to_workers", "[group g]\nhealth = /bin/true\n",
	    ONE(2, "health", "not allowed in [group g]")},
	{"memory_max_is_a_size_larger_than_0#1", W "memory_max = 0\n",
	    ONE(3, "memory_max", "\"0\" is not a size larger than 0")},
	{"memory_max_is_a_size_larger_than_0#2", W "memory_max = 1.5G\n",
	    ONE(3, "memory_max", "like 512M")},
	{"pids_max_is_a_count_from_1", W "pids_max = 0\n",
	    ONE(3, "pids_max", "from 1 to")},
	{"memory_restart_must_be_below_memory_max",
	    W "memory_max = 100M\nmemory_restart = 100M\n",
	    ONE(4, "memory_restart", "[worker w]: must be below memory_max")},
	{"cgroups_is_auto_or_off", "[supervisor]\ncgroups = yes\n",
	    ONE(2, "cgroups", "\"yes\" is not one of auto, off")},
	{"cgroup_limits_belong_to_workers", "[group g]\npids_max = 5\n",
	    ONE(2, "pids_max", "not allowed in [group g]")},
	{"a_size_past_the_largest_is_refused_not_wrapped#1",
	    W "log_max_size = 17179869184G\n",
	    ONE(3, "log_max_size", "larger than the largest size")},
	{"a_size_past_the_largest_is_refused_not_wrapped#2",
	    W "log_max_size = 99999999999999999999999\n",
	    ONE(3, "log_max_size", "larger than the largest size")},
	/* Issue 9: 200000d overflowed supd's nanosecond deadlines. */
	{"a_duration_past_the_longest_is_refused#1",
	    W "start_timeout = 200000d\n", ONE(3, "start_timeout",
	    "longer than the longest duration, 36500d", "infinity")},
	{"a_duration_past_the_longest_is_refused#2",
	    "[supervisor]\nperiod = 99999999999999999999\n",
	    ONE(2, "period", "longer than the longest")},
	{"http_looks_up_no_name", "[supervisor]\nhttp = localhost:9464\n",
	    ONE(2, "http", "\"localhost:9464\" is not ADDRESS:PORT",
	    "names are not looked up")},
	{"http_needs_a_port", "[supervisor]\nhttp = 127.0.0.1\n",
	    ONE(2, "http", "\"127.0.0.1\" is not ADDRESS:PORT", "no port")},
	{"http_port_is_a_number_from_0_to_65535#1",
	    "[supervisor]\nhttp = 127.0.0.1:65536\n",
	    ONE(2, "http", "port is not a number from 0 to 65535")},
	{"http_port_is_a_number_from_0_to_65535#2",
	    "[supervisor]\nhttp = 127.0.0.1:http\n",
	    ONE(2, "http", "port is not a number from 0 to 65535")},
	{"http_port_is_a_number_from_0_to_65535#3",
	    "[supervisor]\nhttp = 127.0.0.1:-1\n",
	    ONE(2, "http", "port is not a number from 0 to 65535")},
	{"http_wants_an_ipv6_address_in_brackets#1",
	    "[supervisor]\nhttp = ::1:9464\n", ONE(2, "http", "in brackets")},
	{"http_wants_an_ipv6_address_in_brackets#2",
	    "[supervisor]\nhttp = [::1:9464\n",
	    ONE(2, "http", "without its ']'")},
	{"http_wants_an_ipv6_address_in_brackets#3",
	    "[supervisor]\nhttp = [::1]\n", ONE(2, "http", "no port after")},
	{"http_wants_an_ipv6_address_in_brackets#4",
	    "[supervisor]\nhttp = [127.0.0.1]:80\n",
	    ONE(2, "http", "not an IPv6 address")},
	{"http_is_a_supervisor_key", W "http = 9464\n",
	    ONE(3, "http", "not allowed in [worker w]")},
	{"http_is_set_once", "[supervisor]\nhttp = 9464\nhttp = 9465\n",
	    ONE(3, "http", "set twice in [supervisor]", "first at line 2")},
	{"umask_is_an_octal_mode#2", W "umask = 0o22\n",
	    ONE(3, "umask", "is not a umask")},
	{"umask_is_an_octal_mode#3", W "umask = 1777\n",
	    ONE(3, "umask", "is not a umask")},
	{"umask_is_an_octal_mode#4", W "umask = 9\n",
	    ONE(3, "umask", "is not a umask")},

	/* Syntax */
	{"a_line_without_an_equals_sign_is_an_error",
	    "[worker a]\ncommand = /bin/true\nthis line has no equals sign\n",
	    ONE(3, NULL, "expected \"key = value\"")},
	{"a_key_outside_any_section_is_an_error",
	    "command = /bin/true\n[worker a]\ncommand = /bin/true\n",
	    ONE(1, "command", "outside of any section", "[supervisor]")},
	{"a_blank_semicolon_in_a_quoted_command_is_an_error_with_a_hint#1",
	    "[worker sh]\ncommand = sh -c \"a ; b\"\n",
	    ONE(2, "command", "unbalanced double quote", "comment", "a; b")},
	{"a_blank_semicolon_in_a_quoted_command_is_an_error_with_a_hint#2",
	    "[worker sh]\ncommand = sh -c 'a ; b'\n",
	    ONE(2, "command", "unbalanced single quote", "comment")},
	{"a_blank_semicolon_in_a_quoted_command_is_an_error_with_a_hint#3",
	    "[worker sh]\ncommand = sh -c \"a\t; b\"\n",
	    ONE(2, "command", "unbalanced double quote", "comment")},
	{"an_unbalanced_quote_without_a_semicolon_gets_no_comment_hint",
	    "[worker w]\ncommand = /bin/echo \"oops\n",
	    ONE(2, "command", "unbalanced double quote"), .hasnt = "comment"},
	{"an_env_value_cut_by_the_comment_trap_gets_the_hint",
	    W "env = A=1 \"B=x ; y\"\n", ONE(3, "env",
	    "unbalanced double quote", "starts a comment")},
	{"a_trailing_backslash_in_a_command_is_an_error",
	    "[worker w]\ncommand = /bin/echo a\\\n",
	    ONE(2, "command", "trailing backslash")},
	{"line_numbers_stay_right_after_a_long_line",
	    W "env = LONG={y*300}\ncolour = red\n",
	    ONE(4, "colour", "unknown key")},
	{"a_long_bad_value_is_reported_on_its_own_line",
	    W "restart = {z*300}\nready = sup\n",
	    ONE(3, "restart", "is not one of permanent")},
	{"several_errors_are_reported_at_once",
	    "[supervisor]\n"		/* 1 */
	    "strategy = one_for_none\n"	/* 2 */
	    "intensity = lots\n"	/* 3 */
	    "[worker a]\n"		/* 4 */
	    "command = /bin/true\n"	/* 5 */
	    "restart = sometimes\n"	/* 6 */
	    "[worker b]\n"		/* 7 */
	    "command = /bin/true\n"	/* 8 */
	    "colour = red\n"		/* 9 */
	    "group = nowhere\n"		/* 10 */
	    "[worker c]\n",		/* 11 */
	    .n = 6, .errs = {E(2, "strategy", "one_for_none"),
	    E(3, "intensity", "lots"), E(6, "restart", "sometimes"),
	    E(9, "colour", "unknown key"), E(10, "group", "nowhere"),
	    E(11, NULL, "command is required")}},
	/* Issue 9: a NUL made inih cut the line, and the next with it:
	 * [worker b] was lost and its keys went to a. */
	{"a_nul_byte_is_an_error_naming_its_line",
	    "[worker a]\ncommand = /bin/true\n"
	    "env = X=1{NUL}junk\n[worker b]\ncommand = /bin/false\n",
	    ONE(3, NULL, "a NUL byte")},
	{"a_line_longer_than_the_maximum_is_an_error_naming_its_line",
	    /* CFG_LINE_MAX + 100 */
	    "[worker a]\ncommand = /bin/true\nenv = X={y*65636}\n[worker b]\n",
	    ONE(3, NULL, "longer than 65536")},

	/* listen */
	{"listen_refuses_an_unknown_kind", W "listen = udp:127.0.0.1:53\n",
	    ONE(3, "listen", "\"udp:127.0.0.1:53\" is not tcp:ADDRESS:PORT",
	    "or unix:PATH")},
	{"listen_refuses_a_host_name", W "listen = tcp:localhost:80\n",
	    ONE(3, "listen", "\"tcp:localhost:80\"", "names are not looked "
	    "up")},
	{"listen_refuses_port_0", W "listen = tcp:127.0.0.1:0\n",
	    ONE(3, "listen", "the port must be from 1 to 65535")},
	{"listen_refuses_a_port_too_big", W "listen = tcp:*:65536\n",
	    ONE(3, "listen", "\"tcp:*:65536\"", "0 to 65535")},
	{"listen_refuses_an_ipv6_address_without_brackets",
	    W "listen = tcp:::1:80\n", ONE(3, "listen", "in brackets")},
	{"listen_refuses_an_empty_unix_path", W "listen = unix:\n",
	    ONE(3, "listen", "no path after unix:")},
	{"listen_refuses_an_abstract_unix_name", W "listen = unix:@sup\n",
	    ONE(3, "listen", "abstract sockets are not supported")},
	{"listen_refuses_a_unix_path_longer_than_a_socket_takes",
	    W "listen = unix:/{x*120}\n", ONE(3, "listen", "107 bytes")},
	{"listen_refuses_a_directory", W "listen = unix:/run/\n",
	    ONE(3, "listen", "names a directory")},
	{"listen_refuses_more_than_16_sockets",
	    W "listen = tcp:1 tcp:2 tcp:3 tcp:4 tcp:5 tcp:6 tcp:7 tcp:8 tcp:9 "
	    "tcp:10 tcp:11 tcp:12 tcp:13 tcp:14 tcp:15 tcp:16 tcp:17\n",
	    ONE(3, "listen", "more than 16 sockets")},
	{"listen_refuses_one_address_in_two_workers",
	    "[worker a]\ncommand = /bin/true\nlisten = tcp:*:80\n"
	    "[worker b]\ncommand = /bin/true\nlisten = tcp:0.0.0.0:80\n",
	    ONE(6, "listen", "tcp:0.0.0.0:80 is also [worker a]'s (line 3)",
	    "a pool's instances share")},
	{"listen_refuses_one_address_twice_in_a_worker",
	    W "listen = tcp:[::1]:80 tcp:[0:0::1]:80\n",
	    ONE(3, "listen", "tcp:[::1]:80 is also [worker w]'s")},
	{"listen_name_must_match_the_sockets",
	    W "listen = tcp:1 tcp:2\nlisten_name = one\n",
	    ONE(4, "listen_name", "1 name for 2 sockets")},
	{"listen_name_without_listen_is_an_error", W "listen_name = one\n",
	    ONE(3, "listen_name", "1 name for 0 sockets")},
	{"listen_name_refuses_a_colon", W "listen = tcp:1\n"
	    "listen_name = a:b\n", ONE(4, "listen_name", "\"a:b\" is not a "
	    "socket name", "no ':'")},
	{"listen_is_a_worker_key", "[group g]\nlisten = tcp:1\n",
	    ONE(2, "listen", "not allowed in [group g]")},
	{"env_may_not_set_listen_variables", W "env = LISTEN_FDS=3\n",
	    ONE(3, "env", "\"LISTEN_FDS=3\" is reserved")},

	/* CFG_CHECK_SYSTEM */
	{"check_system_refuses_a_missing_executable",
	    "[worker w]\ncommand = ./nope --x\n",
	    ONE(2, "command", "{tdir}/nope", "{ENOENT}"), .flags = SYS},
	{"check_system_refuses_a_file_that_is_not_executable",
	    "[worker w]\ncommand = ./script\n",
	    ONE(2, "command", "{tdir}/script", "{EACCES}"), .flags = SYS,
	    .files = {{"script", "#!/bin/sh\n", 0644}}},
	{"check_system_refuses_a_directory_as_the_executable",
	    "[worker w]\ncommand = ./bin\n", ONE(2, "command", "{tdir}/bin"),
	    .flags = SYS, .files = {DIR_("bin")}},
	{"check_system_refuses_an_empty_program_name",
	    "[worker w]\ncommand = '' arg\n", ONE(2, "command", NULL),
	    .flags = SYS},
	{"check_system_refuses_a_name_not_in_path",
	    "[worker w]\ncommand = sup-test-no-such-program -x\n",
	    ONE(2, "command", "\"sup-test-no-such-program\"",
	    "not an executable in PATH"), .flags = SYS},
	{"check_system_skips_directories_named_like_the_program",
	    "[worker w]\ncommand = mytool\n",
	    ONE(2, "command", "\"mytool\"", "not an executable"), .flags = SYS,
	    .files = {DIR_("bin"), DIR_("bin/mytool")}, .path = "{tdir}/bin"},
	{"check_system_refuses_a_directory_that_is_a_file",
	    W "directory = ./afile\n",
	    ONE(3, "directory", "{tdir}/afile", "not a directory"),
	    .flags = SYS, .files = {{"afile", "x\n", 0644}}},
	{"check_system_refuses_a_missing_directory", W "directory = gone\n",
	    ONE(3, "directory", "{tdir}/gone", "{ENOENT}"), .flags = SYS},
	{"check_system_refuses_an_unknown_user",
	    W "user = sup-test-no-such-user\n",
	    ONE(3, "user", "no user named \"sup-test-no-such-user\""),
	    .flags = SYS},
	{"check_system_reports_every_system_problem_at_once",
	    "[worker a]\ncommand = ./nope\ndirectory = ./afile\n"
	    "user = sup-test-no-such-user\n", .n = ANY, .errs = {
	    E(2, "command", "{tdir}/nope"),
	    E(3, "directory", "not a directory"),
	    E(4, "user", "sup-test-no-such-user")},
	    .flags = SYS, .files = {{"afile", "x\n", 0644}}},
};

_Static_assert(NROWS(refused) <= NROWS(row_ids), "row_ids is too short");

ParameterizedTestParameters(supd_config, refused)
{
	return row_params(NROWS(refused));
}

/* Whether some error matches w at line; *what says what was looked for. */
static bool
err_matches(const struct cfg_errors *e, const struct want_err *w, int line,
    char **what)
{
	const char *want[1 + NROWS(w->has)];
	size_t n = 0, k, len;
	FILE *f = open_memstream(what, &len);
	bool found;

	cr_assert_not_null(f);
	if (line > 0) {
		fprintf(f, w->key ? "%s:%d: %s: " : "%s:%d: ", conf, line,
		    w->key);
		fflush(f);
		want[n++] = *what;
	}
	for (k = 0; k < NROWS(w->has) && w->has[k] != NULL; k++)
		want[n++] = expand(w->has[k], NULL);
	found = has_all(e, want, n);
	for (size_t i = line > 0, first = i; i < n; i++) {
		fprintf(f, "%s[%s]", i > first ? " " : "", want[i]);
		free((char *)want[i]);
	}
	fclose(f);
	return found;
}

ParameterizedTest(int *id, supd_config, refused)
{
	const struct bad_row *r = &refused[*id];
	struct cfg_errors e;
	struct sup_config *c;
	sup_err rv;
	bool got;

	cr_log_info("%s", r->name);
	row_setup(r->files, NROWS(r->files), r->path);
	rv = load(r->text, r->flags, &c, &e);
	got = c != NULL;
	cfg_free(c);
	cr_assert_eq(rv, SUP_EINVAL, "%s: cfg_load = %d (%s), expected "
	    "SUP_EINVAL; errors:\n%s", r->name, rv, sup_strerror(rv),
	    all_errs(&e));
	cr_assert_not(got, "%s: a config was returned with the errors",
	    r->name);
	cr_assert_gt(e.n, 0, "%s: refused without an error message", r->name);
	/* An entry with neither a line nor a string ends the list. */
	for (size_t i = 0; i < NROWS(r->errs) &&
	    (r->errs[i].line > 0 || r->errs[i].has[0] != NULL); i++) {
		const struct want_err *w = &r->errs[i];
		char *what, *or_what = NULL;
		bool ok = err_matches(&e, w, w->line, &what) ||
		    (w->or_line && err_matches(&e, w, w->or_line, &or_what));

		cr_assert(ok, "%s: expected an error with %s%s%s\ngot:\n%s",
		    r->name, what, or_what ? ", or with " : "",
		    or_what ? or_what : "", all_errs(&e));
		free(what);
		free(or_what);
	}
	if (r->n > 0)
		cr_assert_eq(e.n, r->n, "%s: expected exactly %d error(s), "
		    "got:\n%s", r->name, r->n, all_errs(&e));
	if (r->hasnt != NULL)
		cr_assert_not(has_all(&e, &r->hasnt, 1), "%s: unexpected "
		    "error with %s\ngot:\n%s", r->name, r->hasnt,
		    all_errs(&e));
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * Files that cannot be read: SUP_ESYS | errno, no config, and an error
 * naming the path (and strerror(errno))
 */

struct sys_row {
	const char *name;
	const char *path; /* under tdir */
	int code;	  /* the errno; 0: any */
	int n;		  /* exactly n errors, or ANY number */
	struct t_file files[1];
	bool not_as_root; /* root could read it: skipped */
};

static const struct sys_row unreadable[] = {
	{"a_missing_file_is_a_system_error", "nope.conf", ENOENT, .n = 1},
	{"a_path_through_a_file_is_a_system_error", "plain/sup.conf", ENOTDIR,
	    .files = {{"plain", "not a dir\n", 0644}}},
	{"an_unreadable_file_is_a_system_error", "sup.conf", EACCES,
	    .files = {{"sup.conf", "[worker a]\ncommand = /bin/true\n", 0000}},
	    .not_as_root = true},
	{"a_directory_is_not_a_config_file", "conf.d", 0,
	    .files = {DIR_("conf.d")}},
};

ParameterizedTestParameters(supd_config, unreadable)
{
	return row_params(NROWS(unreadable));
}

ParameterizedTest(int *id, supd_config, unreadable)
{
	const struct sys_row *r = &unreadable[*id];
	struct cfg_errors e;
	struct sup_config *c = NULL;
	const char *want[2] = {tpath(r->path), strerror(r->code)};
	sup_err rv;

	cr_log_info("%s", r->name);
	if (r->not_as_root && geteuid() == 0) {
		teardown(); /* a skipped test does not run .fini */
		cr_skip_test("%s: root reads a mode 000 file", r->name);
	}
	row_setup(r->files, NROWS(r->files), NULL);
	rv = cfg_load(want[0], defrun, 0, &c, &e);
	cr_assert_neq(rv, SUP_OK, "%s", r->name);
	cr_assert_eq(SUP_ERR_TAG(rv), SUP_ESYS, "%s: rv = %#x", r->name,
	    (unsigned)rv);
	if (r->code != 0)
		cr_assert_eq(SUP_ERR_CODE(rv), r->code, "%s", r->name);
	cr_assert_null(c, "%s", r->name);
	if (r->n > 0)
		cr_assert_eq(e.n, r->n, "%s:\n%s", r->name, all_errs(&e));
	cr_assert(has_all(&e, want, r->code ? 2 : 1), "%s: expected an error "
	    "with %s%s%s\ngot:\n%s", r->name, want[0], r->code ? " and " : "",
	    r->code ? want[1] : "", all_errs(&e));
	cfg_errors_fini(&e);
}

/* ------------------------------------------------------------------------
 * Not one file loaded once
 */

/* normal_exit: the set it makes replaces the default (0 and TERM). */
/* Each socket's key (what names it across reloads and handovers) is
 * written one way; names default to the worker's. */
Test(supd_config, listen_keys_and_names_are_normalized)
{
	static const char *const want[][2] = {
		{"tcp:127.0.0.1:8080", "http"},
		{"tcp:0.0.0.0:8081", "any"},
		{"tcp:[::1]:8082", "v6"},
		{"tcp:127.0.0.1:8083", "lo"},
	};
	struct cfg_errors e;
	struct sup_config *c;
	char path[PATH_MAX + 16];
	const struct cfg_worker *w;

	cr_assert_eq(load("[worker web]\ncommand = /bin/true\n"
	    "listen = tcp:127.0.0.1:8080 tcp:*:8081\n"
	    "listen = tcp:[0:0:0:0:0:0:0:1]:8082 tcp:8083\n"
	    "listen_name = http any v6 lo\n"
	    "[worker b]\ncommand = /bin/true\nlisten = unix:b.sock\n", 0, &c,
	    &e), SUP_OK, "%s", all_errs(&e));
	w = c->workers[0];
	cr_assert_eq(w->nlisten, 4);
	for (int i = 0; i < 4; i++) {
		cr_assert_str_eq(w->listen[i].key, want[i][0]);
		cr_assert_str_eq(w->listen[i].name, want[i][1]);
		cr_assert_eq(w->listen[i].kind, LISTEN_TCP);
	}
	w = c->workers[1];
	snprintf(path, sizeof(path), "unix:%s/b.sock", tdir);
	cr_assert_eq(w->listen[0].kind, LISTEN_UNIX);
	cr_assert_str_eq(w->listen[0].key, path);
	cr_assert_str_eq(w->listen[0].path, path + 5);
	cr_assert_str_eq(w->listen[0].name, "b");
	cfg_free(c);
}

Test(supd_config, normal_exit_lists_statuses_and_signals)
{
	struct cfg_errors e;
	struct sup_config *c = NULL;
	const char *text = "[worker d]\ncommand = /bin/true\n"
	    "[worker w]\ncommand = /bin/true\nnormal_exit = 0 143 HUP\n";
	const struct cfg_exit_set *def, *set;

	cr_assert_eq(cfg_load_text("/tmp/x/sup.conf", text, strlen(text),
	    "/tmp/x/run", 0, &c, &e), SUP_OK, "%s", all_errs(&e));
	def = &c->workers[0]->normal_exit;
	set = &c->workers[1]->normal_exit;
	cr_assert(rst_exit_normal(def, true, 0, 0) &&
	    rst_exit_normal(def, false, 0, SIGTERM));
	cr_assert_not(rst_exit_normal(def, false, 0, SIGHUP));
	cr_assert(rst_exit_normal(set, true, 0, 0) &&
	    rst_exit_normal(set, true, 143, 0) &&
	    rst_exit_normal(set, false, 0, SIGHUP));
	cr_assert_not(rst_exit_normal(set, false, 0, SIGTERM),
	    "the list replaces the default");
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
	cr_assert_not_null(worker_find(c, "w"), "no worker w in the config");
	cr_assert_str_eq(worker_find(c, "w")->path, want);
	cfg_free(c);
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
	c = load_ok("check_system_resolves_the_current_user", text, SYS);
	cr_assert_not_null(w = worker_find(c, "w"), "no worker w");
	cr_assert(w->has_user);
	cr_assert_eq(w->uid, pw->pw_uid);
	cr_assert_eq(w->gid, pw->pw_gid);
	cr_assert_str_eq(w->home, pw->pw_dir);
	cr_assert_geq(w->ngroups, 1);
	cr_assert_str_eq(w->directory, tpath("work"));
	cfg_free(c);
}
