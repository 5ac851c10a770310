/*
 * shared/config_keys.c — every key of sup.conf: its parser, its
 * default, and the message a wrong value gets (sup.conf(5) documents the
 * same table; keep them together).
 *
 * A setter either stores a valid value or reports exactly one error
 * naming the key and what was expected, and stores nothing.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/size.h"
#include "common/argv.h"
#include "common/dur.h"
#include "common/hostport.h"
#include "common/mem.h"
#include "common/sig.h"
#include "common/suggest.h"
#include "config_parse.h"

#define IN_SUP (1u << SECT_SUPERVISOR)
#define IN_GROUP (1u << SECT_GROUP)
#define IN_WORKER (1u << SECT_WORKER)

typedef void (*setter)(struct parser *, struct section *, const char *,
    const char *);

struct keydef {
	const char *key;
	unsigned in; /* IN_* where the key is allowed */
	setter set;
	bool repeatable;
};

void
cfg_group_defaults(struct cfg_group *g)
{
	g->strategy = STRAT_ONE_FOR_ONE;
	g->intensity = 5;
	g->period_ms = 10000;
	g->shutdown_ms = DUR_INFINITY;
	g->backoff = (struct cfg_backoff){100, 30000, 10000};
}

void
cfg_worker_defaults(struct cfg_worker *w)
{
	w->restart = RESTART_PERMANENT;
	w->instances = 1;
	w->ready = READY_NONE;
	w->start_timeout_ms = 5000;
	w->shutdown_ms = 5000;
	w->stop_signal = 15; /* SIGTERM */
	w->pool_intensity = -1;
	/* OTP's shutdown, for a process: status 0, or killed by SIGTERM. */
	cfg_exit_set_add_code(&w->normal_exit, 0);
	cfg_exit_set_add_sig(&w->normal_exit, 15);
	w->backoff = (struct cfg_backoff){100, 30000, 10000};
	w->out = OUT_LOG;
	w->log_max_size = CFG_LOG_MAX_SIZE;
	w->log_keep = CFG_LOG_KEEP;
	w->log_timestamps = true;
	w->log_prefix = true;
	w->umask = 022;
	w->health_interval_ms = 10000;
	w->health_timeout_ms = 5000;
	w->health_retries = 3;
}

/* One of words[] or an error listing them (with a did-you-mean). */
static int
word_pick(struct parser *p, const char *key, const char *v,
    const char *const *words, size_t n)
{
	char list[256] = "";
	const char *hint;

	for (size_t i = 0; i < n; i++)
		if (strcmp(v, words[i]) == 0)
			return (int)i;
	for (size_t i = 0; i < n; i++) {
		strcat(list, words[i]);
		if (i + 1 < n)
			strcat(list, ", ");
	}
	hint = suggest(v, words, n);
	cfg_err(p, p->line, key, "\"%s\" is not one of %s%s%s%s", v, list,
	    hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "");
	return -1;
}

static const char *const strategy_words[] = {"one_for_one", "one_for_all",
    "rest_for_one"};
static const char *const restart_words[] = {"permanent", "transient",
    "temporary"};
static const char *const ready_words[] = {"none", "notify", "sup"};
static const char *const stdout_words[] = {"log", "inherit", "null"};
static const char *const give_up_words[] = {"exit", "stay"};
static const char *const durability_words[] = {"crash", "power"};
static const char *const start_failure_words[] = {"retry", "abort"};
#define NWORDS(a) (sizeof(a) / sizeof(a[0]))

const char *
cfg_strategy_name(enum cfg_strategy s)
{
	return strategy_words[s];
}

const char *
cfg_restart_name(enum cfg_restart r)
{
	return restart_words[r];
}

const char *
cfg_ready_name(enum cfg_ready r)
{
	return ready_words[r];
}

