/*
 * supctl/history.c — supctl history [NAME] [--since D]: every
 * exit, restart and decision, with its reason and what decided it.
 *
 * Asked of supd when it runs (it reads its own database, whatever its
 * path); read from the database directly when supd is down, which is when
 * one wants to know what happened: the state path of -c CONFIG, else
 * RUN/state.db.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "shared/config.h"
#include "common/rundir.h"
#include "state/state.h"
#include "supctl.h"

#define HISTORY_LIMIT PROTO_HISTORY_LIMIT

static int
row_json(void *arg, const struct st_event *e)
{
	json_t *rows = arg;
	char at[32];

	clk_iso8601(e->at, at);
	json_array_append_new(rows, json_pack("{s:s, s:I, s:s, s:s, s:o, s:o, "
	    "s:o, s:o, s:o}", "at", at, "at_ms", (json_int_t)e->at, "name",
	    e->name, "event", e->event,
	    "pid", e->pid > 0 ? json_integer(e->pid) : json_null(),
	    "code", e->has_code ? json_integer(e->code) : json_null(),
	    "signal", e->signal ? json_integer(e->signal) : json_null(),
	    "reason", e->reason ? json_string(e->reason) : json_null(),
	    "decided_by", e->decided_by ? json_string(e->decided_by)
					: json_null()));
	return 0;
}

/* supd is down: read its database ourselves. */
static json_t *
history_from_db(struct ctl_opts *o, const char *name, int64_t since,
    int *code)
{
	char path[PATH_MAX], why[512];
	struct cfg_errors errs;
	struct sup_config *c;
	json_t *rows;
	st_db *db;
	sup_err e;

	rundir_path(o->run_dir, RUN_STATE_DB, NULL, path, sizeof(path));
	if (o->config != NULL &&
	    cfg_load(o->config, NULL, 0, &c, &errs) == SUP_OK) {
		bool off = c->state_off;
		if (!off)
			snprintf(path, sizeof(path), "%s", c->state_path);
		cfg_free(c);
		if (off) {
			ctl_say("no history: %s says state = off", o->config);
			*code = PROTO_FAILED;
			return NULL;
		}
	}
	if (ctl_db_check(path, TRUST_MINE_OR_ROOT, code) == SUP_EREFUSED)
		return NULL;
	if ((e = st_open_ro(path, &db, why, sizeof(why))) != SUP_OK) {
		ctl_say("supd is not running, and its database %s cannot be "
		    "read: %s", path, why);
		*code = PROTO_NOT_RUNNING;
		return NULL;
	}
	rows = json_array();
	e = st_history_each(db, name, since, HISTORY_LIMIT, row_json, rows);
	st_close(db);
	if (e != SUP_OK) {
		ctl_say("cannot read %s: %s", path, sup_strerror(e));
		json_decref(rows);
		*code = PROTO_FAILED;
		return NULL;
	}
	return rows;
}

static json_t *
history_get(struct ctl_opts *o, const char *name, int64_t since, int *code)
{
	json_t *req, *r, *rows;

	if (ctl_supd_pid(o, true, code) == 0)
		return *code == PROTO_NOT_RUNNING ? history_from_db(o, name, since,
		    code) : NULL;
	req = proto_request(PROTO_HISTORY);
	json_object_set_new(req, PROTO_F_SINCE, json_integer(since));
	json_object_set_new(req, PROTO_F_LIMIT, json_integer(HISTORY_LIMIT));
	if (name != NULL)
		json_object_set_new(req, PROTO_F_NAME, json_string(name));
	if ((r = ctl_request(o, req, 10000, code)) == NULL)
		return NULL;
	rows = json_incref(json_object_get(r, "history"));
	json_decref(r);
	return rows;
}

static void
history_print(json_t *rows)
{
	size_t i, wn = 4, we = 5;
	json_t *e;

	json_array_foreach(rows, i, e) {
		size_t a = strlen(json_string_value(json_object_get(e, "name")));
		size_t b = strlen(json_string_value(json_object_get(e, "event")));
		wn = a > wn ? a : wn;
		we = b > we ? b : we;
	}
	printf("%-24s  %-*s  %-*s  %-7s  %s\n", "TIME", (int)wn, "NAME",
	    (int)we, "EVENT", "PID", "REASON (DECIDED BY)");
	json_array_foreach(rows, i, e) {
		json_t *pid = json_object_get(e, "pid");
		const char *reason = json_string_value(json_object_get(e,
		    "reason"));
		const char *by = json_string_value(json_object_get(e,
		    "decided_by"));
		char pbuf[16] = "-";
		if (json_is_integer(pid))
			snprintf(pbuf, sizeof(pbuf), "%lld",
			    (long long)json_integer_value(pid));
		printf("%-24s  %-*s  %-*s  %-7s  %s%s%s%s\n",
		    json_string_value(json_object_get(e, "at")), (int)wn,
		    json_string_value(json_object_get(e, "name")), (int)we,
		    json_string_value(json_object_get(e, "event")), pbuf,
		    reason ? reason : "", by ? (reason ? " (" : "(") : "",
		    by ? by : "", by ? ")" : "");
	}
}

int
verb_history(struct ctl_opts *o, int argc, char **argv)
{
	int64_t since = 0;
	json_t *rows;
	int code;

	if (argc > 1) {
		ctl_say("usage: supctl history [NAME] [--since D] [--json]");
		return PROTO_USAGE;
	}
	if (o->since_ms >= 0)
		since = clk_real_ms() - o->since_ms;
	rows = history_get(o, argc ? argv[0] : NULL, since, &code);
	if (rows == NULL)
		return code;
	if (o->json) {
		json_dumpf(rows, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		history_print(rows);
	}
	json_decref(rows);
	return PROTO_OK;
}
