/*
 * shared/config.h — sup.conf, parsed and validated.
 *
 * cfg_load() turns a file into a read-only sup_config: every key checked,
 * every relative path resolved against the file's directory, every group
 * reference resolved. Nothing here forks or opens anything but the file;
 * supd builds its tree from the result (tree.c).
 */
#ifndef SUPD_CONFIG_H
#define SUPD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/hostport.h"
#include "sup/err.h"

enum cfg_strategy { STRAT_ONE_FOR_ONE, STRAT_ONE_FOR_ALL, STRAT_REST_FOR_ONE };
enum cfg_restart { RESTART_PERMANENT, RESTART_TRANSIENT, RESTART_TEMPORARY };
enum cfg_ready { READY_NONE, READY_NOTIFY, READY_SUP };
enum cfg_stdout { OUT_LOG, OUT_INHERIT, OUT_NULL };
enum cfg_give_up { GIVE_UP_EXIT, GIVE_UP_STAY };
enum cfg_durability { DURABILITY_CRASH, DURABILITY_POWER };
/* on_start_failure: a group without the key does as its parent; root's
 * default is retry. */
enum cfg_start_failure { START_FAILURE_INHERIT, START_FAILURE_RETRY,
	START_FAILURE_ABORT };
/* auto_shutdown (OTP 24): when a group ends on its own, after its
 * significant children did. */
enum cfg_auto_shutdown { AUTO_SHUTDOWN_NEVER, AUTO_SHUTDOWN_ANY,
	AUTO_SHUTDOWN_ALL };

#define CFG_MAX_INSTANCES 10000
#define CFG_LOG_MAX_SIZE (50LL * 1024 * 1024) /* as supervisord */
#define CFG_LOG_KEEP 5
#define CFG_NAME_MAX 64
#define CFG_MAX_INTENSITY 10000 /* a group's intensity at most */
#define CFG_LISTEN_MAX 16	/* listening sockets of one worker at most */
#define CFG_LISTEN_NAME_MAX 64	/* a listen_name's length at most */

/* Exit statuses (0-255) and signals (1-64) that count as a normal exit
 * (normal_exit): bit k of codes for status k, bit s-1 of sigs for s. */
struct cfg_exit_set {
	uint8_t codes[32];
	uint64_t sigs;
};

/* Backoff of one child (worker or group): DESIGN.md section 3. */
struct cfg_backoff {
	int64_t first_ms;
	int64_t max_ms;
	int64_t reset_ms;
};

struct cfg_group {
	char *name;	    /* owned; "root" for [supervisor] */
	int line;	    /* of the section header (0 for an implicit root) */
	char *parent_name;  /* owned; NULL for root */
	int parent_line;    /* of the parent key, or of the header */
	struct cfg_group *parent; /* borrowed: from the same sup_config */
	enum cfg_strategy strategy;
	int intensity;
	int64_t period_ms;
	int64_t shutdown_ms; /* DUR_INFINITY by default */
	struct cfg_backoff backoff;
	enum cfg_start_failure start_failure;
	enum cfg_restart restart;  /* in its parent; root: none */
	int restart_line;	   /* of the restart key, or 0 */
	enum cfg_auto_shutdown auto_shutdown;
	int auto_shutdown_line;	   /* of the key, or 0 */
};

/*
 * A listening socket supd opens and holds for a worker, and passes to it
 * as systemd does (LISTEN_FDS): listen = tcp:127.0.0.1:8080, unix:PATH.
 */
enum cfg_listen_kind { LISTEN_TCP, LISTEN_UNIX };

struct cfg_listen {
	enum cfg_listen_kind kind;
	struct hostport tcp; /* LISTEN_TCP: the address (no port 0) */
	char *path;	     /* owned: LISTEN_UNIX, absolute */
	char *key;	     /* owned: "tcp:127.0.0.1:8080", "tcp:[::1]:80",
			      * "unix:/abs/path": names the socket */
	char *name;	     /* owned: its LISTEN_FDNAMES entry */
	int line;
};

struct cfg_worker {
	char *name;	   /* owned */
	int line;
	char *group_name;  /* owned; "root" by default */
	int group_line;	   /* of the group key, or of the header */
	struct cfg_group *group; /* borrowed: from the same sup_config */
	char *command;	   /* owned: as written */
	bool command_set;  /* the key was there, valid or not */
	char **argv;	   /* owned (argv_split) */
	char *path;	   /* owned: the resolved executable */
	enum cfg_restart restart;
	bool significant;  /* its end can end its group (auto_shutdown) */
	int pool_intensity; /* a pool's own; -1: its group's */
	int64_t pool_period_ms; /* likewise; 0: its group's */
	int significant_line;
	int instances;
	enum cfg_ready ready;
	int64_t start_timeout_ms;
	int64_t shutdown_ms;
	bool brutal_kill;
	int stop_signal;
	struct cfg_exit_set normal_exit; /* default: status 0 and SIGTERM */
	struct cfg_exit_set ignore_exit; /* statuses that say ignore; none */
	struct cfg_backoff backoff;
	char *directory;   /* owned: absolute, or NULL */
	bool has_user;
	char *user;	   /* owned */
	uid_t uid;
	gid_t gid;
	gid_t *groups;	   /* owned: supplementary groups */
	int ngroups;
	char *home;	   /* owned: the user's home directory */
	char *shell;	   /* owned: the user's login shell */
	mode_t umask;	   /* the child's umask (default 022) */
	bool umask_set;	   /* umask = was given */
	char **env;	   /* owned: NULL-terminated "KEY=VALUE" */
	int nenv;
	enum cfg_stdout out;
	int64_t log_max_size; /* bytes: rotated when over it; 0 no */
	int log_keep;	   /* rotated files kept: NAME.log.1 ... */
	bool log_timestamps; /* stdout = log: lines stamped by the holder */
	bool log_prefix;   /* stdout = inherit: "NAME | " by the holder */
	char *checkpoint;  /* owned: each | DURATION | manual, or NULL */
	char *hibernate_after; /* owned: DURATION, or NULL (off) */
	struct cfg_listen *listen; /* owned: nlisten sockets, in order (fd 3..) */
	int nlisten;
	char **listen_names; /* owned: listen_name's words, until finish */
	int nlisten_names;
	int listen_name_line;