/* A duration; infinity only where allowed. Returns false on error. */
bool
cfg_dur_value(struct parser *p, const char *key, const char *v, bool inf_ok,
    int64_t *ms)
{
	int64_t t;
	sup_err e = dur_parse(v, &t);

	if (e == SUP_ETOOBIG) {
		cfg_err(p, p->line, key, "\"%s\" is longer than the longest "
		    "duration, " DUR_MAX_TEXT " (100 years)%s", v, inf_ok ?
		    "; use infinity for no limit" : "");
		return false;
	}
	if (e != SUP_OK && dur_finer_than_ms(v)) {
		cfg_err(p, p->line, key, "\"%s\" is finer than a millisecond: "
		    "durations are whole milliseconds (like 1.5s or 1500ms)", v);
		return false;
	}
	if (e != SUP_OK) {
		cfg_err(p, p->line, key,
		    "\"%s\" is not a duration (like 250ms, 5s, 2m, 1h%s)", v,
		    inf_ok ? " or infinity" : "");
		return false;
	}
	if (t == DUR_INFINITY && !inf_ok) {
		cfg_err(p, p->line, key, "must be finite, not infinity");
		return false;
	}
	*ms = t;
	return true;
}

bool
cfg_int_value(struct parser *p, const char *key, const char *v, long lo,
    long hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (v[0] == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi) {
		cfg_err(p, p->line, key, "\"%s\" is not a whole number from "
		    "%ld to %ld", v, lo, hi);
		return false;
	}
	*out = (int)n;
	return true;
}

/* Relative paths are relative to the config file's directory. */
static char *
path_value(struct parser *p, const char *v)
{
	char *r = cfg_path_join(p->c->dir, v);

	if (r == NULL) {
		cfg_err(p, p->line, NULL, "out of memory");
		exit(1);
	}
	return r;
}

static void
set_strategy(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int i = word_pick(p, k, v, strategy_words, NWORDS(strategy_words));
	if (i >= 0)
		s->group->strategy = (enum cfg_strategy)i;
}

static void
set_intensity(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	cfg_int_value(p, k, v, 0, CFG_MAX_INTENSITY, &s->group->intensity);
}

/* A pool's own intensity and period (its instances' restarts). */
static void
set_pool_intensity(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	cfg_int_value(p, k, v, 0, CFG_MAX_INTENSITY,
	    &s->worker->pool_intensity);
}

/* A period: a finite duration longer than 0, into *out. */
static void
period_value(struct parser *p, const char *k, const char *v, int64_t *out)
{
	int64_t ms;

	if (!cfg_dur_value(p, k, v, false, &ms))
		return;
	if (ms == 0)
		cfg_err(p, p->line, k, "must be longer than 0");
	else
		*out = ms;
}

static void
set_pool_period(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	period_value(p, k, v, &s->worker->pool_period_ms);
}

static void
set_period(struct parser *p, struct section *s, const char *k, const char *v)
{
	period_value(p, k, v, &s->group->period_ms);
}

static void
set_shutdown(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int64_t ms;

	if (s->kind == SECT_WORKER && strcmp(v, "brutal_kill") == 0) {
		s->worker->brutal_kill = true;
		s->worker->shutdown_ms = 0;
		return;
	}
	if (dur_parse(v, &ms) != SUP_OK) {
		cfg_err(p, p->line, k, "\"%s\" is not a duration (like 5s), "
		    "infinity%s", v, s->kind == SECT_WORKER ? " or brutal_kill" : "");
		return;
	}
	if (s->kind == SECT_WORKER)
		s->worker->shutdown_ms = ms;
	else
		s->group->shutdown_ms = ms;
}

static struct cfg_backoff *
section_backoff(struct section *s)
{
	return s->kind == SECT_WORKER ? &s->worker->backoff : &s->group->backoff;
}

