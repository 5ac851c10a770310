/*
 * shared/config_parse.h — private to config.c, config_keys.c and
 * config_exit.c: the parser state shared by the section framework and the
 * key setters.
 */
#ifndef SUPD_CONFIG_PARSE_H
#define SUPD_CONFIG_PARSE_H

#include <stdbool.h>

#include "common/strmap.h"
#include "config.h"

enum sect_kind { SECT_SUPERVISOR, SECT_GROUP, SECT_WORKER, SECT_BAD };

/* The keys set in one section so far, to catch duplicates. */
struct seen_key {
	const char *key; /* borrowed: static key table */
	int line;
};

struct section {
	enum sect_kind kind;
	int line;
	char *title;		  /* owned: "worker kv" as written */
	struct cfg_group *group;   /* borrowed: from the config (group, root) */
	struct cfg_worker *worker; /* borrowed: from the config */
	struct seen_key *seen;	   /* owned */
	int nseen;
};

struct parser {
	const char *path;	/* borrowed: as given, for messages */
	unsigned flags;
	struct sup_config *c;	/* the config being built */
	struct cfg_errors *errs;
	struct section *sects;	/* owned */
	int nsects;
	struct strmap sect_names; /* group and worker names: index + 1 */
	struct section *cur;	/* borrowed: sects[], the one being read */
	int line;		/* of the line being read */
	bool line_bad;		/* a syntax error already reported on it */
	char *raw;		/* owned: the line being read, as written */
	bool have_supervisor;
};

/* Records "path:line: key: message" (key may be NULL). */
void cfg_err(struct parser *p, int line, const char *key, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* Applies one key of the current section; reports what is wrong. */
void cfg_key_apply(struct parser *p, const char *key, const char *value);

/* Sets the documented defaults of a new group or worker. */
void cfg_group_defaults(struct cfg_group *g);
void cfg_worker_defaults(struct cfg_worker *w);

/* The group named name, or NULL after an error with a did-you-mean. */
struct cfg_group *cfg_group_ref(struct parser *p, const char *name, int line,
    const char *key);

/* config_exit.c: normal_exit, and the sets it makes. */
void cfg_set_normal_exit(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_set_ignore_exit(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_exit_set_add_code(struct cfg_exit_set *set, int code);
void cfg_exit_set_add_sig(struct cfg_exit_set *set, int sig);

/* config_significant.c: significant, auto_shutdown and their rules. */
void cfg_set_significant(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_set_auto_shutdown(struct parser *p, struct section *s,
    const char *k, const char *v);
void cfg_significant_check(struct parser *p);

/* config_listen.c: listen, listen_name, and their rules. */
void cfg_set_listen(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_set_listen_name(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_listen_finish(struct parser *p, struct cfg_worker *w);
void cfg_listen_check(struct parser *p);
void cfg_listen_free(struct cfg_worker *w);
/* config_health.c: watchdog, health and the health_* keys. */
void cfg_set_watchdog(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_set_health(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_set_health_dur(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_set_health_retries(struct parser *p, struct section *s,
    const char *k, const char *v);
void cfg_health_check(struct parser *p);
/* config_cgroup.c: cgroups, memory_max, memory_restart, pids_max. */
void cfg_set_memory(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_set_pids_max(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_set_cgroups(struct parser *p, struct section *s, const char *k,
    const char *v);
void cfg_cgroup_check(struct parser *p);

/* config_keys.c, for the setters of other files: a duration (infinity
 * only when inf_ok) into *ms, or an error and false; a command line
 * split and its program resolved (a path, or looked up in PATH) into
 * *argv and *path, or an error and false. */
bool cfg_dur_value(struct parser *p, const char *key, const char *v,
    bool inf_ok, int64_t *ms);
bool cfg_int_value(struct parser *p, const char *key, const char *v,
    long lo, long hi, int *out);
bool cfg_command_value(struct parser *p, const char *key, const char *v,
    char ***argv, char **path);

/* Checks what needs the whole file: required keys, references, system. */
void cfg_worker_finish(struct parser *p, struct cfg_worker *w);

#endif