	/* Hung is not alive (config_health.c). */
	int64_t watchdog_ms;	   /* WATCHDOG=1 at least this often; 0: off */
	int watchdog_line;	   /* of the key, or 0 */
	char *health;		   /* owned: the probe as written, or NULL */
	char **health_argv;	   /* owned (argv_split) */
	char *health_path;	   /* owned: the probe's resolved executable */
	int health_line;	   /* of the health key, or 0 */
	int64_t health_interval_ms; /* from the end of a probe to the next */
	int64_t health_timeout_ms;  /* a probe still running then fails */
	int64_t health_start_period_ms; /* failures after ready do not count */
	int health_retries;	   /* consecutive failures that restart it */
	int health_opts_line;	   /* of the first health_* key, or 0 */

	/* Its cgroup (config_cgroup.c); 0: no limit. */
	int64_t memory_max;	   /* bytes, RAM and swap */
	int64_t memory_restart;	   /* bytes: restarted once past it */
	int memory_line;	   /* of the last memory_* key, or 0 */
	int pids_max;		   /* processes and threads */
};

/* A section in file order: children start in this order within a group. */
struct cfg_item {
	bool is_group;
	union {
		struct cfg_group *group;   /* borrowed */
		struct cfg_worker *worker; /* borrowed */
	} u;
};

struct sup_config {
	char *path;	 /* owned: as given */
	char *dir;	 /* owned: absolute directory of the file */
	char *run_dir;	 /* owned: absolute */
	char *state_path; /* owned: absolute */
	bool state_off;	 /* state = off: no database at all */
	enum cfg_give_up on_give_up;
	enum cfg_durability durability;
	bool http_on;		 /* http = was given: serve HTTP there */
	bool cgroups_off;	 /* cgroups = off: none, even where allowed */
	struct hostport http;	 /* GET /metrics, /healthz... (supd(8)) */
	int64_t log_max_size;	 /* supd.log rotated past it; 0: never */
	int log_keep;		 /* rotated supd.log files kept */
	struct cfg_group *root;	   /* borrowed: groups[0] */
	struct cfg_group **groups; /* owned */
	int ngroups;
	struct cfg_worker **workers; /* owned */
	int nworkers;
	struct cfg_item *items;	     /* owned: groups (not root) and workers */
	int nitems;
	char *text;	 /* owned: the bytes it was read from (a reload
			  * compares against them; a re-exec runs them) */
	size_t text_len;
};

/* Error messages collected while loading, each "file:line: key: what". */
struct cfg_errors {
	char **msgs; /* owned */
	int n;
};

/* cfg_load() flags. */
enum {
	/*
	 * Check the system too: executables exist, directories exist, users
	 * exist and supd may switch to them. supd sets it; supctl, which only
	 * needs run_dir, does not.
	 */
	CFG_CHECK_SYSTEM = 1,
};

/*
 * Loads and validates path. Returns SUP_OK and a new config (free it with
 * cfg_free()), or SUP_EINVAL with every problem found in errs (free it with
 * cfg_errors_fini()); no config is returned then. SUP_ESYS|errno when the
 * file cannot be read (errs says so too). default_run_dir is used when the
 * file sets no run_dir (borrowed).
 */
sup_err cfg_load(const char *path, const char *default_run_dir,
    unsigned flags, struct sup_config **out, struct cfg_errors *errs);

/* A config file is at most this big, its lines at most this long. */
#define CFG_FILE_MAX (4 << 20)
#define CFG_LINE_MAX 65536

/*
 * The same for a file already read: len bytes of buf (no NUL needed),
 * named path in messages and for relative paths.
 */
sup_err cfg_load_text(const char *path, const char *buf, size_t len,
    const char *default_run_dir, unsigned flags, struct sup_config **out,
    struct cfg_errors *errs);

void cfg_free(struct sup_config *c);
void cfg_errors_fini(struct cfg_errors *errs);

/* The group named name, or NULL. */
struct cfg_group *cfg_group_find(const struct sup_config *c, const char *name);

/* A pool's restart intensity and period: its own, or its group's
 * (inline: the engine links without the parser). */
static inline int
cfg_pool_intensity(const struct cfg_worker *w)
{
	return w->pool_intensity >= 0 ? w->pool_intensity
				      : w->group->intensity;
}

static inline int64_t
cfg_pool_period_ms(const struct cfg_worker *w)
{
	return w->pool_period_ms > 0 ? w->pool_period_ms
				     : w->group->period_ms;
}

/* Words for enums, as written in sup.conf. Static storage. */
const char *cfg_strategy_name(enum cfg_strategy s);
const char *cfg_restart_name(enum cfg_restart r);
const char *cfg_ready_name(enum cfg_ready r);

/*
 * The run dir to use when neither -r, $SUP_RUN_DIR nor a config gives
 * one: /run/sup for root, else $XDG_RUNTIME_DIR/sup, else /tmp/sup-UID.
 * Returns a new string; free() it.
 */
char *cfg_default_run_dir(void);

/*
 * Joins dir and a relative path and removes "." and ".." lexically
 * (symlinks are not resolved). An absolute path is only normalized.
 * Returns a new string, or NULL on ENOMEM.
 */
char *cfg_path_join(const char *dir, const char *path);

#endif