static void
set_backoff(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	char first[64] = "", cap[64] = "", extra[2] = "";
	struct cfg_backoff *b = section_backoff(s);
	int64_t f, m = b->max_ms;
	int n = sscanf(v, "%63s %63s %1s", first, cap, extra);

	if (n < 1 || n > 2) {
		cfg_err(p, p->line, k, "expected a first delay and a cap, "
		    "like \"100ms 30s\"");
		return;
	}
	if (!cfg_dur_value(p, k, first, false, &f) ||
	    (n == 2 && !cfg_dur_value(p, k, cap, false, &m)))
		return;
	if (n == 1 && f > m)
		m = f;
	if (f > m) {
		cfg_err(p, p->line, k, "the first delay (%s) is longer than "
		    "the cap (%s)", first, cap);
		return;
	}
	b->first_ms = f;
	b->max_ms = m;
}

static void
set_backoff_reset(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	cfg_dur_value(p, k, v, true, &section_backoff(s)->reset_ms);
}

static void
set_parent(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	(void)k;
	s->group->parent_name = xstrdup(v);
	s->group->parent_line = p->line;
}

static void
set_run_dir(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	(void)s;
	(void)k;
	free(p->c->run_dir);
	p->c->run_dir = path_value(p, v);
}

static void
set_state(struct parser *p, struct section *s, const char *k, const char *v)
{
	(void)s;
	(void)k;
	free(p->c->state_path);
	p->c->state_off = strcmp(v, "off") == 0;
	p->c->state_path = p->c->state_off ? NULL : path_value(p, v);
}

static void
set_give_up(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int i = word_pick(p, k, v, give_up_words, NWORDS(give_up_words));

	(void)s;
	if (i >= 0)
		p->c->on_give_up = (enum cfg_give_up)i;
}

static void
set_start_failure(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int i = word_pick(p, k, v, start_failure_words,
	    NWORDS(start_failure_words));

	if (i >= 0)
		s->group->start_failure = i == 0 ? START_FAILURE_RETRY
						 : START_FAILURE_ABORT;
}

static void
set_durability(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int i = word_pick(p, k, v, durability_words, NWORDS(durability_words));

	(void)s;
	if (i >= 0)
		p->c->durability = (enum cfg_durability)i;
}

/* http = ADDRESS:PORT (common/hostport.h): loopback unless written. */
static void
set_http(struct parser *p, struct section *s, const char *k, const char *v)
{
	const char *why;

	(void)s;
	if (hostport_parse(v, &p->c->http, &why) != SUP_OK) {
		cfg_err(p, p->line, k, "\"%s\" is not ADDRESS:PORT: %s", v,
		    why);
		return;
	}
	p->c->http_on = true;
}

static void
set_group(struct parser *p, struct section *s, const char *k, const char *v)
{
	(void)k;
	s->worker->group_name = xstrdup(v);
	s->worker->group_line = p->line;
}

/* NULL when path is an executable file, else why it is not. */
static const char *
not_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return strerror(errno);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (access(path, X_OK) != 0)
		return strerror(errno);
	return NULL;
}

/* An executable: a path with a slash, or a name looked up in PATH. */
static char *
exec_resolve(struct parser *p, const char *k, const char *arg0)
{
	const char *path = getenv("PATH"), *why;
	char *full, *dirs, *save = NULL;

	if (arg0[0] == '\0') {
		cfg_err(p, p->line, k, "the program name is empty");
		return NULL;
	}
	if (strchr(arg0, '/') != NULL) {
		full = path_value(p, arg0);
		if ((p->flags & CFG_CHECK_SYSTEM) &&
		    (why = not_executable(full)) != NULL) {
			cfg_err(p, p->line, k, "%s: %s", full, why);
			free(full);
			return NULL;
		}
		return full;
	}
	if (!(p->flags & CFG_CHECK_SYSTEM))
		return xstrdup(arg0);
	dirs = xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
		full = cfg_path_join(d[0] ? d : ".", arg0);
		if (full != NULL && not_executable(full) == NULL) {
			free(dirs);
			return full;
		}
		free(full);
	}
	free(dirs);
	cfg_err(p, p->line, k, "\"%s\" is not an executable in PATH (write "
	    "a path with a slash for a file, e.g. ./%s)", arg0, arg0);
	return NULL;
}

#define COMMENT_HINT                                                       \
	" (a blank followed by ';' starts a comment in sup.conf: write "   \
	"\"a; b\", not \"a ; b\")"

/* An unbalanced quote on a line where inih cut the value at " ;". */
static bool
comment_cut(const struct parser *p, const char *why)
{
	return p->raw != NULL && strstr(why, "quote") != NULL &&
	    (strstr(p->raw, " ;") != NULL || strstr(p->raw, "\t;") != NULL);
}

bool
cfg_command_value(struct parser *p, const char *k, const char *v,
    char ***argvp, char **pathp)
{
	const char *why = NULL;
	char **argv, *path;
	int argc;

	if (argv_split(v, &argv, &argc, &why) != SUP_OK) {
		cfg_err(p, p->line, k, "%s in \"%s\"%s", why, v,
		    comment_cut(p, why) ? COMMENT_HINT : "");
		return false;
	}
	if (argc == 0) {
		cfg_err(p, p->line, k, "empty command");
		argv_free(argv);
		return false;
	}
	if ((path = exec_resolve(p, k, argv[0])) == NULL) {
		argv_free(argv);
		return false;
	}
	*argvp = argv;
	*pathp = path;
	return true;
}

static void
set_command(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	struct cfg_worker *w = s->worker;
	char **argv, *path;

	w->command_set = true;
	if (!cfg_command_value(p, k, v, &argv, &path))
		return;
	free(w->path);
	free(w->command);
	argv_free(w->argv);
	w->path = path;
	w->command = xstrdup(v);
	w->argv = argv;
}

static void
set_restart(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int i = word_pick(p, k, v, restart_words, NWORDS(restart_words));

	if (i >= 0 && s->worker != NULL)
		s->worker->restart = (enum cfg_restart)i;
	else if (i >= 0) {
		s->group->restart = (enum cfg_restart)i;
		s->group->restart_line = p->line;
	}
}

static void
set_instances(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	cfg_int_value(p, k, v, 1, CFG_MAX_INSTANCES, &s->worker->instances);
}

static void
set_ready(struct parser *p, struct section *s, const char *k, const char *v)
{
	int i = word_pick(p, k, v, ready_words, NWORDS(ready_words));
	if (i >= 0)
		s->worker->ready = (enum cfg_ready)i;
}

static void
set_start_timeout(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int64_t ms;

	if (!cfg_dur_value(p, k, v, true, &ms))
		return;
	if (ms == 0)
		cfg_err(p, p->line, k, "must be longer than 0");
	else
		s->worker->start_timeout_ms = ms;
}

static void
set_stop_signal(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int sig = sig_parse(v);

	if (sig < 0)
		cfg_err(p, p->line, k, "\"%s\" is not a signal (like TERM, "
		    "INT, HUP or a number)", v);
	else
		s->worker->stop_signal = sig;
}

static void
set_directory(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	char *d = path_value(p, v);
	const char *bad = NULL;
	struct stat st;

	if (p->flags & CFG_CHECK_SYSTEM) {
		if (stat(d, &st) != 0)
			bad = strerror(errno);
		else if (!S_ISDIR(st.st_mode))
			bad = "not a directory";
	}
	if (bad != NULL) {
		cfg_err(p, p->line, k, "%s: %s", d, bad);
		free(d);
		return;
	}
	free(s->worker->directory);
	s->worker->directory = d;
}

static bool
user_groups(struct cfg_worker *w, const struct passwd *pw)
{
	int n = 32;

	for (int tries = 0; tries < 8; tries++) {
		w->groups = xrealloc(w->groups, (size_t)n, sizeof(gid_t));
		int want = n;
		if (getgrouplist(pw->pw_name, pw->pw_gid, w->groups, &want) >= 0) {
			w->ngroups = want;
			return true;
		}
		n = want > n ? want : n * 2;
	}
	return false;
}

static void
set_user(struct parser *p, struct section *s, const char *k, const char *v)
{
	struct cfg_worker *w = s->worker;
	struct passwd *pw;

	free(w->user);
	w->user = xstrdup(v);
	w->has_user = true;
	if (!(p->flags & CFG_CHECK_SYSTEM))
		return;
	errno = 0;
	if ((pw = getpwnam(v)) == NULL) {
		cfg_err(p, p->line, k, "no user named \"%s\"%s%s", v,
		    errno ? ": " : "", errno ? strerror(errno) : "");
		w->has_user = false;
		return;
	}
	if (geteuid() != 0 && pw->pw_uid != geteuid()) {
		cfg_err(p, p->line, k, "supd runs as uid %u, not root: it "
		    "cannot run a child as %s", (unsigned)geteuid(), v);
		w->has_user = false;
		return;
	}
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	free(w->home);
	w->home = xstrdup(pw->pw_dir);
	free(w->shell);
	w->shell = xstrdup(pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell :
	    "/bin/sh");
	if (!user_groups(w, pw)) {
		cfg_err(p, p->line, k, "cannot list the groups of %s", v);
		w->has_user = false;
	}
}

static bool
env_key_valid(const char *s)
{
	size_t n = strcspn(s, "=");

	if (n == 0 || s[n] != '=' || (s[0] >= '0' && s[0] <= '9'))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_") == n;
}

/* Set by supd for every child; a config may not override them. */
static bool
env_key_reserved(const char *kv)
{
	return strncmp(kv, "SUP_", 4) == 0 ||
	    strncmp(kv, "NOTIFY_SOCKET=", 14) == 0 ||
	    strncmp(kv, "LISTEN_FDS=", 11) == 0 ||
	    strncmp(kv, "LISTEN_PID=", 11) == 0 ||
	    strncmp(kv, "LISTEN_FDNAMES=", 15) == 0 ||
	    strncmp(kv, "WATCHDOG_USEC=", 14) == 0 ||
	    strncmp(kv, "WATCHDOG_PID=", 13) == 0;
}

static void
set_env(struct parser *p, struct section *s, const char *k, const char *v)
{
	struct cfg_worker *w = s->worker;
	const char *why = NULL;
	char **words;
	int n;

	if (argv_split(v, &words, &n, &why) != SUP_OK) {
		cfg_err(p, p->line, k, "%s in \"%s\"%s", why, v,
		    comment_cut(p, why) ? COMMENT_HINT : "");
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *bad = NULL;
		if (!env_key_valid(words[i]))
			bad = "is not NAME=VALUE (NAME: letters, digits and '_')";
		else if (env_key_reserved(words[i]))
			bad = "is reserved: supd sets SUP_*, NOTIFY_SOCKET, "
			      "LISTEN_* and WATCHDOG_* itself";
		if (bad != NULL) {
			cfg_err(p, p->line, k, "\"%s\" %s", words[i], bad);
			argv_free(words);
			return;
		}
	}
	w->env = xrealloc(w->env, (size_t)(w->nenv + n + 1), sizeof(char *));
	for (int i = 0; i < n; i++)
		w->env[w->nenv++] = xstrdup(words[i]);
	w->env[w->nenv] = NULL;
	argv_free(words);
}

static void
set_stdout(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int i = word_pick(p, k, v, stdout_words, NWORDS(stdout_words));
	if (i >= 0)
		s->worker->out = (enum cfg_stdout)i;
}

/* log_timestamps, log_prefix = true | false: through the log holder. */
static void
set_log_bool(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
		cfg_err(p, p->line, k, "\"%s\" is not true or false", v);
		return;
	}
	*(strcmp(k, "log_prefix") == 0 ? &s->worker->log_prefix
	    : &s->worker->log_timestamps) = v[0] == 't';
}

/* A libsup worker's checkpoint policy, passed on as SUP_CHECKPOINT. */
static void
set_checkpoint(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int64_t ms;

	if (strcmp(v, "each") != 0 && strcmp(v, "manual") != 0 &&
	    (dur_parse(v, &ms) != SUP_OK || ms == 0 || ms == DUR_INFINITY)) {
		cfg_err(p, p->line, k, "\"%s\" is not each, manual or a "
		    "duration (like 1s)", v);
		return;
	}
	free(s->worker->checkpoint);
	s->worker->checkpoint = xstrdup(v);
}

/* A libsup worker's idle hibernation, passed on as SUP_HIBERNATE_AFTER. */
static void
set_hibernate_after(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int64_t ms;

	if (dur_parse(v, &ms) != SUP_OK) {
		cfg_err(p, p->line, k, "\"%s\" is not a duration (like 30s, "
		    "or infinity for never)", v);
		return;
	}
	if (ms == 0) {
		cfg_err(p, p->line, k, "must be more than 0 (infinity for "
		    "never)");
		return;
	}
	free(s->worker->hibernate_after);
	s->worker->hibernate_after = xstrdup(v); /* infinity: never, whatever
						  * the program's default */
}

/* log_max_size = SIZE: bytes, or with K, M, G or T (1024s); 0: never. */
static void
set_log_max_size(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	int64_t n;
	sup_err e = size_parse(v, &n);

	if (e == SUP_ETOOBIG)
		cfg_err(p, p->line, k, "\"%s\" is larger than the largest size, "
		    "1024T", v);
	else if (e != SUP_OK)
		cfg_err(p, p->line, k, "\"%s\" is not a size (like 50M, 512K "
		    "or 0 for never)", v);
	else if (s->kind == SECT_SUPERVISOR)
		p->c->log_max_size = n; /* supd.log's own */
	else
		s->worker->log_max_size = n;
}

static void
set_log_keep(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	cfg_int_value(p, k, v, 1, 100, s->kind == SECT_SUPERVISOR ?
	    &p->c->log_keep : &s->worker->log_keep);
}

/* umask = 022: octal, 3 or 4 digits, at most 0777. */
static void
set_umask(struct parser *p, struct section *s, const char *k, const char *v)
{
	size_t len = strlen(v);
	unsigned long m;
	char *end;

	errno = 0;
	m = strtoul(v, &end, 8);
	if (len < 1 || len > 4 || *end != '\0' || errno != 0 || m > 0777 ||
	    strspn(v, "01234567") != len) {
		cfg_err(p, p->line, k, "\"%s\" is not a umask (an octal mode "
		    "like 022, 027 or 077)", v);
		return;
	}
	s->worker->umask = (mode_t)m;
	s->worker->umask_set = true;
}

static const struct keydef keys[] = {
	{"run_dir", IN_SUP, set_run_dir, false},
	{"state", IN_SUP, set_state, false},
	{"on_give_up", IN_SUP, set_give_up, false},
	{"durability", IN_SUP, set_durability, false},
	{"on_start_failure", IN_SUP | IN_GROUP, set_start_failure, false},
	{"http", IN_SUP, set_http, false},
	{"parent", IN_GROUP, set_parent, false},
	{"strategy", IN_SUP | IN_GROUP, set_strategy, false},
	{"intensity", IN_SUP | IN_GROUP, set_intensity, false},
	{"period", IN_SUP | IN_GROUP, set_period, false},
	{"shutdown", IN_SUP | IN_GROUP | IN_WORKER, set_shutdown, false},
	{"backoff", IN_GROUP | IN_WORKER, set_backoff, false},
	{"backoff_reset", IN_GROUP | IN_WORKER, set_backoff_reset, false},
	{"group", IN_WORKER, set_group, false},
	{"command", IN_WORKER, set_command, false},
	{"restart", IN_GROUP | IN_WORKER, set_restart, false},
	{"significant", IN_WORKER, cfg_set_significant, false},
	{"auto_shutdown", IN_SUP | IN_GROUP, cfg_set_auto_shutdown, false},
	{"instances", IN_WORKER, set_instances, false},
	{"pool_intensity", IN_WORKER, set_pool_intensity, false},
	{"pool_period", IN_WORKER, set_pool_period, false},
	{"ready", IN_WORKER, set_ready, false},
	{"start_timeout", IN_WORKER, set_start_timeout, false},
	{"stop_signal", IN_WORKER, set_stop_signal, false},
	{"normal_exit", IN_WORKER, cfg_set_normal_exit, false},
	{"ignore_exit", IN_WORKER, cfg_set_ignore_exit, false},
	{"directory", IN_WORKER, set_directory, false},
	{"user", IN_WORKER, set_user, false},
	{"umask", IN_WORKER, set_umask, false},
	{"env", IN_WORKER, set_env, true},
	{"stdout", IN_WORKER, set_stdout, false},
	{"log_max_size", IN_SUP | IN_WORKER, set_log_max_size, false},
	{"log_keep", IN_SUP | IN_WORKER, set_log_keep, false},
	{"log_timestamps", IN_WORKER, set_log_bool, false},
	{"log_prefix", IN_WORKER, set_log_bool, false},
	{"checkpoint", IN_WORKER, set_checkpoint, false},
	{"hibernate_after", IN_WORKER, set_hibernate_after, false},
	{"listen", IN_WORKER, cfg_set_listen, true},
	{"listen_name", IN_WORKER, cfg_set_listen_name, true},
	{"watchdog", IN_WORKER, cfg_set_watchdog, false},
	{"health", IN_WORKER, cfg_set_health, false},
	{"health_interval", IN_WORKER, cfg_set_health_dur, false},
	{"health_timeout", IN_WORKER, cfg_set_health_dur, false},
	{"health_start_period", IN_WORKER, cfg_set_health_dur, false},
	{"health_retries", IN_WORKER, cfg_set_health_retries, false},
	{"cgroups", IN_SUP, cfg_set_cgroups, false},
	{"memory_max", IN_WORKER, cfg_set_memory, false},
	{"memory_restart", IN_WORKER, cfg_set_memory, false},
	{"pids_max", IN_WORKER, cfg_set_pids_max, false},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void
key_unknown(struct parser *p, struct section *s, const char *key)
{
	const char *names[NKEYS], *hint;
	size_t n = 0;

	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].in & (1u << s->kind))
			names[n++] = keys[i].key;
	hint = suggest(key, names, n);
	cfg_err(p, p->line, key, "unknown key in [%s]%s%s%s", s->title,
	    hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "");
}

/* False (and an error) when the key was already set in this section. */
static bool
key_first(struct parser *p, struct section *s, const struct keydef *kd)
{
	for (int i = 0; i < s->nseen; i++)
		if (s->seen[i].key == kd->key) {
			cfg_err(p, p->line, kd->key, "set twice in [%s] (first "
			    "at line %d)", s->title, s->seen[i].line);
			return false;
		}
	s->seen = xrealloc(s->seen, (size_t)s->nseen + 1, sizeof(*s->seen));
	s->seen[s->nseen++] = (struct seen_key){kd->key, p->line};
	return true;
}

void
cfg_key_apply(struct parser *p, const char *key, const char *value)
{
	struct section *s = p->cur;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct keydef *kd = &keys[i];
		if (strcmp(kd->key, key) != 0)
			continue;
		if (!(kd->in & (1u << s->kind))) {
			cfg_err(p, p->line, key, "not allowed in [%s]",
			    s->title);
			return;
		}
		if (!kd->repeatable && !key_first(p, s, kd))
			return;
		if (value[0] == '\0' && kd->set != set_env) {
			cfg_err(p, p->line, key, "empty value");
			return;
		}
		kd->set(p, s, key, value);
		return;
	}
	key_unknown(p, s, key);
}

void
cfg_worker_finish(struct parser *p, struct cfg_worker *w)
{

	if (w->argv == NULL && !w->command_set)
		cfg_err(p, w->line, NULL, "[worker %s]: command is required "
		    "(the program to run, e.g. command = ./my-worker --port=80)",
		    w->name);
	if (w->group_name == NULL) {
		w->group_name = xstrdup("root");
		w->group_line = w->line;
	}
	w->group = cfg_group_ref(p, w->group_name, w->group_line, "group");
	cfg_listen_finish(p, w);
}
